/* test_score.c - the grade as data: the rubric applied (partial credit,
 * prerequisites, a grade stopped midway), text from a program made valid
 * UTF-8 for every format, the points as every format writes them, the
 * gradebook's quoting, and the JSON writer's UTF-8 rule. */
#include <string.h>

#include "jsonw.h"
#include "result.h"
#include "score.h"
#include "unit.h"

static struct lab_check checks[3];
static struct lab lab;

static int setup(void)
{
	memset(&lab, 0, sizeof(lab));
	memset(checks, 0, sizeof(checks));
	snprintf(lab.slug, sizeof(lab.slug), "09-fixture");
	snprintf(lab.title, sizeof(lab.title), "Fixture");
	snprintf(checks[0].id, sizeof(checks[0].id), "01-listens");
	checks[0].points = 2;
	snprintf(checks[1].id, sizeof(checks[1].id), "02-echoes");
	checks[1].points = 3;
	checks[1].requires[0] = 0;
	checks[1].nrequires = 1;
	snprintf(checks[2].id, sizeof(checks[2].id), "03-any-port");
	checks[2].points = 4;
	checks[2].partial = 1;
	snprintf(checks[2].hint, sizeof(checks[2].hint), "argv[1]");
	lab.checks = checks;
	lab.nchecks = 3;
	return 0;
}

static struct score_part part(int verdict, const char *variant, const char *fail)
{
	return (struct score_part){.verdict = verdict,
				   .variant = variant,
				   .fail = fail,
				   .faillen = strlen(fail),
				   .text = "",
				   .textlen = 0};
}

/* every byte of s part of valid UTF-8, and no control byte but \n and \t */
static int clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_seq_len(p);

		if (!n || (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return 0;
		p += n;
	}
	return 1;
}

static void test_partial_credit_is_shared_by_the_variants(void)
{
	struct score s;
	char err[ERRLEN];
	struct score_part parts[3] = {part(VERDICT_PASS, "port=1", ""),
				      part(VERDICT_FAIL, "port=2", "FAIL line 9\n"),
				      part(VERDICT_PASS, "port=3", "")};

	ASSERT_EQ_INT(score_init(&s, &lab, "ada", "/srv/ada", err), 0);
	score_check(&s, 2, parts, 3, "bindlab grade ...", 5, 0);
	EXPECT_EQ_INT(s.checks[2].outcome, SCORE_FAIL);
	EXPECT_EQ_INT(s.checks[2].parts_passed, 2);
	/* 4 * 2 / 3 = 2.666..., written in hundredths: 2.66 */
	EXPECT_TRUE(s.checks[2].earned > 2.659 && s.checks[2].earned < 2.661);
	EXPECT_STR_CONTAINS(s.checks[2].output, "variant [port=2]: failed\nFAIL line 9");
	EXPECT_STR_CONTAINS(s.checks[2].output, "variant [port=1]: passed");
	EXPECT_STR_CONTAINS(s.checks[2].output, "hint: argv[1]");
	score_free(&s);
}

static void test_a_failed_prerequisite_skips_with_the_reason(void)
{
	struct score s;
	char err[ERRLEN], line[128];
	struct score_part fail = part(VERDICT_FAIL, "", "FAIL x\n");

	ASSERT_EQ_INT(score_init(&s, &lab, "ada", "/srv/ada", err), 0);
	score_check(&s, 0, &fail, 1, "r", 1, 0);
	EXPECT_EQ_INT(score_ready(&s, 1), 0);
	EXPECT_EQ_INT(s.checks[1].outcome, SCORE_SKIP);
	EXPECT_EQ_STR(s.checks[1].output, "skipped: needs 01-listens, which did not pass");
	/* asked again, nothing changes: it is decided */
	EXPECT_EQ_INT(score_ready(&s, 1), 0);
	EXPECT_EQ_INT(score_ready(&s, 2), 1);
	score_stop(&s, "the grader's worker was killed by signal 9 (Killed)");
	EXPECT_EQ_INT(s.checks[2].outcome, SCORE_ERROR);
	EXPECT_EQ_STR(s.checks[2].output,
		      "not run: the grader's worker was killed by signal 9 (Killed)");
	EXPECT_EQ_INT(s.status, SCORE_INCOMPLETE);
	score_counts_line(&s, line, sizeof(line));
	EXPECT_EQ_STR(line, "0 passed, 2 failed, 1 skipped");
	EXPECT_TRUE(score_earned(&s) == 0);
	EXPECT_EQ_INT(score_possible(&s), 9);
	score_free(&s);
}

