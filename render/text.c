/* report.c - see report.h */
#include "names.h"
#include "program.h"
#include "render.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#define COL_W 40 /* a host's column in the ladder */
#define MID_W 24 /* the arrows between two hosts */

static const char *c_on(const struct render_opts *o, const char *code)
{
	return o && o->color ? code : "";
}
#define RED(o) c_on(o, "\033[31m")
#define GREEN(o) c_on(o, "\033[32m")
#define DIM(o) c_on(o, "\033[2m")
#define BOLD(o) c_on(o, "\033[1m")
#define OFF(o) c_on(o, "\033[0m")

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

/* Print text in the column of host (0 left, 1 right) on a ladder line. */
static void ladder_line(FILE *out, int nhosts, int host, const char *t, const char *text)
{
	if (nhosts < 2 || host <= 0)
		fprintf(out, "%s  %s\n", t, text);
	else
		fprintf(out, "%s  %*s%s\n", t, COL_W + MID_W, "", text);
}

/* The sockets in the way of an EADDRINUSE, and the rule for each. */
static void print_holders(FILE *out, const struct plan *plan, const struct result *res,
			  const struct event *e, const struct render_opts *o)
{
	const struct ev_explain *x = event_explain(e);
	char hl[300], line[700];

	for (int k = 0; x && k < x->nholders; k++) {
		render_holder_words(plan, res, &x->holders[k], hl, sizeof(hl));
		snprintf(line, sizeof(line), "  %sin the way:%s %s", DIM(o), OFF(o), hl);
		ladder_line(out, plan->nhosts, e->host, "          ", line);
		if (!x->holders[k].why[0])
			continue;
		snprintf(line, sizeof(line), "  %swhy:%s %s", DIM(o), OFF(o), x->holders[k].why);
		ladder_line(out, plan->nhosts, e->host, "          ", line);
	}
}

/* "S.", "P. len 5", "udp len 12" */
static void pkt_label(const struct pkt *p, char *buf, size_t len)
{
	names_pkt(p->proto, p->flags, buf, len);
	if (p->payload_len)
		snprintf(buf + strlen(buf), len - strlen(buf), " len %u", p->payload_len);
}

static void packet_line(FILE *out, const struct plan *plan, const struct event *e, const char *t)
{
	const struct pkt *p = &e->u.pkt;
	char lab[32], l[80], r[80], line[256], arrow[MID_W + 1];
	int from0, n, pad;

	pkt_label(p, lab, sizeof(lab));
	/* Inside one host (its lo): a line in that host's column. */
	int hs = render_host_of(plan, &p->src.addr), hd = render_host_of(plan, &p->dst.addr);

	if (plan->nhosts < 2 || hs < 0 || hd < 0 || hs == hd) {
		snprintf(line, sizeof(line), "    %s > %s  %s", endpoint_str(&p->src, l, sizeof(l)),
			 endpoint_str(&p->dst, r, sizeof(r)), lab);
		ladder_line(out, plan->nhosts, e->host, t, line);
		return;
	}
	/* Between two hosts: an arrow across the middle, ports at its ends. */
	from0 = hs == 0;
	n = (int)strlen(lab) + 2;
	if (n > MID_W - 2)
		n = MID_W - 2;
	pad = (MID_W - 2 - n) / 2;
	memset(arrow, '-', MID_W);
	arrow[MID_W] = '\0';
	arrow[1 + pad] = ' ';
	memcpy(arrow + 2 + pad, lab, (size_t)n - 2);
	arrow[pad + n] = ' ';
	if (from0)
		arrow[MID_W - 1] = '>';
	else
		arrow[0] = '<';
	snprintf(l, sizeof(l), ":%d", from0 ? p->src.port : p->dst.port);
	snprintf(r, sizeof(r), ":%d", from0 ? p->dst.port : p->src.port);
	fprintf(out, "%s  %*s %s %s\n", t, COL_W - 1, l, arrow, r);
}

/* The failed step: where, what was expected and what happened, then who
 * is in the way.  For a traced call, the holders are those of the
 * program's refused bind on that host. */
