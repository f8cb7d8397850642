/* run.c - see run.h.  The driver: it builds the world, starts an actor per
 * process, sends each call to its actor and each check to checks.c, drains
 * the captures between steps, and fills the result. */
#include "run.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runner.h"

static void on_pkt(const struct pkt *p, void *arg)
{
	struct runner *r = arg;

	if (p->iface < 0)
		return; /* a pcap-only interface: the same packets come elsewhere */
	timeline_add_pkt(&r->res->tl, p, r->err);
}

int runner_drain(struct runner *r)
{
	for (int i = 0; i < r->ncaps; i++)
		if (r->caps[i] && capture_drain(r->caps[i], on_pkt, r, r->err) < 0)
			return -1;
	for (int k = 0; k < r->res->nprogs; k++)
		if (program_drain(r, k) < 0)
			return -1;
	return 0;
}

void runner_wait(struct runner *r, int ms)
{
	struct pollfd p[WORLD_IFACES_MAX + 3 * RESULT_PROGS_MAX];
	int n = 0;

	for (int i = 0; i < r->ncaps; i++)
		if (r->caps[i]) {
			p[n].fd = capture_fd(r->caps[i]);
			p[n].events = POLLIN;
			n++;
		}
	for (int k = 0; k < r->res->nprogs; k++)
		n += program_pollfds(r, k, p + n, (int)(sizeof(p) / sizeof(p[0])) - n);
	if (poll(p, (nfds_t)n, ms) < 0 && errno != EINTR)
		return;
}

uint64_t runner_deadline(long ms)
{
	return now_ns() + (uint64_t)ms * 1000000ull;
}

int runner_check(struct runner *r, int step, int ok, const char *fmt, ...)
{
	struct event ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CHECK;
	ev.t = now_ns();
	ev.host = r->plan->steps[step].host;
	ev.u.check.step = step;
	ev.u.check.ok = ok;
	va_start(ap, fmt);
	vsnprintf(ev.u.check.msg, sizeof(ev.u.check.msg), fmt, ap);
	va_end(ap);
	r->res->outcomes[step] = !ok					     ? OUTCOME_FAILED
				 : plan_step_is_check(&r->plan->steps[step]) ? OUTCOME_OK
									     : OUTCOME_DIFFERS;
	if (!ok && r->res->verdict == VERDICT_PASS) {
		r->res->verdict = VERDICT_FAIL;
		r->res->failed_step = step;
	}
	return timeline_add(&r->res->tl, &ev, r->err);
}

int runner_note(struct runner *r, int host, const char *fmt, ...)
{
	struct event ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_NOTE;
	ev.t = now_ns();
	ev.host = host;
	va_start(ap, fmt);
	vsnprintf(ev.u.note.msg, sizeof(ev.u.note.msg), fmt, ap);
	va_end(ap);
	return timeline_add(&r->res->tl, &ev, r->err);
}

/* The program run() named var on proc, or -1. */
static int prog_of(const struct runner *r, int proc, int var)
{
	for (int k = 0; k < r->res->nprogs; k++)
		if (r->plan->steps[r->res->progs[k].step].var == var &&
		    r->res->progs[k].proc == proc)
			return k;
	return -1;
}

/* The port a bind or connect names; 0 for other calls. */
static uint16_t step_port(const struct plan_step *st)
{
	return st->kind == STEP_BIND	  ? st->u.bind.ep.port
	       : st->kind == STEP_CONNECT ? st->u.connect.ep.port
					  : 0;
}

static int result_ok(const struct plan_step *st, const struct actor_reply *rep)
{
	if (st->expect.any)
		return 1;
	if (!st->expect.has_expect)
		return rep->ret != -1;
	return rep->ret == st->expect.value && (rep->ret != -1 || rep->err == st->expect.err);
}

/* The most time left on a TIME_WAIT timer of host on port; 0 if none. */
static unsigned timewait_left(struct runner *r, int host, uint16_t port)
{
	struct sockinfo *s = NULL;
	size_t n = 0;
	unsigned left = 0;

	if (sockdiag_dump(r->sd[host], IPPROTO_TCP, &s, &n, r->err) < 0)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (s[k].state == TCP_TIME_WAIT && s[k].local.port == port &&
		    s[k].expires_ms > left)
			left = s[k].expires_ms;
	free(s);
	return left;
}

