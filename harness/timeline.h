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

struct ev_call {
	int step;
	long ret;
	int err;
	uint64_t t_end;
	int has_local, has_peer;
	struct endpoint local, peer;
	int fd;
};

/* A socket found in the way of a bind/listen/connect that failed with
 * EADDRINUSE, and who owns it. */
struct ev_holder {
	struct sockinfo sock;
	int proc; /* index into plan.procs, -1 if none of the scenario's */
	int pid;  /* owner pid, 0 when none (TIME_WAIT has no owner) */
	char comm[20];
	char why[320]; /* the rule, in one sentence (rules.h) */
};

/* The model's prediction for a bind or listen (rules.h), next to what the
 * kernel did. */
struct ev_model {
	int applicable; /* 0: port 0, an unbound listen, or another errno */
	int predicted;	/* 1: the model said EADDRINUSE */
	int agrees;	/* predicted == (the kernel returned EADDRINUSE) */
};

struct event {
	enum ev_kind kind;
	uint64_t t; /* when it happened (a call: when it started) */
	int proc;   /* EV_CALL: the process; else -1 */
	int host;   /* the host it belongs to; -1 for harness-wide notes */
	struct ev_call call;
	struct pkt pkt;
	int ok;			   /* EV_CHECK */
	int step;		   /* EV_CHECK: the step; EV_NOTE: -1 */
	char msg[EV_MSG_MAX];	   /* EV_CHECK: the failure; EV_NOTE: the text */
	struct ev_holder *holders; /* EV_CALL that failed with EADDRINUSE */
	struct ev_model model;	   /* EV_CALL of a bind or listen */
	struct trace_rec trace;	   /* EV_TRACE */
	int prog;		   /* EV_TRACE: index into run_result.progs */
	int nholders;
	size_t seq; /* order of arrival, set by timeline_add */
};

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
