/* ladder.c - see ladder.h */
#include "ladder.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "program.h"
#include "render.h"

#define WRAP_MIN 60	 /* the narrowest an explanation is wrapped */
#define TEXT_MIN_COLS 96 /* the text area is at least this wide */

void ladder_time_str(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 10000000000ull)
		snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	else if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	else
		snprintf(buf, len, "%.3f ms", (double)ns / 1e6);
}

/* Emit s wrapped at cols columns (at spaces where it can). */
static int wrap(const char *s, int cols, const char *indent,
		void (*line)(void *ctx, int nth, const char *text), void *ctx, int nth)
{
	char buf[1024];
	size_t n = strlen(s), ind = strlen(indent), w;
	int k = 0;

	if (cols < 20)
		cols = 20;
	w = (size_t)cols;
	while (n) {
		size_t take = n, first = k ? ind : 0;

		if (first + take > w) {
			take = w - first;
			while (take > w / 2 && s[take] != ' ')
				take--;
			if (s[take] != ' ')
				take = w - first;
		}
		if (line) {
			snprintf(buf, sizeof(buf), "%s%.*s", k ? indent : "", (int)take, s);
			line(ctx, nth + k, buf);
		}
		k++;
		s += take;
		n -= take;
		while (*s == ' ') {
			s++;
			n--;
		}
	}
	return k;
}

/* The main line of a row. */
static void main_line(const struct plan *plan, const struct result *res, const struct event *e,
		      char *buf, size_t len)
{
	char t[300];

	switch (e->kind) {
	case EV_CALL:
		render_call_words(plan, &e->u.call, buf, len);
		return;
	case EV_PACKET:
		names_pkt(e->u.pkt.proto, e->u.pkt.flags, buf, len);
		if (e->u.pkt.payload_len)
			snprintf(buf + strlen(buf), len - strlen(buf), " len %u",
				 e->u.pkt.payload_len);
		return;
	case EV_CHECK: {
		const struct plan_step *st = &plan->steps[e->u.check.step];
		int is_check = plan_step_is_check(st);

		if (!is_check)
			snprintf(buf, len, "%s %s", e->u.check.ok ? "note" : "FAIL",
				 e->u.check.msg);
		else
			snprintf(buf, len, "%s %s: %s", e->u.check.ok ? "ok" : "FAIL", st->text,
				 e->u.check.msg);
		return;
	}
	case EV_NOTE:
		snprintf(buf, len, "bindlab: %s", e->u.note.msg);
		return;
	case EV_TRACE:
		program_trace_str(&e->u.trace.rec, t, sizeof(t));
		snprintf(buf, len, "{%s %d} %s",
			 e->u.trace.prog >= 0 && e->u.trace.prog < res->nprogs
			     ? res->progs[e->u.trace.prog].cmd
			     : "?",
			 e->u.trace.rec.pid, t);
		return;
	}
	buf[0] = '\0';
}

int ladder_row_lines(const struct ladder *l, const struct plan *plan, const struct result *res,
		     const struct ladder_row *row,
		     void (*line)(void *ctx, int nth, const char *text), void *ctx)
{
	const struct event *e = &res->tl.ev[row->ev];
	const struct ev_explain *x = event_explain(e);
	char buf[1024], hl[400];
	int n = 1;

	(void)l;
	main_line(plan, res, e, buf, sizeof(buf));
	if (e->kind == EV_CHECK || e->kind == EV_NOTE) {
		/* the row spans the lanes: long messages wrap */
		return wrap(buf, row->wrap, "    ", line, ctx, 0);
	}
	if (line)
		line(ctx, 0, buf);
	for (int k = 0; x && k < x->nholders; k++) {
		render_holder_words(plan, res, &x->holders[k], hl, sizeof(hl));
		snprintf(buf, sizeof(buf), "in the way: %s", hl);
		n += wrap(buf, row->wrap, "    ", line, ctx, n);
		if (x->holders[k].why[0]) {
			snprintf(buf, sizeof(buf), "why: %s", x->holders[k].why);
			n += wrap(buf, row->wrap, "    ", line, ctx, n);
		}
	}
	if (e->kind == EV_CALL) {
		const struct ev_call *c = &e->u.call;

		if (c->model.applicable && !c->model.agrees)
			n += wrap("bindlab's model of the kernel's rules predicted otherwise here: "
				  "please report it",
				  row->wrap, "    ", line, ctx, n);
		if (c->ret == -1 && c->err == EADDRINUSE && c->expl.nholders == 0)
			n += wrap("in the way: no socket left on this port by the time we looked",
				  row->wrap, "    ", line, ctx, n);
	}
	return n;
}

