/* decode.h - turn one captured frame into a packet event.  Pure: no libpcap
 * handle, no kernel; unit-tested on committed pcap fixtures (tests/fixtures/pcap). */
#ifndef BINDLAB_DECODE_H
#define BINDLAB_DECODE_H

#include "common.h"

/* A decoded TCP segment or UDP datagram. */
struct pkt {
	uint64_t ts_ns; /* capture timestamp, CLOCK_REALTIME ns */
	int iface;	/* index of the capture it came from (caller's numbering) */
	int proto;	/* IPPROTO_TCP or IPPROTO_UDP */
	struct endpoint src, dst;
	uint8_t flags;	      /* TCP flags byte (TH_FIN...); 0 for UDP */
	uint32_t seq, ack;    /* TCP only */
	uint32_t payload_len; /* bytes of TCP/UDP payload, from the IP length */
};

/* Decode a frame of link type dlt (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
 * DLT_RAW, DLT_NULL).  Returns 1 and fills *out for TCP/UDP over IPv4/IPv6,
 * 0 for a well-formed frame of something else (ARP, ICMP, IPv6 ND), and -1
 * with err set for a truncated or corrupt frame ("truncated tcp header: 12 of
 * 20 bytes").  caplen is what was captured; out->ts_ns and out->iface are left
 * for the caller. */
int decode_frame(int dlt, const uint8_t *data, size_t caplen, struct pkt *out, char *err);

#endif
