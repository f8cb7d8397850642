/* svg.c - the ladder diagram of one run as SVG, from its layout (ladder.h):
 * alone (--svg: a bug report, a slide, a handout) or inside the HTML
 * report.  Every element that says something carries a <title> (the
 * browser's tooltip, and what the report shows on focus) and can take the
 * keyboard's focus; nothing is told by colour alone: errors are dashed and
 * say "-1 ERRNO" or "FAIL", states are written on their bands. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "ladder.h"
#include "markup.h"
#include "names.h"
#include "render.h"

void ladder_svg_style(FILE *out)
{
	fputs(
	    ".ladder{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px}"
	    ".ladder .bg{fill:#fff}"
	    ".ladder .head{font-weight:bold}.ladder .sub{fill:#555}"
	    ".ladder .lane{stroke:#999;stroke-dasharray:2 3}"
	    ".ladder .axis{stroke:#bbb}.ladder .t{fill:#666;text-anchor:end;font-size:11px}"
	    ".ladder .src{fill:#666;font-size:11px}"
	    ".ladder .call rect{fill:#eef3fb;stroke:#34609c}"
	    ".ladder .call.err rect{fill:#fdecec;stroke:#b00020;stroke-width:2;"
	    "stroke-dasharray:5 2}"
	    ".ladder .call.err text.main{font-weight:bold;fill:#8a0018}"
	    ".ladder .expl{fill:#5a1a1a;font-size:11px}"
	    ".ladder .link{stroke:#b00020;stroke-width:1.5;stroke-dasharray:3 2;fill:none}"
	    ".ladder .pkt line,.ladder .pkt path{stroke:#222;stroke-width:1.3;fill:none}"
	    ".ladder .pkt polygon{fill:#222}"
	    ".ladder .pkt.udp line{stroke-dasharray:6 3}"
	    ".ladder .pkt.rst line,.ladder .pkt.rst path{stroke:#b00020;stroke-width:2}"
	    ".ladder .pkt.rst polygon{fill:#b00020}"
	    ".ladder .pkt text{text-anchor:middle;font-weight:bold}"
	    ".ladder .chk{fill:#1d5e20}.ladder .chk.fail{fill:#8a0018;font-weight:bold}"
	    ".ladder .note{fill:#666;font-style:italic}"
	    ".ladder .gap rect{fill:#f3f3f3;stroke:#999;stroke-dasharray:8 4}"
	    ".ladder .gap text{fill:#333;font-style:italic}"
	    ".ladder .band rect{stroke:#555;stroke-width:.8}"
	    ".ladder .band text{font-size:9px;fill:#111}"
	    ".ladder .band.s1 rect{fill:#b9dcf7}"  /* ESTABLISHED */
	    ".ladder .band.s10 rect{fill:#bfe6bf}" /* LISTEN */
	    ".ladder .band.s6 rect{fill:#ffd49a}"  /* TIME_WAIT */
	    ".ladder .band.open rect{stroke-dasharray:4 2}"
	    /* a halo keeps text that crosses a band or a lane readable */
	    ".ladder .pkt text,.ladder .chk text,.ladder .note text,.ladder .expl,.ladder .gap text"
	    "{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
	    ".ladder [tabindex]:focus{outline:2px solid #000;outline-offset:1px}"
	    ".ladder [tabindex]:focus rect,.ladder [tabindex]:focus line{stroke-width:3}",
	    out);
}

struct draw {
	FILE *out;
	const struct ladder *l;
	const struct ladder_row *row;
	int x; /* where extra lines start */
};

/* A row's lines after the first, under its box. */
static void extra_line(void *ctx, int nth, const char *text)
{
	struct draw *d = ctx;

	if (nth == 0)
		return;
	fprintf(d->out, "<text class=\"expl\" x=\"%d\" y=\"%d\">", d->x,
		d->row->y + nth * LADDER_ROW_H + 15);
	html_text(d->out, text);
	fputs("</text>\n", d->out);
}

