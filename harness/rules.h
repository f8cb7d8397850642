/* rules.h - a model, in C, of how Linux decides whether a bind() or listen()
 * conflicts with the sockets already on a port (inet_csk_bind_conflict and
 * inet_rcv_saddr_equal for TCP, udp_lib_lport_inuse for UDP, kernel 6.x).
 *
 * It explains EADDRINUSE: which socket is in the way and by which rule.  It
 * is not trusted on its word: every bind and listen that bindlab runs is
 * predicted by the model first and compared with what the kernel returned
 * (the JSON's "model" entries; tests/e2e/test_model.py fails on any
 * disagreement).  Not modelled: SO_BINDTODEVICE, BPF reuseport programs. */
#ifndef BINDLAB_RULES_H
#define BINDLAB_RULES_H

#include "common.h"

/* A socket as the rules see it. */
struct rsock {
	int proto;  /* IPPROTO_TCP, IPPROTO_UDP */
	int family; /* AF_INET, AF_INET6 */
	int state;  /* TCP_* (UDP: TCP_CLOSE or TCP_ESTABLISHED) */
	struct endpoint local;
	int reuseaddr; /* SO_REUSEADDR (a TIME_WAIT keeps its parent's) */
	int reuseport; /* SO_REUSEPORT */
	int v6only;    /* IPV6_V6ONLY */
	unsigned uid;  /* the socket's owner uid */
	int known;     /* reuseaddr/reuseport are known (else assumed 0) */
};

/* Why a socket is (or is not) in the way. */
enum rule {
	RULE_NONE = 0,
	RULE_LISTENER,	    /* a LISTEN socket overlaps: SO_REUSEADDR never overrides it */
	RULE_NO_REUSEADDR,  /* overlapping, and SO_REUSEADDR is not on both sockets */
	RULE_REUSEPORT_UID, /* SO_REUSEPORT on both, but different users */
	RULE_UDP_NO_REUSE,  /* UDP: overlapping, neither both SO_REUSEADDR nor both SO_REUSEPORT */
};

#define RULES_MAX_CONFLICTS 8

struct prediction {
	int conflict;		      /* 1: EADDRINUSE */
	int n;			      /* conflicting sockets */
	int who[RULES_MAX_CONFLICTS]; /* indexes into the socket list */
	enum rule why[RULES_MAX_CONFLICTS];
};

/* Do the local addresses of a and b overlap (wildcards, dual-stack [::],
 * v4-mapped addresses and IPV6_V6ONLY taken into account)?  Ports are not
 * compared. */
int rules_overlap(const struct rsock *a, const struct rsock *b);

/* Would cand, binding (listening = 0) or starting to listen (listening = 1)
 * on cand->local, conflict with any of the n sockets in socks?  Sockets on
 * other ports or of the other protocol are ignored. */
void rules_predict(const struct rsock *cand, int listening, const struct rsock *socks, int n,
		   struct prediction *out);

/* One plain sentence for a rule, e.g. "a LISTEN socket on the wildcard
 * address covers every address of the host, and SO_REUSEADDR never lets a
 * second socket share a port with a listener". */
const char *rules_sentence(enum rule r, const struct rsock *cand, const struct rsock *other,
			   char *buf, size_t len);

#endif
