/* builder.h - a scenario written by a program (restart-check, later the
 * grader): text built line by line, each line's number known, so that a
 * result's step outcomes can be found by the line that made them. */
#ifndef BINDLAB_BUILDER_H
#define BINDLAB_BUILDER_H

#include <stddef.h>

struct builder {
	char *text; /* NUL-terminated */
	size_t len, cap;
	int lines;  /* complete lines so far */
	int failed; /* out of memory, or an argument that cannot be written */
};

void builder_init(struct builder *b);
void builder_free(struct builder *b);
/* Append one line (printf format, no newline); returns its number, or -1. */
int builder_line(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s to the line being built as a scenario string ("..." with \\, \"
 * and \xHH escapes, so any byte but NUL passes unchanged); -1 on ENOMEM. */
int builder_quoted(struct builder *b, const char *s);
/* Append raw text to the line being built. */
int builder_put(struct builder *b, const char *s);
/* End the line being built; returns its number, or -1. */
int builder_end(struct builder *b);

#endif