/* Checks and notes span the lanes: every line at the axis. */
static void wide_line(void *ctx, int nth, const char *text)
{
	struct draw *d = ctx;

	fprintf(d->out, "<text x=\"%d\" y=\"%d\">", d->x, d->row->y + nth * LADDER_ROW_H + 15);
	html_text(d->out, text);
	fputs("</text>\n", d->out);
}

static void first_line(void *ctx, int nth, const char *text)
{
	if (nth == 0)
		snprintf(ctx, 1024, "%s", text);
}

static int step_line(const struct plan *plan, const struct event *e)
{
	if (e->kind == EV_CALL)
		return plan->steps[e->u.call.step].pos.line;
	if (e->kind == EV_CHECK)
		return plan->steps[e->u.check.step].pos.line;
	return 0;
}

static void title_of(FILE *out, const struct plan *plan, const struct result *res,
		     const struct ladder *l, const struct ladder_row *row)
{
	const struct event *e = &res->tl.ev[row->ev];
	char t[32], d[400];

	ladder_time_str(row->t, t, sizeof(t));
	fputs("<title>", out);
	if (e->kind == EV_PACKET) {
		ladder_pkt_detail(l, &e->u.pkt, d, sizeof(d));
		html_text(out, d);
	} else if (e->kind == EV_CALL) {
		const struct plan_step *st = &plan->steps[e->u.call.step];

		fprintf(out, "line %d: ", st->pos.line);
		html_text(out, st->text);
		fprintf(out, " (at %s, took %.0f us)", t, (double)(e->u.call.t_end - e->t) / 1e3);
	} else
		fprintf(out, "at %s", t);
	fputs("</title>", out);
}

static void draw_box(FILE *out, const struct ladder *l, const struct plan *plan,
		     const struct result *res, const struct ladder_row *row)
{
	const struct ladder_lane *ln = &l->lanes[row->lane];
	char main[1024] = "";
	struct draw d = {out, l, row, ln->left + ln->nslots * (LADDER_BAND_W + 2) + 8};
	int w;

	ladder_row_lines(l, plan, res, row, first_line, main);
	w = (int)(strlen(main) * LADDER_CHAR_W) + 12;
	fprintf(out, "<g class=\"call%s\" tabindex=\"0\">", row->error ? " err" : "");
	title_of(out, plan, res, l, row);
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"3\"/>", ln->x - w / 2,
		row->y + 2, w, LADDER_ROW_H - 4);
	fprintf(out, "<text class=\"main\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", ln->x,
		row->y + 15);
	html_text(out, main);
	fputs("</text>\n", out);
	ladder_row_lines(l, plan, res, row, extra_line, &d);
	fputs("</g>\n", out);
	/* the socket in the way: a line from the refused call to its band */
	if (row->link >= 0 && l->bands[row->link].lane >= 0) {
		const struct ladder_band *bd = &l->bands[row->link];
		const struct ladder_lane *bl = &l->lanes[bd->lane];
		int bx = bl->left + 4 + bd->slot * (LADDER_BAND_W + 2) + LADDER_BAND_W / 2;
		int from = bx < ln->x ? ln->x - w / 2 : ln->x + w / 2;
		int y = row->y + LADDER_ROW_H / 2;

		fprintf(out, "<path class=\"link\" d=\"M%d %d H%d\"><title>in the way: ", from, y,
			bx);
		html_text(out, bd->detail);
		fprintf(out,
			"</title></path><circle class=\"link\" cx=\"%d\" cy=\"%d\" r=\"5\"/>\n", bx,
			y);
	}
}