/* --- lanes ------------------------------------------------------------ */

static int host_procs(const struct plan *plan, int h)
{
	int n = 0;

	for (int p = 0; p < plan->nprocs; p++)
		n += plan->procs[p].host == h;
	return n;
}

static int build_lanes(struct ladder *l, const struct plan *plan, char *err)
{
	char a[64];

	l->lanes = calloc((size_t)plan->nhosts + (size_t)plan->nprocs + 1, sizeof(*l->lanes));
	if (!l->lanes)
		return errf(err, "out of memory");
	for (int h = 0; h < plan->nhosts; h++) {
		int several = host_procs(plan, h) > 1;

		for (int p = -1; p < plan->nprocs; p++) {
			struct ladder_lane *ln;

			if (several ? p < 0 || plan->procs[p].host != h : p >= 0)
				continue;
			ln = &l->lanes[l->nlanes++];
			ln->host = h;
			ln->proc = p;
			snprintf(ln->title, sizeof(ln->title), "%s",
				 p >= 0 ? plan->procs[p].name : plan->hosts[h].name);
			snprintf(ln->sub, sizeof(ln->sub), "%s",
				 plan->hosts[h].naddrs
				     ? addr_str(&plan->hosts[h].addrs[0], a, sizeof(a))
				     : "");
		}
	}
	return 0;
}

/* The lane of process proc (or of host's only lane). */
static int lane_of(const struct ladder *l, int host, int proc)
{
	int first = -1;

	for (int i = 0; i < l->nlanes; i++) {
		if (l->lanes[i].host != host)
			continue;
		if (first < 0)
			first = i;
		if (l->lanes[i].proc == proc || l->lanes[i].proc < 0)
			return i;
	}
	return first;
}

static int host_nlanes(const struct ladder *l, int host)
{
	int n = 0;

	for (int i = 0; i < l->nlanes; i++)
		n += l->lanes[i].host == host;
	return n;
}

/* --- packets ----------------------------------------------------------- */

static int ep_covers(const struct endpoint *bound, const struct endpoint *seen)
{
	return bound->port == seen->port &&
	       (addr_is_any(&bound->addr) || addr_equal(&bound->addr, &seen->addr));
}

/* The lane that owns endpoint ep on host h, as the calls before event i
 * reported their local addresses: the one lane that did, or -1 when none
 * or several did (then the host's edge: the picture does not guess). */
static int lane_of_endpoint(const struct ladder *l, const struct plan *plan,
			    const struct result *res, size_t upto, int h, const struct endpoint *ep)
{
	int found = -1;

	if (host_nlanes(l, h) == 1)
		return lane_of(l, h, -1);
	for (size_t i = 0; i < upto; i++) {
		const struct event *e = &res->tl.ev[i];
		struct endpoint loc;
		int proc;

		if (e->host != h)
			continue;
		if (e->kind == EV_CALL && e->u.call.has_local && e->u.call.ret != -1) {
			loc = e->u.call.local;
			proc = e->u.call.proc;
		} else if (e->kind == EV_TRACE && e->u.trace.rec.ret != -1) {
			loc = program_trace_endpoint(&e->u.trace.rec);
			proc = e->u.trace.proc;
		} else
			continue;
		if (!loc.port || !ep_covers(&loc, ep))
			continue;
		int ln = lane_of(l, h, proc);

		if (found >= 0 && found != ln)
			return -1;
		found = ln;
	}
	(void)plan;
	return found;
}