/* When did the TIME_WAIT on port begin?  When the peer's FIN reached the
 * side that had closed first: the last FIN to that port on the timeline. */
static uint64_t timewait_began(const struct runner *r, uint16_t port)
{
	for (size_t k = r->res->tl.npkts; k > 0; k--) {
		const struct pkt *p = &r->res->tl.pkts[k - 1];

		if (p->proto == IPPROTO_TCP && (p->flags & TH_FIN) && p->dst.port == port)
			return p->ts_ns;
	}
	return 0;
}

/* `= R retry within DUR`: wait for the TIME_WAIT timers on the port to run
 * out (the socket table says when), showing a countdown on a terminal, and
 * call again until the result is R or DUR has passed.  No fixed sleep: each
 * wait lasts until the soonest timer, a packet, or a second for the
 * countdown. */
static int retry_call(struct runner *r, int i, struct actor_reply *rep)
{
	const struct plan_step *st = &r->plan->steps[i];
	struct actor *a = &r->actors[st->proc];
	int host = st->host;
	uint16_t port = step_port(st);
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)st->retry_ms * 1000000ull;
	unsigned left0 = timewait_left(r, host, port);
	int tries = 1;

	while (!result_ok(st, rep) && now_ns() < deadline) {
		unsigned left = timewait_left(r, host, port);
		uint64_t now = now_ns();
		long wait = (long)((deadline - now) / 1000000ull) + 1;

		if (left && (long)left + 2 < wait)
			wait = (long)left + 2;
		if (wait > 1000)
			wait = 1000;
		if (r->opts->progress_fd >= 0) {
			char line[160];
			int len =
			    snprintf(line, sizeof(line),
				     "\r  %s:%d: waiting for TIME_WAIT on port %u: %5.1f s left ",
				     r->plan->file, st->pos.line, port, left / 1000.0);

			/* a closed terminal only loses the countdown */
			(void)!write(r->opts->progress_fd, line, (size_t)len);
		}
		runner_wait(r, (int)wait);
		if (runner_drain(r) < 0)
			return -1;
		if (actor_call(a, i, r->opts->step_timeout_ms, rep, r->err) < 0)
			return -1;
		tries++;
	}
	if (r->opts->progress_fd >= 0)
		(void)!write(r->opts->progress_fd, "\r\033[K", 4);

	uint64_t began = timewait_began(r, port);

	if (result_ok(st, rep) && began)
		return runner_note(
		    r, host,
		    "%s:%d tried %d times over %.1f s (TIME_WAIT had %.1f s left when the wait "
		    "began); TIME_WAIT lasted %.1f s, from the peer's FIN to the bind",
		    r->plan->file, st->pos.line, tries, (double)(now_ns() - t0) / 1e9,
		    left0 / 1000.0, (double)(rep->t_end - began) / 1e9);
	return runner_note(r, host, "%s:%d tried %d times over %.1f s", r->plan->file, st->pos.line,
			   tries, (double)(now_ns() - t0) / 1e9);
}

