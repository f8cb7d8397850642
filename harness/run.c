/* run.c - see run.h.  The driver: it builds the world, starts an actor per
 * process, sends each step to the right actor, drains the captures between
 * steps, and checks every expectation against what the kernel did. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actor.h"
#include "rules.h"

struct memo;

struct runner {
	const struct plan *plan;
	const struct run_opts *opts;
	struct run_result *res;
	struct world world;
	int have_world;
	struct sockdiag **sd; /* one per host */
	struct actor *actors; /* one per plan process */
	size_t pkt_cursor;    /* packets matched by earlier "expect packets" */
	int reaper_pipe;      /* held open while the run lives */
	struct memo *memo;    /* what actors said of their sockets (explain()) */
	int nmemo, capmemo;
	char err[ERRLEN];
};

static void on_pkt(const struct pkt *p, void *arg)
{
	struct runner *r = arg;

	if (p->iface < 0)
		return; /* a pcap-only interface: the same packets come elsewhere */
	timeline_add_pkt(&r->res->tl, p, r->err);
}

/* Read every packet waiting on the timeline captures, without blocking. */
static void explain_traced(struct runner *r, const struct run_program *pg, struct event *ev);
static void trace_note(struct run_program *pg, const struct trace_rec *t);

/* Read what a program's pipes hold now: output kept up to RUN_OUTPUT_MAX
 * (a flood is counted, not kept), trace records onto the timeline. */
