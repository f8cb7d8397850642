/* variant.c - see variant.h */
#include "variant.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int variant_is_table_line(const char *s)
{
	if (!strncmp(s, "table", 5) && (s[5] == ' ' || s[5] == '\t' || !s[5]))
		return 1;
	return !strncmp(s, "variant", 7) && (s[7] == ' ' || s[7] == '\t' || !s[7]);
}

int variant_read_table(struct src *src, struct line *lines, int nlines, struct table *tb)
{
	memset(tb, 0, sizeof(*tb));
	for (int i = 0; i < nlines; i++) {
		char *s = lines[i].text, *cell;
		int istable, n = 0, col;

		if (!s)
			continue;
		istable = !strncmp(s, "table", 5) && (s[5] == ' ' || s[5] == '\t' || !s[5]);
		if (!istable &&
		    !(!strncmp(s, "variant", 7) && (s[7] == ' ' || s[7] == '\t' || !s[7])))
			continue;
		src->line = i + 1;
		if (istable && tb->line)
			return src_err(src, lines[i].col, "a second 'table' line");
		if (!istable && !tb->line)
			return src_err(src, lines[i].col, "'variant' before any 'table' line");
		if (!istable && tb->nrows == VARIANT_ROWS_MAX)
			return src_err(src, lines[i].col, "too many variants (at most %d)",
				       VARIANT_ROWS_MAX);
		char buf[LEX_LINE_MAX + 1];

		snprintf(buf, sizeof(buf), "%s", s + (istable ? 5 : 7));
		col = lines[i].col + (istable ? 5 : 7);
		cell = buf;
		for (;;) {
			char *bar = strchr(cell, '|');
			char *a, *b;

			if (bar)
				*bar = '\0';
			a = cell;
			while (*a == ' ' || *a == '\t')
				a++;
			b = a + strlen(a);
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				*--b = '\0';
			int ccol = col + (int)(a - buf);

			if (!*a)
				return src_err(src, ccol,
					       istable ? "empty column name" : "empty cell");
			if (n == VARIANT_COLS_MAX)
				return src_err(src, ccol, "too many columns (at most %d)",
					       VARIANT_COLS_MAX);
			if (istable) {
				if (!lex_is_var(a) || strlen(a) >= PLAN_NAME_MAX)
					return src_err(src, ccol, "bad column name '%s'", a);
				for (int k = 0; k < n; k++)
					if (!strcmp(tb->cols[k], a))
						return src_err(src, ccol, "column '%s' named twice",
							       a);
				lex_copy(tb->cols[n], PLAN_NAME_MAX, a);
			} else {
				if (strlen(a) >= sizeof(tb->cells[0][0]))
					return src_err(src, ccol, "cell too long");
				lex_copy(tb->cells[tb->nrows][n], sizeof(tb->cells[0][0]), a);
			}
			n++;
			if (!bar)
				break;
			cell = bar + 1;
		}
		if (istable) {
			tb->ncols = n;
			tb->line = i + 1;
		} else {
			if (n != tb->ncols)
				return src_err(src, lines[i].col,
					       "variant has %d cells, the table %d columns", n,
					       tb->ncols);
			tb->nrows++;
		}
	}
	if (tb->line && !tb->nrows) {
		src->line = tb->line;
		return src_err(src, 1, "a table needs at least one 'variant' line");
	}
	return 0;
}

/* Replace ${col} in s by the row's cells into out. */
/* NAME of --set: upper case, digits and '_', not starting with a digit. */
int plan_def_is_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

int plan_defs_add(struct plan_defs *defs, const char *a, char *err)
{
	const char *eq = strchr(a, '=');
	size_t nl = eq ? (size_t)(eq - a) : 0;
	char name[PLAN_NAME_MAX];

	if (!eq || !nl || nl >= PLAN_NAME_MAX)
		return errf(err, "bindlab: --set takes NAME=VALUE, not '%s'", a);
	snprintf(name, sizeof(name), "%.*s", (int)nl, a);
	if (!plan_def_is_name(name))
		return errf(
		    err, "bindlab: --set %s: a name is upper case (A-Z, 0-9, _), as in ${SERVER}",
		    name);
	if (strlen(eq + 1) >= PLAN_DEF_VALUE_MAX)
		return errf(err, "bindlab: --set %s: the value is longer than %d bytes", name,
			    PLAN_DEF_VALUE_MAX - 1);
	for (const char *v = eq + 1; *v; v++)
		if (*v == '"' || *v == '\\' || (unsigned char)*v < 0x20 || *v == 0x7f)
			return errf(err,
				    "bindlab: --set %s: the value cannot hold a quote, a backslash "
				    "or a control character",
				    name);
	for (int k = 0; k < defs->n; k++)
		if (!strcmp(defs->name[k], name))
			return errf(err, "bindlab: --set %s given twice", name);
	if (defs->n == PLAN_DEFS_MAX)
		return errf(err, "bindlab: at most %d --set values", PLAN_DEFS_MAX);
	snprintf(defs->name[defs->n], PLAN_NAME_MAX, "%s", name);
	snprintf(defs->value[defs->n], PLAN_DEF_VALUE_MAX, "%s", eq + 1);
	defs->n++;
	return 0;
}

int variant_substitute(struct src *src, const char *s, int col0, const struct table *tb, int row,
		       const struct plan_defs *defs, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; s[i];) {
		if (s[i] == '$' && s[i + 1] == '{') {
			const char *end = strchr(s + i, '}');
			char name[PLAN_NAME_MAX + 1];
			int k;

			if (!end)
				return src_err(src, col0 + (int)i, "unterminated '${'");
			const char *cell = NULL;

			snprintf(name, sizeof(name), "%.*s", (int)(end - s - i - 2), s + i + 2);
			if (plan_def_is_name(name)) {
				for (k = 0; defs && k < defs->n; k++)
					if (!strcmp(defs->name[k], name))
						cell = defs->value[k];
				if (!cell)
					return src_err(src, col0 + (int)i,
						       "'${%s}' is not set: give --set %s=VALUE",
						       name, name);
			} else {
				for (k = 0; k < tb->ncols; k++)
					if (!strcmp(tb->cols[k], name))
						break;
				if (!tb->line)
					return src_err(src, col0 + (int)i,
						       "'${%s}' but no table defines columns",
						       name);
				if (k == tb->ncols)
					return src_err(src, col0 + (int)i, "unknown column '${%s}'",
						       name);
				cell = tb->cells[row][k];
			}

			if (o + strlen(cell) >= outlen)
				return src_err(src, col0 + (int)i,
					       "line too long after substitution");
			memcpy(out + o, cell, strlen(cell));
			o += strlen(cell);
			i = (size_t)(end - s) + 1;
			continue;
		}
		if (o + 1 >= outlen)
			return src_err(src, col0 + (int)i, "line too long after substitution");
		out[o++] = s[i++];
	}
	out[o] = '\0';
	return 0;
}
