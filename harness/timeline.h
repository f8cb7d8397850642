/* timeline.h - syscall results, packets, checks and harness notes of one run,
 * merged on one clock (CLOCK_REALTIME ns, as libpcap stamps packets).
 * Pure data and matching: no kernel, unit-tested in tests/unit/test_timeline.c. */
#ifndef BINDLAB_TIMELINE_H
#define BINDLAB_TIMELINE_H

#include "decode.h"
#include "plan.h"
#include "sockdiag.h"
#include "trace/trace.h"

enum ev_kind {
	EV_CALL,   /* a syscall step an actor performed */
	EV_PACKET, /* a packet seen on a timeline interface */
	EV_CHECK,  /* an expectation or wait, passed or failed */
	EV_NOTE,   /* something the harness did or saw (a sysctl, a kill) */
	EV_TRACE,  /* a socket call of a program started by run(), traced */
};

#define EV_MSG_MAX 400
#define EV_HOLDERS_MAX 8

/* The sockets found in the way of a bind/listen that failed with
 * EADDRINUSE (a call's or a traced program's), from the rules model. */
struct ev_holder {
	struct sockinfo sock;
	int proc; /* index into plan.procs, -1 if none of the scenario's */
	int pid;  /* owner pid in bindlab's pid namespace (as the report's programs), 0 none */
	int prog; /* index into result.progs when a run() program holds it, -1 */
	char comm[20];
	char why[320]; /* the rule, in one sentence (rules.h) */
};

struct ev_explain {
	struct ev_holder *holders; /* owned by the event; timeline_add copies them */
	int nholders;
};

/* The model's prediction for a bind or listen (rules.h), next to what the
 * kernel did. */
struct ev_model {
	int applicable; /* 0: port 0, an unbound listen, or another errno */
	int predicted;	/* 1: the model said EADDRINUSE */
	int agrees;	/* predicted == (the kernel returned EADDRINUSE) */
};

/* EV_CALL: a syscall step an actor performed. */
struct ev_call {
	int step; /* index into plan.steps */
	int proc; /* index into plan.procs */
	long ret;
	int err;
	uint64_t t_end;
	int has_local, has_peer;
	struct endpoint local, peer;
	int fd;
	struct ev_model model; /* a bind or listen */
	struct ev_explain expl;
};

/* EV_CHECK: an expectation or wait, passed or failed. */
struct ev_check {
	int step;
	int ok;
	char msg[EV_MSG_MAX]; /* what was seen, or the failure */
};

/* EV_NOTE: something the harness did or saw (a sysctl, a kill). */
struct ev_note {
	char msg[EV_MSG_MAX];
};

/* EV_TRACE: a socket call of a program started by run(). */
struct ev_trace {
	struct trace_rec rec;
	int prog;		/* index into result.progs */
	int proc;		/* the scenario process that started the program */
	struct ev_explain expl; /* a bind that failed with EADDRINUSE */
};

struct event {
	enum ev_kind kind;
	uint64_t t; /* when it happened (a call: when it started) */
	int host;   /* the host it belongs to; -1 for harness-wide notes */
	size_t seq; /* order of arrival, set by timeline_add */
	union {
		struct ev_call call;
		struct pkt pkt;
		struct ev_check check;
		struct ev_note note;
		struct ev_trace trace;
	} u;
};

/* The sockets in the way that an event carries (a call or a trace), or NULL. */
const struct ev_explain *event_explain(const struct event *e);

struct timeline {
	struct event *ev;
	size_t n, cap;
	/* Packets of the timeline interfaces in time order; pkts[i].iface is
	 * the world interface index, mapped to a host by iface_host. */
	struct pkt *pkts;
	size_t npkts, pkts_cap;
	int iface_host[16];
};

void timeline_init(struct timeline *tl);
void timeline_free(struct timeline *tl);
/* Append a copy of ev (holders are copied too).  -1 with err on ENOMEM. */
int timeline_add(struct timeline *tl, const struct event *ev, char *err);
/* Insert a packet in time order (it also becomes an EV_PACKET event). */
int timeline_add_pkt(struct timeline *tl, const struct pkt *p, char *err);
/* Sort events by time, stable (calls before the packets they caused when
 * equal).  Reports call it once at the end. */
void timeline_sort(struct timeline *tl);

/* Does p's source (dst=0) or destination (dst=1) match peer? A host matches
 * its addresses, and loopback addresses seen on its own lo. */
int timeline_peer_match(const struct plan *plan, const struct timeline *tl, const struct pkt *p,
			const struct pkt_peer *peer, int dst);

/* Look for the step's packet patterns, in order, among tl->pkts[from..];
 * other packets may come between.  Returns 1 and sets *end to the index after
 * the last matched packet, or 0 and sets *matched to how many patterns were
 * found (for the failure message). */
int timeline_match_packets(const struct plan *plan, const struct timeline *tl,
			   const struct plan_step *st, size_t from, size_t *end, int *matched);

/* "server>client F." for a pattern, into buf. */
const char *pattern_str(const struct plan *plan, const struct pkt_pattern *pat, char *buf,
			size_t len);

#endif
