/* cmd_run.c - `bindlab run [options] SCENARIO|DIR...`: every plan in a
 * runner of its own, -j N at once, reports in order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "collect.h"
#include "outputs.h"
#include "pool.h"

static const struct cli_option run_opts_help[] = {
    {"--pcap DIR", "write one pcap file per interface into DIR"},
    {"--json FILE", "write every run as JSON ('-' for stdout; docs/json-report.md)"},
    OUTPUTS_HELP,
    {"-j N", "run N scenarios at once (default 1, at most 64)"},
    {"--timeout DUR", "bound on one syscall step (default 2000ms; a bare number is ms)"},
    {"--set NAME=VALUE", "give ${NAME} in the scenarios a value (e.g. --set SERVER=./server)"},
    {"--slow", "also run the scenarios marked '# slow:' under a directory"},
    {"-v, --verbose", "full report for every scenario, not only failing ones"},
    {"-q, --quiet", "verdict lines only"},
    {"--color, --no-color", "default: colour on a terminal, unless NO_COLOR is set"},
    {NULL, NULL},
};

struct totals {
	int passed, failed, errors;
	int full, color;
	FILE *json; /* a memory stream: the file is written whole at the end */
	int njson;
};

static void print_job(struct job *jb, void *arg)
{
	struct totals *tot = arg;
	const struct plan *plan = jb->plan;
	const char *red = tot->color ? "\033[31m" : "", *green = tot->color ? "\033[32m" : "",
		   *off = tot->color ? "\033[0m" : "";
	char v[140] = "";

	if (plan->variant[0])
		snprintf(v, sizeof(v), " [%s]", plan->variant);
	if (!jb->outcomes) {
		printf("%sERROR%s %s%s: %s\n", red, off, plan->file, v, jb->died);
		tot->errors++;
		fflush(stdout);
		return;
	}
	if (tot->full || jb->hdr.verdict != VERDICT_PASS) {
		fwrite(jb->text, 1, jb->hdr.textlen, stdout);
		fputc('\n', stdout);
	}
	if (tot->json) {
		render_json_sep(tot->json, tot->njson++);
		fwrite(jb->json, 1, jb->hdr.jsonlen, tot->json);
	}
	if (jb->hdr.verdict == VERDICT_PASS) {
		tot->passed++;
		printf("%sPASS%s %s%s\n", green, off, plan->file, v);
	} else if (jb->hdr.verdict == VERDICT_FAIL) {
		tot->failed++;
		printf("%sFAIL%s %s:%d%s\n", red, off, plan->file, jb->hdr.failed_line, v);
	} else {
		tot->errors++;
		printf("%sERROR%s %s%s\n", red, off, plan->file, v);
	}
	fflush(stdout);
}

