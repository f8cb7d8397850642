/* pool.h - one runner process per plan, up to N at once, and the job
 * protocol by which a runner hands back its result: a header, the outcome
 * of every step and a summary of every program as data, then the text and
 * JSON the renderers made of it, and the failure block alone.  Reports come back in plan order. */
#ifndef BINDLAB_POOL_H
#define BINDLAB_POOL_H

#include <stdint.h>
#include <sys/types.h>

#include "render.h"
#include "run.h"

#define POOL_EXTRA_MAX 4 /* renderers asked for besides text and JSON */

/* What a runner sends first. */
struct job_hdr {
	int verdict;	 /* enum verdict */
	int failed_line; /* of the failed step, 0 */
	int nsteps, nprogs;
	unsigned textlen, jsonlen, faillen;
	unsigned extralen[POOL_EXTRA_MAX]; /* pool_opts.extra's outputs, in order */
};

/* A program, as data: what restart-check and the grader need. */
struct job_prog {
	int step; /* its run step */
	int pid;
	int traced;
	int listen_port; /* 0: it never listened (as traced) */
	int end;	 /* enum prog_end */
	long status;
};

struct job {
	const struct plan *plan;
	long timeout_ms; /* wall-clock bound on the whole run, 0: none (a grader's check) */
	uint64_t deadline;
	int timed_out;		 /* the runner was killed at the bound: its world with it */
	uint64_t t_start, t_end; /* the runner's start and its report's end, now_ns() */
	pid_t pid;
	int fd; /* read end of the runner's pipe, -1 when done */
	char *buf;
	size_t len, cap;
	int done;
	/* once done and whole (job_parse() returned 0): */
	struct job_hdr hdr;
	const int *outcomes;	      /* hdr.nsteps of enum outcome */
	const struct job_prog *progs; /* hdr.nprogs */
	const char *text, *json;
	const char *fail; /* hdr.faillen bytes: the failed step, as render_failure() says it */
	const char *extra[POOL_EXTRA_MAX]; /* hdr.extralen[k] bytes each */
	char died[160];			   /* why there is no report, when job_parse() failed */
};

struct pool_opts {
	const struct run_opts *run;
	const struct render_opts *render;
	int jobs;      /* at most this many runners at once */
	int countdown; /* show the TIME_WAIT countdown on stderr (one run, a terminal) */
	/* more renderers to run on each result in its runner (--html, --svg,
	 * --mermaid): their bytes come back as job.extra[k] */
	const struct renderer *extra[POOL_EXTRA_MAX];
	int nextra;
};

/* Run every job, calling done() (if not NULL) for each in order as soon as
 * it and every job before it have finished.  0, or -1 with err (a runner could not be
 * started). */
int pool_run(struct job *jobs, int n, const struct pool_opts *o,
	     void (*done)(struct job *jb, void *arg), void *arg, char *err);
/* Free what pool_run() kept of a job. */
void job_free(struct job *jb);

#endif
