/* checks.c - the checks a scenario states (expect packets, expect socket,
 * expect traced, wait until ..., fast-forward), one function per kind and
 * one table from kind to function.  Each waits on events with a bound and
 * records its outcome through runner_check(). */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "runner.h"

/* "10.0.0.1:8080", or "10.0.0.1:*" for any port, as the scenario wrote it. */
static void want_str(const struct endpoint *ep, int any_port, char *buf, size_t len)
{
	char *c;

	/* "*:8080": any address */
	if (!ep->addr.family)
		snprintf(buf, len, "*:%u", ep->port);
	else
		endpoint_str(ep, buf, len);
	if (any_port && (c = strrchr(buf, ':')))
		snprintf(c, 3, ":*");
}

/* fast-forward timewait HOST ADDR:PORT: end those TIME_WAIT sockets now,
 * through sock_diag (SOCK_DESTROY, as `ss -K` does).  An intervention of the
 * harness, not of the kernel: the timeline says so. */
static int step_fastforward(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	const struct step_fastforward *ff = &st->u.fastforward;
	struct sockinfo *s = NULL;
	size_t n = 0;
	int done = 0;
	unsigned most = 0;
	char want[96], why[ERRLEN] = "";

	want_str(&ff->local, ff->local_any_port, want, sizeof(want));
	if (sockdiag_dump(r->sd[st->host], IPPROTO_TCP, &s, &n, r->err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (s[k].state != TCP_TIME_WAIT || !addr_equal(&s[k].local.addr, &ff->local.addr) ||
		    (!ff->local_any_port && s[k].local.port != ff->local.port))
			continue;
		if (sockdiag_destroy(r->sd[st->host], &s[k], why) < 0)
			break;
		done++;
		if (s[k].expires_ms > most)
			most = s[k].expires_ms;
	}
	free(s);
	if (why[0])
		return runner_check(r, i, 0, "the kernel refused to end the TIME_WAIT on %s: %s",
				    want, why);
	if (!done)
		return runner_check(r, i, 0,
				    "no TIME_WAIT socket on %s on host '%s' to fast-forward", want,
				    r->plan->hosts[st->host].name);

	return runner_note(r, st->host,
			   "fast-forward: ended %d TIME_WAIT socket%s on %s through sock_diag (as "
			   "ss -K does), %.1f s before the kernel would have",
			   done, done > 1 ? "s" : "", want, most / 1000.0);
}

static int step_packets(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	const struct step_packets *pk = &st->u.packets;
	uint64_t deadline = runner_deadline(pk->within_ms);
	size_t end = 0;
	int matched = 0;
	char pat[128];

	for (;;) {
		if (runner_drain(r) < 0)
			return -1;
		if (timeline_match_packets(r->plan, &r->res->tl, st, r->pkt_cursor, &end,
					   &matched)) {
			r->pkt_cursor = end;
			return runner_check(r, i, 1, "%d packet%s seen", pk->npkts,
					    pk->npkts > 1 ? "s" : "");
		}
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		runner_wait(r, (int)((deadline - now) / 1000000ull) + 1);
	}
	pattern_str(r->plan, &pk->pkts[matched], pat, sizeof(pat));
	return runner_check(r, i, 0, "%s: packet %d of %d (%s) not seen within %ld ms",
			    st->kind == STEP_WAIT_PACKETS ? "timed out" : "expected packets",
			    matched + 1, pk->npkts, pat, pk->within_ms);
}

static int ep_match(const struct endpoint *want, int any_port, const struct endpoint *have)
{
	if (!any_port && want->port != have->port)
		return 0;
	/* "*:8080": any address */
	return !want->addr.family || addr_equal(&want->addr, &have->addr);
}

static void sock_str(const struct sockinfo *s, char *buf, size_t len)
{
	char l[80], rem[80];

	endpoint_str(&s->local, l, sizeof(l));
	endpoint_str(&s->remote, rem, sizeof(rem));
	if (s->timer == TIMER_TIMEWAIT || s->timer == TIMER_RETRANS ||
	    s->timer == TIMER_KEEPALIVE || s->timer == TIMER_PROBE)
		snprintf(buf, len, "%s %s > %s, %.1f s left on its timer", tcp_state_name(s->state),
			 l, rem, s->expires_ms / 1000.0);
	else
		snprintf(buf, len, "%s %s > %s", tcp_state_name(s->state), l, rem);
}

static int step_socket(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	const struct step_sockstate *ss = &st->u.sockstate;
	uint64_t deadline = runner_deadline(ss->within_ms);
	char seen[EV_MSG_MAX - 100] = "no socket on that address";
	char want[96];

	want_str(&ss->local, ss->local_any_port, want, sizeof(want));
	for (;;) {
		struct sockinfo *s = NULL;
		size_t n = 0;
		int found = -1, any = 0;

		if (runner_drain(r) < 0)
			return -1;
		if (sockdiag_dump(r->sd[st->host], IPPROTO_TCP, &s, &n, r->err) < 0)
			return -1;
		seen[0] = '\0';
		for (size_t k = 0; k < n; k++) {
			if (!ep_match(&ss->local, ss->local_any_port, &s[k].local))
				continue;
			if (ss->has_remote &&
			    !ep_match(&ss->remote, ss->remote_any_port, &s[k].remote))
				continue;
			any = 1;
			if (s[k].state == ss->state && found < 0)
				found = (int)k;
			if (strlen(seen) < sizeof(seen) - 100) {
				char one[200];

				sock_str(&s[k], one, sizeof(one));
				snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%s",
					 seen[0] ? "; " : "", one);
			}
		}
		if (!any)
			snprintf(seen, sizeof(seen), "no socket on that address");
		if (ss->state == PLAN_STATE_NONE ? !any : found >= 0) {
			char one[200] = "";

			if (found >= 0)
				sock_str(&s[found], one, sizeof(one));
			free(s);
			return runner_check(r, i, 1, "%s",
					    found >= 0 ? one : "no socket on that address");
		}
		free(s);
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		/* State changes come with packets, but a timer can also end a
		 * state: wake on a packet, and look again at least every ms. */
		runner_wait(r, 1);
	}
	return runner_check(r, i, 0, "%s: %s on host '%s' %s within %ld ms; found: %s",
			    st->kind == STEP_WAIT_SOCKET ? "timed out" : "expected socket", want,
			    r->plan->hosts[st->host].name,
			    ss->state == PLAN_STATE_NONE ? "gone" : plan_state_name(ss->state),
			    ss->within_ms, seen);
}

