/* world.h - the network namespaces, links and sysctls a scenario runs in.
 *
 * The world is owned by the process that creates it: each host is an
 * anonymous network namespace made with unshare(CLONE_NEWNET) and kept alive
 * only by a descriptor this process holds (and by its actors), never a named
 * `ip netns`.  When the process dies, even by SIGKILL, the namespaces and the
 * veth pairs inside them go with it.  The host's own namespace is left at the
 * first world_init() and never touched.
 *
 * Topology: one host -> only lo; two hosts -> one veth pair "veth0" in each,
 * with every address of the host on it (and on lo nothing but 127.0.0.1, ::1).
 * Addresses are configured over rtnetlink (libmnl), IPv6 without DAD, and
 * every link is waited on until it is up before world_init() returns. */
#ifndef BINDLAB_WORLD_H
#define BINDLAB_WORLD_H

#include "plan.h"

#define WORLD_IFACES_MAX 8

/* An interface of the world worth capturing. */
struct world_iface {
	int host;      /* index into plan.hosts */
	char name[16]; /* "lo", "veth0" */
	int timeline;  /* 1 if its packets go on the timeline (each packet once) */
};

/* Defaults bindlab sets in every namespace for determinism, before the
 * scenario's own sysctl lines (which may override them), e.g.
 * net.ipv4.tcp_rfc1337=1 against TIME_WAIT assassination by a stray RST. */
extern const struct plan_sysctl world_default_sysctls[];
extern const int world_ndefault_sysctls;

struct world {
	int nhosts;
	int *netns_fd; /* one per host: open("/proc/self/ns/net") */
	struct world_iface ifaces[WORLD_IFACES_MAX];
	int nifaces;
	uint64_t setup_ns; /* time world_init took */
};

/* If not root, enter a new user namespace mapping our uid to 0, so that the
 * rest needs no privilege.  Call once, first, in a single-threaded process.
 * Returns 0 (and *rootless = 1 when it did so) or -1 with err explaining what
 * the kernel refused and what to change. */
int world_enter_userns(int *rootless, char *err);

/* Build the world for plan.  On return the caller is in the namespace of host
 * 0.  Returns 0 or -1 with err ("cannot set net.ipv4.x on host 'server': ..."). */
int world_init(struct world *w, const struct plan *plan, char *err);

/* Move the calling thread into host's namespace (setns). */
int world_enter(const struct world *w, int host, char *err);

/* Close the namespace descriptors; the kernel frees the namespaces once no
 * process is left in them. */
void world_free(struct world *w);

/* For `bindlab doctor`: try root mode and rootless mode in forked children
 * (nothing changes here) and describe in report which works and, if
 * neither, what to change.  0 if at least one mode works, else -1. */
int world_probe(char *report, size_t len);

#endif
