/* test_timeline.c - merging packets on one clock and matching "expect
 * packets" patterns against them, on hand-built plans and packets. */
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <string.h>

#include "timeline.h"
#include "unit.h"

static struct plan_host hosts[2];
static struct plan plan;

static int setup(void)
{
	memset(hosts, 0, sizeof(hosts));
	snprintf(hosts[0].name, sizeof(hosts[0].name), "server");
	addr_parse("10.0.0.1", &hosts[0].addrs[0]);
	hosts[0].naddrs = 1;
	snprintf(hosts[1].name, sizeof(hosts[1].name), "client");
	addr_parse("10.0.0.2", &hosts[1].addrs[0]);
	hosts[1].naddrs = 1;
	memset(&plan, 0, sizeof(plan));
	plan.hosts = hosts;
	plan.nhosts = 2;
	return 0;
}

static struct pkt mk(uint64_t ts, const char *src, const char *dst, uint8_t flags, int iface)
{
	struct pkt p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.iface = iface;
	p.proto = IPPROTO_TCP;
	endpoint_parse(src, &p.src);
	endpoint_parse(dst, &p.dst);
	p.flags = flags;
	return p;
}

static struct pkt_pattern pat(int src_host, int dst_host, uint8_t flags)
{
	struct pkt_pattern x;

	memset(&x, 0, sizeof(x));
	x.src.host = src_host;
	x.src.port = -1;
	x.dst.host = dst_host;
	x.dst.port = -1;
	x.proto = IPPROTO_TCP;
	x.flags = flags;
	return x;
}

#define FA (TH_FIN | TH_ACK)

/* The server-closes-first teardown, with the ACK of the first FIN between. */
static void add_teardown(struct timeline *tl)
{
	char err[ERRLEN];
	struct pkt p[] = {
	    mk(100, "10.0.0.1:8080", "10.0.0.2:40000", FA, 0),
	    mk(110, "10.0.0.2:40000", "10.0.0.1:8080", TH_ACK, 0),
	    mk(120, "10.0.0.2:40000", "10.0.0.1:8080", FA, 0),
	    mk(130, "10.0.0.1:8080", "10.0.0.2:40000", TH_ACK, 0),
	};

	/* drained out of order, as two captures may deliver them */
	EXPECT_EQ_INT(timeline_add_pkt(tl, &p[2], err), 0);
	EXPECT_EQ_INT(timeline_add_pkt(tl, &p[0], err), 0);
	EXPECT_EQ_INT(timeline_add_pkt(tl, &p[3], err), 0);
	EXPECT_EQ_INT(timeline_add_pkt(tl, &p[1], err), 0);
}

static void test_packets_are_kept_in_time_order(void)
{
	struct timeline tl;

	timeline_init(&tl);
	add_teardown(&tl);
	EXPECT_EQ_INT(tl.npkts, 4);
	for (size_t i = 1; i < tl.npkts; i++)
		EXPECT_TRUE(tl.pkts[i - 1].ts_ns <= tl.pkts[i].ts_ns);
	EXPECT_EQ_INT(tl.pkts[0].flags, FA);
	EXPECT_EQ_INT(tl.pkts[0].src.port, 8080);
	timeline_free(&tl);
}

static void test_subsequence_matches_with_packets_between(void)
{
	struct timeline tl;
	struct plan_step st;
	size_t end = 0;
	int matched = -1;

	timeline_init(&tl);
	add_teardown(&tl);
	memset(&st, 0, sizeof(st));
	st.u.packets.pkts[0] = pat(0, 1, FA);
	st.u.packets.pkts[1] = pat(1, 0, FA);
	st.u.packets.pkts[2] = pat(0, 1, TH_ACK);
	st.u.packets.npkts = 3;
	EXPECT_EQ_INT(timeline_match_packets(&plan, &tl, &st, 0, &end, &matched), 1);
	EXPECT_EQ_INT(matched, 3);
	EXPECT_EQ_INT(end, 4);
	/* after the cursor nothing is left to match */
	EXPECT_EQ_INT(timeline_match_packets(&plan, &tl, &st, end, &end, &matched), 0);
	EXPECT_EQ_INT(matched, 0);
	timeline_free(&tl);
}

static void test_wrong_order_or_flags_do_not_match(void)
{
	struct timeline tl;
	struct plan_step st;
	int matched = -1;

	timeline_init(&tl);
	add_teardown(&tl);
	memset(&st, 0, sizeof(st));
	/* the client did not close first */
	st.u.packets.pkts[0] = pat(1, 0, FA);
	st.u.packets.pkts[1] = pat(0, 1, FA);
	st.u.packets.npkts = 2;
	EXPECT_EQ_INT(timeline_match_packets(&plan, &tl, &st, 0, NULL, &matched), 0);
	EXPECT_EQ_INT(matched, 1);
	/* an RST never came */
	st.u.packets.pkts[0] = pat(0, 1, TH_RST);
	st.u.packets.npkts = 1;
	EXPECT_EQ_INT(timeline_match_packets(&plan, &tl, &st, 0, NULL, &matched), 0);
	EXPECT_EQ_INT(matched, 0);
	timeline_free(&tl);
}