static void draw_packet(FILE *out, const struct ladder *l, const struct plan *plan,
			const struct result *res, const struct ladder_row *row)
{
	const struct pkt *p = &res->tl.ev[row->ev].u.pkt;
	char lab[1024] = "";
	int x1, x2, y1 = row->y + 5, y2 = row->y + LADDER_ROW_H - 5, dir;
	int guess = LADDER_AXIS_W + 40;

	ladder_row_lines(l, plan, res, row, first_line, lab);
	x1 = ladder_end_x(l, &row->from, row->to.lane >= 0 ? l->lanes[row->to.lane].x : guess);
	x2 = ladder_end_x(l, &row->to, x1);
	x1 = ladder_end_x(l, &row->from, x2);
	fprintf(out, "<g class=\"pkt%s%s\" tabindex=\"0\">", p->proto == IPPROTO_UDP ? " udp" : "",
		p->flags & TH_RST ? " rst" : "");
	title_of(out, plan, res, l, row);
	if (x1 == x2) {
		/* inside one lane (loopback of one process): a loop to the right */
		fprintf(out, "<path d=\"M%d %d h36 V%d h-30\"/>", x1, y1, y2);
		fprintf(out, "<polygon points=\"%d,%d %d,%d %d,%d\"/>", x1, y2, x1 + 8, y2 - 4,
			x1 + 8, y2 + 4);
		fprintf(out, "<text x=\"%d\" y=\"%d\" style=\"text-anchor:start\">", x1 + 42,
			row->y + 15);
	} else {
		dir = x2 > x1 ? 1 : -1;
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", x1, y1,
			x2 - dir * 8, y2);
		fprintf(out, "<polygon points=\"%d,%d %d,%d %d,%d\"/>", x2, y2, x2 - dir * 10,
			y2 - 5, x2 - dir * 10, y2 + 3);
		/* the label in the free corridor between the lanes, left of the
		 * right lane's state bands, so that no band covers it */
		int lo = x1 < x2 ? x1 : x2, hi = x1 < x2 ? x2 : x1;
		int rl = x1 < x2 ? row->to.lane : row->from.lane;

		if (rl >= 0 && rl < l->nlanes && l->lanes[rl].left > lo + 40)
			hi = l->lanes[rl].left;
		fprintf(out, "<text x=\"%d\" y=\"%d\">", (lo + hi) / 2, row->y + 10);
	}
	html_text(out, lab);
	fputs("</text></g>\n", out);
}

static void draw_wide(FILE *out, const struct ladder *l, const struct plan *plan,
		      const struct result *res, const struct ladder_row *row)
{
	const struct event *e = &res->tl.ev[row->ev];
	struct draw d = {out, l, row, LADDER_AXIS_W + 4};

	if (e->kind == EV_CHECK)
		fprintf(out, "<g class=\"chk%s\" tabindex=\"0\">", row->error ? " fail" : "");
	else
		fputs("<g class=\"note\">", out);
	title_of(out, plan, res, l, row);
	ladder_row_lines(l, plan, res, row, wide_line, &d);
	fputs("</g>\n", out);
}

static void draw_band(FILE *out, const struct ladder *l, const struct ladder_band *bd)
{
	const struct ladder_lane *ln = &l->lanes[bd->lane];
	int x = ln->left + 4 + bd->slot * (LADDER_BAND_W + 2);
	int y0 = l->rows[bd->row0].y + 2;
	int y1 = bd->row1 < l->nrows ? l->rows[bd->row1].y + LADDER_ROW_H / 2 : l->height - 6;
	const char *name = tcp_state_name(bd->state);

	if (y1 < y0 + LADDER_ROW_H)
		y1 = y0 + LADDER_ROW_H;
	fprintf(out, "<g class=\"band s%d%s\" tabindex=\"0\"><title>", bd->state,
		bd->open ? " open" : "");
	html_text(out, bd->why);
	fputs("; ", out);
	html_text(out, bd->detail);
	if (bd->open)
		fputs("; the run did not see it end", out);
	fprintf(out, "</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>", x, y0,
		LADDER_BAND_W, y1 - y0);
	/* the state written along the band, as often as it fits */
	for (int ty = y0 + 4; ty + (int)strlen(name) * 6 < y1 || ty == y0 + 4;
	     ty += (int)strlen(name) * 6 + 120) {
		fprintf(out, "<text transform=\"translate(%d %d) rotate(90)\">%s</text>", x + 3, ty,
			name);
		if (ty + (int)strlen(name) * 6 >= y1)
			break;
	}
	fputs("</g>\n", out);
}

static void draw_gap(FILE *out, const struct ladder *l, const struct ladder_row *row)
{
	char t[32];

	ladder_time_str(row->gap, t, sizeof(t));
	fprintf(out,
		"<g class=\"gap\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s of quiet, drawn short</text>"
		"</g>\n",
		4, row->y - LADDER_GAP_H + 4, l->width - 8, LADDER_GAP_H - 8, l->width / 2,
		row->y - LADDER_GAP_H / 2 + 4, t);
}

