/* trace.h - the records libbindlab-trace.so (LD_PRELOAD) sends to bindlab
 * about the socket calls of a program it runs: one fixed-size record per
 * call, written in one write() (atomic on a pipe) to the descriptor named by
 * BINDLAB_TRACE_FD, never to the program's stdout or stderr. */
#ifndef BINDLAB_TRACE_H
#define BINDLAB_TRACE_H

#include <stdint.h>

enum trace_call {
	TRACE_SOCKET = 1,
	TRACE_SETSOCKOPT,
	TRACE_BIND,
	TRACE_LISTEN,
	TRACE_ACCEPT,
	TRACE_CONNECT,
	TRACE_SHUTDOWN,
	TRACE_CLOSE,
	TRACE_EXIT,
};

/* The first word of every record: bytes on the trace descriptor that do
 * not start with it (a program writing there itself) are not records. */
#define TRACE_MAGIC 0x52544c42u /* "BLTR" */

struct trace_rec {
	uint32_t magic;			/* TRACE_MAGIC */
	uint32_t call;			/* enum trace_call */
	int32_t pid;			/* the caller, as its own pid namespace sees it */
	int32_t fd;			/* the socket argument (TRACE_SOCKET, ACCEPT: the result) */
	int64_t ret;			/* TRACE_EXIT: the exit status */
	int32_t err;			/* errno when ret == -1 */
	int32_t level, optname, optval; /* TRACE_SETSOCKOPT (optval: the first int) */
	int32_t optval2;		/* the second int (SO_LINGER's l_linger), 0 */
	int32_t family, port;		/* TRACE_BIND, CONNECT: the address; SOCKET: family, type */
	uint8_t addr[16];
	uint64_t t_start, t_end; /* CLOCK_REALTIME ns, the clock of the timeline */
};

#endif