static int drain_program(struct runner *r, int k)
{
	struct run_program *pg = &r->res->progs[k];
	char buf[4096];
	ssize_t n;

	for (int which = 0; which < 2; which++) {
		int *fd = which ? &pg->fd_err : &pg->fd_out;
		char *dst = which ? pg->err : pg->out;
		size_t *len = which ? &pg->errlen : &pg->outlen;

		n = -1;
		while (*fd >= 0 && (n = read(*fd, buf, sizeof(buf))) != 0) {
			if (n < 0)
				break; /* EAGAIN: nothing more now */
			size_t room = RUN_OUTPUT_MAX - *len,
			       take = (size_t)n < room ? (size_t)n : room;

			memcpy(dst + *len, buf, take);
			*len += take;
			pg->dropped += (unsigned long)n - take;
		}
		if (*fd >= 0 && n == 0) {
			close(*fd);
			*fd = -1;
		}
	}
	while (pg->fd_trace >= 0) {
		n = read(pg->fd_trace, pg->trbuf + pg->trlen, sizeof(pg->trbuf) - pg->trlen);
		if (n == 0) {
			close(pg->fd_trace);
			pg->fd_trace = -1;
			break;
		}
		if (n < 0)
			break;
		pg->trlen += (size_t)n;
		if (pg->trlen < sizeof(pg->trbuf))
			continue;
		pg->trlen = 0;

		struct event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = EV_TRACE;
		memcpy(&ev.trace, pg->trbuf, sizeof(ev.trace));
		ev.t = ev.trace.t_start;
		ev.proc = pg->proc;
		ev.host = r->plan->procs[pg->proc].host;
		ev.step = -1;
		ev.prog = k;
		trace_note(pg, &ev.trace);
		if (ev.trace.call == TRACE_BIND && ev.trace.ret == -1 && ev.trace.err == EADDRINUSE)
			explain_traced(r, pg, &ev);
		int rc = timeline_add(&r->res->tl, &ev, r->err);

		free(ev.holders);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Read every packet waiting on the timeline captures, and what programs
 * wrote, without blocking. */
static int drain(struct runner *r)
{
	for (int i = 0; i < r->res->ncaps; i++)
		if (r->res->caps[i] && capture_drain(r->res->caps[i], on_pkt, r, r->err) < 0)
			return -1;
	for (int k = 0; k < r->res->nprogs; k++)
		if (drain_program(r, k) < 0)
			return -1;
	return 0;
}

/* Wait for a packet on any capture or a word from a program, at most ms
 * milliseconds. */
static void wait_pkt(struct runner *r, int ms)
{
	struct pollfd p[WORLD_IFACES_MAX + 3 * RUN_PROGS_MAX];
	int n = 0;

	for (int i = 0; i < r->res->ncaps; i++)
		if (r->res->caps[i]) {
			p[n].fd = capture_fd(r->res->caps[i]);
			p[n].events = POLLIN;
			n++;
		}
	for (int k = 0; k < r->res->nprogs; k++) {
		const struct run_program *pg = &r->res->progs[k];
		int fds[3] = {pg->fd_out, pg->fd_err, pg->fd_trace};

		for (int j = 0; j < 3; j++)
			if (fds[j] >= 0) {
				p[n].fd = fds[j];
				p[n].events = POLLIN;
				n++;
			}
	}
	if (poll(p, (nfds_t)n, ms) < 0 && errno != EINTR)
		return;
}

static int check(struct runner *r, int step, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int check(struct runner *r, int step, int ok, const char *fmt, ...)
{
	struct event ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CHECK;
	ev.t = now_ns();
	ev.proc = -1;
	ev.step = step;
	ev.host = r->plan->steps[step].host;
	ev.ok = ok;
	va_start(ap, fmt);
	vsnprintf(ev.msg, sizeof(ev.msg), fmt, ap);
	va_end(ap);
	if (!ok && r->res->verdict == VERDICT_PASS) {
		r->res->verdict = VERDICT_FAIL;
		r->res->failed_step = step;
	}
	return timeline_add(&r->res->tl, &ev, r->err);
}

/* What the runner remembers of every socket an actor told it about: a
 * TIME_WAIT or orphaned socket has no inode and no owner any more, but it
 * kept the SO_REUSEADDR of the socket it came from, and the model needs it. */
struct memo {
	uint64_t inode;
	int proc;
	struct endpoint local, remote;
	int has_remote;
	int reuseaddr, reuseport;
};

static struct memo *memo_find(struct runner *r, uint64_t inode)
{
	for (int k = 0; k < r->nmemo; k++)
		if (r->memo[k].inode == inode)
			return &r->memo[k];
	return NULL;
}

static struct memo *memo_get(struct runner *r, uint64_t inode)
{
	struct memo *m = memo_find(r, inode);

	if (m)
		return m;
	if (r->nmemo == r->capmemo) {
		int cap = r->capmemo ? r->capmemo * 2 : 32;
		struct memo *nm = realloc(r->memo, (size_t)cap * sizeof(*nm));

		if (!nm)
			return NULL;
		r->memo = nm;
		r->capmemo = cap;
	}
	m = &r->memo[r->nmemo++];
	memset(m, 0, sizeof(*m));
	m->inode = inode;
	m->proc = -1;
	return m;
}

/* Remember what a step's reply says of its socket. */
static void memo_reply(struct runner *r, int proc, const struct actor_reply *rep)
{
	struct memo *m;

	if (!rep->inode || !(m = memo_get(r, rep->inode)))
		return;
	m->proc = proc;
	m->reuseaddr = rep->reuseaddr;
	m->reuseport = rep->reuseport;
	if (rep->has_local)
		m->local = rep->local;
	if (rep->has_peer) {
		m->remote = rep->peer;
		m->has_remote = 1;
	}
}

/* The flags of a socket from the dump: by inode, or, for a socket that no
 * process holds any more, by its two endpoints. */
static const struct memo *memo_for(struct runner *r, const struct sockinfo *s)
{
	if (s->inode)
		return memo_find(r, s->inode);
	for (int k = r->nmemo - 1; k >= 0; k--)
		if (r->memo[k].has_remote && r->memo[k].local.port == s->local.port &&
		    r->memo[k].remote.port == s->remote.port &&
		    addr_equal(&r->memo[k].local.addr, &s->local.addr) &&
		    addr_equal(&r->memo[k].remote.addr, &s->remote.addr))
			return &r->memo[k];
	return NULL;
}

static void rsock_from(struct runner *r, int host, const struct sockinfo *s, struct rsock *o)
{
	const struct memo *m = memo_for(r, s);

	memset(o, 0, sizeof(*o));
	o->proto = s->proto;
	o->family = s->family;
	o->state = s->state;
	o->local = s->local;
	o->v6only = s->v6only > 0;
	o->uid = s->uid;
	if (m) {
		o->known = 1;
		o->reuseaddr = m->reuseaddr;
		o->reuseport = m->reuseport;
		return;
	}
	/* a socket of a traced program: it inherited its listener's options
	 * (an accepted socket does, and its TIME_WAIT keeps them) */
	for (int k = 0; k < r->res->nprogs; k++) {
		const struct run_program *pg = &r->res->progs[k];

		if (pg->listen_port == s->local.port && r->plan->procs[pg->proc].host == host) {
			o->known = 1;
			o->reuseaddr = pg->listen_reuse[0];
			o->reuseport = pg->listen_reuse[1];
		}
	}
}

/* Ask the model about a bind or listen that just returned, and, for an
 * EADDRINUSE, fill the event with the sockets in the way and why.  The call
 * changed nothing the model looks at (a failed call changes nothing; a
 * successful one only its own socket, which is left out), so looking after
 * the call is looking before it. */
/* Put cand to the model against the sockets of host (its own socket,
 * self_inode, left out).  Returns 1 if the model predicts EADDRINUSE, 0 if
 * not; when the kernel did return EADDRINUSE, ev gets the sockets in the way
 * with the rule for each. */
static int judge(struct runner *r, int host, const struct rsock *cand, uint64_t self_inode,
		 int kernel_eaddrinuse, struct event *ev)
{
	static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	struct sockinfo *all = NULL;
	struct rsock *rs = NULL;
	struct prediction pr;
	size_t nall = 0;

	memset(&pr, 0, sizeof(pr));
	for (size_t p = 0; p < 2; p++) {
		struct sockinfo *s = NULL;
		size_t n = 0;

		if (sockdiag_dump(r->sd[host], protos[p], &s, &n, r->err) < 0 || n == 0) {
			free(s);
			continue;
		}
		struct sockinfo *na = realloc(all, (nall + n) * sizeof(*na));

		if (na) {
			all = na;
			memcpy(all + nall, s, n * sizeof(*s));
			nall += n;
		}
		free(s);
	}
	/* connected sockets: remember their peers, to know them in TIME_WAIT */
	for (size_t k = 0; k < nall; k++) {
		struct memo *m = all[k].inode ? memo_find(r, all[k].inode) : NULL;

		if (m && all[k].remote.port) {
			m->remote = all[k].remote;
			m->has_remote = 1;
		}
		if (all[k].inode == self_inode && self_inode)
			all[k].local.port = 0; /* the caller's own socket is not in its way */
	}
	rs = calloc(nall ? nall : 1, sizeof(*rs));
	if (!rs)
		goto out;
	for (size_t k = 0; k < nall; k++)
		rsock_from(r, host, &all[k], &rs[k]);
	rules_predict(cand, 0, rs, (int)nall, &pr);
	if (!kernel_eaddrinuse)
		goto out;

	ev->holders = calloc(EV_HOLDERS_MAX, sizeof(*ev->holders));
	if (!ev->holders || !all)
		goto out;
	for (int k = 0; k < pr.n && ev->nholders < EV_HOLDERS_MAX; k++) {
		struct ev_holder *h = &ev->holders[ev->nholders++];
		const struct sockinfo *s = &all[pr.who[k]];
		const struct memo *m = memo_for(r, s);

		h->sock = *s;
		h->proc = s->inode && m ? m->proc : -1;
		if (h->proc >= 0)
			h->pid = r->actors[h->proc].pid;
		else if (s->inode)
			sockdiag_owner(s->inode, &h->pid, h->comm, sizeof(h->comm));
		rules_sentence(pr.why[k], cand, &rs[pr.who[k]], h->why, sizeof(h->why));
	}
	/* the kernel said no and the model found nothing: show what is there */
	for (size_t k = 0; !pr.conflict && k < nall && ev->nholders < EV_HOLDERS_MAX; k++) {
		struct ev_holder *h;

		if (all[k].local.port != cand->local.port || all[k].proto != cand->proto)
			continue;
		h = &ev->holders[ev->nholders++];
		h->sock = all[k];
		h->proc = -1;
		snprintf(h->why, sizeof(h->why),
			 "bindlab's model of the kernel's rules did not predict this conflict");
	}
out:
	free(rs);
	free(all);
	return pr.conflict;
}

/* Ask the model about an actor's bind or listen that just returned, and,
 * for an EADDRINUSE, fill the event with the sockets in the way and why.
 * The call changed nothing the model looks at (a failed call changes
 * nothing; a successful one only its own socket, which is left out), so
 * looking after the call is looking before it. */
static void explain(struct runner *r, const struct plan_step *st, const struct actor_reply *rep,
		    uint64_t port_before, struct event *ev)
{
	struct actor_sock as[ACTOR_SOCKS_MAX];
	struct rsock cand;
	int host = ev->host, kernel_eaddrinuse, found = 0;

	kernel_eaddrinuse = rep->ret == -1 && rep->err == EADDRINUSE;
	memset(&cand, 0, sizeof(cand));
	/* every live actor on the host says what options its sockets have */
	for (int p = 0; p < r->plan->nprocs; p++) {
		int n;

		if (r->actors[p].exited || r->plan->procs[p].host != host)
			continue;
		n = actor_describe(&r->actors[p], as, r->opts->step_timeout_ms, r->err);
		for (int k = 0; k < n; k++) {
			struct memo *m = memo_get(r, as[k].inode);

			if (m) {
				m->proc = p;
				m->reuseaddr = as[k].reuseaddr;
				m->reuseport = as[k].reuseport;
			}
			if (p == st->proc && as[k].fd == rep->fd) {
				cand.proto = as[k].proto;
				cand.family = as[k].family;
				cand.reuseaddr = as[k].reuseaddr;
				cand.reuseport = as[k].reuseport;
				cand.v6only = as[k].v6only;
				cand.uid = as[k].uid;
				cand.local = st->kind == STEP_BIND ? st->ep : as[k].local;
				cand.known = found = 1;
			}
		}
	}
	if (!found)
		return;
	ev->model.applicable =
	    cand.local.port != 0 && port_before != 0 && (rep->ret == 0 || kernel_eaddrinuse);
	ev->model.predicted = judge(r, host, &cand, rep->inode, kernel_eaddrinuse, ev) == 1;
	ev->model.agrees = !ev->model.applicable || ev->model.predicted == kernel_eaddrinuse;
}

/* A traced program's bind failed with EADDRINUSE: the same explanation,
 * with the program's options known from its own traced setsockopt calls. */
static void explain_traced(struct runner *r, const struct run_program *pg, struct event *ev)
{
	const struct trace_rec *t = &ev->trace;
	struct rsock cand;
	int fd = t->fd >= 0 && t->fd < RUN_FDS_MAX ? t->fd : -1;

	memset(&cand, 0, sizeof(cand));
	cand.proto = fd >= 0 && pg->fdtype[fd] == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	cand.family = t->family;
	cand.local.addr.family = t->family;
	memcpy(&cand.local.addr.u, t->addr, t->family == AF_INET ? 4 : 16);
	cand.local.port = (uint16_t)t->port;
	cand.reuseaddr = fd >= 0 && pg->fdreuse[fd][0];
	cand.reuseport = fd >= 0 && pg->fdreuse[fd][1];
	cand.uid = (unsigned)geteuid();
	cand.known = 1;
	judge(r, ev->host, &cand, 0, 1, ev);
}

/* What the program's trace says of its sockets' options and ports. */
static void trace_note(struct run_program *pg, const struct trace_rec *t)
{
	int fd = t->fd >= 0 && t->fd < RUN_FDS_MAX ? t->fd : -1;

	if (fd < 0 || t->ret < 0)
		return;
	switch (t->call) {
	case TRACE_SOCKET:
		pg->fdtype[fd] = t->port & 0xf;
		pg->fdreuse[fd][0] = pg->fdreuse[fd][1] = 0;
		break;
	case TRACE_SETSOCKOPT:
		if (t->level == SOL_SOCKET && t->optname == SO_REUSEADDR)
			pg->fdreuse[fd][0] = t->optval != 0;
		if (t->level == SOL_SOCKET && t->optname == SO_REUSEPORT)
			pg->fdreuse[fd][1] = t->optval != 0;
		break;
	case TRACE_BIND:
		pg->fdport[fd] = t->port;
		break;
	case TRACE_EXIT:
		pg->exited = 1;
		break;
	case TRACE_LISTEN:
		pg->listen_port = pg->fdport[fd];
		pg->listen_reuse[0] = pg->fdreuse[fd][0];
		pg->listen_reuse[1] = pg->fdreuse[fd][1];
		break;
	default:
		break;
	}
}

/* Is the file a program would run from argv0 (searched in PATH like execvp)
 * a static ELF binary, which LD_PRELOAD cannot trace? */
int run_program_is_static(const char *argv0)
{
	char path[4096];
	const char *dirs = getenv("PATH");

	if (strchr(argv0, '/')) {
		snprintf(path, sizeof(path), "%s", argv0);
	} else {
		path[0] = '\0';
		for (const char *d = dirs ? dirs : "/usr/bin:/bin"; *d;) {
			size_t l = strcspn(d, ":");

			snprintf(path, sizeof(path), "%.*s/%s", (int)l, d, argv0);
			if (access(path, X_OK) == 0)
				break;
			path[0] = '\0';
			d += l + (d[l] == ':');
		}
	}
	FILE *f = path[0] ? fopen(path, "re") : NULL;
	unsigned char eh[64];
	int stat = 0;

	if (!f)
		return 0;
	/* 64-bit little-endian ELF: no PT_INTERP program header means static */
	if (fread(eh, 1, sizeof(eh), f) == sizeof(eh) && !memcmp(eh, "\177ELF", 4) && eh[4] == 2) {
		uint64_t phoff;
		uint16_t phentsize, phnum;

		memcpy(&phoff, eh + 32, 8);
		memcpy(&phentsize, eh + 54, 2);
		memcpy(&phnum, eh + 56, 2);
		stat = 1;
		for (unsigned k = 0; k < phnum && phentsize >= 4; k++) {
			uint32_t type;

			if (fseek(f, (long)(phoff + (uint64_t)k * phentsize), SEEK_SET) ||
			    fread(&type, 4, 1, f) != 1)
				break;
			if (type == 3) /* PT_INTERP: a dynamic loader, so LD_PRELOAD works */
				stat = 0;
		}
	}
	fclose(f);
	return stat;
}

/* A run step: pipes for the program's stdout, stderr and trace records go
 * to the actor, which starts the program; the runner keeps the read ends. */
static int run_program(struct runner *r, int i, struct actor_reply *rep)
{
	const struct plan_step *st = &r->plan->steps[i];
	struct run_program *pg;
	int p[3][2], w[3], rc;
	const char *lib = getenv("BINDLAB_TRACE_LIB");

	if (r->res->nprogs == RUN_PROGS_MAX)
		return errf(r->err, "too many programs (at most %d)", RUN_PROGS_MAX);
	pg = &r->res->progs[r->res->nprogs];
	memset(pg, 0, sizeof(*pg));
	pg->proc = st->proc;
	pg->step = i;
	pg->fd_out = pg->fd_err = pg->fd_trace = -1;
	for (size_t off = 0, k = 0; k < (size_t)st->argc; k++) {
		size_t l = strlen(pg->cmd);

		snprintf(pg->cmd + l, sizeof(pg->cmd) - l, "%s%s", k ? " " : "", st->data + off);
		off += strlen(st->data + off) + 1;
	}
	pg->traced = lib && *lib && access(lib, R_OK) == 0 && !run_program_is_static(st->data);
	if (!pg->traced)
		snprintf(pg->why_untraced, sizeof(pg->why_untraced), "%s",
			 run_program_is_static(st->data)
			     ? "a static binary: LD_PRELOAD cannot trace it"
			     : "the trace library is missing (build/libbindlab-trace.so)");
	for (int k = 0; k < 3; k++)
		if (pipe2(p[k], O_CLOEXEC) < 0)
			return errf(r->err, "cannot create a pipe: %s", strerror(errno));
	for (int k = 0; k < 3; k++) {
		w[k] = p[k][1];
		fcntl(p[k][0], F_SETFL, O_NONBLOCK);
	}
	rc = actor_call_fds(&r->actors[st->proc], i, w, 3, r->opts->step_timeout_ms, rep, r->err);
	for (int k = 0; k < 3; k++)
		close(w[k]);
	if (rc < 0 || rep->ret < 0) {
		for (int k = 0; k < 3; k++)
			close(p[k][0]);
		return rc;
	}
	pg->pid = rep->fd;
	pg->stopped = -1;
	pg->ended = -1;
	pg->fd_out = p[0][0];
	pg->fd_err = p[1][0];
	pg->fd_trace = p[2][0];
	r->res->nprogs++;
	return 0;
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
	int host = r->plan->procs[st->proc].host;
	uint64_t t0 = now_ns(), deadline = t0 + (uint64_t)st->retry_ms * 1000000ull;
	unsigned left0 = timewait_left(r, host, st->ep.port);
	int tries = 1;

	while (!result_ok(st, rep) && now_ns() < deadline) {
		unsigned left = timewait_left(r, host, st->ep.port);
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
				     r->plan->file, st->pos.line, st->ep.port, left / 1000.0);

			/* a closed terminal only loses the countdown */
			(void)!write(r->opts->progress_fd, line, (size_t)len);
		}
		wait_pkt(r, (int)wait);
		if (drain(r) < 0)
			return -1;
		if (actor_call(a, i, r->opts->step_timeout_ms, rep, r->err) < 0)
			return -1;
		tries++;
	}
	if (r->opts->progress_fd >= 0)
		(void)!write(r->opts->progress_fd, "\r\033[K", 4);

	struct event ev;
	uint64_t began = timewait_began(r, st->ep.port);

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_NOTE;
	ev.t = now_ns();
	ev.proc = -1;
	ev.step = -1;
	ev.host = host;
	if (result_ok(st, rep) && began)
		snprintf(
		    ev.msg, sizeof(ev.msg),
		    "%s:%d tried %d times over %.1f s (TIME_WAIT had %.1f s left when the wait "
		    "began); TIME_WAIT lasted %.1f s, from the peer's FIN to the bind",
		    r->plan->file, st->pos.line, tries, (double)(now_ns() - t0) / 1e9,
		    left0 / 1000.0, (double)(rep->t_end - began) / 1e9);
	else
		snprintf(ev.msg, sizeof(ev.msg), "%s:%d tried %d times over %.1f s", r->plan->file,
			 st->pos.line, tries, (double)(now_ns() - t0) / 1e9);
	return timeline_add(&r->res->tl, &ev, r->err);
}

/* fast-forward timewait HOST ADDR:PORT: end those TIME_WAIT sockets now,
 * through sock_diag (SOCK_DESTROY, as `ss -K` does).  An intervention of the
 * harness, not of the kernel: the timeline says so. */
static int step_fastforward(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	struct sockinfo *s = NULL;
	size_t n = 0;
	int done = 0;
	unsigned most = 0;
	char want[96], why[ERRLEN] = "";

	endpoint_str(&st->ep, want, sizeof(want));
	if (st->ep_any_port) {
		char *c = strrchr(want, ':');

		if (c)
			snprintf(c, 3, ":*");
	}
	if (sockdiag_dump(r->sd[st->host], IPPROTO_TCP, &s, &n, r->err) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		if (s[k].state != TCP_TIME_WAIT || !addr_equal(&s[k].local.addr, &st->ep.addr) ||
		    (!st->ep_any_port && s[k].local.port != st->ep.port))
			continue;
		if (sockdiag_destroy(r->sd[st->host], &s[k], why) < 0)
			break;
		done++;
		if (s[k].expires_ms > most)
			most = s[k].expires_ms;
	}
	free(s);
	if (why[0])
		return check(r, i, 0, "the kernel refused to end the TIME_WAIT on %s: %s", want,
			     why);
	if (!done)
		return check(r, i, 0, "no TIME_WAIT socket on %s on host '%s' to fast-forward",
			     want, r->plan->hosts[st->host].name);

	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_NOTE;
	ev.t = now_ns();
	ev.proc = -1;
	ev.step = -1;
	ev.host = st->host;
	snprintf(ev.msg, sizeof(ev.msg),
		 "fast-forward: ended %d TIME_WAIT socket%s on %s through sock_diag (as ss -K "
		 "does), %.1f s before the kernel would have",
		 done, done > 1 ? "s" : "", want, most / 1000.0);
	return timeline_add(&r->res->tl, &ev, r->err);
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
		rc = actor_fork(&r->actors[st->parent], a, r->plan, i, r->opts->step_timeout_ms,
				&rep, r->err);
		if (rc == 0 && rep.ret > 0)
			rep.ret = 0; /* the child's pid says nothing a scenario can assert */
	} else if (st->kind == STEP_EXEC) {
		rc = actor_exec(a, i, r->opts->step_timeout_ms, &rep, r->err);
	} else if (st->kind == STEP_RUN) {
		rc = run_program(r, i, &rep);
	} else if (st->kind == STEP_STOP) {
		/* the actor waits out the grace period itself */
		rc = actor_call(a, i, r->opts->step_timeout_ms + st->within_ms, &rep, r->err);
		for (int k = 0; rc == 0 && k < r->res->nprogs; k++)
			if (r->plan->steps[r->res->progs[k].step].result_var == st->sock_var &&
			    r->res->progs[k].proc == st->proc)
				r->res->progs[k].stopped = rep.ret;
	} else if (st->kind == STEP_WAIT) {
		rc = actor_call(a, i, r->opts->step_timeout_ms, &rep, r->err);
		for (int k = 0; rc == 0 && k < r->res->nprogs; k++)
			if (r->plan->steps[r->res->progs[k].step].result_var == st->sock_var &&
			    r->res->progs[k].proc == st->proc)
				r->res->progs[k].ended = rep.ret;
	} else {
		rc = actor_call(a, i, r->opts->step_timeout_ms, &rep, r->err);
		if (rc == 0 && st->retry_ms && !result_ok(st, &rep))
			rc = retry_call(r, i, &rep);
	}
	if (rc < 0) {
		char why[ERRLEN];

		snprintf(why, sizeof(why), "%s", r->err);
		return check(r, i, 0, "%s", why);
	}
	if (st->kind == STEP_EXIT) {
		actor_kill(a); /* already gone: this only closes the channel */
		a->exited = 1;
	}

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_CALL;
	ev.t = rep.t_start;
	ev.proc = st->proc;
	ev.host = r->plan->procs[st->proc].host;
	ev.step = i;
	ev.call.step = i;
	ev.call.ret = rep.ret;
	ev.call.err = rep.err;
	ev.call.t_end = rep.t_end;
	ev.call.has_local = rep.has_local;
	ev.call.local = rep.local;
	ev.call.has_peer = rep.has_peer;
	ev.call.peer = rep.peer;
	ev.call.fd = rep.fd;
	/* Every bind and listen is put to the model; an EADDRINUSE, expected or
	 * not, is explained by it: who holds the port, and by which rule. */
	{
		const struct memo *before = rep.inode ? memo_find(r, rep.inode) : NULL;
		uint64_t port_before = st->kind == STEP_BIND ? 1 : before ? before->local.port : 0;

		if ((st->kind == STEP_BIND || st->kind == STEP_LISTEN) && !a->exited)
			explain(r, st, &rep, port_before, &ev);
	}
	memo_reply(r, st->proc, &rep);
	rc = timeline_add(&r->res->tl, &ev, r->err);
	free(ev.holders);
	if (rc < 0)
		return -1;

	result_str(rep.ret, rep.err, got, sizeof(got));
	ok = result_ok(st, &rep);
	if (st->expect.has_expect && !st->expect.any)
		result_str(st->expect.value, st->expect.err, want, sizeof(want));
	else
		snprintf(want, sizeof(want), "success");
	if (!ok && st->depends[0])
		return check(r, i, 1, "differs (%s): expected %s%s, got %s", st->depends,
			     st->expect.has_expect ? "= " : "", want, got);
	if (!ok)
		return check(r, i, 0, "expected %s%s, got %s%s%s",
			     st->expect.has_expect ? "= " : "", want, got,
			     rep.ret == -1 ? " — " : "", rep.ret == -1 ? strerror(rep.err) : "");
	return 0;
}

