/* names.h - the names of things, each spelled in exactly one table: TCP
 * states, TCP flags, socket options and traced calls.  The parser reads
 * them, actors and the trace library's records map through them, reports
 * print them. */
#ifndef BINDLAB_NAMES_H
#define BINDLAB_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* "TIME_WAIT" for TCP_TIME_WAIT, "none" for PLAN_STATE_NONE, "?" if unknown. */
const char *plan_state_name(int state);
/* The reverse (TIME-WAIT, time_wait and FIN_WAIT_1 are accepted too); -1 if unknown. */
int plan_state_from_name(const char *name);
/* The kernel's TCP state as ss prints it; "?" for 0 and unknown numbers. */
const char *tcp_state_name(int state);

/* "F." for TH_FIN|TH_ACK; buf of at least 8 bytes. */
const char *plan_flags_str(uint8_t flags, char *buf, size_t len);
/* The reverse: -1 if the text is not a flag set. */
int plan_flags_parse(const char *s, uint8_t *flags);

/* "udp" for IPPROTO_UDP, "tcp" for anything else bindlab sees. */
const char *names_proto(int proto);
/* What a packet pattern or a packet is called: "udp" for a datagram, else
 * its TCP flags ("F."); buf of at least 8 bytes. */
const char *names_pkt(int proto, uint8_t flags, char *buf, size_t len);

/* "SO_REUSEADDR" for OPT_SO_REUSEADDR. */
const char *names_opt(enum plan_opt opt);
/* The option called name; -1 if there is none. */
int names_opt_from_name(const char *name, enum plan_opt *opt);
/* The level and option number setsockopt() takes for opt. */
void names_opt_sockopt(enum plan_opt opt, int *level, int *optname);
/* The option a (level, optname) pair is; -1 if it is none a scenario names. */
int names_opt_from_sockopt(int level, int optname, enum plan_opt *opt);

/* "bind" for TRACE_BIND (trace/trace.h); "?" if unknown. */
const char *names_trace_call(uint32_t call);
/* The traced call a step kind is (STEP_BIND -> TRACE_BIND); 0 if none. */
uint32_t names_trace_of_step(int step_kind);

#endif