/* Is the program the timeline's trace event e came from the one st names? */
static int traced_prog_is(const struct runner *r, const struct step_traced *tr, int prog)
{
	return tr->prog < 0 || r->plan->steps[r->res->progs[prog].step].var == tr->prog;
}

/* Does the trace event e show the call st names?  loose: the same call
 * (and address or option) whatever its result and value, to say what the
 * program did instead. */
static int traced_match(const struct runner *r, const struct plan_step *st, const struct event *e,
			int loose)
{
	const struct step_traced *tr = &st->u.traced;
	const struct trace_rec *t = &e->u.trace.rec;
	uint32_t want = names_trace_of_step(tr->call);

	if (e->kind != EV_TRACE || e->host != st->host || t->call != want)
		return 0;
	/* "expect traced p2 ...": only the program run() named p2 */
	if (!traced_prog_is(r, tr, e->u.trace.prog))
		return 0;
	if (!loose && st->expect.has_expect && !st->expect.any &&
	    (t->ret != st->expect.value || (t->ret == -1 && t->err != st->expect.err)))
		return 0;
	if (want == TRACE_BIND || want == TRACE_CONNECT) {
		struct endpoint have = program_trace_endpoint(t);

		return ep_match(&tr->ep, 0, &have);
	}
	if (want == TRACE_SETSOCKOPT) {
		int level, optname;

		names_opt_sockopt(tr->opt, &level, &optname);
		if (t->level != level || t->optname != optname)
			return 0;
		if (loose)
			return 1;
		/* on/off options: the kernel reads any nonzero int as on */
		if ((t->optval != 0) != (tr->val != 0))
			return 0;
		if (tr->opt == OPT_SO_LINGER && tr->val && t->optval2 != tr->linger_secs)
			return 0;
		if (!tr->has_before)
			return 1;
		/* "... before bind(ADDR:PORT)": a later bind of the same socket */
		for (const struct event *b = e + 1; b < r->res->tl.ev + r->res->tl.n; b++) {
			const struct trace_rec *bt = &b->u.trace.rec;
			struct endpoint have;

			if (b->kind != EV_TRACE || b->u.trace.prog != e->u.trace.prog ||
			    bt->pid != t->pid || bt->fd != t->fd || bt->call != TRACE_BIND)
				continue;
			have = program_trace_endpoint(bt);
			return ep_match(&tr->before, 0, &have);
		}
		return 0;
	}
	return 1;
}

