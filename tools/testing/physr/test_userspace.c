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
#include <linux/io.h>
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
		/* Packed chunks counted as the seed wrote them. */
		if (!physr_seeds[i].expect)
			KUNIT_EXPECT_EQ(test, info.nr_packed,
					physr_seeds[i].version == 2 ?
					physr_seeds[i].nchunks :
					__builtin_popcount(physr_seeds[i].v2_mask &
							   ((1U << physr_seeds[i].nchunks) - 1)));
		if (physr_seeds[i].expect == -EPROTONOSUPPORT)
			KUNIT_EXPECT_EQ(test, info.bad_version,
					physr_seeds[i].version);
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

static int us_count_chunk(phys_addr_t phys, size_t size, void *arg)
{
	(*(unsigned long *)arg)++;
	return 0;
}

/*
 * physr_reset() keeps the chunk pages of a list: the next list of up to as
 * many ranges allocates nothing (every allocation would fail), its walks
 * and chunk walks see only its own ranges, a longer one takes new pages,
 * physr_make_chunked() frees the spares and leaves no stale entry, and
 * physr_destroy() frees them all.
 */
static void us_reset_keeps_chunks(struct kunit *test)
{
	unsigned long pages = fakemem_pages_in_use(), chunks;
	struct physr_chunk *tail;
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;
	u64 i, n;

	physr_init(&pr);
	fill_gapped(test, &pr, 3 * CAP);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 3UL);
	KUNIT_EXPECT_EQ(test, fakemem_pages_in_use(), pages + 3);
	physr_reset(&pr);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr),
			sizeof(pr) + 3 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, fakemem_pages_in_use(), pages + 3);

	/* Two chunks and a bit: into the spares, no allocation. */
	fakemem_fail_nth(1);
	for (i = 0; i < CAP + 2; i++)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x7000000 + i * 0x3000,
						   0x1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, fakemem_failed());
	fakemem_fail_nth(0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 2UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), CAP + 2);
	KUNIT_EXPECT_EQ(test, fakemem_pages_in_use(), pages + 3);
	n = 0;
	physr_for_each_range(&pr, &it, &r) {
		KUNIT_EXPECT_EQ(test, r.phys, 0x7000000 + n * 0x3000);
		KUNIT_EXPECT_EQ(test, r.len, 0x1000ULL);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, CAP + 2);
	chunks = 0;
	KUNIT_EXPECT_EQ(test, physr_walk_chunks(&pr, us_count_chunk, &chunks),
			0);
	KUNIT_EXPECT_EQ(test, chunks, 2UL);

	/* Reset again, then longer than the spares: one new page. */
	physr_reset(&pr);
	fill_gapped(test, &pr, 3 * CAP + 1);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 4UL);
	KUNIT_EXPECT_EQ(test, fakemem_pages_in_use(), pages + 4);

	/* Before a handover: the spares go, the tail has no stale entry. */
	physr_reset(&pr);
	fill_gapped(test, &pr, 3);
	KUNIT_ASSERT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, fakemem_pages_in_use(), pages + 1);
	tail = phys_to_virt(physr_first_chunk(&pr));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(tail->hdr.next), 0ULL);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(tail->hdr.count), 3U);
	for (i = 3; i < CAP; i++)
		KUNIT_EXPECT_EQ(test, tail->ranges[i].len, 0ULL);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr),
			sizeof(pr) + PAGE_SIZE);

	/* A reset list with spares and no range frees them all. */
	physr_reset(&pr);
	physr_destroy(&pr);
	KUNIT_EXPECT_EQ(test, fakemem_pages_in_use(), pages);

	/* A short list: reset frees its slab array, as destroy does. */
	fill_gapped(test, &pr, 5);
	physr_reset(&pr);
	KUNIT_EXPECT_EQ(test, fakemem_slab_in_use(), 0UL);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	physr_destroy(&pr);
}

static struct kunit_case us_cases[] = {
	KUNIT_CASE(us_fail_first_chunk),
	KUNIT_CASE(us_fail_new_chunk),
	KUNIT_CASE(us_merge_needs_no_page),
	KUNIT_CASE(us_fail_nth),
	KUNIT_CASE(us_reset_keeps_chunks),
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
