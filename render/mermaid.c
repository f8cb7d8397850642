/* mermaid.c - one run as a Mermaid sequenceDiagram, for Markdown (GitHub and
 * GitLab draw it): the hosts as participants (and a host's processes when it
 * has several, boxed with it), packets as messages with their flags, calls
 * as notes over their lane with the result, the socket in the way of every
 * EADDRINUSE, the verdict of every expectation, long quiet gaps as a note
 * with their real duration, and the run's verdict at the end.
 *
 * Every text comes from a scenario or the kernel and may hold anything, so
 * everything but a few plain characters is written as a Mermaid entity
 * (#35; for '#'): Mermaid turns those into placeholders before it parses,
 * so no '#', ';', ':', '%', '<' or quote of a scenario can end a statement,
 * start a comment or become markup. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "ladder.h"
#include "names.h"
#include "program.h"
#include "render.h"

/* A pause between two events worth saying: Mermaid draws no time axis, so a
 * 60 s TIME_WAIT would otherwise look like the next millisecond.  The
 * threshold is the ladder's (ladder.h), so that both pictures call the same
 * pauses gaps. */
#define GAP_NS LADDER_GAP_NS
/* Mermaid refuses a diagram longer than 50,000 characters (maxTextSize, as
 * GitHub leaves it): past this, the middle of the run is left out. */
#define MMD_BUDGET 40000
/* Notes are wrapped by hand (Mermaid does not): characters a line. */
#define NOTE_COLS 72

struct mmd {
	FILE *out;
	const struct plan *plan;
	const struct result *res;
	int first, last; /* the outermost lanes: a note over all spans them */
};

/* Is the host's lane also its only process's lane?  (A host with several
 * processes has a lane for its network, where packets land, and one per
 * process.) */
static int procs_on(const struct plan *plan, int host)
{
	int n = 0;

	for (int p = 0; p < plan->nprocs; p++)
		n += plan->procs[p].host == host;
	return n;
}

/* Lanes are numbered: host h is lane h; process p of a host with several is
 * lane nhosts + p.  "h0", "p3": Mermaid ids, never shown. */
static int lane_of_proc(const struct plan *plan, int proc)
{
	if (proc < 0 || proc >= plan->nprocs)
		return -1;
	if (procs_on(plan, plan->procs[proc].host) < 2)
		return plan->procs[proc].host;
	return plan->nhosts + proc;
}

static void lane_id(const struct plan *plan, int lane, char *buf, size_t len)
{
	if (lane < plan->nhosts)
		snprintf(buf, len, "h%d", lane);
	else
		snprintf(buf, len, "p%d", lane - plan->nhosts);
}

/* Where text goes: a participant's name is read by a stricter rule than a
 * message, a note or the title (no ',', ':', '=', '-' or '>' there). */
enum esc_mode { ESC_TEXT, ESC_NAME };

/* Characters written as they are.  Never '#' or ';' (they end a statement
 * or start a comment), '%' (a comment or a directive), '<', '>' and '&'
 * (Mermaid reads text as HTML: <br> is a line break). */
static int plain(unsigned char c, enum esc_mode mode)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	if (c && strchr(" ._()/*!?[]@'\"{}|~^$+", c))
		return 1;
	return mode == ESC_TEXT && c && strchr(",:=-", c);
}

/* Words Mermaid acts on before it parses: a line with "style" or
 * "classDef", then ':' and later '#', loses its last ';' (that would break
 * an entity); "wrap:" at the start of a text is an option, not text.  Their
 * first letters are written as entities. */
static int keyword(const char *s, size_t n, int at_start)
{
	if ((n >= 5 && !strncmp(s, "style", 5)) || (n >= 8 && !strncmp(s, "classDef", 8)))
		return 1;
	return at_start && ((n >= 5 && !strncasecmp(s, "wrap:", 5)) ||
			    (n >= 7 && !strncasecmp(s, "nowrap:", 7)));
}

/* The length of the valid UTF-8 sequence at s (of at most n bytes) and its
 * code point, or 0 for an invalid one. */
static int utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	int len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf5 || !len || (size_t)len > n)
		return 0;
	*cp = s[0] & (0x3f >> (len - 1));
	for (int k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[k] & 0x3f);
	}
	if ((len == 3 && *cp < 0x800) || (len == 4 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp <= 0xdfff) || *cp > 0x10ffff)
		return 0;
	return len;
}

/* Text as Mermaid reads it back unchanged: plain characters as they are,
 * other ASCII and the code points that move or break lines (bidi controls,
 * U+2028) as entities, other UTF-8 as it is, invalid bytes and control
 * characters as U+FFFD. */
