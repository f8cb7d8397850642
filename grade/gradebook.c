/* gradebook.c - a class's grades as one CSV file (RFC 4180), the sheet an
 * instructor imports: student, the points of each check (by id), total,
 * the most there is, and the status. */
#include <stdio.h>
#include <string.h>

#include "score.h"

/* A field, quoted when it holds a comma, a quote or a line break; a
 * leading = + - @ is kept from a spreadsheet's formula reading by a quote
 * mark in front (a student's folder name is not trusted). */
static void csv_field(FILE *out, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;

	if (quote)
		fputc('"', out);
	if (strchr("=+-@", s[0]) && s[0])
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	if (quote)
		fputc('"', out);
}

void score_write_gradebook(FILE *out, const struct lab *lab, const struct score *grades, int n)
{
	fputs("student", out);
	for (int i = 0; i < lab->nchecks; i++) {
		fputc(',', out);
		csv_field(out, lab->checks[i].id);
	}
	fputs(",total,max,status\n", out);
	for (int g = 0; g < n; g++) {
		const struct score *s = &grades[g];
		char pts[32], status[600];

		csv_field(out, s->student);
		for (int i = 0; i < lab->nchecks; i++) {
			score_points_str(s->checks[i].earned, pts, sizeof(pts));
			fprintf(out, ",%s", pts);
		}
		score_points_str(score_earned(s), pts, sizeof(pts));
		fprintf(out, ",%s,%d,", pts, score_possible(s));
		if (s->status == SCORE_GRADED)
			snprintf(status, sizeof(status), "graded");
		else if (s->status == SCORE_BUILD_FAILED)
			snprintf(status, sizeof(status), "build failed");
		else
			snprintf(status, sizeof(status), "incomplete: %s", s->status_text);
		csv_field(out, status);
		fputc('\n', out);
	}
}
