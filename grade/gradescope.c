/* gradescope.c - a grade as Gradescope's autograder results.json: score,
 * output, and one test per check with name, number, score, max_score,
 * status, visibility, output and extra_data; the whole grade's facts
 * (kernel, bindlab, sandbox, build, status) in the top extra_data. */
#include <stdio.h>
#include <stdlib.h>

#include "jsonw.h"
#include "score.h"

static const char *status_name(int status)
{
	return status == SCORE_GRADED	      ? "graded"
	       : status == SCORE_BUILD_FAILED ? "build failed"
					      : "incomplete";
}

/* The whole grade in a few lines: what a student reads above the tests. */
static void top_output(FILE *out, const struct score *s)
{
	char *text = NULL, line[128], pts[32];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		json_str(out, "");
		return;
	}
	fprintf(f, "lab %s: %s\n", s->lab->slug, s->lab->title);
	if (s->status == SCORE_BUILD_FAILED)
		fprintf(f, "The program did not build: %s\n%s\n%s\n", s->status_text, s->build_cmd,
			s->build_log ? s->build_log : "");
	else if (s->status == SCORE_INCOMPLETE)
		fprintf(f, "Grading stopped before every check ran: %s\n", s->status_text);
	else if (s->build_log && s->build_log[0])
		fprintf(f, "The compiler said:\n%s\n", s->build_log);
	if (s->static_binary)
		fprintf(f, "Your program is a static binary: bindlab cannot trace its socket "
			   "calls, and the checks that look at them fail. Link it dynamically.\n");
	score_points_str(score_earned(s), pts, sizeof(pts));
	score_counts_line(s, line, sizeof(line));
	fprintf(f, "score: %s / %d\n%s", pts, score_possible(s), line);
	fclose(f);
	json_str(out, text ? text : "");
	free(text);
}

void score_write_gradescope(FILE *out, const struct score *s)
{
	char pts[32];

	score_points_str(score_earned(s), pts, sizeof(pts));
	fprintf(out, "{\n  \"score\": %s,\n  \"execution_time\": %ld,\n  \"output\": ", pts,
		(s->ms + 999) / 1000);
	top_output(out, s);
	fputs(",\n  \"output_format\": \"text\",\n  \"test_output_format\": \"text\",\n"
	      "  \"stdout_visibility\": \"hidden\",\n  \"tests\": [",
	      out);
	for (int i = 0; i < s->lab->nchecks; i++) {
		const struct lab_check *c = &s->lab->checks[i];
		const struct score_check *sc = &s->checks[i];
		char name[480], num[16];

		snprintf(name, sizeof(name), "%s: %s", c->id, c->name);
		snprintf(num, sizeof(num), "%d", i + 1);
		score_points_str(sc->earned, pts, sizeof(pts));
		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		json_str(out, name);
		fputs(", \"number\": ", out);
		json_str(out, num);
		fprintf(out, ", \"score\": %s, \"max_score\": %d, \"status\": \"%s\", ", pts,
			c->points, sc->outcome == SCORE_PASS ? "passed" : "failed");
		fprintf(out, "\"visibility\": \"%s\",\n     \"output\": ",
			lab_visibility_name(c->visibility));
		if ((sc->outcome == SCORE_FAIL || sc->outcome == SCORE_ERROR) && sc->replay[0]) {
			char *text = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&text, &len);

			if (f) {
				fprintf(f, "%s\nreplay: %s", sc->output ? sc->output : "",
					sc->replay);
				fclose(f);
			}
			json_str(out, text ? text : "");
			free(text);
		} else {
			json_str(out, sc->output ? sc->output : "");
		}
		fputs(",\n     \"extra_data\": {\"id\": ", out);
		json_str(out, c->id);
		fprintf(out, ", \"outcome\": \"%s\", \"parts\": %d, \"parts_passed\": %d, ",
			score_outcome_name(sc->outcome), sc->parts, sc->parts_passed);
		fprintf(out, "\"ms\": %ld, \"replay\": ", sc->ms);
		json_str(out, sc->outcome == SCORE_SKIP ? "" : sc->replay);
		fputs("}}", out);
	}
	fputs("\n  ],\n  \"extra_data\": {\"format\": \"bindlab-grade/1\", \"lab\": ", out);
	json_str(out, s->lab->slug);
	fputs(", \"student\": ", out);
	json_str(out, s->student);
	fputs(", \"submission\": ", out);
	json_str(out, s->submission);
	fprintf(out, ", \"status\": \"%s\", \"why\": ", status_name(s->status));
	json_str(out, s->status_text);
	fprintf(out, ", \"max_score\": %d, \"ms\": %ld, \"kernel\": ", score_possible(s), s->ms);
	json_str(out, s->kernel);
	fputs(", \"bindlab\": ", out);
	json_str(out, s->bindlab);
	fputs(", \"sandbox\": ", out);
	json_str(out, s->sandbox);
	fputs(", \"started\": ", out);
	json_str(out, s->started);
	fputs(",\n    \"build\": {\"command\": ", out);
	json_str(out, s->build_cmd);
	fprintf(out, ", \"status\": %d, \"log\": ", s->build_status);
	json_str(out, s->build_log ? s->build_log : "");
	fputs("}}\n}\n", out);
}
