/* timeline.c - see timeline.h */
#include "timeline.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"

const struct ev_explain *event_explain(const struct event *e)
{
	if (e->kind == EV_CALL)
		return &e->u.call.expl;
	if (e->kind == EV_TRACE)
		return &e->u.trace.expl;
	return NULL;
}

void timeline_init(struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
	for (size_t i = 0; i < sizeof(tl->iface_host) / sizeof(tl->iface_host[0]); i++)
		tl->iface_host[i] = -1;
}

void timeline_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->n; i++) {
		const struct ev_explain *x = event_explain(&tl->ev[i]);

		if (x)
			free(x->holders);
	}
	free(tl->ev);
	free(tl->pkts);
	timeline_init(tl);
}

int timeline_add(struct timeline *tl, const struct event *ev, char *err)
{
	struct event *e;

	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 64;
		struct event *nev = realloc(tl->ev, cap * sizeof(*nev));

		if (!nev)
			return errf(err, "cannot grow the timeline: %s", strerror(ENOMEM));
		tl->ev = nev;
		tl->cap = cap;
	}
	e = &tl->ev[tl->n];
	*e = *ev;
	e->seq = tl->n; /* keeps the sort stable */
	struct ev_explain *x = (struct ev_explain *)event_explain(e);
	const struct ev_explain *from = event_explain(ev);

	if (x) {
		x->holders = NULL;
		if (from->nholders > 0) {
			x->holders = malloc((size_t)from->nholders * sizeof(*x->holders));
			if (!x->holders) {
				x->nholders = 0;
				return errf(err, "cannot grow the timeline: %s", strerror(ENOMEM));
			}
			memcpy(x->holders, from->holders,
			       (size_t)from->nholders * sizeof(*x->holders));
		}
	}
	tl->n++;
	return 0;
}

int timeline_add_pkt(struct timeline *tl, const struct pkt *p, char *err)
{
	struct event ev;
	size_t i;

	if (tl->npkts == tl->pkts_cap) {
		size_t cap = tl->pkts_cap ? tl->pkts_cap * 2 : 64;
		struct pkt *np = realloc(tl->pkts, cap * sizeof(*np));

		if (!np)
			return errf(err, "cannot grow the timeline: %s", strerror(ENOMEM));
		tl->pkts = np;
		tl->pkts_cap = cap;
	}
	/* Captures are drained one after another, so a packet may come in
	 * later than one stamped after it: insert from the back. */
	for (i = tl->npkts; i > 0 && tl->pkts[i - 1].ts_ns > p->ts_ns; i--)
		tl->pkts[i] = tl->pkts[i - 1];
	tl->pkts[i] = *p;
	tl->npkts++;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EV_PACKET;
	ev.t = p->ts_ns;
	ev.host = p->iface >= 0 && p->iface < 16 ? tl->iface_host[p->iface] : -1;
	ev.u.pkt = *p;
	return timeline_add(tl, &ev, err);
}

static int ev_cmp(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

void timeline_sort(struct timeline *tl)
{
	qsort(tl->ev, tl->n, sizeof(*tl->ev), ev_cmp);
}

static int addr_is_loopback(const struct addr *a)
{
	if (a->family == AF_INET)
		return (ntohl(a->u.v4.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&a->u.v6);
}

int timeline_peer_match(const struct plan *plan, const struct timeline *tl, const struct pkt *p,
			const struct pkt_peer *peer, int dst)
{
	const struct endpoint *e = dst ? &p->dst : &p->src;

	if (peer->port >= 0 && e->port != peer->port)
		return 0;
	if (peer->addr.family && !addr_equal(&peer->addr, &e->addr))
		return 0;
	if (peer->host >= 0) {
		const struct plan_host *h = &plan->hosts[peer->host];
		int iface_host = p->iface >= 0 && p->iface < 16 ? tl->iface_host[p->iface] : -1;

		for (int i = 0; i < h->naddrs; i++)
			if (addr_equal(&h->addrs[i], &e->addr))
				return 1;
		/* 127.0.0.1 belongs to whichever host's lo carried it */
		return addr_is_loopback(&e->addr) && iface_host == peer->host;
	}
	return 1;
}

static int pattern_match(const struct plan *plan, const struct timeline *tl, const struct pkt *p,
			 const struct pkt_pattern *pat)
{
	if (p->proto != pat->proto)
		return 0;
	if (pat->proto == IPPROTO_TCP && p->flags != pat->flags)
		return 0;
	return timeline_peer_match(plan, tl, p, &pat->src, 0) &&
	       timeline_peer_match(plan, tl, p, &pat->dst, 1);
}

int timeline_match_packets(const struct plan *plan, const struct timeline *tl,
			   const struct plan_step *st, size_t from, size_t *end, int *matched)
{
	const struct step_packets *pk = &st->u.packets;
	int k = 0;
	size_t i;

	for (i = from; i < tl->npkts && k < pk->npkts; i++)
		if (pattern_match(plan, tl, &tl->pkts[i], &pk->pkts[k]))
			k++;
	if (matched)
		*matched = k;
	if (k < pk->npkts)
		return 0;
	if (end)
		*end = i;
	return 1;
}

static const char *peer_str(const struct plan *plan, const struct pkt_peer *peer, char *buf,
			    size_t len)
{
	char a[64];

	if (peer->host >= 0 && peer->port >= 0)
		snprintf(buf, len, "%s:%d", plan->hosts[peer->host].name, peer->port);
	else if (peer->host >= 0)
		snprintf(buf, len, "%s", plan->hosts[peer->host].name);
	else if (peer->addr.family && peer->port >= 0) {
		struct endpoint e = {.addr = peer->addr, .port = (uint16_t)peer->port};

		endpoint_str(&e, buf, len);
	} else if (peer->addr.family)
		snprintf(buf, len, "%s", addr_str(&peer->addr, a, sizeof(a)));
	else if (peer->port >= 0)
		snprintf(buf, len, ":%d", peer->port);
	else
		snprintf(buf, len, "*");
	return buf;
}

const char *pattern_str(const struct plan *plan, const struct pkt_pattern *pat, char *buf,
			size_t len)
{
	char s[96], d[96], f[8];

	names_pkt(pat->proto, pat->flags, f, sizeof(f));
	snprintf(buf, len, "%s>%s %s", peer_str(plan, &pat->src, s, sizeof(s)),
		 peer_str(plan, &pat->dst, d, sizeof(d)), f);
	return buf;
}
