/* report.c - see report.h */
#include "report.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#define COL_W 40 /* a host's column in the ladder */
#define MID_W 24 /* the arrows between two hosts */

static const char *c_on(const struct report_opts *o, const char *code)
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

/* The call as written, with the kernel's answer in place of the expectation. */
static void call_line(const struct plan *plan, const struct event *e, char *buf, size_t len)
{
	const struct plan_step *st = &plan->steps[e->call.step];
	char text[PLAN_TEXT_MAX], res[48], ep[80];
	char *eq;

	/* The column says which host; "[server/2]" says which process. */
	const char *colon = strchr(st->text, ':');

	snprintf(text, sizeof(text), "%s", colon ? colon + 1 + strspn(colon + 1, " \t") : st->text);
	/* drop "= expected" at the end: the report shows what really came */
	eq = strrchr(text, ')');
	if (eq)
		eq[1] = '\0';
	result_str(e->call.ret, e->call.err, res, sizeof(res));
	if (st->kind == STEP_SOCKET || st->kind == STEP_ACCEPT || st->kind == STEP_FORK ||
	    st->kind == STEP_EXIT || st->kind == STEP_EXEC)
		snprintf(buf, len, "%s%s%s", text, e->call.ret == -1 ? " = " : "",
			 e->call.ret == -1 ? res : "");
	else
		snprintf(buf, len, "%s = %s", text, res);
	if (st->kind == STEP_CONNECT && e->call.has_local)
		snprintf(buf + strlen(buf), len - strlen(buf), " from %s",
			 endpoint_str(&e->call.local, ep, sizeof(ep)));
	if (st->kind == STEP_ACCEPT && e->call.has_peer)
		snprintf(buf + strlen(buf), len - strlen(buf), " from %s",
			 endpoint_str(&e->call.peer, ep, sizeof(ep)));
	if (st->kind == STEP_BIND && e->call.ret == 0 && st->ep.port == 0 && e->call.has_local)
		snprintf(buf + strlen(buf), len - strlen(buf), " got port %u", e->call.local.port);
}

static void holder_line(const struct plan *plan, const struct ev_holder *h, char *buf, size_t len)
{
	char l[80], r[80], who[96];
	const struct sockinfo *s = &h->sock;

	endpoint_str(&s->local, l, sizeof(l));
	endpoint_str(&s->remote, r, sizeof(r));
	if (h->proc >= 0)
		snprintf(who, sizeof(who), "held by process '%s'", plan->procs[h->proc].name);
	else if (h->pid > 0)
		snprintf(who, sizeof(who), "held by pid %d (%s)", h->pid, h->comm);
	else if (!s->inode)
		snprintf(who, sizeof(who), "owned by no process: the kernel keeps it");
	else
		snprintf(who, sizeof(who), "owner unknown");
	snprintf(buf, len, "%s %s %s%s%s", s->proto == IPPROTO_UDP ? "udp" : "tcp",
		 s->proto == IPPROTO_UDP ? (s->state == TCP_ESTABLISHED ? "connected" : "bound")
					 : tcp_state_name(s->state),
		 l, s->remote.port ? " > " : "", s->remote.port ? r : "");
	if (s->timer == TIMER_TIMEWAIT)
		snprintf(buf + strlen(buf), len - strlen(buf), ", %.1f s left",
			 s->expires_ms / 1000.0);
	snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", who);
}