static void esc_n(FILE *out, const char *text, size_t n, enum esc_mode mode)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < n;) {
		unsigned cp = 0;
		int len;

		if (keyword(text + i, n - i, i == 0)) {
			fprintf(out, "#%u;", s[i++]);
			continue;
		}
		if (s[i] < 0x80) {
			if (plain(s[i], mode))
				fputc(s[i], out);
			else if (s[i] < 0x20 || s[i] == 0x7f)
				fputs("\xef\xbf\xbd", out);
			else
				fprintf(out, "#%u;", s[i]);
			i++;
			continue;
		}
		len = utf8_len(s + i, n - i, &cp);
		if (!len) {
			fputs("\xef\xbf\xbd", out);
			i++;
		} else if (cp < 0xa0 || (cp >= 0x2028 && cp <= 0x202e) ||
			   (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff) {
			fprintf(out, "#%u;", cp);
			i += (size_t)len;
		} else {
			fwrite(s + i, 1, (size_t)len, out);
			i += (size_t)len;
		}
	}
}

static void esc(FILE *out, const char *text)
{
	esc_n(out, text, strlen(text), ESC_TEXT);
}

/* A note's line, escaped, broken at spaces every NOTE_COLS characters
 * (<br> is Mermaid's line break). */
static void esc_wrapped(FILE *out, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < n;) {
		size_t take = n - i;

		if (take > NOTE_COLS) {
			/* at the last space that fits, else the first after: a long
			 * word (a path) stays whole, so that it can be copied */
			const char *sp = memrchr(text + i, ' ', NOTE_COLS + 1);

			if (!sp)
				sp = strchr(text + i + NOTE_COLS, ' ');
			take = sp ? (size_t)(sp - (text + i)) : n - i;
		}
		if (i)
			fputs("<br>", out);
		esc_n(out, text + i, take, ESC_TEXT);
		i += take;
		while (i < n && text[i] == ' ')
			i++;
	}
}

/* "Note over h0,h1: " for the lanes from a to b ("Note over h0: " when one). */
static void note_over(struct mmd *m, int a, int b)
{
	char ia[16], ib[16];

	if (a < 0 || b < 0)
		a = m->first, b = m->last;
	lane_id(m->plan, a, ia, sizeof(ia));
	lane_id(m->plan, b, ib, sizeof(ib));
	if (a == b)
		fprintf(m->out, "    Note over %s: ", ia);
	else
		fprintf(m->out, "    Note over %s,%s: ", ia, ib);
}

/* A note of several lines (NULL ends them, "" lines are left out). */
static void note(struct mmd *m, int a, int b, const char *const *lines)
{
	int n = 0;

	note_over(m, a, b);
	for (int k = 0; lines[k]; k++) {
		if (!lines[k][0])
			continue;
		if (n++)
			fputs("<br>", m->out);
		esc_wrapped(m->out, lines[k]);
	}
	if (!n)
		fputs(" ", m->out);
	fputc('\n', m->out);
}

static void note1(struct mmd *m, int a, int b, const char *text)
{
	const char *lines[] = {text, NULL};

	note(m, a, b, lines);
}

/* "850 ms", "60.0 s", "2 min 5 s" */
static void duration_str(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000000ull)
		snprintf(buf, len, "%.0f ms", (double)ns / 1e6);
	else if (ns < 120000000000ull)
		snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	else
		snprintf(buf, len, "%llu min %llu s", (unsigned long long)(ns / 60000000000ull),
			 (unsigned long long)(ns / 1000000000ull % 60));
}

/* A failed call or check stands out (its words say so too: "= -1 ...",
 * "FAIL"): a rect block behind its note. */
static void rect_begin(struct mmd *m)
{
	fprintf(m->out, "    rect rgba(220, 40, 40, 0.15)\n");
}

static void rect_end(struct mmd *m)
{
	fprintf(m->out, "    end\n");
}

/* A call's (or a traced call's) note: the call, then every socket in the
 * way and its rule. */
static void call_note(struct mmd *m, int lane, const char *what, const struct ev_explain *x,
		      const char *extra, int failed)
{
	const char *lines[2 + 2 * EV_HOLDERS_MAX + 2] = {what};
	char hl[EV_HOLDERS_MAX][400], why[EV_HOLDERS_MAX][330];
	int n = 1;

	for (int k = 0; x && k < x->nholders && k < EV_HOLDERS_MAX; k++) {
		char words[360];

		render_holder_words(m->plan, m->res, &x->holders[k], words, sizeof(words));
		snprintf(hl[k], sizeof(hl[k]), "in the way: %s", words);
		lines[n++] = hl[k];
		snprintf(why[k], sizeof(why[k]), "%s%s", x->holders[k].why[0] ? "why: " : "",
			 x->holders[k].why);
		lines[n++] = why[k];
	}
	lines[n++] = extra;
	lines[n] = NULL;
	if (failed)
		rect_begin(m);
	note(m, lane, lane, lines);
	if (failed)
		rect_end(m);
}