/* The kernel's word on a traced setsockopt of an on/off option: the trace
 * is written by the program's own process, which can also write records
 * of calls it never made (or make the call without the C library).  1: the
 * kernel agrees, or cannot tell (the socket or the program is gone); 0:
 * the socket exists and its option says otherwise, and why is in why. */
static int kernel_agrees(struct runner *r, const struct plan_step *st, const struct event *e,
			 char *why, size_t len)
{
	const struct step_traced *tr = &st->u.traced;
	const struct trace_rec *t = &e->u.trace.rec;
	struct actor_peek pk;
	int level, optname;

	if (tr->call != STEP_SETSOCKOPT || tr->opt == OPT_SO_LINGER || t->ret != 0)
		return 1;
	names_opt_sockopt(tr->opt, &level, &optname);
	if (actor_peek(&r->actors[r->res->progs[e->u.trace.prog].proc], t->pid, t->fd, level,
		       optname, r->opts->step_timeout_ms, &pk) < 0 ||
	    pk.err || (pk.val != 0) == (t->optval != 0))
		return 1;
	snprintf(why, len,
		 "; its trace says setsockopt(%d, %s, %d) = 0, but the kernel says that socket "
		 "has %s %s: a record the kernel contradicts is not believed",
		 t->fd, names_opt(tr->opt), t->optval, names_opt(tr->opt), pk.val ? "on" : "off");
	return 0;
}

/* Does a program st looks at hold a socket with st's option on, though no
 * traced call set it?  1 with why (set without the C library's
 * setsockopt, which the trace cannot see), else 0. */
static int kernel_has_option(struct runner *r, const struct plan_step *st, char *why, size_t len)
{
	const struct step_traced *tr = &st->u.traced;
	int level, optname;

	if (tr->call != STEP_SETSOCKOPT || tr->opt == OPT_SO_LINGER || !tr->val)
		return 0;
	names_opt_sockopt(tr->opt, &level, &optname);
	for (int k = 0; k < r->res->nprogs; k++) {
		struct actor_peek pk;

		if (!traced_prog_is(r, tr, k) ||
		    r->plan->procs[r->res->progs[k].proc].host != st->host ||
		    r->progs[k].fd_trace < 0)
			continue;
		if (actor_peek(&r->actors[r->res->progs[k].proc], r->res->progs[k].pid, -1, level,
			       optname, r->opts->step_timeout_ms, &pk) < 0 ||
		    pk.fd < 0)
			continue;
		snprintf(why, len,
			 "no traced call set it, but the kernel says socket %d of pid %d has %s "
			 "on (set without the C library's setsockopt, where the trace cannot see)",
			 pk.fd, r->res->progs[k].pid, names_opt(tr->opt));
		return 1;
	}
	return 0;
}

/* What the program did instead of the call st waited for: "; it made
 * bind(3, 0.0.0.0:8080) = -1 EADDRINUSE", or "". */
static void traced_instead(const struct runner *r, const struct plan_step *st, char *buf,
			   size_t len)
{
	char call[160];
	int n = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < r->res->tl.n; k++) {
		const struct event *e = &r->res->tl.ev[k];

		if (!traced_match(r, st, e, 1))
			continue;
		if (n++ < 2) {
			size_t l = strlen(buf);

			program_trace_str(&e->u.trace.rec, call, sizeof(call));
			snprintf(buf + l, len - l, "%s%s", l ? ", " : "; it made ", call);
		}
	}
	if (n > 2) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, " and %d more like it", n - 2);
	}
	if (!n && st->u.traced.call == STEP_SETSOCKOPT)
		snprintf(buf, len, "; it never set %s", names_opt(st->u.traced.opt));
	if (n && st->u.traced.has_before) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, ", not before that socket's bind");
	}
}