static int run_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"pcap", required_argument, NULL, 'p'},
						 {"json", required_argument, NULL, 'J'},
						 {"timeout", required_argument, NULL, 't'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"quiet", no_argument, NULL, 'q'},
						 {"color", no_argument, NULL, 'C'},
						 {"no-color", no_argument, NULL, 'N'},
						 {"slow", no_argument, NULL, 'S'},
						 {"set", required_argument, NULL, 'D'},
						 {"help", no_argument, NULL, 'h'},
						 OUTPUTS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	struct outputs outs = {0};
	struct run_opts ro = {.step_timeout_ms = PLAN_WAIT_DEFAULT_MS, .progress_fd = -1};
	struct render_opts rep = {0};
	struct pool_opts po = {.run = &ro, .render = &rep, .jobs = 1};
	struct collection col = {0};
	struct plan_defs defs = {0};
	struct job *jobs = NULL;
	struct totals tot = {0};
	int njobs = 0, verbose = 0, quiet = 0, color = -1, with_slow = 0, c, rc = EXIT_USAGE;
	const char *json_path = NULL;
	char *json = NULL;
	size_t jsonlen = 0;
	long v;
	char err[ERRLEN];

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			ro.pcap_dir = optarg;
			break;
		case 'J':
			json_path = optarg;
			break;
		case 't':
			if (duration_parse(optarg, 600000, 1, &ro.step_timeout_ms) < 0 ||
			    ro.step_timeout_ms < 1) {
				fprintf(
				    stderr,
				    "bindlab: --timeout takes a duration from 1ms to 600s (500, "
				    "500ms, 2s), not '%s'\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'j':
			if (cli_number("-j", optarg, 1, 64, &v) < 0)
				return EXIT_USAGE;
			po.jobs = (int)v;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'C':
			color = 1;
			break;
		case 'N':
			color = 0;
			break;
		case 'S':
			with_slow = 1;
			break;
		case 'D':
			if (plan_defs_add(&defs, optarg, err) < 0) {
				fprintf(stderr, "%s\n", err);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			cli_usage(stdout, &command_run);
			return EXIT_PASS;
		default:
			if (outputs_option(&outs, c, optarg))
				break;
			cli_usage(stderr, &command_run);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "bindlab: run needs a scenario file or directory\n");
		return EXIT_USAGE;
	}
	if (color < 0)
		color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	/* a countdown makes sense for one run at a time, on a terminal */
	po.countdown = po.jobs == 1 && isatty(STDERR_FILENO);
	rep.color = color;
	tot.color = color;
	if (ro.pcap_dir) {
		struct stat sb;

		if (mkdir(ro.pcap_dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "bindlab: cannot create '%s': %s\n", ro.pcap_dir,
				strerror(errno));
			return EXIT_USAGE;
		}
		if (stat(ro.pcap_dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "bindlab: '%s' is not a directory\n", ro.pcap_dir);
			return EXIT_USAGE;
		}
	}
	if (collect(argv + optind, argc - optind, with_slow, &defs, &col, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	if (col.bad && col.n == 1)
		goto out;
	tot.errors = col.bad;
	for (int i = 0; i < col.n; i++)
		njobs += col.files[i].nplans;
	jobs = calloc((size_t)(njobs ? njobs : 1), sizeof(*jobs));
	if (!jobs)
		goto out;
	njobs = 0;
	for (int i = 0; i < col.n; i++)
		for (int k = 0; k < col.files[i].nplans; k++)
			jobs[njobs++].plan = &col.files[i].plans[k];
	if (outputs_check(&outs, njobs, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	outputs_setup(&outs, &po);
	if (json_path) {
		tot.json = open_memstream(&json, &jsonlen);
		if (!tot.json)
			goto out;
		render_json_begin(tot.json, BINDLAB_VERSION);
	}
	tot.full = !quiet && (verbose || njobs == 1);
	if (pool_run(jobs, njobs, &po, print_job, &tot, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	if (tot.json) {
		render_json_end(tot.json, NULL);
		fclose(tot.json);
		tot.json = NULL;
		if (cli_write_file(json_path, json, jsonlen, err) < 0) {
			fprintf(stderr, "bindlab: %s\n", err);
			goto out;
		}
	}
	if (outputs_write(&outs, jobs, njobs, njobs == 1 ? jobs[0].plan->name : "bindlab run",
			  err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	if (col.skipped_slow)
		printf("skipped %d slow scenario%s (real kernel timers): run with --slow\n",
		       col.skipped_slow, col.skipped_slow > 1 ? "s" : "");
	if (njobs > 1 || col.bad || col.skipped_slow) {
		printf("%d passed, %d failed", tot.passed, tot.failed + tot.errors);
		if (col.skipped_slow)
			printf(", %d skipped", col.skipped_slow);
		putchar('\n');
	}
	rc = tot.errors ? EXIT_USAGE : tot.failed ? EXIT_FAIL : EXIT_PASS;
out:
	if (tot.json)
		fclose(tot.json);
	free(json);
	for (int i = 0; i < njobs; i++)
		job_free(&jobs[i]);
	free(jobs);
	collection_free(&col);
	return rc;
}

const struct command command_run = {
    "run",
    "[options] SCENARIO|DIR...",
    "run scenarios in throwaway namespaces: ladder diagram, verdict, explanation",
    NULL,
    run_opts_help,
    run_main,
};
