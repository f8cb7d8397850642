/* cmd_lab.c - `bindlab lab [N]`: without N, the list of labs; with N, the
 * lab's walkthrough: its scenarios in order, each on the real kernel, with
 * the question it asks, the ladder diagram and explanations, and the
 * answer; on a terminal it pauses between steps. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "collect.h"
#include "lab.h"
#include "outputs.h"
#include "pool.h"

static const struct cli_option lab_opts_help[] = {
    {"--no-pause", "do not wait for Enter between steps (the default off a terminal)"},
    {"--slow", "also run the steps that wait out a real kernel timer (a minute)"},
    {"--labs DIR", "the labs folder (default: labs/ beside bindlab's build folder)"},
    {"--timeout DUR", "bound on one syscall step (default 2000ms)"},
    {"--color, --no-color", "default: colour on a terminal, unless NO_COLOR is set"},
    OUTPUTS_HELP,
    {NULL, NULL},
};

static int list_labs(const char *root)
{
	char slugs[100][64] = {{0}}, err[ERRLEN];
	int n = lab_list(root, slugs, 100, err);

	if (n < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		struct lab lab;

		if (lab_open(root, slugs[i], &lab, err) < 0) {
			fprintf(stderr, "%s\n", err);
			return EXIT_USAGE;
		}
		printf("%2d  %-28s %s%s%s%s\n", lab.number, lab.slug, lab.title,
		       lab.time[0] ? " (" : "", lab.time, lab.time[0] ? ")" : "");
		if (lab.teaches[0])
			printf("    %-28s %s\n", "", lab.teaches);
	}
	printf("\n'bindlab lab N' walks through lab N; 'bindlab check N' checks your fix.\n");
	return EXIT_PASS;
}

/* `# needs: root`: a second uid (setuid) exists only as root */
static int needs_root(const struct scn_file *f)
{
	const char *v = plan_meta(&f->plans[0], "needs");

	return v && !strcmp(v, "root") && geteuid() != 0;
}

/* Is the file's step left out of this run (slow, or needs root)? */
static int skipped(const struct scn_file *f, int slow)
{
	return needs_root(f) || (!slow && plan_meta(&f->plans[0], "slow"));
}

/* Wait for Enter; 1 when the student typed q. */
static int pause_here(int step, int nsteps)
{
	char line[64];

	printf("\n[step %d of %d done: Enter for the next one, q to stop] ", step, nsteps);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'q';
}

