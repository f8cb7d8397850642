/* result.h - what one run found, as data: the verdict, the outcome of every
 * step, how every program ended and where it listened, and the timeline.
 * No file descriptor, no live handle: a renderer, the grader and the
 * command line read it, and it can outlive the world it came from. */
#ifndef BINDLAB_RESULT_H
#define BINDLAB_RESULT_H

#include "plan.h"
#include "timeline.h"
#include "world.h"

enum verdict {
	VERDICT_PASS,  /* every expectation held */
	VERDICT_FAIL,  /* one did not: failed_step says which */
	VERDICT_ERROR, /* the run could not go on (world, capture, a lost actor) */
};

/* What became of one step. */
enum outcome {
	OUTCOME_NOT_RUN, /* the run stopped before it */
	OUTCOME_OK,	 /* the call returned what was expected, the check held */
	OUTCOME_DIFFERS, /* another result, with the reason its `depends` gives */
	OUTCOME_FAILED,	 /* expected something else: the verdict is FAIL */
};

/* How a program started by run() ended, decided by the engine. */
enum prog_end {
	PROG_RUNNING,  /* still running at the end: killed with the world */
	PROG_EXITED,   /* its trace said exit (and nothing waited for it) */
	PROG_VANISHED, /* its trace closed without an exit: a signal, or closefrom() */
	PROG_STOPPED,  /* stop() ended it: status says how */
	PROG_ENDED,    /* it ended by itself (seen by wait(), or reaped at the end of
			  the run): status says how */
};

#define RESULT_NOTES_MAX 32
#define RESULT_PROGS_MAX 16
#define RESULT_OUTPUT_MAX 16384 /* bytes of a program's stdout (and stderr) kept */
#define RESULT_TRACE_MAX 4096	/* traced calls kept of one program */
#define RESULT_EXPLAIN_MAX 16	/* refused binds of one program explained */

/* A program started by a run step, as the run saw it. */
struct result_program {
	int proc;      /* the scenario process that started it */
	int step;      /* its run step */
	int pid;       /* in bindlab's pid namespace */
	char cmd[200]; /* "python3 -m http.server 8080" */
	int traced;    /* 0: a static binary or no trace library */
	char why_untraced[120];
	char out[RESULT_OUTPUT_MAX], err[RESULT_OUTPUT_MAX];
	size_t outlen, errlen;
	unsigned long dropped; /* bytes past RESULT_OUTPUT_MAX, not kept */
	/* its trace descriptor: bytes that were not records (the program
	 * wrote there itself), and records past RESULT_TRACE_MAX, not kept */
	unsigned long trace_junk, trace_dropped;
	unsigned trace_kept, explained;
	int listen_port;     /* the port its first successful listen() was on; 0 none */
	int listen_reuse[2]; /* that socket's SO_REUSEADDR, SO_REUSEPORT */
	enum prog_end end;
	long status; /* PROG_STOPPED, PROG_ENDED: exit status, or 128 + signal */
	int killed;  /* PROG_STOPPED: it outlived the grace period, bindlab sent SIGKILL */
};

struct result {
	enum verdict verdict;
	int failed_step;	/* index into plan.steps, -1 */
	int steps_run;		/* steps executed (the failing one included) */
	char error[ERRLEN];	/* VERDICT_ERROR: what stopped the run */
	char kernel[128];	/* uname -r: results may depend on it */
	int rootless;		/* ran inside a user namespace */
	enum outcome *outcomes; /* one per plan step */
	int nsteps;
	struct timeline tl;
	uint64_t t0;				      /* CLOCK_REALTIME at the start */
	uint64_t world_ns;			      /* world ready (hosts, links up), from t0 */
	uint64_t capture_ns;			      /* captures ready, from t0 */
	uint64_t verdict_ns;			      /* verdict known, from t0 */
	struct plan_sysctl sysctls[RESULT_NOTES_MAX]; /* set inside the namespaces */
	int sysctl_host[RESULT_NOTES_MAX];	      /* -1: every host (a default) */
	int nsysctls;
	char pcaps[WORLD_IFACES_MAX][1024]; /* files written */
	int npcaps;
	unsigned frames, bad_frames, drops;
	struct result_program progs[RESULT_PROGS_MAX];
	int nprogs;
};

/* An empty result for plan (outcomes all OUTCOME_NOT_RUN).  -1 on ENOMEM. */
int result_init(struct result *res, const struct plan *plan, char *err);
void result_free(struct result *res);

/* "stopped" for PROG_STOPPED: how the JSON names a program's end. */
const char *result_prog_end_name(enum prog_end end);

#endif
