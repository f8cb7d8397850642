/* test_parser.c - the scenario language: every statement into the exact
 * plan fields, and the edges of the input (CRLF, no final newline, tabs).
 * The malformed fixtures are checked end to end by tests/e2e/test_bad_input.py
 * and here, through plan_parse_file, for their exact position. */
#include <dirent.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "plan.h"
#include "unit.h"

static struct plan *plans;
static int nplans;
static char err[ERRLEN];

static const char *fixture(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/scn/%s", unit_fixtures(), name);
	return path;
}

/* The step written on line of p: tests find steps as a reader does, by
 * their line, and fail (not crash) when there is none. */
static const struct plan_step *at_line(const struct plan *p, int line)
{
	static const struct plan_step none = {.kind = -1};

	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].pos.line == line)
			return &p->steps[i];
	fprintf(stderr, "no step on line %d of %s\n", line, p->file);
	CU_FAIL("no step on that line");
	return &none;
}

static void free_plans(void)
{
	plan_free(plans, nplans);
	plans = NULL;
	nplans = 0;
}

static void test_rapid_restart_fixture(void)
{
	struct plan *p;

	ASSERT_EQ_INT(plan_parse_file(fixture("good/rapid-restart.scn"), &plans, &nplans, err), 0);
	EXPECT_EQ_INT(nplans, 1);
	p = &plans[0];
	EXPECT_EQ_STR(p->name, "rapid restart, server closes first");
	EXPECT_EQ_STR(p->variant, "");
	EXPECT_EQ_INT(p->nhosts, 2);
	EXPECT_EQ_STR(p->hosts[1].name, "client");
	EXPECT_EQ_INT(p->nprocs, 2);
	EXPECT_EQ_INT(p->nvars, 4); /* s, c, a, s2 */
	EXPECT_EQ_INT(p->nsteps, 15);
	EXPECT_EQ_INT(at_line(p, 11)->kind, STEP_SOCKET);
	EXPECT_EQ_INT(at_line(p, 11)->pos.line, 11);
	EXPECT_EQ_INT(at_line(p, 11)->pos.column, 1);
	EXPECT_EQ_STR(at_line(p, 11)->text, "server: s = socket(tcp)");
	EXPECT_EQ_INT(at_line(p, 12)->kind, STEP_BIND);
	EXPECT_EQ_INT(at_line(p, 12)->u.bind.ep.port, 8080);
	EXPECT_EQ_INT(at_line(p, 12)->expect.has_expect, 1);
	EXPECT_EQ_INT(at_line(p, 12)->expect.value, 0);
	EXPECT_EQ_INT(at_line(p, 16)->kind, STEP_EXPECT_PACKETS);
	EXPECT_EQ_INT(at_line(p, 16)->u.packets.npkts, 3);
	EXPECT_EQ_INT(at_line(p, 16)->u.packets.pkts[1].src.host, 0);
	EXPECT_EQ_INT(at_line(p, 16)->u.packets.pkts[1].dst.host, 1);
	EXPECT_EQ_INT(at_line(p, 16)->u.packets.pkts[1].flags, TH_SYN | TH_ACK);
	EXPECT_EQ_INT(at_line(p, 21)->kind, STEP_EXPECT_SOCKET);
	EXPECT_EQ_INT(at_line(p, 21)->u.sockstate.state, TCP_TIME_WAIT);
	EXPECT_EQ_INT(at_line(p, 21)->u.sockstate.within_ms, PLAN_WAIT_DEFAULT_MS);
	EXPECT_EQ_INT(at_line(p, 22)->u.sockstate.state, PLAN_STATE_NONE);
	EXPECT_EQ_INT(at_line(p, 22)->u.sockstate.local_any_port, 1);
	EXPECT_EQ_INT(at_line(p, 27)->expect.value, -1);
	EXPECT_EQ_INT(at_line(p, 27)->expect.err, EADDRINUSE);
	free_plans();
}

