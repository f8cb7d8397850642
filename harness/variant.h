/* variant.h - a scenario's variant table: "table COL | COL" and one
 * "variant CELL | CELL" line per row; the file is parsed once per row with
 * ${COL} replaced by that row's cell. */
#ifndef BINDLAB_VARIANT_H
#define BINDLAB_VARIANT_H

#include "lex.h"
#include "plan.h"

#define VARIANT_COLS_MAX 16
#define VARIANT_ROWS_MAX 64

struct table {
	char cols[VARIANT_COLS_MAX][PLAN_NAME_MAX];
	int ncols;
	char cells[VARIANT_ROWS_MAX][VARIANT_COLS_MAX][64];
	int nrows;
	int line; /* of the "table" statement, 0 if none */
};

/* Read the table and variant lines of a file (none: tb->line is 0). */
int variant_read_table(struct src *src, struct line *lines, int nlines, struct table *tb);
/* Is the line a table or variant statement (read by variant_read_table)? */
int variant_is_table_line(const char *text);
/* Is s a --set name (upper case)? */
int plan_def_is_name(const char *s);
/* Replace ${col} in s by the row's cells, and ${NAME} by defs' values
 * (defs may be NULL), into out. */
int variant_substitute(struct src *src, const char *s, int col0, const struct table *tb, int row,
		       const struct plan_defs *defs, char *out, size_t outlen);

#endif
