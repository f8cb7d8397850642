/* parser.c - the scenario language (docs/scenario-language.md) into plans.
 * It never touches the kernel; every error is one line FILE:LINE:COL. */
#include "plan.h"

#include "lex.h"
#include "names.h"
#include "variant.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FILE_MAX_LEN (1 << 20)
#define HOSTS_MAX 8
#define PROCS_MAX 64
#define VARS_MAX 64

/* The state of parsing one variant. */
struct ps {
	struct src src; /* file, line, the caller's err */
	struct plan *p;
	int caps_steps, caps_procs, caps_vars;
	uint64_t held[VARS_MAX]; /* per variable: bit i = process i holds it */
	int prog_proc[VARS_MAX]; /* per variable: the process that run() it, or -1 */
	int scenario_seen;
};

/* Every parse error: "FILE:LINE:COL: message" (lex.h). */
#define perr(ps, col, ...) src_err(&(ps)->src, (col), __VA_ARGS__)

int plan_step_is_check(const struct plan_step *st)
{
	return st->kind >= STEP_EXPECT_PACKETS;
}

/* --- small scanners ------------------------------------------------------ */

static int host_index(const struct plan *p, const char *name)
{
	for (int h = 0; h < p->nhosts; h++)
		if (!strcmp(p->hosts[h].name, name))
			return h;
	return -1;
}

static struct plan_step *new_step(struct ps *ps, enum step_kind kind, const char *text, int col)
{
	struct plan *p = ps->p;
	struct plan_step *st, *nv;

	nv = array_grow(p->steps, &ps->caps_steps, p->nsteps + 1, sizeof(*p->steps));
	if (!nv) {
		perr(ps, col, "out of memory");
		return NULL;
	}
	p->steps = nv;
	st = &p->steps[p->nsteps++];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->pos.line = ps->src.line;
	st->pos.column = col;
	snprintf(st->text, sizeof(st->text), "%s", text);
	st->proc = -1;
	st->var = -1;
	st->sock = -1;
	st->host = -1;
	/* defaults of the kinds that have them */
	switch (kind) {
	case STEP_LISTEN:
		st->u.listen.backlog = 128;
		break;
	case STEP_FORK:
		st->u.fork.parent = -1;
		break;
	case STEP_STOP:
		st->u.stop.prog = -1;
		st->u.stop.grace_ms = 2000;
		break;
	case STEP_WAIT:
		st->u.wait.prog = -1;
		break;
	case STEP_EXPECT_PACKETS:
	case STEP_WAIT_PACKETS:
		st->u.packets.within_ms = PLAN_WAIT_DEFAULT_MS;
		break;
	case STEP_EXPECT_SOCKET:
	case STEP_WAIT_SOCKET:
		st->u.sockstate.within_ms = PLAN_WAIT_DEFAULT_MS;
		break;
	case STEP_EXPECT_TRACED:
		st->u.traced.prog = -1;
		st->u.traced.within_ms = PLAN_WAIT_DEFAULT_MS;
		break;
	default:
		break;
	}
	return st;
}

/* The process named tok ("server", "server/1", "server/2"); created if
 * create is set and it does not exist.  Returns its index or -1. */
static int proc_lookup(struct ps *ps, const struct tok *t, int create, int forked)
{
	struct plan *p = ps->p;
	char host[PLAN_NAME_MAX], name[PLAN_NAME_MAX + 8];
	const char *slash = strchr(t->s, '/');
	long n = 1;
	int h;

	if (slash) {
		if ((size_t)(slash - t->s) >= sizeof(host) ||
		    number_parse(slash + 1, 1, 999, &n) < 0)
			return perr(ps, t->col + (int)(slash - t->s) + 1,
				    "bad process number in '%s': write HOST/N with N from 1", t->s);
		snprintf(host, sizeof(host), "%.*s", (int)(slash - t->s), t->s);
	} else {
		if (strlen(t->s) >= sizeof(host))
			return perr(ps, t->col, "unknown host '%s'", t->s);
		lex_copy(host, sizeof(host), t->s);
	}
	h = host_index(p, host);
	if (h < 0)
		return perr(ps, t->col, "unknown host '%s': declare it with 'host %s ADDRESS'",
			    host, host);
	if (n == 1)
		snprintf(name, sizeof(name), "%s", host);
	else
		snprintf(name, sizeof(name), "%s/%ld", host, n);
	for (int i = 0; i < p->nprocs; i++)
		if (!strcmp(p->procs[i].name, name)) {
			if (create && forked)
				return perr(ps, t->col,
					    "process '%s' already exists: fork makes a new one",
					    name);
			return i;
		}
	if (!create)
		return perr(ps, t->col, "unknown process '%s'", name);
	if (p->nprocs >= PROCS_MAX)
		return perr(ps, t->col, "too many processes (at most %d)", PROCS_MAX);
	struct plan_proc *nv =
	    array_grow(p->procs, &ps->caps_procs, p->nprocs + 1, sizeof(*p->procs));

	if (!nv)
		return perr(ps, t->col, "out of memory");
	p->procs = nv;
	memset(&p->procs[p->nprocs], 0, sizeof(p->procs[0]));
	snprintf(p->procs[p->nprocs].name, sizeof(p->procs[0].name), "%s", name);
	p->procs[p->nprocs].host = h;
	p->procs[p->nprocs].forked = forked;
	return p->nprocs++;
}

static int var_declare(struct ps *ps, const struct tok *t, int proc)
{
	struct plan *p = ps->p;

	if (!lex_is_var(t->s) || strlen(t->s) >= PLAN_NAME_MAX)
		return perr(ps, t->col, "bad socket name '%s': use letters, digits and _", t->s);
	for (int i = 0; i < p->nvars; i++)
		if (!strcmp(p->vars[i], t->s)) {
			ps->held[i] |= 1ull << proc;
			return i;
		}
	if (p->nvars >= VARS_MAX)
		return perr(ps, t->col, "too many sockets (at most %d)", VARS_MAX);
	char(*nv)[PLAN_NAME_MAX] =
	    array_grow(p->vars, &ps->caps_vars, p->nvars + 1, sizeof(*p->vars));

	if (!nv)
		return perr(ps, t->col, "out of memory");
	p->vars = nv;
	lex_copy(p->vars[p->nvars], PLAN_NAME_MAX, t->s);
	ps->held[p->nvars] = 1ull << proc;
	return p->nvars++;
}

static int var_use(struct ps *ps, const struct tok *t, int proc)
{
	struct plan *p = ps->p;

	for (int i = 0; i < p->nvars; i++)
		if (!strcmp(p->vars[i], t->s)) {
			if (!(ps->held[i] & (1ull << proc)))
				return perr(ps, t->col, "socket '%s' is not held by process '%s'",
					    t->s, p->procs[proc].name);
			return i;
		}
	return perr(ps, t->col, "unknown socket '%s'", t->s);
}

/* --- statements ----------------------------------------------------------- */

static int want_args(struct ps *ps, const char *call, int n, int min, int max, int col)
{
	if (n < min || n > max) {
		if (min == max)
			return perr(ps, col, "%s takes %d argument%s, not %d", call, min,
				    min == 1 ? "" : "s", n);
		return perr(ps, col, "%s takes %d to %d arguments, not %d", call, min, max, n);
	}
	return 0;
}