void render_failure(FILE *out, const struct plan *plan, const struct result *res,
		    const struct render_opts *o)
{
	const struct plan_step *st;
	char line[512];
	int shown = 0;

	if (res->verdict != VERDICT_FAIL || res->failed_step < 0)
		return;
	st = &plan->steps[res->failed_step];
	fprintf(out, "%sFAIL%s %s:%d: %s\n", RED(o), OFF(o), plan->file, st->pos.line, st->text);
	for (size_t i = 0; i < res->tl.n; i++) {
		const struct event *e = &res->tl.ev[i];

		if (e->kind == EV_CHECK && !e->u.check.ok && e->u.check.step == res->failed_step)
			fprintf(out, "     %s\n", e->u.check.msg);
	}
	/* who was in the way: of the failed call, or of each bind the
	 * programs on a traced step's host were refused (a retry is often the
	 * point: its rule differs from the first's) */
	for (size_t i = 0; i < res->tl.n && shown < 3; i++) {
		const struct event *e = &res->tl.ev[i];
		const struct ev_explain *x = event_explain(e);
		int call = e->kind == EV_CALL && e->u.call.step == res->failed_step;
		int traced =
		    e->kind == EV_TRACE && st->kind == STEP_EXPECT_TRACED && e->host == st->host;

		if ((!call && !traced) || !x || !x->nholders)
			continue;
		if (traced) {
			program_trace_str(&e->u.trace.rec, line, sizeof(line));
			fprintf(out, "     at %s (pid %d):\n", line, e->u.trace.rec.pid);
		}
		for (int k = 0; k < x->nholders; k++) {
			render_holder_words(plan, res, &x->holders[k], line, sizeof(line));
			fprintf(out, "     in the way: %s\n", line);
			if (x->holders[k].why[0])
				fprintf(out, "     why: %s\n", x->holders[k].why);
		}
		shown++;
	}
	if (res->steps_run < plan->nsteps)
		fprintf(out, "     %d later step%s not run\n", plan->nsteps - res->steps_run,
			plan->nsteps - res->steps_run > 1 ? "s" : "");
	/* what the programs did: how each ended, the end of what it said */
	for (int k = 0; k < res->nprogs; k++) {
		const struct result_program *pg = &res->progs[k];
		size_t from = pg->errlen;

		render_prog_end(pg, line, sizeof(line));
		fprintf(out, "     program %s (line %d): %s\n", pg->cmd,
			plan->steps[pg->step].pos.line, line);
		/* the last 3 lines of its stderr */
		for (int nl = 0; from > 0; from--)
			if (pg->err[from - 1] == '\n' && from < pg->errlen && ++nl == 3)
				break;
		for (size_t a = from; a < pg->errlen;) {
			size_t b = a;

			while (b < pg->errlen && pg->err[b] != '\n')
				b++;
			/* a flood of one endless line stays one screen line */
			fprintf(out, "       stderr | %.*s%s\n", (int)(b - a > 160 ? 160 : b - a),
				pg->err + a, b - a > 160 ? "..." : "");
			a = b + 1;
		}
	}
}

