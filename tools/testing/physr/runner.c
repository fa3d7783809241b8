// SPDX-License-Identifier: GPL-2.0
/*
 * Runs the KUnit suites of lib/physr (and the userspace-only suite) against
 * the KUnit shim, checking after every case that no chunk page leaked.
 * Prints KTAP-like lines and a last line "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <kunit/test.h>
#include "fakemem.h"

static struct kunit_suite *suites[8];
static unsigned int nr_suites;

void kunit_register_suite(struct kunit_suite *suite)
{
	if (nr_suites == ARRAY_SIZE(suites)) {
		fprintf(stderr, "too many suites\n");
		abort();
	}
	suites[nr_suites++] = suite;
}

void kunit_report(struct kunit *test, const char *file, int line,
		  const char *what, unsigned long long left,
		  unsigned long long right, bool fatal)
{
	fprintf(stdout, "    # %s: %s:%d: expected %s\n", test->name, file,
		line, what);
	fprintf(stdout, "    #   left %llu (%#llx), right %llu (%#llx)\n",
		left, left, right, right);
	test->failed = 1;
	if (fatal)
		longjmp(test->abort, 1);
}

void kunit_skip(struct kunit *test, const char *why)
{
	fprintf(stdout, "    # %s: skipped: %s\n", test->name, why);
	test->skipped = 1;
	longjmp(test->abort, 1);
}

void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	void *p;

	if (test->nr_allocs == KUNIT_MAX_ALLOCS)
		return NULL;
	p = calloc(n, size);
	if (p)
		test->allocs[test->nr_allocs++] = p;
	return p;
}

/* Runs one case, in a function of its own for setjmp()'s sake. */
static void run_case(struct kunit_case *kc, struct kunit *test)
{
	unsigned long before = fakemem_pages_in_use();
	unsigned int i;

	if (!setjmp(test->abort))
		kc->run_case(test);
	for (i = 0; i < test->nr_allocs; i++)
		free(test->allocs[i]);
	fakemem_fail_nth(0);
	if (!test->failed && !test->skipped &&
	    fakemem_pages_in_use() != before) {
		printf("    # %s: %ld chunk pages leaked\n", kc->name,
		       (long)(fakemem_pages_in_use() - before));
		test->failed = 1;
	}
}

int main(int argc, char **argv)
{
	unsigned int s, total = 0, passed = 0, failed = 0, skipped = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	printf("TAP version 13\n");
	for (s = 0; s < nr_suites; s++) {
		struct kunit_case *kc;

		printf("# Subtest: %s\n", suites[s]->name);
		for (kc = suites[s]->test_cases; kc->run_case; kc++) {
			struct kunit test = { .name = kc->name };

			if (filter && !strstr(kc->name, filter))
				continue;
			run_case(kc, &test);
			total++;
			if (test.skipped) {
				skipped++;
				printf("ok %u %s.%s # SKIP\n", total,
				       suites[s]->name, kc->name);
			} else if (test.failed) {
				failed++;
				printf("not ok %u %s.%s\n", total,
				       suites[s]->name, kc->name);
			} else {
				passed++;
				printf("ok %u %s.%s\n", total,
				       suites[s]->name, kc->name);
			}
		}
	}
	printf("1..%u\n", total);
	if (skipped)
		printf("%u passed, %u failed, %u skipped\n", passed, failed,
		       skipped);
	else
		printf("%u passed, %u failed\n", passed, failed);
	return failed || !total ? 1 : 0;
}
