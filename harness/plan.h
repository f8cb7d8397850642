/* plan.h - a parsed scenario: hosts, processes, steps and expectations, each
 * carrying the file:line:column it came from.  Parsing never touches the
 * kernel; the runner (run.c) turns a plan into a world and executes it.
 *
 * The language is documented in docs/scenario-language.md.  In short:
 *
 *   # comment (also after a statement)
 *   scenario "rapid restart, server closes first"
 *   host server 10.0.0.1 fd00::1          # one host: a world on lo only
 *   host client 10.0.0.2 fd00::2          # two hosts: joined by a veth pair
 *   sysctl server net.ipv4.tcp_tw_reuse=2 # set inside server's namespace only
 *
 *   server: s = socket(tcp)                          # tcp, tcp6, udp, udp6 [, cloexec]
 *   server: setsockopt(s, SO_REUSEADDR, 1)           # = 0 when the result is omitted
 *   server: bind(s, 10.0.0.1:8080)            = 0
 *   server: listen(s)                                # listen(s, 16)
 *   client: c = socket(tcp)
 *   client: connect(c, 10.0.0.1:8080)
 *   server: a = accept(s)
 *   server: send(a, "hello")                  = 5
 *   client: recv(c, 5)                        = 5
 *   server/2: fork(server)                           # server/2 is born a copy of server
 *   server/2: setuid(65534)
 *   server: close(a)
 *   server: exit
 *   expect packets server>client F. ; client>server .
 *   expect socket server 10.0.0.1:8080 TIME_WAIT
 *   expect socket client 10.0.0.2:* > 10.0.0.1:8080 TIME_WAIT
 *   wait until socket server 10.0.0.1:8080 TIME_WAIT within 2s
 *   server: s2 = socket(tcp)
 *   server: bind(s2, 10.0.0.1:8080)           = -1 EADDRINUSE
 *
 *   server: bind(s2, 10.0.0.1:8080) = 0 retry within 70s   # wait out a TIME_WAIT
 *   fast-forward timewait server 10.0.0.1:8080            # or end it (SOCK_DESTROY)
 *   client: connect(c, 10.0.0.1:80) = 0 depends "kernel: ..." # a result known to vary
 *   server/2: exec("sleep", "60")                          # keeps non-CLOEXEC sockets
 *   server: p = run("python3", "-m", "http.server", "8080") # a real program, traced
 *   expect traced server bind(*:8080) = 0                  # one of its socket calls
 *   server: stop(p, 2s)                                    # SIGTERM, then SIGKILL
 *
 * Variants: a table runs the scenario once per row, substituting ${column}:
 *
 *   table      reuse_old | reuse_new | rebind
 *   variant    0         | 0         | -1 EADDRINUSE
 *   variant    1         | 1         | 0
 */
#ifndef BINDLAB_PLAN_H
#define BINDLAB_PLAN_H

#include "common.h"

#define PLAN_NAME_MAX 32  /* host, process, variable, column names */
#define PLAN_TEXT_MAX 200 /* a step's source text, as shown in reports */
#define PLAN_DATA_MAX 256 /* bytes of a send() payload */
#define PLAN_PKTS_MAX 32  /* packets in one "expect packets" */
#define PLAN_ADDRS_MAX 4  /* addresses of one host */

/* Where a plan element came from: every error and failure names it. */
struct srcpos {
	int line;   /* 1-based */
	int column; /* 1-based */
};

struct plan_sysctl {
	char key[96];	/* "net.ipv4.tcp_rfc1337" (dots, not slashes) */
	char value[64]; /* "1", "32768 32769" */
	struct srcpos pos;
};

struct plan_host {
	char name[PLAN_NAME_MAX];
	struct addr addrs[PLAN_ADDRS_MAX];
	int naddrs;
	struct plan_sysctl *sysctls;
	int nsysctls;
	struct srcpos pos;
};