static uint64_t deadline_of(long ms)
{
	return now_ns() + (uint64_t)ms * 1000000ull;
}

static int step_packets(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	uint64_t deadline = deadline_of(st->within_ms);
	size_t end = 0;
	int matched = 0;
	char pat[128];

	for (;;) {
		if (drain(r) < 0)
			return -1;
		if (timeline_match_packets(r->plan, &r->res->tl, st, r->pkt_cursor, &end,
					   &matched)) {
			r->pkt_cursor = end;
			return check(r, i, 1, "%d packet%s seen", st->npkts,
				     st->npkts > 1 ? "s" : "");
		}
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		wait_pkt(r, (int)((deadline - now) / 1000000ull) + 1);
	}
	pattern_str(r->plan, &st->pkts[matched], pat, sizeof(pat));
	return check(r, i, 0, "%s: packet %d of %d (%s) not seen within %ld ms",
		     st->kind == STEP_WAIT_PACKETS ? "timed out" : "expected packets", matched + 1,
		     st->npkts, pat, st->within_ms);
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
	uint64_t deadline = deadline_of(st->within_ms);
	char seen[EV_MSG_MAX - 100] = "no socket on that address";
	char want[96];

	endpoint_str(&st->ep, want, sizeof(want));
	if (st->ep_any_port) {
		char *c = strrchr(want, ':');

		if (c)
			snprintf(c, 3, ":*");
	}
	for (;;) {
		struct sockinfo *s = NULL;
		size_t n = 0;
		int found = -1, any = 0;

		if (drain(r) < 0)
			return -1;
		if (sockdiag_dump(r->sd[st->host], IPPROTO_TCP, &s, &n, r->err) < 0)
			return -1;
		seen[0] = '\0';
		for (size_t k = 0; k < n; k++) {
			if (!ep_match(&st->ep, st->ep_any_port, &s[k].local))
				continue;
			if (st->remote_set &&
			    !ep_match(&st->remote, st->remote_any_port, &s[k].remote))
				continue;
			any = 1;
			if (s[k].state == st->state && found < 0)
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
		if (st->state == PLAN_STATE_NONE ? !any : found >= 0) {
			char one[200] = "";

			if (found >= 0)
				sock_str(&s[found], one, sizeof(one));
			free(s);
			return check(r, i, 1, "%s", found >= 0 ? one : "no socket on that address");
		}
		free(s);
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		/* State changes come with packets, but a timer can also end a
		 * state: wake on a packet, and look again at least every ms. */
		wait_pkt(r, 1);
	}
	return check(r, i, 0, "%s: %s on host '%s' %s within %ld ms; found: %s",
		     st->kind == STEP_WAIT_SOCKET ? "timed out" : "expected socket", want,
		     r->plan->hosts[st->host].name,
		     st->state == PLAN_STATE_NONE ? "gone" : plan_state_name(st->state),
		     st->within_ms, seen);
}

static int traced_match(const struct runner *r, const struct plan_step *st, const struct event *e)
{
	const struct trace_rec *t = &e->trace;
	static const int calls[][2] = {{STEP_BIND, TRACE_BIND},
				       {STEP_CONNECT, TRACE_CONNECT},
				       {STEP_LISTEN, TRACE_LISTEN},
				       {STEP_SETSOCKOPT, TRACE_SETSOCKOPT}};
	int want = 0;

	for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
		if (calls[k][0] == st->traced)
			want = calls[k][1];
	if (e->kind != EV_TRACE || e->host != st->host || (int)t->call != want)
		return 0;
	/* "expect traced p2 ...": only the program run() named p2 */
	if (st->sock_var >= 0 &&
	    r->plan->steps[r->res->progs[e->prog].step].result_var != st->sock_var)
		return 0;
	if (st->expect.has_expect &&
	    (t->ret != st->expect.value || (t->ret == -1 && t->err != st->expect.err)))
		return 0;
	if (want == TRACE_BIND || want == TRACE_CONNECT) {
		struct endpoint have = {.port = (uint16_t)t->port};

		have.addr.family = t->family;
		memcpy(&have.addr.u, t->addr, t->family == AF_INET ? 4 : 16);
		return ep_match(&st->ep, 0, &have);
	}
	if (want == TRACE_SETSOCKOPT) {
		static const int opts[][3] = {
		    {OPT_SO_REUSEADDR, SOL_SOCKET, SO_REUSEADDR},
		    {OPT_SO_REUSEPORT, SOL_SOCKET, SO_REUSEPORT},
		    {OPT_IPV6_V6ONLY, IPPROTO_IPV6, IPV6_V6ONLY},
		    {OPT_IP_FREEBIND, IPPROTO_IP, IP_FREEBIND},
		    {OPT_SO_KEEPALIVE, SOL_SOCKET, SO_KEEPALIVE},
		    {OPT_TCP_NODELAY, IPPROTO_TCP, TCP_NODELAY},
		};

		int same = 0;

		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (opts[k][0] == (int)st->opt)
				same = t->level == opts[k][1] && t->optname == opts[k][2] &&
				       t->optval == st->optval;
		if (!same || !st->remote_set)
			return same;
		/* "... before bind(ADDR:PORT)": a later bind of the same socket */
		for (const struct event *b = e + 1; b < r->res->tl.ev + r->res->tl.n; b++) {
			struct endpoint have = {.port = (uint16_t)b->trace.port};

			if (b->kind != EV_TRACE || b->prog != e->prog || b->trace.pid != t->pid ||
			    b->trace.fd != t->fd || b->trace.call != TRACE_BIND)
				continue;
			have.addr.family = b->trace.family;
			memcpy(&have.addr.u, b->trace.addr, b->trace.family == AF_INET ? 4 : 16);
			return ep_match(&st->remote, 0, &have);
		}
		return 0;
	}
	return 1;
}

/* expect traced HOST CALL(...) = R: a program's traced call, waited for
 * with a bound (the program runs on its own time). */
static int step_traced(struct runner *r, int i)
{
	const struct plan_step *st = &r->plan->steps[i];
	uint64_t deadline = deadline_of(st->within_ms);
	int untraced = 0;

	for (int k = 0; k < r->res->nprogs; k++)
		if (r->plan->procs[r->res->progs[k].proc].host == st->host &&
		    !r->res->progs[k].traced)
			untraced++;
	for (;;) {
		if (drain(r) < 0)
			return -1;
		for (size_t k = 0; k < r->res->tl.n; k++)
			if (traced_match(r, st, &r->res->tl.ev[k]))
				return check(r, i, 1, "seen");
		/* the program named has exited (its trace pipe is closed): the
		 * call will never come */
		for (int k = 0; st->sock_var >= 0 && k < r->res->nprogs; k++)
			if (r->plan->steps[r->res->progs[k].step].result_var == st->sock_var &&
			    r->res->progs[k].fd_trace < 0 && r->res->progs[k].traced)
				return check(r, i, 0,
					     "the program exited without making that call");
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		wait_pkt(r, (int)((deadline - now) / 1000000ull) + 1);
	}
	return check(r, i, 0, "no such traced call within %ld ms%s", st->within_ms,
		     untraced ? " (a program on that host is not traced: see its note)" : "");
}

/* A pid namespace whose init (the reaper) dies with the runner: then the
 * kernel kills every process in it, actors, their forked children and
 * any program they started, however deep. */
static int make_reaper(struct runner *r)
{
	int p[2];
	pid_t pid;

	/* The reaper cannot ask getppid() whether the runner is still there
	 * (it is 0 inside the new pid namespace): a pipe whose write end only
	 * the runner holds tells it. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(r->err, "cannot create a pipe: %s", strerror(errno));
	if (unshare(CLONE_NEWPID) < 0) {
		close(p[0]);
		close(p[1]);
		return errf(r->err, "cannot create a pid namespace: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(r->err, "cannot fork the reaper: %s", strerror(errno));
	}
	if (pid == 0) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* hold nothing of the runner's: not its report pipe, not its
		 * captures (whoever waits on those would wait for us too) */
		close_range(3, (unsigned)p[0] - 1, 0);
		close_range((unsigned)p[0] + 1, ~0U, 0);
		if (poll(&pf, 1, 0) > 0)
			_exit(0); /* the runner died before prctl took hold */
		/* Orphans (a forked actor whose parent exited) stay zombies
		 * until the run ends: they hold no sockets any more. */
		while (poll(&pf, 1, -1) <= 0 || !(pf.revents & (POLLHUP | POLLIN)))
			;
		_exit(0);
	}
	close(p[0]);
	r->reaper_pipe = p[1];
	return 0;
}

