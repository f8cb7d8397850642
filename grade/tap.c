/* tap.c - a grade as TAP version 14 (what prove and TAP consumers read):
 * one test point per check, SKIP for a skipped one, and a YAML block with
 * the points, the text a student reads and the replay command under a
 * failed one.  Program output sits inside a quoted YAML string, where a
 * forged "ok" line is only text. */
#include <stdio.h>
#include <string.h>

#include "score.h"

/* A description or directive reason: '#' starts a directive and '\\'
 * escapes, so both are escaped (TAP 14). */
static void tap_desc(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '#' || *s == '\\')
			fputc('\\', out);
		fputc(*s == '\n' || *s == '\t' ? ' ' : *s, out);
	}
}

/* text as one double-quoted YAML scalar: the subset of YAML that TAP's
 * YAMLish readers (prove's among them) understand, whatever the text. */
static void yaml_str(FILE *out, const char *key, const char *text)
{
	fprintf(out, "  %s: \"", key);
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (*p == '\t')
			fputs("\\t", out);
		else
			fputc(*p, out);
	}
	fputs("\"\n", out);
}

void score_write_tap(FILE *out, const struct score *s)
{
	char pts[32], line[128];

	fprintf(out, "TAP version 14\n1..%d\n", s->lab->nchecks);
	for (int i = 0; i < s->lab->nchecks; i++) {
		const struct lab_check *c = &s->lab->checks[i];
		const struct score_check *sc = &s->checks[i];

		score_points_str(sc->earned, pts, sizeof(pts));
		fprintf(out, "%s %d - ",
			sc->outcome == SCORE_PASS || sc->outcome == SCORE_SKIP ? "ok" : "not ok",
			i + 1);
		tap_desc(out, c->id);
		fputs(": ", out);
		tap_desc(out, c->name);
		if (sc->outcome == SCORE_SKIP) {
			fputs(" # SKIP ", out);
			tap_desc(out, sc->output);
		}
		fputc('\n', out);
		if (sc->outcome == SCORE_FAIL || sc->outcome == SCORE_ERROR) {
			fputs("  ---\n", out);
			fprintf(out, "  outcome: %s\n  points: %s\n  max_points: %d\n",
				score_outcome_name(sc->outcome), pts, c->points);
			yaml_str(out, "message", sc->output);
			if (sc->replay[0])
				yaml_str(out, "replay", sc->replay);
			fputs("  ...\n", out);
		}
	}
	score_points_str(score_earned(s), pts, sizeof(pts));
	score_counts_line(s, line, sizeof(line));
	fprintf(out, "# score: %s / %d\n# %s\n", pts, score_possible(s), line);
}
