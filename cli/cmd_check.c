/* cmd_check.c - `bindlab check N [DIR]`: build the student's program in DIR
 * (default: the lab's starter folder), run every visible check of lab N
 * against it, each in a world of its own, and print each check with its
 * points, what was expected, what happened and a hint; then the score.
 * Exit status 0 only at full marks. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cli.h"
#include "lab.h"
#include "outputs.h"
#include "pool.h"

static const struct cli_option check_opts_help[] = {
    {"--hidden", "also run the staff's hidden checks (needs the staff folder)"},
    {"--labs DIR", "the labs folder (default: labs/ beside bindlab's build folder)"},
    {"-j N", "run N checks at once (default 2, at most 64)"},
    {"--timeout DUR", "bound on one syscall step (default 2000ms)"},
    {"--build-timeout DUR", "bound on building the program (default 60s)"},
    {"-v, --verbose", "the full report of every check, not only of failing ones"},
    {"--color, --no-color", "default: colour on a terminal, unless NO_COLOR is set"},
    OUTPUTS_HELP,
    {NULL, NULL},
};

struct check_opts {
	struct outputs outs;
	const char *labs, *which, *dir;
	int hidden, verbose, color;
	long build_timeout_ms;
	struct pool_opts po;
	struct run_opts ro;
	struct render_opts rep;
};

static int check_args(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {{"hidden", no_argument, NULL, 'H'},
						 {"labs", required_argument, NULL, 'L'},
						 {"timeout", required_argument, NULL, 't'},
						 {"build-timeout", required_argument, NULL, 'B'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"color", no_argument, NULL, 'C'},
						 {"no-color", no_argument, NULL, 'N'},
						 {"help", no_argument, NULL, 'h'},
						 OUTPUTS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			o->hidden = 1;
			break;
		case 'L':
			o->labs = optarg;
			break;
		case 't':
			if (cli_duration("--timeout", optarg, 600000, &o->ro.step_timeout_ms) < 0)
				return -1;
			break;
		case 'B':
			if (cli_duration("--build-timeout", optarg, 600000, &o->build_timeout_ms) <
			    0)
				return -1;
			break;
		case 'j':
			if (cli_number("-j", optarg, 1, 64, &v) < 0)
				return -1;
			o->po.jobs = (int)v;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'C':
			o->color = 1;
			break;
		case 'N':
			o->color = 0;
			break;
		case 'h':
			cli_usage(stdout, &command_check);
			exit(EXIT_PASS);
		default:
			if (outputs_option(&o->outs, c, optarg))
				break;
			cli_usage(stderr, &command_check);
			return -1;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "bindlab: check needs a lab number and at most one folder: "
				"bindlab check 2 [DIR]\n");
		return -1;
	}
	o->which = argv[optind];
	o->dir = argc - optind == 2 ? argv[optind + 1] : NULL;
	return 0;
}

/* Indent every line of text by pad. */
static void indented(const char *pad, const char *text, size_t len)
{
	for (size_t a = 0; a < len;) {
		size_t b = a;

		while (b < len && text[b] != '\n')
			b++;
		printf("%s%.*s\n", pad, (int)(b - a), text + a);
		a = b + 1;
	}
}

struct tally {
	int passed, failed, errors, score, total;
};

/* One check: its variants' jobs are jobs[0..n). */
static void print_check(const struct check_opts *o, const struct lab_check *c,
			const struct build *b, const char *var, struct job *jobs, int n,
			struct tally *t)
{
	const char *red = o->color ? "\033[31m" : "", *green = o->color ? "\033[32m" : "",
		   *off = o->color ? "\033[0m" : "";
	int ok = 1, error = 0;

	for (int k = 0; k < n; k++) {
		if (!jobs[k].outcomes || jobs[k].hdr.verdict == VERDICT_ERROR)
			error = 1;
		else if (jobs[k].hdr.verdict != VERDICT_PASS)
			ok = 0;
	}
	t->total += c->points;
	if (error) {
		t->errors++;
		printf("%sERROR%s %-30s %d/%d  %s%s\n", red, off, c->id, 0, c->points, c->name,
		       c->hidden ? " (hidden)" : "");
	} else if (ok) {
		t->passed++;
		t->score += c->points;
		printf("%sPASS%s  %-30s %d/%d  %s%s\n", green, off, c->id, c->points, c->points,
		       c->name, c->hidden ? " (hidden)" : "");
	} else {
		t->failed++;
		printf("%sFAIL%s  %-30s %d/%d  %s%s\n", red, off, c->id, 0, c->points, c->name,
		       c->hidden ? " (hidden)" : "");
	}
	for (int k = 0; k < n; k++) {
		const struct job *jb = &jobs[k];

		if (o->verbose && jb->outcomes)
			indented("      ", jb->text, jb->hdr.textlen);
		if (!jb->outcomes) {
			printf("      bindlab could not run it: %s\n", jb->died);
			continue;
		}
		if (jb->hdr.verdict == VERDICT_ERROR) {
			/* the report's last lines say why */
			indented("      ", jb->text, jb->hdr.textlen);
			continue;
		}
		if (jb->hdr.verdict == VERDICT_PASS)
			continue;
		if (jb->plan->variant[0])
			printf("      variant [%s]\n", jb->plan->variant);
		indented("      ", jb->fail, jb->hdr.faillen);
	}
	if (!ok || error) {
		if (c->hint[0])
			printf("      hint: %s\n", c->hint);
		printf("      replay: %s run %s --set %s=%s -v\n",
		       self_exe()[0] ? self_exe() : "bindlab", c->path, var, b->program);
	}
	fflush(stdout);
}