static void ev_call(struct mmd *m, const struct event *e)
{
	const struct ev_call *c = &e->u.call;
	char line[400], d[48], took[64];
	const char *extra = "";

	if (c->step < 0 || c->step >= m->plan->nsteps)
		return;
	/* no "[server/2]" as in the text ladder: a process of several has its lane */
	render_call_words(m->plan, c, line, sizeof(line));
	if (c->model.applicable && !c->model.agrees)
		extra = "bindlab's model of the kernel's rules predicted otherwise here: please "
			"report it";
	else if (c->ret == -1 && c->err == EADDRINUSE && c->expl.nholders == 0)
		extra = "in the way: no socket left on this port by the time we looked";
	else if (c->t_end > e->t && c->t_end - e->t >= GAP_NS) {
		/* a retry that waited out a timer, a recv that waited */
		duration_str(c->t_end - e->t, d, sizeof(d));
		snprintf(took, sizeof(took), "returned %s later", d);
		extra = took;
	}
	call_note(m, lane_of_proc(m->plan, c->proc), line, &c->expl, extra, c->ret == -1);
}

static void ev_trace(struct mmd *m, const struct event *e)
{
	const struct ev_trace *t = &e->u.trace;
	char tl[200], line[400];

	/* the pid says which program (its run() note and its end name it) */
	program_trace_str(&t->rec, tl, sizeof(tl));
	snprintf(line, sizeof(line), "[pid %d] %s", t->rec.pid, tl);
	call_note(m, lane_of_proc(m->plan, t->proc), line, &t->expl, "", t->rec.ret == -1);
}

/* A packet between two hosts is a message from one lane to the other, its
 * flags and ports on it; inside one host (its lo) a message to itself with
 * both ends in full.  Arrow heads say the protocol too: -x a reset, -) a
 * datagram. */
static void ev_packet(struct mmd *m, const struct event *e)
{
	const struct pkt *p = &e->u.pkt;
	int hs = render_host_of(m->plan, &p->src.addr), hd = render_host_of(m->plan, &p->dst.addr);
	int own = e->host >= 0 && e->host < m->plan->nhosts ? e->host : m->first;
	char fl[16], l[80], r[80], text[256], ia[16], ib[16];
	const char *arrow = p->proto == IPPROTO_UDP ? "-)" : p->flags & TH_RST ? "-x" : "->>";

	names_pkt(p->proto, p->flags, fl, sizeof(fl));
	if (hs < 0 || hd < 0 || hs == hd) {
		hs = hd = own;
		snprintf(text, sizeof(text), "%s %s → %s", fl, endpoint_str(&p->src, l, sizeof(l)),
			 endpoint_str(&p->dst, r, sizeof(r)));
	} else
		snprintf(text, sizeof(text), "%s :%d → :%d", fl, p->src.port, p->dst.port);
	if (p->payload_len)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), " len %u",
			 p->payload_len);
	lane_id(m->plan, hs, ia, sizeof(ia));
	lane_id(m->plan, hd, ib, sizeof(ib));
	fprintf(m->out, "    %s%s%s: ", ia, arrow, ib);
	esc(m->out, text);
	fputc('\n', m->out);
}

/* An expectation's verdict: over the host it looks at when it looks at a
 * socket, else over every lane. */
static void ev_check(struct mmd *m, const struct event *e)
{
	const struct ev_check *c = &e->u.check;
	const struct plan_step *st;
	char head[PLAN_TEXT_MAX + 16];
	int lane = -1, is_check;

	if (c->step < 0 || c->step >= m->plan->nsteps)
		return;
	st = &m->plan->steps[c->step];
	is_check = plan_step_is_check(st);
	/* a call that returned what it should says nothing more; one whose
	 * result differs with a known reason ("depends") does */
	if (!is_check && c->ok && !c->msg[0])
		return;
	if (!is_check)
		lane = lane_of_proc(m->plan, st->proc);
	else if ((st->kind == STEP_EXPECT_SOCKET || st->kind == STEP_WAIT_SOCKET) &&
		 st->host >= 0 && st->host < m->plan->nhosts)
		lane = st->host;
	snprintf(head, sizeof(head), "%s %s",
		 !c->ok	    ? "FAIL"
		 : is_check ? "ok"
			    : "note",
		 is_check ? st->text : "");
	const char *lines[] = {head, c->msg, NULL};

	if (!c->ok)
		rect_begin(m);
	note(m, lane, lane, lines);
	if (!c->ok)
		rect_end(m);
}

