/* decode.c - see decode.h */
#include "decode.h"
#include "plan.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TCP or UDP header at p (len bytes up to the end of the IP payload). */
static int decode_l4(int proto, const uint8_t *p, size_t len, struct pkt *out, char *err)
{
	out->proto = proto;
	if (proto == IPPROTO_TCP) {
		size_t doff;

		if (len < 20)
			return errf(err, "truncated tcp header: %zu of 20 bytes", len);
		doff = (size_t)(p[12] >> 4) * 4;
		if (doff < 20)
			return errf(err, "bad tcp data offset: %zu bytes", doff);
		if (len < doff)
			return errf(err, "truncated tcp header: %zu of %zu bytes", len, doff);
		out->src.port = be16(p);
		out->dst.port = be16(p + 2);
		out->seq = be32(p + 4);
		out->ack = be32(p + 8);
		out->flags = p[13];
		out->payload_len = (uint32_t)(len - doff);
		return 1;
	}
	if (len < 8)
		return errf(err, "truncated udp header: %zu of 8 bytes", len);
	out->src.port = be16(p);
	out->dst.port = be16(p + 2);
	out->payload_len = (uint32_t)(len - 8);
	return 1;
}

static int decode_ipv4(const uint8_t *p, size_t caplen, struct pkt *out, char *err)
{
	size_t ihl, total;

	if (caplen < 20)
		return errf(err, "truncated ipv4 header: %zu of 20 bytes", caplen);
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if ((p[0] >> 4) != 4 || ihl < 20)
		return errf(err, "bad ipv4 header length: %zu bytes", ihl);
	total = be16(p + 2);
	if (total < ihl)
		return errf(err, "bad ipv4 total length: %zu bytes, header %zu", total, ihl);
	if (caplen < ihl)
		return errf(err, "truncated ipv4 header: %zu of %zu bytes", caplen, ihl);
	/* a later fragment carries no transport header */
	if ((be16(p + 6) & 0x1fff) != 0)
		return 0;
	if (p[9] != IPPROTO_TCP && p[9] != IPPROTO_UDP)
		return 0;
	out->src.addr.family = out->dst.addr.family = AF_INET;
	memcpy(&out->src.addr.u.v4, p + 12, 4);
	memcpy(&out->dst.addr.u.v4, p + 16, 4);
	{
		size_t have = caplen - ihl, len = total - ihl;
		int rc = decode_l4(p[9], p + ihl, have < len ? have : len, out, err);

		/* headers may be all that was captured: the length is the IP's */
		if (rc == 1)
			out->payload_len =
			    (uint32_t)(len - (have < len ? have : len)) + out->payload_len;
		return rc;
	}
}

static int decode_ipv6(const uint8_t *p, size_t caplen, struct pkt *out, char *err)
{
	size_t off = 40, end;
	int next;

	if (caplen < 40)
		return errf(err, "truncated ipv6 header: %zu of 40 bytes", caplen);
	if ((p[0] >> 4) != 6)
		return errf(err, "bad ip version %d in an ipv6 frame", p[0] >> 4);
	end = 40 + (size_t)be16(p + 4);
	next = p[6];
	out->src.addr.family = out->dst.addr.family = AF_INET6;
	memcpy(&out->src.addr.u.v6, p + 8, 16);
	memcpy(&out->dst.addr.u.v6, p + 24, 16);
	for (;;) {
		if (next == IPPROTO_TCP || next == IPPROTO_UDP) {
			size_t have = (caplen < end ? caplen : end) - off, len = end - off;
			int rc;

			if (off > end)
				return errf(err, "ipv6 extension headers run past the payload");
			rc = decode_l4(next, p + off, have, out, err);
			if (rc == 1)
				out->payload_len += (uint32_t)(len - have);
			return rc;
		}
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			if (caplen < off + 2)
				return errf(err, "truncated ipv6 extension header");
			next = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
			continue;
		}
		if (next == IPPROTO_FRAGMENT) {
			if (caplen < off + 8)
				return errf(err, "truncated ipv6 fragment header");
			if ((be16(p + off + 2) & 0xfff8) != 0)
				return 0;
			next = p[off];
			off += 8;
			continue;
		}
		return 0;
	}
}

static int decode_l3(uint16_t ethertype, const uint8_t *p, size_t len, struct pkt *out, char *err)
{
	if (ethertype == ETH_P_IP)
		return decode_ipv4(p, len, out, err);
	if (ethertype == ETH_P_IPV6)
		return decode_ipv6(p, len, out, err);
	return 0;
}

int decode_frame(int dlt, const uint8_t *data, size_t caplen, struct pkt *out, char *err)
{
	uint16_t type;
	size_t off;

	memset(out, 0, sizeof(*out));
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return errf(err, "truncated ethernet header: %zu of 14 bytes", caplen);
		type = be16(data + 12);
		off = 14;
		if (type == ETH_P_8021Q) {
			if (caplen < 18)
				return errf(err, "truncated vlan header: %zu of 18 bytes", caplen);
			type = be16(data + 16);
			off = 18;
		}
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return errf(err, "truncated sll header: %zu of 16 bytes", caplen);
		type = be16(data + 14);
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return errf(err, "truncated sll2 header: %zu of 20 bytes", caplen);
		type = be16(data);
		off = 20;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		if (caplen < 1)
			return errf(err, "empty frame");
		type = (data[0] >> 4) == 6 ? ETH_P_IPV6 : ETH_P_IP;
		off = 0;
		break;
	case DLT_NULL: {
		uint32_t af;

		if (caplen < 4)
			return errf(err, "truncated loopback header: %zu of 4 bytes", caplen);
		memcpy(&af, data, 4);
		type = af == 2 ? ETH_P_IP : ETH_P_IPV6;
		off = 4;
		break;
	}
	default:
		return errf(err, "unsupported link type %d", dlt);
	}
	return decode_l3(type, data + off, caplen - off, out, err);
}