static const char *trace_call_name(uint32_t c)
{
	static const char *names[] = {"?",	"socket",  "setsockopt", "bind",  "listen",
				      "accept", "connect", "shutdown",	 "close", "exit"};

	return c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* "bind(3, 0.0.0.0:8080) = -1 EADDRINUSE" for a traced call. */
static void trace_line(const struct trace_rec *t, char *buf, size_t len)
{
	char res[48], ep[80] = "";

	result_str((long)t->ret, t->err, res, sizeof(res));
	if (t->call == TRACE_BIND || t->call == TRACE_CONNECT) {
		struct endpoint e = {.port = (uint16_t)t->port};

		e.addr.family = t->family;
		memcpy(&e.addr.u, t->addr, t->family == AF_INET ? 4 : 16);
		endpoint_str(&e, ep, sizeof(ep));
	}
	switch (t->call) {
	case TRACE_SOCKET:
		snprintf(buf, len, "socket(%s, %s) = %s",
			 t->family == AF_INET6 ? "AF_INET6" : "AF_INET",
			 (t->port & 0xf) == SOCK_DGRAM ? "SOCK_DGRAM" : "SOCK_STREAM", res);
		break;
	case TRACE_SETSOCKOPT:
		snprintf(buf, len, "setsockopt(%d, %s, %d) = %s", t->fd,
			 t->level == SOL_SOCKET && t->optname == SO_REUSEADDR	 ? "SO_REUSEADDR"
			 : t->level == SOL_SOCKET && t->optname == SO_REUSEPORT	 ? "SO_REUSEPORT"
			 : t->level == IPPROTO_IPV6 && t->optname == IPV6_V6ONLY ? "IPV6_V6ONLY"
										 : "other",
			 t->optval, res);
		break;
	case TRACE_BIND:
	case TRACE_CONNECT:
		snprintf(buf, len, "%s(%d, %s) = %s", trace_call_name(t->call), t->fd, ep, res);
		break;
	case TRACE_EXIT:
		snprintf(buf, len, "exit");
		break;
	default:
		snprintf(buf, len, "%s(%d) = %s", trace_call_name(t->call), t->fd, res);
	}
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
static void print_holders(FILE *out, const struct plan *plan, const struct event *e,
			  const struct report_opts *o)
{
	char hl[300], line[700];

	for (int k = 0; k < e->nholders; k++) {
		holder_line(plan, &e->holders[k], hl, sizeof(hl));
		snprintf(line, sizeof(line), "  %sin the way:%s %s", DIM(o), OFF(o), hl);
		ladder_line(out, plan->nhosts, e->host, "          ", line);
		if (!e->holders[k].why[0])
			continue;
		snprintf(line, sizeof(line), "  %swhy:%s %s", DIM(o), OFF(o), e->holders[k].why);
		ladder_line(out, plan->nhosts, e->host, "          ", line);
	}
}

/* "S.", "P. len 5", "udp len 12" */
static void pkt_label(const struct pkt *p, char *buf, size_t len)
{
	if (p->proto == IPPROTO_UDP)
		snprintf(buf, len, "udp");
	else
		plan_flags_str(p->flags, buf, len);
	if (p->payload_len)
		snprintf(buf + strlen(buf), len - strlen(buf), " len %u", p->payload_len);
}

/* The host that owns addr, -1 for none (127.0.0.1 belongs to every host). */
static int host_of(const struct plan *plan, const struct addr *a)
{
	for (int h = 0; h < plan->nhosts; h++)
		for (int i = 0; i < plan->hosts[h].naddrs; i++)
			if (addr_equal(&plan->hosts[h].addrs[i], a))
				return h;
	return -1;
}

static void packet_line(FILE *out, const struct plan *plan, const struct event *e, const char *t)
{
	const struct pkt *p = &e->pkt;
	char lab[32], l[80], r[80], line[256], arrow[MID_W + 1];
	int from0, n, pad;

	pkt_label(p, lab, sizeof(lab));
	/* Inside one host (its lo): a line in that host's column. */
	int hs = host_of(plan, &p->src.addr), hd = host_of(plan, &p->dst.addr);

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

void report_text(FILE *out, const struct plan *plan, const struct run_result *res,
		 const struct report_opts *o)
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
			const struct plan_proc *p = &plan->procs[e->proc];

			/* several processes on one host: say which one */
			if (strchr(p->name, '/'))
				snprintf(who, sizeof(who), "[%s] ", p->name);
			call_line(plan, e, text, sizeof(text));
			snprintf(line, sizeof(line), "%s%s", who, text);
			ladder_line(out, plan->nhosts, e->host, t, line);
			print_holders(out, plan, e, o);
			if (e->model.applicable && !e->model.agrees)
				ladder_line(
				    out, plan->nhosts, e->host, "          ",
				    "  bindlab's model of the kernel's rules predicted otherwise "
				    "here: please report it");
			if (e->call.ret == -1 && e->call.err == EADDRINUSE && e->nholders == 0)
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
			const struct plan_step *st = &plan->steps[e->step];

			/* a call that returned what it should says nothing more; one
			 * whose result differs with a known reason ("depends") does */
			if (st->kind < STEP_EXPECT_PACKETS && e->ok && !e->msg[0])
				break;
			fprintf(out, "%s  %s%s%s %s%s%s\n", t, e->ok ? GREEN(o) : RED(o),
				!e->ok				 ? "FAIL"
				: st->kind < STEP_EXPECT_PACKETS ? "note"
								 : "ok",
				OFF(o), st->kind < STEP_EXPECT_PACKETS ? "" : st->text,
				st->kind < STEP_EXPECT_PACKETS ? "" : ": ", e->msg);
			break;
		}
		case EV_NOTE:
			fprintf(out, "%s  %sbindlab: %s%s\n", t, DIM(o), e->msg, OFF(o));
			break;
		case EV_TRACE: {
			char tl[200];

			trace_line(&e->trace, tl, sizeof(tl));
			snprintf(line, sizeof(line), "{%s %d} %s", res->progs[e->prog].cmd,
				 e->trace.pid, tl);
			ladder_line(out, plan->nhosts, e->host, t, line);
			print_holders(out, plan, e, o);
			break;
		}
		}
	}
	for (int k = 0; k < res->nprogs; k++) {
		const struct run_program *pg = &res->progs[k];

		char how[96];

		if (pg->ended >= 128)
			snprintf(how, sizeof(how), "ended by itself: signal %ld", pg->ended - 128);
		else if (pg->ended >= 0)
			snprintf(how, sizeof(how), "ended by itself: exit status %ld", pg->ended);
		else if (pg->stopped >= 128)
			snprintf(how, sizeof(how), "stopped: ended by signal %ld%s",
				 pg->stopped - 128,
				 pg->stopped == 137 ? " (SIGKILL after the grace period)" : "");
		else if (pg->stopped >= 0)
			snprintf(how, sizeof(how), "stopped: exit status %ld", pg->stopped);
		else if (pg->exited)
			snprintf(how, sizeof(how), "exited by itself");
		else if (pg->traced && pg->fd_trace < 0)
			snprintf(how, sizeof(how), "ended without exiting: killed by a signal?");
		else
			snprintf(how, sizeof(how),
				 "still running at the end: killed with the world");
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
	}
	if (res->verdict == VERDICT_FAIL && res->failed_step >= 0) {
		const struct plan_step *st = &plan->steps[res->failed_step];

		fprintf(out, "\n%sFAIL%s %s:%d: %s\n", RED(o), OFF(o), plan->file, st->pos.line,
			st->text);
		/* what was expected and what happened, then who is in the way */
		for (size_t i = 0; i < res->tl.n; i++) {
			const struct event *e = &res->tl.ev[i];

			if (e->kind == EV_CHECK && !e->ok && e->step == res->failed_step)
				fprintf(out, "     %s\n", e->msg);
		}
		for (size_t i = 0; i < res->tl.n; i++) {
			const struct event *e = &res->tl.ev[i];

			if (e->kind == EV_CALL && e->call.step == res->failed_step)
				for (int k = 0; k < e->nholders; k++) {
					holder_line(plan, &e->holders[k], line, sizeof(line));
					fprintf(out, "     in the way: %s\n", line);
					if (e->holders[k].why[0])
						fprintf(out, "     why: %s\n", e->holders[k].why);
				}
		}
		if (res->steps_run < plan->nsteps)
			fprintf(out, "     %d later step%s not run\n",
				plan->nsteps - res->steps_run,
				plan->nsteps - res->steps_run > 1 ? "s" : "");
	}
	if (res->verdict == VERDICT_ERROR)
		fprintf(out, "\n%sERROR%s %s: %s\n", RED(o), OFF(o), plan->file, res->error);
	if (res->drops || res->bad_frames)
		fprintf(out, "  capture: %u frames dropped by the kernel, %u that did not decode\n",
			res->drops, res->bad_frames);
}