/* Are the programs st looks at traced?  Counts those that are not. */
static int traced_untraced(const struct runner *r, const struct plan_step *st)
{
	int untraced = 0;

	for (int k = 0; k < r->res->nprogs; k++)
		if (r->plan->procs[r->res->progs[k].proc].host == st->host &&
		    traced_prog_is(r, &st->u.traced, k) && !r->res->progs[k].traced)
			untraced++;
	return untraced;
}

/* expect not traced HOST CALL(...): no such call so far.  A program that
 * is not traced cannot show it did not: that fails, never passes. */
static int step_not_traced(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	char call[160], why[400];
	int running = 0;

	if (runner_drain(r) < 0)
		return -1;
	if (traced_untraced(r, st))
		return runner_check(r, i, 0, "cannot tell: %s not traced (see its note)",
				    st->u.traced.prog >= 0 ? "the program is"
							   : "a program on that host is");
	for (size_t k = 0; k < r->res->tl.n; k++) {
		const struct event *e = &r->res->tl.ev[k];

		if (traced_match(r, st, e, 0)) {
			program_trace_str(&e->u.trace.rec, call, sizeof(call));
			return runner_check(r, i, 0, "it did: %s (pid %d)", call,
					    e->u.trace.rec.pid);
		}
	}
	for (int k = 0; k < r->res->nprogs; k++)
		if (traced_prog_is(r, &st->u.traced, k) &&
		    r->plan->procs[r->res->progs[k].proc].host == st->host &&
		    r->progs[k].fd_trace >= 0)
			running++;
	if (kernel_has_option(r, st, why, sizeof(why)))
		return runner_check(r, i, 0, "%s", why);
	return runner_check(
	    r, i, 1, "not made%s",
	    running ? " so far (the program still runs: later calls are not covered)" : "");
}

/* expect traced HOST CALL(...) = R: a program's traced call, waited for
 * with a bound (the program runs on its own time). */
static int step_traced(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	const struct step_traced *tr = &st->u.traced;
	uint64_t deadline = runner_deadline(tr->within_ms);
	int untraced = traced_untraced(r, st);
	char instead[400], contradicted[400] = "";

	if (tr->negate)
		return step_not_traced(r, i);
	/* one program named, and it is not traced: nothing will ever come */
	if (tr->prog >= 0 && untraced)
		return runner_check(r, i, 0,
				    "cannot tell: the program is not traced (see its note)");
	for (;;) {
		if (runner_drain(r) < 0)
			return -1;
		for (size_t k = 0; k < r->res->tl.n; k++)
			if (traced_match(r, st, &r->res->tl.ev[k], 0)) {
				if (kernel_agrees(r, st, &r->res->tl.ev[k], contradicted,
						  sizeof(contradicted)))
					return runner_check(r, i, 1, "seen");
				/* not believed: the program may still make the call */
			}
		/* the program named has exited (its trace pipe is closed): the
		 * call will never come */
		for (int k = 0; tr->prog >= 0 && k < r->res->nprogs; k++)
			if (traced_prog_is(r, tr, k) && r->progs[k].fd_trace < 0 &&
			    r->res->progs[k].traced) {
				traced_instead(r, st, instead, sizeof(instead));
				return runner_check(r, i, 0,
						    "the program exited without making that call%s",
						    contradicted[0] ? contradicted : instead);
			}
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		runner_wait(r, (int)((deadline - now) / 1000000ull) + 1);
	}
	traced_instead(r, st, instead, sizeof(instead));
	return runner_check(r, i, 0, "no such traced call within %ld ms%s%s", tr->within_ms,
			    contradicted[0] ? contradicted : instead,
			    untraced ? " (a program on that host is not traced: see its note)"
				     : "");
}

static const struct {
	enum step_kind kind;
	int (*fn)(struct runner *r, int i);
} checks[] = {
    {STEP_EXPECT_PACKETS, step_packets},  {STEP_WAIT_PACKETS, step_packets},
    {STEP_EXPECT_SOCKET, step_socket},	  {STEP_WAIT_SOCKET, step_socket},
    {STEP_FASTFORWARD, step_fastforward}, {STEP_EXPECT_TRACED, step_traced},
};

int checks_run(struct runner *r, int i)
{
	for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++)
		if (checks[k].kind == r->plan->steps[i].kind)
			return checks[k].fn(r, i);
	return errf(r->err, "%s:%d: no check for this step", r->plan->file,
		    r->plan->steps[i].pos.line);
}
