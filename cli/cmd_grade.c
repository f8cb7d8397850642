/* cmd_grade.c - `bindlab grade LAB SUBMISSION` and `bindlab grade LAB
 * --class DIR`: an instructor's grade of one student's folder, or of every
 * folder of a class, `-j` at a time.
 *
 * Each submission is graded by a worker process of its own, which enters
 * a private mount namespace, copies the folder into a scratch tmpfs there
 * (sandbox.h), builds it in the sandbox and runs the lab's visible and
 * hidden checks against it, each in a world of its own.  The worker sends
 * each result to this process as a record as soon as it has it; this
 * process owns the grade and writes it (results.json, junit.xml,
 * results.tap, summary.txt; the class gradebook), so that a worker that
 * crashes, hangs or is killed still leaves a complete grade saying which
 * checks never ran and why. */
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
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cli.h"
#include "lab.h"
#include "outputs.h"
#include "pool.h"
#include "sandbox.h"
#include "score.h"

#define GRADE_CLASS_MAX 2000 /* students in one --class folder */

static const struct cli_option grade_opts_help[] = {
    {"--class DIR", "grade every folder in DIR (one per student, named after them)"},
    {"--out DIR", "write each grade there (--class: DIR/STUDENT/ and DIR/gradebook.csv; "
		  "default ./grades)"},
    {"-j N", "one submission: checks at once; --class: submissions at once (default 2)"},
    {"--only ID", "run only this check (and those it requires): what a replay runs"},
    {"--labs DIR", "the labs folder (staff/ beside it holds the hidden checks)"},
    {"--timeout DUR", "bound on one syscall step (default 2000ms)"},
    {"--build-timeout DUR", "bound on building a submission (default 60s)"},
    {"-v, --verbose", "every check's full report, not only failing ones'"},
    OUTPUTS_HELP,
    {NULL, NULL},
};

struct grade_opts {
	struct outputs outs;
	const char *labs, *which, *sub, *class_dir, *out, *only;
	int jobs, verbose;
	long build_timeout_ms;
	struct run_opts ro;
	struct render_opts rep;
	char root[4096]; /* the labs folder, absolute */
};

static int grade_args(int argc, char **argv, struct grade_opts *o)
{
	static const struct option longopts[] = {{"class", required_argument, NULL, 'c'},
						 {"out", required_argument, NULL, 'o'},
						 {"only", required_argument, NULL, 'O'},
						 {"labs", required_argument, NULL, 'L'},
						 {"timeout", required_argument, NULL, 't'},
						 {"build-timeout", required_argument, NULL, 'B'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 OUTPUTS_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	long v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "j:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->class_dir = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'O':
			o->only = optarg;
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
			if (cli_number("-j", optarg, 1, SANDBOX_SLOTS, &v) < 0)
				return -1;
			o->jobs = (int)v;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			cli_usage(stdout, &command_grade);
			exit(EXIT_PASS);
		default:
			if (outputs_option(&o->outs, c, optarg))
				break;
			cli_usage(stderr, &command_grade);
			return -1;
		}
	}
	if (o->class_dir ? argc - optind != 1 : argc - optind != 2) {
		fprintf(stderr,
			"bindlab: grade needs a lab and a submission folder, or --class DIR: "
			"bindlab grade 2 SUBMISSION, bindlab grade 2 --class DIR\n");
		return -1;
	}
	o->which = argv[optind];
	o->sub = o->class_dir ? NULL : argv[optind + 1];
	if (o->class_dir && (o->outs.path[0] || o->outs.path[1] || o->outs.path[2])) {
		fprintf(stderr, "bindlab: --html, --svg and --mermaid draw one submission's "
				"checks: not with --class\n");
		return -1;
	}
	return 0;
}

/* --- the worker: one submission ---------------------------------------------- */

/* What a worker sends, in order: one REC_BUILD, one REC_CHECK per check
 * that ran or was skipped, then REC_DONE.  Two strings follow each
 * record. */
enum { REC_BUILD, REC_CHECK, REC_DONE };

