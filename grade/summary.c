/* summary.c - a grade as text, the way `bindlab grade` prints it: the
 * build, one line per check with its points, what went wrong and how to
 * replay it, then the score and the line "N passed, N failed" (", N
 * skipped"). */
#include <stdio.h>
#include <string.h>

#include "score.h"

static void indented(FILE *out, const char *pad, const char *text)
{
	for (const char *p = text ? text : ""; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fprintf(out, "%s%.*s\n", pad, (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static const char *const tags[] = {
    [SCORE_PENDING] = "....", [SCORE_PASS] = "PASS",   [SCORE_FAIL] = "FAIL",
    [SCORE_SKIP] = "SKIP",    [SCORE_ERROR] = "ERROR",
};

void score_write_summary(FILE *out, const struct score *s)
{
	char pts[32], line[128];

	fprintf(out, "lab %s: %s\n", s->lab->slug, s->lab->title);
	fprintf(out, "  student  %s (%s)\n", s->student, s->submission);
	if (s->status == SCORE_BUILD_FAILED) {
		fprintf(out, "FAIL  build: %s\n", s->status_text);
		if (s->build_cmd[0])
			fprintf(out, "      %s\n", s->build_cmd);
		indented(out, "      | ", s->build_log);
	} else if (s->build_cmd[0]) {
		fprintf(out, "  built    %s\n", s->build_cmd);
		indented(out, "         | ", s->build_log);
	}
	if (s->static_binary)
		fprintf(out, "  note     the program is a static binary: bindlab cannot trace its "
			     "socket calls, and the checks that look at them fail. Link it "
			     "dynamically (no -static).\n");
	fprintf(out, "  checks   %d (%d points)\n", s->lab->nchecks, score_possible(s));
	if (s->sandbox[0])
		fprintf(out, "  sandbox  %s\n", s->sandbox);
	fprintf(out, "  kernel   %s\n\n", s->kernel);
	for (int i = 0; i < s->lab->nchecks; i++) {
		const struct lab_check *c = &s->lab->checks[i];
		const struct score_check *sc = &s->checks[i];

		score_points_str(sc->earned, pts, sizeof(pts));
		fprintf(out, "%-5s %-30s %s/%d  %s%s\n", tags[sc->outcome], c->id, pts, c->points,
			c->name, c->hidden ? " (hidden)" : "");
		if (sc->outcome == SCORE_PASS && !strchr(sc->output ? sc->output : "", '\n') &&
		    !(sc->output && sc->output[0]))
			continue;
		indented(out, "      ", sc->output);
		if ((sc->outcome == SCORE_FAIL || sc->outcome == SCORE_ERROR) && sc->replay[0])
			fprintf(out, "      replay: %s\n", sc->replay);
	}
	if (s->status == SCORE_INCOMPLETE)
		fprintf(out, "\ngrading stopped before every check ran: %s\n", s->status_text);
	score_points_str(score_earned(s), pts, sizeof(pts));
	score_counts_line(s, line, sizeof(line));
	fprintf(out, "\nscore: %s / %d\n%s\n", pts, score_possible(s), line);
}
