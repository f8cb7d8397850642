/* score.c - see score.h */
#include "score.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "jsonw.h"
#include "result.h"

#define SCORE_OUTPUT_MAX 12288 /* of one check, as a student reads it */

static const char *const outcome_names[] = {
    [SCORE_PENDING] = "pending", [SCORE_PASS] = "pass",	  [SCORE_FAIL] = "fail",
    [SCORE_SKIP] = "skip",	 [SCORE_ERROR] = "error",
};

const char *score_outcome_name(int outcome)
{
	return outcome >= 0 && outcome <= SCORE_ERROR ? outcome_names[outcome] : "error";
}

/* Text from a program or the compiler, made fit for every format: valid
 * UTF-8 (U+FFFD for what is not), no control bytes but newline and tab
 * (no terminal colours), at most max bytes (the end cut, and said so). */
static char *clean_text(const char *in, size_t len, size_t max)
{
	char *out = malloc(max + 64), *o = out;
	const unsigned char *p = (const unsigned char *)in, *end = p + len;

	if (!out)
		return NULL;
	while (p < end && (size_t)(o - out) < max) {
		size_t n;

		if (*p == 0x1b && p + 1 < end && p[1] == '[') {
			/* a colour: ESC [ parameters letter */
			p += 2;
			while (p < end && ((*p >= '0' && *p <= '9') || *p == ';'))
				p++;
			if (p < end)
				p++;
			continue;
		}
		if (*p == '\n' || *p == '\t' || (*p >= 0x20 && *p != 0x7f && *p < 0x80)) {
			*o++ = (char)*p++;
			continue;
		}
		if (*p < 0x80) { /* another control byte */
			p++;
			continue;
		}
		/* the bytes need not end in a NUL: look at a padded copy */
		unsigned char seq[5] = {0};

		memcpy(seq, p, (size_t)(end - p) < 4 ? (size_t)(end - p) : 4);
		n = utf8_seq_len(seq);
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	if (p < end)
		o += sprintf(o, "\n[... %zu more bytes not shown]", (size_t)(end - p));
	*o = '\0';
	return out;
}

int score_init(struct score *s, const struct lab *lab, const char *student, const char *submission,
	       char *err)
{
	memset(s, 0, sizeof(*s));
	s->lab = lab;
	s->build_status = -1;
	snprintf(s->student, sizeof(s->student), "%s", student);
	snprintf(s->submission, sizeof(s->submission), "%s", submission);
	s->checks = calloc((size_t)(lab->nchecks ? lab->nchecks : 1), sizeof(*s->checks));
	if (!s->checks)
		return errf(err, "out of memory");
	return 0;
}

void score_free(struct score *s)
{
	if (s->checks)
		for (int i = 0; i < s->lab->nchecks; i++)
			free(s->checks[i].output);
	free(s->checks);
	free(s->build_log);
	s->checks = NULL;
	s->build_log = NULL;
}

static void set_output(struct score_check *c, const char *text, size_t len)
{
	free(c->output);
	c->output = clean_text(text, len, SCORE_OUTPUT_MAX);
}

void score_build(struct score *s, const struct build *b, int ok, const char *why)
{
	snprintf(s->build_cmd, sizeof(s->build_cmd), "%s", b->cmd);
	free(s->build_log);
	s->build_log = clean_text(b->log, b->loglen, BUILD_LOG_MAX);
	s->build_status = b->status;
	if (ok)
		return;
	s->status = SCORE_BUILD_FAILED;
	snprintf(s->status_text, sizeof(s->status_text), "%s", why);
	for (int i = 0; i < s->lab->nchecks; i++) {
		char text[700];

		s->checks[i].outcome = SCORE_SKIP;
		snprintf(text, sizeof(text), "skipped: the program did not build (%s)", why);
		set_output(&s->checks[i], text, strlen(text));
	}
}

int score_ready(struct score *s, int i)
{
	const struct lab_check *c = &s->lab->checks[i];
	struct score_check *sc = &s->checks[i];

	if (sc->outcome != SCORE_PENDING)
		return 0;
	for (int k = 0; k < c->nrequires; k++) {
		const struct score_check *need = &s->checks[c->requires[k]];
		char text[400];

		if (need->outcome == SCORE_PASS)
			continue;
		sc->outcome = SCORE_SKIP;
		snprintf(text, sizeof(text), "skipped: needs %s, which %s",
			 s->lab->checks[c->requires[k]].id,
			 need->outcome == SCORE_SKIP ? "was skipped" : "did not pass");
		set_output(sc, text, strlen(text));
		return 0;
	}
	return 1;
}

void score_check(struct score *s, int i, const struct score_part *parts, int nparts,
		 const char *replay, long ms, int verbose)
{
	const struct lab_check *c = &s->lab->checks[i];
	struct score_check *sc = &s->checks[i];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int errors = 0;

	sc->parts = nparts;
	sc->parts_passed = 0;
	sc->ms = ms;
	snprintf(sc->replay, sizeof(sc->replay), "%s", replay);
	for (int k = 0; k < nparts; k++) {
		const struct score_part *p = &parts[k];

		if (p->timed_out)
			continue; /* a failure: a program that hangs its check fails it */
		if (p->died || p->verdict == VERDICT_ERROR)
			errors++;
		else if (p->verdict == VERDICT_PASS)
			sc->parts_passed++;
	}
	if (errors)
		sc->outcome = SCORE_ERROR;
	else
		sc->outcome = sc->parts_passed == nparts ? SCORE_PASS : SCORE_FAIL;
	if (sc->outcome == SCORE_PASS)
		sc->earned = c->points;
	else if (sc->outcome == SCORE_FAIL && c->partial)
		/* in hundredths, as every format writes it: the total is then
		 * the sum of what each test shows */
		sc->earned =
		    (double)(long)((double)c->points * sc->parts_passed * 100 / nparts) / 100;
	else
		sc->earned = 0;
	if (!f) {
		set_output(sc, "", 0);
		return;
	}
	for (int k = 0; k < nparts; k++) {
		const struct score_part *p = &parts[k];
		int bad = p->died || p->verdict != VERDICT_PASS;

		if (p->variant[0] && (bad || c->partial || verbose))
			fprintf(f, "variant [%s]: %s\n", p->variant,
				p->timed_out		      ? "failed"
				: p->died		      ? "could not run"
				: p->verdict == VERDICT_PASS  ? "passed"
				: p->verdict == VERDICT_ERROR ? "could not run"
							      : "failed");
		if (p->timed_out)
			fprintf(f, "FAIL %s: %s\n", c->id, p->died);
		else if (p->died)
			fprintf(f, "bindlab could not run it: %s\n", p->died);
		else if (p->verdict == VERDICT_ERROR || verbose)
			fwrite(p->text, 1, p->textlen, f);
		else if (bad)
			fwrite(p->fail, 1, p->faillen, f);
	}
	if (sc->outcome != SCORE_PASS && c->hint[0])
		fprintf(f, "hint: %s\n", c->hint);
	fclose(f);
	/* the last newline belongs to the format, not the text */
	while (len && text[len - 1] == '\n')
		len--;
	set_output(sc, text ? text : "", len);
	free(text);
}

void score_stop(struct score *s, const char *why)
{
	int stopped = 0;

	for (int i = 0; i < s->lab->nchecks; i++) {
		char text[700];

		if (s->checks[i].outcome != SCORE_PENDING)
			continue;
		stopped = 1;
		s->checks[i].outcome = SCORE_ERROR;
		snprintf(text, sizeof(text), "not run: %s", why);
		set_output(&s->checks[i], text, strlen(text));
	}
	if (stopped && s->status == SCORE_GRADED) {
		s->status = SCORE_INCOMPLETE;
		snprintf(s->status_text, sizeof(s->status_text), "%s", why);
	}
}

double score_earned(const struct score *s)
{
	double t = 0;

	for (int i = 0; i < s->lab->nchecks; i++)
		t += s->checks[i].earned;
	return t;
}

int score_possible(const struct score *s)
{
	return lab_points(s->lab, 1);
}

void score_counts(const struct score *s, int *passed, int *failed, int *skipped)
{
	*passed = *failed = *skipped = 0;
	for (int i = 0; i < s->lab->nchecks; i++) {
		int o = s->checks[i].outcome;

		if (o == SCORE_PASS)
			(*passed)++;
		else if (o == SCORE_SKIP)
			(*skipped)++;
		else
			(*failed)++;
	}
}

void score_counts_line(const struct score *s, char *buf, size_t len)
{
	int p, f, k;

	score_counts(s, &p, &f, &k);
	if (k)
		snprintf(buf, len, "%d passed, %d failed, %d skipped", p, f, k);
	else
		snprintf(buf, len, "%d passed, %d failed", p, f);
}

void score_points_str(double v, char *buf, size_t len)
{
	/* two decimals at most, and none for whole points */
	long hundredths = (long)(v * 100 + 0.5);

	if (hundredths % 100 == 0)
		snprintf(buf, len, "%ld", hundredths / 100);
	else if (hundredths % 10 == 0)
		snprintf(buf, len, "%ld.%ld", hundredths / 100, (hundredths % 100) / 10);
	else
		snprintf(buf, len, "%ld.%02ld", hundredths / 100, hundredths % 100);
}

const struct score_format score_formats[] = {
    {"gradescope", "results.json", score_write_gradescope},
    {"junit", "junit.xml", score_write_junit},
    {"tap", "results.tap", score_write_tap},
    {"summary", "summary.txt", score_write_summary},
};
const int score_nformats = sizeof(score_formats) / sizeof(score_formats[0]);

int score_write_file(int dirfd, const char *name, void (*fn)(FILE *, const void *), const void *arg,
		     char *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		return errf(err, "cannot write '%s': %s", name, strerror(errno));
	fn(f, arg);
	if (fclose(f) != 0) {
		free(text);
		return errf(err, "cannot write '%s': out of memory", name);
	}
	rc = write_file_atomic(dirfd, name, name, text, len, err);
	free(text);
	return rc;
}

struct one_format {
	const struct score_format *fmt;
	const struct score *s;
};

static void write_one(FILE *out, const void *arg)
{
	const struct one_format *o = arg;

	o->fmt->write(out, o->s);
}

int score_save(int dirfd, const struct score *s, char *err)
{
	for (int k = 0; k < score_nformats; k++) {
		struct one_format o = {&score_formats[k], s};

		if (score_write_file(dirfd, score_formats[k].file, write_one, &o, err) < 0)
			return -1;
	}
	return 0;
}