static void text(FILE *out, const struct plan *plan, const struct result *res,
		 const struct render_opts *o)
{
	char a[64], line[600], t[32];
	uint64_t t0 = 0;

	fprintf(out, "%s%s%s%s%s%s\n", BOLD(o), plan->name, OFF(o), plan->variant[0] ? " [" : "",
		plan->variant, plan->variant[0] ? "]" : "");
	fprintf(out, "  file     %s\n", plan->file);
	fprintf(out, "  kernel   %s, %s\n", res->kernel[0] ? res->kernel : "?",
		res->rootless ? "rootless (user namespace)" : "root");
	fprintf(out, "  world    ");
	for (int h = 0; h < plan->nhosts; h++) {
		fprintf(out, "%s%s", h ? (plan->nhosts == 2 ? " <-veth-> " : ", ") : "",
			plan->hosts[h].name);
		for (int k = 0; k < plan->hosts[h].naddrs; k++)
			fprintf(out, " %s", addr_str(&plan->hosts[h].addrs[k], a, sizeof(a)));
	}
	if (res->world_ns)
		fprintf(out, "; ready in %.1f ms, capture ready at %.1f ms", ms(res->world_ns),
			ms(res->capture_ns));
	fputc('\n', out);
	for (int k = 0; k < res->nsysctls; k++)
		fprintf(out, "  sysctl   %s=%s (%s)\n", res->sysctls[k].key, res->sysctls[k].value,
			res->sysctl_host[k] < 0 ? "bindlab default, every host"
						: plan->hosts[res->sysctl_host[k]].name);
	for (int k = 0; k < res->npcaps; k++)
		fprintf(out, "  pcap     %s\n", res->pcaps[k]);
	fputc('\n', out);

	if (plan->nhosts >= 2) {
		char h0[COL_W + 1], h1[64];

		snprintf(h0, sizeof(h0), "%s %s", plan->hosts[0].name,
			 plan->hosts[0].naddrs ? addr_str(&plan->hosts[0].addrs[0], a, sizeof(a))
					       : "");
		snprintf(h1, sizeof(h1), "%s %s", plan->hosts[1].name,
			 plan->hosts[1].naddrs ? addr_str(&plan->hosts[1].addrs[0], a, sizeof(a))
					       : "");
		fprintf(out, "%s%10s  %-*s%*s%s%s\n", DIM(o), "time", COL_W, h0, MID_W, "", h1,
			OFF(o));
	}
	for (size_t i = 0; i < res->tl.n; i++) {
		const struct event *e = &res->tl.ev[i];

		if (!t0)
			t0 = e->t;
		snprintf(t, sizeof(t), "%7.3f ms", ms(e->t - t0));
		switch (e->kind) {
		case EV_CALL: {
			char who[64] = "", text[400];
			const struct ev_call *c = &e->u.call;
			const struct plan_proc *p = &plan->procs[c->proc];

			/* several processes on one host: say which one */
			if (strchr(p->name, '/'))
				snprintf(who, sizeof(who), "[%s] ", p->name);
			render_call_words(plan, &e->u.call, text, sizeof(text));
			snprintf(line, sizeof(line), "%s%s", who, text);
			ladder_line(out, plan->nhosts, e->host, t, line);
			print_holders(out, plan, res, e, o);
			if (c->model.applicable && !c->model.agrees)
				ladder_line(
				    out, plan->nhosts, e->host, "          ",
				    "  bindlab's model of the kernel's rules predicted otherwise "
				    "here: please report it");
			if (c->ret == -1 && c->err == EADDRINUSE && c->expl.nholders == 0)
				ladder_line(
				    out, plan->nhosts, e->host, "          ",
				    "  in the way: no socket left on this port by the time we "
				    "looked");
			break;
		}
		case EV_PACKET:
			packet_line(out, plan, e, t);
			break;
		case EV_CHECK: {
			const struct ev_check *c = &e->u.check;
			const struct plan_step *st = &plan->steps[c->step];

			/* a call that returned what it should says nothing more; one
			 * whose result differs with a known reason ("depends") does */
			int is_check = plan_step_is_check(st);

			if (!is_check && c->ok && !c->msg[0])
				break;
			fprintf(out, "%s  %s%s%s %s%s%s\n", t, c->ok ? GREEN(o) : RED(o),
				!c->ok	    ? "FAIL"
				: !is_check ? "note"
					    : "ok",
				OFF(o), !is_check ? "" : st->text, !is_check ? "" : ": ", c->msg);
			break;
		}
		case EV_NOTE:
			fprintf(out, "%s  %sbindlab: %s%s\n", t, DIM(o), e->u.note.msg, OFF(o));
			break;
		case EV_TRACE: {
			char tl[200];

			program_trace_str(&e->u.trace.rec, tl, sizeof(tl));
			snprintf(line, sizeof(line), "{%s %d} %s", res->progs[e->u.trace.prog].cmd,
				 e->u.trace.rec.pid, tl);
			ladder_line(out, plan->nhosts, e->host, t, line);
			print_holders(out, plan, res, e, o);
			break;
		}
		}
	}
	for (int k = 0; k < res->nprogs; k++) {
		const struct result_program *pg = &res->progs[k];
		char how[96];

		render_prog_end(pg, how, sizeof(how));
		fprintf(out, "\n  program {%s}, pid %d, started at %s:%d; %s%s%s\n", pg->cmd,
			pg->pid, plan->file, plan->steps[pg->step].pos.line, how,
			pg->traced ? "" : "; not traced: ", pg->traced ? "" : pg->why_untraced);
		for (int which = 0; which < 2; which++) {
			const char *buf = which ? pg->err : pg->out;
			size_t len = which ? pg->errlen : pg->outlen;

			if (!len)
				continue;
			fprintf(out, "  | %s:\n", which ? "stderr" : "stdout");
			for (size_t from = 0; from < len;) {
				size_t to = from;

				while (to < len && buf[to] != '\n')
					to++;
				fprintf(out, "  | %.*s\n", (int)(to - from), buf + from);
				from = to + 1;
			}
		}
		if (pg->dropped)
			fprintf(out, "  | ... and %lu more bytes of output, not kept\n",
				pg->dropped);
		if (pg->trace_junk)
			fprintf(out,
				"  its trace descriptor carried %lu bytes that were not trace "
				"records (written by the program itself): ignored\n",
				pg->trace_junk);
		if (pg->trace_dropped)
			fprintf(out, "  ... and %lu more traced calls, not kept\n",
				pg->trace_dropped);
	}
	if (res->verdict == VERDICT_FAIL && res->failed_step >= 0) {
		fputc('\n', out);
		render_failure(out, plan, res, o);
	}
	if (res->verdict == VERDICT_ERROR)
		fprintf(out, "\n%sERROR%s %s: %s\n", RED(o), OFF(o), plan->file, res->error);
	if (res->drops || res->bad_frames)
		fprintf(out, "  capture: %u frames dropped by the kernel, %u that did not decode\n",
			res->drops, res->bad_frames);
}

const struct renderer render_text = {"text", text};
