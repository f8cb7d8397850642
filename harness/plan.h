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

struct plan_step {
	enum step_kind kind;
	struct srcpos pos;
	char text[PLAN_TEXT_MAX]; /* the statement as written, for reports */

	int proc;	/* syscall steps: index into plan.procs; -1 for checks */
	int result_var; /* socket, accept: variable receiving the fd; -1 none */
	int sock_var;	/* the socket argument: index into plan.vars; -1 none */

	/* STEP_SOCKET */
	int family;   /* AF_INET, AF_INET6 */
	int socktype; /* SOCK_STREAM, SOCK_DGRAM */
	int cloexec;
	/* STEP_SETSOCKOPT */
	enum plan_opt opt;
	int optval;  /* the value; SO_LINGER: onoff */
	int optval2; /* SO_LINGER: seconds */
	/* STEP_BIND, STEP_CONNECT, STEP_SENDTO */
	struct endpoint ep;
	/* STEP_LISTEN */
	int backlog;
	/* STEP_SHUTDOWN: SHUT_RD, SHUT_WR, SHUT_RDWR */
	int how;
	/* STEP_SEND, STEP_SENDTO: payload; STEP_RECV: datalen is the max to read,
	 * dontwait: MSG_DONTWAIT (nothing there: -1 EAGAIN, at once) */
	int dontwait;
	int until_eof; /* recv(s, N, eof): read (and drop) until EOF; = the bytes read */
	char data[PLAN_DATA_MAX];
	size_t datalen;
	/* STEP_FORK: the process copied (proc is the new one) */
	int parent;
	/* STEP_EXEC, STEP_RUN: argc strings, NUL-separated, in data (datalen bytes) */
	int argc;
	/* STEP_EXPECT_TRACED: the call looked for (a STEP_ kind: BIND, LISTEN,
	 * CONNECT, SETSOCKOPT), with ep / opt+optval as its arguments;
	 * ep.addr.family 0 means any address */
	int traced;
	/* STEP_EXIT: status; STEP_SETUID: uid */
	int status;
	unsigned uid;

	/* STEP_EXPECT_PACKETS, STEP_WAIT_PACKETS */
	struct pkt_pattern pkts[PLAN_PKTS_MAX];
	int npkts;
	/* STEP_EXPECT_SOCKET, STEP_WAIT_SOCKET: a TCP socket of host whose local
	 * endpoint is ep (and, if remote_set, whose remote is remote) is in state */
	int host;
	int ep_any_port; /* "10.0.0.2:*": any local port */
	struct endpoint remote;
	int remote_set; /* "LOCAL > REMOTE STATE" names the peer too */
	int remote_any_port;
	int state;	/* TCP_LISTEN, TCP_TIME_WAIT..., or PLAN_STATE_NONE */
	long within_ms; /* the bound on the wait; default PLAN_WAIT_DEFAULT_MS */
	/* `= R retry within DUR`: a syscall step is tried again, each time the
	 * socket table says something may have changed (a TIME_WAIT timer ran
	 * out), until it returns R or DUR has passed */
	long retry_ms;

	struct expect_result expect;
	/* `= RESULT depends "REASON"`: the result is known to vary (kernel
	 * version, timing); another result is reported with REASON, not failed */
	char depends[120];
};

#define PLAN_WAIT_DEFAULT_MS 2000

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
};

/* Parse a scenario file into *plans (one per variant row, at least one).
 * Returns 0, or -1 with err = "FILE:LINE:COL: message" (one line). */
int plan_parse_file(const char *path, struct plan **plans, int *nplans, char *err);
/* The same from a string; file is only used in messages. */
int plan_parse_string(const char *file, const char *text, struct plan **plans, int *nplans,
		      char *err);
void plan_free(struct plan *plans, int nplans);

/* "TIME_WAIT" for TCP_TIME_WAIT, "none" for PLAN_STATE_NONE; -1 if unknown. */
const char *plan_state_name(int state);
int plan_state_from_name(const char *name);
/* "F." for TH_FIN|TH_ACK; buf of at least 8 bytes. */
const char *plan_flags_str(uint8_t flags, char *buf, size_t len);
/* The reverse: -1 if the text is not a flag set. */
int plan_flags_parse(const char *s, uint8_t *flags);

#endif
