/* who.c - see who.h */
#include "who.h"

#include "explain.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The owner's options, read from a duplicate of its descriptor
 * (pidfd_getfd(2): allowed to root, or to a process that may ptrace it). */
static int owner_options(int pid, int fd, struct rsock *r)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), dup, v;
	socklen_t l = sizeof(v);

	if (pidfd < 0)
		return -1;
	dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (dup < 0)
		return -1;
	if (getsockopt(dup, SOL_SOCKET, SO_REUSEADDR, &v, &l) == 0)
		r->reuseaddr = v;
	l = sizeof(v);
	if (getsockopt(dup, SOL_SOCKET, SO_REUSEPORT, &v, &l) == 0)
		r->reuseport = v;
	close(dup);
	r->known = 1;
	return 0;
}

static int wanted(const struct who_opts *o, const struct sockinfo *s)
{
	struct rsock a = {0}, b = {0};

	if (s->local.port != o->ep.port)
		return 0;
	if (addr_is_any(&o->ep.addr) && o->ep.addr.family == AF_INET)
		return 1; /* a bare port: everything on it */
	a.family = o->ep.addr.family;
	a.local = o->ep;
	b.family = s->family;
	b.local = s->local;
	b.v6only = s->v6only > 0;
	return rules_overlap(&a, &b);
}

int who_query(const struct who_opts *o, struct who_result *res, char *err)
{
	static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	struct sockdiag *sd;
	struct rsock rs[WHO_MAX];

	memset(res, 0, sizeof(*res));
	if (sockdiag_open(&sd, err) < 0)
		return -1;
	for (int p = 0; p < 2; p++) {
		struct sockinfo *s = NULL;
		size_t n = 0;

		if (sockdiag_dump(sd, protos[p], &s, &n, err) < 0) {
			sockdiag_free(sd);
			return -1;
		}
		for (size_t k = 0; k < n && res->n < WHO_MAX; k++) {
			struct who_sock *w;
			int fd = -1;

			if (!wanted(o, &s[k]))
				continue;
			w = &res->socks[res->n++];
			w->s = s[k];
			explain_rsock(&s[k], &w->r);
			if (s[k].inode && sockdiag_owner_fd(s[k].inode, &w->pid, &fd, w->comm,
							    sizeof(w->comm)) == 0)
				owner_options(w->pid, fd, &w->r);
		}
		free(s);
	}
	sockdiag_free(sd);

	res->cand.proto = o->udp ? IPPROTO_UDP : IPPROTO_TCP;
	res->cand.family = o->ep.addr.family;
	res->cand.local = o->ep;
	res->cand.reuseaddr = o->reuseaddr;
	res->cand.reuseport = o->reuseport;
	res->cand.uid = (unsigned)geteuid();
	res->cand.known = 1;
	for (int k = 0; k < res->n; k++)
		rs[k] = res->socks[k].r;
	rules_predict(&res->cand, 0, rs, res->n, &res->pred);
	for (int k = 0; k < res->pred.n; k++) {
		res->socks[res->pred.who[k]].blocks = 1;
		res->socks[res->pred.who[k]].why = res->pred.why[k];
	}
	return 0;
}