static struct ladder_end pkt_end(const struct ladder *l, const struct plan *plan,
				 const struct result *res, size_t i, const struct endpoint *ep)
{
	struct ladder_end end;
	const struct event *e = &res->tl.ev[i];

	end.host = render_host_of(plan, &ep->addr);
	if (end.host < 0)
		end.host = e->host; /* loopback: the host that captured it */
	end.lane = end.host >= 0 ? lane_of_endpoint(l, plan, res, i, end.host, ep) : -1;
	return end;
}

int ladder_end_x(const struct ladder *l, const struct ladder_end *e, int other_x)
{
	int lo = -1, hi = -1;

	if (e->lane >= 0)
		return l->lanes[e->lane].x;
	for (int i = 0; i < l->nlanes; i++)
		if (l->lanes[i].host == e->host) {
			if (lo < 0)
				lo = l->lanes[i].left;
			hi = l->lanes[i].left + l->lanes[i].w;
		}
	if (lo < 0)
		return LADDER_AXIS_W;
	/* the edge of the host's group facing the other end */
	if (other_x >= hi)
		return hi - 4;
	if (other_x <= lo)
		return lo + 4;
	return (lo + hi) / 2;
}

void ladder_pkt_detail(const struct ladder *l, const struct pkt *p, char *buf, size_t len)
{
	char s[80], d[80], fl[16], t[32];

	names_pkt(p->proto, p->flags, fl, sizeof(fl));
	ladder_time_str(p->ts_ns >= l->t_first ? p->ts_ns - l->t_first : 0, t, sizeof(t));
	endpoint_str(&p->src, s, sizeof(s));
	endpoint_str(&p->dst, d, sizeof(d));
	if (p->proto == IPPROTO_TCP)
		snprintf(buf, len, "%s > %s tcp %s seq %u ack %u len %u at %s (%llu.%09llu)", s, d,
			 fl, p->seq, p->ack, p->payload_len, t,
			 (unsigned long long)(p->ts_ns / 1000000000ull),
			 (unsigned long long)(p->ts_ns % 1000000000ull));
	else
		snprintf(buf, len, "%s > %s %s len %u at %s (%llu.%09llu)", s, d,
			 names_proto(p->proto), p->payload_len, t,
			 (unsigned long long)(p->ts_ns / 1000000000ull),
			 (unsigned long long)(p->ts_ns % 1000000000ull));
}

/* --- bands ------------------------------------------------------------- */

static struct ladder_band *band_new(struct ladder *l)
{
	if (l->nbands == l->bands_cap) {
		void *v = array_grow(l->bands, &l->bands_cap, l->nbands + 1, sizeof(*l->bands));

		if (!v)
			return NULL;
		l->bands = v;
	}
	memset(&l->bands[l->nbands], 0, sizeof(l->bands[0]));
	l->bands[l->nbands].var = -1;
	l->bands[l->nbands].proc = -1;
	return &l->bands[l->nbands++];
}

/* The latest open band of a socket on host h at local in state (-1: any). */
static struct ladder_band *band_open(struct ladder *l, int h, const struct endpoint *local,
				     int state)
{
	for (int b = l->nbands - 1; b >= 0; b--) {
		struct ladder_band *bd = &l->bands[b];

		if (bd->open && bd->host == h && bd->local.port == local->port &&
		    (state < 0 || bd->state == state) &&
		    (addr_equal(&bd->local.addr, &local->addr) || addr_is_any(&local->addr) ||
		     addr_is_any(&bd->local.addr)))
			return bd;
	}
	return NULL;
}

static void band_close(struct ladder_band *bd, size_t row)
{
	bd->open = 0;
	bd->row1 = row;
}

static int is_tcp_var(const struct plan *plan, int var)
{
	for (int s = 0; s < plan->nsteps; s++)
		if (plan->steps[s].kind == STEP_SOCKET && plan->steps[s].var == var)
			return plan->steps[s].u.socket.socktype == SOCK_STREAM;
	return 0;
}

/* A call changes the bands of its own sockets: listen() and connect() open
 * one, close() ends it, exit ends every band of its process. */
