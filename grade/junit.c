/* junit.c - a grade as JUnit XML, the format CI systems and test
 * dashboards read: one testsuite for the lab, one testcase per check, its
 * failure (or error, or skip) with the text a student reads and the
 * replay command; the score and the machine as properties. */
#include <stdio.h>
#include <string.h>

#include "markup.h"
#include "score.h"

static void property(FILE *out, const char *name, const char *value)
{
	fprintf(out, "      <property name=\"%s\" value=\"", name);
	html_text(out, value);
	fputs("\"/>\n", out);
}

void score_write_junit(FILE *out, const struct score *s)
{
	int passed, failed, skipped, errors = 0;
	char pts[32], max[16];

	score_counts(s, &passed, &failed, &skipped);
	for (int i = 0; i < s->lab->nchecks; i++)
		errors += s->checks[i].outcome == SCORE_ERROR;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<testsuites name=\"bindlab grade\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
		"skipped=\"%d\" time=\"%.3f\">\n",
		s->lab->nchecks, failed - errors, errors, skipped, s->ms / 1000.0);
	fputs("  <testsuite name=\"", out);
	html_text(out, s->lab->slug);
	fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\"",
		s->lab->nchecks, failed - errors, errors, skipped, s->ms / 1000.0);
	fputs(" timestamp=\"", out);
	html_text(out, s->started);
	fputs("\">\n    <properties>\n", out);
	score_points_str(score_earned(s), pts, sizeof(pts));
	snprintf(max, sizeof(max), "%d", score_possible(s));
	property(out, "student", s->student);
	property(out, "submission", s->submission);
	property(out, "score", pts);
	property(out, "max_score", max);
	property(out, "status",
		 s->status == SCORE_GRADED	   ? "graded"
		 : s->status == SCORE_BUILD_FAILED ? "build failed"
						   : "incomplete");
	if (s->status_text[0])
		property(out, "why", s->status_text);
	property(out, "kernel", s->kernel);
	property(out, "bindlab", s->bindlab);
	property(out, "sandbox", s->sandbox);
	property(out, "build", s->build_cmd);
	fputs("    </properties>\n", out);
	for (int i = 0; i < s->lab->nchecks; i++) {
		const struct lab_check *c = &s->lab->checks[i];
		const struct score_check *sc = &s->checks[i];

		fputs("    <testcase classname=\"", out);
		html_text(out, s->lab->slug);
		fputs("\" name=\"", out);
		html_text(out, c->id);
		fprintf(out, "\" time=\"%.3f\">\n", sc->ms / 1000.0);
		if (sc->outcome == SCORE_SKIP) {
			fputs("      <skipped message=\"", out);
			html_text(out, sc->output);
			fputs("\"/>\n", out);
		} else if (sc->outcome == SCORE_FAIL || sc->outcome == SCORE_ERROR) {
			const char *tag = sc->outcome == SCORE_FAIL ? "failure" : "error";

			fprintf(out, "      <%s message=\"", tag);
			html_text(out, c->name);
			fprintf(out, "\" type=\"%s\">", score_outcome_name(sc->outcome));
			html_text(out, sc->output);
			if (sc->replay[0]) {
				fputs("\nreplay: ", out);
				html_text(out, sc->replay);
			}
			fprintf(out, "</%s>\n", tag);
		}
		score_points_str(sc->earned, pts, sizeof(pts));
		fprintf(out, "      <system-out>points: %s / %d (%s)</system-out>\n", pts,
			c->points, lab_visibility_name(c->visibility));
		fputs("    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
}