static void test_every_statement(void)
{
	struct plan *p;
	const struct plan_step *st;

	ASSERT_EQ_INT(plan_parse_file(fixture("good/everything.scn"), &plans, &nplans, err), 0);
	ASSERT_EQ_INT(nplans, 2);
	EXPECT_EQ_STR(plans[0].variant, "reuse=0 result=-1 EADDRINUSE");
	EXPECT_EQ_STR(plans[1].variant, "reuse=1 result=0");
	p = &plans[0];
	EXPECT_EQ_INT(p->hosts[0].naddrs, 2);
	EXPECT_EQ_INT(p->hosts[0].addrs[1].family, AF_INET6);
	EXPECT_EQ_INT(p->hosts[0].nsysctls, 1);
	EXPECT_EQ_STR(p->hosts[0].sysctls[0].key, "net.ipv4.ip_local_port_range");
	EXPECT_EQ_STR(p->hosts[0].sysctls[0].value, "40000 40010");
	EXPECT_EQ_STR(p->hosts[1].sysctls[0].value, "2");

	st = at_line(p, 12);
	EXPECT_EQ_INT(st->u.socket.family, AF_INET6);
	EXPECT_EQ_INT(st->u.socket.socktype, SOCK_STREAM);
	EXPECT_EQ_INT(st->u.socket.cloexec, 1);
	EXPECT_EQ_INT(at_line(p, 13)->u.setsockopt.opt, OPT_IPV6_V6ONLY);
	EXPECT_EQ_INT(at_line(p, 14)->u.setsockopt.opt, OPT_SO_LINGER);
	EXPECT_EQ_INT(at_line(p, 14)->u.setsockopt.val, 1);
	EXPECT_EQ_INT(at_line(p, 14)->u.setsockopt.linger_secs, 0);
	/* substitution per variant */
	EXPECT_EQ_INT(at_line(&plans[0], 15)->u.setsockopt.val, 0);
	EXPECT_EQ_INT(at_line(&plans[1], 15)->u.setsockopt.val, 1);
	EXPECT_EQ_INT(at_line(&plans[0], 16)->expect.err, EADDRINUSE);
	EXPECT_EQ_INT(at_line(&plans[1], 16)->expect.value, 0);
	EXPECT_EQ_INT(at_line(p, 16)->u.bind.ep.addr.family, AF_INET6);
	EXPECT_EQ_INT(at_line(p, 17)->u.listen.backlog, 16);
	/* fork: a new process on the same host, holding the parent's sockets */
	st = at_line(p, 18);
	EXPECT_EQ_INT(st->kind, STEP_FORK);
	EXPECT_EQ_STR(p->procs[st->proc].name, "server/2");
	EXPECT_EQ_INT(p->procs[st->proc].forked, 1);
	EXPECT_EQ_INT(p->procs[st->u.fork.parent].forked, 0);
	EXPECT_EQ_INT(at_line(p, 19)->u.setuid.uid, 65534);
	st = at_line(p, 21);
	EXPECT_EQ_INT(st->kind, STEP_SENDTO);
	EXPECT_EQ_INT(st->u.send.len, 5);
	EXPECT_EQ_INT(memcmp(st->u.send.data, "a\tbA\"", 5), 0);
	EXPECT_EQ_INT(at_line(p, 23)->expect.err, ECONNREFUSED);
	EXPECT_EQ_INT(at_line(p, 24)->u.send.len, 3);
	EXPECT_EQ_INT(at_line(p, 25)->u.recv.max, 10);
	EXPECT_EQ_INT(at_line(p, 26)->u.shutdown.how, SHUT_WR);
	EXPECT_EQ_INT(at_line(p, 29)->kind, STEP_EXIT);
	EXPECT_EQ_INT(at_line(p, 29)->u.exit.status, 3);

	st = at_line(p, 30);
	EXPECT_EQ_INT(st->kind, STEP_EXPECT_PACKETS);
	EXPECT_EQ_INT(st->u.packets.npkts, 4);
	EXPECT_EQ_INT(st->u.packets.within_ms, 500);
	EXPECT_EQ_INT(st->u.packets.pkts[0].dst.host, 0);
	EXPECT_EQ_INT(st->u.packets.pkts[0].dst.port, 8080);
	EXPECT_EQ_INT(st->u.packets.pkts[1].dst.host, -1);
	EXPECT_EQ_INT(st->u.packets.pkts[1].dst.addr.family, AF_INET);
	EXPECT_EQ_INT(st->u.packets.pkts[1].flags, TH_RST | TH_ACK);
	EXPECT_EQ_INT(st->u.packets.pkts[2].src.host, -1);
	EXPECT_EQ_INT(st->u.packets.pkts[2].src.port, 8080);
	EXPECT_EQ_INT(st->u.packets.pkts[2].dst.addr.family, AF_INET6);
	EXPECT_EQ_INT(st->u.packets.pkts[2].dst.port, 9);
	EXPECT_EQ_INT(st->u.packets.pkts[3].proto, IPPROTO_UDP);
	st = at_line(p, 31);
	EXPECT_EQ_INT(st->kind, STEP_WAIT_SOCKET);
	EXPECT_EQ_INT(st->u.sockstate.state, TCP_TIME_WAIT);
	EXPECT_EQ_INT(st->u.sockstate.local_any_port, 1);
	EXPECT_EQ_INT(st->u.sockstate.has_remote, 1);
	EXPECT_EQ_INT(st->u.sockstate.remote.port, 8080);
	EXPECT_EQ_INT(st->u.sockstate.within_ms, 1500);
	EXPECT_EQ_INT(at_line(p, 32)->u.sockstate.state, PLAN_STATE_NONE);
	free_plans();
}