static int bands_call(struct ladder *l, const struct plan *plan, const struct result *res, size_t i,
		      char *err)
{
	const struct ev_call *c = &res->tl.ev[i].u.call;
	const struct plan_step *st = &plan->steps[c->step];
	struct ladder_band *bd;
	int var = -1, state = 0;

	if (c->ret == -1)
		return 0;
	if (st->kind == STEP_CLOSE || st->kind == STEP_EXIT) {
		for (int b = 0; b < l->nbands; b++)
			if (l->bands[b].open && l->bands[b].proc == c->proc &&
			    (st->kind == STEP_EXIT || l->bands[b].var == st->sock))
				band_close(&l->bands[b], i);
		return 0;
	}
	if (st->kind == STEP_LISTEN && is_tcp_var(plan, st->sock)) {
		var = st->sock;
		state = TCP_LISTEN;
	} else if (st->kind == STEP_CONNECT && is_tcp_var(plan, st->sock)) {
		var = st->sock;
		state = TCP_ESTABLISHED;
	} else if (st->kind == STEP_ACCEPT) {
		var = st->var;
		state = TCP_ESTABLISHED;
	} else
		return 0;
	bd = band_new(l);
	if (!bd)
		return errf(err, "out of memory");
	bd->lane = lane_of(l, res->tl.ev[i].host, c->proc);
	bd->host = res->tl.ev[i].host;
	bd->state = state;
	bd->row0 = i;
	bd->open = 1;
	bd->var = var;
	bd->proc = c->proc;
	if (c->has_local)
		bd->local = c->local;
	snprintf(bd->why, sizeof(bd->why), "%s: %s() returned %ld (line %d)", tcp_state_name(state),
		 st->kind == STEP_LISTEN    ? "listen"
		 : st->kind == STEP_CONNECT ? "connect"
					    : "accept",
		 c->ret, st->pos.line);
	char ep[80];

	snprintf(bd->detail, sizeof(bd->detail), "%s of %s on %s", plan->vars[var],
		 plan->procs[c->proc].name, endpoint_str(&bd->local, ep, sizeof(ep)));
	return 0;
}

/* A passed `expect socket` / `wait until socket` saw a state (or none). */
static int bands_check(struct ladder *l, const struct plan *plan, const struct result *res,
		       size_t i, char *err)
{
	const struct ev_check *c = &res->tl.ev[i].u.check;
	const struct plan_step *st = &plan->steps[c->step];
	const struct step_sockstate *ss = &st->u.sockstate;
	struct ladder_band *bd;

	if (!c->ok || (st->kind != STEP_EXPECT_SOCKET && st->kind != STEP_WAIT_SOCKET &&
		       st->kind != STEP_FASTFORWARD))
		return 0;
	if (st->kind == STEP_FASTFORWARD) {
		for (int b = 0; b < l->nbands; b++)
			if (l->bands[b].open && l->bands[b].host == st->host &&
			    l->bands[b].state == TCP_TIME_WAIT &&
			    l->bands[b].local.port == st->u.fastforward.local.port)
				band_close(&l->bands[b], i);
		return 0;
	}
	if (ss->local_any_port)
		return 0;
	if (ss->state == PLAN_STATE_NONE) {
		/* no socket at all on that address: every band there ends */
		while (!ss->has_remote && (bd = band_open(l, st->host, &ss->local, -1)))
			band_close(bd, i);
		return 0;
	}
	if (band_open(l, st->host, &ss->local, ss->state))
		return 0; /* what was drawn already */
	bd = band_new(l);
	if (!bd)
		return errf(err, "out of memory");
	bd->host = st->host;
	bd->lane = lane_of_endpoint(l, plan, res, i, st->host, &ss->local);
	if (bd->lane < 0)
		bd->lane = lane_of(l, st->host, -1);
	bd->state = ss->state;
	bd->local = ss->local;
	bd->row0 = i;
	bd->open = 1;
	snprintf(bd->why, sizeof(bd->why), "%s: seen in the socket table (line %d)",
		 tcp_state_name(ss->state), st->pos.line);
	snprintf(bd->detail, sizeof(bd->detail), "%s", c->msg);
	return 0;
}

/* The row at or after t (ns since the first event). */
static size_t row_at(const struct ladder *l, size_t from, uint64_t t)
{
	for (size_t r = from; r < l->nrows; r++)
		if (l->rows[r].t >= t)
			return r;
	return l->nrows;
}

