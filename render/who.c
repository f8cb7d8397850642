/* who.c - `bindlab who` as a table or JSON: the sockets on a port, their
 * owners, and whether a new bind would succeed, with what would change it. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"
#include "names.h"
#include "render.h"
#include "who.h"

static void owner_str(const struct who_sock *w, char *buf, size_t len)
{
	if (w->pid > 0)
		snprintf(buf, len, "pid %d (%s)", w->pid, w->comm);
	else if (w->s.state == TCP_TIME_WAIT && w->s.proto == IPPROTO_TCP)
		snprintf(buf, len, "no owner: TIME_WAIT belongs to the kernel, not to a process");
	else if (!w->s.inode)
		snprintf(buf, len, "no owner: its process is gone, the kernel finishes the close");
	else
		snprintf(buf, len, "unknown (not readable by this user)");
}

static const char *opt_str(const struct rsock *r, char *buf, size_t len)
{
	if (!r->known)
		snprintf(buf, len, "options unknown");
	else
		snprintf(buf, len, "SO_REUSEADDR %s, SO_REUSEPORT %s", r->reuseaddr ? "on" : "off",
			 r->reuseport ? "on" : "off");
	return buf;
}

/* What would let the bind through, for one blocker. */
static void advice(const struct who_sock *w, const struct rsock *cand, char *buf, size_t len)
{
	switch (w->why) {
	case RULE_LISTENER:
		snprintf(buf, len,
			 "stop the listener (%s%s), bind another address or port, or set "
			 "SO_REUSEPORT on both sockets (same user) to share it",
			 w->pid ? "pid " : "its owner", w->pid ? w->comm : "");
		break;
	case RULE_NO_REUSEADDR:
		if (w->s.state == TCP_TIME_WAIT)
			snprintf(buf, len, "%s%swait %.0f s for the TIME_WAIT to end",
				 !cand->reuseaddr
				     ? "set SO_REUSEADDR on the new socket (--reuseaddr), "
				     : "",
				 !w->r.known || !w->r.reuseaddr
				     ? "and on the old server's socket before it closed, or "
				     : "or ",
				 w->s.expires_ms / 1000.0);
		else
			snprintf(
			    buf, len,
			    "set SO_REUSEADDR on both sockets (no listener may be among them), "
			    "or close the socket in the way");
		break;
	case RULE_REUSEPORT_UID:
		snprintf(buf, len, "run as the same user (uid %u) as the socket in the way",
			 w->s.uid);
		break;
	case RULE_UDP_NO_REUSE:
		snprintf(buf, len, "set SO_REUSEADDR on both or SO_REUSEPORT on both");
		break;
	default:
		buf[0] = '\0';
	}
}

void render_who(FILE *out, const struct who_opts *o, const struct who_result *res)
{
	char l[80], r[80], own[160], opts[64], why[400], adv[300];

	if (o->json) {
		fprintf(out, "{\"port\":%u,\"sockets\":[", o->ep.port);
		for (int k = 0; k < res->n; k++) {
			const struct who_sock *w = &res->socks[k];

			fprintf(out, "%s{\"proto\":\"%s\",\"state\":", k ? "," : "",
				names_proto(w->s.proto));
			json_str(out, tcp_state_name(w->s.state));
			fprintf(out, ",\"local\":");
			json_str(out, endpoint_str(&w->s.local, l, sizeof(l)));
			fprintf(out, ",\"remote\":");
			json_str(out, endpoint_str(&w->s.remote, r, sizeof(r)));
			fprintf(out, ",\"timer\":%d,\"expires_ms\":%u,\"pid\":", w->s.timer,
				w->s.expires_ms);
			if (w->pid > 0) {
				fprintf(out, "%d,\"command\":", w->pid);
				json_str(out, w->comm);
			} else {
				fputs("null,\"command\":null", out);
			}
			owner_str(w, own, sizeof(own));
			fprintf(out, ",\"owner\":");
			json_str(out, own);
			if (w->r.known)
				fprintf(out, ",\"reuseaddr\":%s,\"reuseport\":%s",
					w->r.reuseaddr ? "true" : "false",
					w->r.reuseport ? "true" : "false");
			fputc('}', out);
		}
		fputc(']', out);
		if (o->would_bind) {
			fprintf(out, ",\"would_bind\":{\"ok\":%s,\"blockers\":[",
				res->pred.conflict ? "false" : "true");
			for (int k = 0; k < res->pred.n; k++) {
				const struct who_sock *w = &res->socks[res->pred.who[k]];

				rules_sentence(w->why, &res->cand, &w->r, why, sizeof(why));
				advice(w, &res->cand, adv, sizeof(adv));
				fprintf(out, "%s{\"local\":", k ? "," : "");
				json_str(out, endpoint_str(&w->s.local, l, sizeof(l)));
				fprintf(out, ",\"state\":");
				json_str(out, tcp_state_name(w->s.state));
				fprintf(out, ",\"why\":");
				json_str(out, why);
				fprintf(out, ",\"fix\":");
				json_str(out, adv);
				fputc('}', out);
			}
			fputs("]}", out);
		}
		fputs("}\n", out);
		return;
	}
	if (!res->n)
		fprintf(out, "nothing on port %u in this network namespace\n", o->ep.port);
	else
		fprintf(out, "%-5s %-11s %-24s %-24s %-9s %s\n", "PROTO", "STATE", "LOCAL",
			"REMOTE", "TIMER", "OWNER");
	for (int k = 0; k < res->n; k++) {
		const struct who_sock *w = &res->socks[k];
		char timer[16] = "";

		if (w->s.timer)
			snprintf(timer, sizeof(timer), "%.1f s", w->s.expires_ms / 1000.0);
		owner_str(w, own, sizeof(own));
		fprintf(out, "%-5s %-11s %-24s %-24s %-9s %s", names_proto(w->s.proto),
			w->s.proto == IPPROTO_UDP
			    ? (w->s.state == TCP_ESTABLISHED ? "connected" : "bound")
			    : tcp_state_name(w->s.state),
			endpoint_str(&w->s.local, l, sizeof(l)),
			w->s.remote.port ? endpoint_str(&w->s.remote, r, sizeof(r)) : "*", timer,
			own);
		if (w->pid > 0)
			fprintf(out, "; %s", opt_str(&w->r, opts, sizeof(opts)));
		fputc('\n', out);
	}
	if (!o->would_bind)
		return;
	endpoint_str(&o->ep, l, sizeof(l));
	if (!res->pred.conflict) {
		fprintf(out, "\na %s bind to %s%s%s would succeed now\n", o->udp ? "UDP" : "TCP", l,
			o->reuseaddr ? " with SO_REUSEADDR" : "",
			o->reuseport ? " with SO_REUSEPORT" : "");
		return;
	}
	fprintf(out, "\na %s bind to %s%s%s would fail now: EADDRINUSE\n", o->udp ? "UDP" : "TCP",
		l, o->reuseaddr ? " with SO_REUSEADDR" : "",
		o->reuseport ? " with SO_REUSEPORT" : "");
	for (int k = 0; k < res->pred.n; k++) {
		const struct who_sock *w = &res->socks[res->pred.who[k]];

		rules_sentence(w->why, &res->cand, &w->r, why, sizeof(why));
		advice(w, &res->cand, adv, sizeof(adv));
		fprintf(out, "  blocked by %s %s: %s\n  to change that: %s\n",
			tcp_state_name(w->s.state), endpoint_str(&w->s.local, r, sizeof(r)), why,
			adv);
	}
}
