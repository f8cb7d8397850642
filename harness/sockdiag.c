/* sockdiag.c - see sockdiag.h */
#include "sockdiag.h"

#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A request buffer: libmnl's MNL_SOCKET_BUFFER_SIZE is a run-time value
 * and cannot size an initialised array. */
#define REQ_LEN 8192

struct sockdiag {
	struct mnl_socket *nl;
	unsigned portid, seq;
};

int sockdiag_open(struct sockdiag **out, char *err)
{
	struct sockdiag *sd = calloc(1, sizeof(*sd));

	*out = NULL;
	if (!sd)
		return errf(err, "out of memory");
	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!sd->nl) {
		free(sd);
		return errf(err, "cannot open sock_diag: %s", strerror(errno));
	}
	if (mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		sockdiag_free(sd);
		return errf(err, "cannot bind sock_diag: %s", strerror(e));
	}
	sd->portid = mnl_socket_get_portid(sd->nl);
	*out = sd;
	return 0;
}

void sockdiag_free(struct sockdiag *sd)
{
	if (!sd)
		return;
	if (sd->nl)
		mnl_socket_close(sd->nl);
	free(sd);
}

struct parse_ctx {
	struct sockinfo *v;
	size_t n, cap;
	int proto;
	char *err;
};

static void id_endpoints(const struct inet_diag_msg *m, struct sockinfo *s)
{
	s->local.addr.family = s->remote.addr.family = m->idiag_family;
	if (m->idiag_family == AF_INET) {
		memcpy(&s->local.addr.u.v4, m->id.idiag_src, 4);
		memcpy(&s->remote.addr.u.v4, m->id.idiag_dst, 4);
	} else {
		memcpy(&s->local.addr.u.v6, m->id.idiag_src, 16);
		memcpy(&s->remote.addr.u.v6, m->id.idiag_dst, 16);
	}
	s->local.port = ntohs(m->id.idiag_sport);
	s->remote.port = ntohs(m->id.idiag_dport);
}

static int parse_one(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *c = data;
	const struct inet_diag_msg *m;
	struct sockinfo *s;
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		errf(c->err, "truncated inet_diag_msg: %zu of %zu bytes",
		     mnl_nlmsg_get_payload_len(nlh), sizeof(*m));
		return MNL_CB_ERROR;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct sockinfo *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			errf(c->err, "out of memory");
			return MNL_CB_ERROR;
		}
		c->v = nv;
		c->cap = cap;
	}
	s = &c->v[c->n];
	memset(s, 0, sizeof(*s));
	s->family = m->idiag_family;
	s->proto = c->proto;
	s->state = m->idiag_state;
	id_endpoints(m, s);
	s->timer = m->idiag_timer;
	s->expires_ms = m->idiag_expires;
	s->retrans = m->idiag_retrans;
	s->uid = m->idiag_uid;
	s->inode = m->idiag_inode;
	s->cookie[0] = m->id.idiag_cookie[0];
	s->cookie[1] = m->id.idiag_cookie[1];
	s->v6only = -1;
	mnl_attr_for_each(a, nlh, sizeof(*m))
	{
		if (mnl_attr_get_type(a) == INET_DIAG_SKV6ONLY && mnl_attr_get_payload_len(a) >= 1)
			s->v6only = *(const uint8_t *)mnl_attr_get_payload(a);
		if (mnl_attr_get_type(a) == INET_DIAG_PROTOCOL && mnl_attr_get_payload_len(a) >= 1)
			s->proto = *(const uint8_t *)mnl_attr_get_payload(a);
	}
	/* the loop stops at the first attribute that does not fit: if that is
	 * before the end of the message, the message is malformed */
	if ((const char *)a + NLA_HDRLEN <= (const char *)mnl_nlmsg_get_payload_tail(nlh)) {
		errf(c->err, "inet_diag attribute runs past its message");
		return MNL_CB_ERROR;
	}
	c->n++;
	return MNL_CB_OK;
}