struct grade_rec {
	int kind;
	int index; /* of the check */
	int outcome, parts, parts_passed, build_status, static_binary, ok;
	double earned;
	long ms;
	unsigned len1, len2; /* REC_CHECK: output, replay; REC_BUILD: why + cmd, log */
};

static int send_rec(int fd, struct grade_rec *r, const char *s1, const char *s2)
{
	r->len1 = (unsigned)strlen(s1 ? s1 : "");
	r->len2 = (unsigned)strlen(s2 ? s2 : "");
	if (cli_write_all(fd, r, sizeof(*r)) < 0 || cli_write_all(fd, s1 ? s1 : "", r->len1) < 0 ||
	    cli_write_all(fd, s2 ? s2 : "", r->len2) < 0)
		return -1;
	return 0;
}

/* The command a student or instructor runs to see check i again, in the
 * same sandbox: the grader itself, on this submission, this check only. */
static void replay_cmd(const struct grade_opts *o, const struct lab *lab, const char *subdir, int i,
		       char *buf, size_t len)
{
	snprintf(buf, len, "%s grade %s '%s' --only %s --labs '%s' -v",
		 self_exe()[0] ? self_exe() : "bindlab", lab->slug, subdir, lab->checks[i].id,
		 o->root);
}

/* Is check i in what --only asked for (the check and its prerequisites)? */
static int wanted(const struct lab *lab, const char *only, int i)
{
	int k;

	if (!only)
		return 1;
	k = lab_find_check(lab, only);
	if (k == i)
		return 1;
	for (int r = 0; k >= 0 && r < lab->checks[k].nrequires; r++)
		if (wanted(lab, lab->checks[lab->checks[k].requires[r]].id, i))
			return 1;
	return 0;
}

