/* main.c - the bindlab command: parses arguments, forks one runner per
 * scenario (each builds and owns its world), collects their reports in order
 * and prints them.  Only main prints and exits. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plan.h"
#include "report.h"
#include "run.h"
#include "who.h"
#include "world.h"

#define BINDLAB_VERSION "0.1.0"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: bindlab run [options] SCENARIO|DIR...   run scenarios in throwaway namespaces\n"
	    "       bindlab doctor                          can this machine run bindlab, and how\n"
	    "       bindlab version\n"
	    "\n"
	    "run options:\n"
	    "  --pcap DIR       write one pcap file per interface into DIR\n"
	    "  --json FILE      write the whole timeline as JSON ('-' for stdout)\n"
	    "  -j N             run N scenarios at once (default 1)\n"
	    "  --timeout MS     bound on one syscall step (default %d)\n"
	    "  -v, --verbose    full report for every scenario, not only failing ones\n"
	    "  -q, --quiet      verdict lines only\n"
	    "  --color, --no-color   (default: colour on a terminal, unless NO_COLOR is set)\n"
	    "\n"
	    "exit status: 0 every expectation held, 1 one failed, 2 bad input or environment\n",
	    PLAN_WAIT_DEFAULT_MS);
}

/* A whole number from min to max for option what, or -1 with a message. */
static int opt_range(const char *s, long min, long max, const char *what, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "bindlab: %s takes a number from %ld to %ld, not '%s'\n", what, min,
			max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* --- collecting scenario files ------------------------------------------ */

struct strv {
	char **v;
	int n, cap;
};

static int strv_add(struct strv *s, const char *str)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		char **nv = realloc(s->v, (size_t)cap * sizeof(*nv));

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n] = strdup(str);
	return s->v[s->n] ? (s->n++, 0) : -1;
}

static void strv_free(struct strv *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* A scenario marked "# slow:" in its opening comments waits out real kernel
 * timers (a minute); a directory run leaves it out unless asked. */
static int is_slow(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "re");
	int slow = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && line[0] == '#')
		if (!strncmp(line, "# slow:", 7))
			slow = 1;
	fclose(f);
	return slow;
}

static int with_slow, skipped_slow;