/* A process is named "host" (process 1 of that host) or "host/N". */
struct plan_proc {
	char name[PLAN_NAME_MAX + 8]; /* "server", "server/2" */
	int host;		      /* index into plan.hosts */
	int forked;		      /* 1 if born by a fork step, not at start */
};

enum step_kind {
	/* syscalls, executed by a process's actor */
	STEP_SOCKET,
	STEP_SETSOCKOPT,
	STEP_BIND,
	STEP_LISTEN,
	STEP_CONNECT,
	STEP_ACCEPT,
	STEP_SHUTDOWN,
	STEP_CLOSE,
	STEP_SEND,
	STEP_RECV,
	STEP_SENDTO,
	STEP_FORK, /* proc: the new process; parent: the process it copies */
	STEP_EXIT,
	STEP_SETUID,
	STEP_EXEC, /* the process becomes another program; it takes no more steps */
	STEP_RUN,  /* p = run("prog", ...): start a program, traced, output captured */
	STEP_STOP, /* stop(p[, grace]): SIGTERM, then SIGKILL after the grace period */
	STEP_WAIT, /* wait(p): until the program ends by itself; = its exit status */
	/* checks, executed by the driver */
	STEP_EXPECT_PACKETS, /* "expect packets": waits up to within_ms, then fails */
	STEP_EXPECT_SOCKET,  /* "expect socket": waits up to within_ms, then fails */
	STEP_WAIT_PACKETS,   /* "wait until packets": same wait; a timeout is a failure too */
	STEP_WAIT_SOCKET,    /* "wait until socket" */
	STEP_FASTFORWARD,    /* "fast-forward timewait": the harness ends TIME_WAITs early */
	STEP_EXPECT_TRACED,  /* "expect traced HOST bind(...) = R": a program's traced call */
};

/* Socket options a scenario may set. */
enum plan_opt {
	OPT_SO_REUSEADDR,
	OPT_SO_REUSEPORT,
	OPT_SO_LINGER, /* two values: onoff, seconds */
	OPT_IPV6_V6ONLY,
	OPT_IP_FREEBIND,
	OPT_IP_BIND_ADDRESS_NO_PORT,
	OPT_SO_KEEPALIVE,
	OPT_TCP_NODELAY,
};

/* The expected result written after "=".  has_expect is 0 when the line has
 * none: then the call must succeed (return anything but -1). */
struct expect_result {
	int has_expect;
	int any;    /* "= *": whatever the call returns */
	long value; /* 0, 5, -1 */
	int err;    /* errno when value == -1, e.g. EADDRINUSE */
	struct srcpos pos;
};

/* One end of a packet: a host name, an address, a port, or address:port.
 * ">" in "server>client" separates two peers. */
struct pkt_peer {
	int host;	  /* index into plan.hosts, or -1 */
	struct addr addr; /* family 0 when not given */
	int port;	  /* -1 when not given */
};

/* One packet of "expect packets": peers and TCP flags in tcpdump style:
 * "S", "S.", ".", "F.", "R", "R.", "P." (or "udp" for a datagram). */
struct pkt_pattern {
	struct pkt_peer src, dst;
	int proto;     /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t flags; /* TH_SYN|TH_ACK... as on the wire (netinet/tcp.h values) */
	struct srcpos pos;
};

/* TCP states as the kernel numbers them (TCP_ESTABLISHED = 1 ...), plus: */
#define PLAN_STATE_NONE 0 /* "expect socket H A:P none": no socket at all */

