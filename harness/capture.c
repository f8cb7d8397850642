/* capture.c - see capture.h */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct capture {
	pcap_t *pc;
	pcap_dumper_t *dump;
	char ifname[32];
	int iface;
	int dlt;
	unsigned frames, bad;
	void (*cb)(const struct pkt *p, void *arg);
	void *arg;
};

/* Headers are all bindlab decodes, but a pcap opened in Wireshark is worth
 * more with the payload: keep whole frames (scenarios send little). */
#define SNAPLEN 65535

int capture_open(struct capture **out, const char *ifname, int iface, const char *filter,
		 const char *pcap_path, char *err)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct capture *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return errf(err, "out of memory");
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	c->iface = iface;
	c->pc = pcap_create(ifname, perr);
	if (!c->pc) {
		errf(err, "cannot open capture on '%s': %s", ifname, perr);
		goto err;
	}
	/* Without immediate mode a lone packet may sit in the ring buffer
	 * until it fills or a timeout fires: a wait would miss it. */
	if (pcap_set_immediate_mode(c->pc, 1) != 0 || pcap_set_snaplen(c->pc, SNAPLEN) != 0 ||
	    pcap_set_promisc(c->pc, 0) != 0 ||
	    pcap_set_tstamp_precision(c->pc, PCAP_TSTAMP_PRECISION_NANO) != 0 ||
	    pcap_set_buffer_size(c->pc, 1 << 20) != 0) {
		errf(err, "cannot set up capture on '%s': %s", ifname, pcap_geterr(c->pc));
		goto err;
	}
	int rc = pcap_activate(c->pc);

	if (rc < 0) {
		errf(err, "cannot start capture on '%s': %s", ifname,
		     rc == PCAP_ERROR ? pcap_geterr(c->pc) : pcap_statustostr(rc));
		goto err;
	}
	c->dlt = pcap_datalink(c->pc);
	if (filter) {
		if (pcap_compile(c->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			errf(err, "bad capture filter '%s': %s", filter, pcap_geterr(c->pc));
			goto err;
		}
		rc = pcap_setfilter(c->pc, &prog);
		pcap_freecode(&prog);
		if (rc < 0) {
			errf(err, "cannot set filter on '%s': %s", ifname, pcap_geterr(c->pc));
			goto err;
		}
	}
	if (pcap_setnonblock(c->pc, 1, perr) < 0) {
		errf(err, "cannot make capture on '%s' non-blocking: %s", ifname, perr);
		goto err;
	}
	if (pcap_path) {
		c->dump = pcap_dump_open(c->pc, pcap_path);
		if (!c->dump) {
			errf(err, "cannot write '%s': %s", pcap_path, pcap_geterr(c->pc));
			goto err;
		}
	}
	*out = c;
	return 0;
err:
	capture_free(c);
	return -1;
}

int capture_fd(const struct capture *cap)
{
	return pcap_get_selectable_fd(cap->pc);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	struct pkt p;
	char err[ERRLEN];
	int rc;

	c->frames++;
	if (c->dump)
		pcap_dump((u_char *)c->dump, h, bytes);
	rc = decode_frame(c->dlt, bytes, h->caplen, &p, err);
	if (rc < 0) {
		c->bad++;
		return;
	}
	if (rc == 0)
		return;
	/* with nanosecond precision, tv_usec holds nanoseconds */
	p.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
	p.iface = c->iface;
	c->cb(&p, c->arg);
}

int capture_drain(struct capture *cap, void (*cb)(const struct pkt *p, void *arg), void *arg,
		  char *err)
{
	int total = 0, n;

	cap->cb = cb;
	cap->arg = arg;
	do {
		n = pcap_dispatch(cap->pc, -1, on_frame, (u_char *)cap);
		if (n < 0)
			return errf(err, "cannot read capture on '%s': %s", cap->ifname,
				    pcap_geterr(cap->pc));
		total += n;
	} while (n > 0);
	return total;
}

void capture_stats(const struct capture *cap, unsigned *frames, unsigned *bad, unsigned *dropped)
{
	struct pcap_stat st;

	*frames = cap->frames;
	*bad = cap->bad;
	*dropped = pcap_stats(cap->pc, &st) == 0 ? st.ps_drop : 0;
}

int capture_flush(struct capture *cap, char *err)
{
	if (cap->dump && pcap_dump_flush(cap->dump) < 0)
		return errf(err, "cannot write the pcap of '%s'", cap->ifname);
	return 0;
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	if (cap->dump)
		pcap_dump_close(cap->dump);
	if (cap->pc)
		pcap_close(cap->pc);
	free(cap);
}
