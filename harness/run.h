/* run.h - execute one plan in a world of its own and record what happened.
 *
 * run_plan() builds the world around the calling process (it leaves the
 * caller's network namespace, may enter a user namespace and makes a pid
 * namespace for its actors), so it is called in a disposable child
 * process: the command line forks one per scenario.  Everything it creates
 * dies with that process, even when it is SIGKILLed. */
#ifndef BINDLAB_RUN_H
#define BINDLAB_RUN_H

#include "result.h"

struct sandbox;

struct run_opts {
	const char *pcap_dir; /* write one pcap per interface there; NULL: none */
	long step_timeout_ms; /* bound on one syscall step */
	int progress_fd;      /* a terminal for the TIME_WAIT countdown, or -1 */
	/* grading: where programs run and whose the actors' sockets are
	 * (sandbox.h); NULL: programs run as bindlab does */
	const struct sandbox *sandbox;
};

/* Run plan into res (which it initialises).  Returns 0 when a verdict was
 * reached (see res->verdict), or -1 when nothing could run (res->error
 * set); either way res is complete and pcap files are flushed.
 *
 * The captures stay open until run_release() or the process's exit:
 * closing a packet socket waits for an RCU grace period (~28 ms), which
 * belongs after the report, not before it. */
int run_plan(const struct plan *plan, const struct run_opts *opts, struct result *res);
void run_release(void);

/* Is the program argv0 names (searched in PATH, as execvp does) a static
 * binary, which LD_PRELOAD cannot trace? */
int program_is_static(const char *argv0);

#endif