static void test_peers_by_port_and_address(void)
{
	struct timeline tl;
	struct pkt p = mk(1, "10.0.0.2:40000", "10.0.0.1:8080", TH_SYN, 0);
	struct pkt_peer peer = {.host = -1, .port = 8080};

	timeline_init(&tl);
	EXPECT_EQ_INT(timeline_peer_match(&plan, &tl, &p, &peer, 1), 1);
	EXPECT_EQ_INT(timeline_peer_match(&plan, &tl, &p, &peer, 0), 0);
	addr_parse("10.0.0.2", &peer.addr);
	peer.port = -1;
	EXPECT_EQ_INT(timeline_peer_match(&plan, &tl, &p, &peer, 0), 1);
	EXPECT_EQ_INT(timeline_peer_match(&plan, &tl, &p, &peer, 1), 0);
	timeline_free(&tl);
}

static void test_loopback_belongs_to_the_host_whose_lo_carried_it(void)
{
	struct timeline tl;
	struct pkt p = mk(1, "127.0.0.1:40000", "127.0.0.1:8080", TH_SYN, 2);
	struct pkt_peer server = {.host = 0, .port = -1}, client = {.host = 1, .port = -1};

	timeline_init(&tl);
	tl.iface_host[2] = 1; /* interface 2 is the client's lo */
	EXPECT_EQ_INT(timeline_peer_match(&plan, &tl, &p, &client, 0), 1);
	EXPECT_EQ_INT(timeline_peer_match(&plan, &tl, &p, &server, 0), 0);
	timeline_free(&tl);
}

static void test_events_sort_by_time_calls_before_packets(void)
{
	struct timeline tl;
	struct event e;
	struct pkt p = mk(50, "10.0.0.2:40000", "10.0.0.1:8080", TH_SYN, 0);
	char err[ERRLEN];

	timeline_init(&tl);
	EXPECT_EQ_INT(timeline_add_pkt(&tl, &p, err), 0);
	memset(&e, 0, sizeof(e));
	e.kind = EV_CALL;
	e.t = 50;
	e.u.call.proc = 1;
	EXPECT_EQ_INT(timeline_add(&tl, &e, err), 0);
	e.kind = EV_NOTE;
	e.t = 10;
	EXPECT_EQ_INT(timeline_add(&tl, &e, err), 0);
	timeline_sort(&tl);
	EXPECT_EQ_INT(tl.n, 3);
	EXPECT_EQ_INT(tl.ev[0].kind, EV_NOTE);
	EXPECT_EQ_INT(tl.ev[1].kind, EV_CALL);
	EXPECT_EQ_INT(tl.ev[2].kind, EV_PACKET);
	timeline_free(&tl);
}

static void test_holders_are_copied(void)
{
	struct timeline tl;
	struct event e;
	struct ev_holder h[2];
	char err[ERRLEN];

	timeline_init(&tl);
	memset(&e, 0, sizeof(e));
	memset(h, 0, sizeof(h));
	h[1].pid = 42;
	e.kind = EV_CALL;
	e.u.call.expl.holders = h;
	e.u.call.expl.nholders = 2;
	EXPECT_EQ_INT(timeline_add(&tl, &e, err), 0);
	/* a traced call's holders are the event's own too */
	e.kind = EV_TRACE;
	memset(&e.u, 0, sizeof(e.u));
	e.u.trace.expl.holders = h;
	e.u.trace.expl.nholders = 1;
	EXPECT_EQ_INT(timeline_add(&tl, &e, err), 0);
	h[1].pid = 0;
	h[0].pid = 7;
	EXPECT_TRUE(tl.ev[0].u.call.expl.holders != h);
	EXPECT_EQ_INT(tl.ev[0].u.call.expl.holders[1].pid, 42);
	EXPECT_TRUE(tl.ev[1].u.trace.expl.holders != h);
	EXPECT_EQ_INT(tl.ev[1].u.trace.expl.holders[0].pid, 0);
	timeline_free(&tl);
}

static void test_pattern_str_reads_like_the_scenario(void)
{
	struct pkt_pattern x = pat(0, 1, FA);
	char buf[128];

	EXPECT_EQ_STR(pattern_str(&plan, &x, buf, sizeof(buf)), "server>client F.");
	x.dst.host = -1;
	x.dst.port = 8080;
	x.proto = IPPROTO_UDP;
	EXPECT_EQ_STR(pattern_str(&plan, &x, buf, sizeof(buf)), "server>:8080 udp");
}

int main(void)
{
	CU_TestInfo tests[] = {
	    {"packets are kept in time order", test_packets_are_kept_in_time_order},
	    {"subsequence matches with packets between",
	     test_subsequence_matches_with_packets_between},
	    {"wrong order or flags do not match", test_wrong_order_or_flags_do_not_match},
	    {"peers by port and address", test_peers_by_port_and_address},
	    {"loopback belongs to the host whose lo carried it",
	     test_loopback_belongs_to_the_host_whose_lo_carried_it},
	    {"events sort by time, calls before packets",
	     test_events_sort_by_time_calls_before_packets},
	    {"holders are copied", test_holders_are_copied},
	    {"pattern_str reads like the scenario", test_pattern_str_reads_like_the_scenario},
	    CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
	    {"timeline", setup, NULL, NULL, NULL, tests},
	    CU_SUITE_INFO_NULL,
	};

	return unit_main(suites);
}
