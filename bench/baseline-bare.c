/* baseline-bare.c - the rapid-restart scenario with no harness: the floor
 * bindlab's figures are compared against (bench/README.md).
 *
 * Two anonymous network namespaces joined by a veth pair (libmnl), libpcap
 * on the server's end, the socket steps done by switching namespaces with
 * setns() (a socket stays in the namespace it was made in), the FIN/ACK
 * exchange waited for on the capture, the TIME_WAIT socket found through
 * sock_diag, then the rebind that must fail.  It checks what bindlab checks,
 * minus everything that makes bindlab a harness. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/tcp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double t0;

static double ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 - t0;
}

static void die(const char *what)
{
	fprintf(stderr, "baseline-bare: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	static unsigned seq;
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("netlink send");
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL) < 0)
		die("netlink");
}

static struct mnl_socket *rtnl(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("rtnetlink");
	return nl;
}

static void link_up(struct mnl_socket *nl, int idx)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));

	nlh->nlmsg_type = RTM_NEWLINK;
	ifm->ifi_index = idx;
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	talk(nl, nlh);
}

static void addr_add(struct mnl_socket *nl, int idx, const char *a)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct in_addr in;

	inet_pton(AF_INET, a, &in);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = (unsigned)idx;
	mnl_attr_put(nlh, IFA_LOCAL, 4, &in);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &in);
	talk(nl, nlh);
}

static void veth(struct mnl_socket *nl, int peer_ns)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	struct nlattr *li, *data, *peer;
	struct ifinfomsg *pifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifm->ifi_index = 10; /* distinct from the peer's: see harness/world.c */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "veth0");
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_index = 11;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "veth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_ns);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	talk(nl, nlh);
}

static int time_wait_on_8080(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	int found = 0, done = 0;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("sock_diag");
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_INET;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = 1u << TCP_TIME_WAIT;
	mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n <= 0)
			die("sock_diag recv");
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, (int)n);
		     nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
			struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (m->idiag_state == TCP_TIME_WAIT && ntohs(m->id.idiag_sport) == 8080)
				found = 1;
		}
	}
	mnl_socket_close(nl);
	return found;
}

struct fins {
	int n; /* how many of F., F., . were seen, in order */
};

static void on_pkt(u_char *u, const struct pcap_pkthdr *h, const u_char *b)
{
	struct fins *f = (struct fins *)u;
	uint8_t flags;

	if (h->caplen < 14 + 20 + 14)
		return;
	flags = b[14 + (b[14] & 0xf) * 4 + 13];
	if (f->n < 3 && ((f->n < 2 && flags == (TH_FIN | TH_ACK)) || (f->n == 2 && flags == TH_ACK)))
		f->n++;
}

int main(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(8080)};
	char perr[PCAP_ERRBUF_SIZE];
	struct fins fins = {0};
	struct bpf_program prog;
	double world, cap, verdict;
	int ns[2], s, c, a, s2, rc, ok;
	struct mnl_socket *nl0, *nl1;
	pcap_t *pc;

	t0 = 0;
	t0 = ms();
	/* the world: anonymous namespaces, gone with this process */
	for (int i = 0; i < 2; i++) {
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare");
		ns[i] = open("/proc/self/ns/net", O_RDONLY);
		if (i == 0)
			nl0 = rtnl();
		else
			nl1 = rtnl();
	}
	link_up(nl1, 1);
	link_up(nl0, 1);
	veth(nl0, ns[1]);
	addr_add(nl1, 11, "10.0.0.2");
	addr_add(nl0, 10, "10.0.0.1");
	setns(ns[0], CLONE_NEWNET);
	link_up(nl1, 11);
	link_up(nl0, 10);
	world = ms();

	pc = pcap_create("veth0", perr);
	if (!pc || pcap_set_immediate_mode(pc, 1) || pcap_set_tstamp_precision(pc, 1) ||
	    pcap_activate(pc) < 0 || pcap_compile(pc, &prog, "tcp port 8080", 1, 0) < 0 ||
	    pcap_setfilter(pc, &prog) < 0 || pcap_setnonblock(pc, 1, perr) < 0)
		die("pcap");
	cap = ms();

	inet_pton(AF_INET, "10.0.0.1", &sa.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ok = bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(s, 16) == 0;
	setns(ns[1], CLONE_NEWNET);
	c = socket(AF_INET, SOCK_STREAM, 0);
	ok = ok && connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	setns(ns[0], CLONE_NEWNET);
	a = accept(s, NULL, NULL);
	ok = ok && a >= 0 && close(a) == 0 && close(c) == 0;
	/* wait on the wire, bounded: F. from the server, F. back, the last ACK */
	for (double end = ms() + 2000; fins.n < 3 && ms() < end;) {
		struct pollfd p = {.fd = pcap_get_selectable_fd(pc), .events = POLLIN};

		poll(&p, 1, (int)(end - ms()) + 1);
		pcap_dispatch(pc, -1, on_pkt, (u_char *)&fins);
	}
	ok = ok && fins.n == 3;
	for (double end = ms() + 2000; ok && !time_wait_on_8080();)
		if (ms() > end)
			ok = 0;
	close(s);
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	rc = bind(s2, (struct sockaddr *)&sa, sizeof(sa));
	ok = ok && rc == -1 && errno == EADDRINUSE;
	verdict = ms();
	printf("%s world_ms=%.3f capture_ms=%.3f verdict_ms=%.3f\n", ok ? "PASS" : "FAIL", world, cap,
	       verdict);
	fflush(stdout);
	/* no pcap_close(): exit leaves the ~28 ms of RCU waiting to the kernel */
	_exit(ok ? 0 : 1);
}