/* Every *.scn below dir, sorted, so runs are reproducible. */
static int collect_dir(const char *dir, struct strv *out, char *err)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort);
	int rc = 0;

	if (n < 0)
		return errf(err, "cannot read directory '%s': %s", dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;

		if (ents[i]->d_name[0] == '.' || rc < 0)
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (stat(path, &sb) < 0)
			goto next;
		if (S_ISDIR(sb.st_mode))
			rc = collect_dir(path, out, err);
		else if (ends_with(path, ".scn") && !with_slow && is_slow(path))
			skipped_slow++;
		else if (ends_with(path, ".scn") && strv_add(out, path) < 0)
			rc = errf(err, "out of memory");
	next:
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static int collect(char **args, int nargs, struct strv *out, char *err)
{
	for (int i = 0; i < nargs; i++) {
		struct stat sb;
		char path[4096];

		snprintf(path, sizeof(path), "%s", args[i]);
		while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
			path[strlen(path) - 1] = '\0';
		if (stat(path, &sb) < 0)
			return errf(err, "cannot open '%s': %s", args[i], strerror(errno));
		if (S_ISDIR(sb.st_mode)) {
			int before = out->n;

			if (collect_dir(path, out, err) < 0)
				return -1;
			if (out->n == before)
				return errf(err, "no .scn files under '%s'", args[i]);
			qsort(out->v + before, (size_t)(out->n - before), sizeof(char *), cmp_str);
		} else if (strv_add(out, path) < 0) {
			return errf(err, "out of memory");
		}
	}
	return 0;
}

/* --- one runner per scenario ---------------------------------------------- */

/* What a runner sends back: a header, then the text report, then JSON. */
struct job_hdr {
	int verdict;
	int failed_line;
	unsigned textlen, jsonlen;
};

struct job {
	const struct plan *plan;
	pid_t pid;
	int fd; /* read end of the runner's pipe, -1 when done */
	char *buf;
	size_t len, cap;
	int done, printed;
	int status; /* waitpid status */
};

static __attribute__((noreturn)) void runner_main(const struct plan *plan,
						  const struct run_opts *ro,
						  const struct report_opts *rep, int fd,
						  pid_t parent)
{
	struct run_result *res = calloc(1, sizeof(*res));
	struct job_hdr h;
	char *text = NULL, *json = NULL;
	size_t tl = 0, jl = 0;
	FILE *t, *j;

	/* The runner and so its world die with bindlab. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent || !res)
		_exit(EXIT_USAGE);
	/* Only main prints (and the runner a TIME_WAIT countdown, on a
	 * terminal).  A runner still tearing its world down after main exits
	 * must not hold main's stdout open: whoever reads it would wait for
	 * that teardown too. */
	struct run_opts mine = *ro;

	mine.progress_fd = ro->progress_fd ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
	ro = &mine;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	run_plan(plan, ro, res);
	run_finish(res);
	timeline_sort(&res->tl);
	t = open_memstream(&text, &tl);
	j = open_memstream(&json, &jl);
	if (!t || !j)
		_exit(EXIT_USAGE);
	report_text(t, plan, res, rep);
	report_json(j, plan, res);
	fclose(t);
	fclose(j);
	memset(&h, 0, sizeof(h));
	h.verdict = (int)res->verdict;
	h.failed_line = res->failed_step >= 0 ? plan->steps[res->failed_step].pos.line : 0;
	h.textlen = (unsigned)tl;
	h.jsonlen = (unsigned)jl;
	if (write(fd, &h, sizeof(h)) < 0 || write(fd, text, tl) < 0 || write(fd, json, jl) < 0)
		_exit(EXIT_USAGE);
	/* Close before exiting: bindlab can print the verdict while the kernel
	 * still tears the captures and namespaces down. */
	close(fd);
	_exit(res->verdict == VERDICT_PASS   ? EXIT_PASS
	      : res->verdict == VERDICT_FAIL ? EXIT_FAIL
					     : EXIT_USAGE);
}

static int job_start(struct job *jb, const struct run_opts *ro, const struct report_opts *rep,
		     char *err)
{
	int p[2];
	pid_t parent = getpid();

	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(err, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	jb->pid = fork();
	if (jb->pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(err, "cannot fork a runner: %s", strerror(errno));
	}
	if (jb->pid == 0) {
		close(p[0]);
		runner_main(jb->plan, ro, rep, p[1], parent);
	}
	close(p[1]);
	jb->fd = p[0];
	return 0;
}

/* Read what is there; at EOF reap the runner. */
static void job_read(struct job *jb)
{
	char tmp[65536];
	ssize_t n = read(jb->fd, tmp, sizeof(tmp));

	if (n < 0 && errno == EINTR)
		return;
	if (n > 0) {
		if (jb->len + (size_t)n > jb->cap) {
			size_t cap = (jb->cap ? jb->cap * 2 : 65536) + (size_t)n;
			char *nb = realloc(jb->buf, cap);

			if (!nb)
				return;
			jb->buf = nb;
			jb->cap = cap;
		}
		memcpy(jb->buf + jb->len, tmp, (size_t)n);
		jb->len += (size_t)n;
		return;
	}
	close(jb->fd);
	jb->fd = -1;
	jb->done = 1;
}

struct totals {
	int passed, failed, errors;
	FILE *json;
	int njson;
};

static void job_print(struct job *jb, const struct report_opts *rep, int full, struct totals *tot)
{
	struct job_hdr h;
	const struct plan *plan = jb->plan;

	if (jb->len < sizeof(h)) {
		/* The runner died before it could report: say how. */
		int st = 0;

		waitpid(jb->pid, &st, 0);
		jb->pid = 0;
		fprintf(stdout, "%sERROR%s %s: the runner died (%s %d) before reporting\n",
			rep->color ? "\033[31m" : "", rep->color ? "\033[0m" : "", plan->file,
			WIFSIGNALED(st) ? "signal" : "exit status",
			WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		tot->errors++;
		return;
	}
	memcpy(&h, jb->buf, sizeof(h));
	if (sizeof(h) + h.textlen + h.jsonlen > jb->len) {
		fprintf(stdout, "ERROR %s: the runner's report was cut short\n", plan->file);
		tot->errors++;
		return;
	}
	if (full || h.verdict != VERDICT_PASS) {
		fwrite(jb->buf + sizeof(h), 1, h.textlen, stdout);
		fputc('\n', stdout);
	}
	if (h.verdict == VERDICT_PASS)
		tot->passed++;
	else if (h.verdict == VERDICT_FAIL)
		tot->failed++;
	else
		tot->errors++;
	if (tot->json) {
		fputs(tot->njson++ ? ",\n" : "", tot->json);
		fwrite(jb->buf + sizeof(h) + h.textlen, 1, h.jsonlen, tot->json);
	}
	{
		/* the verdict line, from the header */
		char v[140] = "";

		if (plan->variant[0])
			snprintf(v, sizeof(v), " [%s]", plan->variant);
		if (h.verdict == VERDICT_PASS)
			fprintf(stdout, "%sPASS%s %s%s\n", rep->color ? "\033[32m" : "",
				rep->color ? "\033[0m" : "", plan->file, v);
		else if (h.verdict == VERDICT_FAIL)
			fprintf(stdout, "%sFAIL%s %s:%d%s\n", rep->color ? "\033[31m" : "",
				rep->color ? "\033[0m" : "", plan->file, h.failed_line, v);
		else
			fprintf(stdout, "%sERROR%s %s%s\n", rep->color ? "\033[31m" : "",
				rep->color ? "\033[0m" : "", plan->file, v);
	}
	fflush(stdout);
}

static int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"pcap", required_argument, NULL, 'p'},    {"json", required_argument, NULL, 'J'},
	    {"timeout", required_argument, NULL, 't'}, {"verbose", no_argument, NULL, 'v'},
	    {"quiet", no_argument, NULL, 'q'},	       {"color", no_argument, NULL, 'C'},
	    {"no-color", no_argument, NULL, 'N'},      {"slow", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0}};
	struct run_opts ro = {.step_timeout_ms = PLAN_WAIT_DEFAULT_MS};
	struct report_opts rep = {0};
	struct strv files = {0};
	struct plan **plans = NULL;
	int *nplans = NULL;
	struct job *jobs = NULL;
	int njobs = 0, jobsmax = 1, verbose = 0, quiet = 0, color = -1, c, rc = EXIT_USAGE;
	const char *json_path = NULL;
	struct totals tot = {0};
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
			if (opt_range(optarg, 1, 600000, "--timeout", &ro.step_timeout_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'j':
			if (opt_range(optarg, 1, 64, "-j", &v) < 0)
				return EXIT_USAGE;
			jobsmax = (int)v;
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
		case 'h':
			usage(stdout);
			return EXIT_PASS;
		default:
			usage(stderr);
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
	ro.progress_fd = jobsmax == 1 && isatty(STDERR_FILENO);
	rep.color = color;
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
	if (collect(argv + optind, argc - optind, &files, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}

	/* Parse everything first: bad input is reported before anything runs. */
	plans = calloc((size_t)files.n, sizeof(*plans));
	nplans = calloc((size_t)files.n, sizeof(*nplans));
	if (!plans || !nplans)
		goto out;
	int total = 0, bad = 0;

	for (int i = 0; i < files.n; i++) {
		if (plan_parse_file(files.v[i], &plans[i], &nplans[i], err) < 0) {
			fprintf(stderr, "%s\n", err);
			bad++;
			continue;
		}
		total += nplans[i];
	}
	if (bad && files.n == 1)
		goto out;
	tot.errors = bad;
	jobs = calloc((size_t)(total ? total : 1), sizeof(*jobs));
	if (!jobs)
		goto out;
	for (int i = 0; i < files.n; i++)
		for (int k = 0; k < nplans[i]; k++) {
			jobs[njobs].plan = &plans[i][k];
			jobs[njobs].fd = -1;
			njobs++;
		}
	if (json_path) {
		tot.json = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;
		if (!tot.json) {
			fprintf(stderr, "bindlab: cannot write '%s': %s\n", json_path,
				strerror(errno));
			goto out;
		}
		fputs(njobs == 1 ? "" : "[", tot.json);
	}

	/* Keep up to jobsmax runners going; print reports in order. */
	int next = 0, running = 0, shown = 0;
	int full = !quiet && (verbose || njobs == 1);

	while (shown < njobs) {
		while (running < jobsmax && next < njobs) {
			if (job_start(&jobs[next], &ro, &rep, err) < 0) {
				fprintf(stderr, "bindlab: %s\n", err);
				goto out;
			}
			next++;
			running++;
		}
		struct pollfd pf[64];
		int idx[64], np = 0;

		for (int i = 0; i < next && np < 64; i++)
			if (jobs[i].fd >= 0) {
				pf[np].fd = jobs[i].fd;
				pf[np].events = POLLIN;
				idx[np++] = i;
			}
		if (np && poll(pf, (nfds_t)np, -1) > 0)
			for (int k = 0; k < np; k++)
				if (pf[k].revents) {
					job_read(&jobs[idx[k]]);
					if (jobs[idx[k]].done)
						running--;
				}
		while (shown < njobs && jobs[shown].done) {
			if (quiet && !full)
				job_print(&jobs[shown], &rep, 0, &tot);
			else
				job_print(&jobs[shown], &rep, full, &tot);
			shown++;
		}
	}
	if (tot.json) {
		fputs(njobs == 1 ? "\n" : "]\n", tot.json);
		if (tot.json != stdout)
			fclose(tot.json);
	}
	if (skipped_slow)
		printf("skipped %d slow scenario%s (real kernel timers): run with --slow\n",
		       skipped_slow, skipped_slow > 1 ? "s" : "");
	if (njobs > 1 || bad || skipped_slow) {
		printf("%d passed, %d failed", tot.passed, tot.failed + tot.errors);
		if (skipped_slow)
			printf(", %d skipped", skipped_slow);
		putchar('\n');
	}
	rc = tot.errors ? EXIT_USAGE : tot.failed ? EXIT_FAIL : EXIT_PASS;
out:
	/* No waitpid() for the runners: each has sent its report and is only
	 * tearing its world down, and closing a capture alone makes the kernel
	 * wait ~28 ms (an RCU grace period).  Exiting now keeps that off the
	 * user's time; PR_SET_PDEATHSIG kills any runner still going, and its
	 * namespaces go with it. */
	for (int i = 0; i < njobs; i++) {
		if (jobs[i].fd >= 0)
			close(jobs[i].fd);
		free(jobs[i].buf);
	}
	free(jobs);
	for (int i = 0; plans && i < files.n; i++)
		if (plans[i])
			plan_free(plans[i], nplans[i]);
	free(plans);
	free(nplans);
	strv_free(&files);
	return rc;
}

/* --- restart-check ---------------------------------------------------------- */

/* Run one plan in a runner and wait for its report (header, text, JSON). */
static int run_one(const struct plan *plan, const struct run_opts *ro,
		   const struct report_opts *rep, struct job *jb, char *err)
{
	memset(jb, 0, sizeof(*jb));
	jb->plan = plan;
	jb->fd = -1;
	if (job_start(jb, ro, rep, err) < 0)
		return -1;
	while (!jb->done)
		job_read(jb);
	if (!jb->buf || jb->len < sizeof(struct job_hdr)) {
		free(jb->buf);
		jb->buf = NULL;
		return errf(err, "the runner died before reporting");
	}
	return 0;
}

static int quote_sep(char *buf, size_t len)
{
	size_t o = strlen(buf);

	if (o + 3 >= len)
		return -1;
	memcpy(buf + o, ", ", 3);
	return 0;
}

/* Append s to buf as a scenario string: quoted, with \ and " escaped. */
static int quote_arg(char *buf, size_t len, const char *s)
{
	size_t o = strlen(buf);

	if (o + 3 >= len)
		return -1;
	buf[o++] = '"';
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || o + 4 >= len)
			return -1;
		if (*s == '"' || *s == '\\')
			buf[o++] = '\\';
		buf[o++] = *s;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return 0;
}

/* The port the program bound before its first successful listen(), from the
 * discovery run's JSON ("call":"bind" ... "text":"bind(3, 0.0.0.0:8080) = 0"). */
static int traced_listen_port(const char *json, size_t len)
{
	char *copy = strndup(json, len), *p, *l;
	int port = 0;

	if (!copy)
		return 0;
	l = strstr(copy, "\"call\":\"listen\"");
	if (l && strstr(l, "\"ret\":0")) {
		*l = '\0';
		for (p = copy; (p = strstr(p, "\"text\":\"bind(")); p++) {
			char *colon = strstr(p, ") = 0\"");
			char *c = colon;

			if (!colon)
				break;
			while (c > p && *c != ':')
				c--;
			if (*c == ':')
				port = atoi(c + 1);
		}
	}
	free(copy);
	return port;
}

static void restart_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: bindlab restart-check [--port P] [--clients N] [--grace DUR] [--pcap DIR]\n"
	    "                             [--json FILE] [--print-scenario] -- CMD ARGS...\n"
	    "  starts CMD in a fresh world, waits until it listens, connects N clients (default\n"
	    "  2), stops it as an operator would (SIGTERM, SIGKILL after DUR, default 2s),\n"
	    "  starts it again at once and says whether the restart could bind.\n"
	    "  exit status: 0 the restart listens, 1 it could not, 2 bad input or CMD never\n"
	    "  listened the first time\n");
}