static __attribute__((noreturn)) void worker_main(const struct grade_opts *o, const char *subdir,
						  int slot, int fd)
{
	struct sandbox sb;
	struct lab lab;
	struct plan_defs defs = {0};
	struct build b;
	struct score s;
	struct grade_rec r;
	struct pool_opts po = {.jobs = o->class_dir ? 1 : o->jobs};
	struct run_opts ro = o->ro;
	struct outputs outs = o->outs;
	char err[ERRLEN], def[4200], var[40];
	int built, nchecks;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* nothing of the parent's but its record pipe: not another worker's
	 * pipe, not a slot's name, not the output folder */
	close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	sandbox_defaults(&sb, slot);
	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	r.kind = REC_BUILD;
	if (lab_open(o->root, o->which, &lab, err) < 0) {
		send_rec(fd, &r, err, "");
		_exit(EXIT_USAGE);
	}
	switch (sandbox_scratch(&sb, subdir, err)) {
	case 0:
		break;
	case -2: {
		/* a submission that cannot be taken is graded like one that does
		 * not build: why, a newline, no command */
		char why[ERRLEN + 2];

		snprintf(why, sizeof(why), "%s\n", err);
		send_rec(fd, &r, why, "");
		r.kind = REC_DONE;
		send_rec(fd, &r, "", "");
		_exit(EXIT_PASS);
	}
	default:
		/* not the student's doing: the parent reports it as an error */
		send_rec(fd, &r, err, "");
		_exit(EXIT_USAGE);
	}
	lab_program_var(&lab, var, sizeof(var));
	snprintf(def, sizeof(def), "%s=%s/%s", var, sb.scratch, lab.program);
	if (plan_defs_add(&defs, def, err) < 0 || lab_load_checks(&lab, 1, &defs, err) < 0) {
		send_rec(fd, &r, err, "");
		_exit(EXIT_USAGE);
	}
	built = build_program(&b, sb.scratch, lab.program, o->build_timeout_ms, &sb, err) == 0;
	r.ok = built;
	r.build_status = b.status;
	r.static_binary = built && program_is_static(b.program);
	{
		char both[ERRLEN + 4300];

		/* why, a newline, the command */
		snprintf(both, sizeof(both), "%s\n%s", built ? "" : err, b.cmd);
		if (send_rec(fd, &r, both, b.log) < 0)
			_exit(EXIT_USAGE);
	}
	if (!built)
		goto done;
	if (score_init(&s, &lab, "", subdir, err) < 0)
		_exit(EXIT_USAGE);
	ro.sandbox = &sb;
	po.run = &ro;
	po.render = &o->rep;
	outputs_setup(&outs, &po);
	nchecks = lab.nchecks;
	for (int i = 0; i < nchecks; i++)
		if (!wanted(&lab, o->only, i))
			s.checks[i].outcome = SCORE_SKIP; /* not asked for: not sent */
	/* In rounds: every check whose prerequisites are decided runs, the
	 * skipped ones say why, until none is left. */
	for (;;) {
		struct job *jobs;
		int idx[256], nidx = 0, njobs = 0;

		for (int i = 0; i < nchecks && nidx < 256; i++) {
			const struct lab_check *c = &lab.checks[i];
			int decided = 1;

			if (s.checks[i].outcome != SCORE_PENDING)
				continue;
			for (int k = 0; k < c->nrequires; k++)
				if (s.checks[c->requires[k]].outcome == SCORE_PENDING)
					decided = 0;
			if (!decided)
				continue;
			if (!score_ready(&s, i)) {
				struct grade_rec sk = {
				    .kind = REC_CHECK, .index = i, .outcome = s.checks[i].outcome};

				if (send_rec(fd, &sk, s.checks[i].output, "") < 0)
					_exit(EXIT_USAGE);
				continue;
			}
			idx[nidx++] = i;
			njobs += c->nplans;
		}
		if (!nidx) {
			int pending = 0;

			for (int i = 0; i < nchecks; i++)
				pending += s.checks[i].outcome == SCORE_PENDING;
			if (!pending)
				break;
			continue; /* skips decided more: another round */
		}
		jobs = calloc((size_t)njobs, sizeof(*jobs));
		if (!jobs)
			_exit(EXIT_USAGE);
		njobs = 0;
		for (int n = 0; n < nidx; n++) {
			const struct lab_check *c = &lab.checks[idx[n]];

			for (int k = 0; k < c->nplans; k++) {
				jobs[njobs].plan = &c->plans[k];
				jobs[njobs++].timeout_ms = c->timeout_ms;
			}
		}
		if (pool_run(jobs, njobs, &po, NULL, NULL, err) < 0)
			_exit(EXIT_USAGE);

		for (int n = 0, j = 0; n < nidx; n++) {
			const struct lab_check *c = &lab.checks[idx[n]];
			struct score_part parts[64];
			struct grade_rec cr = {.kind = REC_CHECK, .index = idx[n]};
			char replay[8800];
			int np = c->nplans < 64 ? c->nplans : 64;
			long ms = 0;

			for (int k = 0; k < np; k++) {
				const struct job *jb = &jobs[j + k];

				/* a check's time: its variants' runs, one after another */
				ms += (long)((jb->t_end - jb->t_start) / 1000000ull);

				parts[k] = (struct score_part){
				    .verdict = jb->outcomes ? jb->hdr.verdict : VERDICT_ERROR,
				    .variant = jb->plan->variant,
				    .fail = jb->outcomes ? jb->fail : "",
				    .faillen = jb->outcomes ? jb->hdr.faillen : 0,
				    .died = jb->outcomes ? NULL : jb->died,
				    .timed_out = jb->timed_out,
				    .text = jb->outcomes ? jb->text : "",
				    .textlen = jb->outcomes ? jb->hdr.textlen : 0,
				};
			}
			replay_cmd(o, &lab, subdir, idx[n], replay, sizeof(replay));
			score_check(&s, idx[n], parts, np, replay, ms, o->verbose);
			cr.outcome = s.checks[idx[n]].outcome;
			cr.parts = s.checks[idx[n]].parts;
			cr.parts_passed = s.checks[idx[n]].parts_passed;
			cr.earned = s.checks[idx[n]].earned;
			cr.ms = ms;
			if (send_rec(fd, &cr, s.checks[idx[n]].output, replay) < 0)
				_exit(EXIT_USAGE);
			j += c->nplans;
		}
		if (!o->class_dir && outputs_write(&outs, jobs, njobs, lab.title, err) < 0) {
			fprintf(stderr, "bindlab: %s\n", err);
			_exit(EXIT_USAGE);
		}
		for (int k = 0; k < njobs; k++)
			job_free(&jobs[k]);
		free(jobs);
	}
done:
	memset(&r, 0, sizeof(r));
	r.kind = REC_DONE;
	send_rec(fd, &r, "", "");
	_exit(EXIT_PASS);
}

