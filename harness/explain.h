/* explain.h - why a bind or listen failed: what bindlab knows of each
 * socket's options (the memo) put to the kernel's rules (rules.h).
 *
 * sock_diag tells a socket's state, addresses and uid, not its
 * SO_REUSEADDR; a TIME_WAIT or orphaned socket has no inode and no owner
 * any more.  So the memo keeps what actors said of their sockets, by inode,
 * and matches a socket no process holds by its two endpoints: that is how
 * a TIME_WAIT keeps the options of the socket it came from.  `who` uses
 * the same conversion from the socket table to the rules' view. */
#ifndef BINDLAB_EXPLAIN_H
#define BINDLAB_EXPLAIN_H

#include "rules.h"
#include "sockdiag.h"

struct memo_sock {
	uint64_t inode;
	int proc; /* the scenario process that told, -1 */
	struct endpoint local, remote;
	int has_remote;
	int reuseaddr, reuseport;
};

struct memo {
	struct memo_sock *v;
	int n, cap;
};

void memo_free(struct memo *m);
/* The entry of inode, or NULL. */
struct memo_sock *memo_find(struct memo *m, uint64_t inode);
/* The entry of inode, made if new; NULL on ENOMEM. */
struct memo_sock *memo_get(struct memo *m, uint64_t inode);
/* The entry for a socket of the table: by inode, or, for a socket no
 * process holds any more, by its two endpoints; NULL if none. */
const struct memo_sock *memo_for(const struct memo *m, const struct sockinfo *s);

/* A socket of the table as the rules see it (options unknown). */
void explain_rsock(const struct sockinfo *s, struct rsock *out);

struct runner;
struct actor_reply;
struct plan_step;
struct event;
struct result_program;
struct prog_live;

/* Remember what a step's reply says of its socket. */
void explain_note_reply(struct runner *r, int proc, const struct actor_reply *rep);
/* Put an actor's bind or listen that just returned to the model; for an
 * EADDRINUSE fill ev with the sockets in the way and why. */
void explain_call(struct runner *r, const struct plan_step *st, const struct actor_reply *rep,
		  uint64_t port_before, struct event *ev);
/* The same for a traced program's bind that failed with EADDRINUSE. */
void explain_traced(struct runner *r, const struct prog_live *live, struct event *ev);

#endif
