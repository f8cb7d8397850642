/* world.c - see world.h */
#include "world.h"

#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* A request buffer: libmnl's MNL_SOCKET_BUFFER_SIZE is a run-time value
 * and cannot size an initialised array. */
#define REQ_LEN 8192

/* Set in every namespace before the scenario's own sysctl lines. */
const struct plan_sysctl world_default_sysctls[] = {
    /* A stray RST would end a TIME_WAIT early ("TIME_WAIT assassination",
     * RFC 1337): seen here in about 1 run in 5,000 without this. */
    {"net.ipv4.tcp_rfc1337", "1", {0, 0}},
    /* IPv6 addresses are added with IFA_F_NODAD; this keeps link-local
     * ones from waiting on DAD and sending solicitations onto the wire. */
    {"net.ipv6.conf.default.accept_dad", "0", {0, 0}},
    {"net.ipv6.conf.default.router_solicitations", "0", {0, 0}},
};
const int world_ndefault_sysctls =
    (int)(sizeof(world_default_sysctls) / sizeof(world_default_sysctls[0]));

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int read_int(const char *path, int *v)
{
	FILE *f = fopen(path, "re");
	int rc;

	if (!f)
		return -1;
	rc = fscanf(f, "%d", v) == 1 ? 0 : -1;
	fclose(f);
	return rc;
}

/* Why unshare(CLONE_NEWUSER) failed, and what would change it. */
static void userns_advice(int e, char *err)
{
	int v;

	if (read_int("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0) {
		errf(err,
		     "cannot create a user namespace: %s; as root run "
		     "'sysctl kernel.unprivileged_userns_clone=1', or run bindlab as root",
		     strerror(e));
		return;
	}
	if (read_int("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0) {
		errf(err,
		     "cannot create a user namespace: %s; as root run "
		     "'sysctl user.max_user_namespaces=15000', or run bindlab as root",
		     strerror(e));
		return;
	}
	if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 && v == 1) {
		errf(err,
		     "cannot create a user namespace: %s; AppArmor restricts them: as root "
		     "run 'sysctl kernel.apparmor_restrict_unprivileged_userns=0', or run "
		     "bindlab as root",
		     strerror(e));
		return;
	}
	errf(err, "cannot create a user namespace: %s; run bindlab as root", strerror(e));
}

int world_enter_userns(int *rootless, char *err)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	*rootless = 0;
	if (uid == 0)
		return 0;
	if (unshare(CLONE_NEWUSER) < 0) {
		userns_advice(errno, err);
		return -1;
	}
	/* setgroups must be denied before an unprivileged gid_map write */
	if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
		return errf(err, "cannot write /proc/self/setgroups: %s", strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return errf(err, "cannot write /proc/self/uid_map: %s", strerror(errno));
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return errf(err, "cannot write /proc/self/gid_map: %s", strerror(errno));
	*rootless = 1;
	return 0;
}

/* --- rtnetlink ------------------------------------------------------------ */

struct rtnl {
	struct mnl_socket *nl;
	unsigned seq;
	unsigned portid;
};

static int rtnl_open(struct rtnl *r, char *err)
{
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl)
		return errf(err, "cannot open rtnetlink: %s", strerror(errno));
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(r->nl);
		r->nl = NULL;
		return errf(err, "cannot bind rtnetlink: %s", strerror(e));
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = 1;
	return 0;
}

static void rtnl_close(struct rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

/* Send a request built in buf and wait for its ACK; -1 with errno set. */
static int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;
	int rc;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++r->seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		rc = mnl_cb_run(buf, (size_t)n, r->seq, r->portid, NULL, NULL);
	} while (rc > 0);
	return rc < 0 ? -1 : 0;
}

static int link_up(struct rtnl *r, int ifindex)
{
	char buf[REQ_LEN] = {0}; /* attribute padding goes on the wire */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return rtnl_talk(r, nlh);
}

static int addr_add(struct rtnl *r, int ifindex, const struct addr *a, int host_only)
{
	char buf[REQ_LEN] = {0}; /* attribute padding goes on the wire */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)a->family;
	/* On a link, one subnet for all hosts of a world (/24, /64): every host
	 * reaches every other directly, with no routes to add.  On lo only the
	 * address itself: a /24 on lo would make the whole /24 local, and
	 * binding 10.0.0.99 would succeed instead of failing EADDRNOTAVAIL. */
	ifa->ifa_prefixlen =
	    host_only ? (a->family == AF_INET ? 32 : 128) : (a->family == AF_INET ? 24 : 64);
	ifa->ifa_index = (unsigned)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (a->family == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, 4, &a->u.v4);
		mnl_attr_put(nlh, IFA_ADDRESS, 4, &a->u.v4);
	} else {
		/* usable at once: no duplicate address detection */
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put(nlh, IFA_ADDRESS, 16, &a->u.v6);
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return rtnl_talk(r, nlh);
}

