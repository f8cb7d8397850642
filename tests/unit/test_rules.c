/* test_rules.c - the model of the kernel's bind rules on hand-built socket
 * tables.  (tests/e2e/test_model.py proves it against the kernel itself.) */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "rules.h"
#include "unit.h"

static struct rsock mk(int proto, const char *ep, int state)
{
	struct rsock s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	endpoint_parse(ep, &s.local);
	s.family = s.local.addr.family;
	s.state = state;
	s.known = 1;
	return s;
}

#define TCP(ep, st) mk(IPPROTO_TCP, ep, st)

static void test_overlap(void)
{
	struct rsock any4 = TCP("0.0.0.0:80", TCP_LISTEN), one = TCP("10.0.0.1:80", TCP_LISTEN),
		     other = TCP("10.0.0.3:80", TCP_LISTEN), any6 = TCP("[::]:80", TCP_LISTEN),
		     six = TCP("[fd00::1]:80", TCP_LISTEN),
		     mapped = TCP("[::ffff:10.0.0.1]:80", TCP_LISTEN);

	EXPECT_TRUE(rules_overlap(&one, &any4));
	EXPECT_TRUE(rules_overlap(&any4, &one));
	EXPECT_FALSE(rules_overlap(&one, &other));
	/* dual-stack [::] covers IPv4, both ways */
	EXPECT_TRUE(rules_overlap(&any6, &one));
	EXPECT_TRUE(rules_overlap(&one, &any6));
	EXPECT_TRUE(rules_overlap(&any4, &any6));
	/* ... but not with IPV6_V6ONLY */
	any6.v6only = 1;
	EXPECT_FALSE(rules_overlap(&any6, &one));
	EXPECT_FALSE(rules_overlap(&one, &any6));
	EXPECT_TRUE(rules_overlap(&any6, &six));
	/* a v4-mapped address is the IPv4 address */
	EXPECT_TRUE(rules_overlap(&mapped, &one));
	EXPECT_FALSE(rules_overlap(&mapped, &other));
	EXPECT_FALSE(rules_overlap(&six, &one));
}

static void test_listener_beats_reuseaddr(void)
{
	struct rsock old = TCP("0.0.0.0:8080", TCP_LISTEN), cand = TCP("10.0.0.1:8080", TCP_CLOSE);
	struct prediction p;
	char buf[400];

	old.reuseaddr = cand.reuseaddr = 1;
	rules_predict(&cand, 0, &old, 1, &p);
	EXPECT_EQ_INT(p.conflict, 1);
	EXPECT_EQ_INT(p.why[0], RULE_LISTENER);
	rules_sentence(p.why[0], &cand, &old, buf, sizeof(buf));
	EXPECT_STR_CONTAINS(buf, "wildcard address, which covers every address");
	EXPECT_STR_CONTAINS(buf, "SO_REUSEADDR never lets");
}

/* Where the holder is, said of each pair of addresses. */
static void test_where_the_holder_is(void)
{
	struct rsock spec = TCP("10.0.0.1:8080", TCP_LISTEN), any = TCP("0.0.0.0:8080", TCP_CLOSE),
		     any6 = TCP("[::]:8080", TCP_CLOSE), any4 = TCP("0.0.0.0:8080", TCP_LISTEN),
		     same = TCP("10.0.0.1:8080", TCP_CLOSE);
	char buf[400];

	rules_sentence(RULE_LISTENER, &any, &spec, buf, sizeof(buf));
	EXPECT_STR_CONTAINS(buf, "a LISTEN socket on 10.0.0.1, an address the wildcard asked for "
				 "covers, holds the port");
	rules_sentence(RULE_LISTENER, &any6, &any4, buf, sizeof(buf));
	EXPECT_STR_CONTAINS(buf, "a LISTEN socket on 0.0.0.0, which the new [::] socket covers "
				 "too (it has no IPV6_V6ONLY), holds the port");
	any6.state = TCP_LISTEN;
	any4.state = TCP_CLOSE;
	rules_sentence(RULE_LISTENER, &any4, &any6, buf, sizeof(buf));
	EXPECT_STR_CONTAINS(buf, "a LISTEN socket on [::] without IPV6_V6ONLY, which covers every "
				 "IPv4 address too, holds the port");
	rules_sentence(RULE_LISTENER, &same, &spec, buf, sizeof(buf));
	EXPECT_STR_CONTAINS(buf, "a LISTEN socket on the same address holds the port");
}