static void test_a_programs_bytes_become_valid_utf8(void)
{
	struct score s;
	char err[ERRLEN];
	/* a colour, a stray continuation byte, a surrogate, a bell, good
	 * UTF-8 and a sequence cut short by the end */
	const char bytes[] = "\033[31mred\033[0m \x80 \xed\xa0\x80 \a caf\xc3\xa9 \xe2\x82";
	struct score_part p = {.verdict = VERDICT_FAIL,
			       .variant = "",
			       .fail = bytes,
			       .faillen = sizeof(bytes) - 1,
			       .text = "",
			       .textlen = 0};

	ASSERT_EQ_INT(score_init(&s, &lab, "ada", "/srv/ada", err), 0);
	score_check(&s, 0, &p, 1, "r", 1, 0);
	ASSERT_NOT_NULL(s.checks[0].output);
	EXPECT_TRUE(clean(s.checks[0].output));
	/* the colour and the bell dropped, one U+FFFD for each byte of what is
	 * not UTF-8 */
	EXPECT_EQ_STR(s.checks[0].output, "red \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd  "
					  "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
	score_free(&s);
}

static void test_points_are_written_in_hundredths(void)
{
	char b[32];

	score_points_str(7, b, sizeof(b));
	EXPECT_EQ_STR(b, "7");
	score_points_str(7.5, b, sizeof(b));
	EXPECT_EQ_STR(b, "7.5");
	score_points_str(2.66, b, sizeof(b));
	EXPECT_EQ_STR(b, "2.66");
	score_points_str(0.05, b, sizeof(b));
	EXPECT_EQ_STR(b, "0.05");
}

static void test_the_gradebook_quotes_what_a_spreadsheet_would_read(void)
{
	struct score s[2];
	char err[ERRLEN], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_NOT_NULL(f);
	ASSERT_EQ_INT(score_init(&s[0], &lab, "smith, ada", "/a", err), 0);
	ASSERT_EQ_INT(score_init(&s[1], &lab, "=cmd()", "/b", err), 0);
	score_write_gradebook(f, &lab, s, 2);
	fclose(f);
	EXPECT_EQ_STR(text, "student,01-listens,02-echoes,03-any-port,total,max,status\n"
			    "\"smith, ada\",0,0,0,0,9,graded\n"
			    "'=cmd(),0,0,0,0,9,graded\n");
	free(text);
	score_free(&s[0]);
	score_free(&s[1]);
}

static void test_utf8_sequences(void)
{
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"a"), 1);
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xc3\xa9"), 2);
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xe2\x82\xac"), 3);
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80"), 4);
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xc0\x80"), 0);	    /* overlong */
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xe0\x80\x80"), 0);	    /* overlong */
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xed\xa0\x80"), 0);	    /* surrogate */
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80"), 0); /* > U+10FFFF */
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\xe2\x82"), 0);	    /* cut short */
	EXPECT_EQ_UINT(utf8_seq_len((const unsigned char *)"\x80"), 0);
}

static void test_json_strings_are_valid_utf8(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ASSERT_NOT_NULL(f);
	json_str(f, "a\xff\"b\\\n\x01\x7f caf\xc3\xa9");
	fclose(f);
	EXPECT_EQ_STR(text, "\"a\\ufffd\\\"b\\\\\\n\\u0001\\u007f caf\xc3\xa9\"");
	free(text);
}

int main(void)
{
	CU_TestInfo tests[] = {
	    {"partial credit is shared by the variants",
	     test_partial_credit_is_shared_by_the_variants},
	    {"a failed prerequisite skips with the reason",
	     test_a_failed_prerequisite_skips_with_the_reason},
	    {"a program's bytes become valid UTF-8", test_a_programs_bytes_become_valid_utf8},
	    {"points are written in hundredths", test_points_are_written_in_hundredths},
	    {"the gradebook quotes what a spreadsheet would read",
	     test_the_gradebook_quotes_what_a_spreadsheet_would_read},
	    {"UTF-8 sequences", test_utf8_sequences},
	    {"JSON strings are valid UTF-8", test_json_strings_are_valid_utf8},
	    CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
	    {"score", setup, NULL, NULL, NULL, tests},
	    CU_SUITE_INFO_NULL,
	};

	return unit_main(suites);
}