/* --- JSON ----------------------------------------------------------------- */

void report_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void js_ep(FILE *out, const struct endpoint *e)
{
	char b[80];

	report_json_str(out, endpoint_str(e, b, sizeof(b)));
}

static void js_sock(FILE *out, const struct sockinfo *s)
{
	fprintf(out, "{\"proto\":\"%s\",\"state\":", s->proto == IPPROTO_UDP ? "udp" : "tcp");
	report_json_str(out, tcp_state_name(s->state));
	fprintf(out, ",\"local\":");
	js_ep(out, &s->local);
	fprintf(out, ",\"remote\":");
	js_ep(out, &s->remote);
	fprintf(out, ",\"timer\":%d,\"expires_ms\":%u,\"inode\":%llu}", s->timer, s->expires_ms,
		(unsigned long long)s->inode);
}

static void json_holders(FILE *out, const struct plan *plan, const struct event *e)
{
	if (e->nholders) {
		fprintf(out, ",\"in_the_way\":[");
		for (int k = 0; k < e->nholders; k++) {
			const struct ev_holder *h = &e->holders[k];

			fprintf(out, "%s{\"socket\":", k ? "," : "");
			js_sock(out, &h->sock);
			fprintf(out, ",\"proc\":");
			if (h->proc >= 0)
				report_json_str(out, plan->procs[h->proc].name);
			else
				fputs("null", out);
			fprintf(out, ",\"pid\":%d,\"why\":", h->pid);
			report_json_str(out, h->why);
			fputc('}', out);
		}
		fputc(']', out);
	}
}

