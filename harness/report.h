/* report.h - what a run shows: a terminal report with a ladder diagram of the
 * packets between the hosts and the syscalls beside them, and JSON with the
 * whole timeline.  Both are written even when the run failed midway. */
#ifndef BINDLAB_REPORT_H
#define BINDLAB_REPORT_H

#include <stdio.h>

#include "run.h"

struct report_opts {
	int color;   /* ANSI colour: only on a tty, never with NO_COLOR */
	int verbose; /* every packet, not only those of the scenario's ports */
};

void report_text(FILE *out, const struct plan *plan, const struct run_result *res,
		 const struct report_opts *o);
/* One JSON object (no trailing newline) for one run. */
void report_json(FILE *out, const struct plan *plan, const struct run_result *res);
/* s as a JSON string, quoted and escaped. */
void report_json_str(FILE *out, const char *s);

#endif
