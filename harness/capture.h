/* capture.h - libpcap on one interface of the world.
 *
 * A capture is opened in the network namespace the calling thread is in at
 * capture_open() time (the runner setns()es first), in immediate mode (else a
 * lone packet may never be delivered) with nanosecond timestamps and a BPF
 * filter.  When it returns, the capture is ready: packets sent afterwards are
 * seen.  Optionally every frame is also written to a pcap file. */
#ifndef BINDLAB_CAPTURE_H
#define BINDLAB_CAPTURE_H

#include "decode.h"

struct capture;

/* Open ifname ("lo", "veth0") with filter (e.g. "tcp or udp", may be NULL)
 * and, if pcap_path is not NULL, a pcap file written as frames arrive.
 * iface is copied into every pkt.iface.  Returns 0 or -1 with err. */
int capture_open(struct capture **cap, const char *ifname, int iface, const char *filter,
		 const char *pcap_path, char *err);

/* A descriptor that polls readable when frames are waiting. */
int capture_fd(const struct capture *cap);

/* Read every frame waiting now, without blocking: each TCP/UDP one is decoded
 * and passed to cb; frames that do not decode are counted (capture_stats).
 * Returns the number of frames read, or -1 with err. */
int capture_drain(struct capture *cap, void (*cb)(const struct pkt *p, void *arg), void *arg,
		  char *err);

/* Frames read, frames that failed to decode, drops reported by the kernel. */
void capture_stats(const struct capture *cap, unsigned *frames, unsigned *bad, unsigned *dropped);

/* Write out what the pcap file has buffered. */
int capture_flush(struct capture *cap, char *err);

/* Flush the pcap file (if any) and close.  Slow (the kernel waits an RCU
 * grace period): call it after the verdict is out. */
void capture_free(struct capture *cap);

#endif
