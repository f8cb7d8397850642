/* render.h - result -> bytes: one file per format behind one interface.
 * A renderer decides nothing: every fact it prints is in the plan or the
 * result (result.h).  Text (text.c: a ladder diagram of the packets with
 * the calls beside them), JSON (json.c), HTML and SVG (html.c, svg.c, both
 * from the one layout of ladder.c) and Mermaid (mermaid.c); the words they
 * share are in words.c.  A new format is a file here with one
 * `const struct renderer`, declared below. */
#ifndef BINDLAB_RENDER_H
#define BINDLAB_RENDER_H

#include <stdio.h>

#include "result.h"

struct render_opts {
	int color;   /* ANSI colour: only on a tty, never with NO_COLOR */
	int verbose; /* every packet, not only those of the scenario's ports */
};

struct renderer {
	const char *name;
	void (*write)(FILE *out, const struct plan *plan, const struct result *res,
		      const struct render_opts *o);
};

extern const struct renderer render_text;    /* text.c */
extern const struct renderer render_json;    /* json.c: one run's object */
extern const struct renderer render_html;    /* html.c: one run's <section> */
extern const struct renderer render_svg;     /* svg.c: one run's ladder, a whole SVG */
extern const struct renderer render_mermaid; /* mermaid.c: one run's sequenceDiagram */

/* The document around the runs of an --html file (html.c): begin before
 * the first run's section, end after the last (an index of the runs when
 * there are several). */
void render_html_begin(FILE *out, const char *title, const char *version);
void render_html_end(FILE *out);

/* The envelope of every --json file: {"format": ..., "runs": [ ... ]}.
 * json_begin() before the first run, json_sep() between runs, json_end()
 * after the last. */
#define RENDER_JSON_FORMAT "bindlab-report/1"
void render_json_begin(FILE *out, const char *version);
void render_json_sep(FILE *out, int nth);
void render_json_end(FILE *out, const char *extra);

/* The failed step of a FAIL result: "FAIL file:line: step", what was
 * expected and what happened, who is in the way (text.c).  Nothing for a
 * pass or an error. */
void render_failure(FILE *out, const struct plan *plan, const struct result *res,
		    const struct render_opts *o);

/* The words every picture uses (words.c), so that text, HTML and SVG say
 * one thing one way: a call as written with the kernel's answer in place
 * of the expectation ("bind(s, 10.0.0.1:8080) = -1 EADDRINUSE"); a socket
 * in the way with its owner ("tcp TIME_WAIT 10.0.0.1:8080 > ..., 60.0 s
 * left (owned by no process: the kernel keeps it)"). */
void render_call_words(const struct plan *plan, const struct ev_call *c, char *buf, size_t len);
void render_holder_words(const struct plan *plan, const struct result *res,
			 const struct ev_holder *h, char *buf, size_t len);

/* The host that owns address a, -1 for none (127.0.0.1 is every host's,
 * so none): where a packet's end is drawn (words.c). */
int render_host_of(const struct plan *plan, const struct addr *a);

/* "stopped: ended by signal 15" for how a program ended (words.c). */
void render_prog_end(const struct result_program *pg, char *buf, size_t len);

struct who_opts;
struct who_result;
/* `bindlab who` as a table, or JSON with o->json (who.c). */
void render_who(FILE *out, const struct who_opts *o, const struct who_result *res);

#endif
