// SPDX-License-Identifier: GPL-2.0
/*
 * Tests that only the userspace build can run: injected allocation
 * failures, the seed chains, and bounded random runs of the two fuzz
 * targets so that "make check" exercises them even without libFuzzer.
 */
#include <stdlib.h>
#include <string.h>
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/physr.h>
#include <asm/byteorder.h>
#include "fakemem.h"
#include "fuzz.h"
#include "seeds.h"

#define CAP	((u64)PHYSR_CHUNK_CAPACITY(PAGE_SIZE))

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_gapped(struct kunit *test, struct physr *pr, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, physr_append(pr, 0x100000000ULL +
						   i * 0x2000, 0x1000,
						   GFP_KERNEL), 0);
}

static void us_fail_first_chunk(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	/* The first range lives in the list head: no allocation to fail. */
	fakemem_fail_nth(1);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, fakemem_failed());
	/* The second needs a slab array: its failure changes nothing. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x3000, 1, GFP_KERNEL),
			-ENOMEM);
	KUNIT_EXPECT_TRUE(test, fakemem_failed());
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 1ULL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), 1ULL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	/* A chunk for the handover cannot be had either: still short. */
	fakemem_fail_nth(1);
	KUNIT_EXPECT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), -ENOMEM);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 1ULL);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x3000, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 2ULL);
	physr_destroy(&pr);
	KUNIT_EXPECT_EQ(test, fakemem_slab_in_use(), 0UL);
}

static void us_fail_new_chunk(struct kunit *test)
{
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;
	u64 n = 0;

	physr_init(&pr);
	fill_gapped(test, &pr, CAP);
	fakemem_fail_nth(1);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x10, 1, GFP_KERNEL), -ENOMEM);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), CAP);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), CAP * 0x1000);
	physr_for_each_range(&pr, &it, &r)
		n++;
	KUNIT_EXPECT_EQ(test, n, CAP);
	physr_destroy(&pr);
}

static void us_merge_needs_no_page(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	fill_gapped(test, &pr, CAP);
	fakemem_fail_nth(1);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x100000000ULL +
					   (CAP - 1) * 0x2000 + 0x1000, 5,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	fakemem_fail_nth(0);
	physr_destroy(&pr);
}

static void us_fail_nth(struct kunit *test)
{
	unsigned long nth;

	/*
	 * Allocations 1-7: slab arrays of 2 to 128 entries; 8: the move to
	 * a chunk page; 9-11: more chunks.
	 */
	for (nth = 1; nth <= 11; nth++) {
		struct physr pr;
		u64 i, failures = 0;

		physr_init(&pr);
		fakemem_fail_nth(nth);
		for (i = 0; i < 4 * CAP + 1; i++)
			if (physr_append(&pr, i * 0x2000, 0x1000, GFP_KERNEL))
				failures++;
		/* The failed range is skipped; everything else is kept. */
		KUNIT_EXPECT_EQ(test, failures, 1ULL);
		KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 4 * CAP);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 4UL);
		physr_destroy(&pr);
		KUNIT_EXPECT_EQ(test, fakemem_slab_in_use(), 0UL);
	}
}

static void us_seeds(struct kunit *test)
{
	u8 *win = fakemem_window();
	struct physr_walk_info info;
	unsigned int i;

	for (i = 0; i < physr_nr_seeds; i++) {
		u8 *buf = malloc(FAKE_WINDOW_PAGES * PAGE_SIZE);
		size_t n;

		KUNIT_ASSERT_NOT_NULL(test, buf);
		n = physr_seed_write(&physr_seeds[i], buf);
		memcpy(win, buf, FAKE_WINDOW_PAGES * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, physr_validate_chain(FAKE_PHYS_BASE, 12,
							   fakemem_in_window,
							   NULL, &info),
				physr_seeds[i].expect);
		KUNIT_EXPECT_TRUE(test, physr_fuzz_validate(buf, n));
		free(buf);
	}
}

static void us_random_ops(struct kunit *test)
{
	static u8 buf[4096];
	unsigned int round, i;

	for (round = 0; round < 3000; round++) {
		size_t n = rng() % sizeof(buf);

		for (i = 0; i < n; i++)
			buf[i] = rng();
		KUNIT_ASSERT_TRUE(test, physr_fuzz_ops(buf, n));
	}
}

/* Valid seed chains with a few random bytes changed. */
static void us_random_corruption(struct kunit *test)
{
	u8 *buf = malloc(FAKE_WINDOW_PAGES * PAGE_SIZE);
	unsigned int round, i;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (round = 0; round < 20000; round++) {
		const struct physr_seed *seed =
			&physr_seeds[rng() % physr_nr_seeds];
		size_t n = physr_seed_write(seed, buf);
		unsigned int flips = 1 + rng() % 4;

		for (i = 0; i < flips; i++) {
			/* Mostly headers: the first 32 bytes of a page. */
			size_t off = rng() % n;

			if (rng() & 1)
				off = (off & PAGE_MASK) + rng() % 32;
			buf[off] ^= 1 << (rng() % 8);
		}
		if (!physr_fuzz_validate(buf, n)) {
			free(buf);
			KUNIT_ASSERT_TRUE(test, false);
		}
	}
	free(buf);
}

static struct kunit_case us_cases[] = {
	KUNIT_CASE(us_fail_first_chunk),
	KUNIT_CASE(us_fail_new_chunk),
	KUNIT_CASE(us_merge_needs_no_page),
	KUNIT_CASE(us_fail_nth),
	KUNIT_CASE(us_seeds),
	KUNIT_CASE(us_random_ops),
	KUNIT_CASE(us_random_corruption),
	{}
};

static struct kunit_suite us_suite = {
	.name = "physr_userspace",
	.test_cases = us_cases,
};

kunit_test_suite(us_suite);
