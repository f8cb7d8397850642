/* builder.c - see builder.h */
#include "builder.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void builder_init(struct builder *b)
{
	memset(b, 0, sizeof(*b));
}

void builder_free(struct builder *b)
{
	free(b->text);
	builder_init(b);
}

static int room(struct builder *b, size_t more)
{
	if (b->failed)
		return -1;
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *nt;

		while (cap < b->len + more + 1)
			cap *= 2;
		nt = realloc(b->text, cap);
		if (!nt) {
			b->failed = 1;
			return -1;
		}
		b->text = nt;
		b->cap = cap;
	}
	return 0;
}

int builder_put(struct builder *b, const char *s)
{
	size_t n = strlen(s);

	if (room(b, n) < 0)
		return -1;
	memcpy(b->text + b->len, s, n + 1);
	b->len += n;
	return 0;
}

int builder_end(struct builder *b)
{
	if (builder_put(b, "\n") < 0)
		return -1;
	return ++b->lines;
}

int builder_line(struct builder *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || room(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return builder_end(b);
}

int builder_quoted(struct builder *b, const char *s)
{
	if (room(b, 4 * strlen(s) + 2) < 0)
		return -1;
	b->text[b->len++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			b->text[b->len++] = '\\';
			b->text[b->len++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			b->len += (size_t)snprintf(b->text + b->len, 5, "\\x%02x", c);
		} else {
			b->text[b->len++] = (char)c;
		}
	}
	b->text[b->len++] = '"';
	b->text[b->len] = '\0';
	return 0;
}