static int step_call(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	struct actor *a = &r->actors[st->proc];
	struct actor_reply rep;
	struct event ev;
	char want[64], got[64];
	int rc, ok;

	memset(&rep, 0, sizeof(rep));
	if (st->kind == STEP_FORK) {
		rc = actor_fork(&r->actors[st->u.fork.parent], a, r->plan, i,
				r->opts->step_timeout_ms, &rep, r->err);
		if (rc == 0 && rep.ret > 0)
			rep.ret = 0; /* the child's pid says nothing a scenario can assert */
	} else if (st->kind == STEP_EXEC) {
		rc = actor_exec(a, i, r->opts->step_timeout_ms, &rep, r->err);
	} else if (st->kind == STEP_RUN) {
		rc = program_start(r, i, &rep);
	} else if (st->kind == STEP_STOP) {
		/* the actor waits out the grace period itself */
		int k = prog_of(r, st->proc, st->u.stop.prog);

		rc = actor_call(a, i, r->opts->step_timeout_ms + st->u.stop.grace_ms, &rep, r->err);
		if (rc == 0 && k >= 0 && rep.ret >= 0 && r->res->progs[k].end != PROG_ENDED) {
			r->res->progs[k].end = PROG_STOPPED;
			r->res->progs[k].status = rep.ret;
			r->res->progs[k].killed = rep.killed;
		}
	} else if (st->kind == STEP_WAIT) {
		int k = prog_of(r, st->proc, st->u.wait.prog);

		rc = actor_call(a, i, r->opts->step_timeout_ms, &rep, r->err);
		if (rc == 0 && k >= 0 && rep.ret >= 0) {
			r->res->progs[k].end = PROG_ENDED;
			r->res->progs[k].status = rep.ret;
		}
	} else {
		rc = actor_call(a, i, r->opts->step_timeout_ms, &rep, r->err);
		if (rc == 0 && st->retry_ms && !result_ok(st, &rep))
			rc = retry_call(r, i, &rep);
	}
	if (rc < 0) {
		char why[ERRLEN], text[160];

		snprintf(why, sizeof(why), "%s", r->err);
		/* a reader that waited in vain: say what it waited for */
		if (st->kind == STEP_RECV && st->u.recv.has_data) {
			data_quoted(st->u.recv.data, st->u.recv.datalen, text, sizeof(text));
			return runner_check(r, i, 0, "expected %s; %s (the peer sent %s)", text,
					    why, st->u.recv.until_eof ? "no EOF" : "too little");
		}
		return runner_check(r, i, 0, "%s", why);
	}
	if (st->kind == STEP_EXIT) {
		actor_kill(a); /* already gone: this only closes the channel */
		a->exited = 1;
	}

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CALL;
	ev.t = rep.t_start;
	ev.host = st->host;
	ev.u.call.step = i;
	ev.u.call.proc = st->proc;
	ev.u.call.ret = rep.ret;
	ev.u.call.err = rep.err;
	ev.u.call.t_end = rep.t_end;
	ev.u.call.has_local = rep.has_local;
	ev.u.call.local = rep.local;
	ev.u.call.has_peer = rep.has_peer;
	ev.u.call.peer = rep.peer;
	ev.u.call.fd = rep.fd;
	/* Every bind and listen is put to the model; an EADDRINUSE, expected or
	 * not, is explained by it: who holds the port, and by which rule. */
	{
		const struct memo_sock *before = rep.inode ? memo_find(&r->memo, rep.inode) : NULL;
		uint64_t port_before = st->kind == STEP_BIND ? 1 : before ? before->local.port : 0;

		if ((st->kind == STEP_BIND || st->kind == STEP_LISTEN) && !a->exited)
			explain_call(r, st, &rep, port_before, &ev);
	}
	explain_note_reply(r, st->proc, &rep);
	rc = timeline_add(&r->res->tl, &ev, r->err);
	free(ev.u.call.expl.holders);
	if (rc < 0)
		return -1;

	if (st->kind == STEP_RECV && st->u.recv.has_data) {
		const struct step_recv *rv = &st->u.recv;
		char wtext[160], gtext[160];

		data_quoted(rv->data, rv->datalen, wtext, sizeof(wtext));
		if (rep.ret == -1)
			return runner_check(r, i, 0, "expected %s, got -1 %s — %s", wtext,
					    errno_name(rep.err), strerror(rep.err));
		if ((size_t)rep.ret == rv->datalen && rep.datalen == rv->datalen &&
		    !memcmp(rep.data, rv->data, rv->datalen))
			return 0;
		data_quoted(rep.data, rep.datalen, gtext, sizeof(gtext));
		return runner_check(r, i, 0, "expected %s (%zu bytes), received %s (%ld bytes%s)",
				    wtext, rv->datalen, gtext, rep.ret,
				    rv->until_eof || (size_t)rep.ret >= rv->datalen
					? ""
					: ", then the peer closed");
	}
	result_str(rep.ret, rep.err, got, sizeof(got));
	ok = result_ok(st, &rep);
	if (st->expect.has_expect && !st->expect.any)
		result_str(st->expect.value, st->expect.err, want, sizeof(want));
	else
		snprintf(want, sizeof(want), "success");
	if (!ok && st->depends[0])
		return runner_check(r, i, 1, "differs (%s): expected %s%s, got %s", st->depends,
				    st->expect.has_expect ? "= " : "", want, got);
	if (!ok)
		return runner_check(
		    r, i, 0, "expected %s%s, got %s%s%s", st->expect.has_expect ? "= " : "", want,
		    got, rep.ret == -1 ? " — " : "", rep.ret == -1 ? strerror(rep.err) : "");
	return 0;
}

