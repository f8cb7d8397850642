/* pool.c - see pool.h */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static __attribute__((noreturn)) void runner_main(const struct plan *plan,
						  const struct pool_opts *o, int fd, pid_t parent)
{
	struct result *res = calloc(1, sizeof(*res));
	struct job_hdr h;
	struct job_prog *jp;
	int *outc;
	char *text = NULL, *json = NULL, *fail = NULL, *extra[POOL_EXTRA_MAX] = {0};
	size_t tl = 0, jl = 0, fl = 0, el[POOL_EXTRA_MAX] = {0};
	FILE *t, *j, *f;
	struct run_opts mine = *o->run;

	/* The runner and so its world die with bindlab. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent || !res)
		_exit(EXIT_USAGE);
	/* Only the command prints (and the runner a TIME_WAIT countdown, on a
	 * terminal).  A runner still tearing its world down after bindlab
	 * exits must not hold bindlab's stdout open: whoever reads it would
	 * wait for that teardown too. */
	mine.progress_fd = o->countdown ? fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3) : -1;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	run_plan(plan, &mine, res);
	timeline_sort(&res->tl);
	t = open_memstream(&text, &tl);
	j = open_memstream(&json, &jl);
	f = open_memstream(&fail, &fl);
	if (!t || !j || !f)
		_exit(EXIT_USAGE);
	render_text.write(t, plan, res, o->render);
	render_json.write(j, plan, res, o->render);
	render_failure(f, plan, res, o->render);
	fclose(t);
	fclose(j);
	fclose(f);
	for (int k = 0; k < o->nextra && k < POOL_EXTRA_MAX; k++) {
		FILE *e = open_memstream(&extra[k], &el[k]);

		if (!e)
			_exit(EXIT_USAGE);
		o->extra[k]->write(e, plan, res, o->render);
		fclose(e);
	}
	outc = calloc((size_t)(res->nsteps ? res->nsteps : 1), sizeof(*outc));
	jp = calloc((size_t)(res->nprogs ? res->nprogs : 1), sizeof(*jp));
	if (!outc || !jp)
		_exit(EXIT_USAGE);
	for (int k = 0; k < res->nsteps; k++)
		outc[k] = (int)res->outcomes[k];
	for (int k = 0; k < res->nprogs; k++) {
		const struct result_program *pg = &res->progs[k];

		jp[k] = (struct job_prog){pg->step,	   pg->pid,	 pg->traced,
					  pg->listen_port, (int)pg->end, pg->status};
	}
	memset(&h, 0, sizeof(h));
	h.verdict = (int)res->verdict;
	h.failed_line = res->failed_step >= 0 ? plan->steps[res->failed_step].pos.line : 0;
	h.nsteps = res->nsteps;
	h.nprogs = res->nprogs;
	h.textlen = (unsigned)tl;
	h.jsonlen = (unsigned)jl;
	h.faillen = (unsigned)fl;
	for (int k = 0; k < POOL_EXTRA_MAX; k++)
		h.extralen[k] = (unsigned)el[k];
	if (cli_write_all(fd, &h, sizeof(h)) < 0 ||
	    cli_write_all(fd, outc, (size_t)h.nsteps * sizeof(*outc)) < 0 ||
	    cli_write_all(fd, jp, (size_t)h.nprogs * sizeof(*jp)) < 0 ||
	    cli_write_all(fd, text, tl) < 0 || cli_write_all(fd, json, jl) < 0 ||
	    cli_write_all(fd, fail, fl) < 0)
		_exit(EXIT_USAGE);
	for (int k = 0; k < POOL_EXTRA_MAX; k++)
		if (el[k] && cli_write_all(fd, extra[k], el[k]) < 0)
			_exit(EXIT_USAGE);
	/* Close before exiting: bindlab can print the verdict while the kernel
	 * still tears the captures and namespaces down. */
	close(fd);
	_exit(res->verdict == VERDICT_PASS   ? EXIT_PASS
	      : res->verdict == VERDICT_FAIL ? EXIT_FAIL
					     : EXIT_USAGE);
}

static int job_start(struct job *jb, const struct pool_opts *o, char *err)
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
		runner_main(jb->plan, o, p[1], parent);
	}
	close(p[1]);
	jb->fd = p[0];
	jb->t_start = now_ns();
	jb->deadline = jb->timeout_ms ? jb->t_start + (uint64_t)jb->timeout_ms * 1000000ull : 0;
	return 0;
}

