/* rules.c - see rules.h.  Each function follows one kernel function, named
 * in its comment, so that a disagreement with the kernel can be traced. */
#include "rules.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

/* The IPv4 view of a socket's address, as sk_rcv_saddr holds it: the address
 * itself, the v4 part of a v4-mapped IPv6 address, 0 for [::], and the
 * sentinel 127.0.0.6 (LOOPBACK4_IPV6) for any other IPv6 address. */
static uint32_t v4_view(const struct rsock *s)
{
	const struct in6_addr *a6 = &s->local.addr.u.v6;

	if (s->local.addr.family == AF_INET)
		return s->local.addr.u.v4.s_addr;
	if (IN6_IS_ADDR_UNSPECIFIED(a6))
		return 0;
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		uint32_t v;

		memcpy(&v, &a6->s6_addr[12], 4);
		return v;
	}
	return htonl(0x7f000006);
}

/* ipv4_rcv_saddr_equal(), match_wildcard both true */
static int v4_equal(uint32_t a, uint32_t b, int b_v6only)
{
	if (b_v6only)
		return 0;
	return a == b || a == 0 || b == 0;
}

enum { T_ANY, T_MAPPED, T_OTHER };

static int v6_type(const struct rsock *s)
{
	if (s->local.addr.family == AF_INET || IN6_IS_ADDR_V4MAPPED(&s->local.addr.u.v6))
		return T_MAPPED;
	if (IN6_IS_ADDR_UNSPECIFIED(&s->local.addr.u.v6))
		return T_ANY;
	return T_OTHER;
}

/* ipv6_rcv_saddr_equal(), match_wildcard both true; a is an IPv6 socket */
static int v6_equal(const struct rsock *a, const struct rsock *b)
{
	int ta = v6_type(a), tb = v6_type(b);

	if (ta == T_MAPPED && tb == T_MAPPED) {
		if (b->v6only && b->family == AF_INET6)
			return 0;
		uint32_t x = v4_view(a), y = v4_view(b);

		return x == y || x == 0 || y == 0;
	}
	if (ta == T_ANY && tb == T_ANY)
		return 1;
	if (tb == T_ANY && !(b->v6only && ta == T_MAPPED))
		return 1;
	if (ta == T_ANY && !(a->v6only && tb == T_MAPPED))
		return 1;
	return b->family == AF_INET6 && ta == T_OTHER && tb == T_OTHER &&
	       memcmp(&a->local.addr.u.v6, &b->local.addr.u.v6, 16) == 0;
}

/* inet_rcv_saddr_equal() */
int rules_overlap(const struct rsock *a, const struct rsock *b)
{
	if (a->family == AF_INET6)
		return v6_equal(a, b);
	return v4_equal(v4_view(a), v4_view(b), b->family == AF_INET6 && b->v6only);
}

/* inet_bind_conflict() with relax = true, reuseport_ok = true, no BPF */
static enum rule tcp_conflict(const struct rsock *sk, const struct rsock *sk2)
{
	int reuseport_ok =
	    sk->reuseport && sk2->reuseport && (sk2->state == TCP_TIME_WAIT || sk->uid == sk2->uid);

	if (sk->reuseaddr && sk2->reuseaddr && sk2->state != TCP_LISTEN)
		return RULE_NONE;
	if (reuseport_ok)
		return RULE_NONE;
	if (sk->reuseport && sk2->reuseport)
		return RULE_REUSEPORT_UID;
	if (sk2->state == TCP_LISTEN)
		return RULE_LISTENER;
	return RULE_NO_REUSEADDR;
}

/* udp_lib_lport_inuse() */
static enum rule udp_conflict(const struct rsock *sk, const struct rsock *sk2)
{
	if (sk->reuseaddr && sk2->reuseaddr)
		return RULE_NONE;
	if (sk->reuseport && sk2->reuseport && sk->uid == sk2->uid)
		return RULE_NONE;
	if (sk->reuseport && sk2->reuseport)
		return RULE_REUSEPORT_UID;
	return RULE_UDP_NO_REUSE;
}

