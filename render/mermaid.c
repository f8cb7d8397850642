/* mermaid.c - one run as a Mermaid sequenceDiagram, for Markdown: the
 * hosts as participants, calls as notes, packets as messages. */
#include <stdio.h>

#include "render.h"

static void mermaid(FILE *out, const struct plan *plan, const struct result *res,
		    const struct render_opts *o)
{
	(void)plan;
	(void)res;
	(void)o;
	fprintf(out, "sequenceDiagram\n");
}

const struct renderer render_mermaid = {"mermaid", mermaid};