/* Fixed MAC addresses, so that the neighbour entries can be written before
 * the first packet: no ARP or neighbour discovery on the wire. */
static void host_mac(int host, uint8_t mac[6])
{
	static const uint8_t base[6] = {0x02, 0x62, 0x6c, 0x00, 0x00, 0x00};

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(host + 1);
}

static int neigh_add(struct rtnl *r, int ifindex, const struct addr *a, const uint8_t mac[6])
{
	char buf[REQ_LEN] = {0}; /* attribute padding goes on the wire */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = (uint8_t)a->family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, a->family == AF_INET ? 4 : 16, &a->u);
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	return rtnl_talk(r, nlh);
}

static int veth_add(struct rtnl *r, const char *name, const char *peer, int peer_netns)
{
	char buf[REQ_LEN] = {0}; /* attribute padding goes on the wire */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm, *pifm;
	struct nlattr *linkinfo, *data, *peerattr;
	uint8_t mac[6];

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	/* Distinct ifindexes for the two ends.  Left to itself the kernel gives
	 * both index 2 (each namespace counts from lo = 1); a veth whose peer's
	 * index equals its own does not count as an "urgent" link event, and
	 * its carrier-on then waits for the rate-limited linkwatch run: the
	 * link stayed unusable for a whole second. */
	ifm->ifi_index = 10;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	host_mac(0, mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peerattr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	pifm->ifi_index = 11;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	host_mac(1, mac);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	/* the peer is born in the other host's namespace: never in ours */
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns);
	mnl_attr_nest_end(nlh, peerattr);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return rtnl_talk(r, nlh);
}

/* IFF_UP and IFF_RUNNING (carrier) on ifindex: 1 yes, 0 not yet, -1 error. */
static int link_running(int ifindex)
{
	struct ifreq ifr;
	int fd, rc;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_indextoname((unsigned)ifindex, ifr.ifr_name))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	close(fd);
	if (rc < 0)
		return -1;
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

/* Wait, bounded, until ifindex has carrier: woken by link notifications of
 * the namespace (mon is subscribed to RTMGRP_LINK), never by a timer. */
static int wait_running(struct mnl_socket *mon, int ifindex, const char *what, char *err)
{
	uint64_t deadline = now_ns() + 2000000000ull;
	char buf[MNL_SOCKET_BUFFER_SIZE];

	for (;;) {
		int up = link_running(ifindex);
		struct pollfd p = {.fd = mnl_socket_get_fd(mon), .events = POLLIN};
		uint64_t now = now_ns();

		if (up < 0)
			return errf(err, "cannot read the state of %s: %s", what, strerror(errno));
		if (up)
			return 0;
		if (now >= deadline)
			return errf(err, "%s did not come up within 2 s", what);
		if (poll(&p, 1, (int)((deadline - now) / 1000000ull) + 1) > 0 &&
		    recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT) < 0 && errno != EAGAIN)
			return errf(err, "cannot read link events: %s", strerror(errno));
	}
}

static int set_sysctl(const struct plan_sysctl *s, const char *host, char *err)
{
	char path[160], value[80];

	snprintf(path, sizeof(path), "/proc/sys/%s", s->key);
	for (char *c = path + 10; *c; c++)
		if (*c == '.')
			*c = '/';
	snprintf(value, sizeof(value), "%s\n", s->value);
	/* /proc/sys/net resolves to the namespace of the thread that opens it */
	if (write_file(path, value) < 0)
		return errf(err, "cannot set %s=%s on host '%s': %s", s->key, s->value, host,
			    errno == ENOENT ? "no such sysctl" : strerror(errno));
	return 0;
}

int world_enter(const struct world *w, int host, char *err)
{
	if (host < 0 || host >= w->nhosts)
		return errf(err, "no host %d in this world", host);
	if (setns(w->netns_fd[host], CLONE_NEWNET) < 0)
		return errf(err, "cannot enter the namespace of host %d: %s", host,
			    strerror(errno));
	return 0;
}

static int add_iface(struct world *w, int host, const char *name, int timeline)
{
	struct world_iface *f;

	if (w->nifaces >= WORLD_IFACES_MAX)
		return -1;
	f = &w->ifaces[w->nifaces++];
	f->host = host;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->timeline = timeline;
	return 0;
}