void rules_predict(const struct rsock *cand, int listening, const struct rsock *socks, int n,
		   struct prediction *out)
{
	memset(out, 0, sizeof(*out));
	(void)listening; /* listen() re-runs the bind check with the same rules */
	for (int i = 0; i < n; i++) {
		const struct rsock *s = &socks[i];
		enum rule r;

		if (s->proto != cand->proto || s->local.port != cand->local.port)
			continue;
		if (!rules_overlap(cand, s))
			continue;
		r = cand->proto == IPPROTO_UDP ? udp_conflict(cand, s) : tcp_conflict(cand, s);
		if (r == RULE_NONE)
			continue;
		out->conflict = 1;
		if (out->n < RULES_MAX_CONFLICTS) {
			out->who[out->n] = i;
			out->why[out->n] = r;
			out->n++;
		}
	}
}

static const char *where(const struct rsock *s, const struct rsock *cand, char *buf, size_t len)
{
	if (addr_is_any(&s->local.addr) && !addr_is_any(&cand->local.addr))
		snprintf(buf, len,
			 "on the wildcard address, which covers every address of the host,");
	else if (addr_equal(&s->local.addr, &cand->local.addr))
		snprintf(buf, len, "on the same address");
	else if (addr_is_any(&cand->local.addr) && addr_is_any(&s->local.addr) &&
		 s->local.addr.family == AF_INET6)
		/* 0.0.0.0 and a dual-stack [::]: [::] covers every IPv4 address */
		snprintf(buf, len,
			 "on [::] without IPV6_V6ONLY, which covers every IPv4 address too,");
	else if (addr_is_any(&cand->local.addr) && addr_is_any(&s->local.addr))
		snprintf(buf, len,
			 "on 0.0.0.0, which the new [::] socket covers too (it has no "
			 "IPV6_V6ONLY),");
	else if (addr_is_any(&cand->local.addr)) {
		char a[INET6_ADDRSTRLEN];

		snprintf(buf, len, "on %s, an address the wildcard asked for covers,",
			 addr_str(&s->local.addr, a, sizeof(a)));
	} else
		snprintf(buf, len, "on an address that overlaps the one asked for");
	return buf;
}

const char *rules_sentence(enum rule r, const struct rsock *cand, const struct rsock *other,
			   char *buf, size_t len)
{
	char w[96];

	switch (r) {
	case RULE_LISTENER:
		snprintf(buf, len,
			 "a LISTEN socket %s holds the port, and SO_REUSEADDR never lets a second "
			 "socket share a port with a listener (only SO_REUSEPORT on both does)",
			 where(other, cand, w, sizeof(w)));
		break;
	case RULE_NO_REUSEADDR:
		if (other->state == TCP_TIME_WAIT)
			snprintf(
			    buf, len,
			    "a TIME_WAIT socket holds the port; a new bind may share it only if "
			    "the new socket sets SO_REUSEADDR (%s) and the TIME_WAIT one kept it "
			    "from the socket it came from (%s)",
			    cand->reuseaddr ? "it does" : "it does not",
			    !other->known      ? "unknown"
			    : other->reuseaddr ? "it did"
					       : "it did not");
		else
			snprintf(
			    buf, len,
			    "a %s socket %s holds the port; sharing it needs SO_REUSEADDR on both "
			    "(new socket: %s, old one: %s)",
			    other->state == TCP_CLOSE ? "bound" : "connected",
			    where(other, cand, w, sizeof(w)), cand->reuseaddr ? "on" : "off",
			    !other->known      ? "unknown"
			    : other->reuseaddr ? "on"
					       : "off");
		break;
	case RULE_REUSEPORT_UID:
		snprintf(
		    buf, len,
		    "both sockets set SO_REUSEPORT, but they belong to different users (uid %u "
		    "and %u): SO_REUSEPORT only groups sockets of one user",
		    cand->uid, other->uid);
		break;
	case RULE_UDP_NO_REUSE:
		snprintf(buf, len,
			 "a UDP socket %s holds the port; sharing it needs SO_REUSEADDR on both or "
			 "SO_REUSEPORT on both",
			 where(other, cand, w, sizeof(w)));
		break;
	default:
		snprintf(buf, len, "no conflict");
	}
	return buf;
}