static int cmd_restart_check(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"port", required_argument, NULL, 'p'},  {"clients", required_argument, NULL, 'c'},
	    {"grace", required_argument, NULL, 'g'}, {"pcap", required_argument, NULL, 'P'},
	    {"json", required_argument, NULL, 'J'},  {"print-scenario", no_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},	     {NULL, 0, NULL, 0}};
	struct run_opts ro = {.step_timeout_ms = PLAN_WAIT_DEFAULT_MS};
	struct report_opts rep = {.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR")};
	char args[1024] = "", text[4096], grace[32] = "2s", err[ERRLEN];
	const char *json_path = NULL;
	int port = 0, clients = 2, print = 0, c, rc = EXIT_USAGE, nplans = 0;
	int line_first_wait, line_second_wait;
	long v;
	struct plan *plans = NULL;
	struct job jb;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (opt_range(optarg, 1, 65535, "--port", &v) < 0)
				return EXIT_USAGE;
			port = (int)v;
			break;
		case 'c':
			if (opt_range(optarg, 0, 16, "--clients", &v) < 0)
				return EXIT_USAGE;
			clients = (int)v;
			break;
		case 'g':
			snprintf(grace, sizeof(grace), "%s", optarg);
			break;
		case 'P':
			ro.pcap_dir = optarg;
			break;
		case 'J':
			json_path = optarg;
			break;
		case 's':
			print = 1;
			break;
		case 'h':
			restart_usage(stdout);
			return EXIT_PASS;
		default:
			restart_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 8) {
		fprintf(stderr, "bindlab: restart-check needs a command after --, with at most 7 "
				"arguments\n");
		return EXIT_USAGE;
	}
	for (int k = optind; k < argc; k++)
		if ((k > optind && quote_sep(args, sizeof(args)) < 0) ||
		    quote_arg(args, sizeof(args), argv[k]) < 0) {
			fprintf(stderr, "bindlab: the command line is too long or holds a control "
					"character\n");
			return EXIT_USAGE;
		}
	if (ro.pcap_dir && mkdir(ro.pcap_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "bindlab: cannot create '%s': %s\n", ro.pcap_dir, strerror(errno));
		return EXIT_USAGE;
	}

	/* Which port?  Asked, or the one its traced bind gave its listener. */
	if (!port) {
		snprintf(text, sizeof(text),
			 "scenario \"restart-check: find the port\"\n"
			 "host server 10.0.0.1\n"
			 "server: p = run(%s)\n"
			 "expect traced server listen() = 0 within 5s\n",
			 args);
		if (plan_parse_string("restart-check", text, &plans, &nplans, err) < 0 ||
		    run_one(&plans[0], &ro, &rep, &jb, err) < 0) {
			fprintf(stderr, "bindlab: %s\n", err);
			goto out;
		}
		struct job_hdr h;

		if (!jb.buf)
			goto out; /* run_one() says 0 only with a report; for the analyzer */
		memcpy(&h, jb.buf, sizeof(h));
		port = traced_listen_port(jb.buf + sizeof(h) + h.textlen, h.jsonlen);
		if (!port) {
			fwrite(jb.buf + sizeof(h), 1, h.textlen, stdout);
			fprintf(stderr,
				"bindlab: the program did not listen within 5 s, or it cannot be "
				"traced (a static binary): give --port\n");
			free(jb.buf);
			goto out;
		}
		free(jb.buf);
		plan_free(plans, nplans);
		plans = NULL;
	}

	/* The scenario: start, wait until it listens, clients, stop, restart. */
	int n = snprintf(text, sizeof(text),
			 "scenario \"restart-check: %s\"\n"
			 "host server 10.0.0.1\n"
			 "host client 10.0.0.2\n"
			 "server: p = run(%s)\n"
			 "wait until socket server *:%d LISTEN within 5s\n",
			 argv[optind], args, port);
	line_first_wait = 5;
	for (int k = 1; k <= clients; k++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "client: c%d = socket(tcp)\n"
			      "client: connect(c%d, 10.0.0.1:%d) = 0\n"
			      "client: send(c%d, \"hello\\r\\n\") = *\n",
			      k, k, port, k);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "server: stop(p, %s)\n", grace);
	/* the clients read to the end and close, as real clients do: unread
	 * data at close() would reset the connection instead of closing it */
	for (int k = 1; k <= clients; k++)
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "client: recv(c%d, 256, eof) = *\n"
			      "client: close(c%d) = *\n",
			      k, k);
	/* Did the new instance listen?  Its own traced listen() says so; the
	 * socket table cannot tell it from a listener the old one left behind
	 * (a forked worker), so it is only the fallback for static binaries. */
	if (run_program_is_static(argv[optind]))
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "server: p2 = run(%s)\n"
			      "wait until socket server *:%d LISTEN within 5s\n",
			      args, port);
	else
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "server: p2 = run(%s)\n"
			      "expect traced p2 listen() = 0 within 5s\n",
			      args);
	line_second_wait = 5 + 3 * clients + 1 + 2 * clients + 2;
	if ((size_t)n >= sizeof(text)) {
		fprintf(stderr, "bindlab: the command line is too long\n");
		goto out;
	}
	if (print) {
		fputs(text, stdout);
		rc = EXIT_PASS;
		goto out;
	}
	if (plan_parse_string("restart-check", text, &plans, &nplans, err) < 0 ||
	    run_one(&plans[0], &ro, &rep, &jb, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", err);
		goto out;
	}
	struct job_hdr h;

	if (!jb.buf)
		goto out;
	memcpy(&h, jb.buf, sizeof(h));
	fwrite(jb.buf + sizeof(h), 1, h.textlen, stdout);
	if (json_path) {
		FILE *jf = strcmp(json_path, "-") ? fopen(json_path, "w") : stdout;

		if (jf) {
			fwrite(jb.buf + sizeof(h) + h.textlen, 1, h.jsonlen, jf);
			fputc('\n', jf);
			if (jf != stdout)
				fclose(jf);
		}
	}
	if (h.verdict == VERDICT_PASS) {
		printf("\nrestart-check: OK: '%s' listens on port %d again right after a rapid "
		       "restart (%d client%s were connected when it was stopped)\n",
		       argv[optind], port, clients, clients == 1 ? "" : "s");
		rc = EXIT_PASS;
	} else if (h.verdict == VERDICT_FAIL && h.failed_line == line_second_wait) {
		printf("\nrestart-check: FAILED: the restarted '%s' could not listen on port %d "
		       "(see the restarted program's traced bind and what was in the way, above)\n",
		       argv[optind], port);
		rc = EXIT_FAIL;
	} else if (h.verdict == VERDICT_FAIL && h.failed_line == line_first_wait) {
		printf("\nrestart-check: '%s' never listened on port %d the first time: nothing "
		       "to restart (its output is above)\n",
		       argv[optind], port);
	} else {
		printf("\nrestart-check: could not complete (line %d of the scenario above failed; "
		       "--print-scenario shows it)\n",
		       h.failed_line);
	}
	free(jb.buf);
out:
	if (plans)
		plan_free(plans, nplans);
	return rc;
}

static int cmd_doctor(void)
{
	char report[4096];
	int rc = world_probe(report, sizeof(report));

	fputs(report, stdout);
	if (rc < 0) {
		printf("bindlab cannot run here: see the fixes above\n");
		return EXIT_USAGE;
	}
	return EXIT_PASS;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "doctor"))
		return cmd_doctor();
	if (!strcmp(argv[1], "who"))
		return who_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "restart-check"))
		return cmd_restart_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("bindlab %s\n", BINDLAB_VERSION);
		return EXIT_PASS;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_PASS;
	}
	fprintf(stderr, "bindlab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