static void test_timewait_needs_reuseaddr_on_both(void)
{
	struct rsock tw = TCP("10.0.0.1:8080", TCP_TIME_WAIT),
		     cand = TCP("10.0.0.1:8080", TCP_CLOSE);
	struct prediction p;

	for (int o = 0; o < 2; o++)
		for (int n = 0; n < 2; n++) {
			tw.reuseaddr = o;
			cand.reuseaddr = n;
			rules_predict(&cand, 0, &tw, 1, &p);
			EXPECT_EQ_INT(p.conflict, !(o && n));
			EXPECT_EQ_INT(p.n, !(o && n));
			if (!(o && n))
				EXPECT_EQ_INT(p.why[0], RULE_NO_REUSEADDR);
		}
}

static void test_reuseport_same_user_only(void)
{
	struct rsock old = TCP("10.0.0.1:8080", TCP_LISTEN), cand = TCP("10.0.0.1:8080", TCP_CLOSE);
	struct prediction p;

	old.reuseport = cand.reuseport = 1;
	rules_predict(&cand, 1, &old, 1, &p);
	EXPECT_EQ_INT(p.conflict, 0);
	cand.uid = 65534;
	rules_predict(&cand, 1, &old, 1, &p);
	EXPECT_EQ_INT(p.conflict, 1);
	EXPECT_EQ_INT(p.why[0], RULE_REUSEPORT_UID);
	/* a TIME_WAIT socket has no user to differ */
	old.state = TCP_TIME_WAIT;
	rules_predict(&cand, 0, &old, 1, &p);
	EXPECT_EQ_INT(p.conflict, 0);
}

static void test_udp(void)
{
	struct rsock old = mk(IPPROTO_UDP, "10.0.0.1:53", TCP_CLOSE),
		     cand = mk(IPPROTO_UDP, "10.0.0.1:53", TCP_CLOSE);
	struct prediction p;

	rules_predict(&cand, 0, &old, 1, &p);
	EXPECT_EQ_INT(p.conflict, 1);
	EXPECT_EQ_INT(p.why[0], RULE_UDP_NO_REUSE);
	old.reuseaddr = cand.reuseaddr = 1;
	rules_predict(&cand, 0, &old, 1, &p);
	EXPECT_EQ_INT(p.conflict, 0);
}

static void test_other_ports_and_protocols_are_ignored(void)
{
	struct rsock socks[2] = {TCP("10.0.0.1:8081", TCP_LISTEN),
				 mk(IPPROTO_UDP, "10.0.0.1:8080", TCP_CLOSE)};
	struct rsock cand = TCP("10.0.0.1:8080", TCP_CLOSE);
	struct prediction p;

	rules_predict(&cand, 0, socks, 2, &p);
	EXPECT_EQ_INT(p.conflict, 0);
	EXPECT_EQ_INT(p.n, 0);
}

int main(void)
{
	CU_TestInfo tests[] = {
	    {"address overlap: wildcards, dual-stack, v6only, v4-mapped", test_overlap},
	    {"a listener beats SO_REUSEADDR", test_listener_beats_reuseaddr},
	    {"where the holder is", test_where_the_holder_is},
	    {"TIME_WAIT needs SO_REUSEADDR on both", test_timewait_needs_reuseaddr_on_both},
	    {"SO_REUSEPORT groups one user only", test_reuseport_same_user_only},
	    {"udp", test_udp},
	    {"other ports and protocols are ignored", test_other_ports_and_protocols_are_ignored},
	    CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
	    {"rules", NULL, NULL, NULL, NULL, tests},
	    CU_SUITE_INFO_NULL,
	};

	return unit_main(suites);
}
