/* program.c - see program.h */
#include "program.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "names.h"
#include "runner.h"

struct endpoint program_trace_endpoint(const struct trace_rec *t)
{
	struct endpoint e = {.port = (uint16_t)t->port};

	e.addr.family = t->family;
	memcpy(&e.addr.u, t->addr, t->family == AF_INET ? 4 : 16);
	return e;
}

/* What the program's trace says of its sockets' options and ports. */
static void trace_note(struct result_program *pg, struct prog_live *live, const struct trace_rec *t)
{
	int fd = t->fd >= 0 && t->fd < PROG_FDS_MAX ? t->fd : -1;

	if (t->call == TRACE_EXIT)
		live->exited = 1;
	if (fd < 0 || t->ret < 0)
		return;
	switch (t->call) {
	case TRACE_SOCKET:
		live->fdtype[fd] = t->port & 0xf;
		live->fdreuse[fd][0] = live->fdreuse[fd][1] = 0;
		break;
	case TRACE_SETSOCKOPT:
		if (t->level == SOL_SOCKET && t->optname == SO_REUSEADDR)
			live->fdreuse[fd][0] = t->optval != 0;
		if (t->level == SOL_SOCKET && t->optname == SO_REUSEPORT)
			live->fdreuse[fd][1] = t->optval != 0;
		break;
	case TRACE_BIND:
		live->fdport[fd] = t->port;
		break;
	case TRACE_LISTEN:
		pg->listen_port = live->fdport[fd];
		pg->listen_reuse[0] = live->fdreuse[fd][0];
		pg->listen_reuse[1] = live->fdreuse[fd][1];
		break;
	default:
		break;
	}
}

#define PROG_DRAIN_RECORDS 256 /* trace records read per call */

/* A record the trace library wrote: its magic, a call it knows, a pid. */
static int record_valid(const unsigned char *buf)
{
	struct trace_rec t;

	memcpy(&t, buf, sizeof(t));
	return t.magic == TRACE_MAGIC && t.call >= TRACE_SOCKET && t.call <= TRACE_EXIT &&
	       t.pid > 0 && t.fd >= -1;
}

/* The buffer does not hold a record: drop bytes up to the next place the
 * magic starts (or keep the last three, a magic's beginning), counting
 * them as the program's, not as facts. */
static void resync(struct result_program *pg, struct prog_live *live)
{
	const uint32_t magic = TRACE_MAGIC;
	size_t skip = 1;

	while (skip < live->trlen &&
	       memcmp(live->trbuf + skip, &magic,
		      live->trlen - skip < sizeof(magic) ? live->trlen - skip : sizeof(magic)))
		skip++;
	pg->trace_junk += skip;
	memmove(live->trbuf, live->trbuf + skip, live->trlen - skip);
	live->trlen -= skip;
}

/* Read what a program's pipes hold now: output kept up to RESULT_OUTPUT_MAX
 * (a flood is counted, not kept), trace records onto the timeline. */
