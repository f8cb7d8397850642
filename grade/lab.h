/* lab.h - a numbered lab as data: its folder under labs/, what lab.conf
 * says about it, the staff folder beside labs/ (reference solution, hidden
 * checks, wrong fixes; absent from a student's handout), and its checks
 * with their points, read from each check's opening comments:
 *
 *   # check: the server can be restarted at once after it served a client
 *   # points: 3
 *   # hint: one sentence that teaches
 *
 * A check passes when its scenario (every variant of it) passes. */
#ifndef BINDLAB_LAB_H
#define BINDLAB_LAB_H

#include <limits.h>

#include "plan.h"

#define LAB_POINTS_MAX 100 /* of one check */
#define LAB_REQUIRES_MAX 4
#define LAB_TIMEOUT_DEFAULT_MS 60000 /* a whole check, wall clock */

/* Who sees a check's result, in Gradescope's words (one table: lab.c). */
enum lab_visibility {
	VIS_VISIBLE,	     /* the student, at once */
	VIS_HIDDEN,	     /* staff only (for checks worth no points) */
	VIS_AFTER_DUE,	     /* the student, after the due date (staff checks) */
	VIS_AFTER_PUBLISHED, /* the student, once grades are published */
};
const char *lab_visibility_name(int vis);

/* A check is its scenario plus its rubric, the scenario's opening lines:
 *
 *   # check: the server can be restarted at once after it served a client
 *   # points: 3
 *   # hint: ...
 *   # visibility: hidden              (default: visible; after_due_date for staff/)
 *   # timeout: 30s                    (the whole check, wall clock)
 *   # requires: 01-serves-a-client    (skipped, not failed, when that fails)
 *   # partial: yes                    (points shared by its variants) */
struct lab_check {
	char path[PATH_MAX];
	char id[64];			/* the file stem: "02-restart-at-once" */
	char name[400];			/* "# check:" */
	char hint[400];			/* "# hint:", or "" */
	int points;			/* "# points:" */
	int hidden;			/* from the staff folder */
	int visibility;			/* enum lab_visibility */
	long timeout_ms;		/* "# timeout:" */
	int partial;			/* "# partial: yes": each variant earns points / nplans */
	int requires[LAB_REQUIRES_MAX]; /* indexes of earlier checks, "# requires:" */
	int nrequires;
	struct plan *plans; /* parsed with the --set values (one per variant) */
	int nplans;
};

struct lab {
	char dir[PATH_MAX];   /* labs/02-rapid-restart */
	char staff[PATH_MAX]; /* staff/02-rapid-restart, "" when there is none */
	int number;	      /* 2 */
	char slug[64];	      /* "02-rapid-restart" */
	/* lab.conf */
	char title[128];
	char program[32]; /* what the student's make builds: "server" */
	char time[32], needs[64], verdict[32];
	char advice[400], teaches[400];
	char key[128];		  /* the walkthrough scenario its key.svg draws (make pictures) */
	struct lab_check *checks; /* visible first, then hidden; each sorted by id */
	int nchecks;
};

/* The labs folder: root if given, else $BINDLAB_LABS, else labs/ beside the
 * folder of the running bindlab (build/..), else ./labs.  0, or -1 with err. */
int lab_root(const char *given, char *out, size_t outlen, char *err);

/* The labs under root, by number: slugs[] of the NN-slug folders (at most
 * max).  Returns how many, or -1 with err. */
int lab_list(const char *root, char slugs[][64], int max, char *err);

/* Open lab `which` ("2", "02" or "02-rapid-restart") under root and read
 * its lab.conf.  0, or -1 with err. */
int lab_open(const char *root, const char *which, struct lab *lab, char *err);

/* Read the lab's visible checks (and with_hidden: the staff's hidden ones),
 * parsing each with defs.  0, or -1 with err (a check without points, a
 * rubric line that does not parse, a prerequisite that is not an earlier
 * check, a scenario that does not parse, no hidden checks where asked). */
int lab_load_checks(struct lab *lab, int with_hidden, const struct plan_defs *defs, char *err);

/* The check whose id is id, or -1. */
int lab_find_check(const struct lab *lab, const char *id);

/* Points of the checks (visible only, or all). */
int lab_points(const struct lab *lab, int with_hidden);

/* The variable the lab's checks name the program by: "SERVER" for
 * program "server". */
void lab_program_var(const struct lab *lab, char *out, size_t outlen);

void lab_free(struct lab *lab);

#endif