/* One host's namespace: lo up, sysctls, and (one-host worlds) its addresses
 * on lo.  Leaves the caller in it. */
static int host_init(struct world *w, const struct plan *plan, int h, struct rtnl *r, char *err)
{
	const struct plan_host *host = &plan->hosts[h];
	char what[64];

	if (unshare(CLONE_NEWNET) < 0)
		return errf(err, "cannot create a network namespace for host '%s': %s", host->name,
			    strerror(errno));
	w->netns_fd[h] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (w->netns_fd[h] < 0)
		return errf(err, "cannot open the namespace of host '%s': %s", host->name,
			    strerror(errno));
	for (int k = 0; k < world_ndefault_sysctls; k++)
		if (set_sysctl(&world_default_sysctls[k], host->name, err) < 0)
			return -1;
	for (int k = 0; k < host->nsysctls; k++)
		if (set_sysctl(&host->sysctls[k], host->name, err) < 0)
			return -1;
	if (rtnl_open(r, err) < 0)
		return -1;
	snprintf(what, sizeof(what), "lo on host '%s'", host->name);
	if (link_up(r, 1) < 0)
		return errf(err, "cannot set %s up: %s", what, strerror(errno));
	if (plan->nhosts == 1)
		for (int k = 0; k < host->naddrs; k++) {
			char a[64];

			if (addr_add(r, 1, &host->addrs[k], 1) < 0)
				return errf(err, "cannot add %s to lo on host '%s': %s",
					    addr_str(&host->addrs[k], a, sizeof(a)), host->name,
					    strerror(errno));
		}
	return add_iface(w, h, "lo", 1);
}

/* The veth end of host h (its namespace is current): addresses, peer
 * neighbours, up. */
static int veth_config(const struct plan *plan, int h, struct rtnl *r, char *err)
{
	const struct plan_host *host = &plan->hosts[h], *peer = &plan->hosts[1 - h];
	int idx = (int)if_nametoindex("veth0");
	uint8_t mac[6];
	char a[64];

	if (idx <= 0)
		return errf(err, "no veth0 on host '%s': %s", host->name, strerror(errno));
	for (int k = 0; k < host->naddrs; k++)
		if (addr_add(r, idx, &host->addrs[k], 0) < 0)
			return errf(err, "cannot add %s to 'veth0' on host '%s': %s",
				    addr_str(&host->addrs[k], a, sizeof(a)), host->name,
				    strerror(errno));
	host_mac(1 - h, mac);
	for (int k = 0; k < peer->naddrs; k++)
		if (neigh_add(r, idx, &peer->addrs[k], mac) < 0)
			return errf(err, "cannot add the neighbour %s on host '%s': %s",
				    addr_str(&peer->addrs[k], a, sizeof(a)), host->name,
				    strerror(errno));
	if (link_up(r, idx) < 0)
		return errf(err, "cannot set 'veth0' up on host '%s': %s", host->name,
			    strerror(errno));
	return idx;
}

