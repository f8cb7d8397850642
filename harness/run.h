/* run.h - execute one plan in a world of its own and record what happened.
 *
 * run_plan() builds the world around the calling process (it leaves the
 * caller's network namespace, may enter a user namespace and makes a pid
 * namespace for its actors), so it is called in a disposable child
 * process: main.c forks one per scenario.  Everything it creates dies with
 * that process, even when it is SIGKILLed. */
#ifndef BINDLAB_RUN_H
#define BINDLAB_RUN_H

#include "capture.h"
#include "sockdiag.h"
#include "timeline.h"
#include "world.h"

struct run_opts {
	const char *pcap_dir; /* write one pcap per interface there; NULL: none */
	long step_timeout_ms; /* bound on one syscall step */
	int progress_fd;      /* a terminal for the TIME_WAIT countdown, or -1 (main
			       * sets 1 to ask the runner to use its stderr) */
};

enum verdict {
	VERDICT_PASS,  /* every expectation held */
	VERDICT_FAIL,  /* one did not: res.failed_step says which */
	VERDICT_ERROR, /* the run could not go on (world, capture, a lost actor) */
};

#define RUN_NOTES_MAX 32
#define RUN_PROGS_MAX 16
#define RUN_OUTPUT_MAX 16384 /* bytes of a program's stdout (and stderr) kept */
#define RUN_FDS_MAX 64

/* A program started by a run step. */
struct run_program {
	int proc;      /* the scenario process that started it */
	int step;      /* its run step */
	int pid;       /* in bindlab's pid namespace */
	char cmd[200]; /* "python3 -m http.server 8080" */
	int traced;    /* 0: a static binary or no trace library */
	char why_untraced[120];
	char out[RUN_OUTPUT_MAX], err[RUN_OUTPUT_MAX];
	size_t outlen, errlen;
	unsigned long dropped;	      /* bytes past RUN_OUTPUT_MAX, not kept */
	int fd_out, fd_err, fd_trace; /* read ends, -1 at EOF */
	unsigned char trbuf[sizeof(struct trace_rec)];
	size_t trlen;
	/* what its trace says of its sockets, by descriptor (< RUN_FDS_MAX) */
	int fdtype[RUN_FDS_MAX], fdport[RUN_FDS_MAX], fdreuse[RUN_FDS_MAX][2];
	int listen_port, listen_reuse[2]; /* its listener: port and options */
	int exited;			  /* its trace said exit (a crash says nothing) */
	long stopped;			  /* stop()'s result, -1 if never stopped */
	long ended;			  /* wait()'s result, -1 if never waited for */
};

struct run_result {
	enum verdict verdict;
	int failed_step;    /* index into plan.steps, -1 */
	int steps_run;	    /* steps executed (the failing one included) */
	char error[ERRLEN]; /* VERDICT_ERROR: what stopped the run */
	char kernel[128];   /* uname -r: results may depend on it */
	int rootless;	    /* ran inside a user namespace */
	struct timeline tl;
	uint64_t t0;				   /* CLOCK_REALTIME at the start */
	uint64_t world_ns;			   /* world ready (hosts, links up), from t0 */
	uint64_t capture_ns;			   /* captures ready, from t0 */
	uint64_t verdict_ns;			   /* verdict known, from t0 */
	struct plan_sysctl sysctls[RUN_NOTES_MAX]; /* set inside the namespaces */
	int sysctl_host[RUN_NOTES_MAX];		   /* -1: every host (a default) */
	int nsysctls;
	char pcaps[WORLD_IFACES_MAX][1024]; /* files written */
	int npcaps;
	unsigned frames, bad_frames, drops;
	/* kept open past the verdict so their slow close stays off its path */
	struct capture *caps[WORLD_IFACES_MAX];
	int ncaps;
	struct run_program progs[RUN_PROGS_MAX];
	int nprogs;
};

/* Run plan.  Returns 0 when a verdict was reached (see res->verdict), or -1
 * when nothing could run (res->error and err set): both write a report. */
int run_plan(const struct plan *plan, const struct run_opts *opts, struct run_result *res);

/* Is the program argv0 names (searched in PATH, as execvp does) a static
 * binary, which LD_PRELOAD cannot trace? */
int run_program_is_static(const char *argv0);

/* Flush the pcap files; the captures themselves close with the process. */
void run_finish(struct run_result *res);

#endif
