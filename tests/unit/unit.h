/* unit.h - the one main() every CUnit test file shares: it registers the
 * file's suites, runs them in basic mode and exits non-zero on any failure. */
#ifndef BINDLAB_UNIT_H
#define BINDLAB_UNIT_H

#include <CUnit/Basic.h>
#include <stdio.h>

/* Fixtures are found relative to the repository root (make runs there);
 * BINDLAB_FIXTURES overrides it. */
#include <stdlib.h>
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

#endif
