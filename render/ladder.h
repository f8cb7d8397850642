/* ladder.h - the layout of one run's ladder diagram, shared by the SVG
 * (svg.c) and the HTML report (html.c) so that the picture is laid out
 * once: a lane per host (per process where a host has several), one row per
 * event in time order, long quiet gaps compressed and labelled with their
 * real duration, packets between the lanes of their ends, and the states
 * the run saw its sockets in as bands along the lanes.
 *
 * The layout decides nothing about the kernel: a band is drawn where a
 * call returned (listen() = 0: LISTEN; connect() or accept(): ESTABLISHED),
 * where a check read the socket table (`expect socket ... TIME_WAIT`) or
 * where an EADDRINUSE named a socket in the way; it ends where the run saw
 * it end (close(), another reading, the timer the kernel reported). */
#ifndef BINDLAB_LADDER_H
#define BINDLAB_LADDER_H

#include <stdio.h>

#include "result.h"

/* Sizes in SVG user units (px). */
#define LADDER_CHAR_W 7.3 /* a character of the 12 px monospace font */
#define LADDER_ROW_H 22	  /* one line of a row */
#define LADDER_GAP_H 34	  /* a compressed quiet gap */
#define LADDER_BAND_W 12  /* one state band */
#define LADDER_AXIS_W 92  /* the time axis, left */
#define LADDER_SRC_W 56	  /* the source line column, right */
#define LADDER_HEAD_H 52  /* lane titles */
/* A quiet stretch longer than this (and longer than the rest of the run
 * before it) is drawn as a break labelled with its duration. */
#define LADDER_GAP_NS 250000000ull

struct ladder_lane {
	int host;
	int proc;		       /* index into plan.procs; -1: the host's only lane */
	char title[PLAN_NAME_MAX + 8]; /* "server", "server/2" */
	char sub[64];		       /* the host's first address */
	int nslots;		       /* bands side by side at its left */
	int left, w;		       /* its column */
	int x;			       /* its line: where boxes sit and arrows end */
};

/* Where a packet's end is drawn: a lane, or the edge of a host's lanes when
 * the run does not say which of its processes owns the port. */
struct ladder_end {
	int host; /* -1: no host of the plan */
	int lane; /* -1: the host's edge */
};

struct ladder_row {
	size_t ev;		    /* index into res->tl.ev */
	int lane;		    /* calls and traced calls: their lane; -1 otherwise */
	struct ladder_end from, to; /* packets */
	int y, h;		    /* top and height */
	uint64_t t;		    /* ns since the first event */
	uint64_t gap;		    /* > 0: a compressed quiet gap of this many ns drawn above */
	int wrap;		    /* columns its extra lines are wrapped at */
	int error;		    /* a call that returned -1, a failed check */
	int link;		    /* EADDRINUSE: the band of the first socket in the way, -1 */
};

struct ladder_band {
	int lane, slot;
	int host;
	int state;		      /* TCP_LISTEN, TCP_TIME_WAIT... */
	struct endpoint local;	      /* the socket's address, for matching */
	size_t row0, row1;	      /* first row, last row (row1 == nrows: past the end) */
	int open;		      /* still in that state when the run ended */
	int var, proc;		      /* from a call: the socket variable and process; -1 */
	char why[160];		      /* "listen() returned 0", "expect socket ... (line 14)" */
	char detail[EV_MSG_MAX + 20]; /* the socket as the run saw it */
};

struct ladder {
	struct ladder_lane *lanes;
	int nlanes;
	struct ladder_row *rows;
	size_t nrows;
	struct ladder_band *bands;
	int nbands, bands_cap;
	int width, height;
	int lanes_right;  /* the right edge of the text area */
	uint64_t t_first; /* CLOCK_REALTIME ns of the first event */
};

/* Lay out res's timeline.  0, or -1 with err (out of memory): the caller
 * then writes a picture that says so, never half a one. */
int ladder_build(struct ladder *l, const struct plan *plan, const struct result *res, char *err);
void ladder_free(struct ladder *l);

/* The lines of text a row shows, in order: its main line (the call as
 * written with the kernel's result, a packet's flags, a check and its
 * verdict), then the explanation of an EADDRINUSE wrapped at row->wrap
 * columns.  Calls line(ctx, nth, text) for each; returns how many. */
int ladder_row_lines(const struct ladder *l, const struct plan *plan, const struct result *res,
		     const struct ladder_row *row,
		     void (*line)(void *ctx, int nth, const char *text), void *ctx);

/* The x of a packet's end, toward other_x (the other end). */
int ladder_end_x(const struct ladder *l, const struct ladder_end *e, int other_x);

/* "14.092 ms", "61.2 s" */
void ladder_time_str(uint64_t ns, char *buf, size_t len);

/* A packet in full: "10.0.0.2:43100 > 10.0.0.1:8080 tcp S. seq 1 ack 2 len 0
 * at 14.092 ms (CLOCK_REALTIME 1723...)". */
void ladder_pkt_detail(const struct ladder *l, const struct pkt *p, char *buf, size_t len);

/* The ladder as SVG (svg.c): standalone adds the XML namespace, a
 * background and the style; inline (in the HTML report) relies on the
 * page's copy of ladder_svg_style(). */
void ladder_svg(FILE *out, const struct ladder *l, const struct plan *plan,
		const struct result *res, int standalone);
/* The CSS of the ladder's classes (svg.c). */
void ladder_svg_style(FILE *out);

#endif