void report_json(FILE *out, const struct plan *plan, const struct run_result *res)
{
	static const char *verdicts[] = {"pass", "fail", "error"};
	char b[600];

	fprintf(out, "{\"file\":");
	report_json_str(out, plan->file);
	fprintf(out, ",\"scenario\":");
	report_json_str(out, plan->name);
	fprintf(out, ",\"variant\":");
	report_json_str(out, plan->variant);
	fprintf(out, ",\"verdict\":\"%s\",\"kernel\":", verdicts[res->verdict]);
	report_json_str(out, res->kernel);
	fprintf(out, ",\"mode\":\"%s\"", res->rootless ? "rootless" : "root");
	fprintf(out, ",\"timing\":{\"world_ns\":%llu,\"capture_ns\":%llu,\"verdict_ns\":%llu}",
		(unsigned long long)res->world_ns, (unsigned long long)res->capture_ns,
		(unsigned long long)res->verdict_ns);
	fprintf(out, ",\"t0_ns\":%llu", (unsigned long long)res->t0);
	if (res->verdict == VERDICT_ERROR) {
		fprintf(out, ",\"error\":");
		report_json_str(out, res->error);
	}
	if (res->failed_step >= 0) {
		fprintf(out, ",\"failed\":{\"line\":%d,\"text\":",
			plan->steps[res->failed_step].pos.line);
		report_json_str(out, plan->steps[res->failed_step].text);
		fputc('}', out);
	}
	fprintf(out, ",\"hosts\":[");
	for (int h = 0; h < plan->nhosts; h++) {
		fprintf(out, "%s{\"name\":", h ? "," : "");
		report_json_str(out, plan->hosts[h].name);
		fprintf(out, ",\"addrs\":[");
		for (int k = 0; k < plan->hosts[h].naddrs; k++) {
			fputs(k ? "," : "", out);
			report_json_str(out, addr_str(&plan->hosts[h].addrs[k], b, sizeof(b)));
		}
		fprintf(out, "]}");
	}
	fprintf(out, "],\"sysctls\":[");
	for (int k = 0; k < res->nsysctls; k++) {
		fprintf(out, "%s{\"key\":", k ? "," : "");
		report_json_str(out, res->sysctls[k].key);
		fprintf(out, ",\"value\":");
		report_json_str(out, res->sysctls[k].value);
		fprintf(out, ",\"host\":");
		if (res->sysctl_host[k] < 0)
			fprintf(out, "null,\"default\":true}");
		else {
			report_json_str(out, plan->hosts[res->sysctl_host[k]].name);
			fprintf(out, ",\"default\":false}");
		}
	}
	fprintf(out, "],\"pcaps\":[");
	for (int k = 0; k < res->npcaps; k++) {
		fputs(k ? "," : "", out);
		report_json_str(out, res->pcaps[k]);
	}
	fprintf(out, "],\"capture\":{\"frames\":%u,\"bad\":%u,\"dropped\":%u}", res->frames,
		res->bad_frames, res->drops);
	fprintf(out, ",\"events\":[");
	for (size_t i = 0; i < res->tl.n; i++) {
		const struct event *e = &res->tl.ev[i];

		fprintf(out, "%s{\"t_ns\":%llu,\"host\":", i ? "," : "",
			(unsigned long long)(e->t - res->t0));
		if (e->host >= 0)
			report_json_str(out, plan->hosts[e->host].name);
		else
			fputs("null", out);
		switch (e->kind) {
		case EV_CALL: {
			const struct plan_step *st = &plan->steps[e->call.step];

			fprintf(out, ",\"kind\":\"call\",\"proc\":");
			report_json_str(out, plan->procs[e->proc].name);
			fprintf(out, ",\"line\":%d,\"text\":", st->pos.line);
			report_json_str(out, st->text);
			fprintf(out, ",\"ret\":%ld,\"errno\":", e->call.ret);
			if (e->call.ret == -1)
				report_json_str(out, errno_name(e->call.err));
			else
				fputs("null", out);
			fprintf(out, ",\"dur_ns\":%llu",
				(unsigned long long)(e->call.t_end - e->t));
			if (e->call.has_local) {
				fprintf(out, ",\"local\":");
				js_ep(out, &e->call.local);
			}
			if (e->call.has_peer) {
				fprintf(out, ",\"peer\":");
				js_ep(out, &e->call.peer);
			}
			if (st->kind == STEP_BIND || st->kind == STEP_LISTEN)
				fprintf(out,
					",\"model\":{\"applicable\":%s,\"predicted\":\"%s\","
					"\"agrees\":%s}",
					e->model.applicable ? "true" : "false",
					e->model.predicted ? "EADDRINUSE" : "no conflict",
					e->model.agrees ? "true" : "false");
			json_holders(out, plan, e);
			break;
		}
		case EV_PACKET: {
			char fl[8];

			if (e->pkt.proto == IPPROTO_UDP)
				snprintf(fl, sizeof(fl), "udp");
			else
				plan_flags_str(e->pkt.flags, fl, sizeof(fl));
			fprintf(out, ",\"kind\":\"packet\",\"proto\":\"%s\",\"src\":",
				e->pkt.proto == IPPROTO_UDP ? "udp" : "tcp");
			js_ep(out, &e->pkt.src);
			fprintf(out, ",\"dst\":");
			js_ep(out, &e->pkt.dst);
			fprintf(out, ",\"flags\":");
			report_json_str(out, fl);
			fprintf(out, ",\"seq\":%u,\"ack\":%u,\"len\":%u", e->pkt.seq, e->pkt.ack,
				e->pkt.payload_len);
			break;
		}
		case EV_CHECK:
			fprintf(out, ",\"kind\":\"check\",\"ok\":%s,\"line\":%d,\"text\":",
				e->ok ? "true" : "false", plan->steps[e->step].pos.line);
			report_json_str(out, plan->steps[e->step].text);
			fprintf(out, ",\"message\":");
			report_json_str(out, e->msg);
			break;
		case EV_NOTE:
			fprintf(out, ",\"kind\":\"note\",\"message\":");
			report_json_str(out, e->msg);
			break;
		case EV_TRACE: {
			char tl[200];

			trace_line(&e->trace, tl, sizeof(tl));
			fprintf(out,
				",\"kind\":\"traced\",\"program\":%d,\"pid\":%d,\"call\":", e->prog,
				e->trace.pid);
			report_json_str(out, trace_call_name(e->trace.call));
			fprintf(out, ",\"fd\":%d,\"ret\":%lld,\"errno\":", e->trace.fd,
				(long long)e->trace.ret);
			if (e->trace.ret == -1)
				report_json_str(out, errno_name(e->trace.err));
			else
				fputs("null", out);
			fprintf(out, ",\"text\":");
			report_json_str(out, tl);
			json_holders(out, plan, e);
			break;
		}
		}
		fputc('}', out);
	}
	fprintf(out, "],\"programs\":[");
	for (int k = 0; k < res->nprogs; k++) {
		const struct run_program *pg = &res->progs[k];
		char buf[RUN_OUTPUT_MAX + 1];

		fprintf(out, "%s{\"cmd\":", k ? "," : "");
		report_json_str(out, pg->cmd);
		fprintf(out, ",\"pid\":%d,\"traced\":%s,\"stdout\":", pg->pid,
			pg->traced ? "true" : "false");
		memcpy(buf, pg->out, pg->outlen);
		buf[pg->outlen] = '\0';
		report_json_str(out, buf);
		fprintf(out, ",\"stderr\":");
		memcpy(buf, pg->err, pg->errlen);
		buf[pg->errlen] = '\0';
		report_json_str(out, buf);
		fprintf(out, ",\"dropped\":%lu}", pg->dropped);
	}
	fprintf(out, "]}");
}