/* --- the parent: the grades --------------------------------------------------- */

struct grading {
	struct score s;
	char path[4096];   /* the submission, absolute */
	pid_t pid;	   /* its worker, 0 before and after */
	int fd;		   /* the worker's records, -1 when done */
	int slot, slot_fd; /* its sandbox uid's slot, held while it runs */
	int done, got_build, got_done, error;
	char *buf;
	size_t len, cap, used;
	uint64_t deadline, t0;
};

/* A sandbox uid free on this machine, whichever bindlab grade asks: while
 * a slot is in use, an abstract unix socket named after its uid is bound,
 * and the kernel frees the name when its holder dies (no lock file to leave
 * behind).  The slot, with its socket in *fd; -1 when all are taken. */
static int slot_take(int *fd)
{
	for (int k = 0; k < SANDBOX_SLOTS; k++) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "bindlab-sandbox-uid-%d",
				 SANDBOX_UID_BASE + k);

		if (s < 0)
			return -1;
		if (bind(s, (struct sockaddr *)&a,
			 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n)) ==
		    0) {
			*fd = s;
			return k;
		}
		close(s);
	}
	return -1;
}

static volatile sig_atomic_t stop_signal;

/* Why grading stops early: a signal, or what set why (a failure here, not an
 * interrupt). */
static const char *stopped_why(char *why)
{
	if (!why[0])
		snprintf(why, 200, "grading was interrupted (%s)", strsignal(stop_signal));
	return why;
}

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* Apply the complete records in g->buf. */
static void apply_records(struct grading *g)
{
	for (;;) {
		struct grade_rec r;
		const char *s1, *s2;

		if (g->len - g->used < sizeof(r))
			return;
		memcpy(&r, g->buf + g->used, sizeof(r));
		if (r.len1 > (1u << 24) || r.len2 > (1u << 24)) {
			g->error = 1;
			g->used = g->len;
			return;
		}
		if (g->len - g->used < sizeof(r) + r.len1 + r.len2)
			return;
		s1 = g->buf + g->used + sizeof(r);
		s2 = s1 + r.len1;
		if (r.kind == REC_BUILD) {
			struct build b;
			char *nl, why[ERRLEN + 4300];

			memset(&b, 0, sizeof(b));
			snprintf(why, sizeof(why), "%.*s", (int)r.len1, s1);
			nl = strchr(why, '\n');
			if (nl) {
				*nl = '\0';
				snprintf(b.cmd, sizeof(b.cmd), "%s", nl + 1);
			} else if (!r.ok) {
				/* the worker could not start: bindlab's problem */
				g->error = 1;
				snprintf(g->s.status_text, sizeof(g->s.status_text), "%.500s", why);
			}
			b.loglen = r.len2 < sizeof(b.log) - 1 ? r.len2 : sizeof(b.log) - 1;
			memcpy(b.log, s2, b.loglen);
			b.status = r.build_status;
			if (nl || r.ok)
				score_build(&g->s, &b, r.ok, why);
			g->s.static_binary = r.static_binary;
			g->got_build = 1;
		} else if (r.kind == REC_CHECK && r.index >= 0 && r.index < g->s.lab->nchecks) {
			struct score_check *c = &g->s.checks[r.index];

			c->outcome = r.outcome;
			c->earned = r.earned;
			c->parts = r.parts;
			c->parts_passed = r.parts_passed;
			c->ms = r.ms;
			free(c->output);
			c->output = strndup(s1, r.len1);
			snprintf(c->replay, sizeof(c->replay), "%.*s", (int)r.len2, s2);
		} else if (r.kind == REC_DONE) {
			g->got_done = 1;
		}
		g->used += sizeof(r) + r.len1 + r.len2;
	}
}