static int arg_int(struct ps *ps, const struct tok *a, long min, long max, long *v)
{
	if (number_parse(a->s, min, max, v) < 0)
		return perr(ps, a->col, "expected a number from %ld to %ld, not '%s'", min, max,
			    a->s);
	return 0;
}

static int arg_ep(struct ps *ps, const struct tok *a, struct endpoint *e)
{
	if (endpoint_parse(a->s, e) < 0) {
		struct addr tmp;

		if (addr_parse(a->s, &tmp) == 0)
			return perr(ps, a->col, "'%s' has no port: write %s%s%s:PORT", a->s,
				    tmp.family == AF_INET6 ? "[" : "", a->s,
				    tmp.family == AF_INET6 ? "]" : "");
		return perr(ps, a->col, "bad address '%s': write 10.0.0.1:8080 or [fd00::1]:8080",
			    a->s);
	}
	return 0;
}

/* send/sendto payload: "text" with C escapes, or a byte count. */
static int arg_data(struct ps *ps, const struct tok *a, char *data, size_t *datalen)
{
	const char *s = a->s;
	size_t n = 0;

	if (s[0] != '"') {
		long v;

		if (arg_int(ps, a, 1, PLAN_DATA_MAX, &v) < 0)
			return -1;
		memset(data, 'x', (size_t)v);
		*datalen = (size_t)v;
		return 0;
	}
	size_t len = strlen(s);

	if (len < 2 || s[len - 1] != '"')
		return perr(ps, a->col, "unterminated string");
	for (size_t i = 1; i < len - 1; i++) {
		char c = s[i];

		if (c == '\\') {
			char e = s[++i];

			if (i >= len - 1)
				return perr(ps, a->col + (int)i, "unfinished escape");
			if (e == 'n')
				c = '\n';
			else if (e == 't')
				c = '\t';
			else if (e == 'r')
				c = '\r';
			else if (e == '\\' || e == '"')
				c = e;
			else if (e == 'x' && isxdigit((unsigned char)s[i + 1]) &&
				 isxdigit((unsigned char)s[i + 2])) {
				char hex[3] = {s[i + 1], s[i + 2], 0};

				c = (char)strtol(hex, NULL, 16);
				i += 2;
			} else {
				return perr(ps, a->col + (int)i - 1, "unknown escape '\\%c'", e);
			}
		}
		if (n == PLAN_DATA_MAX)
			return perr(ps, a->col, "payload longer than %d bytes", PLAN_DATA_MAX);
		data[n++] = c;
	}
	*datalen = n;
	return 0;
}

static const struct {
	const char *name;
	enum step_kind kind;
	int min, max;
} calls[] = {
    {"socket", STEP_SOCKET, 1, 2},     {"setsockopt", STEP_SETSOCKOPT, 3, 4},
    {"bind", STEP_BIND, 2, 2},	       {"listen", STEP_LISTEN, 1, 2},
    {"connect", STEP_CONNECT, 2, 2},   {"accept", STEP_ACCEPT, 1, 1},
    {"shutdown", STEP_SHUTDOWN, 2, 2}, {"close", STEP_CLOSE, 1, 1},
    {"send", STEP_SEND, 2, 2},	       {"recv", STEP_RECV, 2, 3},
    {"sendto", STEP_SENDTO, 3, 3},     {"fork", STEP_FORK, 1, 1},
    {"exit", STEP_EXIT, 0, 1},	       {"setuid", STEP_SETUID, 1, 1},
    {"exec", STEP_EXEC, 1, 4},	       {"run", STEP_RUN, 1, 8},
    {"stop", STEP_STOP, 1, 2},	       {"wait", STEP_WAIT, 1, 1},
};

/* recv(c, 64) = "hello\n": the bytes the peer must send. */
static int parse_result_data(struct ps *ps, const char *s, int col, struct plan_step *st)
{
	struct step_recv *rv = &st->u.recv;
	struct tok t = {.col = col};
	size_t l;

	if (st->kind != STEP_RECV)
		return perr(ps, col, "only recv() can expect text: write = 5 for a count");
	lex_copy(t.s, sizeof(t.s), s);
	l = strlen(t.s);
	while (l && (t.s[l - 1] == ' ' || t.s[l - 1] == '\t'))
		t.s[--l] = '\0';
	if (arg_data(ps, &t, rv->data, &rv->datalen) < 0)
		return -1;
	if (rv->dontwait)
		return perr(ps, col, "recv(..., dontwait) cannot expect text: it does not wait");
	if (!rv->until_eof && rv->datalen > rv->max)
		return perr(ps, col, "the text is %zu bytes, more than recv() reads (%zu)",
			    rv->datalen, rv->max);
	rv->has_data = 1;
	st->expect.has_expect = 1;
	st->expect.value = (long)rv->datalen;
	st->expect.pos.line = ps->src.line;
	st->expect.pos.column = col;
	return 0;
}

static int parse_result(struct ps *ps, const char *s, int col, struct plan_step *st)
{
	struct tok t[3];
	int n;
	long v;

	while (*s == ' ' || *s == '\t') {
		s++;
		col++;
	}
	if (*s == '"')
		return parse_result_data(ps, s, col, st);
	n = lex_split_ws(s, col, t, 3);

	if (n <= 0)
		return perr(ps, col, "expected a result after '='");
	if (n > 2)
		return perr(ps, t[2].col, "unexpected '%s' after the result", t[2].s);
	if (!strcmp(t[0].s, "*") && n == 1) {
		/* any result, failure included: for what is not the point of the
		 * scenario (a client's read while the server goes away) */
		st->expect.has_expect = 1;
		st->expect.any = 1;
		return 0;
	}
	if (number_parse(t[0].s, -1, 1L << 30, &v) < 0)
		return perr(ps, t[0].col, "bad result '%s': write 0, a count, -1 ERRNO or *",
			    t[0].s);
	st->expect.has_expect = 1;
	st->expect.value = v;
	st->expect.pos.line = ps->src.line;
	st->expect.pos.column = t[0].col;
	if (v == -1) {
		if (n < 2)
			return perr(ps, t[0].col, "-1 needs an errno name: -1 EADDRINUSE");
		st->expect.err = errno_from_name(t[1].s);
		if (st->expect.err < 0)
			return perr(ps, t[1].col, "unknown errno '%s'", t[1].s);
	} else if (n == 2) {
		return perr(ps, t[1].col, "'%s' after a result that is not -1", t[1].s);
	}
	if ((st->kind == STEP_SOCKET || st->kind == STEP_ACCEPT) && v != -1)
		return perr(ps, t[0].col,
			    "a descriptor's number is not expected: write '= -1 ERRNO' or nothing");
	return 0;
}

