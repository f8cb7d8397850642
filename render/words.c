/* words.c - the short forms every format prints alike: a traced call as
 * C reads it, how a program ended. */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "program.h"
#include "render.h"

/* "bind(3, 0.0.0.0:8080) = -1 EADDRINUSE" for a traced call. */
void render_trace_line(const struct trace_rec *t, char *buf, size_t len)
{
	char res[48], ep[80] = "";

	result_str((long)t->ret, t->err, res, sizeof(res));
	if (t->call == TRACE_BIND || t->call == TRACE_CONNECT) {
		struct endpoint e = program_trace_endpoint(t);

		endpoint_str(&e, ep, sizeof(ep));
	}
	switch (t->call) {
	case TRACE_SOCKET:
		snprintf(buf, len, "socket(%s, %s) = %s",
			 t->family == AF_INET6 ? "AF_INET6" : "AF_INET",
			 (t->port & 0xf) == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_STREAM", res);
		break;
	case TRACE_SETSOCKOPT: {
		enum plan_opt opt;
		int known = names_opt_from_sockopt(t->level, t->optname, &opt) == 0;

		snprintf(buf, len, "setsockopt(%d, %s, %d) = %s", t->fd,
			 known ? names_opt(opt) : "other", t->optval, res);
	} break;
	case TRACE_BIND:
	case TRACE_CONNECT:
		snprintf(buf, len, "%s(%d, %s) = %s", names_trace_call(t->call), t->fd, ep, res);
		break;
	case TRACE_EXIT:
		snprintf(buf, len, "exit");
		break;
	default:
		snprintf(buf, len, "%s(%d) = %s", names_trace_call(t->call), t->fd, res);
	}
}

/* One sentence per way a program can end (result.h decides which). */
void render_prog_end(const struct result_program *pg, char *buf, size_t len)
{
	switch (pg->end) {
	case PROG_ENDED:
		if (pg->status >= 128)
			snprintf(buf, len, "ended by itself: signal %ld", pg->status - 128);
		else
			snprintf(buf, len, "ended by itself: exit status %ld", pg->status);
		return;
	case PROG_STOPPED:
		if (pg->status >= 128)
			snprintf(buf, len, "stopped: ended by signal %ld%s", pg->status - 128,
				 pg->status == 137 ? " (SIGKILL after the grace period)" : "");
		else
			snprintf(buf, len, "stopped: exit status %ld", pg->status);
		return;
	case PROG_EXITED:
		snprintf(buf, len, "exited by itself");
		return;
	case PROG_VANISHED:
		snprintf(buf, len, "ended without exiting: killed by a signal?");
		return;
	case PROG_RUNNING:
		break;
	}
	snprintf(buf, len, "still running at the end: killed with the world");
}
