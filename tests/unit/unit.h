/* unit.h - the one main() every CUnit test file shares: it registers the
 * file's suites, runs them in basic mode and exits non-zero on any failure;
 * and the checks the tests make, which show the values on a failure. */
#ifndef BINDLAB_UNIT_H
#define BINDLAB_UNIT_H

#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fixtures are found relative to the repository root (make runs there);
 * BINDLAB_FIXTURES overrides it. */
static inline const char *unit_fixtures(void)
{
	const char *d = getenv("BINDLAB_FIXTURES");

	return d ? d : "tests/fixtures";
}

static inline int unit_main(CU_SuiteInfo *suites)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "cannot register suites: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/* --- checks -------------------------------------------------------------
 *
 * EXPECT_xxx records a failure and goes on; ASSERT_xxx records it and ends
 * the test (CUnit's fatal jump: from a helper too), so what follows may rely
 * on it, e.g. dereference a pointer it found non-NULL.  A failure prints at
 * once, on stderr, the expression and its value(s):
 *
 *   tests/unit/test_sockdiag.c:120: expected x->local.port (8080) == 8081 (8081)
 *
 * and CUnit's summary lists the same text.  Every argument is evaluated
 * exactly once.
 *
 *   EXPECT_EQ_INT NE LT LE GT GE   signed, compared as long long
 *   EXPECT_EQ_UINT NE LT LE GT GE  unsigned, compared as unsigned long long
 *   EXPECT_EQ_STR NE_STR           strings, NULL-safe (NULL equals only NULL)
 *   EXPECT_STR_CONTAINS(s, part)   part anywhere in s, NULL-safe
 *   EXPECT_STR_PREFIX(s, prefix)   s starts with prefix, NULL-safe
 *   EXPECT_TRUE FALSE (cond)       the condition's text
 *   EXPECT_NULL NOT_NULL (p)       a pointer
 *   EXPECT_MEM_EQ(a, b, n)         n bytes; the first difference in hex
 */

enum unit_op { UNIT_EQ, UNIT_NE, UNIT_LT, UNIT_LE, UNIT_GT, UNIT_GE };

static inline const char *unit_op_str(enum unit_op op)
{
	static const char *const s[] = {"==", "!=", "<", "<=", ">", ">="};

	return s[op];
}

/* Does op hold between two values that compare as c (-1, 0, 1)? */
static inline int unit_holds(enum unit_op op, int c)
{
	switch (op) {
	case UNIT_EQ:
		return c == 0;
	case UNIT_NE:
		return c != 0;
	case UNIT_LT:
		return c < 0;
	case UNIT_LE:
		return c <= 0;
	case UNIT_GT:
		return c > 0;
	default:
		return c >= 0;
	}
}

static inline void unit_pass(const char *file, unsigned line, const char *what)
{
	CU_assertImplementation(CU_TRUE, line, what, file, "", CU_FALSE);
}

static inline void unit_fail(int fatal, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline void unit_fail(int fatal, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%u: %s\n", file, line, msg);
	fflush(stderr);
	/* CUnit copies the text; a fatal failure jumps out of the test */
	CU_assertImplementation(CU_FALSE, line, msg, file, "", fatal ? CU_TRUE : CU_FALSE);
}

/* After a failed ASSERT_: CUnit jumped out of the test; reached only
 * outside a running test, where there is nowhere to jump to.
 * (It also tells the compiler that nothing after a failed ASSERT_ runs.) */
static inline __attribute__((noreturn)) void unit_stop(void)
{
	abort();
}

static inline int unit_int(int fatal, const char *file, unsigned line, const char *ea,
			   enum unit_op op, const char *eb, long long a, long long b)
{
	int ok = unit_holds(op, (a > b) - (a < b));

	if (ok)
		unit_pass(file, line, ea);
	else
		unit_fail(fatal, file, line, "expected %s (%lld) %s %s (%lld)", ea, a,
			  unit_op_str(op), eb, b);
	return ok;
}

static inline int unit_uint(int fatal, const char *file, unsigned line, const char *ea,
			    enum unit_op op, const char *eb, unsigned long long a,
			    unsigned long long b)
{
	int ok = unit_holds(op, (a > b) - (a < b));

	if (ok)
		unit_pass(file, line, ea);
	else
		unit_fail(fatal, file, line, "expected %s (%llu, 0x%llx) %s %s (%llu, 0x%llx)", ea,
			  a, a, unit_op_str(op), eb, b, b);
	return ok;
}

/* "NULL", or the string in quotes, for a message */
#define UNIT_Q_(s) ((s) ? "\"" : ""), ((s) ? (s) : "NULL"), ((s) ? "\"" : "")

static inline int unit_str(int fatal, const char *file, unsigned line, const char *ea,
			   int want_equal, const char *eb, const char *a, const char *b)
{
	int ok = ((a && b) ? strcmp(a, b) == 0 : a == b) == want_equal;

	if (ok)
		unit_pass(file, line, ea);
	else
		unit_fail(fatal, file, line, "expected %s (%s%s%s) %s %s (%s%s%s)", ea, UNIT_Q_(a),
			  want_equal ? "==" : "!=", eb, UNIT_Q_(b));
	return ok;
}

/* part anywhere in s, or (prefix) at its start */
static inline int unit_contains(int fatal, const char *file, unsigned line, const char *ea,
				int prefix, const char *eb, const char *a, const char *b)
{
	int ok = a && b && (prefix ? strncmp(a, b, strlen(b)) == 0 : strstr(a, b) != NULL);

	if (ok)
		unit_pass(file, line, ea);
	else
		unit_fail(fatal, file, line, "expected %s (%s%s%s) to %s %s (%s%s%s)", ea,
			  UNIT_Q_(a), prefix ? "start with" : "contain", eb, UNIT_Q_(b));
	return ok;
}

static inline int unit_bool(int fatal, const char *file, unsigned line, const char *e, int want,
			    int got)
{
	int ok = !!got == want;

	if (ok)
		unit_pass(file, line, e);
	else
		unit_fail(fatal, file, line, want ? "expected %s" : "expected !(%s)", e);
	return ok;
}

static inline int unit_ptr(int fatal, const char *file, unsigned line, const char *e, int want_null,
			   const void *p)
{
	int ok = (p == NULL) == want_null;
	char v[32] = "NULL";

	if (ok) {
		unit_pass(file, line, e);
		return ok;
	}
	if (p)
		snprintf(v, sizeof(v), "%p", p);
	unit_fail(fatal, file, line, "expected %s (%s) %s NULL", e, v, want_null ? "==" : "!=");
	return ok;
}

static inline int unit_mem(int fatal, const char *file, unsigned line, const char *ea,
			   const char *eb, const char *en, const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i = 0;

	if (!x || !y) {
		if (x == y) {
			unit_pass(file, line, ea);
			return 1;
		}
		unit_fail(fatal, file, line, "expected %s (%p) == %s (%p) for %s bytes", ea, a, eb,
			  b, en);
		return 0;
	}
	while (i < n && x[i] == y[i])
		i++;
	if (i == n) {
		unit_pass(file, line, ea);
		return 1;
	}
	unit_fail(fatal, file, line,
		  "expected %s == %s for %s (%zu) bytes: byte %zu differs: 0x%02x != 0x%02x", ea,
		  eb, en, n, i, x[i], y[i]);
	return 0;
}

/* An EXPECT_ goes on whatever the outcome; a failed ASSERT_ never returns. */
#define UNIT_EXPECT_(check) ((void)(check))
#define UNIT_ASSERT_(check)                                                                        \
	do {                                                                                       \
		if (!(check))                                                                      \
			unit_stop();                                                               \
	} while (0)

/* the texts are made here, before an argument's macros are expanded */
#define UNIT_INT_(f, a, op, b, sa, sb) unit_int(f, __FILE__, __LINE__, sa, op, sb, (a), (b))
#define UNIT_UINT_(f, a, op, b, sa, sb) unit_uint(f, __FILE__, __LINE__, sa, op, sb, (a), (b))

#define EXPECT_EQ_INT(a, b) UNIT_EXPECT_(UNIT_INT_(0, a, UNIT_EQ, b, #a, #b))
#define EXPECT_NE_INT(a, b) UNIT_EXPECT_(UNIT_INT_(0, a, UNIT_NE, b, #a, #b))
#define EXPECT_LT_INT(a, b) UNIT_EXPECT_(UNIT_INT_(0, a, UNIT_LT, b, #a, #b))
#define EXPECT_LE_INT(a, b) UNIT_EXPECT_(UNIT_INT_(0, a, UNIT_LE, b, #a, #b))
#define EXPECT_GT_INT(a, b) UNIT_EXPECT_(UNIT_INT_(0, a, UNIT_GT, b, #a, #b))
#define EXPECT_GE_INT(a, b) UNIT_EXPECT_(UNIT_INT_(0, a, UNIT_GE, b, #a, #b))
#define ASSERT_EQ_INT(a, b) UNIT_ASSERT_(UNIT_INT_(1, a, UNIT_EQ, b, #a, #b))
#define ASSERT_NE_INT(a, b) UNIT_ASSERT_(UNIT_INT_(1, a, UNIT_NE, b, #a, #b))
#define ASSERT_LT_INT(a, b) UNIT_ASSERT_(UNIT_INT_(1, a, UNIT_LT, b, #a, #b))
#define ASSERT_LE_INT(a, b) UNIT_ASSERT_(UNIT_INT_(1, a, UNIT_LE, b, #a, #b))
#define ASSERT_GT_INT(a, b) UNIT_ASSERT_(UNIT_INT_(1, a, UNIT_GT, b, #a, #b))
#define ASSERT_GE_INT(a, b) UNIT_ASSERT_(UNIT_INT_(1, a, UNIT_GE, b, #a, #b))

#define EXPECT_EQ_UINT(a, b) UNIT_EXPECT_(UNIT_UINT_(0, a, UNIT_EQ, b, #a, #b))
#define EXPECT_NE_UINT(a, b) UNIT_EXPECT_(UNIT_UINT_(0, a, UNIT_NE, b, #a, #b))
#define EXPECT_LT_UINT(a, b) UNIT_EXPECT_(UNIT_UINT_(0, a, UNIT_LT, b, #a, #b))
#define EXPECT_LE_UINT(a, b) UNIT_EXPECT_(UNIT_UINT_(0, a, UNIT_LE, b, #a, #b))
#define EXPECT_GT_UINT(a, b) UNIT_EXPECT_(UNIT_UINT_(0, a, UNIT_GT, b, #a, #b))
#define EXPECT_GE_UINT(a, b) UNIT_EXPECT_(UNIT_UINT_(0, a, UNIT_GE, b, #a, #b))
#define ASSERT_EQ_UINT(a, b) UNIT_ASSERT_(UNIT_UINT_(1, a, UNIT_EQ, b, #a, #b))
#define ASSERT_NE_UINT(a, b) UNIT_ASSERT_(UNIT_UINT_(1, a, UNIT_NE, b, #a, #b))
#define ASSERT_LT_UINT(a, b) UNIT_ASSERT_(UNIT_UINT_(1, a, UNIT_LT, b, #a, #b))
#define ASSERT_LE_UINT(a, b) UNIT_ASSERT_(UNIT_UINT_(1, a, UNIT_LE, b, #a, #b))
#define ASSERT_GT_UINT(a, b) UNIT_ASSERT_(UNIT_UINT_(1, a, UNIT_GT, b, #a, #b))
#define ASSERT_GE_UINT(a, b) UNIT_ASSERT_(UNIT_UINT_(1, a, UNIT_GE, b, #a, #b))

#define EXPECT_EQ_STR(a, b) UNIT_EXPECT_(unit_str(0, __FILE__, __LINE__, #a, 1, #b, (a), (b)))
#define EXPECT_NE_STR(a, b) UNIT_EXPECT_(unit_str(0, __FILE__, __LINE__, #a, 0, #b, (a), (b)))
#define ASSERT_EQ_STR(a, b) UNIT_ASSERT_(unit_str(1, __FILE__, __LINE__, #a, 1, #b, (a), (b)))
#define ASSERT_NE_STR(a, b) UNIT_ASSERT_(unit_str(1, __FILE__, __LINE__, #a, 0, #b, (a), (b)))
#define EXPECT_STR_CONTAINS(s, part)                                                               \
	UNIT_EXPECT_(unit_contains(0, __FILE__, __LINE__, #s, 0, #part, (s), (part)))
#define EXPECT_STR_PREFIX(s, prefix)                                                               \
	UNIT_EXPECT_(unit_contains(0, __FILE__, __LINE__, #s, 1, #prefix, (s), (prefix)))
#define ASSERT_STR_CONTAINS(s, part)                                                               \
	UNIT_ASSERT_(unit_contains(1, __FILE__, __LINE__, #s, 0, #part, (s), (part)))
#define ASSERT_STR_PREFIX(s, prefix)                                                               \
	UNIT_ASSERT_(unit_contains(1, __FILE__, __LINE__, #s, 1, #prefix, (s), (prefix)))

#define EXPECT_TRUE(cond) UNIT_EXPECT_(unit_bool(0, __FILE__, __LINE__, #cond, 1, (cond) ? 1 : 0))
#define EXPECT_FALSE(cond) UNIT_EXPECT_(unit_bool(0, __FILE__, __LINE__, #cond, 0, (cond) ? 1 : 0))
#define ASSERT_TRUE(cond) UNIT_ASSERT_(unit_bool(1, __FILE__, __LINE__, #cond, 1, (cond) ? 1 : 0))
#define ASSERT_FALSE(cond) UNIT_ASSERT_(unit_bool(1, __FILE__, __LINE__, #cond, 0, (cond) ? 1 : 0))

#define EXPECT_NULL(p) UNIT_EXPECT_(unit_ptr(0, __FILE__, __LINE__, #p, 1, (p)))
#define EXPECT_NOT_NULL(p) UNIT_EXPECT_(unit_ptr(0, __FILE__, __LINE__, #p, 0, (p)))
#define ASSERT_NULL(p) UNIT_ASSERT_(unit_ptr(1, __FILE__, __LINE__, #p, 1, (p)))
#define ASSERT_NOT_NULL(p) UNIT_ASSERT_(unit_ptr(1, __FILE__, __LINE__, #p, 0, (p)))

#define EXPECT_MEM_EQ(a, b, n)                                                                     \
	UNIT_EXPECT_(unit_mem(0, __FILE__, __LINE__, #a, #b, #n, (a), (b), (n)))
#define ASSERT_MEM_EQ(a, b, n)                                                                     \
	UNIT_ASSERT_(unit_mem(1, __FILE__, __LINE__, #a, #b, #n, (a), (b), (n)))

#endif