static void test_crlf_tabs_and_no_final_newline(void)
{
	const char *text = "host\tserver 10.0.0.1\r\n"
			   "\tserver: s = socket(tcp)   # a comment\r\n"
			   "server: bind(s, 10.0.0.1:8080) = -1 EADDRINUSE";

	ASSERT_EQ_INT(plan_parse_string("x.scn", text, &plans, &nplans, err), 0);
	EXPECT_EQ_INT(plans[0].nsteps, 2);
	EXPECT_EQ_STR(at_line(&plans[0], 2)->text, "server: s = socket(tcp)");
	EXPECT_EQ_INT(at_line(&plans[0], 2)->pos.column, 2);
	EXPECT_EQ_INT(at_line(&plans[0], 3)->expect.err, EADDRINUSE);
	EXPECT_EQ_STR(plans[0].name, "x");
	free_plans();
}

static void test_hash_inside_a_string_is_not_a_comment(void)
{
	const char *text = "host server 10.0.0.1\n"
			   "server: s = socket(udp)\n"
			   "server: sendto(s, 10.0.0.1:9, \"#1\") = 2\n";

	ASSERT_EQ_INT(plan_parse_string("x.scn", text, &plans, &nplans, err), 0);
	EXPECT_EQ_INT(at_line(&plans[0], 3)->u.send.len, 2);
	free_plans();
}

static void test_forked_child_holds_the_parents_sockets(void)
{
	const char *ok = "host server 10.0.0.1\n"
			 "server: s = socket(tcp)\n"
			 "server/2: fork(server)\n"
			 "server/2: close(s)\n";
	const char *late = "host server 10.0.0.1\n"
			   "server/2: fork(server)\n"
			   "server: s = socket(tcp)\n"
			   "server/2: close(s)\n";

	EXPECT_EQ_INT(plan_parse_string("ok.scn", ok, &plans, &nplans, err), 0);
	free_plans();
	/* a socket made after the fork is the parent's alone */
	EXPECT_EQ_INT(plan_parse_string("late.scn", late, &plans, &nplans, err), -1);
	EXPECT_EQ_STR(err, "late.scn:4:17: socket 's' is not held by process 'server/2'");
	EXPECT_NULL(plans);
	EXPECT_EQ_INT(nplans, 0);
}