static void event(struct mmd *m, const struct event *e)
{
	switch (e->kind) {
	case EV_CALL:
		ev_call(m, e);
		break;
	case EV_PACKET:
		ev_packet(m, e);
		break;
	case EV_CHECK:
		ev_check(m, e);
		break;
	case EV_NOTE: {
		char line[EV_MSG_MAX + 16];
		int lane = e->host >= 0 && e->host < m->plan->nhosts ? e->host : -1;

		snprintf(line, sizeof(line), "bindlab: %s", e->u.note.msg);
		note1(m, lane, lane, line);
		break;
	}
	case EV_TRACE:
		ev_trace(m, e);
		break;
	}
}

/* Declare a lane; the first and the last declared bound a note over all. */
static void participant(struct mmd *m, int lane, const char *label)
{
	char id[16];

	lane_id(m->plan, lane, id, sizeof(id));
	fprintf(m->out, "    participant %s as ", id);
	esc_n(m->out, label, strlen(label), ESC_NAME);
	fputc('\n', m->out);
	if (m->first < 0)
		m->first = lane;
	m->last = lane;
}

/* The participants: each host, and where a host has several processes,
 * its processes beside it in a box (the host's own lane is its network,
 * where its packets land).  With two hosts the networks face each other. */
static void host_lanes(struct mmd *m, int h, int net_first)
{
	const struct plan *plan = m->plan;
	char a[64], label[PLAN_NAME_MAX + 64];
	int several = procs_on(plan, h) > 1;

	snprintf(label, sizeof(label), "%s %s%s", plan->hosts[h].name,
		 plan->hosts[h].naddrs ? addr_str(&plan->hosts[h].addrs[0], a, sizeof(a)) : "",
		 several ? " network" : "");
	if (several) {
		/* "transparent" first: a host called "red" is not a colour */
		fprintf(m->out, "    box transparent ");
		esc(m->out, plan->hosts[h].name);
		fputc('\n', m->out);
	}
	for (int pass = 0; pass < 2; pass++) {
		if (pass == !net_first) {
			participant(m, h, label);
			continue;
		}
		for (int p = 0; several && p < plan->nprocs; p++)
			if (plan->procs[p].host == h)
				participant(m, plan->nhosts + p, plan->procs[p].name);
	}
	if (several)
		fprintf(m->out, "    end\n");
}

/* Kernel, mode and sysctls: what the result may depend on. */
static void header(struct mmd *m)
{
	const struct result *res = m->res;
	char kernel[200], k[600] = "";

	snprintf(kernel, sizeof(kernel), "kernel %s, %s", res->kernel[0] ? res->kernel : "?",
		 res->rootless ? "rootless (user namespace)" : "root");
	for (int i = 0; i < res->nsysctls && i < RESULT_NOTES_MAX; i++) {
		size_t n = strlen(k);

		snprintf(k + n, sizeof(k) - n, "%s%s=%s", n ? ", " : "sysctl ", res->sysctls[i].key,
			 res->sysctls[i].value);
	}
	const char *lines[] = {m->plan->file, kernel, k, NULL};

	note(m, -1, -1, lines);
}

/* How each program ended, over the lane of the process that started it. */
static void programs(struct mmd *m)
{
	for (int k = 0; k < m->res->nprogs && k < RESULT_PROGS_MAX; k++) {
		const struct result_program *pg = &m->res->progs[k];
		char how[128], line[400];

		render_prog_end(pg, how, sizeof(how));
		snprintf(line, sizeof(line), "program {%s} pid %d: %s", pg->cmd, pg->pid, how);
		note1(m, lane_of_proc(m->plan, pg->proc), lane_of_proc(m->plan, pg->proc), line);
	}
}

