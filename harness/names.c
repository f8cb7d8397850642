/* names.c - see names.h */
#include "names.h"

#include <ctype.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "trace/trace.h"

static const char *const state_names[] = {
    [PLAN_STATE_NONE] = "none",	     [TCP_ESTABLISHED] = "ESTABLISHED",
    [TCP_SYN_SENT] = "SYN_SENT",     [TCP_SYN_RECV] = "SYN_RECV",
    [TCP_FIN_WAIT1] = "FIN_WAIT1",   [TCP_FIN_WAIT2] = "FIN_WAIT2",
    [TCP_TIME_WAIT] = "TIME_WAIT",   [TCP_CLOSE] = "CLOSE",
    [TCP_CLOSE_WAIT] = "CLOSE_WAIT", [TCP_LAST_ACK] = "LAST_ACK",
    [TCP_LISTEN] = "LISTEN",	     [TCP_CLOSING] = "CLOSING",
};
#define NSTATES ((int)(sizeof(state_names) / sizeof(state_names[0])))

const char *plan_state_name(int state)
{
	if (state >= 0 && state < NSTATES && state_names[state])
		return state_names[state];
	return "?";
}

const char *tcp_state_name(int state)
{
	return state == PLAN_STATE_NONE ? "?" : plan_state_name(state);
}

int plan_state_from_name(const char *name)
{
	char n[32];
	size_t j = 0;

	/* TIME-WAIT, time_wait and FIN_WAIT_1 are the same state */
	for (size_t i = 0; name[i] && j < sizeof(n) - 1; i++) {
		char c = (char)toupper((unsigned char)name[i]);

		if (c == '-')
			c = '_';
		if (c == '_' && isdigit((unsigned char)name[i + 1]) && j >= 8)
			continue;
		n[j++] = c;
	}
	n[j] = '\0';
	for (int s = 0; s < NSTATES; s++)
		if (state_names[s] && !strcasecmp(n, state_names[s]))
			return s;
	return -1;
}

static const struct {
	char c;
	uint8_t bit;
} flag_letters[] = {{'S', TH_SYN}, {'F', TH_FIN}, {'R', TH_RST}, {'P', TH_PUSH},
		    {'U', TH_URG}, {'E', 0x40},	  {'W', 0x80}};
#define NFLAGS (sizeof(flag_letters) / sizeof(flag_letters[0]))

const char *plan_flags_str(uint8_t flags, char *buf, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < NFLAGS; i++)
		if ((flags & flag_letters[i].bit) && j + 1 < len)
			buf[j++] = flag_letters[i].c;
	if ((flags & TH_ACK) && j + 1 < len)
		buf[j++] = '.';
	if (j == 0 && len > 4) {
		snprintf(buf, len, "none");
		return buf;
	}
	buf[j < len ? j : len - 1] = '\0';
	return buf;
}

int plan_flags_parse(const char *s, uint8_t *flags)
{
	uint8_t f = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		size_t i;

		if (*s == '.') {
			if (s[1])
				return -1;
			f |= TH_ACK;
			break;
		}
		for (i = 0; i < NFLAGS; i++)
			if (*s == flag_letters[i].c)
				break;
		if (i == NFLAGS || (f & flag_letters[i].bit))
			return -1;
		f |= flag_letters[i].bit;
	}
	*flags = f;
	return 0;
}

const char *names_proto(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

const char *names_pkt(int proto, uint8_t flags, char *buf, size_t len)
{
	if (proto == IPPROTO_UDP) {
		snprintf(buf, len, "%s", names_proto(proto));
		return buf;
	}
	return plan_flags_str(flags, buf, len);
}

/* The socket options a scenario may set (and a trace may show). */
static const struct {
	const char *name;
	int level, optname;
} opts[] = {
    [OPT_SO_REUSEADDR] = {"SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR},
    [OPT_SO_REUSEPORT] = {"SO_REUSEPORT", SOL_SOCKET, SO_REUSEPORT},
    [OPT_SO_LINGER] = {"SO_LINGER", SOL_SOCKET, SO_LINGER},
    [OPT_IPV6_V6ONLY] = {"IPV6_V6ONLY", IPPROTO_IPV6, IPV6_V6ONLY},
    [OPT_IP_FREEBIND] = {"IP_FREEBIND", IPPROTO_IP, IP_FREEBIND},
    [OPT_IP_BIND_ADDRESS_NO_PORT] = {"IP_BIND_ADDRESS_NO_PORT", IPPROTO_IP,
				     IP_BIND_ADDRESS_NO_PORT},
    [OPT_SO_KEEPALIVE] = {"SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE},
    [OPT_TCP_NODELAY] = {"TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY},
};
#define NOPTS (sizeof(opts) / sizeof(opts[0]))

const char *names_opt(enum plan_opt opt)
{
	return (size_t)opt < NOPTS ? opts[opt].name : "?";
}

int names_opt_from_name(const char *name, enum plan_opt *opt)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (!strcmp(name, opts[i].name)) {
			*opt = (enum plan_opt)i;
			return 0;
		}
	return -1;
}

void names_opt_sockopt(enum plan_opt opt, int *level, int *optname)
{
	*level = (size_t)opt < NOPTS ? opts[opt].level : -1;
	*optname = (size_t)opt < NOPTS ? opts[opt].optname : -1;
}

int names_opt_from_sockopt(int level, int optname, enum plan_opt *opt)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].level == level && opts[i].optname == optname) {
			*opt = (enum plan_opt)i;
			return 0;
		}
	return -1;
}

/* The calls the trace library reports, and the step kind each one is. */
static const struct {
	const char *name;
	int step; /* -1: no step kind of its own */
} traced[] = {
    [TRACE_SOCKET] = {"socket", STEP_SOCKET},
    [TRACE_SETSOCKOPT] = {"setsockopt", STEP_SETSOCKOPT},
    [TRACE_BIND] = {"bind", STEP_BIND},
    [TRACE_LISTEN] = {"listen", STEP_LISTEN},
    [TRACE_ACCEPT] = {"accept", STEP_ACCEPT},
    [TRACE_CONNECT] = {"connect", STEP_CONNECT},
    [TRACE_SHUTDOWN] = {"shutdown", STEP_SHUTDOWN},
    [TRACE_CLOSE] = {"close", STEP_CLOSE},
    [TRACE_EXIT] = {"exit", STEP_EXIT},
};
#define NTRACED (sizeof(traced) / sizeof(traced[0]))

const char *names_trace_call(uint32_t call)
{
	return call < NTRACED && traced[call].name ? traced[call].name : "?";
}

uint32_t names_trace_of_step(int step_kind)
{
	for (uint32_t c = 1; c < NTRACED; c++)
		if (traced[c].name && traced[c].step == step_kind)
			return c;
	return 0;
}