static void test_depends_marks_a_result_that_varies(void)
{
	const char *text = "host server 10.0.0.1\n"
			   "server: s = socket(tcp)\n"
			   "server: bind(s, 10.0.0.1:80) = -1 EACCES depends \"kernel: 6.18\"\n";

	ASSERT_EQ_INT(plan_parse_string("x.scn", text, &plans, &nplans, err), 0);
	EXPECT_EQ_STR(at_line(&plans[0], 3)->depends, "kernel: 6.18");
	EXPECT_EQ_INT(at_line(&plans[0], 3)->expect.err, EACCES);
	EXPECT_EQ_STR(at_line(&plans[0], 2)->depends, "");
	free_plans();
}

static void test_programs_and_traced_calls(void)
{
	const char *text = "host server 10.0.0.1\n"
			   "server: p = run(\"./srv\", \"--port\", \"8080\")\n"
			   "expect traced p bind(*:8080) = -1 EADDRINUSE within 1s\n"
			   "expect traced server setsockopt(SO_REUSEADDR, 1)\n"
			   "wait until socket server *:8080 LISTEN\n"
			   "server: stop(p, 500ms) = *\n";
	const struct plan_step *st;

	ASSERT_EQ_INT(plan_parse_string("x.scn", text, &plans, &nplans, err), 0);
	st = at_line(&plans[0], 2);
	EXPECT_EQ_INT(st->kind, STEP_RUN);
	EXPECT_EQ_INT(st->u.argv.argc, 3);
	EXPECT_EQ_INT(st->u.argv.len, 18);
	EXPECT_EQ_INT(memcmp(st->u.argv.argv, "./srv\0--port\08080\0", st->u.argv.len), 0);
	st = at_line(&plans[0], 3);
	EXPECT_EQ_INT(st->kind, STEP_EXPECT_TRACED);
	EXPECT_EQ_INT(st->u.traced.call, STEP_BIND);
	EXPECT_EQ_INT(st->u.traced.prog, at_line(&plans[0], 2)->var);
	EXPECT_EQ_INT(st->u.traced.ep.addr.family, 0);
	EXPECT_EQ_INT(st->u.traced.ep.port, 8080);
	EXPECT_EQ_INT(st->expect.err, EADDRINUSE);
	EXPECT_EQ_INT(st->u.traced.within_ms, 1000);
	st = at_line(&plans[0], 4);
	EXPECT_EQ_INT(st->u.traced.call, STEP_SETSOCKOPT);
	EXPECT_EQ_INT(st->u.traced.prog, -1);
	EXPECT_EQ_INT(st->u.traced.opt, OPT_SO_REUSEADDR);
	EXPECT_EQ_INT(at_line(&plans[0], 5)->u.sockstate.local.addr.family, 0);
	st = at_line(&plans[0], 6);
	EXPECT_EQ_INT(st->kind, STEP_STOP);
	EXPECT_EQ_INT(st->u.stop.grace_ms, 500);
	EXPECT_EQ_INT(st->expect.any, 1);
	free_plans();
}

/* What checks need: values from outside, calls that must not happen, and
 * the text a peer must send. */