int program_drain(struct runner *r, int k)
{
	struct result_program *pg = &r->res->progs[k];
	struct prog_live *live = &r->progs[k];
	char buf[4096];
	ssize_t n;

	for (int which = 0; which < 2; which++) {
		int *fd = which ? &live->fd_err : &live->fd_out;
		char *dst = which ? pg->err : pg->out;
		size_t *len = which ? &pg->errlen : &pg->outlen;

		n = -1;
		while (*fd >= 0 && (n = read(*fd, buf, sizeof(buf))) != 0) {
			if (n < 0)
				break; /* EAGAIN: nothing more now */
			size_t room = RESULT_OUTPUT_MAX - *len,
			       take = (size_t)n < room ? (size_t)n : room;

			memcpy(dst + *len, buf, take);
			*len += take;
			pg->dropped += (unsigned long)n - take;
		}
		if (*fd >= 0 && n == 0) {
			close(*fd);
			*fd = -1;
		}
	}
	/* a bounded number of records per call, so that a program that
	 * floods its trace cannot keep the runner from its deadlines */
	for (int got = 0; live->fd_trace >= 0 && got < PROG_DRAIN_RECORDS; got++) {
		n = read(live->fd_trace, live->trbuf + live->trlen,
			 sizeof(live->trbuf) - live->trlen);
		if (n == 0) {
			close(live->fd_trace);
			live->fd_trace = -1;
			break;
		}
		if (n < 0)
			break;
		live->trlen += (size_t)n;
		if (live->trlen < sizeof(live->trbuf))
			continue;
		if (!record_valid(live->trbuf)) {
			resync(pg, live);
			continue;
		}
		live->trlen = 0;

		struct event ev;
		const struct trace_rec *t = &ev.u.trace.rec;

		memset(&ev, 0, sizeof(ev));
		ev.kind = EV_TRACE;
		memcpy(&ev.u.trace.rec, live->trbuf, sizeof(ev.u.trace.rec));
		ev.t = t->t_start;
		ev.host = r->plan->procs[pg->proc].host;
		ev.u.trace.proc = pg->proc;
		ev.u.trace.prog = k;
		trace_note(pg, live, t);
		if (pg->trace_kept >= RESULT_TRACE_MAX) {
			pg->trace_dropped++;
			continue;
		}
		pg->trace_kept++;
		/* each explanation asks sock_diag: the first few refusals say it */
		if (t->call == TRACE_BIND && t->ret == -1 && t->err == EADDRINUSE &&
		    pg->explained++ < RESULT_EXPLAIN_MAX)
			explain_traced(r, live, &ev);
		int rc = timeline_add(&r->res->tl, &ev, r->err);

		free(ev.u.trace.expl.holders);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int program_pollfds(const struct runner *r, int k, struct pollfd *p, int max)
{
	const struct prog_live *live = &r->progs[k];
	int fds[3] = {live->fd_out, live->fd_err, live->fd_trace}, n = 0;

	for (int j = 0; j < 3 && n < max; j++)
		if (fds[j] >= 0) {
			p[n].fd = fds[j];
			p[n].events = POLLIN;
			n++;
		}
	return n;
}

/* Is the file a program would run from argv0 (searched in PATH like execvp)
 * a static ELF binary, which LD_PRELOAD cannot trace? */
int program_is_static(const char *argv0)
{
	char path[4096];
	const char *dirs = getenv("PATH");

	if (strchr(argv0, '/')) {
		snprintf(path, sizeof(path), "%s", argv0);
	} else {
		path[0] = '\0';
		for (const char *d = dirs ? dirs : "/usr/bin:/bin"; *d;) {
			size_t l = strcspn(d, ":");

			snprintf(path, sizeof(path), "%.*s/%s", (int)l, d, argv0);
			if (access(path, X_OK) == 0)
				break;
			path[0] = '\0';
			d += l + (d[l] == ':');
		}
	}
	FILE *f = path[0] ? fopen(path, "re") : NULL;
	unsigned char eh[64];
	int stat = 0;

	if (!f)
		return 0;
	/* 64-bit little-endian ELF: no PT_INTERP program header means static */
	if (fread(eh, 1, sizeof(eh), f) == sizeof(eh) && !memcmp(eh, "\177ELF", 4) && eh[4] == 2) {
		uint64_t phoff;
		uint16_t phentsize, phnum;

		memcpy(&phoff, eh + 32, 8);
		memcpy(&phentsize, eh + 54, 2);
		memcpy(&phnum, eh + 56, 2);
		stat = 1;
		for (unsigned k = 0; k < phnum && phentsize >= 4; k++) {
			uint32_t type;

			if (fseek(f, (long)(phoff + (uint64_t)k * phentsize), SEEK_SET) ||
			    fread(&type, 4, 1, f) != 1)
				break;
			if (type == 3) /* PT_INTERP: a dynamic loader, so LD_PRELOAD works */
				stat = 0;
		}
	}
	fclose(f);
	return stat;
}

int program_start(struct runner *r, int i, struct actor_reply *rep)
{
	const struct plan_step *st = &r->plan->steps[i];
	const struct step_argv *av = &st->u.argv;
	struct result_program *pg;
	struct prog_live *live;
	int p[3][2], w[3], rc, is_static;
	const char *lib = getenv("BINDLAB_TRACE_LIB");

	if (r->res->nprogs == RESULT_PROGS_MAX)
		return errf(r->err, "too many programs (at most %d)", RESULT_PROGS_MAX);
	pg = &r->res->progs[r->res->nprogs];
	live = &r->progs[r->res->nprogs];
	memset(pg, 0, sizeof(*pg));
	memset(live, 0, sizeof(*live));
	pg->proc = st->proc;
	pg->step = i;
	live->fd_out = live->fd_err = live->fd_trace = -1;
	for (size_t off = 0, k = 0; k < (size_t)av->argc; k++) {
		size_t l = strlen(pg->cmd);

		snprintf(pg->cmd + l, sizeof(pg->cmd) - l, "%s%s", k ? " " : "", av->argv + off);
		off += strlen(av->argv + off) + 1;
	}
	is_static = program_is_static(av->argv);
	pg->traced = lib && *lib && access(lib, R_OK) == 0 && !is_static;
	if (!pg->traced)
		snprintf(pg->why_untraced, sizeof(pg->why_untraced), "%s",
			 is_static ? "a static binary: LD_PRELOAD cannot trace it"
				   : "the trace library is missing (build/libbindlab-trace.so)");
	for (int k = 0; k < 3; k++)
		if (pipe2(p[k], O_CLOEXEC) < 0)
			return errf(r->err, "cannot create a pipe: %s", strerror(errno));
	for (int k = 0; k < 3; k++) {
		w[k] = p[k][1];
		fcntl(p[k][0], F_SETFL, O_NONBLOCK);
	}
	rc = actor_call_fds(&r->actors[st->proc], i, w, 3, r->opts->step_timeout_ms, rep, r->err);
	for (int k = 0; k < 3; k++)
		close(w[k]);
	if (rc < 0 || rep->ret < 0) {
		for (int k = 0; k < 3; k++)
			close(p[k][0]);
		return rc;
	}
	pg->pid = rep->fd;
	pg->end = PROG_RUNNING;
	live->fd_out = p[0][0];
	live->fd_err = p[1][0];
	live->fd_trace = p[2][0];
	r->res->nprogs++;
	return 0;
}

void program_finish(struct runner *r)
{
	for (int k = 0; k < r->res->nprogs; k++) {
		struct result_program *pg = &r->res->progs[k];
		struct prog_live *live = &r->progs[k];

		/* stop() and wait() said so already; otherwise the trace tells,
		 * and the actor that started it knows the status */
		if (pg->end == PROG_RUNNING && live->exited)
			pg->end = PROG_EXITED;
		else if (pg->end == PROG_RUNNING && pg->traced && live->fd_trace < 0)
			pg->end = PROG_VANISHED;
		if (pg->end == PROG_EXITED || pg->end == PROG_VANISHED ||
		    (pg->end == PROG_RUNNING && !pg->traced)) {
			/* a dying program (its trace closed) gets a moment to
			 * become a zombie; an untraced one is only looked at */
			long st =
			    actor_reap(&r->actors[pg->proc], pg->pid,
				       pg->end == PROG_RUNNING ? 0 : 200, r->opts->step_timeout_ms);

			if (st >= 0) {
				pg->end = PROG_ENDED;
				pg->status = st;
			}
		}
		int fds[3] = {live->fd_out, live->fd_err, live->fd_trace};

		for (int j = 0; j < 3; j++)
			if (fds[j] >= 0)
				close(fds[j]);
		live->fd_out = live->fd_err = live->fd_trace = -1;
	}
}

/* "bind(3, 0.0.0.0:8080) = -1 EADDRINUSE" for a traced call. */
void program_trace_str(const struct trace_rec *t, char *buf, size_t len)
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

		if (known && opt == OPT_SO_LINGER)
			snprintf(buf, len, "setsockopt(%d, SO_LINGER, %d, %d) = %s", t->fd,
				 t->optval, t->optval2, res);
		else
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
