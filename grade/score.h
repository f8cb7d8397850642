/* score.h - one submission's grade as data: the one result model every
 * grading format is written from (Gradescope results.json, JUnit XML,
 * TAP 14, the text summary, a row of the class gradebook).
 *
 * It is filled from what the runs produced (each variant's verdict and
 * failure block, never rendered report text), in check order; a check
 * whose prerequisite did not pass is skipped with the reason, and a grade
 * that stopped midway (the grader crashed, was killed, ran out of time)
 * is still complete: the checks that never ran say so. */
#ifndef BINDLAB_SCORE_H
#define BINDLAB_SCORE_H

#include <stdio.h>

#include "build.h"
#include "lab.h"

enum score_outcome {
	SCORE_PENDING, /* not run (yet) */
	SCORE_PASS,
	SCORE_FAIL,
	SCORE_SKIP,  /* a prerequisite did not pass, or the build failed */
	SCORE_ERROR, /* bindlab could not run it: the grader's fault, not the student's */
};
const char *score_outcome_name(int outcome); /* "pass", "fail", ... */

enum score_status {
	SCORE_GRADED,
	SCORE_BUILD_FAILED,
	SCORE_INCOMPLETE, /* grading stopped midway: status_text says why */
};

/* What one variant of a check's scenario did (from the runner's report). */
struct score_part {
	int verdict;	     /* enum verdict; VERDICT_ERROR also when died is set */
	const char *variant; /* "" when the scenario has no variants */
	const char *fail;    /* the failed step, as render_failure() says it */
	size_t faillen;
	const char *died; /* why the runner gave no report, else NULL */
	int timed_out;	  /* it passed the check's wall-clock bound: the program's doing */
	const char *text; /* the full report (verbose, and for errors) */
	size_t textlen;
};

struct score_check {
	int outcome; /* enum score_outcome */
	double earned;
	int parts, parts_passed;
	char *output; /* what the student reads (valid UTF-8); malloc'd */
	char replay[8800];
	long ms; /* how long it ran */
};

struct score {
	const struct lab *lab;
	char student[256];     /* the folder's name */
	char submission[4096]; /* its path, as the instructor gave it */
	int status;	       /* enum score_status */
	char status_text[512]; /* why, when not SCORE_GRADED */
	char build_cmd[4300];
	char *build_log; /* malloc'd, valid UTF-8 */
	int build_status;
	int static_binary; /* LD_PRELOAD cannot trace it */
	char kernel[200], bindlab[64], sandbox[256];
	char started[32];	    /* ISO 8601, UTC */
	long ms;		    /* the whole grade */
	struct score_check *checks; /* lab->nchecks */
};

/* A grade for lab with every check pending.  0, or -1 with err. */
int score_init(struct score *s, const struct lab *lab, const char *student, const char *submission,
	       char *err);
void score_free(struct score *s);

/* The build's outcome (b: what build_program() kept); ok is whether it
 * made the program.  A failed build skips every check. */
void score_build(struct score *s, const struct build *b, int ok, const char *why);

/* Would check i run now: its prerequisites passed?  Else it is skipped and
 * 0 is returned. */
int score_ready(struct score *s, int i);

/* Score check i from its parts (one per variant); replay is the command
 * that reruns it; verbose keeps every part's full report in its output. */
void score_check(struct score *s, int i, const struct score_part *parts, int nparts,
		 const char *replay, long ms, int verbose);

/* Stop: every pending check becomes an error saying why (the status
 * becomes SCORE_INCOMPLETE). */
void score_stop(struct score *s, const char *why);

/* Totals: earned and possible points, and how many checks passed, failed
 * (errors count as failed) and were skipped. */
double score_earned(const struct score *s);
int score_possible(const struct score *s);
void score_counts(const struct score *s, int *passed, int *failed, int *skipped);
/* "3 passed, 1 failed" or "3 passed, 1 failed, 2 skipped" */
void score_counts_line(const struct score *s, char *buf, size_t len);
/* The points as written everywhere: "7", "7.5", "2.33" */
void score_points_str(double v, char *buf, size_t len);

/* The formats, one writer each (gradescope.c, junit.c, tap.c, summary.c):
 * the file a grade is saved as and the function that writes it.  A writer
 * writes only through stdio; the caller checks the stream. */
struct score_format {
	const char *name; /* "gradescope" */
	const char *file; /* "results.json" */
	void (*write)(FILE *out, const struct score *s);
};
extern const struct score_format score_formats[];
extern const int score_nformats;

void score_write_gradescope(FILE *out, const struct score *s);
void score_write_junit(FILE *out, const struct score *s);
void score_write_tap(FILE *out, const struct score *s);
void score_write_summary(FILE *out, const struct score *s);

/* Every format into the folder dirfd, each written to a temporary file
 * beside it and renamed into place, so that a reader never sees half a
 * file.  0, or -1 with err. */
int score_save(int dirfd, const struct score *s, char *err);

/* The class gradebook: a header of the lab's check ids, then one row per
 * grade (student, each check's points, total, status). */
void score_write_gradebook(FILE *out, const struct lab *lab, const struct score *grades, int n);

/* Write what fn writes into dirfd/name whole or not at all
 * (write_file_atomic()).  0, or -1 with err. */
int score_write_file(int dirfd, const char *name, void (*fn)(FILE *, const void *), const void *arg,
		     char *err);

#endif