static void test_set_values_not_traced_and_recv_text(void)
{
	const char *text = "host server 10.0.0.1\n"
			   "server: p = run(\"${SERVER}\", \"${PORT}\")\n"
			   "expect not traced p setsockopt(SO_LINGER, 1, 0)\n"
			   "expect traced p setsockopt(SO_REUSEADDR, 1) within 1s\n"
			   "server: c = socket(tcp)\n"
			   "server: recv(c, 64) = \"hi, you\\n\"\n"
			   "server: recv(c, 8, eof) = \"\"\n";
	struct plan_defs defs = {0};
	const struct plan_step *st;

	ASSERT_EQ_INT(plan_defs_add(&defs, "SERVER=/home/me/lab 2/server", err), 0);
	ASSERT_EQ_INT(plan_defs_add(&defs, "PORT=8080", err), 0);
	ASSERT_EQ_INT(plan_parse_string_defs("x.scn", text, &defs, &plans, &nplans, err), 0);
	st = at_line(&plans[0], 2);
	EXPECT_EQ_INT(st->u.argv.argc, 2);
	EXPECT_EQ_STR(st->u.argv.argv, "/home/me/lab 2/server");
	EXPECT_EQ_STR(st->u.argv.argv + strlen(st->u.argv.argv) + 1, "8080");
	st = at_line(&plans[0], 3);
	EXPECT_EQ_INT(st->u.traced.negate, 1);
	EXPECT_EQ_INT(st->u.traced.opt, OPT_SO_LINGER);
	EXPECT_EQ_INT(st->u.traced.val, 1);
	EXPECT_EQ_INT(st->u.traced.linger_secs, 0);
	EXPECT_EQ_INT(st->u.traced.within_ms, 0);
	st = at_line(&plans[0], 4);
	EXPECT_EQ_INT(st->u.traced.negate, 0);
	EXPECT_EQ_INT(st->u.traced.within_ms, 1000);
	st = at_line(&plans[0], 6);
	EXPECT_EQ_INT(st->u.recv.has_data, 1);
	EXPECT_EQ_UINT(st->u.recv.datalen, 8);
	EXPECT_EQ_INT(memcmp(st->u.recv.data, "hi, you\n", 8), 0);
	EXPECT_EQ_INT(st->expect.value, 8);
	st = at_line(&plans[0], 7);
	EXPECT_EQ_INT(st->u.recv.has_data, 1);
	EXPECT_EQ_INT(st->u.recv.until_eof, 1);
	EXPECT_EQ_UINT(st->u.recv.datalen, 0);
	free_plans();

	/* without the values: an error that says which one and how */
	EXPECT_EQ_INT(plan_parse_string("x.scn", text, &plans, &nplans, err), -1);
	EXPECT_EQ_STR(err, "x.scn:2:18: '${SERVER}' is not set: give --set SERVER=VALUE");
}

static void test_set_values_are_checked(void)
{
	static const struct {
		const char *arg, *err;
	} bad[] = {
	    {"SERVER", "bindlab: --set takes NAME=VALUE, not 'SERVER'"},
	    {"=x", "bindlab: --set takes NAME=VALUE, not '=x'"},
	    {"server=x",
	     "bindlab: --set server: a name is upper case (A-Z, 0-9, _), as in ${SERVER}"},
	    {"1X=x", "bindlab: --set 1X: a name is upper case (A-Z, 0-9, _), as in ${SERVER}"},
	    {"S=a\"b", "bindlab: --set S: the value cannot hold a quote, a backslash or a control "
		       "character"},
	    {"S=a\nb", "bindlab: --set S: the value cannot hold a quote, a backslash or a control "
		       "character"},
	};
	struct plan_defs defs = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ_INT(plan_defs_add(&defs, bad[i].arg, err), -1);
		EXPECT_EQ_STR(err, bad[i].err);
	}
	EXPECT_EQ_INT(defs.n, 0);
	EXPECT_EQ_INT(plan_defs_add(&defs, "S=", err), 0);
	EXPECT_EQ_INT(plan_defs_add(&defs, "S=2", err), -1);
	EXPECT_EQ_STR(err, "bindlab: --set S given twice");
	for (int i = 1; i < PLAN_DEFS_MAX; i++) {
		char a[16];

		snprintf(a, sizeof(a), "V%d=1", i);
		EXPECT_EQ_INT(plan_defs_add(&defs, a, err), 0);
	}
	EXPECT_EQ_INT(plan_defs_add(&defs, "LAST=1", err), -1);
	EXPECT_EQ_STR(err, "bindlab: at most 8 --set values");
}

static void test_missing_file(void)
{
	EXPECT_EQ_INT(plan_parse_file("/nonexistent/x.scn", &plans, &nplans, err), -1);
	EXPECT_EQ_STR(err, "bindlab: cannot open '/nonexistent/x.scn': No such file or directory");
}