struct cap_job {
	const struct world *world;
	int host;
	const char *ifname;
	int iface; /* on the timeline: its index; else -1 */
	const char *path;
	struct capture *cap;
	int rc;
	char err[ERRLEN];
};

/* Open one capture in its host's namespace.  setns() moves only this
 * thread, and pcap_activate() spends ~15 ms waiting on the kernel (an RCU
 * grace period), so the captures of a world open in parallel. */
static void *cap_thread(void *arg)
{
	struct cap_job *j = arg;

	j->rc = world_enter(j->world, j->host, j->err);
	if (j->rc == 0)
		j->rc = capture_open(&j->cap, j->ifname, j->iface, "tcp or udp", j->path, j->err);
	return NULL;
}

static int open_captures(struct runner *r)
{
	struct run_result *res = r->res;
	struct cap_job jobs[WORLD_IFACES_MAX];
	pthread_t th[WORLD_IFACES_MAX];
	int started[WORLD_IFACES_MAX] = {0};
	int rc = 0;

	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < r->world.nifaces; i++) {
		const struct world_iface *f = &r->world.ifaces[i];

		res->tl.iface_host[i] = f->host;
		if (!f->timeline && !r->opts->pcap_dir)
			continue;
		if (r->opts->pcap_dir) {
			const char *base = strrchr(r->plan->file, '/');
			char stem[256];

			snprintf(stem, sizeof(stem), "%s", base ? base + 1 : r->plan->file);
			char *dot = strrchr(stem, '.');

			if (dot)
				*dot = '\0';
			snprintf(res->pcaps[res->npcaps], sizeof(res->pcaps[0]),
				 "%s/%s%s%s-%s-%s.pcap", r->opts->pcap_dir, stem,
				 r->plan->variant[0] ? "-" : "",
				 r->plan->variant[0] ? r->plan->variant : "",
				 r->plan->hosts[f->host].name, f->name);
			for (char *c = res->pcaps[res->npcaps] + strlen(r->opts->pcap_dir); *c; c++)
				if (*c == ' ' || *c == '=')
					*c = *c == ' ' ? '_' : '-';
			jobs[i].path = res->pcaps[res->npcaps++];
		}
		jobs[i].world = &r->world;
		jobs[i].host = f->host;
		jobs[i].ifname = f->name;
		/* Interfaces only for a pcap file are still opened, but their
		 * packets stay off the timeline (they would come twice). */
		jobs[i].iface = f->timeline ? i : -1;
		if (pthread_create(&th[i], NULL, cap_thread, &jobs[i]) != 0) {
			rc = errf(r->err, "cannot start a thread for the capture on '%s'", f->name);
			break;
		}
		started[i] = 1;
	}
	for (int i = 0; i < r->world.nifaces; i++) {
		if (!started[i])
			continue;
		pthread_join(th[i], NULL);
		res->caps[i] = jobs[i].cap;
		if (res->caps[i])
			res->ncaps = i + 1;
		if (jobs[i].rc < 0 && rc == 0)
			rc = errf(r->err, "%s", jobs[i].err);
	}
	return rc;
}