/* What each kind of step holds: one struct per kind, in plan_step.u. */
struct step_socket {  /* s = socket(tcp6, cloexec) */
	int family;   /* AF_INET, AF_INET6 */
	int socktype; /* SOCK_STREAM, SOCK_DGRAM */
	int cloexec;
};
struct step_setsockopt { /* setsockopt(s, SO_LINGER, 1, 0) */
	enum plan_opt opt;
	int val;
	int linger_secs; /* SO_LINGER only: l_linger (val is l_onoff) */
};
struct step_addr { /* bind(s, ADDR), connect(s, ADDR) */
	struct endpoint ep;
};
struct step_listen {
	int backlog;
};
struct step_shutdown {
	int how; /* SHUT_RD, SHUT_WR, SHUT_RDWR */
};
struct step_send {	    /* send(s, "text"), sendto(s, ADDR, 5) */
	struct endpoint to; /* sendto only */
	char data[PLAN_DATA_MAX];
	size_t len;
};
struct step_recv {     /* recv(s, 5[, dontwait|eof]) [= "text"] */
	size_t max;    /* bytes to read at most */
	int dontwait;  /* MSG_DONTWAIT: nothing there gives -1 EAGAIN at once */
	int until_eof; /* read (and drop) until EOF; = the bytes read */
	/* `= "text"`: read until that many bytes came (or EOF), and they must
	 * be exactly these (with eof: everything up to EOF) */
	int has_data;
	char data[PLAN_DATA_MAX];
	size_t datalen;
};
struct step_fork {  /* server/2: fork(server) */
	int parent; /* the process copied; plan_step.proc is the new one */
};
struct step_exit {
	int status;
};
struct step_setuid {
	unsigned uid;
};
struct step_argv { /* exec("sleep", "60"), p = run("prog", ...) */
	int argc;
	char argv[PLAN_DATA_MAX]; /* argc strings, NUL-separated */
	size_t len;
};
struct step_stop {     /* stop(p[, grace]) */
	int prog;      /* the variable run() named */
	long grace_ms; /* SIGTERM, then SIGKILL after this */
};
struct step_wait { /* wait(p) */
	int prog;
};
struct step_packets { /* expect packets ..., wait until packets ... */
	struct pkt_pattern pkts[PLAN_PKTS_MAX];
	int npkts;
	long within_ms;
};
struct step_sockstate { /* expect socket HOST LOCAL [> REMOTE] STATE */
	struct endpoint local;
	int local_any_port; /* "10.0.0.2:*" */
	int has_remote;
	struct endpoint remote;
	int remote_any_port;
	int state; /* TCP_LISTEN, TCP_TIME_WAIT..., or PLAN_STATE_NONE */
	long within_ms;
};
struct step_fastforward { /* fast-forward timewait HOST LOCAL */
	struct endpoint local;
	int local_any_port;
};
struct step_traced { /* expect [not] traced HOST|PROG CALL(...) [before bind(...)] = R */
	int negate;  /* "expect not traced": holds when no such call was made */
	int prog;    /* the variable run() named, or -1: any program on host */
	int call; /* the call looked for: STEP_BIND, STEP_CONNECT, STEP_LISTEN, STEP_SETSOCKOPT */
	struct endpoint ep;	/* bind, connect; ep.addr.family 0: any address */
	enum plan_opt opt;	/* setsockopt */
	int val;		/* on/off options: 1 matches any nonzero value */
	int linger_secs;	/* SO_LINGER: l_linger (val is l_onoff) */
	int has_before;		/* "... before bind(ADDR)": a later bind of that socket */
	struct endpoint before; /* that bind's address (family 0: any) */
	long within_ms;
};

struct plan_step {
	enum step_kind kind;
	struct srcpos pos;
	char text[PLAN_TEXT_MAX]; /* the statement as written, for reports */
	int host;		  /* the host it runs on (a call) or looks at (a check) */
	int proc;		  /* syscall steps: index into plan.procs; -1 for checks */
	int sock;		  /* the socket a call acts on: index into plan.vars; -1 none */
	int var;		  /* socket, accept, run: the variable named "v = ..."; -1 */

	/* syscall steps and "expect traced": `= RESULT` */
	struct expect_result expect;
	/* syscall steps: `= R retry within DUR` tries the call again, each time
	 * the socket table says something may have changed (a TIME_WAIT timer
	 * ran out), until it returns R or DUR has passed; 0 when not asked */
	long retry_ms;
	/* syscall steps: `= RESULT depends "REASON"`: the result is known to
	 * vary (kernel version, timing); another result is reported with
	 * REASON, not failed */
	char depends[120];