static void test_flags_round_trip(void)
{
	static const char *all[] = {"S", "S.", ".", "F.", "R", "R.", "P.", "FP.", "SFRPUEW."};
	char buf[16];
	uint8_t f;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		EXPECT_EQ_INT(plan_flags_parse(all[i], &f), 0);
		EXPECT_EQ_STR(plan_flags_str(f, buf, sizeof(buf)), all[i]);
	}
	EXPECT_EQ_INT(plan_flags_parse("F.P", &f), -1);
	EXPECT_EQ_INT(plan_flags_parse("SS", &f), -1);
	EXPECT_EQ_INT(plan_flags_parse("", &f), -1);
	EXPECT_EQ_INT(plan_flags_parse("X", &f), -1);
	EXPECT_EQ_INT(plan_flags_parse("FP.", &f), 0);
	EXPECT_EQ_INT(f, TH_FIN | TH_PUSH | TH_ACK);
}

static void test_state_names(void)
{
	EXPECT_EQ_INT(plan_state_from_name("TIME_WAIT"), TCP_TIME_WAIT);
	EXPECT_EQ_INT(plan_state_from_name("time-wait"), TCP_TIME_WAIT);
	EXPECT_EQ_INT(plan_state_from_name("FIN_WAIT_2"), TCP_FIN_WAIT2);
	EXPECT_EQ_INT(plan_state_from_name("none"), PLAN_STATE_NONE);
	EXPECT_EQ_INT(plan_state_from_name("TIMEWAIT"), -1);
	for (int s = TCP_ESTABLISHED; s <= TCP_CLOSING; s++)
		EXPECT_EQ_INT(plan_state_from_name(plan_state_name(s)), s);
}

/* Each bad fixture says where the parser must stop: "# error: L:C: text". */
static void test_bad_fixtures_report_their_position(void)
{
	char dir[512];
	struct dirent **ents;
	int n, checked = 0;

	snprintf(dir, sizeof(dir), "%s/scn/bad", unit_fixtures());
	n = scandir(dir, &ents, NULL, alphasort);
	ASSERT_TRUE(n > 0);
	for (int i = 0; i < n; i++) {
		char path[1024], first[256], want[1200];
		int line, col;
		FILE *f;

		if (!strstr(ents[i]->d_name, ".scn")) {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		f = fopen(path, "r");
		ASSERT_NOT_NULL(f);
		EXPECT_NOT_NULL(fgets(first, sizeof(first), f));
		fclose(f);
		first[strcspn(first, "\n")] = '\0';
		EXPECT_EQ_INT(sscanf(first, "# error: %d:%d:", &line, &col), 2);
		EXPECT_EQ_INT(plan_parse_file(path, &plans, &nplans, err), -1);
		EXPECT_NULL(plans);
		snprintf(want, sizeof(want), "%s:%d:%d: ", path, line, col);
		EXPECT_EQ_INT(strncmp(err, want, strlen(want)), 0);
		if (strncmp(err, want, strlen(want)))
			fprintf(stderr, "\n  %s\n  want %s\n  got  %s\n", path, want, err);
		EXPECT_NOT_NULL(strstr(err, strchr(strchr(first + 9, ':') + 1, ':') + 2));
		EXPECT_NULL(strchr(err, '\n'));
		checked++;
	}
	free(ents);
	EXPECT_TRUE(checked >= 20);
}

int main(void)
{
	CU_TestInfo tests[] = {
	    {"rapid restart fixture", test_rapid_restart_fixture},
	    {"every statement", test_every_statement},
	    {"CRLF, tabs, no final newline", test_crlf_tabs_and_no_final_newline},
	    {"# inside a string is not a comment", test_hash_inside_a_string_is_not_a_comment},
	    {"a forked child holds the parent's sockets",
	     test_forked_child_holds_the_parents_sockets},
	    {"depends marks a result that varies", test_depends_marks_a_result_that_varies},
	    {"programs and traced calls", test_programs_and_traced_calls},
	    {"--set values, not traced, recv text", test_set_values_not_traced_and_recv_text},
	    {"--set values are checked", test_set_values_are_checked},
	    {"missing file", test_missing_file},
	    {"flags round trip", test_flags_round_trip},
	    {"state names", test_state_names},
	    {"bad fixtures report their position", test_bad_fixtures_report_their_position},
	    CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
	    {"parser", NULL, NULL, NULL, NULL, tests},
	    CU_SUITE_INFO_NULL,
	};

	return unit_main(suites);
}
