/* render-time.c - how long each renderer takes on real results.
 *
 *   render-time [-n REPEAT] SCENARIO...
 *
 * Runs every variant of every scenario once, as the runner does (run_plan()
 * in a child of its own, then timeline_sort()), and then renders that result
 * REPEAT times with each format into memory: text, json, html (one run's
 * section, as the runner writes it), svg and mermaid.  One line per run and
 * format on stdout:
 *
 *   FILE<TAB>VARIANT<TAB>FORMAT<TAB>BYTES<TAB>MEDIAN_NS<TAB>EVENTS
 *
 * The renderers run after the verdict in the runner (cli/pool.c); this
 * measures what they add there, without the world around them.  Slow
 * scenarios (`# slow:`) are left out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "render.h"
#include "run.h"

#define REPEAT_MAX 10000

static const struct renderer *const formats[] = {&render_text, &render_json, &render_html,
						 &render_svg, &render_mermaid};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Render res n times with r; the median time and the size of one output. */
static uint64_t time_one(const struct renderer *r, const struct plan *plan,
			 const struct result *res, int n, size_t *bytes)
{
	static uint64_t t[REPEAT_MAX];
	struct render_opts o = {0, 0};

	for (int k = 0; k < n; k++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		uint64_t t0;

		if (!f)
			exit(2);
		t0 = mono_ns();
		r->write(f, plan, res, &o);
		fclose(f); /* the runner closes its stream too: part of the cost */
		t[k] = mono_ns() - t0;
		*bytes = len;
		free(buf);
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_u64);
	return t[n / 2];
}

/* One variant, in a child: run_plan() makes its world around the caller. */
static void run_child(const struct plan *plan, int n)
{
	struct run_opts ro = {.step_timeout_ms = PLAN_WAIT_DEFAULT_MS, .progress_fd = -1};
	struct result *res = calloc(1, sizeof(*res));

	if (!res)
		_exit(2);
	run_plan(plan, &ro, res);
	timeline_sort(&res->tl);
	for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		size_t bytes = 0;
		uint64_t ns = time_one(formats[k], plan, res, n, &bytes);

		printf("%s\t%s\t%s\t%zu\t%llu\t%zu\n", plan->file, plan->variant, formats[k]->name,
		       bytes, (unsigned long long)ns, res->tl.n);
	}
	fflush(stdout);
	_exit(res->verdict == VERDICT_ERROR ? 1 : 0);
}

int main(int argc, char **argv)
{
	int n = 100, c, rc = 0;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n')
			return 2;
		n = atoi(optarg);
		if (n < 1 || n > REPEAT_MAX)
			return fprintf(stderr, "render-time: -n is 1 to %d\n", REPEAT_MAX), 2;
	}
	for (int i = optind; i < argc; i++) {
		struct plan *plans;
		int nplans;
		char err[ERRLEN];

		if (plan_parse_file(argv[i], &plans, &nplans, err) < 0) {
			fprintf(stderr, "render-time: %s\n", err);
			rc = 2;
			continue;
		}
		for (int v = 0; v < nplans && !plan_meta(&plans[0], "slow"); v++) {
			int st;
			pid_t pid;

			fflush(stdout);
			pid = fork();
			if (pid == 0)
				run_child(&plans[v], n);
			if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
			    WEXITSTATUS(st)) {
				fprintf(stderr, "render-time: %s: the run did not complete\n",
					argv[i]);
				rc = 1;
			}
		}
		plan_free(plans, nplans);
	}
	return rc;
}