static int check_main(int argc, char **argv)
{
	struct check_opts o = {
	    .color = -1, .build_timeout_ms = 60000, .po = {.jobs = 2}, .ro = {.progress_fd = -1}};
	struct lab lab = {0};
	struct build b;
	struct plan_defs defs = {0};
	struct job *jobs = NULL;
	struct tally t = {0};
	char root[4096], err[ERRLEN], dir[4096 + 80], var[40], def[4096 + 128], absdir[4096];
	int njobs = 0, rc = EXIT_USAGE;

	o.ro.step_timeout_ms = PLAN_WAIT_DEFAULT_MS;
	if (check_args(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (o.color < 0)
		o.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	o.rep.color = o.color;
	o.po.run = &o.ro;
	o.po.render = &o.rep;
	if (lab_root(o.labs, root, sizeof(root), err) < 0 ||
	    lab_open(root, o.which, &lab, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (!o.dir) {
		snprintf(dir, sizeof(dir), "%s/starter", lab.dir);
		o.dir = dir;
	}
	/* the checks first: a broken check is bad input, whatever the code */
	if (!realpath(o.dir, absdir)) {
		fprintf(stderr, "bindlab: cannot open '%s': %s\n", o.dir, strerror(errno));
		goto out;
	}
	lab_program_var(&lab, var, sizeof(var));
	snprintf(def, sizeof(def), "%s=%s/%s", var, absdir, lab.program);
	if (plan_defs_add(&defs, def, err) < 0 || lab_load_checks(&lab, o.hidden, &defs, err) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	printf("lab %s: %s\n", lab.slug, lab.title);
	if (build_program(&b, absdir, lab.program, o.build_timeout_ms, NULL, err) < 0) {
		/* a program that does not build scores nothing, and says why */
		printf("%sFAIL%s  build: %s\n", o.color ? "\033[31m" : "", o.color ? "\033[0m" : "",
		       err);
		if (b.cmd[0])
			printf("      %s\n", b.cmd);
		indented("      | ", b.log, b.loglen);
		printf("\nscore: 0 / %d\n", lab_points(&lab, o.hidden));
		printf("0 passed, %d failed\n", lab.nchecks);
		rc = EXIT_FAIL;
		goto out;
	}
	printf("  built    %s\n", b.cmd);
	if (b.loglen)
		indented("         | ", b.log, b.loglen);
	if (program_is_static(b.program))
		printf("  note     %s is a static binary: bindlab cannot trace its socket calls, "
		       "and the checks that look at them fail. Link it dynamically (no -static).\n",
		       b.program);
	printf("  checks   %d (%d points)%s\n\n", lab.nchecks, lab_points(&lab, o.hidden),
	       o.hidden ? ", hidden ones included" : "");
	for (int i = 0; i < lab.nchecks; i++)
		njobs += lab.checks[i].nplans;
	jobs = calloc((size_t)njobs, sizeof(*jobs));
	if (!jobs)
		goto out;
	njobs = 0;
	for (int i = 0; i < lab.nchecks; i++)
		for (int k = 0; k < lab.checks[i].nplans; k++)
			jobs[njobs++].plan = &lab.checks[i].plans[k];
	if (outputs_check(&o.outs, njobs, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	outputs_setup(&o.outs, &o.po);
	if (pool_run(jobs, njobs, &o.po, NULL, NULL, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	for (int i = 0, j = 0; i < lab.nchecks; j += lab.checks[i].nplans, i++)
		print_check(&o, &lab.checks[i], &b, var, jobs + j, lab.checks[i].nplans, &t);
	printf("\nscore: %d / %d\n", t.score, t.total);
	printf("%d passed, %d failed\n", t.passed, t.failed + t.errors);
	if (outputs_write(&o.outs, jobs, njobs, lab.title, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	rc = t.errors ? EXIT_USAGE : t.score == t.total ? EXIT_PASS : EXIT_FAIL;
out:
	for (int i = 0; i < njobs; i++)
		job_free(&jobs[i]);
	free(jobs);
	lab_free(&lab);
	return rc;
}

const struct command command_check = {
    "check",
    "[options] LAB [DIR]",
    "build your fix of a lab's program in DIR and run the lab's checks against it",
    "  LAB is the lab's number (2) or folder name (02-rapid-restart); DIR defaults to\n"
    "  the lab's starter folder.  Each check runs your program in a fresh world: real\n"
    "  connections, real restarts, its socket calls traced.  Exit status 0 only at\n"
    "  full marks.\n",
    check_opts_help,
    check_main,
};
