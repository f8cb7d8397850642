/* who.c - see who.h */
#include "who.h"
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The owner's options, read from a duplicate of its descriptor
 * (pidfd_getfd(2): allowed to root, or to a process that may ptrace it). */
static int owner_options(int pid, int fd, struct rsock *r)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), dup, v;
	socklen_t l = sizeof(v);

	if (pidfd < 0)
		return -1;
	dup = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (dup < 0)
		return -1;
	if (getsockopt(dup, SOL_SOCKET, SO_REUSEADDR, &v, &l) == 0)
		r->reuseaddr = v;
	l = sizeof(v);
	if (getsockopt(dup, SOL_SOCKET, SO_REUSEPORT, &v, &l) == 0)
		r->reuseport = v;
	close(dup);
	r->known = 1;
	return 0;
}

static int wanted(const struct who_opts *o, const struct sockinfo *s)
{
	struct rsock a = {0}, b = {0};

	if (s->local.port != o->ep.port)
		return 0;
	if (addr_is_any(&o->ep.addr) && o->ep.addr.family == AF_INET)
		return 1; /* a bare port: everything on it */
	a.family = o->ep.addr.family;
	a.local = o->ep;
	b.family = s->family;
	b.local = s->local;
	b.v6only = s->v6only > 0;
	return rules_overlap(&a, &b);
}

int who_query(const struct who_opts *o, struct who_result *res, char *err)
{
	static const int protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	struct sockdiag *sd;
	struct rsock rs[WHO_MAX];

	memset(res, 0, sizeof(*res));
	if (sockdiag_open(&sd, err) < 0)
		return -1;
	for (int p = 0; p < 2; p++) {
		struct sockinfo *s = NULL;
		size_t n = 0;

		if (sockdiag_dump(sd, protos[p], &s, &n, err) < 0) {
			sockdiag_free(sd);
			return -1;
		}
		for (size_t k = 0; k < n && res->n < WHO_MAX; k++) {
			struct who_sock *w;
			int fd = -1;

			if (!wanted(o, &s[k]))
				continue;
			w = &res->socks[res->n++];
			w->s = s[k];
			w->r.proto = s[k].proto;
			w->r.family = s[k].family;
			w->r.state = s[k].state;
			w->r.local = s[k].local;
			w->r.v6only = s[k].v6only > 0;
			w->r.uid = s[k].uid;
			if (s[k].inode && sockdiag_owner_fd(s[k].inode, &w->pid, &fd, w->comm,
							    sizeof(w->comm)) == 0)
				owner_options(w->pid, fd, &w->r);
		}
		free(s);
	}
	sockdiag_free(sd);

	res->cand.proto = o->udp ? IPPROTO_UDP : IPPROTO_TCP;
	res->cand.family = o->ep.addr.family;
	res->cand.local = o->ep;
	res->cand.reuseaddr = o->reuseaddr;
	res->cand.reuseport = o->reuseport;
	res->cand.uid = (unsigned)geteuid();
	res->cand.known = 1;
	for (int k = 0; k < res->n; k++)
		rs[k] = res->socks[k].r;
	rules_predict(&res->cand, 0, rs, res->n, &res->pred);
	for (int k = 0; k < res->pred.n; k++) {
		res->socks[res->pred.who[k]].blocks = 1;
		res->socks[res->pred.who[k]].why = res->pred.why[k];
	}
	return 0;
}

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

void who_print(FILE *out, const struct who_opts *o, const struct who_result *res)
{
	char l[80], r[80], own[160], opts[64], why[400], adv[300];

	if (o->json) {
		fprintf(out, "{\"port\":%u,\"sockets\":[", o->ep.port);
		for (int k = 0; k < res->n; k++) {
			const struct who_sock *w = &res->socks[k];

			fprintf(out, "%s{\"proto\":\"%s\",\"state\":", k ? "," : "",
				w->s.proto == IPPROTO_UDP ? "udp" : "tcp");
			report_json_str(out, tcp_state_name(w->s.state));
			fprintf(out, ",\"local\":");
			report_json_str(out, endpoint_str(&w->s.local, l, sizeof(l)));
			fprintf(out, ",\"remote\":");
			report_json_str(out, endpoint_str(&w->s.remote, r, sizeof(r)));
			fprintf(out, ",\"timer\":%d,\"expires_ms\":%u,\"pid\":", w->s.timer,
				w->s.expires_ms);
			if (w->pid > 0) {
				fprintf(out, "%d,\"command\":", w->pid);
				report_json_str(out, w->comm);
			} else {
				fputs("null,\"command\":null", out);
			}
			owner_str(w, own, sizeof(own));
			fprintf(out, ",\"owner\":");
			report_json_str(out, own);
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
				report_json_str(out, endpoint_str(&w->s.local, l, sizeof(l)));
				fprintf(out, ",\"state\":");
				report_json_str(out, tcp_state_name(w->s.state));
				fprintf(out, ",\"why\":");
				report_json_str(out, why);
				fprintf(out, ",\"fix\":");
				report_json_str(out, adv);
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
		fprintf(out, "%-5s %-11s %-24s %-24s %-9s %s",
			w->s.proto == IPPROTO_UDP ? "udp" : "tcp",
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

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bindlab who PORT|ADDR:PORT [--would-bind [--reuseaddr] [--reuseport] "
		"[--udp]] [--json]\n"
		"  every TCP and UDP socket on that port in this network namespace, with its\n"
		"  state, timer and owning process; --would-bind: would a new bind succeed now?\n");
}

int who_main(int argc, char **argv)
{
	static const struct option longopts[] = {{"would-bind", no_argument, NULL, 'w'},
						 {"reuseaddr", no_argument, NULL, 'a'},
						 {"reuseport", no_argument, NULL, 'p'},
						 {"udp", no_argument, NULL, 'u'},
						 {"json", no_argument, NULL, 'j'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct who_opts o;
	struct who_result *res;
	char err[ERRLEN];
	int c;
	long port;
	char *end;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o.would_bind = 1;
			break;
		case 'a':
			o.reuseaddr = 1;
			break;
		case 'p':
			o.reuseport = 1;
			break;
		case 'u':
			o.udp = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_PASS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	errno = 0;
	port = strtol(argv[optind], &end, 10);
	if (!errno && !*end && end != argv[optind] && port > 0 && port <= 65535) {
		addr_parse("0.0.0.0", &o.ep.addr);
		o.ep.port = (uint16_t)port;
	} else if (endpoint_parse(argv[optind], &o.ep) < 0 || o.ep.port == 0) {
		fprintf(stderr, "bindlab: bad port '%s': write 8080, 10.0.0.1:8080 or [::1]:8080\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	res = malloc(sizeof(*res));
	if (!res || who_query(&o, res, err) < 0) {
		fprintf(stderr, "bindlab: %s\n", res ? err : "out of memory");
		free(res);
		return EXIT_USAGE;
	}
	who_print(stdout, &o, res);
	c = o.would_bind && res->pred.conflict ? EXIT_FAIL : EXIT_PASS;
	free(res);
	return c;
}