/* Parse netlink replies; 1 when more are coming, 0 at NLMSG_DONE, -1 error. */
static int parse_buf(struct parse_ctx *c, const void *buf, size_t len, unsigned seq,
		     unsigned portid)
{
	const struct nlmsghdr *nlh = buf;
	int rc;

	/* mnl_cb_run stops quietly at a truncated header: check it here */
	for (size_t left = len; left > 0;) {
		if (left < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > left)
			return errf(c->err,
				    "truncated netlink message: %zu bytes left, header says %u",
				    left, left >= sizeof(*nlh) ? nlh->nlmsg_len : 0);
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				return errf(c->err, "truncated netlink error message");
			return errf(c->err, "sock_diag refused the dump: %s", strerror(-e->error));
		}
		left -= NLMSG_ALIGN(nlh->nlmsg_len) < left ? NLMSG_ALIGN(nlh->nlmsg_len) : left;
		nlh = (const struct nlmsghdr *)((const char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
	}
	rc = mnl_cb_run(buf, len, seq, portid, parse_one, c);
	if (rc == MNL_CB_ERROR && !c->err[0])
		errf(c->err, "cannot parse sock_diag reply: %s", strerror(errno));
	return rc == MNL_CB_ERROR ? -1 : rc == MNL_CB_STOP ? 0 : 1;
}

int sockdiag_parse(const void *buf, size_t len, struct sockinfo **out, size_t *n, char *err)
{
	struct parse_ctx c = {.err = err, .proto = IPPROTO_TCP};

	err[0] = '\0';
	*out = NULL;
	*n = 0;
	if (parse_buf(&c, buf, len, 0, 0) < 0) {
		free(c.v);
		return -1;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

static int dump_family(struct sockdiag *sd, int family, int proto, struct parse_ctx *c)
{
	char buf[REQ_LEN * 4] = {0}; /* attribute padding goes on the wire */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	ssize_t n;
	int rc;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++sd->seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = (uint8_t)proto;
	req->idiag_states = ~0u;
	/* ask for v6only: it decides whether [::] also takes IPv4 */
	req->idiag_ext = 0;
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return errf(c->err, "cannot ask sock_diag: %s", strerror(errno));
	c->proto = proto;
	do {
		n = mnl_socket_recvfrom(sd->nl, buf, sizeof(buf));
		if (n < 0)
			return errf(c->err, "cannot read sock_diag: %s", strerror(errno));
		rc = parse_buf(c, buf, (size_t)n, sd->seq, sd->portid);
	} while (rc > 0);
	return rc;
}

int sockdiag_dump(struct sockdiag *sd, int proto, struct sockinfo **out, size_t *n, char *err)
{
	struct parse_ctx c = {.err = err};

	err[0] = '\0';
	*out = NULL;
	*n = 0;
	if (dump_family(sd, AF_INET, proto, &c) < 0 || dump_family(sd, AF_INET6, proto, &c) < 0) {
		free(c.v);
		return -1;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int sockdiag_destroy(struct sockdiag *sd, const struct sockinfo *s, char *err)
{
	char buf[REQ_LEN] = {0}; /* attribute padding goes on the wire */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	ssize_t n;

	nlh->nlmsg_type = SOCK_DESTROY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++sd->seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)s->family;
	req->sdiag_protocol = (uint8_t)s->proto;
	req->idiag_states = ~0u;
	req->id.idiag_sport = htons(s->local.port);
	req->id.idiag_dport = htons(s->remote.port);
	memcpy(req->id.idiag_src, &s->local.addr.u, s->family == AF_INET ? 4 : 16);
	memcpy(req->id.idiag_dst, &s->remote.addr.u, s->family == AF_INET ? 4 : 16);
	req->id.idiag_cookie[0] = s->cookie[0];
	req->id.idiag_cookie[1] = s->cookie[1];
	req->id.idiag_if = 0;
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return errf(err, "cannot ask sock_diag to destroy: %s", strerror(errno));
	n = mnl_socket_recvfrom(sd->nl, buf, sizeof(buf));
	if (n < 0)
		return errf(err, "cannot read sock_diag: %s", strerror(errno));
	if (mnl_cb_run(buf, (size_t)n, sd->seq, sd->portid, NULL, NULL) < 0)
		return errf(err, "the kernel refused to destroy the socket: %s (%s)",
			    strerror(errno), errno_name(errno));
	return 0;
}

int sockdiag_owner_fd(uint64_t inode, int *pid, int *fd, char *comm, size_t commlen)
{
	char want[48], path[600], link[64];
	DIR *proc = opendir("/proc");
	struct dirent *p;

	*pid = 0;
	*fd = -1;
	if (comm && commlen)
		comm[0] = '\0';
	if (!proc || !inode) {
		if (proc)
			closedir(proc);
		return -1;
	}
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
	while ((p = readdir(proc))) {
		DIR *fds;
		struct dirent *f;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		while ((f = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, f->d_name);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, want) == 0) {
				*pid = atoi(p->d_name);
				*fd = atoi(f->d_name);
				break;
			}
		}
		closedir(fds);
		if (*pid)
			break;
	}
	closedir(proc);
	if (!*pid)
		return -1;
	if (comm && commlen) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", *pid);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, (int)commlen, f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	return 0;
}

int sockdiag_pid_inner(int pid)
{
	char path[64], line[256];
	FILE *f;
	int inner = pid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f)) {
		char *last;

		/* "NSpid:\t21914\t4": the last is the innermost namespace's */
		if (strncmp(line, "NSpid:", 6))
			continue;
		line[strcspn(line, "\n")] = '\0';
		last = strrchr(line, '\t');
		if (last && atoi(last + 1) > 0)
			inner = atoi(last + 1);
		break;
	}
	fclose(f);
	return inner;
}

int sockdiag_owner(uint64_t inode, int *pid, char *comm, size_t commlen)
{
	int fd;

	return sockdiag_owner_fd(inode, pid, &fd, comm, commlen);
}
