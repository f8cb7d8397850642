/* sockdiag.h - the socket table of one network namespace through
 * NETLINK_SOCK_DIAG (inet_diag), as ss(8) reads it.
 *
 * A sockdiag handle is bound to the namespace the calling thread is in at
 * sockdiag_open() time; it keeps answering for that namespace after setns(). */
#ifndef BINDLAB_SOCKDIAG_H
#define BINDLAB_SOCKDIAG_H

#include "common.h"

/* Timer kinds as inet_diag reports them (idiag_timer). */
enum sock_timer {
	TIMER_NONE = 0,
	TIMER_RETRANS = 1,
	TIMER_KEEPALIVE = 2,
	TIMER_TIMEWAIT = 3,
	TIMER_PROBE = 4,
};

struct sockinfo {
	int family; /* AF_INET, AF_INET6 */
	int proto;  /* IPPROTO_TCP, IPPROTO_UDP */
	int state;  /* TCP_* numbering (UDP: TCP_CLOSE or TCP_ESTABLISHED) */
	struct endpoint local, remote;
	int timer;	     /* enum sock_timer */
	unsigned expires_ms; /* time left on the timer */
	unsigned retrans;
	unsigned uid;
	uint64_t inode;	    /* 0 for TIME_WAIT (no struct socket, no owner) */
	uint32_t cookie[2]; /* idiag_cookie: names the socket for SOCK_DESTROY */
	int v6only;	    /* INET_DIAG_SKV6ONLY, -1 if not reported */
};

struct sockdiag;

int sockdiag_open(struct sockdiag **sd, char *err);
void sockdiag_free(struct sockdiag *sd);

/* Every socket of proto (IPPROTO_TCP or IPPROTO_UDP), both families, all
 * states.  *out is malloc'ed (free() it); returns 0 or -1 with err. */
int sockdiag_dump(struct sockdiag *sd, int proto, struct sockinfo **out, size_t *n, char *err);

/* Parse a raw dump (the bytes of the netlink replies, as recorded in
 * tests/fixtures/sockdiag) into sockets: the unit tests parse recorded dumps.
 * Returns 0 or -1 with err on a malformed message. */
int sockdiag_parse(const void *buf, size_t len, struct sockinfo **out, size_t *n, char *err);

/* Destroy one socket (SOCK_DESTROY, as `ss -K` does); needs
 * CONFIG_INET_DIAG_DESTROY and CAP_NET_ADMIN.  -1 with err naming the
 * errno (EOPNOTSUPP where the kernel lacks it). */
int sockdiag_destroy(struct sockdiag *sd, const struct sockinfo *s, char *err);

/* The process holding the socket with this inode (found through the fd links in /proc), its
 * pid and command.  -1 when none is found (TIME_WAIT, or not readable). */
int sockdiag_owner(uint64_t inode, int *pid, char *comm, size_t commlen);
/* pid (as /proc names it) as its innermost pid namespace sees it: for a
 * process of bindlab's world, the pid its report shows.  pid if unknown. */
int sockdiag_pid_inner(int pid);
/* The same, and the descriptor number the owner holds it under. */
int sockdiag_owner_fd(uint64_t inode, int *pid, int *fd, char *comm, size_t commlen);

#endif