	union {
		struct step_socket socket;
		struct step_setsockopt setsockopt;
		struct step_addr bind, connect;
		struct step_listen listen;
		struct step_shutdown shutdown;
		struct step_send send; /* STEP_SEND, STEP_SENDTO */
		struct step_recv recv;
		struct step_fork fork;
		struct step_exit exit;
		struct step_setuid setuid;
		struct step_argv argv; /* STEP_EXEC, STEP_RUN */
		struct step_stop stop;
		struct step_wait wait;
		struct step_packets packets;	 /* STEP_EXPECT_PACKETS, STEP_WAIT_PACKETS */
		struct step_sockstate sockstate; /* STEP_EXPECT_SOCKET, STEP_WAIT_SOCKET */
		struct step_fastforward fastforward;
		struct step_traced traced;
	} u;
};

/* Is the step a check the driver performs (not a call an actor makes)? */
int plan_step_is_check(const struct plan_step *st);

#define PLAN_WAIT_DEFAULT_MS 2000

/* A `# key: value` line of the comment block that opens a file: what the
 * scenario asks and answers, whether it is slow, which advice it judges.
 * Read once, here, for the file collector, docs/matrix.md and the grader. */
struct plan_meta {
	char key[32];	 /* "question", "answer", "slow", "advice", "verdict" */
	char value[400]; /* the rest of the line, trimmed */
};

#define PLAN_META_MAX 16

/* One scenario, one variant.  A file with a table yields one plan a row. */
struct plan {
	char file[256];	   /* as given on the command line */
	char name[128];	   /* from "scenario" or the file name */
	char variant[128]; /* "reuse_old=0 reuse_new=1 ..." or "" */
	struct plan_host *hosts;
	int nhosts;
	struct plan_proc *procs;
	int nprocs;
	char (*vars)[PLAN_NAME_MAX]; /* socket variable names, by index */
	int nvars;
	struct plan_step *steps;
	int nsteps;
	struct plan_meta meta[PLAN_META_MAX];
	int nmeta;
};

/* Values given from outside the file: `bindlab run --set SERVER=./server`
 * (`bindlab check` sets SERVER to the student's program).  A scenario says
 * ${SERVER}; names are upper case, so that they never meet a variant
 * table's (lower-case) columns. */
#define PLAN_DEFS_MAX 8
#define PLAN_DEF_VALUE_MAX 200

struct plan_defs {
	char name[PLAN_DEFS_MAX][PLAN_NAME_MAX];
	char value[PLAN_DEFS_MAX][PLAN_DEF_VALUE_MAX];
	int n;
};

/* Add "NAME=VALUE" to defs.  0, or -1 with err (a bad name, a value with a
 * quote, a backslash or a control character, too many). */
int plan_defs_add(struct plan_defs *defs, const char *assignment, char *err);

/* The value of key in the plan's opening comments, or NULL. */
const char *plan_meta(const struct plan *plan, const char *key);

/* Parse a scenario file into *plans (one per variant row, at least one).
 * Returns 0, or -1 with err = "FILE:LINE:COL: message" (one line). */
int plan_parse_file(const char *path, struct plan **plans, int *nplans, char *err);
/* The same from a string; file is only used in messages. */
int plan_parse_string(const char *file, const char *text, struct plan **plans, int *nplans,
		      char *err);
/* The same, with ${NAME} replaced by the value defs gives (defs may be NULL). */
int plan_parse_file_defs(const char *path, const struct plan_defs *defs, struct plan **plans,
			 int *nplans, char *err);
int plan_parse_string_defs(const char *file, const char *text, const struct plan_defs *defs,
			   struct plan **plans, int *nplans, char *err);
void plan_free(struct plan *plans, int nplans);

#endif
