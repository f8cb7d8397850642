/* outputs.h - the picture files every running command can write:
 * --html FILE (all runs, with an index), --svg FILE and --mermaid FILE (one
 * run each).  The renderers run in each runner (pool_opts.extra); the files
 * are written whole at the end, atomically (cli_write_file). */
#ifndef BINDLAB_OUTPUTS_H
#define BINDLAB_OUTPUTS_H

#include <getopt.h>

#include "pool.h"

/* getopt_long codes of the options, and their rows for a struct option[] */
enum { OUTPUT_HTML = 0x200, OUTPUT_SVG, OUTPUT_MERMAID };
#define OUTPUTS_LONGOPTS                                                                           \
	{"html", required_argument, NULL, OUTPUT_HTML},                                            \
	    {"svg", required_argument, NULL, OUTPUT_SVG},                                          \
	{                                                                                          \
		"mermaid", required_argument, NULL, OUTPUT_MERMAID                                 \
	}
#define OUTPUTS_HELP                                                                               \
	{"--html FILE", "write the timeline as a self-contained HTML page ('-' for stdout)"},      \
	    {"--svg FILE", "write one run's ladder diagram as SVG"},                               \
	{                                                                                          \
		"--mermaid FILE", "write one run as a Mermaid sequenceDiagram (for Markdown)"      \
	}

struct outputs {
	const char *path[3]; /* html, svg, mermaid; NULL when not asked */
	int slot[3];	     /* its index in pool_opts.extra */
};

/* Take getopt's c if it is one of ours (1), else 0. */
int outputs_option(struct outputs *out, int c, const char *arg);
/* Ask po's runners for the renderers of the files asked for. */
void outputs_setup(struct outputs *out, struct pool_opts *po);
/* Before running: --svg and --mermaid draw one run.  0, or -1 with err. */
int outputs_check(const struct outputs *out, int nruns, char *err);
/* Write the files asked for from the finished jobs (those without a report
 * are left out).  0, or -1 with err. */
int outputs_write(const struct outputs *out, const struct job *jobs, int n, const char *title,
		  char *err);

#endif