static int parse_call_args(struct ps *ps, struct plan_step *st, const char *call, struct tok *a,
			   int n, int callcol)
{
	long v;

	switch (st->kind) {
	case STEP_SOCKET:
		if (!strcmp(a[0].s, "tcp") || !strcmp(a[0].s, "tcp6")) {
			st->u.socket.socktype = SOCK_STREAM;
		} else if (!strcmp(a[0].s, "udp") || !strcmp(a[0].s, "udp6")) {
			st->u.socket.socktype = SOCK_DGRAM;
		} else {
			return perr(ps, a[0].col,
				    "unknown socket kind '%s': tcp, tcp6, udp or udp6", a[0].s);
		}
		st->u.socket.family = strchr(a[0].s, '6') ? AF_INET6 : AF_INET;
		if (n == 2) {
			if (strcmp(a[1].s, "cloexec"))
				return perr(ps, a[1].col, "unknown socket flag '%s': only cloexec",
					    a[1].s);
			st->u.socket.cloexec = 1;
		}
		return 0;
	case STEP_SETSOCKOPT: {
		struct step_setsockopt *so = &st->u.setsockopt;

		if (names_opt_from_name(a[1].s, &so->opt) < 0)
			return perr(ps, a[1].col, "unknown socket option '%s'", a[1].s);
		if (so->opt == OPT_SO_LINGER && n != 4)
			return perr(ps, a[1].col, "SO_LINGER takes two values: on/off and seconds");
		if (so->opt != OPT_SO_LINGER && n != 3)
			return perr(ps, a[1].col, "%s takes one value", a[1].s);
		if (arg_int(ps, &a[2], 0, 1 << 30, &v) < 0)
			return -1;
		so->val = (int)v;
		if (n == 4) {
			if (arg_int(ps, &a[3], 0, 1 << 30, &v) < 0)
				return -1;
			so->linger_secs = (int)v;
		}
		return 0;
	}
	case STEP_BIND:
		return arg_ep(ps, &a[1], &st->u.bind.ep);
	case STEP_CONNECT:
		return arg_ep(ps, &a[1], &st->u.connect.ep);
	case STEP_LISTEN:
		if (n == 2) {
			if (arg_int(ps, &a[1], 0, 65535, &v) < 0)
				return -1;
			st->u.listen.backlog = (int)v;
		}
		return 0;
	case STEP_SHUTDOWN:
		if (!strcmp(a[1].s, "SHUT_RD"))
			st->u.shutdown.how = SHUT_RD;
		else if (!strcmp(a[1].s, "SHUT_WR"))
			st->u.shutdown.how = SHUT_WR;
		else if (!strcmp(a[1].s, "SHUT_RDWR"))
			st->u.shutdown.how = SHUT_RDWR;
		else
			return perr(ps, a[1].col,
				    "expected SHUT_RD, SHUT_WR or SHUT_RDWR, not '%s'", a[1].s);
		return 0;
	case STEP_SEND:
		return arg_data(ps, &a[1], st->u.send.data, &st->u.send.len);
	case STEP_SENDTO:
		if (arg_ep(ps, &a[1], &st->u.send.to) < 0)
			return -1;
		return arg_data(ps, &a[2], st->u.send.data, &st->u.send.len);
	case STEP_RECV:
		if (arg_int(ps, &a[1], 1, PLAN_DATA_MAX, &v) < 0)
			return -1;
		st->u.recv.max = (size_t)v;
		if (n == 3) {
			if (!strcmp(a[2].s, "eof"))
				st->u.recv.until_eof = 1;
			else if (!strcmp(a[2].s, "dontwait"))
				st->u.recv.dontwait = 1;
			else
				return perr(ps, a[2].col, "unknown recv flag '%s': dontwait or eof",
					    a[2].s);
		}
		return 0;
	case STEP_EXIT:
		if (n == 1) {
			if (arg_int(ps, &a[0], 0, 255, &v) < 0)
				return -1;
			st->u.exit.status = (int)v;
		}
		return 0;
	case STEP_STOP:
		if (n == 2 && duration_parse(a[1].s, 600000, 0, &st->u.stop.grace_ms) < 0)
			return perr(ps, a[1].col, "bad grace period '%s': write 2s or 500ms",
				    a[1].s);
		return 0;
	case STEP_RUN:
	case STEP_EXEC:
		/* argv as quoted strings, packed NUL-separated into data */
		for (int k = 0; k < n; k++) {
			struct step_argv *av = &st->u.argv;
			char one[PLAN_DATA_MAX];
			size_t onelen = 0;

			if (a[k].s[0] != '"')
				return perr(ps, a[k].col,
					    "%s takes quoted strings: %s(\"/bin/sleep\", \"30\")",
					    call, call);
			if (arg_data(ps, &a[k], one, &onelen) < 0)
				return -1;
			if (onelen == 0 || memchr(one, '\0', onelen))
				return perr(ps, a[k].col, "an empty or NUL-holding argument");
			if (av->len + onelen + 1 > PLAN_DATA_MAX)
				return perr(ps, a[k].col, "%s arguments longer than %d bytes", call,
					    PLAN_DATA_MAX);
			memcpy(av->argv + av->len, one, onelen);
			av->len += onelen;
			av->argv[av->len++] = '\0';
		}
		st->u.argv.argc = n;
		return 0;
	case STEP_SETUID:
		if (arg_int(ps, &a[0], 0, 4294967294L, &v) < 0)
			return -1;
		st->u.setuid.uid = (unsigned)v;
		return 0;
	default:
		(void)callcol;
		return 0;
	}
}

/* Cut a trailing `depends "REASON"` off rest (in place): the result may
 * differ on another kernel or with other timing, and then it is reported
 * with this reason instead of failing. */
static int parse_depends(struct ps *ps, struct plan_step *st, char *rest, int col)
{
	char *d = NULL;

	for (char *p = strstr(rest, "depends"); p; p = strstr(p + 1, "depends"))
		if ((p == rest || p[-1] == ' ' || p[-1] == '\t') && (p[7] == ' ' || p[7] == '\t'))
			d = p;
	if (!d)
		return 0;
	char *q = d + 7;

	while (*q == ' ' || *q == '\t')
		q++;
	size_t n = strlen(q);

	if (*q != '"' || n < 2 || q[n - 1] != '"')
		return perr(ps, col + (int)(q - rest), "expected a quoted reason after 'depends'");
	if (n - 2 >= sizeof(st->depends))
		return perr(ps, col + (int)(q - rest), "reason too long");
	memcpy(st->depends, q + 1, n - 2);
	st->depends[n - 2] = '\0';
	*d = '\0';
	return 0;
}

static int cut_within(struct ps *ps, char *s, int col, long *ms);

/* Cut a trailing `retry within DUR` off rest (in place). */
static int parse_retry(struct ps *ps, struct plan_step *st, char *rest, int col)
{
	char *d = NULL;

	for (char *p = strstr(rest, "retry"); p; p = strstr(p + 1, "retry"))
		if ((p == rest || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[5] == ' ' || p[5] == '\t' || !p[5]))
			d = p;
	if (!d)
		return 0;
	char *w = d + 5;

	while (*w == ' ' || *w == '\t')
		w++;
	if (strncmp(w, "within", 6) || (w[6] != ' ' && w[6] != '\t'))
		return perr(ps, col + (int)(w - rest), "expected 'retry within DURATION'");
	st->retry_ms = 0;
	if (cut_within(ps, w, col + (int)(w - rest), &st->retry_ms) < 0)
		return -1;
	if (st->retry_ms <= 0)
		return perr(ps, col + (int)(w - rest), "retry needs a duration above 0");
	*d = '\0';
	return 0;
}