/* The sockets an EADDRINUSE names: each is on a band, drawn before or now. */
static int bands_holders(struct ladder *l, const struct plan *plan, const struct result *res,
			 size_t i, char *err)
{
	const struct event *e = &res->tl.ev[i];
	const struct ev_explain *x = event_explain(e);

	for (int k = 0; x && k < x->nholders; k++) {
		const struct ev_holder *h = &x->holders[k];
		struct ladder_band *bd = band_open(l, e->host, &h->sock.local, h->sock.state);

		if (!bd) {
			bd = band_new(l);
			if (!bd)
				return errf(err, "out of memory");
			bd->host = e->host;
			bd->lane = h->proc >= 0
				       ? lane_of(l, e->host, h->proc)
				       : lane_of_endpoint(l, plan, res, i, e->host, &h->sock.local);
			if (bd->lane < 0)
				bd->lane = lane_of(l, e->host, -1);
			bd->state = h->sock.state;
			bd->local = h->sock.local;
			bd->row0 = i;
			bd->open = 1;
			snprintf(bd->why, sizeof(bd->why), "%s: in the way of line %d",
				 tcp_state_name(h->sock.state),
				 e->kind == EV_CALL ? plan->steps[e->u.call.step].pos.line : 0);
			render_holder_words(plan, res, h, bd->detail, sizeof(bd->detail));
			/* the timer the kernel reported ends it, if within the run */
			if (h->sock.timer == TIMER_TIMEWAIT) {
				size_t end =
				    row_at(l, i, l->rows[i].t + h->sock.expires_ms * 1000000ull);

				if (end < l->nrows)
					band_close(bd, end);
			}
		}
		if (k == 0)
			l->rows[i].link = (int)(bd - l->bands);
	}
	return 0;
}

static int build_bands(struct ladder *l, const struct plan *plan, const struct result *res,
		       char *err)
{
	for (size_t i = 0; i < res->tl.n; i++) {
		const struct event *e = &res->tl.ev[i];
		int rc = 0;

		if (e->host < 0 || e->host >= plan->nhosts)
			continue;
		if (e->kind == EV_CALL)
			rc = bands_call(l, plan, res, i, err);
		else if (e->kind == EV_CHECK)
			rc = bands_check(l, plan, res, i, err);
		if (rc == 0 && event_explain(e))
			rc = bands_holders(l, plan, res, i, err);
		if (rc < 0)
			return -1;
	}
	for (int b = 0; b < l->nbands; b++)
		if (l->bands[b].open)
			l->bands[b].row1 = l->nrows;
	return 0;
}

/* Side by side: a band takes the first slot of its lane free over its rows. */
static void band_slots(struct ladder *l)
{
	for (int b = 0; b < l->nbands; b++) {
		struct ladder_band *bd = &l->bands[b];

		for (bd->slot = 0;; bd->slot++) {
			int taken = 0;

			for (int o = 0; o < b && !taken; o++)
				taken =
				    l->bands[o].lane == bd->lane && l->bands[o].slot == bd->slot &&
				    l->bands[o].row0 <= bd->row1 && bd->row0 <= l->bands[o].row1;
			if (!taken)
				break;
		}
		if (bd->lane >= 0 && bd->slot + 1 > l->lanes[bd->lane].nslots)
			l->lanes[bd->lane].nslots = bd->slot + 1;
	}
}

/* --- rows and geometry ------------------------------------------------- */

static void count_len(void *ctx, int nth, const char *text)
{
	int *w = ctx;
	int n = (int)strlen(text);

	(void)nth;
	if (n > *w)
		*w = n;
}

