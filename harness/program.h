/* program.h - programs a scenario starts with run(): their pipes (stdout,
 * stderr, trace records) drained onto the timeline, what their trace says
 * of their sockets, and how each ended.  The data lands in the result's
 * result_program; the descriptors stay here, in the runner. */
#ifndef BINDLAB_PROGRAM_H
#define BINDLAB_PROGRAM_H

#include <poll.h>
#include <stddef.h>

#include "trace/trace.h"

#define PROG_FDS_MAX 64 /* descriptors of a program whose sockets are followed */

/* The live side of one program. */
struct prog_live {
	int fd_out, fd_err, fd_trace; /* read ends, -1 at EOF */
	unsigned char trbuf[sizeof(struct trace_rec)];
	size_t trlen;
	int exited; /* its trace said exit */
	/* what its trace says of its sockets, by descriptor (< PROG_FDS_MAX) */
	int fdtype[PROG_FDS_MAX], fdport[PROG_FDS_MAX], fdreuse[PROG_FDS_MAX][2];
};

struct runner;
struct actor_reply;
struct endpoint;

/* The address of a traced bind or connect. */
struct endpoint program_trace_endpoint(const struct trace_rec *t);
/* "bind(3, 0.0.0.0:8080) = -1 EADDRINUSE": a traced call as C reads it. */
void program_trace_str(const struct trace_rec *t, char *buf, size_t len);

/* The run step i: pipes for the program's stdout, stderr and trace go to
 * the actor, which starts the program; the runner keeps the read ends.
 * 0 (rep says whether it started) or -1 with r->err. */
int program_start(struct runner *r, int i, struct actor_reply *rep);
/* Read what program k's pipes hold now, without blocking. */
int program_drain(struct runner *r, int k);
/* Add program k's open descriptors to p (at most max); returns how many. */
int program_pollfds(const struct runner *r, int k, struct pollfd *p, int max);
/* After the last step: decide how every program ended and close its pipes. */
void program_finish(struct runner *r);

#endif