static void verdict(struct mmd *m)
{
	const struct plan *plan = m->plan;
	const struct result *res = m->res;
	char line[600] = "";
	const char *msg = "";

	if (res->verdict == VERDICT_PASS)
		snprintf(line, sizeof(line), "PASS %s", plan->file);
	else if (res->verdict == VERDICT_ERROR) {
		snprintf(line, sizeof(line), "ERROR %s", plan->file);
		msg = res->error;
	} else if (res->failed_step >= 0 && res->failed_step < plan->nsteps) {
		snprintf(line, sizeof(line), "FAIL %s line %d: %s", plan->file,
			 plan->steps[res->failed_step].pos.line,
			 plan->steps[res->failed_step].text);
		for (size_t i = 0; i < res->tl.n; i++) {
			const struct event *e = &res->tl.ev[i];

			if (e->kind == EV_CHECK && !e->u.check.ok &&
			    e->u.check.step == res->failed_step)
				msg = e->u.check.msg;
		}
	} else
		snprintf(line, sizeof(line), "FAIL %s", plan->file);
	const char *lines[] = {line, msg, NULL};

	if (res->verdict != VERDICT_PASS)
		rect_begin(m);
	note(m, -1, -1, lines);
	if (res->verdict != VERDICT_PASS)
		rect_end(m);
}

/* The events, each written to buf at offs[i]..offs[i+1], with a gap note
 * before an event that came long after the one before. */
static int draw_events(struct mmd *m, char **buf, size_t *len, size_t *offs)
{
	FILE *saved = m->out;
	uint64_t prev = 0;

	m->out = open_memstream(buf, len);
	if (!m->out) {
		m->out = saved;
		return -1;
	}
	for (size_t i = 0; i < m->res->tl.n; i++) {
		const struct event *e = &m->res->tl.ev[i];

		fflush(m->out);
		offs[i] = *len;
		if (prev && e->t > prev && e->t - prev >= GAP_NS) {
			char d[48], line[80];

			duration_str(e->t - prev, d, sizeof(d));
			snprintf(line, sizeof(line), "... %s later ...", d);
			note1(m, -1, -1, line);
		}
		if (e->t > prev)
			prev = e->t;
		if (e->kind == EV_CALL && e->u.call.t_end > prev)
			prev = e->u.call.t_end; /* the gap is after the call returned */
		event(m, e);
	}
	fclose(m->out);
	offs[m->res->tl.n] = *len;
	m->out = saved;
	return 0;
}

/* The events, whole when they fit in MMD_BUDGET; else the first two thirds
 * of it and the last quarter, with a note that says what was left out. */
static void events(struct mmd *m)
{
	size_t n = m->res->tl.n, len = 0, head = 0, tail;
	size_t *offs = calloc(n + 1, sizeof(*offs));
	char *buf = NULL, line[160], d[48];

	if (!offs || draw_events(m, &buf, &len, offs) < 0) {
		note1(m, -1, -1, "(out of memory: the events are not drawn)");
		free(offs);
		return;
	}
	if (len <= MMD_BUDGET) {
		fwrite(buf, 1, len, m->out);
		goto out;
	}
	while (head < n && offs[head + 1] <= MMD_BUDGET * 2 / 3)
		head++;
	for (tail = n; tail > head && len - offs[tail - 1] <= MMD_BUDGET / 4;)
		tail--;
	fwrite(buf, 1, offs[head], m->out);
	duration_str(m->res->tl.ev[tail - 1].t - m->res->tl.ev[head].t, d, sizeof(d));
	snprintf(line, sizeof(line),
		 "... %zu events over %s not drawn here (too many for Mermaid): the text "
		 "report and --html show them all ...",
		 tail - head, d);
	note1(m, -1, -1, line);
	fwrite(buf + offs[tail], 1, len - offs[tail], m->out);
out:
	free(buf);
	free(offs);
}

static void mermaid(FILE *out, const struct plan *plan, const struct result *res,
		    const struct render_opts *o)
{
	struct mmd m = {out, plan, res, -1, -1};
	char title[sizeof(plan->name) + sizeof(plan->variant) + 4];

	(void)o;
	fprintf(out, "sequenceDiagram\n");
	snprintf(title, sizeof(title), "%s%s%s%s", plan->name, plan->variant[0] ? " [" : "",
		 plan->variant, plan->variant[0] ? "]" : "");
	fprintf(out, "    title ");
	esc(out, title[0] ? title : "bindlab");
	fputc('\n', out);
	if (plan->nhosts < 1) {
		/* nothing to draw lanes for: one lane, so that the notes have a place */
		fprintf(out, "    participant h0 as world\n");
		fprintf(out, "    Note over h0: ");
		esc(out, res->verdict == VERDICT_ERROR ? res->error : "no hosts");
		fputc('\n', out);
		return;
	}
	for (int h = 0; h < plan->nhosts; h++)
		host_lanes(&m, h, plan->nhosts == 2 && h == 1);
	header(&m);
	events(&m);
	programs(&m);
	verdict(&m);
}

const struct renderer render_mermaid = {"mermaid", mermaid};