/* Read what is there; at EOF the job is done. */
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
	jb->t_end = now_ns();
}

/* Cut a finished job's bytes into its parts: 0, or -1 with jb->died. */
static int job_parse(struct job *jb)
{
	size_t need;

	if (jb->timed_out) {
		snprintf(jb->died, sizeof(jb->died),
			 "it took longer than %ld s: stopped, with every process it started",
			 jb->timeout_ms / 1000);
		return -1;
	}
	if (jb->len < sizeof(jb->hdr)) {
		/* The runner died before it could report: say how. */
		int st = 0;

		waitpid(jb->pid, &st, 0);
		snprintf(jb->died, sizeof(jb->died), "the runner died (%s %d) before reporting",
			 WIFSIGNALED(st) ? "signal" : "exit status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		return -1;
	}
	memcpy(&jb->hdr, jb->buf, sizeof(jb->hdr));
	need = sizeof(jb->hdr) + (size_t)jb->hdr.nsteps * sizeof(int) +
	       (size_t)jb->hdr.nprogs * sizeof(struct job_prog) + jb->hdr.textlen +
	       jb->hdr.jsonlen + jb->hdr.faillen;
	for (int k = 0; k < POOL_EXTRA_MAX; k++)
		need += jb->hdr.extralen[k];
	if (jb->hdr.nsteps != jb->plan->nsteps || jb->hdr.nprogs < 0 ||
	    jb->hdr.nprogs > RESULT_PROGS_MAX || need != jb->len) {
		snprintf(jb->died, sizeof(jb->died), "the runner's report was cut short");
		return -1;
	}
	jb->outcomes = (const int *)(jb->buf + sizeof(jb->hdr));
	jb->progs = (const struct job_prog *)(jb->outcomes + jb->hdr.nsteps);
	jb->text = (const char *)(jb->progs + jb->hdr.nprogs);
	jb->json = jb->text + jb->hdr.textlen;
	jb->fail = jb->json + jb->hdr.jsonlen;
	jb->extra[0] = jb->fail + jb->hdr.faillen;
	for (int k = 1; k < POOL_EXTRA_MAX; k++)
		jb->extra[k] = jb->extra[k - 1] + jb->hdr.extralen[k - 1];
	return 0;
}

int pool_run(struct job *jobs, int n, const struct pool_opts *o,
	     void (*done)(struct job *jb, void *arg), void *arg, char *err)
{
	int next = 0, running = 0, shown = 0;

	for (int i = 0; i < n; i++)
		jobs[i].fd = -1;
	while (shown < n) {
		while (running < o->jobs && next < n) {
			if (job_start(&jobs[next], o, err) < 0)
				return -1;
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
		/* the nearest wall-clock bound: its runner dies, and its pid
		 * namespace (every process of the check) with it */
		uint64_t now = now_ns(), soonest = 0;
		int wait_ms = -1;

		for (int k = 0; k < np; k++) {
			struct job *jb = &jobs[idx[k]];

			if (!jb->deadline)
				continue;
			if (now >= jb->deadline && !jb->timed_out) {
				jb->timed_out = 1;
				kill(jb->pid, SIGKILL);
			} else if (!jb->timed_out && (!soonest || jb->deadline < soonest)) {
				soonest = jb->deadline;
			}
		}
		if (soonest)
			wait_ms = (int)((soonest - now) / 1000000ull) + 1;
		if (np && poll(pf, (nfds_t)np, wait_ms) > 0)
			for (int k = 0; k < np; k++)
				if (pf[k].revents) {
					job_read(&jobs[idx[k]]);
					if (jobs[idx[k]].done)
						running--;
				}
		while (shown < n && jobs[shown].done) {
			if (job_parse(&jobs[shown]) < 0) {
				jobs[shown].outcomes = NULL;
				jobs[shown].progs = NULL;
			}
			if (done)
				done(&jobs[shown], arg);
			shown++;
		}
	}
	return 0;
}

void job_free(struct job *jb)
{
	/* No waitpid() for the runner: it has sent its report and is only
	 * tearing its world down, and closing a capture alone makes the kernel
	 * wait ~28 ms (an RCU grace period).  Exiting now keeps that off the
	 * user's time; PR_SET_PDEATHSIG kills any runner still going, and its
	 * namespaces go with it. */
	if (jb->fd >= 0)
		close(jb->fd);
	jb->fd = -1;
	free(jb->buf);
	jb->buf = NULL;
}
