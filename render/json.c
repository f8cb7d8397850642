/* json.c - one run as a JSON object, and the envelope around the runs of
 * one command (docs/json-report.md; docs/report.schema.json). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "names.h"
#include "program.h"
#include "render.h"

static void js_ep(FILE *out, const struct endpoint *e)
{
	char b[80];

	json_str(out, endpoint_str(e, b, sizeof(b)));
}

static void js_sock(FILE *out, const struct sockinfo *s)
{
	fprintf(out, "{\"proto\":\"%s\",\"state\":", names_proto(s->proto));
	json_str(out, tcp_state_name(s->state));
	fprintf(out, ",\"local\":");
	js_ep(out, &s->local);
	fprintf(out, ",\"remote\":");
	js_ep(out, &s->remote);
	fprintf(out, ",\"timer\":%d,\"expires_ms\":%u,\"inode\":%llu}", s->timer, s->expires_ms,
		(unsigned long long)s->inode);
}

static void json_holders(FILE *out, const struct plan *plan, const struct event *e)
{
	const struct ev_explain *x = event_explain(e);

	if (x && x->nholders) {
		fprintf(out, ",\"in_the_way\":[");
		for (int k = 0; k < x->nholders; k++) {
			const struct ev_holder *h = &x->holders[k];

			fprintf(out, "%s{\"socket\":", k ? "," : "");
			js_sock(out, &h->sock);
			fprintf(out, ",\"proc\":");
			if (h->proc >= 0)
				json_str(out, plan->procs[h->proc].name);
			else
				fputs("null", out);
			fprintf(out, ",\"pid\":%d,\"why\":", h->pid);
			json_str(out, h->why);
			fputc('}', out);
		}
		fputc(']', out);
	}
}

static void json(FILE *out, const struct plan *plan, const struct result *res,
		 const struct render_opts *o)
{
	(void)o; /* one shape for every reader */
	static const char *verdicts[] = {"pass", "fail", "error"};
	char b[600];

	fprintf(out, "{\"file\":");
	json_str(out, plan->file);
	fprintf(out, ",\"scenario\":");
	json_str(out, plan->name);
	fprintf(out, ",\"variant\":");
	json_str(out, plan->variant);
	fprintf(out, ",\"verdict\":\"%s\",\"kernel\":", verdicts[res->verdict]);
	json_str(out, res->kernel);
	fprintf(out, ",\"mode\":\"%s\"", res->rootless ? "rootless" : "root");
	fprintf(out, ",\"timing\":{\"world_ns\":%llu,\"capture_ns\":%llu,\"verdict_ns\":%llu}",
		(unsigned long long)res->world_ns, (unsigned long long)res->capture_ns,
		(unsigned long long)res->verdict_ns);
	fprintf(out, ",\"t0_ns\":%llu", (unsigned long long)res->t0);
	if (res->verdict == VERDICT_ERROR) {
		fprintf(out, ",\"error\":");
		json_str(out, res->error);
	}
	if (res->failed_step >= 0) {
		fprintf(out, ",\"failed\":{\"line\":%d,\"text\":",
			plan->steps[res->failed_step].pos.line);
		json_str(out, plan->steps[res->failed_step].text);
		fputc('}', out);
	}
	fprintf(out, ",\"hosts\":[");
	for (int h = 0; h < plan->nhosts; h++) {
		fprintf(out, "%s{\"name\":", h ? "," : "");
		json_str(out, plan->hosts[h].name);
		fprintf(out, ",\"addrs\":[");
		for (int k = 0; k < plan->hosts[h].naddrs; k++) {
			fputs(k ? "," : "", out);
			json_str(out, addr_str(&plan->hosts[h].addrs[k], b, sizeof(b)));
		}
		fprintf(out, "]}");
	}
	fprintf(out, "],\"sysctls\":[");
	for (int k = 0; k < res->nsysctls; k++) {
		fprintf(out, "%s{\"key\":", k ? "," : "");
		json_str(out, res->sysctls[k].key);
		fprintf(out, ",\"value\":");
		json_str(out, res->sysctls[k].value);
		fprintf(out, ",\"host\":");
		if (res->sysctl_host[k] < 0)
			fprintf(out, "null,\"default\":true}");
		else {
			json_str(out, plan->hosts[res->sysctl_host[k]].name);
			fprintf(out, ",\"default\":false}");
		}
	}
	fprintf(out, "],\"pcaps\":[");
	for (int k = 0; k < res->npcaps; k++) {
		fputs(k ? "," : "", out);
		json_str(out, res->pcaps[k]);
	}
	fprintf(out, "],\"capture\":{\"frames\":%u,\"bad\":%u,\"dropped\":%u}", res->frames,
		res->bad_frames, res->drops);
	fprintf(out, ",\"events\":[");
	for (size_t i = 0; i < res->tl.n; i++) {
		const struct event *e = &res->tl.ev[i];

		fprintf(out, "%s{\"t_ns\":%llu,\"host\":", i ? "," : "",
			(unsigned long long)(e->t - res->t0));
		if (e->host >= 0)
			json_str(out, plan->hosts[e->host].name);
		else
			fputs("null", out);
		switch (e->kind) {
		case EV_CALL: {
			const struct ev_call *c = &e->u.call;
			const struct plan_step *st = &plan->steps[c->step];

			fprintf(out, ",\"kind\":\"call\",\"proc\":");
			json_str(out, plan->procs[c->proc].name);
			fprintf(out, ",\"line\":%d,\"text\":", st->pos.line);
			json_str(out, st->text);
			fprintf(out, ",\"ret\":%ld,\"errno\":", c->ret);
			if (c->ret == -1)
				json_str(out, errno_name(c->err));
			else
				fputs("null", out);
			fprintf(out, ",\"dur_ns\":%llu", (unsigned long long)(c->t_end - e->t));
			if (c->has_local) {
				fprintf(out, ",\"local\":");
				js_ep(out, &c->local);
			}
			if (c->has_peer) {
				fprintf(out, ",\"peer\":");
				js_ep(out, &c->peer);
			}
			if (st->kind == STEP_BIND || st->kind == STEP_LISTEN)
				fprintf(out,
					",\"model\":{\"applicable\":%s,\"predicted\":\"%s\","
					"\"agrees\":%s}",
					c->model.applicable ? "true" : "false",
					c->model.predicted ? "EADDRINUSE" : "no conflict",
					c->model.agrees ? "true" : "false");
			json_holders(out, plan, e);
			break;
		}
		case EV_PACKET: {
			char fl[8];

			names_pkt(e->u.pkt.proto, e->u.pkt.flags, fl, sizeof(fl));
			fprintf(out, ",\"kind\":\"packet\",\"proto\":\"%s\",\"src\":",
				names_proto(e->u.pkt.proto));
			js_ep(out, &e->u.pkt.src);
			fprintf(out, ",\"dst\":");
			js_ep(out, &e->u.pkt.dst);
			fprintf(out, ",\"flags\":");
			json_str(out, fl);
			fprintf(out, ",\"seq\":%u,\"ack\":%u,\"len\":%u", e->u.pkt.seq,
				e->u.pkt.ack, e->u.pkt.payload_len);
			break;
		}
		case EV_CHECK:
			fprintf(out, ",\"kind\":\"check\",\"ok\":%s,\"line\":%d,\"text\":",
				e->u.check.ok ? "true" : "false",
				plan->steps[e->u.check.step].pos.line);
			json_str(out, plan->steps[e->u.check.step].text);
			fprintf(out, ",\"message\":");
			json_str(out, e->u.check.msg);
			break;
		case EV_NOTE:
			fprintf(out, ",\"kind\":\"note\",\"message\":");
			json_str(out, e->u.note.msg);
			break;
		case EV_TRACE: {
			char tl[200];

			program_trace_str(&e->u.trace.rec, tl, sizeof(tl));
			fprintf(out, ",\"kind\":\"traced\",\"program\":%d,\"pid\":%d,\"call\":",
				e->u.trace.prog, e->u.trace.rec.pid);
			json_str(out, names_trace_call(e->u.trace.rec.call));
			fprintf(out, ",\"fd\":%d,\"ret\":%lld,\"errno\":", e->u.trace.rec.fd,
				(long long)e->u.trace.rec.ret);
			if (e->u.trace.rec.ret == -1)
				json_str(out, errno_name(e->u.trace.rec.err));
			else
				fputs("null", out);
			fprintf(out, ",\"text\":");
			json_str(out, tl);
			json_holders(out, plan, e);
			break;
		}
		}
		fputc('}', out);
	}
	fprintf(out, "],\"programs\":[");
	for (int k = 0; k < res->nprogs; k++) {
		const struct result_program *pg = &res->progs[k];
		char buf[RESULT_OUTPUT_MAX + 1];

		fprintf(out, "%s{\"cmd\":", k ? "," : "");
		json_str(out, pg->cmd);
		fprintf(out, ",\"pid\":%d,\"traced\":%s,\"stdout\":", pg->pid,
			pg->traced ? "true" : "false");
		memcpy(buf, pg->out, pg->outlen);
		buf[pg->outlen] = '\0';
		json_str(out, buf);
		fprintf(out, ",\"stderr\":");
		memcpy(buf, pg->err, pg->errlen);
		buf[pg->errlen] = '\0';
		json_str(out, buf);
		fprintf(out,
			",\"dropped\":%lu,\"trace_junk\":%lu,\"trace_dropped\":%lu,\"end\":\"%s\","
			"\"status\":",
			pg->dropped, pg->trace_junk, pg->trace_dropped,
			result_prog_end_name(pg->end));
		if (pg->end == PROG_STOPPED || pg->end == PROG_ENDED)
			fprintf(out, "%ld", pg->status);
		else
			fputs("null", out);
		fprintf(out, ",\"listen_port\":%d}", pg->listen_port);
	}
	fprintf(out, "]}");
}

const struct renderer render_json = {"json", json};

void render_json_begin(FILE *out, const char *version)
{
	fprintf(out, "{\"format\":\"%s\",\"bindlab\":", RENDER_JSON_FORMAT);
	json_str(out, version);
	fputs(",\"runs\":[", out);
}

void render_json_sep(FILE *out, int nth)
{
	if (nth)
		fputs(",\n", out);
}

void render_json_end(FILE *out, const char *extra)
{
	fprintf(out, "]%s%s}\n", extra ? "," : "", extra ? extra : "");
}