/* "PROC: [VAR =] CALL(ARGS) [= RESULT]" */
static int parse_step(struct ps *ps, const char *line, int col0, int colon)
{
	struct tok proc, var = {.col = 0}, callname, args[9];
	const char *s = line;
	size_t i = (size_t)colon + 1, j;
	int n, kind = -1, pi;
	struct plan_step *st;
	char text[PLAN_TEXT_MAX];

	snprintf(proc.s, sizeof(proc.s), "%.*s", colon, line);
	proc.col = col0;
	if (!strchr(proc.s, ' ') && !lex_is_name(proc.s) && !strchr(proc.s, '/'))
		return perr(ps, col0, "unknown statement '%s'", proc.s);
	/* the call: an identifier, maybe preceded by "VAR =" */
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	j = i;
	while (isalnum((unsigned char)s[j]) || s[j] == '_')
		j++;
	snprintf(callname.s, sizeof(callname.s), "%.*s", (int)(j - i), s + i);
	callname.col = col0 + (int)i;
	while (s[j] == ' ' || s[j] == '\t')
		j++;
	if (s[j] == '=' && callname.s[0]) {
		var = callname;
		j++;
		while (s[j] == ' ' || s[j] == '\t')
			j++;
		i = j;
		while (isalnum((unsigned char)s[j]) || s[j] == '_')
			j++;
		snprintf(callname.s, sizeof(callname.s), "%.*s", (int)(j - i), s + i);
		callname.col = col0 + (int)i;
	}
	if (!callname.s[0])
		return perr(ps, callname.col, "expected a call such as bind(s, 10.0.0.1:8080)");
	for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++)
		if (!strcmp(calls[k].name, callname.s))
			kind = (int)k;
	if (kind < 0)
		return perr(ps, callname.col, "unknown call '%s'", callname.s);

	lex_copy(text, sizeof(text), line);
	st = new_step(ps, calls[kind].kind, text, col0);
	if (!st)
		return -1;
	pi = proc_lookup(ps, &proc, 1, st->kind == STEP_FORK);
	if (pi < 0)
		return -1;
	st->proc = pi;
	st->host = ps->p->procs[pi].host;

	/* arguments */
	n = 0;
	if (s[j] == '(') {
		int depth = 0, inq = 0;
		size_t k, q = 0;

		for (k = j; s[k]; k++) {
			if (s[k] == '"' && s[k - 1] != '\\') {
				inq = !inq;
				q = k;
			}
			if (inq)
				continue;
			if (s[k] == '(')
				depth++;
			if (s[k] == ')' && --depth == 0)
				break;
		}
		if (!s[k] && inq)
			return perr(ps, col0 + (int)q, "unterminated string");
		if (!s[k])
			return perr(ps, col0 + (int)k, "expected ')'");
		char inner[LEX_LINE_MAX + 1];

		snprintf(inner, sizeof(inner), "%.*s", (int)(k - j - 1), s + j + 1);
		n = lex_split_args(&ps->src, inner, col0 + (int)j + 1, args, 9);
		if (n < 0)
			return -1;
		j = k + 1;
	} else if (st->kind != STEP_EXIT) {
		return perr(ps, col0 + (int)j, "expected '(' after '%s'", callname.s);
	}
	if (want_args(ps, callname.s, n, calls[kind].min, calls[kind].max, callname.col) < 0)
		return -1;

	/* the socket argument and the declared variable */
	if (st->kind == STEP_STOP || st->kind == STEP_WAIT) {
		int *prog = st->kind == STEP_STOP ? &st->u.stop.prog : &st->u.wait.prog;

		*prog = var_use(ps, &args[0], pi);
		if (*prog < 0)
			return -1;
	} else if (st->kind != STEP_SOCKET && st->kind != STEP_FORK && st->kind != STEP_EXIT &&
		   st->kind != STEP_SETUID && st->kind != STEP_EXEC && st->kind != STEP_RUN) {
		st->sock = var_use(ps, &args[0], pi);
		if (st->sock < 0)
			return -1;
	}
	if (st->kind == STEP_SOCKET || st->kind == STEP_ACCEPT || st->kind == STEP_RUN) {
		if (!var.s[0] && st->kind == STEP_RUN)
			return perr(ps, callname.col,
				    "run needs a name for the program: p = run(...)");
		if (!var.s[0] && st->kind == STEP_ACCEPT)
			return perr(ps, callname.col,
				    "accept needs a name for the new socket: "
				    "a = accept(s)");
		if (!var.s[0])
			return perr(ps, callname.col, "socket needs a name: s = socket(tcp)");
		st->var = var_declare(ps, &var, pi);
		if (st->var < 0)
			return -1;
		ps->prog_proc[st->var] = st->kind == STEP_RUN ? pi : -1;
	} else if (var.s[0]) {
		return perr(ps, var.col, "only socket, accept and run give a name");
	}
	if (st->kind == STEP_FORK) {
		/* a parent that did nothing yet still exists from the start */
		int parent = proc_lookup(ps, &args[0], 1, 0);

		if (parent < 0)
			return -1;
		st->u.fork.parent = parent;
		if (ps->p->procs[parent].host != ps->p->procs[pi].host)
			return perr(ps, args[0].col, "fork stays on one host: '%s' is on another",
				    args[0].s);
		for (int v = 0; v < ps->p->nvars; v++)
			if (ps->held[v] & (1ull << parent))
				ps->held[v] |= 1ull << pi;
	}
	if (parse_call_args(ps, st, callname.s, args, n, callname.col) < 0)
		return -1;

	/* "= RESULT [depends "REASON"]" */
	char rest[LEX_LINE_MAX + 1];

	lex_copy(rest, sizeof(rest), s + j);
	if (parse_depends(ps, st, rest, col0 + (int)j) < 0 ||
	    parse_retry(ps, st, rest, col0 + (int)j) < 0)
		return -1;
	size_t r = 0;

	while (rest[r] == ' ' || rest[r] == '\t')
		r++;
	if (rest[r] == '=')
		return parse_result(ps, rest + r + 1, col0 + (int)(j + r) + 1, st);
	if (rest[r])
		return perr(ps, col0 + (int)(j + r), "unexpected '%s' after the call", rest + r);
	if (st->depends[0] || st->retry_ms)
		return perr(ps, col0 + (int)j, "'%s' needs a result to qualify: = RESULT %s",
			    st->depends[0] ? "depends" : "retry",
			    st->depends[0] ? "depends \"why\"" : "retry within 70s");
	return 0;
}

