/* explain.c - see explain.h */
#include "explain.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner.h"

void memo_free(struct memo *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

struct memo_sock *memo_find(struct memo *m, uint64_t inode)
{
	for (int k = 0; k < m->n; k++)
		if (m->v[k].inode == inode)
			return &m->v[k];
	return NULL;
}

struct memo_sock *memo_get(struct memo *m, uint64_t inode)
{
	struct memo_sock *s = memo_find(m, inode);

	if (s)
		return s;
	struct memo_sock *nv = array_grow(m->v, &m->cap, m->n + 1, sizeof(*nv));

	if (!nv)
		return NULL;
	m->v = nv;
	s = &m->v[m->n++];
	memset(s, 0, sizeof(*s));
	s->inode = inode;
	s->proc = -1;
	return s;
}

const struct memo_sock *memo_for(const struct memo *m, const struct sockinfo *s)
{
	if (s->inode) {
		for (int k = 0; k < m->n; k++)
			if (m->v[k].inode == s->inode)
				return &m->v[k];
		return NULL;
	}
	for (int k = m->n - 1; k >= 0; k--)
		if (m->v[k].has_remote && m->v[k].local.port == s->local.port &&
		    m->v[k].remote.port == s->remote.port &&
		    addr_equal(&m->v[k].local.addr, &s->local.addr) &&
		    addr_equal(&m->v[k].remote.addr, &s->remote.addr))
			return &m->v[k];
	return NULL;
}

void explain_rsock(const struct sockinfo *s, struct rsock *o)
{
	memset(o, 0, sizeof(*o));
	o->proto = s->proto;
	o->family = s->family;
	o->state = s->state;
	o->local = s->local;
	o->v6only = s->v6only > 0;
	o->uid = s->uid;
}

void explain_note_reply(struct runner *r, int proc, const struct actor_reply *rep)
{
	struct memo_sock *m;

	if (!rep->inode || !(m = memo_get(&r->memo, rep->inode)))
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

static void rsock_from(struct runner *r, int host, const struct sockinfo *s, struct rsock *o)
{
	const struct memo_sock *m = memo_for(&r->memo, s);

	explain_rsock(s, o);
	if (m) {
		o->known = 1;
		o->reuseaddr = m->reuseaddr;
		o->reuseport = m->reuseport;
		return;
	}
	/* a socket of a traced program: it inherited its listener's options
	 * (an accepted socket does, and its TIME_WAIT keeps them) */
	for (int k = 0; k < r->res->nprogs; k++) {
		const struct result_program *pg = &r->res->progs[k];

		if (pg->listen_port == s->local.port && r->plan->procs[pg->proc].host == host) {
			o->known = 1;
			o->reuseaddr = pg->listen_reuse[0];
			o->reuseport = pg->listen_reuse[1];
		}
	}
}

/* Put cand to the model against the sockets of host (its own socket,
 * self_inode, left out).  Returns 1 if the model predicts EADDRINUSE, 0 if
 * not; when the kernel did return EADDRINUSE, x gets the sockets in the way
 * with the rule for each. */
static int judge(struct runner *r, int host, const struct rsock *cand, uint64_t self_inode,
		 int kernel_eaddrinuse, struct ev_explain *x)
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
		struct memo_sock *m = all[k].inode ? memo_find(&r->memo, all[k].inode) : NULL;

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
	/* a connection still in a listener's accept queue has no file (inode
	 * 0), so nobody told us its options: it has its listener's, as the
	 * kernel copies them into the child (inet_csk_clone_lock) */
	for (size_t k = 0; k < nall; k++) {
		if (rs[k].known || all[k].inode || rs[k].state == TCP_LISTEN ||
		    rs[k].state == TCP_TIME_WAIT)
			continue;
		for (size_t l = 0; l < nall; l++)
			if (rs[l].state == TCP_LISTEN && rs[l].known &&
			    rs[l].proto == rs[k].proto && rs[l].local.port == rs[k].local.port &&
			    (addr_is_any(&rs[l].local.addr) ||
			     addr_equal(&rs[l].local.addr, &rs[k].local.addr))) {
				rs[k].known = 1;
				rs[k].reuseaddr = rs[l].reuseaddr;
				rs[k].reuseport = rs[l].reuseport;
				rs[k].uid = rs[l].uid;
			}
	}
	rules_predict(cand, 0, rs, (int)nall, &pr);
	if (!kernel_eaddrinuse)
		goto out;

	x->holders = calloc(EV_HOLDERS_MAX, sizeof(*x->holders));
	if (!x->holders || !all)
		goto out;
	for (int k = 0; k < pr.n && x->nholders < EV_HOLDERS_MAX; k++) {
		struct ev_holder *h = &x->holders[x->nholders++];
		const struct sockinfo *s = &all[pr.who[k]];
		const struct memo_sock *m = memo_for(&r->memo, s);

		h->sock = *s;
		h->proc = s->inode && m ? m->proc : -1;
		h->prog = -1;
		if (s->inode && sockdiag_owner(s->inode, &h->pid, h->comm, sizeof(h->comm)) == 0) {
			/* who holds it now, not who made it: the maker may have
			 * closed it, exited or become another program, a forked
			 * copy or a program run() started keeping it */
			h->proc = -1;
			for (int p = 0; p < r->plan->nprocs; p++)
				if (r->actors[p].pid == h->pid)
					h->proc = p;
			if (h->proc >= 0 && !r->actors[h->proc].exited)
				h->comm[0] = '\0'; /* an actor: its name says it */
			/* the pid the report's programs are named by */
			h->pid = sockdiag_pid_inner(h->pid);
			for (int g = 0; h->proc < 0 && g < r->res->nprogs; g++)
				if (r->res->progs[g].pid == h->pid)
					h->prog = g;
		} else if (h->proc >= 0 && !r->actors[h->proc].exited) {
			h->pid = sockdiag_pid_inner(r->actors[h->proc].pid);
		} else {
			h->proc = -1;
			h->pid = 0;
		}
		rules_sentence(pr.why[k], cand, &rs[pr.who[k]], h->why, sizeof(h->why));
	}
	/* the kernel said no and the model found nothing: show what is there */
	for (size_t k = 0; !pr.conflict && k < nall && x->nholders < EV_HOLDERS_MAX; k++) {
		struct ev_holder *h;

		if (all[k].local.port != cand->local.port || all[k].proto != cand->proto)
			continue;
		h = &x->holders[x->nholders++];
		h->sock = all[k];
		h->proc = -1;
		h->prog = -1;
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
void explain_call(struct runner *r, const struct plan_step *st, const struct actor_reply *rep,
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
			struct memo_sock *m = memo_get(&r->memo, as[k].inode);

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
				cand.local = st->kind == STEP_BIND ? st->u.bind.ep : as[k].local;
				cand.known = found = 1;
			}
		}
	}
	if (!found)
		return;
	struct ev_model *model = &ev->u.call.model;

	model->applicable =
	    cand.local.port != 0 && port_before != 0 && (rep->ret == 0 || kernel_eaddrinuse);
	model->predicted =
	    judge(r, host, &cand, rep->inode, kernel_eaddrinuse, &ev->u.call.expl) == 1;
	model->agrees = !model->applicable || model->predicted == kernel_eaddrinuse;
}

/* A traced program's bind failed with EADDRINUSE: the same explanation,
 * with the program's options known from its own traced setsockopt calls. */
void explain_traced(struct runner *r, const struct prog_live *live, struct event *ev)
{
	const struct trace_rec *t = &ev->u.trace.rec;
	struct rsock cand;
	int fd = t->fd >= 0 && t->fd < PROG_FDS_MAX ? t->fd : -1;

	memset(&cand, 0, sizeof(cand));
	cand.proto = fd >= 0 && live->fdtype[fd] == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	cand.family = t->family;
	cand.local = program_trace_endpoint(t);
	cand.reuseaddr = fd >= 0 && live->fdreuse[fd][0];
	cand.reuseport = fd >= 0 && live->fdreuse[fd][1];
	cand.uid = (unsigned)geteuid();
	cand.known = 1;
	judge(r, ev->host, &cand, 0, 1, &ev->u.trace.expl);
}