static void sysctl_notes(struct runner *r)
{
	struct run_result *res = r->res;

	for (int k = 0; k < world_ndefault_sysctls && res->nsysctls < RUN_NOTES_MAX; k++) {
		res->sysctl_host[res->nsysctls] = -1;
		res->sysctls[res->nsysctls++] = world_default_sysctls[k];
	}
	for (int h = 0; h < r->plan->nhosts; h++)
		for (int k = 0; k < r->plan->hosts[h].nsysctls && res->nsysctls < RUN_NOTES_MAX;
		     k++) {
			res->sysctl_host[res->nsysctls] = h;
			res->sysctls[res->nsysctls++] = r->plan->hosts[h].sysctls[k];
		}
}

int run_plan(const struct plan *plan, const struct run_opts *opts, struct run_result *res)
{
	struct runner r;
	struct utsname u;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	timeline_init(&res->tl);
	res->failed_step = -1;
	res->verdict = VERDICT_PASS;
	res->t0 = now_ns();
	r.plan = plan;
	r.opts = opts;
	r.res = res;
	if (uname(&u) == 0)
		snprintf(res->kernel, sizeof(res->kernel), "%s", u.release);

	/* programs started by run() get the trace library that sits beside
	 * the bindlab binary, unless BINDLAB_TRACE_LIB names another */
	if (!getenv("BINDLAB_TRACE_LIB")) {
		char exe[4096], lib[4200];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		char *slash;

		exe[n > 0 ? n : 0] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(lib, sizeof(lib), "%s/libbindlab-trace.so", exe);
			setenv("BINDLAB_TRACE_LIB", lib, 1);
		}
	}
	if (world_enter_userns(&res->rootless, r.err) < 0)
		goto err;
	if (world_init(&r.world, plan, r.err) < 0)
		goto err;
	r.have_world = 1;
	res->world_ns = now_ns() - res->t0;
	sysctl_notes(&r);

	r.sd = calloc((size_t)plan->nhosts, sizeof(*r.sd));
	r.actors = calloc((size_t)plan->nprocs, sizeof(*r.actors));
	if (!r.sd || !r.actors) {
		errf(r.err, "out of memory");
		goto err;
	}
	for (int h = 0; h < plan->nhosts; h++)
		if (world_enter(&r.world, h, r.err) < 0 || sockdiag_open(&r.sd[h], r.err) < 0)
			goto err;
	if (open_captures(&r) < 0)
		goto err;
	res->capture_ns = now_ns() - res->t0;

	if (make_reaper(&r) < 0)
		goto err;
	for (int p = 0; p < plan->nprocs; p++) {
		r.actors[p].exited = 1;
		r.actors[p].chan = -1;
		if (!plan->procs[p].forked &&
		    actor_spawn(&r.actors[p], plan, p, &r.world, r.err) < 0)
			goto err;
	}

	for (int i = 0; i < plan->nsteps && res->verdict == VERDICT_PASS; i++) {
		const struct plan_step *st = &plan->steps[i];
		int s;

		res->steps_run = i + 1;
		switch (st->kind) {
		case STEP_EXPECT_PACKETS:
		case STEP_WAIT_PACKETS:
			s = step_packets(&r, i);
			break;
		case STEP_EXPECT_SOCKET:
		case STEP_WAIT_SOCKET:
			s = step_socket(&r, i);
			break;
		case STEP_FASTFORWARD:
			s = step_fastforward(&r, i);
			break;
		case STEP_EXPECT_TRACED:
			s = step_traced(&r, i);
			break;
		default:
			s = step_call(&r, i);
			if (s == 0)
				s = drain(&r);
			break;
		}
		if (s < 0)
			goto err;
	}
	drain(&r);
	res->verdict_ns = now_ns() - res->t0;
	rc = 0;
	goto out;
err:
	res->verdict = VERDICT_ERROR;
	snprintf(res->error, sizeof(res->error), "%s", r.err);
	res->verdict_ns = now_ns() - res->t0;
out:
	if (r.actors)
		for (int p = 0; p < plan->nprocs; p++)
			actor_kill(&r.actors[p]);
	if (r.sd)
		for (int h = 0; h < plan->nhosts; h++)
			if (r.sd[h])
				sockdiag_free(r.sd[h]);
	free(r.sd);
	free(r.actors);
	free(r.memo);
	if (r.have_world)
		world_free(&r.world);
	return rc;
}

void run_finish(struct run_result *res)
{
	char err[ERRLEN];

	for (int i = 0; i < res->ncaps; i++) {
		unsigned f = 0, b = 0, d = 0;

		if (!res->caps[i])
			continue;
		capture_stats(res->caps[i], &f, &b, &d);
		res->frames += f;
		res->bad_frames += b;
		res->drops += d;
		capture_flush(res->caps[i], err);
	}
}