/* A packet peer: host, address, :port, host:port, address:port. */
static int parse_peer(struct ps *ps, const char *s, int col, struct pkt_peer *pp)
{
	struct endpoint e;
	char host[PLAN_NAME_MAX + 8];
	const char *c;
	long port;

	pp->host = -1;
	pp->port = -1;
	memset(&pp->addr, 0, sizeof(pp->addr));
	if (!*s)
		return perr(ps, col, "expected a host, an address or a port");
	if (s[0] == ':') {
		if (number_parse(s + 1, 0, 65535, &port) < 0)
			return perr(ps, col, "bad port '%s'", s);
		pp->port = (int)port;
		return 0;
	}
	if (addr_parse(s, &pp->addr) == 0)
		return 0;
	if (endpoint_parse(s, &e) == 0) {
		pp->addr = e.addr;
		pp->port = e.port;
		return 0;
	}
	c = strrchr(s, ':');
	snprintf(host, sizeof(host), "%.*s", c ? (int)(c - s) : (int)strlen(s), s);
	pp->host = host_index(ps->p, host);
	if (pp->host < 0)
		return perr(ps, col, "unknown host or bad address '%s'", host);
	if (c) {
		if (number_parse(c + 1, 0, 65535, &port) < 0)
			return perr(ps, col + (int)(c - s) + 1, "bad port '%s'", c + 1);
		pp->port = (int)port;
	}
	return 0;
}

/* Cut a trailing "within DUR" off s (in place); 0 if none. */
static int cut_within(struct ps *ps, char *s, int col, long *ms)
{
	char *w = NULL;

	for (char *p = strstr(s, "within"); p; p = strstr(p + 1, "within"))
		if ((p == s || p[-1] == ' ' || p[-1] == '\t') && (p[6] == ' ' || p[6] == '\t'))
			w = p;
	if (!w)
		return 0;
	char *d = w + 6;

	while (*d == ' ' || *d == '\t')
		d++;
	if (duration_parse(d, 600000, 0, ms) < 0)
		return perr(ps, col + (int)(d - s),
			    "bad duration '%s': write 500ms or 2s (at most 600s)", d);
	*w = '\0';
	return 0;
}