static struct runner *the_runner; /* its captures, until run_release() */

int run_plan(const struct plan *plan, const struct run_opts *opts, struct result *res)
{
	struct runner *r = calloc(1, sizeof(*r));
	struct utsname u;
	int rc = -1;

	if (!r || result_init(res, plan, r->err) < 0) {
		free(r);
		memset(res, 0, sizeof(*res));
		res->verdict = VERDICT_ERROR;
		res->failed_step = -1;
		snprintf(res->error, sizeof(res->error), "out of memory");
		return -1;
	}

	r->plan = plan;
	r->opts = opts;
	r->res = res;
	if (uname(&u) == 0)
		snprintf(res->kernel, sizeof(res->kernel), "%s", u.release);

	setup_trace_lib();
	if (world_enter_userns(&res->rootless, r->err) < 0)
		goto err;
	if (world_init(&r->world, plan, r->err) < 0)
		goto err;
	r->have_world = 1;
	res->world_ns = now_ns() - res->t0;
	setup_sysctl_notes(r);

	r->sd = calloc((size_t)plan->nhosts, sizeof(*r->sd));
	r->actors = calloc((size_t)plan->nprocs, sizeof(*r->actors));
	if (!r->sd || !r->actors) {
		errf(r->err, "out of memory");
		goto err;
	}
	for (int h = 0; h < plan->nhosts; h++)
		if (world_enter(&r->world, h, r->err) < 0 || sockdiag_open(&r->sd[h], r->err) < 0)
			goto err;
	if (setup_captures(r) < 0)
		goto err;
	res->capture_ns = now_ns() - res->t0;

	if (setup_reaper(r) < 0)
		goto err;
	for (int p = 0; p < plan->nprocs; p++) {
		r->actors[p].exited = 1;
		r->actors[p].chan = -1;
		if (!plan->procs[p].forked &&
		    actor_spawn(&r->actors[p], plan, p, &r->world, opts->sandbox, r->err) < 0)
			goto err;
	}

	for (int i = 0; i < plan->nsteps && res->verdict == VERDICT_PASS; i++) {
		int s;

		res->steps_run = i + 1;
		if (plan_step_is_check(&plan->steps[i])) {
			s = checks_run(r, i);
		} else {
			s = step_call(r, i);
			if (s == 0)
				s = runner_drain(r);
		}
		if (s < 0)
			goto err;
		if (res->outcomes[i] == OUTCOME_NOT_RUN)
			res->outcomes[i] = OUTCOME_OK;
	}
	runner_drain(r);
	res->verdict_ns = now_ns() - res->t0;
	rc = 0;
	goto out;
err:
	res->verdict = VERDICT_ERROR;
	snprintf(res->error, sizeof(res->error), "%s", r->err);
	res->verdict_ns = now_ns() - res->t0;
out:
	program_finish(r);
	if (r->actors)
		for (int p = 0; p < plan->nprocs; p++)
			actor_kill(&r->actors[p]);
	if (r->sd)
		for (int h = 0; h < plan->nhosts; h++)
			if (r->sd[h])
				sockdiag_free(r->sd[h]);
	free(r->sd);
	free(r->actors);
	r->sd = NULL;
	r->actors = NULL;
	memo_free(&r->memo);
	if (r->have_world)
		world_free(&r->world);
	r->have_world = 0;
	/* the pcap files are complete now; the captures stay open (run.h) */
	for (int i = 0; i < r->ncaps; i++) {
		unsigned f = 0, b = 0, d = 0;
		char err[ERRLEN];

		if (!r->caps[i])
			continue;
		capture_stats(r->caps[i], &f, &b, &d);
		res->frames += f;
		res->bad_frames += b;
		res->drops += d;
		capture_flush(r->caps[i], err);
	}
	run_release();
	the_runner = r;
	return rc;
}

void run_release(void)
{
	if (!the_runner)
		return;
	for (int i = 0; i < the_runner->ncaps; i++)
		if (the_runner->caps[i])
			capture_free(the_runner->caps[i]);
	free(the_runner);
	the_runner = NULL;
}