static void geometry(struct ladder *l, const struct plan *plan, const struct result *res)
{
	int x = LADDER_AXIS_W, prev_y;
	uint64_t prev_t = 0;

	/* a lane is as wide as its widest box, with room for its bands */
	for (size_t r = 0; r < l->nrows; r++) {
		struct ladder_row *row = &l->rows[r];
		int w = 0;

		if (row->lane < 0)
			continue;
		row->wrap = 0; /* the main line only */
		char buf[1024];

		main_line(plan, res, &res->tl.ev[row->ev], buf, sizeof(buf));
		count_len(&w, 0, buf);
		w = (int)(w * LADDER_CHAR_W) + 20;
		if (w > l->lanes[row->lane].w)
			l->lanes[row->lane].w = w;
	}
	for (int i = 0; i < l->nlanes; i++) {
		struct ladder_lane *ln = &l->lanes[i];
		int bands = ln->nslots * (LADDER_BAND_W + 2) + 6;
		int title = (int)((strlen(ln->title) + strlen(ln->sub) + 2) * LADDER_CHAR_W) + 20;

		if (ln->w < title)
			ln->w = title;
		if (ln->w < 160)
			ln->w = 160;
		ln->left = x;
		ln->x = x + bands + ln->w / 2;
		ln->w += bands;
		x += ln->w + 40; /* room for an arrow's head and label between lanes */
	}
	l->lanes_right = x;
	if (l->lanes_right < LADDER_AXIS_W + (int)(TEXT_MIN_COLS * LADDER_CHAR_W))
		l->lanes_right = LADDER_AXIS_W + (int)(TEXT_MIN_COLS * LADDER_CHAR_W);
	l->width = l->lanes_right + LADDER_SRC_W;

	prev_y = LADDER_HEAD_H;
	for (size_t r = 0; r < l->nrows; r++) {
		struct ladder_row *row = &l->rows[r];
		int left = row->lane >= 0 ? l->lanes[row->lane].left : LADDER_AXIS_W;

		row->wrap = (int)((l->lanes_right - left) / LADDER_CHAR_W) - 2;
		if (row->wrap < WRAP_MIN)
			row->wrap = WRAP_MIN;
		/* a quiet stretch longer than the threshold and than all that came
		 * before it is a break, not a long empty column */
		if (r > 0 && row->t - prev_t > LADDER_GAP_NS && row->t - prev_t > prev_t) {
			row->gap = row->t - prev_t;
			prev_y += LADDER_GAP_H;
		}
		row->y = prev_y;
		row->h = LADDER_ROW_H * ladder_row_lines(l, plan, res, row, NULL, NULL);
		prev_y += row->h;
		prev_t = row->t;
	}
	l->height = prev_y + LADDER_ROW_H + 10;
}

int ladder_build(struct ladder *l, const struct plan *plan, const struct result *res, char *err)
{
	memset(l, 0, sizeof(*l));
	if (build_lanes(l, plan, err) < 0)
		return -1;
	l->rows = calloc(res->tl.n + 1, sizeof(*l->rows));
	if (!l->rows) {
		ladder_free(l);
		return errf(err, "out of memory");
	}
	l->t_first = res->tl.n ? res->tl.ev[0].t : res->t0;
	for (size_t i = 0; i < res->tl.n; i++) {
		const struct event *e = &res->tl.ev[i];
		struct ladder_row *row = &l->rows[l->nrows++];

		row->ev = i;
		row->lane = -1;
		row->link = -1;
		row->t = e->t >= l->t_first ? e->t - l->t_first : 0;
		if (e->host >= 0 && e->host < plan->nhosts && e->kind == EV_CALL)
			row->lane = lane_of(l, e->host, e->u.call.proc);
		else if (e->host >= 0 && e->host < plan->nhosts && e->kind == EV_TRACE)
			row->lane = lane_of(l, e->host, e->u.trace.proc);
		if (e->kind == EV_PACKET) {
			row->from = pkt_end(l, plan, res, i, &e->u.pkt.src);
			row->to = pkt_end(l, plan, res, i, &e->u.pkt.dst);
		}
		row->error = (e->kind == EV_CALL && e->u.call.ret == -1) ||
			     (e->kind == EV_TRACE && e->u.trace.rec.ret == -1) ||
			     (e->kind == EV_CHECK && !e->u.check.ok);
	}
	if (build_bands(l, plan, res, err) < 0) {
		ladder_free(l);
		return -1;
	}
	band_slots(l);
	geometry(l, plan, res);
	return 0;
}

void ladder_free(struct ladder *l)
{
	free(l->lanes);
	free(l->rows);
	free(l->bands);
	memset(l, 0, sizeof(*l));
}
