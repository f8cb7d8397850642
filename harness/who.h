/* who.h - `bindlab who PORT|ADDR:PORT`: who holds a port in the namespace
 * bindlab runs in, read-only, and (--would-bind) whether a new bind would
 * succeed now, what blocks it and what would change that. */
#ifndef BINDLAB_WHO_H
#define BINDLAB_WHO_H

#include "rules.h"
#include "sockdiag.h"

struct who_opts {
	struct endpoint ep; /* the address asked about; 0.0.0.0 when only a port */
	int would_bind;
	int reuseaddr, reuseport, udp;
	int json;
};

#define WHO_MAX 256

struct who_sock {
	struct sockinfo s;
	int pid; /* owner, 0 when none */
	char comm[20];
	struct rsock r; /* as the rules see it (options known through pidfd_getfd) */
	int blocks;	/* with --would-bind: in the way of the new bind */
	enum rule why;
};

struct who_result {
	struct who_sock socks[WHO_MAX];
	int n;
	struct rsock cand; /* the bind asked about */
	struct prediction pred;
};

/* Read the socket table of the current namespace.  0 or -1 with err. */
int who_query(const struct who_opts *o, struct who_result *res, char *err);

#endif