static int start_worker(const struct grade_opts *o, struct grading *g, char *err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(err, "cannot create a pipe: %s", strerror(errno));
	fflush(NULL);
	g->pid = fork();
	if (g->pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(err, "cannot fork: %s", strerror(errno));
	}
	if (g->pid == 0) {
		close(p[0]);
		worker_main(o, g->path, g->slot, p[1]);
	}
	close(p[1]);
	g->fd = p[0];
	g->t0 = now_ns();
	/* the worker's own bound: the build, then every check in turn */
	long total = o->build_timeout_ms + 10000;

	for (int i = 0; i < g->s.lab->nchecks; i++)
		total += g->s.lab->checks[i].timeout_ms;
	g->deadline = g->t0 + (uint64_t)total * 1000000ull;
	return 0;
}

/* The worker's end: what it did not send is not run, and says why. */
static void finish(struct grading *g, const char *why_given)
{
	int st = 0;
	char why[300];

	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	if (why_given) {
		kill(g->pid, SIGKILL);
		snprintf(why, sizeof(why), "%s", why_given);
	}
	while (waitpid(g->pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!why_given) {
		if (WIFSIGNALED(st))
			snprintf(why, sizeof(why),
				 "the grader's worker was killed by signal %d (%s)", WTERMSIG(st),
				 strsignal(WTERMSIG(st)));
		else if (!g->got_done)
			snprintf(why, sizeof(why),
				 "the grader's worker stopped (exit status %d) before it finished",
				 WEXITSTATUS(st));
		else
			snprintf(why, sizeof(why), "the grader's worker stopped");
	}
	if (!g->got_build && !g->s.status_text[0]) {
		g->s.status = SCORE_INCOMPLETE;
		snprintf(g->s.status_text, sizeof(g->s.status_text), "%.500s", why);
	}
	if (!g->got_done || !g->got_build || g->error)
		score_stop(&g->s, g->s.status_text[0] ? g->s.status_text : why);
	g->s.ms = (long)((now_ns() - g->t0) / 1000000ull);
	g->pid = 0;
	g->done = 1;
}

static void read_worker(struct grading *g)
{
	char tmp[65536];
	ssize_t n = read(g->fd, tmp, sizeof(tmp));

	if (n < 0 && errno == EINTR)
		return;
	if (n > 0) {
		if (g->len + (size_t)n > g->cap) {
			size_t cap = g->cap * 2 + (size_t)n + 65536;
			char *nb = realloc(g->buf, cap);

			if (!nb) {
				finish(g, "out of memory");
				return;
			}
			g->buf = nb;
			g->cap = cap;
		}
		memcpy(g->buf + g->len, tmp, (size_t)n);
		g->len += (size_t)n;
		apply_records(g);
		if (!g->got_done)
			return;
	}
	finish(g, NULL);
}

/* A student's result folder under the output folder; -1 with err. */
static int student_dir(int outfd, const char *name, int class_mode, char *err)
{
	int fd;

	if (!class_mode)
		return fcntl(outfd, F_DUPFD_CLOEXEC, 0);
	if (mkdirat(outfd, name, 0755) < 0 && errno != EEXIST)
		return errf(err, "cannot make '%s': %s", name, strerror(errno));
	fd = openat(outfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errf(err, "cannot open '%s': %s", name, strerror(errno));
	return fd;
}

struct gradebook_arg {
	const struct lab *lab;
	const struct grading *gs;
	int n;
};

static void write_gradebook(FILE *out, const void *arg)
{
	const struct gradebook_arg *a = arg;
	struct score *grades = calloc((size_t)(a->n ? a->n : 1), sizeof(*grades));
	int k = 0;

	if (!grades)
		return;
	for (int i = 0; i < a->n; i++)
		if (a->gs[i].done)
			grades[k++] = a->gs[i].s;
	score_write_gradebook(out, a->lab, grades, k);
	free(grades);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The class's submissions: every folder of dir but hidden ones and the
 * output folder itself, by name.  Returns how many, or -1 with err. */
static int class_list(const char *dir, int outfd, char ***names, char *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat out_st, st;
	char **v = NULL;
	int n = 0;

	if (!d)
		return errf(err, "cannot open '%s': %s", dir, strerror(errno));
	fstat(outfd, &out_st);
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino)
			continue;
		if (n == GRADE_CLASS_MAX) {
			closedir(d);
			for (int i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return errf(err, "'%s' holds more than %d folders", dir, GRADE_CLASS_MAX);
		}
		grown = realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			closedir(d);
			free(grown ? grown : v);
			return errf(err, "out of memory");
		}
		v = grown;
		n++;
	}
	closedir(d);
	if (!n)
		return errf(err, "no submission folders in '%s'", dir);
	qsort(v, (size_t)n, sizeof(*v), cmp_name);
	*names = v;
	return n;
}

static void progress(int tty, int done, int n, int running)
{
	if (!tty)
		return;
	fprintf(stderr, "\r\033[Kgrading: %d/%d done, %d running", done, n, running);
	if (done == n)
		fputc('\n', stderr);
	fflush(stderr);
}

static void describe(struct score *s, const struct sandbox *sb)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	if (uname(&u) == 0)
		snprintf(s->kernel, sizeof(s->kernel), "%.60s %.64s %.60s", u.sysname, u.release,
			 u.machine);
	snprintf(s->bindlab, sizeof(s->bindlab), "bindlab %s", BINDLAB_VERSION);
	snprintf(s->sandbox, sizeof(s->sandbox),
		 "uid %u, cpu %ld s, memory %ld MiB, %ld processes, %ld files, files up to %ld "
		 "MiB, scratch %ld MiB",
		 (unsigned)sb->uid, sb->cpu_s, sb->mem_mb, sb->nproc, sb->nofile, sb->fsize_mb,
		 sb->scratch_mb);
	gmtime_r(&now, &tm);
	strftime(s->started, sizeof(s->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int grade_main(int argc, char **argv)
{
	struct grade_opts o = {.jobs = 2, .build_timeout_ms = 60000, .ro = {.progress_fd = -1}};
	struct lab lab = {0};
	struct plan_defs defs = {0};
	struct grading *gs = NULL;
	struct sigaction sa = {0};
	char err[ERRLEN], **names = NULL, line[128], pts[32];
	int n = 0, outfd = -1, rc = EXIT_USAGE, started = 0, finished = 0, running = 0;
	int tty = isatty(STDERR_FILENO), bad = 0;
	char stop_why[200] = "";

	o.ro.step_timeout_ms = PLAN_WAIT_DEFAULT_MS;
	if (grade_args(argc, argv, &o) < 0)
		return EXIT_USAGE;
	if (geteuid() != 0) {
		fprintf(stderr,
			"bindlab: grade needs root: it runs each student's program as an "
			"unprivileged uid in a sandbox of its own (sudo bindlab grade ...)\n");
		return EXIT_USAGE;
	}
	{
		char given[4096], var[40], def[200];

		if (lab_root(o.labs, given, sizeof(given), err) < 0) {
			fprintf(stderr, "%s\n", err);
			return EXIT_USAGE;
		}
		if (!realpath(given, o.root)) {
			fprintf(stderr, "bindlab: cannot open '%s': %s\n", given, strerror(errno));
			return EXIT_USAGE;
		}
		/* the rubric, read once here: a broken check is bad input, whatever
		 * the submissions (each worker reads it again with its own paths) */
		if (lab_open(o.root, o.which, &lab, err) < 0) {
			fprintf(stderr, "%s\n", err);
			goto out;
		}
		lab_program_var(&lab, var, sizeof(var));
		snprintf(def, sizeof(def), "%s=/nonexistent/%s", var, lab.program);
		if (plan_defs_add(&defs, def, err) < 0 ||
		    lab_load_checks(&lab, 1, &defs, err) < 0) {
			fprintf(stderr, "%s\n", err);
			goto out;
		}
	}
	if (o.only && lab_find_check(&lab, o.only) < 0) {
		fprintf(stderr, "bindlab: lab %s has no check '%s'\n", lab.slug, o.only);
		goto out;
	}
	if (o.outs.path[0] || o.outs.path[1] || o.outs.path[2]) {
		if (outputs_check(&o.outs, o.only ? 1 : lab.nchecks, err) < 0) {
			fprintf(stderr, "bindlab: %s\n", err);
			goto out;
		}
	}
	/* where the grades go, opened before any worker runs */
	{
		const char *out = o.out ? o.out : o.class_dir ? "grades" : NULL;

		if (out) {
			if (mkdir(out, 0755) < 0 && errno != EEXIST) {
				fprintf(stderr, "bindlab: cannot make '%s': %s\n", out,
					strerror(errno));
				goto out;
			}
			outfd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (outfd < 0) {
				fprintf(stderr, "bindlab: cannot open '%s': %s\n", out,
					strerror(errno));
				goto out;
			}
		}
	}
	if (o.class_dir) {
		n = class_list(o.class_dir, outfd, &names, err);
		if (n < 0 || !names) {
			fprintf(stderr, "bindlab: %s\n", err);
			goto out;
		}
	} else {
		n = 1;
	}
	gs = calloc((size_t)n, sizeof(*gs));
	if (!gs)
		goto out;
	for (int i = 0; i < n; i++) {
		struct grading *g = &gs[i];
		char given[8192];
		struct stat st;

		g->fd = -1;
		if (o.class_dir)
			snprintf(given, sizeof(given), "%s/%s", o.class_dir, names[i]);
		else
			snprintf(given, sizeof(given), "%s", o.sub);
		if (!realpath(given, g->path) || stat(g->path, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "bindlab: '%s' is not a submission folder: %s\n", given,
				errno ? strerror(errno) : "not a folder");
			goto out;
		}
		{
			const char *base = strrchr(g->path, '/');

			if (score_init(&g->s, &lab,
				       o.class_dir ? names[i]
				       : base	   ? base + 1
						   : g->path,
				       g->path, err) < 0)
				goto out;
		}
		if (o.only)
			for (int k = 0; k < lab.nchecks; k++)
				if (!wanted(&lab, o.only, k)) {
					g->s.checks[k].outcome = SCORE_SKIP;
					g->s.checks[k].output =
					    strdup("skipped: not asked for (--only)");
				}
	}
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (finished < n) {
		struct pollfd pf[SANDBOX_SLOTS];
		int idx[SANDBOX_SLOTS], np = 0, wait_ms = -1;
		uint64_t now;

		while (!stop_signal && started < n && running < (o.class_dir ? o.jobs : 1)) {
			struct grading *g = &gs[started];
			struct sandbox sb;

			g->slot = slot_take(&g->slot_fd);
			if (g->slot < 0) {
				if (running)
					break; /* one of ours frees a slot soon */
				fprintf(stderr,
					"bindlab: all %d sandbox uids (%d to %d) are in use on "
					"this machine\n",
					SANDBOX_SLOTS, SANDBOX_UID_BASE,
					SANDBOX_UID_BASE + SANDBOX_SLOTS - 1);
				snprintf(stop_why, sizeof(stop_why),
					 "grading stopped: no sandbox uid was free");
				stop_signal = SIGTERM;
				break;
			}
			sandbox_defaults(&sb, g->slot);
			describe(&g->s, &sb);
			if (start_worker(&o, g, err) < 0) {
				fprintf(stderr, "bindlab: %s\n", err);
				snprintf(stop_why, sizeof(stop_why), "grading stopped: %.180s",
					 err);
				stop_signal = SIGTERM;
				break;
			}
			started++;
			running++;
		}
		progress(tty && o.class_dir, finished, n, running);
		now = now_ns();
		for (int i = 0; i < started; i++) {
			struct grading *g = &gs[i];

			if (g->done || g->fd < 0)
				continue;
			if (stop_signal || now >= g->deadline) {
				char why[200];

				if (stop_signal)
					snprintf(why, sizeof(why), "%s", stopped_why(stop_why));
				else
					snprintf(why, sizeof(why),
						 "grading this submission took longer than %ld s",
						 (long)((g->deadline - g->t0) / 1000000000ull));
				finish(g, why);
				continue;
			}
			int left = (int)((g->deadline - now) / 1000000ull) + 1;

			if (wait_ms < 0 || left < wait_ms)
				wait_ms = left;
			pf[np].fd = g->fd;
			pf[np].events = POLLIN;
			idx[np++] = i;
		}
		if (np && poll(pf, (nfds_t)np, wait_ms) > 0)
			for (int k = 0; k < np; k++)
				if (pf[k].revents)
					read_worker(&gs[idx[k]]);
		for (int i = 0; i < started; i++) {
			struct grading *g = &gs[i];
			int sfd;

			if (!g->done || g->slot < 0)
				continue;
			close(g->slot_fd);
			g->slot = -1;
			running--;
			finished++;
			if (g->error)
				bad = 1;
			if (outfd >= 0) {
				sfd = student_dir(outfd, g->s.student, o.class_dir != NULL, err);
				if (sfd < 0 || score_save(sfd, &g->s, err) < 0) {
					fprintf(stderr, "bindlab: %s: %s\n", g->s.student, err);
					bad = 1;
				}
				if (sfd >= 0)
					close(sfd);
			}
			if (o.class_dir && outfd >= 0) {
				struct gradebook_arg a = {&lab, gs, started};

				if (score_write_file(outfd, "gradebook.csv", write_gradebook, &a,
						     err) < 0) {
					fprintf(stderr, "bindlab: %s\n", err);
					bad = 1;
				}
			}
		}
		if (stop_signal && finished == started)
			break;
	}
	progress(tty && o.class_dir && !stop_signal, finished, n, 0);
	if (stop_signal) {
		fprintf(stderr, "bindlab: %s: %d of %d graded\n", stopped_why(stop_why), finished,
			n);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!o.class_dir) {
		struct score *s = &gs[0].s;

		score_write_summary(stdout, s);
		rc = gs[0].error || s->status == SCORE_INCOMPLETE  ? EXIT_USAGE
		     : score_earned(s) >= score_possible(s) - 1e-9 ? EXIT_PASS
								   : EXIT_FAIL;
		if (bad)
			rc = EXIT_USAGE;
		goto out;
	}
	/* the class: one line per student */
	for (int i = 0; i < n; i++) {
		const struct score *s = &gs[i].s;

		score_points_str(score_earned(s), pts, sizeof(pts));
		score_counts_line(s, line, sizeof(line));
		printf("%-24s %6s / %d  %s%s%s\n", s->student, pts, score_possible(s), line,
		       s->status == SCORE_GRADED ? "" : "  (",
		       s->status == SCORE_GRADED	 ? ""
		       : s->status == SCORE_BUILD_FAILED ? "build failed)"
							 : "incomplete)");
		if (s->status == SCORE_INCOMPLETE)
			bad = 1;
	}
	printf("%d submissions graded; grades in %s\n", n, o.out ? o.out : "grades");
	rc = bad ? EXIT_USAGE : EXIT_PASS;
out:
	fflush(stdout);
	if (gs) {
		for (int i = 0; i < n; i++) {
			if (gs[i].pid > 0)
				kill(gs[i].pid, SIGKILL);
			free(gs[i].buf);
			if (gs[i].s.checks)
				score_free(&gs[i].s);
		}
		free(gs);
	}
	for (int i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	if (outfd >= 0)
		close(outfd);
	lab_free(&lab);
	return rc;
}

const struct command command_grade = {
    "grade",
    "[options] LAB SUBMISSION | LAB --class DIR",
    "grade a student's submission (or a class of them) with a lab's visible and hidden checks",
    "  As root.  Each submission is copied into a scratch folder, built and run as an\n"
    "  unprivileged uid in a sandbox (no staff files, no other submission, limits on\n"
    "  CPU, memory, processes, files and output), each check in a world of its own.\n"
    "  Writes results.json (Gradescope), junit.xml, results.tap and summary.txt per\n"
    "  submission, and --class a gradebook.csv.  Exit status (one submission): 0 at\n"
    "  full marks, 1 below, 2 when it could not be graded; (--class) 0 when every\n"
    "  submission has a grade.\n",
    grade_opts_help,
    grade_main,
};
