/* lex.c - see lex.h */
#include "lex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int src_err(struct src *src, int col, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return errf(src->err, "%s:%d:%d: %s", src->file, src->line, col, msg);
}

/* Copy src into dst of size n, cut short if it must be (callers check the
 * length first where a cut would matter). */
void lex_copy(char *dst, size_t n, const char *src)
{
	size_t l = strnlen(src, n - 1);

	memcpy(dst, src, l);
	dst[l] = '\0';
}

int lex_is_name(const char *s)
{
	if (!islower((unsigned char)s[0]))
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' &&
		    *s != '-')
			return 0;
	return 1;
}

int lex_is_var(const char *s)
{
	if (!islower((unsigned char)s[0]) && s[0] != '_')
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

/* Split s (starting at column col) on whitespace into at most max toks. */
int lex_split_ws(const char *s, int col, struct tok *toks, int max)
{
	int n = 0;
	size_t i = 0;

	while (s[i]) {
		size_t j;

		while (s[i] == ' ' || s[i] == '\t')
			i++;
		if (!s[i])
			break;
		j = i;
		while (s[j] && s[j] != ' ' && s[j] != '\t')
			j++;
		if (n == max)
			return n; /* callers check for one more than they take */
		memcpy(toks[n].s, s + i, j - i);
		toks[n].s[j - i] = '\0';
		toks[n].col = col + (int)i;
		n++;
		i = j;
	}
	return n;
}

/* "10.0.0.1:8080", "[::]:*": an endpoint whose port may be "*". */
int lex_ep_any(const char *s, struct endpoint *e, int *any)
{
	char tmp[LEX_LINE_MAX + 1];
	size_t n = strlen(s);
	long port;

	*any = 0;
	/* "*:8080": any address (family 0), that port */
	if (!strncmp(s, "*:", 2) && number_parse(s + 2, 1, 65535, &port) == 0) {
		memset(e, 0, sizeof(*e));
		e->port = (uint16_t)port;
		return 0;
	}
	if (n >= 2 && !strcmp(s + n - 2, ":*")) {
		snprintf(tmp, sizeof(tmp), "%.*s:0", (int)(n - 2), s);
		*any = 1;
		return endpoint_parse(tmp, e);
	}
	return endpoint_parse(s, e);
}

/* Split "a, b, c" (inside the parentheses) on commas outside quotes. */
int lex_split_args(struct src *src, const char *s, int col, struct tok *args, int max)
{
	int n = 0, inq = 0;
	size_t start = 0, i;

	for (i = 0;; i++) {
		if (s[i] == '"' && (i == 0 || s[i - 1] != '\\'))
			inq = !inq;
		if (s[i] == '\0' || (s[i] == ',' && !inq)) {
			size_t a = start, b = i;

			while (a < b && (s[a] == ' ' || s[a] == '\t'))
				a++;
			while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
				b--;
			if (a == b && (s[i] == ',' || n > 0))
				return src_err(src, col + (int)a, "empty argument");
			if (a < b) {
				if (n == max)
					return src_err(src, col + (int)a, "too many arguments");
				memcpy(args[n].s, s + a, b - a);
				args[n].s[b - a] = '\0';
				args[n].col = col + (int)a;
				n++;
			}
			if (!s[i])
				break;
			start = i + 1;
		}
	}
	if (inq)
		return src_err(src, col + (int)i, "unterminated string");
	return n;
}

/* Remove a comment (a # outside quotes) and surrounding blanks. */
static char *clean_line(char *s, int *col)
{
	int inq = 0;
	char *p;

	for (p = s; *p; p++) {
		if (*p == '"')
			inq = !inq;
		if (*p == '#' && !inq) {
			*p = '\0';
			break;
		}
	}
	p = s + strlen(s);
	while (p > s && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r'))
		*--p = '\0';
	*col = 1;
	while (*s == ' ' || *s == '\t') {
		s++;
		(*col)++;
	}
	return *s ? s : NULL;
}

int lex_lines(struct src *src, char *text, struct line **linesp, int *nlinesp)
{
	size_t len = strlen(text);
	struct line *lines = calloc(len + 2, sizeof(*lines));
	int nlines = 0;

	*linesp = NULL;
	*nlinesp = 0;
	if (!lines)
		return errf(src->err, "%s: out of memory", src->file);
	for (char *s = text; *s || s == text;) {
		char *nl = strchr(s, '\n');

		if (nl)
			*nl = '\0';
		src->line = nlines + 1;
		if (strlen(s) > LEX_LINE_MAX) {
			src_err(src, LEX_LINE_MAX + 1, "line longer than %d bytes", LEX_LINE_MAX);
			goto err;
		}
		for (char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t' && *c != '\r') {
				src_err(src, (int)(c - s) + 1, "control character 0x%02x",
					(unsigned char)*c);
				goto err;
			}
		lines[nlines].text = clean_line(s, &lines[nlines].col);
		nlines++;
		if (!nl)
			break;
		s = nl + 1;
		if (!*s)
			break;
	}
	*linesp = lines;
	*nlinesp = nlines;
	return 0;
err:
	free(lines);
	return -1;
}
