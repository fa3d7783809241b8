/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the subset of KUnit that lib/physr's tests use.  A failed
 * expectation marks the case failed; a failed assertion or a skip leaves
 * the case through longjmp(), as KUnit's own abort does.
 */
#ifndef _PHYSR_SHIM_KUNIT_TEST_H
#define _PHYSR_SHIM_KUNIT_TEST_H

#include <setjmp.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <asm/byteorder.h>

#define KUNIT_MAX_ALLOCS	16

struct kunit {
	const char *name;
	int failed;
	int skipped;
	jmp_buf abort;
	void *allocs[KUNIT_MAX_ALLOCS];
	unsigned int nr_allocs;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn)	{ .run_case = fn, .name = #fn }

void kunit_register_suite(struct kunit_suite *suite);
void kunit_report(struct kunit *test, const char *file, int line,
		  const char *what, unsigned long long left,
		  unsigned long long right, bool fatal);
void kunit_skip(struct kunit *test, const char *why);
void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp);

#define kunit_test_suite(suite)						\
	static void __attribute__((constructor)) register_##suite(void)	\
	{								\
		kunit_register_suite(&suite);				\
	}

#define KUNIT_BINARY(test, l, op, r, fatal) do {			\
	__typeof__(l) __l = (l);					\
	__typeof__(r) __r = (r);					\
	if (!(__l op __r))						\
		kunit_report(test, __FILE__, __LINE__, #l " " #op " " #r, \
			     (unsigned long long)__l,			\
			     (unsigned long long)__r, fatal);		\
} while (0)

#define KUNIT_EXPECT_EQ(t, l, r)	KUNIT_BINARY(t, l, ==, r, false)
#define KUNIT_EXPECT_NE(t, l, r)	KUNIT_BINARY(t, l, !=, r, false)
#define KUNIT_EXPECT_LT(t, l, r)	KUNIT_BINARY(t, l, <, r, false)
#define KUNIT_EXPECT_LE(t, l, r)	KUNIT_BINARY(t, l, <=, r, false)
#define KUNIT_EXPECT_GT(t, l, r)	KUNIT_BINARY(t, l, >, r, false)
#define KUNIT_EXPECT_GE(t, l, r)	KUNIT_BINARY(t, l, >=, r, false)
#define KUNIT_EXPECT_TRUE(t, c)		KUNIT_BINARY(t, !!(c), ==, 1, false)
#define KUNIT_EXPECT_FALSE(t, c)	KUNIT_BINARY(t, !!(c), ==, 0, false)
#define KUNIT_ASSERT_EQ(t, l, r)	KUNIT_BINARY(t, l, ==, r, true)
#define KUNIT_ASSERT_LT(t, l, r)	KUNIT_BINARY(t, l, <, r, true)
#define KUNIT_ASSERT_GT(t, l, r)	KUNIT_BINARY(t, l, >, r, true)
#define KUNIT_ASSERT_TRUE(t, c)		KUNIT_BINARY(t, !!(c), ==, 1, true)
#define KUNIT_ASSERT_NOT_NULL(t, p)	KUNIT_BINARY(t, !!(p), ==, 1, true)

#endif
