/* actor.h - one process per (host, process) of a scenario.
 *
 * An actor is a forked process living in its host's network namespace.  It
 * waits on a socketpair for a step number, performs that step of the plan
 * (it has the plan in memory: fork copied it) on its own descriptors, and
 * answers with the real return value, errno and the time around the call,
 * on the clock libpcap stamps packets with.  A "fork" step forks the actor
 * itself: the child keeps every descriptor, exactly as a server's worker
 * would, and talks to the runner over a new socketpair. */
#ifndef BINDLAB_ACTOR_H
#define BINDLAB_ACTOR_H

#include <sys/types.h>

#include "plan.h"
#include "world.h"

struct actor_reply {
	long ret;
	int err;	  /* errno when ret == -1, else 0 */
	uint64_t t_start; /* just before the syscall */
	uint64_t t_end;	  /* just after it returned */
	int has_local;	  /* getsockname() after bind, connect, accept, listen */
	struct endpoint local;
	int has_peer; /* getpeername() after connect, accept */
	struct endpoint peer;
	int fd;			  /* the descriptor the step created or used, -1 none */
	uint64_t inode;		  /* its socket inode (as sock_diag names it), 0 none */
	int reuseaddr, reuseport; /* that socket's options after the call */
	int killed;		  /* stop: the grace period ran out, SIGKILL was sent */
	char data[PLAN_DATA_MAX]; /* recv = "text": the first bytes read */
	size_t datalen;
};

struct actor {
	int proc;   /* index into plan.procs */
	pid_t pid;  /* as the runner's /proc sees it */
	int chan;   /* the runner's end of the socketpair, -1 once gone */
	int exited; /* the process is gone (exit step, crash, or killed) */
};

struct sandbox;

/* Fork an actor for plan->procs[proc] in its host's namespace.  Descriptors
 * of the runner other than the channel are closed in the child.  With sb
 * (grading), its sockets belong to the sandbox's uid and every program it
 * starts runs in the sandbox (sandbox.h).  Returns 0 or -1 with err. */
int actor_spawn(struct actor *a, const struct plan *plan, int proc, const struct world *w,
		const struct sandbox *sb, char *err);

/* Send step (an index into plan->steps) to a and wait up to timeout_ms for
 * the answer.  Returns 0 with *rep filled, or -1 with err when the actor
 * died or did not answer in time (then it is killed and marked exited). */
int actor_call(struct actor *a, int step, long timeout_ms, struct actor_reply *rep, char *err);

/* The same, passing descriptors along with the step (a run step: the write
 * ends of the program's stdout, stderr and trace pipes). */
int actor_call_fds(struct actor *a, int step, const int *fds, int nfds, long timeout_ms,
		   struct actor_reply *rep, char *err);

/* A fork step: parent forks; child becomes a new actor for plan->steps[step].proc.
 * rep->ret is the child's pid (0 on failure with rep->err set). */
int actor_fork(struct actor *parent, struct actor *child, const struct plan *plan, int step,
	       long timeout_ms, struct actor_reply *rep, char *err);

/* An exec step: the actor becomes another program.  Returns 0 with rep->ret
 * 0 when it did (the actor then takes no more steps: a->exited, but the
 * process lives on until the world ends), or rep->ret -1 and rep->err when
 * exec failed; -1 with err if the actor was lost. */
int actor_exec(struct actor *a, int step, long timeout_ms, struct actor_reply *rep, char *err);

/* How the program pid that actor a started ended: its exit status, 128 +
 * the signal that killed it, or -1 (still running after wait_ms, not a
 * child of a, the actor gone).  Reaps it. */
long actor_reap(struct actor *a, int pid, int wait_ms, long timeout_ms);

/* What the kernel says of a program's socket option (actor_peek). */
struct actor_peek {
	int fd;	 /* the descriptor looked at (fd < 0 asked: the first with it on), or -1 */
	int val; /* the option's value there */
	int err; /* why nothing could be read (the program or the descriptor is gone) */
};

/* Ask the actor a that started program pid (a pid of the actor's namespace)
 * for the integer option level/optname of its descriptor fd, or (fd < 0)
 * for the first of its sockets where that option is on.  0 with *pk, or -1
 * (the actor is gone). */
int actor_peek(struct actor *a, int pid, int fd, int level, int optname, long timeout_ms,
	       struct actor_peek *pk);

/* What an actor knows of one of its sockets that sock_diag does not say. */
struct actor_sock {
	int fd;
	uint64_t inode;
	int family, proto;
	int reuseaddr, reuseport, v6only;
	unsigned uid;
	int has_local;
	struct endpoint local;
};

#define ACTOR_SOCKS_MAX 64

/* Ask a live actor for its sockets and their options (SO_REUSEADDR,
 * SO_REUSEPORT, IPV6_V6ONLY, owner uid).  Fills out[] (at most
 * ACTOR_SOCKS_MAX); returns how many, or -1 with err. */
int actor_describe(struct actor *a, struct actor_sock *out, long timeout_ms, char *err);

/* SIGKILL the actor (if still there) and close the channel; idempotent. */
void actor_kill(struct actor *a);

#endif
