/* outputs.c - see outputs.h */
#include "outputs.h"

#include <stdlib.h>

#include "cli.h"

static const struct renderer *const kinds[3] = {&render_html, &render_svg, &render_mermaid};
static const char *const flags[3] = {"--html", "--svg", "--mermaid"};

int outputs_option(struct outputs *out, int c, const char *arg)
{
	if (c < OUTPUT_HTML || c > OUTPUT_MERMAID)
		return 0;
	out->path[c - OUTPUT_HTML] = arg;
	return 1;
}

void outputs_setup(struct outputs *out, struct pool_opts *po)
{
	for (int k = 0; k < 3; k++)
		if (out->path[k] && po->nextra < POOL_EXTRA_MAX) {
			out->slot[k] = po->nextra;
			po->extra[po->nextra++] = kinds[k];
		}
}

int outputs_check(const struct outputs *out, int nruns, char *err)
{
	for (int k = 1; k < 3; k++)
		if (out->path[k] && nruns != 1)
			return errf(err,
				    "%s draws one run, and %d would run: name one "
				    "scenario (or use --html)",
				    flags[k], nruns);
	return 0;
}

int outputs_write(const struct outputs *out, const struct job *jobs, int n, const char *title,
		  char *err)
{
	for (int k = 0; k < 3; k++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f;
		int rc;

		if (!out->path[k])
			continue;
		f = open_memstream(&buf, &len);
		if (!f)
			return errf(err, "out of memory");
		if (k == 0)
			render_html_begin(f, title, BINDLAB_VERSION);
		for (int i = 0; i < n; i++)
			if (jobs[i].outcomes)
				fwrite(jobs[i].extra[out->slot[k]], 1,
				       jobs[i].hdr.extralen[out->slot[k]], f);
		if (k == 0)
			render_html_end(f);
		fclose(f);
		rc = cli_write_file(out->path[k], buf, len, err);
		free(buf);
		if (rc < 0)
			return -1;
	}
	return 0;
}