void ladder_svg(FILE *out, const struct ladder *l, const struct plan *plan,
		const struct result *res, int standalone)
{
	char t[32];

	if (standalone)
		fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"ladder\" ");
	else
		fprintf(out, "<svg class=\"ladder\" ");
	fprintf(out,
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"ladder diagram of ",
		l->width, l->height, l->width, l->height);
	html_text(out, plan->name);
	fputs("\">\n<title>", out);
	html_text(out, plan->name);
	if (plan->variant[0]) {
		fputs(" [", out);
		html_text(out, plan->variant);
		fputs("]", out);
	}
	fputs("</title>\n", out);
	if (standalone) {
		fputs("<style>", out);
		ladder_svg_style(out);
		fputs("</style>\n", out);
	}
	fprintf(out, "<rect class=\"bg\" width=\"%d\" height=\"%d\"/>\n", l->width, l->height);
	fprintf(out, "<text class=\"head\" x=\"%d\" y=\"20\" text-anchor=\"end\">time</text>\n",
		LADDER_AXIS_W - 8);
	fprintf(out, "<text class=\"head\" x=\"%d\" y=\"20\">line</text>\n", l->lanes_right + 6);
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		LADDER_AXIS_W - 2, LADDER_HEAD_H - 6, LADDER_AXIS_W - 2, l->height - 6);
	for (int i = 0; i < l->nlanes; i++) {
		const struct ladder_lane *ln = &l->lanes[i];

		fprintf(out, "<text class=\"head\" x=\"%d\" y=\"20\" text-anchor=\"middle\">",
			ln->x);
		html_text(out, ln->title);
		fprintf(out, "</text><text class=\"sub\" x=\"%d\" y=\"36\" text-anchor=\"middle\">",
			ln->x);
		html_text(out, ln->sub);
		fprintf(out,
			"</text>\n<line class=\"lane\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
			ln->x, LADDER_HEAD_H - 6, ln->x, l->height - 6);
	}
	for (int b = 0; b < l->nbands; b++)
		if (l->bands[b].lane >= 0 && l->bands[b].row0 < l->nrows)
			draw_band(out, l, &l->bands[b]);
	for (size_t r = 0; r < l->nrows; r++) {
		const struct ladder_row *row = &l->rows[r];
		const struct event *e = &res->tl.ev[row->ev];
		int line = step_line(plan, e);

		if (row->gap)
			draw_gap(out, l, row);
		ladder_time_str(row->t, t, sizeof(t));
		fprintf(out, "<text class=\"t\" x=\"%d\" y=\"%d\">%s</text>", LADDER_AXIS_W - 8,
			row->y + 15, t);
		if (line)
			fprintf(out, "<text class=\"src\" x=\"%d\" y=\"%d\">%d</text>",
				l->lanes_right + 6, row->y + 15, line);
		fputc('\n', out);
		if (e->kind == EV_PACKET)
			draw_packet(out, l, plan, res, row);
		else if (row->lane >= 0)
			draw_box(out, l, plan, res, row);
		else
			draw_wide(out, l, plan, res, row);
	}
	if (!l->nrows)
		fprintf(out,
			"<text x=\"%d\" y=\"%d\">no events: the run stopped before its first "
			"step</text>\n",
			LADDER_AXIS_W + 4, LADDER_HEAD_H + 15);
	fputs("</svg>\n", out);
}

static void svg(FILE *out, const struct plan *plan, const struct result *res,
		const struct render_opts *o)
{
	struct ladder l;
	char err[ERRLEN];

	(void)o;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	if (ladder_build(&l, plan, res, err) < 0) {
		fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"40\">"
		      "<text x=\"4\" y=\"24\">cannot draw the ladder: ",
		      out);
		html_text(out, err);
		fputs("</text></svg>\n", out);
		return;
	}
	ladder_svg(out, &l, plan, res, 1);
	ladder_free(&l);
}

const struct renderer render_svg = {"svg", svg};