static int parse_packets(struct ps *ps, struct plan_step *st, char *rest, int col)
{
	struct step_packets *pk = &st->u.packets;
	char *p = rest;

	if (cut_within(ps, rest, col, &pk->within_ms) < 0)
		return -1;
	for (;;) {
		char *semi = strchr(p, ';'), *gt;
		struct tok t[3];
		int pcol = col + (int)(p - rest), n;
		struct pkt_pattern *pat;

		if (semi)
			*semi = '\0';
		gt = strchr(p, '>');
		while (*p == ' ' || *p == '\t')
			p++, pcol++;
		if (!*p)
			return perr(ps, pcol, "expected a packet such as server>client F.");
		if (!gt)
			return perr(ps, pcol, "expected SRC>DST FLAGS, not '%s'", p);
		if (pk->npkts == PLAN_PKTS_MAX)
			return perr(ps, pcol, "too many packets (at most %d)", PLAN_PKTS_MAX);
		pat = &pk->pkts[pk->npkts++];
		pat->pos.line = ps->src.line;
		pat->pos.column = pcol;
		*gt = '\0';
		n = lex_split_ws(p, pcol, t, 2);
		if (n != 1)
			return perr(ps, pcol, "expected one source before '>'");
		if (parse_peer(ps, t[0].s, t[0].col, &pat->src) < 0)
			return -1;
		int rcol = col + (int)(gt + 1 - rest);

		n = lex_split_ws(gt + 1, rcol, t, 3);
		if (n < 1)
			return perr(ps, rcol, "expected a destination after '>'");
		if (n < 2)
			return perr(ps, t[0].col + (int)strlen(t[0].s),
				    "expected flags after '%s': S, S., ., F., R, R., P. or udp",
				    t[0].s);
		if (n > 2)
			return perr(ps, t[2].col, "unexpected '%s': separate packets with ';'",
				    t[2].s);
		if (parse_peer(ps, t[0].s, t[0].col, &pat->dst) < 0)
			return -1;
		if (!strcmp(t[1].s, "udp")) {
			pat->proto = IPPROTO_UDP;
		} else {
			pat->proto = IPPROTO_TCP;
			if (plan_flags_parse(t[1].s, &pat->flags) < 0)
				return perr(ps, t[1].col,
					    "bad flags '%s': S, S., ., F., R, R., P. or udp",
					    t[1].s);
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	return 0;
}

static int parse_socket_check(struct ps *ps, struct plan_step *st, char *rest, int col)
{
	struct step_sockstate *ss = &st->u.sockstate;
	struct tok t[6];
	int n, k = 0;

	if (cut_within(ps, rest, col, &ss->within_ms) < 0)
		return -1;
	n = lex_split_ws(rest, col, t, 6);
	if (n < 3)
		return perr(ps, col, "expected HOST ADDRESS:PORT STATE");
	if (n > 5)
		return perr(ps, t[5].col, "unexpected '%s'", t[5].s);
	st->host = host_index(ps->p, t[0].s);
	if (st->host < 0)
		return perr(ps, t[0].col, "unknown host '%s'", t[0].s);
	k = 1;
	if (lex_ep_any(t[k].s, &ss->local, &ss->local_any_port) < 0)
		return perr(ps, t[k].col, "bad address '%s': write 10.0.0.1:8080 or 10.0.0.1:*",
			    t[k].s);
	k++;
	if (!strcmp(t[k].s, ">")) {
		if (k + 2 >= n + 1 || k + 1 >= n)
			return perr(ps, t[k].col, "expected a remote address after '>'");
		if (lex_ep_any(t[k + 1].s, &ss->remote, &ss->remote_any_port) < 0)
			return perr(ps, t[k + 1].col, "bad address '%s'", t[k + 1].s);
		ss->has_remote = 1;
		k += 2;
	}
	if (k >= n)
		return perr(ps, col + (int)strlen(rest), "expected a state such as TIME_WAIT");
	if (k != n - 1)
		return perr(ps, t[k + 1].col, "unexpected '%s'", t[k + 1].s);
	ss->state = plan_state_from_name(t[k].s);
	if (ss->state < 0)
		return perr(ps, t[k].col, "unknown state '%s'", t[k].s);
	return 0;
}

/* "expect traced HOST CALL(ARGS) [= RESULT] [within DUR]": a socket call of
 * a program started with run(), as libbindlab-trace.so reported it. */
static int parse_traced(struct ps *ps, const char *line, int col0, int restcol, int negate)
{
	char buf[LEX_LINE_MAX + 1], *rest, *open, *close;
	struct tok t[2];
	struct plan_step *st;
	struct step_traced *tr;

	st = new_step(ps, STEP_EXPECT_TRACED, line, col0);
	if (!st)
		return -1;
	tr = &st->u.traced;
	tr->negate = negate;
	lex_copy(buf, sizeof(buf), line + (restcol - col0));
	rest = buf;
	tr->within_ms = -1;
	if (cut_within(ps, rest, restcol, &tr->within_ms) < 0)
		return -1;
	/* "not traced" looks at what was made so far: nothing to wait for */
	if (negate && tr->within_ms >= 0)
		return perr(
		    ps, restcol + (int)strlen(rest),
		    "'expect not traced' takes no 'within': it looks at the calls made so far");
	if (tr->within_ms < 0)
		tr->within_ms = negate ? 0 : PLAN_WAIT_DEFAULT_MS;
	if (lex_split_ws(rest, restcol, t, 2) < 2)
		return perr(ps, restcol,
			    "expected: expect traced HOST bind(ADDRESS:PORT) = RESULT");
	st->host = host_index(ps->p, t[0].s);
	for (int v = 0; st->host < 0 && v < ps->p->nvars; v++)
		if (!strcmp(ps->p->vars[v], t[0].s) && ps->prog_proc[v] >= 0) {
			tr->prog = v; /* one program: the one run() named so */
			st->host = ps->p->procs[ps->prog_proc[v]].host;
		}
	if (st->host < 0)
		return perr(ps, t[0].col, "unknown host or program '%s'", t[0].s);
	open = strchr(rest + (t[1].col - restcol), '(');
	close = open ? strchr(open, ')') : NULL;
	if (!open || !close)
		return perr(ps, t[1].col, "expected a call such as bind(*:8080)");
	*open = '\0';
	*close = '\0';
	const char *call = rest + (t[1].col - restcol);
	int acol = restcol + (int)(open + 1 - rest);
	struct tok a[3];
	int n = lex_split_args(&ps->src, open + 1, acol, a, 3);

	if (n < 0)
		return -1;
	if (!strcmp(call, "bind") || !strcmp(call, "connect")) {
		tr->call = !strcmp(call, "bind") ? STEP_BIND : STEP_CONNECT;
		if (n != 1)
			return perr(ps, acol, "%s takes one address here: %s(*:8080)", call, call);
		if (!strncmp(a[0].s, "*:", 2)) {
			long port;

			if (number_parse(a[0].s + 2, 1, 65535, &port) < 0)
				return perr(ps, a[0].col, "bad port in '%s'", a[0].s);
			tr->ep.port = (uint16_t)port;
		} else if (arg_ep(ps, &a[0], &tr->ep) < 0) {
			return -1;
		}
	} else if (!strcmp(call, "listen")) {
		tr->call = STEP_LISTEN;
		if (n != 0)
			return perr(ps, acol, "listen takes no argument here: listen()");
	} else if (!strcmp(call, "setsockopt")) {
		long v;

		tr->call = STEP_SETSOCKOPT;
		if (n < 2)
			return perr(ps, acol, "setsockopt takes OPTION, VALUE here");
		if (names_opt_from_name(a[0].s, &tr->opt) < 0)
			return perr(ps, a[0].col, "unknown socket option '%s'", a[0].s);
		if (tr->opt == OPT_SO_LINGER ? n != 3 : n != 2)
			return perr(
			    ps, acol,
			    tr->opt == OPT_SO_LINGER
				? "SO_LINGER takes ONOFF, SECONDS here: setsockopt(SO_LINGER, 1, 0)"
				: "setsockopt takes OPTION, VALUE here");
		if (arg_int(ps, &a[1], 0, 1 << 30, &v) < 0)
			return -1;
		tr->val = (int)v;
		if (n == 3) {
			if (arg_int(ps, &a[2], 0, 1 << 30, &v) < 0)
				return -1;
			tr->linger_secs = (int)v;
		}
	} else {
		return perr(ps, t[1].col,
			    "cannot expect a traced '%s': bind, listen, connect or setsockopt",
			    call);
	}
	char *r = close + 1;

	while (*r == ' ' || *r == '\t')
		r++;
	/* "setsockopt(SO_REUSEADDR, 1) before bind(*:8080)": on the same socket,
	 * and earlier than its bind */
	if (!strncmp(r, "before", 6) && (r[6] == ' ' || r[6] == '\t')) {
		char *b = r + 6, *bend;

		while (*b == ' ' || *b == '\t')
			b++;
		bend = strchr(b, ')');
		if (tr->call != STEP_SETSOCKOPT || strncmp(b, "bind(", 5) || !bend)
			return perr(ps, restcol + (int)(b - rest),
				    "write: setsockopt(OPTION, VALUE) before bind(ADDRESS:PORT)");
		*bend = '\0';
		struct tok ep = {.col = restcol + (int)(b + 5 - rest)};

		lex_copy(ep.s, sizeof(ep.s), b + 5);
		if (!strncmp(ep.s, "*:", 2)) {
			long port;

			if (number_parse(ep.s + 2, 1, 65535, &port) < 0)
				return perr(ps, ep.col, "bad port in '%s'", ep.s);
			memset(&tr->before, 0, sizeof(tr->before));
			tr->before.port = (uint16_t)port;
		} else if (arg_ep(ps, &ep, &tr->before) < 0) {
			return -1;
		}
		tr->has_before = 1;
		r = bend + 1;
		while (*r == ' ' || *r == '\t')
			r++;
	}
	if (*r == '=')
		return parse_result(ps, r + 1, restcol + (int)(r + 1 - rest), st);
	if (*r)
		return perr(ps, restcol + (int)(r - rest), "unexpected '%s'", r);
	return 0;
}

/* expect packets ..., expect socket ..., wait until packets/socket ... */
static int parse_check(struct ps *ps, const char *line, int col0)
{
	char buf[LEX_LINE_MAX + 1];
	struct tok t[3];
	int wait = !strncmp(line, "wait", 4);
	int n = lex_split_ws(line, col0, t, 3);
	int what = wait ? 2 : 1;
	struct plan_step *st;
	char *rest;

	if (wait && (n < 2 || strcmp(t[1].s, "until")))
		return perr(ps, n >= 2 ? t[1].col : col0 + 4, "expected 'wait until'");
	if (n <= what)
		return perr(ps, col0 + (int)strlen(line), "expected 'packets' or 'socket'");
	int ispk = !strcmp(t[what].s, "packets");

	if (!wait && !strcmp(t[what].s, "traced"))
		return parse_traced(ps, line, col0, t[what].col + 6, 0);
	if (!wait && !strcmp(t[what].s, "not")) {
		struct tok t3[3];

		if (lex_split_ws(line, col0, t3, 3) < 3 || strcmp(t3[2].s, "traced"))
			return perr(ps, t[what].col, "expected 'expect not traced'");
		return parse_traced(ps, line, col0, t3[2].col + 6, 1);
	}
	if (!ispk && strcmp(t[what].s, "socket"))
		return perr(ps, t[what].col, "expected 'packets', 'socket' or 'traced', not '%s'",
			    t[what].s);
	st = new_step(ps,
		      ispk ? (wait ? STEP_WAIT_PACKETS : STEP_EXPECT_PACKETS)
			   : (wait ? STEP_WAIT_SOCKET : STEP_EXPECT_SOCKET),
		      line, col0);
	if (!st)
		return -1;
	int restcol = t[what].col + (int)strlen(t[what].s);

	snprintf(buf, sizeof(buf), "%s", line + (restcol - col0));
	rest = buf;
	return ispk ? parse_packets(ps, st, rest, restcol)
		    : parse_socket_check(ps, st, rest, restcol);
}

/* "fast-forward timewait HOST ADDR:PORT": end the TIME_WAIT sockets there
 * now, through sock_diag, as `ss -K` does. */
static int parse_fastforward(struct ps *ps, const char *line, int col0)
{
	struct tok t[5];
	int n = lex_split_ws(line, col0, t, 5);
	struct plan_step *st;

	if (n < 2 || strcmp(t[1].s, "timewait"))
		return perr(ps, n < 2 ? col0 + 12 : t[1].col,
			    "expected: fast-forward timewait HOST ADDRESS:PORT");
	if (n != 4)
		return perr(ps, n > 4 ? t[4].col : col0 + (int)strlen(line),
			    "expected: fast-forward timewait HOST ADDRESS:PORT");
	st = new_step(ps, STEP_FASTFORWARD, line, col0);
	if (!st)
		return -1;
	st->host = host_index(ps->p, t[2].s);
	if (st->host < 0)
		return perr(ps, t[2].col, "unknown host '%s'", t[2].s);
	if (lex_ep_any(t[3].s, &st->u.fastforward.local, &st->u.fastforward.local_any_port) < 0)
		return perr(ps, t[3].col, "bad address '%s': write 10.0.0.1:8080", t[3].s);
	return 0;
}

static int parse_host(struct ps *ps, const char *line, int col0)
{
	struct tok t[2 + PLAN_ADDRS_MAX + 1];
	int n = lex_split_ws(line, col0, t, 2 + PLAN_ADDRS_MAX + 1);
	struct plan *p = ps->p;
	struct plan_host *h;

	if (n < 0 || n > 2 + PLAN_ADDRS_MAX)
		return perr(ps, n < 0 ? col0 : t[2 + PLAN_ADDRS_MAX].col,
			    "a host has at most %d addresses", PLAN_ADDRS_MAX);
	if (n < 2)
		return perr(ps, col0 + 4, "expected a host name: host server 10.0.0.1");
	if (!lex_is_name(t[1].s) || strlen(t[1].s) >= PLAN_NAME_MAX)
		return perr(ps, t[1].col, "bad host name '%s': lowercase letters, digits, - and _",
			    t[1].s);
	if (host_index(p, t[1].s) >= 0)
		return perr(ps, t[1].col, "host '%s' is declared twice", t[1].s);
	if (p->nhosts >= HOSTS_MAX)
		return perr(ps, t[1].col, "too many hosts (at most %d)", HOSTS_MAX);
	struct plan_host *nv = realloc(p->hosts, (size_t)(p->nhosts + 1) * sizeof(*nv));

	if (!nv)
		return perr(ps, col0, "out of memory");
	p->hosts = nv;
	h = &p->hosts[p->nhosts++];
	memset(h, 0, sizeof(*h));
	lex_copy(h->name, sizeof(h->name), t[1].s);
	h->pos.line = ps->src.line;
	h->pos.column = col0;
	for (int k = 2; k < n; k++) {
		if (addr_parse(t[k].s, &h->addrs[h->naddrs]) < 0)
			return perr(ps, t[k].col, "bad address '%s'", t[k].s);
		for (int q = 0; q < h->naddrs; q++)
			if (addr_equal(&h->addrs[q], &h->addrs[h->naddrs]))
				return perr(ps, t[k].col, "address '%s' given twice", t[k].s);
		h->naddrs++;
	}
	return 0;
}

static int parse_sysctl(struct ps *ps, const char *line, int col0)
{
	struct tok t[2];
	const char *s = line + 6, *eq, *val;
	struct plan_host *h;
	int hi;

	int n = lex_split_ws(s, col0 + 6, t, 1);

	if (n < 1)
		return perr(ps, col0 + 6, "expected: sysctl HOST KEY=VALUE");
	hi = host_index(ps->p, t[0].s);
	if (hi < 0)
		return perr(ps, t[0].col, "unknown host '%s'", t[0].s);
	s = line + (t[0].col - col0) + strlen(t[0].s);
	while (*s == ' ' || *s == '\t')
		s++;
	int kcol = col0 + (int)(s - line);

	eq = strchr(s, '=');
	if (!*s || !eq)
		return perr(ps, kcol, "expected KEY=VALUE");
	if (strncmp(s, "net.", 4))
		return perr(ps, kcol, "only net.* sysctls can be set inside a namespace");
	if ((size_t)(eq - s) >= sizeof(h->sysctls[0].key))
		return perr(ps, kcol, "sysctl name too long");
	for (const char *c = s; c < eq; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
			return perr(ps, kcol + (int)(c - s), "bad sysctl name");
	val = eq + 1;
	char value[64];

	if (*val == '"') {
		const char *end = strchr(val + 1, '"');

		if (!end)
			return perr(ps, kcol + (int)(val - s), "unterminated string");
		if (end[1] && end[1] != ' ' && end[1] != '\t')
			return perr(ps, kcol + (int)(end + 1 - s),
				    "unexpected text after the value");
		if ((size_t)(end - val - 1) >= sizeof(value))
			return perr(ps, kcol + (int)(val - s), "value too long");
		snprintf(value, sizeof(value), "%.*s", (int)(end - val - 1), val + 1);
	} else {
		size_t l = strcspn(val, " \t");

		if (!l)
			return perr(ps, kcol + (int)(val - s), "expected a value after '='");
		if (val[l + strspn(val + l, " \t")])
			return perr(ps,
				    kcol + (int)(val - s + (long)l + (long)strspn(val + l, " \t")),
				    "unexpected text after the value: quote a value with spaces");
		if (l >= sizeof(value))
			return perr(ps, kcol + (int)(val - s), "value too long");
		snprintf(value, sizeof(value), "%.*s", (int)l, val);
	}
	h = &ps->p->hosts[hi];
	struct plan_sysctl *nv = realloc(h->sysctls, (size_t)(h->nsysctls + 1) * sizeof(*nv));

	if (!nv)
		return perr(ps, col0, "out of memory");
	h->sysctls = nv;
	struct plan_sysctl *sc = &h->sysctls[h->nsysctls++];

	memset(sc, 0, sizeof(*sc));
	snprintf(sc->key, sizeof(sc->key), "%.*s", (int)(eq - s), s);
	snprintf(sc->value, sizeof(sc->value), "%s", value);
	sc->pos.line = ps->src.line;
	sc->pos.column = kcol;
	return 0;
}

static int parse_scenario(struct ps *ps, const char *line, int col0)
{
	const char *q = line + 8;

	while (*q == ' ' || *q == '\t')
		q++;
	int qcol = col0 + (int)(q - line);

	if (ps->scenario_seen)
		return perr(ps, col0, "a second 'scenario' line");
	if (*q != '"')
		return perr(ps, qcol, "expected a quoted name: scenario \"rapid restart\"");
	const char *end = strchr(q + 1, '"');

	if (!end)
		return perr(ps, qcol, "unterminated string");
	if (end[1 + strspn(end + 1, " \t")])
		return perr(ps, col0 + (int)(end + 1 - line) + (int)strspn(end + 1, " \t"),
			    "unexpected text after the name");
	snprintf(ps->p->name, sizeof(ps->p->name), "%.*s", (int)(end - q - 1), q + 1);
	ps->scenario_seen = 1;
	return 0;
}

/* One statement (comment stripped, not blank). */
static int parse_line(struct ps *ps, const char *line, int col0)
{
	char first[32];
	size_t n = strcspn(line, " \t:(");

	snprintf(first, sizeof(first), "%.*s", (int)(n < 31 ? n : 31), line);
	if (!strcmp(first, "scenario"))
		return parse_scenario(ps, line, col0);
	if (!strcmp(first, "host"))
		return parse_host(ps, line, col0);
	if (!strcmp(first, "sysctl"))
		return parse_sysctl(ps, line, col0);
	if (!strcmp(first, "expect") || !strcmp(first, "wait"))
		return parse_check(ps, line, col0);
	if (!strcmp(first, "fast-forward"))
		return parse_fastforward(ps, line, col0);
	if (!strcmp(first, "table") || !strcmp(first, "variant"))
		return 0; /* read before, by read_table */
	const char *colon = strchr(line, ':');

	if (colon && line[n] == ':') {
		return parse_step(ps, line, col0, (int)(colon - line));
	}
	return perr(ps, col0, "unknown statement '%s'", first);
}

/* --- lines, comments, variants ------------------------------------------ */

static void plan_free_one(struct plan *p)
{
	for (int h = 0; h < p->nhosts; h++)
		free(p->hosts[h].sysctls);
	free(p->hosts);
	free(p->procs);
	free(p->vars);
	free(p->steps);
}

void plan_free(struct plan *plans, int nplans)
{
	if (!plans)
		return;
	for (int i = 0; i < nplans; i++)
		plan_free_one(&plans[i]);
	free(plans);
}

static int parse_variant(struct ps *ps, struct line *lines, int nlines, const struct table *tb,
			 int row, const struct plan_defs *defs)
{
	for (int i = 0; i < nlines; i++) {
		char buf[LEX_LINE_MAX + 1];

		if (!lines[i].text)
			continue;
		ps->src.line = i + 1;
		if (variant_is_table_line(lines[i].text))
			continue;
		if (variant_substitute(&ps->src, lines[i].text, lines[i].col, tb, row, defs, buf,
				       sizeof(buf)) < 0)
			return -1;
		if (parse_line(ps, buf, lines[i].col) < 0)
			return -1;
	}
	if (!ps->p->nsteps) {
		ps->src.line = nlines > 0 ? nlines : 1;
		return src_err(&ps->src, 1, "no steps");
	}
	return 0;
}

/* The `# key: value` lines of the comment block that opens the text, into
 * the first plan (the others are variants of the same file). */
static void read_meta(const char *text, struct plan *p)
{
	for (const char *s = text; *s == '#' && p->nmeta < PLAN_META_MAX;) {
		const char *nl = strchr(s, '\n'), *k = s + 1, *colon;
		size_t n = nl ? (size_t)(nl - s) : strlen(s), kl;

		while (*k == ' ' || *k == '\t')
			k++;
		kl = strspn(k, "abcdefghijklmnopqrstuvwxyz_-");
		colon = k + kl;
		if (kl && kl < sizeof(p->meta[0].key) && *colon == ':' && colon < s + n) {
			struct plan_meta *m = &p->meta[p->nmeta++];
			const char *v = colon + 1, *end = s + n;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
				end--;
			snprintf(m->key, sizeof(m->key), "%.*s", (int)kl, k);
			snprintf(m->value, sizeof(m->value), "%.*s", (int)(end - v), v);
		}
		if (!nl)
			break;
		s = nl + 1;
	}
}

const char *plan_meta(const struct plan *plan, const char *key)
{
	for (int k = 0; k < plan->nmeta; k++)
		if (!strcmp(plan->meta[k].key, key))
			return plan->meta[k].value;
	return NULL;
}

int plan_parse_string(const char *file, const char *text, struct plan **plans, int *nplans,
		      char *err)
{
	return plan_parse_string_defs(file, text, NULL, plans, nplans, err);
}

int plan_parse_string_defs(const char *file, const char *text, const struct plan_defs *defs,
			   struct plan **plans, int *nplans, char *err)
{
	struct ps ps = {.src = {.file = file, .err = err, .line = 1}};
	struct line *lines = NULL;
	struct table *tb = NULL;
	struct plan *out = NULL;
	char *copy = NULL;
	int nlines = 0, rc = -1, nrows;

	*plans = NULL;
	*nplans = 0;
	copy = strdup(text);
	tb = calloc(1, sizeof(*tb));
	if (!copy || !tb) {
		errf(err, "%s: out of memory", file);
		goto out;
	}
	if (lex_lines(&ps.src, copy, &lines, &nlines) < 0)
		goto out;
	if (variant_read_table(&ps.src, lines, nlines, tb) < 0)
		goto out;
	nrows = tb->line ? tb->nrows : 1;
	out = calloc((size_t)nrows, sizeof(*out));
	if (!out) {
		errf(err, "%s: out of memory", file);
		goto out;
	}
	for (int r = 0; r < nrows; r++) {
		struct plan *p = &out[r];
		const char *base = strrchr(file, '/');

		memset(&ps, 0, sizeof(ps));
		ps.src.file = file;
		ps.src.err = err;
		ps.p = p;
		snprintf(p->file, sizeof(p->file), "%s", file);
		snprintf(p->name, sizeof(p->name), "%s", base ? base + 1 : file);
		char *dot = strrchr(p->name, '.');

		if (dot && !strcmp(dot, ".scn"))
			*dot = '\0';
		if (r == 0) {
			read_meta(text, p);
		} else {
			memcpy(p->meta, out[0].meta, sizeof(p->meta));
			p->nmeta = out[0].nmeta;
		}
		for (int k = 0; tb->line && k < tb->ncols; k++) {
			size_t l = strlen(p->variant);

			snprintf(p->variant + l, sizeof(p->variant) - l, "%s%s=%s", k ? " " : "",
				 tb->cols[k], tb->cells[r][k]);
		}
		*nplans = r + 1;
		if (parse_variant(&ps, lines, nlines, tb, r, defs) < 0)
			goto out;
	}
	*plans = out;
	out = NULL;
	rc = 0;
out:
	if (out)
		plan_free(out, *nplans);
	if (rc < 0)
		*nplans = 0;
	free(copy);
	free(tb);
	free(lines);
	return rc;
}

int plan_parse_file(const char *path, struct plan **plans, int *nplans, char *err)
{
	return plan_parse_file_defs(path, NULL, plans, nplans, err);
}

int plan_parse_file_defs(const char *path, const struct plan_defs *defs, struct plan **plans,
			 int *nplans, char *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;
	int rc;

	*plans = NULL;
	*nplans = 0;
	if (!f)
		return errf(err, "bindlab: cannot open '%s': %s", path, strerror(errno));
	buf = malloc(FILE_MAX_LEN + 1);
	if (!buf) {
		fclose(f);
		return errf(err, "bindlab: out of memory");
	}
	n = fread(buf, 1, FILE_MAX_LEN + 1, f);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(buf);
		return errf(err, "bindlab: cannot read '%s': %s", path, strerror(e));
	}
	fclose(f);
	if (n > FILE_MAX_LEN) {
		free(buf);
		return errf(err, "%s:1:1: file larger than %d bytes", path, FILE_MAX_LEN);
	}
	buf[n] = '\0';
	/* a NUL would end the text early and silently: name its line */
	if (memchr(buf, '\0', n)) {
		int line = 1, col = 1;

		for (char *c = buf; *c; c++) {
			line += *c == '\n';
			col = *c == '\n' ? 1 : col + 1;
		}
		free(buf);
		return errf(err, "%s:%d:%d: NUL byte: not a text file", path, line, col);
	}
	rc = plan_parse_string_defs(path, buf, defs, plans, nplans, err);
	free(buf);
	return rc;
}
