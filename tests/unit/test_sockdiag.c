/* test_sockdiag.c - the sock_diag parser on recorded dumps
 * (tests/fixtures/sockdiag/README.md), broken ones included, as iproute2
 * tests ss on saved dumps. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "sockdiag.h"
#include "unit.h"

static char err[ERRLEN];

static int parse(const char *name, struct sockinfo **s, size_t *n)
{
	char path[512], *buf;
	long len;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/sockdiag/%s", unit_fixtures(), name);
	f = fopen(path, "rb");
	ASSERT_NOT_NULL(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	ASSERT_EQ_INT(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	/* a message left by an earlier parse must not pass for this one's */
	memset(err, 0, sizeof(err));
	rc = sockdiag_parse(buf, (size_t)len, s, n, err);
	free(buf);
	return rc;
}

static const char *ep(const struct endpoint *e)
{
	static char b[2][80];
	static int k;

	k = !k;
	return endpoint_str(e, b[k], sizeof(b[k]));
}

static void test_listener_and_connection(void)
{
	struct sockinfo *s;
	size_t n;
	int listen = 0, est = 0;

	ASSERT_EQ_INT(parse("listen-established.bin", &s, &n), 0);
	EXPECT_EQ_INT(n, 3);
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ_INT(s[i].family, AF_INET);
		EXPECT_TRUE(s[i].inode != 0);
		if (s[i].state == TCP_LISTEN) {
			listen++;
			EXPECT_EQ_STR(ep(&s[i].local), "127.0.0.1:8080");
			EXPECT_EQ_INT(s[i].remote.port, 0);
		}
		if (s[i].state == TCP_ESTABLISHED) {
			est++;
			EXPECT_TRUE(s[i].local.port == 8080 || s[i].remote.port == 8080);
		}
	}
	EXPECT_EQ_INT(listen, 1);
	EXPECT_EQ_INT(est, 2);
	free(s);
}

static void test_timewait_has_no_inode_and_a_timer(void)
{
	struct sockinfo *s;
	size_t n;

	ASSERT_EQ_INT(parse("timewait.bin", &s, &n), 0);
	ASSERT_EQ_INT(n, 1);
	EXPECT_EQ_INT(s[0].state, TCP_TIME_WAIT);
	EXPECT_EQ_STR(tcp_state_name(s[0].state), "TIME_WAIT");
	EXPECT_EQ_STR(ep(&s[0].local), "127.0.0.1:8080");
	EXPECT_EQ_INT(s[0].inode, 0);
	EXPECT_EQ_INT(s[0].timer, TIMER_TIMEWAIT);
	EXPECT_TRUE(s[0].expires_ms > 0 && s[0].expires_ms <= 60000);
	free(s);
}

static void test_ipv6_v6only(void)
{
	struct sockinfo *s;
	size_t n;
	int seen = 0;

	ASSERT_EQ_INT(parse("ipv6.bin", &s, &n), 0);
	EXPECT_EQ_INT(n, 2);
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ_INT(s[i].family, AF_INET6);
		EXPECT_EQ_INT(s[i].state, TCP_LISTEN);
		if (s[i].local.port == 9000) {
			EXPECT_EQ_STR(ep(&s[i].local), "[::1]:9000");
			EXPECT_EQ_INT(s[i].v6only, 1);
			seen++;
		}
		if (s[i].local.port == 9001) {
			EXPECT_EQ_STR(ep(&s[i].local), "[::]:9001");
			EXPECT_EQ_INT(s[i].v6only, 0);
			seen++;
		}
	}
	EXPECT_EQ_INT(seen, 2);
	free(s);
}

static void test_udp_bound_and_connected(void)
{
	struct sockinfo *s;
	size_t n;

	ASSERT_EQ_INT(parse("udp.bin", &s, &n), 0);
	ASSERT_EQ_INT(n, 2);
	/* find each socket by its port first: an assertion inside an `if`
	 * that never matches asserts nothing */
	const struct sockinfo *bound = NULL, *conn = NULL;

	for (size_t i = 0; i < n; i++) {
		if (s[i].local.port == 5353)
			bound = &s[i];
		if (s[i].local.port == 5354)
			conn = &s[i];
	}
	ASSERT_NOT_NULL(bound);
	ASSERT_NOT_NULL(conn);
	EXPECT_EQ_INT(bound->state, TCP_CLOSE);
	EXPECT_EQ_INT(conn->state, TCP_ESTABLISHED);
	EXPECT_EQ_UINT(conn->remote.port, 5353);
	free(s);
}

static void test_empty_table(void)
{
	struct sockinfo *s = NULL;
	size_t n = 99;

	EXPECT_EQ_INT(parse("empty.bin", &s, &n), 0);
	EXPECT_EQ_INT(n, 0);
	free(s);
}

static void test_broken_dumps_say_what_is_wrong(void)
{
	struct sockinfo *s = NULL;
	size_t n;

	EXPECT_EQ_INT(parse("broken-truncated.bin", &s, &n), -1);
	EXPECT_NOT_NULL(strstr(err, "truncated netlink message"));
	EXPECT_NULL(s);
	EXPECT_EQ_INT(parse("broken-attribute.bin", &s, &n), -1);
	EXPECT_EQ_STR(err, "inet_diag attribute runs past its message");
	EXPECT_EQ_INT(parse("broken-error.bin", &s, &n), -1);
	EXPECT_EQ_STR(err, "sock_diag refused the dump: Invalid argument");
}

int main(void)
{
	CU_TestInfo tests[] = {
	    {"a listener and a connection", test_listener_and_connection},
	    {"TIME_WAIT has no inode and a timer", test_timewait_has_no_inode_and_a_timer},
	    {"IPv6 and v6only", test_ipv6_v6only},
	    {"UDP bound and connected", test_udp_bound_and_connected},
	    {"an empty table", test_empty_table},
	    {"broken dumps say what is wrong", test_broken_dumps_say_what_is_wrong},
	    CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
	    {"sockdiag", NULL, NULL, NULL, NULL, tests},
	    CU_SUITE_INFO_NULL,
	};

	return unit_main(suites);
}