static int lab_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"no-pause", no_argument, NULL, 'P'},
						 {"slow", no_argument, NULL, 'S'},
						 {"labs", required_argument, NULL, 'L'},
						 {"timeout", required_argument, NULL, 't'},
						 {"color", no_argument, NULL, 'C'},
						 {"no-color", no_argument, NULL, 'N'},
						 {"help", no_argument, NULL, 'h'},
						 OUTPUTS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	struct outputs outs = {0};
	struct run_opts ro = {.step_timeout_ms = PLAN_WAIT_DEFAULT_MS, .progress_fd = -1};
	struct render_opts rep = {0};
	struct pool_opts po = {.run = &ro, .render = &rep, .jobs = 2};
	struct collection col = {0};
	struct job *jobs = NULL;
	struct lab lab;
	const char *labs = NULL;
	char root[4096], err[ERRLEN], dir[4096 + 80];
	char *dirs[1] = {dir};
	int c, no_pause = 0, slow = 0, color = -1, njobs = 0, failed = 0, rc = EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			no_pause = 1;
			break;
		case 'S':
			slow = 1;
			break;
		case 'L':
			labs = optarg;
			break;
		case 't':
			if (cli_duration("--timeout", optarg, 600000, &ro.step_timeout_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'C':
			color = 1;
			break;
		case 'N':
			color = 0;
			break;
		case 'h':
			cli_usage(stdout, &command_lab);
			return EXIT_PASS;
		default:
			if (outputs_option(&outs, c, optarg))
				break;
			cli_usage(stderr, &command_lab);
			return EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "bindlab: lab takes one lab number: bindlab lab 2\n");
		return EXIT_USAGE;
	}
	if (lab_root(labs, root, sizeof(root), err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (optind == argc)
		return list_labs(root);
	if (lab_open(root, argv[optind], &lab, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (color < 0)
		color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	rep.color = color;
	/* pause only for a person: a terminal on both ends */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		no_pause = 1;
	snprintf(dir, sizeof(dir), "%s/walkthrough", lab.dir);
	/* every file, slow ones too: a skipped step still shows its question */
	if (collect(dirs, 1, 1, NULL, &col, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	if (col.bad)
		goto out;
	for (int i = 0; i < col.n; i++)
		njobs += col.files[i].nplans;
	jobs = calloc((size_t)(njobs ? njobs : 1), sizeof(*jobs));
	if (!jobs)
		goto out;
	njobs = 0;
	for (int i = 0; i < col.n; i++) {
		if (skipped(&col.files[i], slow))
			continue;
		for (int k = 0; k < col.files[i].nplans; k++)
			jobs[njobs++].plan = &col.files[i].plans[k];
	}
	printf("lab %s: %s\n", lab.slug, lab.title);
	if (lab.teaches[0])
		printf("  teaches  %s\n", lab.teaches);
	if (lab.advice[0])
		printf("  advice   \"%s\"%s%s\n", lab.advice, lab.verdict[0] ? ": " : "",
		       lab.verdict);
	printf("  handout  %s/README.md\n", lab.dir);
	printf("  running  %d step%s on the real kernel...\n", col.n, col.n == 1 ? "" : "s");
	fflush(stdout);
	if (outputs_check(&outs, njobs, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	outputs_setup(&outs, &po);
	if (pool_run(jobs, njobs, &po, NULL, NULL, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	/* one step per file (the handouts cite them so), its variants together */
	for (int i = 0, j = 0; i < col.n; i++) {
		const struct scn_file *f = &col.files[i];
		const struct plan *p0 = &f->plans[0];
		const char *q = plan_meta(p0, "question"), *a = plan_meta(p0, "answer");
		int ok = 1;

		printf("\n== step %d of %d: %s\n", i + 1, col.n, q ? q : f->path);
		if (!slow && plan_meta(p0, "slow")) {
			printf("skipped: it waits out a real kernel timer (--slow runs it)\n");
			continue;
		}
		if (needs_root(f)) {
			printf("skipped: it needs root (a second uid exists only there)\n");
			continue;
		}
		for (int k = 0; k < f->nplans; k++, j++) {
			const struct job *jb = &jobs[j];

			if (!jb->outcomes) {
				printf("ERROR %s: %s\n", jb->plan->file, jb->died);
				ok = 0;
				continue;
			}
			if (k)
				fputc('\n', stdout);
			fwrite(jb->text, 1, jb->hdr.textlen, stdout);
			if (jb->hdr.verdict != VERDICT_PASS)
				ok = 0;
		}
		if (!ok) {
			/* the kernel did not do what the lab says: the lab is wrong here */
			printf("\nThis kernel did not do what the lab expects (see above): please "
			       "tell your instructor, with `uname -r`.\n");
			failed++;
		} else if (a) {
			printf("\nanswer: %s\n", a);
		}
		if (!no_pause && i + 1 < col.n && pause_here(i + 1, col.n))
			break;
	}
	if (outputs_write(&outs, jobs, njobs, lab.title, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	printf("\nYour turn: read %s/README.md, fix %s/starter/, then run\n"
	       "    build/bindlab check %d\n",
	       lab.dir, lab.dir, lab.number);
	rc = failed ? EXIT_FAIL : EXIT_PASS;
out:
	for (int i = 0; i < njobs; i++)
		job_free(&jobs[i]);
	free(jobs);
	collection_free(&col);
	return rc;
}

const struct command command_lab = {
    "lab",
    "[options] [LAB]",
    "walk through a lab on the real kernel (without LAB: the list of labs)",
    "  Runs the lab's walkthrough scenarios in order and shows each one's ladder\n"
    "  diagram, the explanation of every refused bind, and the answer; on a terminal\n"
    "  it waits for Enter between steps.\n",
    lab_opts_help,
    lab_main,
};
