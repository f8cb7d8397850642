/* lex.h - the scenario language's lexical layer: a text into lines
 * (comments and blanks removed), a line into tokens with the column each
 * starts at, and the one format of every parse error, FILE:LINE:COL: message.
 * (The `# key: value` lines that open a file are the parser's: plan_meta().) */
#ifndef BINDLAB_LEX_H
#define BINDLAB_LEX_H

#include <stddef.h>

#include "common.h"

#define LEX_LINE_MAX 1000

/* Where parsing is, and where its error goes. */
struct src {
	const char *file;
	int line;  /* 1-based, of the line being read */
	char *err; /* ERRLEN bytes, the caller's */
};

/* err = "FILE:LINE:COL: message"; returns -1. */
int src_err(struct src *src, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A piece of a line: its text and the column it starts at. */
struct tok {
	char s[LEX_LINE_MAX + 1];
	int col;
};

struct line {
	char *text; /* comment and trailing blanks removed; NULL if blank */
	int col;    /* column of the first non-blank character */
};

/* Split text (modified in place) into lines[] (calloc'ed, one per line).
 * A line longer than LEX_LINE_MAX or holding a control character is an
 * error.  0 or -1 with src->err. */
int lex_lines(struct src *src, char *text, struct line **lines, int *nlines);

/* Split s (starting at column col) on whitespace into at most max tokens;
 * returns how many (max when there are more: callers ask for one more). */
int lex_split_ws(const char *s, int col, struct tok *toks, int max);
/* Split "a, b, c" on commas outside quotes; -1 with src->err. */
int lex_split_args(struct src *src, const char *s, int col, struct tok *args, int max);

/* "server", "rapid-restart": a lowercase name.  "s2", "_a": a variable. */
int lex_is_name(const char *s);
int lex_is_var(const char *s);
/* Copy src into dst of size n, cut short if it must be. */
void lex_copy(char *dst, size_t n, const char *src);
/* "10.0.0.1:8080", "[::]:*", "*:8080": an endpoint whose port (any = 1) or
 * address (family 0) may be "*".  -1 if malformed. */
int lex_ep_any(const char *s, struct endpoint *e, int *any);

#endif
