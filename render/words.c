/* words.c - the short forms every format prints alike: a call with its
 * answer, a socket in the way, how a program ended. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "program.h"
#include "render.h"

/* "SEGV" for 11 */
static const char *sig_name(int sig)
{
	const char *n = sigabbrev_np(sig);

	return n ? n : "?";
}

/* One sentence per way a program can end (result.h decides which). */
void render_prog_end(const struct result_program *pg, char *buf, size_t len)
{
	switch (pg->end) {
	case PROG_ENDED:
		if (pg->status >= 128)
			snprintf(buf, len, "ended by itself: signal %ld (SIG%s)", pg->status - 128,
				 sig_name((int)(pg->status - 128)));
		else
			snprintf(buf, len, "ended by itself: exit status %ld", pg->status);
		return;
	case PROG_STOPPED:
		if (pg->status >= 128)
			snprintf(buf, len, "stopped: ended by signal %ld (SIG%s)%s",
				 pg->status - 128, sig_name((int)(pg->status - 128)),
				 pg->killed ? ", sent by bindlab after the grace period" : "");
		else
			snprintf(buf, len, "stopped: exit status %ld", pg->status);
		return;
	case PROG_EXITED:
		snprintf(buf, len, "exited by itself");
		return;
	case PROG_VANISHED:
		snprintf(buf, len, "ended without exiting: killed by a signal?");
		return;
	case PROG_RUNNING:
		break;
	}
	snprintf(buf, len, "still running at the end: killed with the world");
}

void render_call_words(const struct plan *plan, const struct ev_call *c, char *buf, size_t len)
{
	const struct plan_step *st = &plan->steps[c->step];
	const char *colon = strchr(st->text, ':');
	char text[PLAN_TEXT_MAX], res[48], ep[80];
	char *eq;

	snprintf(text, sizeof(text), "%s", colon ? colon + 1 + strspn(colon + 1, " \t") : st->text);
	eq = strrchr(text, ')');
	if (eq)
		eq[1] = '\0';
	result_str(c->ret, c->err, res, sizeof(res));
	if (st->kind == STEP_SOCKET || st->kind == STEP_ACCEPT || st->kind == STEP_FORK ||
	    st->kind == STEP_EXIT || st->kind == STEP_EXEC)
		snprintf(buf, len, "%s%s%s", text, c->ret == -1 ? " = " : "",
			 c->ret == -1 ? res : "");
	else
		snprintf(buf, len, "%s = %s", text, res);
	if (st->kind == STEP_CONNECT && c->has_local)
		snprintf(buf + strlen(buf), len - strlen(buf), " from %s",
			 endpoint_str(&c->local, ep, sizeof(ep)));
	if (st->kind == STEP_ACCEPT && c->has_peer)
		snprintf(buf + strlen(buf), len - strlen(buf), " from %s",
			 endpoint_str(&c->peer, ep, sizeof(ep)));
	if (st->kind == STEP_BIND && c->ret == 0 && st->u.bind.ep.port == 0 && c->has_local)
		snprintf(buf + strlen(buf), len - strlen(buf), " got port %u", c->local.port);
}

void render_holder_words(const struct plan *plan, const struct result *res,
			 const struct ev_holder *h, char *buf, size_t len)
{
	const struct sockinfo *s = &h->sock;
	char lo[80], re[80], who[160];

	endpoint_str(&s->local, lo, sizeof(lo));
	endpoint_str(&s->remote, re, sizeof(re));
	if (h->proc >= plan->nprocs)
		snprintf(who, sizeof(who), "owner unknown");
	else if (h->proc >= 0 && h->comm[0])
		snprintf(who, sizeof(who), "held by process '%s', now running %s (exec)",
			 plan->procs[h->proc].name, h->comm);
	else if (h->proc >= 0)
		snprintf(who, sizeof(who), "held by process '%s'", plan->procs[h->proc].name);
	else if (h->pid > 0 && h->prog >= 0 && h->prog < res->nprogs)
		snprintf(who, sizeof(who), "held by pid %d (%s), the program started at line %d",
			 h->pid, h->comm, plan->steps[res->progs[h->prog].step].pos.line);
	else if (h->pid > 0)
		snprintf(who, sizeof(who), "held by pid %d (%s)", h->pid, h->comm);
	else if (!s->inode)
		snprintf(who, sizeof(who), "owned by no process: the kernel keeps it");
	else
		snprintf(who, sizeof(who), "owner unknown");
	snprintf(buf, len, "%s %s %s%s%s", names_proto(s->proto),
		 s->proto == IPPROTO_UDP ? (s->state == TCP_ESTABLISHED ? "connected" : "bound")
					 : tcp_state_name(s->state),
		 lo, s->remote.port ? " > " : "", s->remote.port ? re : "");
	if (s->timer == TIMER_TIMEWAIT)
		snprintf(buf + strlen(buf), len - strlen(buf), ", %.1f s left",
			 s->expires_ms / 1000.0);
	snprintf(buf + strlen(buf), len - strlen(buf), " (%s)", who);
}

int render_host_of(const struct plan *plan, const struct addr *a)
{
	for (int h = 0; h < plan->nhosts; h++)
		for (int i = 0; i < plan->hosts[h].naddrs; i++)
			if (addr_equal(&plan->hosts[h].addrs[i], a))
				return h;
	return -1;
}
