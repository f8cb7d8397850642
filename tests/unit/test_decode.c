/* test_decode.c - the packet decoder on committed pcap fixtures
 * (tests/fixtures/pcap/README.md says what each holds), broken ones too. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "names.h"
#include "plan.h"
#include "unit.h"

#define MAXP 16

struct frames {
	int n, dlt, rc[MAXP];
	struct pkt p[MAXP];
	char err[MAXP][ERRLEN];
	int read_error; /* pcap_next_ex said the file is damaged */
};

static int load(const char *name, struct frames *f)
{
	char path[512], perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/pcap/%s", unit_fixtures(), name);
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!pc)
		return -1;
	f->dlt = pcap_datalink(pc);
	while (f->n < MAXP && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		/* garbage, not zeros, before decoding: a field the decoder forgets
		 * to write must not pass a check that it is 0 */
		memset(&f->p[f->n], 0xa5, sizeof(f->p[f->n]));
		f->rc[f->n] = decode_frame(f->dlt, data, h->caplen, &f->p[f->n], f->err[f->n]);
		f->p[f->n].ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		f->n++;
	}
	f->read_error = rc == PCAP_ERROR;
	pcap_close(pc);
	return 0;
}

static const char *flags(const struct pkt *p)
{
	static char buf[8];

	return plan_flags_str(p->flags, buf, sizeof(buf));
}

static const char *ep(const struct endpoint *e)
{
	static char buf[2][80];
	static int k;

	k = !k;
	return endpoint_str(e, buf[k], sizeof(buf[k]));
}

static void check_conversation(const char *file, const char *s, const char *c)
{
	static const char *want[] = {"S", "S.", ".", "P.", "P.", "F.", "F.", "."};
	struct frames f;
	char sv[80], cl[80];

	ASSERT_EQ_INT(load(file, &f), 0);
	ASSERT_EQ_INT(f.n, 8);
	EXPECT_EQ_INT(f.dlt, DLT_EN10MB);
	snprintf(sv, sizeof(sv), "%s:8080", s);
	snprintf(cl, sizeof(cl), "%s:40000", c);
	for (int i = 0; i < 8; i++) {
		EXPECT_EQ_INT(f.rc[i], 1);
		EXPECT_EQ_INT(f.p[i].proto, IPPROTO_TCP);
		EXPECT_EQ_STR(flags(&f.p[i]), want[i]);
		EXPECT_EQ_INT(f.p[i].ts_ns, 1700000000ull * 1000000000ull + 1001ull * (unsigned)i);
	}
	EXPECT_EQ_STR(ep(&f.p[0].src), cl);
	EXPECT_EQ_STR(ep(&f.p[0].dst), sv);
	EXPECT_EQ_INT(f.p[0].seq, 1000);
	EXPECT_EQ_INT(f.p[1].seq, 5000);
	EXPECT_EQ_INT(f.p[1].ack, 1001);
	EXPECT_EQ_INT(f.p[3].payload_len, 5);
	EXPECT_EQ_INT(f.p[4].payload_len, 5);
	EXPECT_EQ_INT(f.p[5].payload_len, 0);
	EXPECT_EQ_STR(ep(&f.p[5].src), sv);
	EXPECT_EQ_INT(f.p[7].ack, 1007);
}

static void test_tcp4_conversation(void)
{
	check_conversation("tcp4-veth.pcap", "10.0.0.1", "10.0.0.2");
}

static void test_tcp6_conversation(void)
{
	check_conversation("tcp6-veth.pcap", "[fd00::1]", "[fd00::2]");
}

static void test_lo_rst_udp(void)
{
	struct frames f;

	ASSERT_EQ_INT(load("tcp4-lo.pcap", &f), 0);
	EXPECT_EQ_INT(f.rc[0], 1);
	EXPECT_EQ_STR(ep(&f.p[0].src), "127.0.0.1:40001");
	ASSERT_EQ_INT(load("rst.pcap", &f), 0);
	EXPECT_EQ_INT(f.p[0].flags, TH_RST | TH_ACK);
	ASSERT_EQ_INT(load("udp.pcap", &f), 0);
	ASSERT_EQ_INT(f.n, 2);
	EXPECT_EQ_INT(f.p[0].proto, IPPROTO_UDP);
	EXPECT_EQ_INT(f.p[0].payload_len, 5);
	EXPECT_EQ_INT(f.p[0].dst.port, 53);
	EXPECT_EQ_INT(f.p[1].proto, IPPROTO_UDP);
	EXPECT_EQ_INT(f.p[1].payload_len, 2);
	EXPECT_EQ_INT(f.p[1].src.addr.family, AF_INET6);
}

