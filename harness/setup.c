/* setup.c - what the driver makes ready before the first step: the trace
 * library's path, the reaper that takes every process with it, the
 * captures of every interface (opened in parallel) and the sysctl notes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runner.h"

/* Programs started by run() get the trace library that sits beside the
 * bindlab binary, unless BINDLAB_TRACE_LIB names another. */
void setup_trace_lib(void)
{
	if (!getenv("BINDLAB_TRACE_LIB")) {
		char exe[4096], lib[4200];
		char *slash;

		snprintf(exe, sizeof(exe), "%s", self_exe());
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(lib, sizeof(lib), "%s/libbindlab-trace.so", exe);
			setenv("BINDLAB_TRACE_LIB", lib, 1);
		}
	}
}

/* A pid namespace whose init (the reaper) dies with the runner: then the
 * kernel kills every process in it, actors, their forked children and
 * any program they started, however deep. */
int setup_reaper(struct runner *r)
{
	int p[2];
	pid_t pid;

	/* The reaper cannot ask getppid() whether the runner is still there
	 * (it is 0 inside the new pid namespace): a pipe whose write end only
	 * the runner holds tells it. */
	if (pipe2(p, O_CLOEXEC) < 0)
		return errf(r->err, "cannot create a pipe: %s", strerror(errno));
	if (unshare(CLONE_NEWPID) < 0) {
		close(p[0]);
		close(p[1]);
		return errf(r->err, "cannot create a pid namespace: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return errf(r->err, "cannot fork the reaper: %s", strerror(errno));
	}
	if (pid == 0) {
		struct pollfd pf = {.fd = p[0], .events = POLLIN};

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* hold nothing of the runner's: not its report pipe, not its
		 * captures (whoever waits on those would wait for us too) */
		close_range(3, (unsigned)p[0] - 1, 0);
		close_range((unsigned)p[0] + 1, ~0U, 0);
		if (poll(&pf, 1, 0) > 0)
			_exit(0); /* the runner died before prctl took hold */
		/* Orphans (a forked actor whose parent exited) stay zombies
		 * until the run ends: they hold no sockets any more. */
		while (poll(&pf, 1, -1) <= 0 || !(pf.revents & (POLLHUP | POLLIN)))
			;
		_exit(0);
	}
	close(p[0]);
	r->reaper_pipe = p[1];
	return 0;
}

struct cap_job {
	const struct world *world;
	int host;
	const char *ifname;
	int iface; /* on the timeline: its index; else -1 */
	const char *path;
	struct capture *cap;
	int rc;
	char err[ERRLEN];
};

/* Open one capture in its host's namespace.  setns() moves only this
 * thread, and pcap_activate() spends ~15 ms waiting on the kernel (an RCU
 * grace period), so the captures of a world open in parallel. */
static void *cap_thread(void *arg)
{
	struct cap_job *j = arg;

	j->rc = world_enter(j->world, j->host, j->err);
	if (j->rc == 0)
		j->rc = capture_open(&j->cap, j->ifname, j->iface, "tcp or udp", j->path, j->err);
	return NULL;
}

int setup_captures(struct runner *r)
{
	struct result *res = r->res;
	struct cap_job jobs[WORLD_IFACES_MAX];
	pthread_t th[WORLD_IFACES_MAX];
	int started[WORLD_IFACES_MAX] = {0};
	int rc = 0;

	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < r->world.nifaces; i++) {
		const struct world_iface *f = &r->world.ifaces[i];

		res->tl.iface_host[i] = f->host;
		if (!f->timeline && !r->opts->pcap_dir)
			continue;
		if (r->opts->pcap_dir) {
			const char *base = strrchr(r->plan->file, '/');
			char stem[256];

			snprintf(stem, sizeof(stem), "%s", base ? base + 1 : r->plan->file);
			char *dot = strrchr(stem, '.');

			if (dot)
				*dot = '\0';
			snprintf(res->pcaps[res->npcaps], sizeof(res->pcaps[0]),
				 "%s/%s%s%s-%s-%s.pcap", r->opts->pcap_dir, stem,
				 r->plan->variant[0] ? "-" : "",
				 r->plan->variant[0] ? r->plan->variant : "",
				 r->plan->hosts[f->host].name, f->name);
			for (char *c = res->pcaps[res->npcaps] + strlen(r->opts->pcap_dir); *c; c++)
				if (*c == ' ' || *c == '=')
					*c = *c == ' ' ? '_' : '-';
			jobs[i].path = res->pcaps[res->npcaps++];
		}
		jobs[i].world = &r->world;
		jobs[i].host = f->host;
		jobs[i].ifname = f->name;
		/* Interfaces only for a pcap file are still opened, but their
		 * packets stay off the timeline (they would come twice). */
		jobs[i].iface = f->timeline ? i : -1;
		if (pthread_create(&th[i], NULL, cap_thread, &jobs[i]) != 0) {
			rc = errf(r->err, "cannot start a thread for the capture on '%s'", f->name);
			break;
		}
		started[i] = 1;
	}
	for (int i = 0; i < r->world.nifaces; i++) {
		if (!started[i])
			continue;
		pthread_join(th[i], NULL);
		r->caps[i] = jobs[i].cap;
		if (r->caps[i])
			r->ncaps = i + 1;
		if (jobs[i].rc < 0 && rc == 0)
			rc = errf(r->err, "%s", jobs[i].err);
	}
	return rc;
}

void setup_sysctl_notes(struct runner *r)
{
	struct result *res = r->res;

	for (int k = 0; k < world_ndefault_sysctls && res->nsysctls < RESULT_NOTES_MAX; k++) {
		res->sysctl_host[res->nsysctls] = -1;
		res->sysctls[res->nsysctls++] = world_default_sysctls[k];
	}
	for (int h = 0; h < r->plan->nhosts; h++)
		for (int k = 0; k < r->plan->hosts[h].nsysctls && res->nsysctls < RESULT_NOTES_MAX;
		     k++) {
			res->sysctl_host[res->nsysctls] = h;
			res->sysctls[res->nsysctls++] = r->plan->hosts[h].sysctls[k];
		}
}