int world_init(struct world *w, const struct plan *plan, char *err)
{
	uint64_t t0 = now_ns();
	struct rtnl r[2] = {{0}, {0}};
	struct mnl_socket *mon = NULL;
	int idx0, rc = -1;

	memset(w, 0, sizeof(*w));
	if (plan->nhosts < 1)
		return errf(err, "a world needs at least one host");
	if (plan->nhosts > 2)
		return errf(err, "%d hosts: this version joins at most two hosts", plan->nhosts);
	w->nhosts = plan->nhosts;
	w->netns_fd = malloc((size_t)plan->nhosts * sizeof(int));
	if (!w->netns_fd)
		return errf(err, "out of memory");
	for (int h = 0; h < plan->nhosts; h++)
		w->netns_fd[h] = -1;
	for (int h = 0; h < plan->nhosts; h++)
		if (host_init(w, plan, h, &r[h], err) < 0)
			goto err;
	if (plan->nhosts == 2) {
		/* we are in host 1's namespace: configure its end after creating
		 * the pair from host 0 */
		if (world_enter(w, 0, err) < 0)
			goto err;
		mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
		if (!mon || mnl_socket_bind(mon, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
			errf(err, "cannot listen to link events: %s", strerror(errno));
			goto err;
		}
		if (veth_add(&r[0], "veth0", "veth0", w->netns_fd[1]) < 0) {
			errf(err, "cannot create the veth pair between '%s' and '%s': %s",
			     plan->hosts[0].name, plan->hosts[1].name, strerror(errno));
			goto err;
		}
		if (world_enter(w, 1, err) < 0 || veth_config(plan, 1, &r[1], err) < 0)
			goto err;
		if (world_enter(w, 0, err) < 0)
			goto err;
		idx0 = veth_config(plan, 0, &r[0], err);
		if (idx0 < 0)
			goto err;
		/* carrier needs both ends up: waiting on host 0's end covers both */
		if (wait_running(mon, idx0, "veth0 on host 0", err) < 0)
			goto err;
		add_iface(w, 0, "veth0", 1);
		add_iface(w, 1, "veth0", 0);
	}
	if (world_enter(w, 0, err) < 0)
		goto err;
	w->setup_ns = now_ns() - t0;
	rc = 0;
	goto out;
err:
	world_free(w);
out:
	if (mon)
		mnl_socket_close(mon);
	rtnl_close(&r[0]);
	rtnl_close(&r[1]);
	return rc;
}

void world_free(struct world *w)
{
	if (w->netns_fd)
		for (int h = 0; h < w->nhosts; h++)
			if (w->netns_fd[h] >= 0)
				close(w->netns_fd[h]);
	free(w->netns_fd);
	w->netns_fd = NULL;
	w->nhosts = 0;
}

/* --- doctor -------------------------------------------------------------- */

/* Try a mode in a child: a namespace, a veth pair, a packet socket, a
 * sysctl.  Returns 0 if all worked, else -1 with why in err. */
static int probe_mode(int rootless, char *err)
{
	int p[2], st = 0;
	pid_t pid;
	char msg[ERRLEN] = "";
	ssize_t n;

	if (pipe(p) < 0)
		return errf(err, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return errf(err, "fork: %s", strerror(errno));
	if (pid == 0) {
		char e[ERRLEN] = "";
		struct rtnl r = {0};
		int ok = -1, fd, dummy = 0;

		close(p[0]);
		/* as root, try the rootless mode as nobody would; setuid() made
		 * us undumpable, which would keep /proc/self/uid_map closed */
		if (rootless && geteuid() == 0 &&
		    (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0 ||
		     prctl(PR_SET_DUMPABLE, 1) < 0))
			errf(e, "cannot become uid 65534 to try: %s", strerror(errno));
		else if (world_enter_userns(&dummy, e) < 0)
			;
		else if (unshare(CLONE_NEWNET) < 0)
			errf(e, "cannot create a network namespace: %s%s", strerror(errno),
			     errno == ENOSPC ? "; the limit user.max_net_namespaces is reached "
					       "(0 here?): raise it with sysctl where it is set"
			     : errno == EPERM && !rootless
				 ? "; bindlab needs CAP_SYS_ADMIN: in a container, run it "
				   "privileged (docker run --privileged)"
				 : "");
		else if (rtnl_open(&r, e) < 0)
			;
		else if ((fd = open("/proc/self/ns/net", O_RDONLY)) < 0 ||
			 veth_add(&r, "veth0", "veth1", fd) < 0)
			errf(e, "cannot create a veth pair: %s", strerror(errno));
		else if (socket(AF_PACKET, SOCK_RAW, 0) < 0)
			errf(e, "cannot open a packet socket (capture): %s", strerror(errno));
		else if (set_sysctl(&world_default_sysctls[0], "probe", e) < 0)
			;
		else
			ok = 0;
		if (write(p[1], e, strlen(e)) < 0)
			_exit(2);
		_exit(ok == 0 ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	return errf(err, "%s", msg[0] ? msg : "the probe died");
}

int world_probe(char *report, size_t len)
{
	char e[ERRLEN];
	int root_ok = -1, user_ok;
	size_t off = 0;

	if (geteuid() == 0) {
		root_ok = probe_mode(0, e);
		off +=
		    (size_t)snprintf(report + off, len - off, "root: %s%s\n",
				     root_ok == 0 ? "works" : "refused: ", root_ok == 0 ? "" : e);
	} else {
		off += (size_t)snprintf(report + off, len - off,
					"root: not tried (bindlab is not running as root)\n");
	}
	user_ok = probe_mode(1, e);
	if (off < len)
		off +=
		    (size_t)snprintf(report + off, len - off, "rootless (user namespace): %s%s\n",
				     user_ok == 0 ? "works" : "refused: ", user_ok == 0 ? "" : e);
	if (off < len)
		snprintf(report + off, len - off, "verdict: %s\n",
			 user_ok == 0 || root_ok == 0 ? "bindlab can run here"
						      : "bindlab cannot run here");
	return root_ok == 0 || user_ok == 0 ? 0 : -1;
}