static void test_vlan_options_and_extension_headers(void)
{
	struct frames f;

	ASSERT_EQ_INT(load("vlan.pcap", &f), 0);
	EXPECT_EQ_INT(f.rc[0], 1);
	EXPECT_EQ_INT(f.p[0].dst.port, 8080);
	ASSERT_EQ_INT(load("options.pcap", &f), 0);
	EXPECT_EQ_INT(f.rc[0], 1);
	EXPECT_EQ_INT(f.p[0].seq, 7);
	EXPECT_EQ_STR(flags(&f.p[0]), "S");
	EXPECT_EQ_INT(f.rc[1], 1);
	EXPECT_EQ_INT(f.p[1].seq, 9);
	EXPECT_EQ_INT(f.p[1].dst.port, 8080);
}

static void test_cooked_raw_and_other_link_types(void)
{
	struct frames f;

	ASSERT_EQ_INT(load("sll2.pcap", &f), 0);
	EXPECT_EQ_INT(f.dlt, DLT_LINUX_SLL2);
	EXPECT_EQ_INT(f.rc[0], 1);
	EXPECT_EQ_STR(ep(&f.p[0].dst), "10.0.0.1:8080");
	ASSERT_EQ_INT(load("raw.pcap", &f), 0);
	EXPECT_EQ_INT(f.rc[0], 1);
	EXPECT_EQ_STR(ep(&f.p[0].dst), "10.0.0.1:8080");
	ASSERT_EQ_INT(load("other.pcap", &f), 0);
	EXPECT_EQ_INT(f.n, 2);
	EXPECT_EQ_INT(f.rc[0], 0);
	EXPECT_EQ_INT(f.rc[1], 0);
}

static void test_broken_frames_say_what_is_wrong(void)
{
	static const char *want[] = {
	    "truncated tcp header: 12 of 20 bytes", "truncated ipv4 header: 10 of 20 bytes",
	    "bad ipv4 header length: 12 bytes",	    "bad tcp data offset: 12 bytes",
	    "truncated ipv6 extension header",	    "truncated ethernet header: 10 of 14 bytes",
	};
	struct frames f;

	ASSERT_EQ_INT(load("broken.pcap", &f), 0);
	ASSERT_EQ_INT(f.n, 6);
	for (int i = 0; i < 6; i++) {
		EXPECT_EQ_INT(f.rc[i], -1);
		EXPECT_EQ_STR(f.err[i], want[i]);
	}
}

static void test_broken_files_fail_cleanly(void)
{
	struct frames f;

	EXPECT_EQ_INT(load("bad-magic.pcap", &f), -1);
	ASSERT_EQ_INT(load("cut-record.pcap", &f), 0);
	EXPECT_EQ_INT(f.n, 7);
	EXPECT_EQ_INT(f.read_error, 1);
}

static void test_short_buffers_never_overread(void)
{
	/* every prefix of a good frame decodes or fails, never reads past it
	 * (ASan checks the "never") */
	struct frames f;
	uint8_t buf[128];

	ASSERT_EQ_INT(load("options.pcap", &f), 0);
	for (size_t len = 0; len < 60; len++) {
		char path[512], perr[PCAP_ERRBUF_SIZE], err[ERRLEN];
		struct pcap_pkthdr *h;
		const u_char *data;
		struct pkt p;
		pcap_t *pc;

		snprintf(path, sizeof(path), "%s/pcap/options.pcap", unit_fixtures());
		pc = pcap_open_offline(path, perr);
		ASSERT_NOT_NULL(pc);
		EXPECT_EQ_INT(pcap_next_ex(pc, &h, &data), 1);
		memcpy(buf, data, len);
		uint8_t *exact = malloc(len ? len : 1);

		memcpy(exact, buf, len);
		int rc = decode_frame(DLT_EN10MB, exact, len, &p, err);

		EXPECT_TRUE(rc == -1 || (rc == 1 && len >= 14 + 28 + 20));
		free(exact);
		pcap_close(pc);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
	    {"tcp over ipv4: a whole conversation", test_tcp4_conversation},
	    {"tcp over ipv6: a whole conversation", test_tcp6_conversation},
	    {"lo, rst and udp", test_lo_rst_udp},
	    {"vlan, ip options, ipv6 extension headers", test_vlan_options_and_extension_headers},
	    {"cooked, raw and other link types", test_cooked_raw_and_other_link_types},
	    {"broken frames say what is wrong", test_broken_frames_say_what_is_wrong},
	    {"broken files fail cleanly", test_broken_files_fail_cleanly},
	    {"short buffers never overread", test_short_buffers_never_overread},
	    CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
	    {"decode", NULL, NULL, NULL, NULL, tests},
	    CU_SUITE_INFO_NULL,
	};

	return unit_main(suites);
}
