/* result.c - see result.h */
#include "result.h"

#include <stdlib.h>
#include <string.h>

int result_init(struct result *res, const struct plan *plan, char *err)
{
	memset(res, 0, sizeof(*res));
	timeline_init(&res->tl);
	res->failed_step = -1;
	res->verdict = VERDICT_PASS;
	res->t0 = now_ns();
	res->nsteps = plan->nsteps;
	res->outcomes = calloc((size_t)(plan->nsteps ? plan->nsteps : 1), sizeof(*res->outcomes));
	if (!res->outcomes)
		return errf(err, "out of memory");
	return 0;
}

void result_free(struct result *res)
{
	timeline_free(&res->tl);
	free(res->outcomes);
	res->outcomes = NULL;
	res->nsteps = 0;
}

const char *result_prog_end_name(enum prog_end end)
{
	static const char *const names[] = {
	    [PROG_RUNNING] = "running", [PROG_EXITED] = "exited", [PROG_VANISHED] = "vanished",
	    [PROG_STOPPED] = "stopped", [PROG_ENDED] = "ended",
	};

	return (size_t)end < sizeof(names) / sizeof(names[0]) ? names[end] : "?";
}
