/* runner.h - the state of one run, shared by the driver's own modules:
 * run.c (the driver loop), checks.c (one function per check kind),
 * program.c (programs started by run()), explain.c (why a bind failed) and
 * setup.c (what is ready before the first step).  Not a contract for
 * anything outside the engine: they include run.h and result.h. */
#ifndef BINDLAB_RUNNER_H
#define BINDLAB_RUNNER_H

#include "actor.h"
#include "capture.h"
#include "explain.h"
#include "program.h"
#include "run.h"
#include "sockdiag.h"

struct runner {
	const struct plan *plan;
	const struct run_opts *opts;
	struct result *res;
	struct world world;
	int have_world;
	struct sockdiag **sd; /* one per host */
	struct actor *actors; /* one per plan process */
	struct capture *caps[WORLD_IFACES_MAX];
	int ncaps;
	size_t pkt_cursor; /* packets matched by earlier "expect packets" */
	int reaper_pipe;   /* held open while the run lives */
	struct memo memo;  /* what actors said of their sockets (explain.h) */
	struct prog_live progs[RESULT_PROGS_MAX]; /* the live side of res->progs */
	char err[ERRLEN];
};

/* Record a check's outcome on the timeline (and the verdict when !ok). */
int runner_check(struct runner *r, int step, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A harness note on the timeline. */
int runner_note(struct runner *r, int host, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Read every packet waiting on the captures and what programs wrote,
 * without blocking. */
int runner_drain(struct runner *r);
/* Wait for a packet on any capture or a word from a program, at most ms. */
void runner_wait(struct runner *r, int ms);
uint64_t runner_deadline(long ms);

/* setup.c: before the first step */
void setup_trace_lib(void);
int setup_reaper(struct runner *r);
int setup_captures(struct runner *r);
void setup_sysctl_notes(struct runner *r);

/* checks.c: run the check step i (a kind plan_step_is_check() says yes to) */
int checks_run(struct runner *r, int i);

#endif
