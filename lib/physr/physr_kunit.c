// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the physr core: building, merging, slices, blocks, the
 * chunk layout, the validator and adoption, and packed lists (layout
 * version 2, physr_pack()).
 *
 * The ranges used here are addresses only and are never dereferenced; the
 * chunk pages are real.  tools/testing/physr builds this same file in
 * userspace against a small KUnit shim.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/physr.h>
#include <linux/sizes.h>
#include <linux/string.h>

#ifdef CONFIG_FAULT_INJECTION
#include <linux/fault-inject.h>
#include "physr_internal.h"
#elif !defined(__KERNEL__)
#include "fakemem.h"	/* the userspace build, tools/testing/physr */
#endif

#define CAP	((u32)PHYSR_CHUNK_CAPACITY(PAGE_SIZE))
#define BASE	0x100000000ULL

/* Ranges of one page with a one-page gap, so that none merges. */
static u64 gapped_phys(u64 i)
{
	return BASE + i * 2 * PAGE_SIZE;
}

static void append_gapped(struct kunit *test, struct physr *pr, u64 first,
			  u64 n)
{
	u64 i;

	for (i = first; i < first + n; i++)
		KUNIT_ASSERT_EQ(test, physr_append(pr, gapped_phys(i),
						   PAGE_SIZE, GFP_KERNEL), 0);
}

/* Compare the ranges of @it with @exp[0..@n). */
static void expect_ranges(struct kunit *test, struct physr_iter *it,
			  const struct physr_range *exp, unsigned int n)
{
	struct physr_range r;
	unsigned int i = 0;

	while (physr_iter_next(it, &r)) {
		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_EQ(test, r.phys, exp[i].phys);
		KUNIT_EXPECT_EQ(test, r.len, exp[i].len);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
}

static void expect_list(struct kunit *test, const struct physr *pr,
			const struct physr_range *exp, unsigned int n)
{
	struct physr_iter it;
	u64 total = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += exp[i].len;
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(pr), (u64)n);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(pr), total);
	physr_iter_init(&it, pr);
	expect_ranges(test, &it, exp, n);
}

static void physr_test_init_empty(struct kunit *test)
{
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;
	int n = 0;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&pr), (phys_addr_t)0);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&pr), PHYSR_RAM);
	KUNIT_EXPECT_TRUE(test, !physr_provider_of(&pr));
	physr_for_each_range(&pr, &it, &r)
		n++;
	KUNIT_EXPECT_EQ(test, n, 0);
	physr_destroy(&pr);
	physr_destroy(&pr);
}

static void physr_test_append_one(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x1234, 0x56 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1234, 0x56, GFP_KERNEL), 0);
	expect_list(test, &pr, exp, 1);
	/* One range lives in the list head: nothing allocated. */
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr));
	physr_destroy(&pr);
}

static void physr_test_zero_len(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x1000, 0x1000 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000, 0, GFP_KERNEL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000, 0x1000, GFP_KERNEL), 0);
	/* Zero length at the merge point is rejected too, not merged. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x2000, 0, GFP_KERNEL),
			-EINVAL);
	expect_list(test, &pr, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_wrap(struct kunit *test)
{
	const struct physr_range exp[] = { { U64_MAX - 1, 1 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, U64_MAX - 10, 20, GFP_KERNEL),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, U64_MAX, 1, GFP_KERNEL),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 1, U64_MAX, GFP_KERNEL),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	/* The last representable end is fine. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, U64_MAX - 1, 1, GFP_KERNEL), 0);
	/* Merging would reach 2^64. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, U64_MAX, 1, GFP_KERNEL),
			-EOVERFLOW);
	expect_list(test, &pr, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_total_overflow(struct kunit *test)
{
	const struct physr_range exp[] = { { 0, 1ULL << 63 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0, 1ULL << 63, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0, 1ULL << 63, GFP_KERNEL),
			-EOVERFLOW);
	expect_list(test, &pr, exp, 1);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0, (1ULL << 63) - 1,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), U64_MAX);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0, 1, GFP_KERNEL), -EOVERFLOW);
	physr_destroy(&pr);
}

static void physr_test_large_ranges(struct kunit *test)
{
	const struct physr_range exp[] = {
		{ BASE, 5ULL * SZ_1G },
		{ 1ULL << 45, 1ULL << 40 },
		{ 3, (1ULL << 62) + 5 },
	};
	struct physr pr;
	unsigned int i;

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(exp); i++)
		KUNIT_EXPECT_EQ(test, physr_append(&pr, exp[i].phys, exp[i].len,
						   GFP_KERNEL), 0);
	expect_list(test, &pr, exp, ARRAY_SIZE(exp));
	physr_destroy(&pr);
}

static void physr_test_merge_adjacent(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x1000, 0x3000 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000, 0x1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x2000, 0x1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x3000, 0x1000, GFP_KERNEL), 0);
	expect_list(test, &pr, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_merge_bytes(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x1001, 8 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1001, 3, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1004, 5, GFP_KERNEL), 0);
	expect_list(test, &pr, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_no_merge_gap(struct kunit *test)
{
	const struct physr_range exp[] = {
		{ 0x1000, 0x1000 }, { 0x2001, 0x1000 }, { 0x1000, 0x1000 },
		{ 0x3001, 0x10 },
	};
	struct physr pr;
	unsigned int i;

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(exp); i++)
		KUNIT_EXPECT_EQ(test, physr_append(&pr, exp[i].phys, exp[i].len,
						   GFP_KERNEL), 0);
	/* Adjacent to the first range only: a new entry, not a merge. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x2000, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 5ULL);
	physr_destroy(&pr);
}

static void physr_test_no_merge_backward(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x2000, 0x1000 },
					   { 0x1000, 0x1000 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x2000, 0x1000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000, 0x1000, GFP_KERNEL), 0);
	expect_list(test, &pr, exp, 2);
	physr_destroy(&pr);
}

static void physr_test_merge_across_4g(struct kunit *test)
{
	const struct physr_range exp[] = { { 0xfffff000ULL, 0x2000 } };
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0xfffff000ULL, 0x1000,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x100000000ULL, 0x1000,
					   GFP_KERNEL), 0);
	expect_list(test, &pr, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_chunk_growth(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	append_gapped(test, &pr, 0, CAP - 1);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	append_gapped(test, &pr, CAP - 1, 1);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	append_gapped(test, &pr, CAP, 1);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 2UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), (u64)CAP + 1);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr),
			2 * PAGE_SIZE + sizeof(pr));
	physr_destroy(&pr);
}

static void physr_test_merge_into_full_chunk(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	append_gapped(test, &pr, 0, CAP);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, gapped_phys(CAP - 1) +
					   PAGE_SIZE, 7, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), (u64)CAP);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), (u64)CAP * PAGE_SIZE + 7);
	physr_destroy(&pr);
}

static void physr_test_many_chunks(struct kunit *test)
{
	const u64 n = 10 * (u64)CAP + 7;
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;
	u64 i = 0;

	physr_init(&pr);
	append_gapped(test, &pr, 0, n);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 11UL);
	physr_for_each_range(&pr, &it, &r) {
		KUNIT_ASSERT_EQ(test, r.phys, gapped_phys(i));
		KUNIT_ASSERT_EQ(test, r.len, (u64)PAGE_SIZE);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
	physr_destroy(&pr);
}

static void physr_test_destroy_reuse(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x5000, 0x10 } };
	struct physr pr;

	physr_init(&pr);
	append_gapped(test, &pr, 0, CAP + 3);
	physr_destroy(&pr);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x5000, 0x10, GFP_KERNEL), 0);
	expect_list(test, &pr, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_mmio(struct kunit *test)
{
	const struct physr_provider prov = {
		.bar = 2, .bus_offset = 0x1000,
	};
	const struct physr_provider direct = { .bus_addr_is_phys = true };
	struct physr pr;

	KUNIT_EXPECT_EQ(test, physr_init_mmio(&pr, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&pr), PHYSR_RAM);
	KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, &prov), 0);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&pr), PHYSR_MMIO);
	KUNIT_EXPECT_TRUE(test, physr_provider_of(&pr) == &prov);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0xe0000000, 0x1000,
					   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(pr.head->hdr.kind),
			(u32)PHYSR_ABI_KIND_MMIO);
	KUNIT_EXPECT_EQ(test, physr_provider_bus_addr(&prov, 0xe0000000),
			0xe0001000ULL);
	KUNIT_EXPECT_EQ(test, physr_provider_bus_addr(&direct, 0xe0000000),
			0xe0000000ULL);
	physr_destroy(&pr);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&pr), PHYSR_MMIO);
}

struct chunk_set {
	phys_addr_t phys[64];
	unsigned int n;
	int stop_at;
};

static int collect_chunk(phys_addr_t phys, size_t size, void *arg)
{
	struct chunk_set *set = arg;

	if (size != PAGE_SIZE || set->n >= ARRAY_SIZE(set->phys))
		return -EINVAL;
	set->phys[set->n++] = phys;
	return set->n == set->stop_at ? 42 : 0;
}

static bool chunk_in_set(phys_addr_t phys, size_t size, void *arg)
{
	struct chunk_set *set = arg;
	unsigned int i;

	for (i = 0; i < set->n; i++)
		if (set->phys[i] == phys && size == PAGE_SIZE)
			return true;
	return false;
}

static bool accept_none(phys_addr_t phys, size_t size, void *arg)
{
	return false;
}

static void physr_test_walk_chunks(struct kunit *test)
{
	struct chunk_set set = { };
	struct physr pr;
	unsigned int i;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			0);
	KUNIT_EXPECT_EQ(test, set.n, 0U);
	append_gapped(test, &pr, 0, 3 * CAP);
	KUNIT_EXPECT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			0);
	KUNIT_ASSERT_EQ(test, set.n, 3U);
	KUNIT_EXPECT_EQ(test, set.phys[0], physr_first_chunk(&pr));
	for (i = 0; i < set.n; i++)
		KUNIT_EXPECT_EQ(test, set.phys[i] & ~PAGE_MASK, (phys_addr_t)0);

	set.n = 0;
	set.stop_at = 2;
	KUNIT_EXPECT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			42);
	KUNIT_EXPECT_EQ(test, set.n, 2U);
	physr_destroy(&pr);
}

static void physr_test_chunk_layout(struct kunit *test)
{
	const struct physr_chunk *c0, *c1;
	struct chunk_set set = { };
	struct physr pr;
	u32 i;

	physr_init(&pr);
	append_gapped(test, &pr, 0, CAP + 2);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			0);
	c0 = phys_to_virt(set.phys[0]);
	c1 = phys_to_virt(set.phys[1]);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.magic), PHYSR_CHUNK_MAGIC);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(c0->hdr.version),
			(u16)PHYSR_CHUNK_VERSION);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(c0->hdr.hdr_size), (u16)32);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.chunk_size), (u32)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.count), CAP);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c0->hdr.next), (u64)set.phys[1]);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.kind), (u32)PHYSR_ABI_KIND_RAM);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.flags), 0U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c1->hdr.count), 2U);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c1->hdr.next), 0ULL);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c0->ranges[5].phys), gapped_phys(5));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c0->ranges[5].len), (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c1->ranges[1].phys),
			gapped_phys(CAP + 1));
	/* The unused tail of the last chunk is zero. */
	for (i = 2; i < CAP; i++) {
		KUNIT_EXPECT_EQ(test, le64_to_cpu(c1->ranges[i].phys), 0ULL);
		KUNIT_EXPECT_EQ(test, le64_to_cpu(c1->ranges[i].len), 0ULL);
	}
	KUNIT_EXPECT_LE(test, sizeof(struct physr_chunk_hdr) +
			CAP * sizeof(struct physr_abi_range), (size_t)PAGE_SIZE);
	physr_destroy(&pr);
}

/* Reference model for slices: walk @ranges and clip to the window. */
static unsigned int ref_slice(const struct physr_range *ranges,
			      unsigned int n, u64 off, u64 len,
			      struct physr_range *out)
{
	unsigned int i, k = 0;
	u64 pos = 0;

	for (i = 0; i < n && len; i++) {
		u64 s = ranges[i].phys, l = ranges[i].len;

		if (pos + l <= off) {
			pos += l;
			continue;
		}
		if (pos < off) {
			s += off - pos;
			l -= off - pos;
		}
		if (l > len)
			l = len;
		out[k].phys = s;
		out[k].len = l;
		k++;
		len -= l;
		/* Later ranges are taken whole. */
		off = 0;
		pos = 0;
	}
	return k;
}

static void check_slice(struct kunit *test, const struct physr *pr,
			const struct physr_range *ranges, unsigned int n,
			u64 off, u64 len, struct physr_range *scratch)
{
	unsigned int k = ref_slice(ranges, n, off, len, scratch);
	struct physr_iter it;

	KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&it, pr, off, len), 0);
	expect_ranges(test, &it, scratch, k);
}

static void physr_test_slice_full(struct kunit *test)
{
	const struct physr_range exp[] = {
		{ 0x1000, 0x800 }, { 0x9000, 3 }, { 0x20000, 0x12345 },
	};
	struct physr_iter it;
	struct physr pr;
	unsigned int i;

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(exp); i++)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, exp[i].phys, exp[i].len,
						   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&it, &pr, 0,
						    physr_total_bytes(&pr)), 0);
	expect_ranges(test, &it, exp, ARRAY_SIZE(exp));
	physr_destroy(&pr);
}

static void physr_test_slice_empty(struct kunit *test)
{
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, physr_iter_next(&it, &r));
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1000, 0x100, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 0x100, 0), 0);
	KUNIT_EXPECT_FALSE(test, physr_iter_next(&it, &r));
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 0x50, 0), 0);
	KUNIT_EXPECT_FALSE(test, physr_iter_next(&it, &r));
	physr_destroy(&pr);
}

static void physr_test_slice_bounds(struct kunit *test)
{
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1000, 0x100, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 0, 0x101),
			-ERANGE);
	KUNIT_EXPECT_FALSE(test, physr_iter_next(&it, &r));
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 0x101, 0),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 0x100, 1),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, U64_MAX, 2),
			-EOVERFLOW);
	KUNIT_EXPECT_EQ(test, physr_iter_init_slice(&it, &pr, 2, U64_MAX),
			-EOVERFLOW);
	KUNIT_EXPECT_FALSE(test, physr_iter_next(&it, &r));
	physr_destroy(&pr);
}

static void physr_test_slice_inside_range(struct kunit *test)
{
	const struct physr_range exp[] = { { 0x1010, 0x20 } };
	struct physr_iter it;
	struct physr pr;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1000, 0x100, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&it, &pr, 0x10, 0x20), 0);
	expect_ranges(test, &it, exp, 1);
	physr_destroy(&pr);
}

static void physr_test_slice_chunk_edges(struct kunit *test)
{
	const unsigned int n = 2 * CAP + 3;
	const u64 edges[] = { 0, 1, CAP - 1, CAP, CAP + 1, 2 * CAP - 1,
			      2 * CAP, 2 * CAP + 1, n - 1 };
	struct physr_range *ranges, *scratch;
	struct physr pr;
	unsigned int i, j, d;

	ranges = kunit_kcalloc(test, n, sizeof(*ranges), GFP_KERNEL);
	scratch = kunit_kcalloc(test, n, sizeof(*scratch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ranges);
	KUNIT_ASSERT_NOT_NULL(test, scratch);
	physr_init(&pr);
	for (i = 0; i < n; i++) {
		ranges[i].phys = gapped_phys(i);
		ranges[i].len = PAGE_SIZE;
	}
	append_gapped(test, &pr, 0, n);

	/* Windows starting and ending on, just before and just after edges. */
	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		for (j = i; j < ARRAY_SIZE(edges); j++) {
			for (d = 0; d < 3; d++) {
				u64 off = edges[i] * PAGE_SIZE;
				u64 end = (edges[j] + 1) * PAGE_SIZE;

				if (d == 1 && off)
					off--;
				if (d == 2)
					end--;
				if (end <= off)
					continue;
				check_slice(test, &pr, ranges, n, off,
					    end - off, scratch);
			}
		}
	}
	physr_destroy(&pr);
}

static void physr_test_slice_every_window(struct kunit *test)
{
	const struct physr_range ranges[] = {
		{ 0x1000, 1 }, { 0x3000, 5 }, { 0x5000, 2 }, { 0x7007, 9 },
		{ 0x9000, 1 },
	};
	struct physr_range scratch[ARRAY_SIZE(ranges)];
	struct physr pr;
	u64 total, off, len;
	unsigned int i;

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, ranges[i].phys,
						   ranges[i].len, GFP_KERNEL), 0);
	total = physr_total_bytes(&pr);
	for (off = 0; off <= total; off++)
		for (len = 0; off + len <= total; len++)
			check_slice(test, &pr, ranges, ARRAY_SIZE(ranges), off,
				    len, scratch);
	physr_destroy(&pr);
}

static void physr_test_block_bad_boundary(struct kunit *test)
{
	struct physr_block_iter bi;
	struct physr_range blk;
	struct physr_iter it;
	struct physr pr;
	int n = 0;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1000, 0x100, GFP_KERNEL), 0);
	physr_iter_init(&it, &pr);
	KUNIT_EXPECT_EQ(test, physr_block_iter_init(&bi, &it, 3, 0), -EINVAL);
	KUNIT_EXPECT_FALSE(test, physr_block_iter_next(&bi, &blk));
	KUNIT_EXPECT_EQ(test, physr_block_iter_init(&bi, &it, 0x3000, 0),
			-EINVAL);
	physr_for_each_block(&bi, &it, 12345, 0, &blk)
		n++;
	KUNIT_EXPECT_EQ(test, n, 0);
	KUNIT_EXPECT_EQ(test, physr_block_iter_error(&bi), -EINVAL);
	physr_for_each_block(&bi, &it, SZ_4K, 0, &blk)
		n++;
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_EQ(test, physr_block_iter_error(&bi), 0);
	physr_destroy(&pr);
}

static void physr_test_block_no_limits(struct kunit *test)
{
	const struct physr_range exp[] = {
		{ 0x1003, 1ULL << 40 }, { 0x7, 0x5 },
	};
	struct physr_block_iter bi;
	struct physr_range blk;
	struct physr_iter it;
	struct physr pr;
	unsigned int i = 0;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, exp[0].phys, exp[0].len,
					   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, exp[1].phys, exp[1].len,
					   GFP_KERNEL), 0);
	physr_iter_init(&it, &pr);
	physr_for_each_block(&bi, &it, 0, 0, &blk) {
		KUNIT_ASSERT_LT(test, i, 2U);
		KUNIT_EXPECT_EQ(test, blk.phys, exp[i].phys);
		KUNIT_EXPECT_EQ(test, blk.len, exp[i].len);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, 2U);
	physr_destroy(&pr);
}

/*
 * Check the block invariants for one walk: every block is non-empty, lies
 * in the range it came from, crosses no boundary, respects max_len, blocks
 * cover the ranges in order, and a block is only cut where a rule forces
 * it.  Returns the number of blocks.
 */
static u64 check_blocks(struct kunit *test, const struct physr *pr,
			u64 boundary, u64 max_len)
{
	struct physr_block_iter bi;
	struct physr_range r, blk;
	struct physr_iter it, bit;
	u64 pos, nr = 0;

	physr_iter_init(&bit, pr);
	KUNIT_EXPECT_EQ(test, physr_block_iter_init(&bi, &bit, boundary,
						    max_len), 0);
	physr_for_each_range(pr, &it, &r) {
		pos = r.phys;
		while (pos < r.phys + r.len) {
			u64 lim = r.phys + r.len - pos;

			if (max_len && max_len < lim)
				lim = max_len;
			if (boundary && boundary - (pos & (boundary - 1)) < lim)
				lim = boundary - (pos & (boundary - 1));
			KUNIT_ASSERT_TRUE(test, physr_block_iter_next(&bi, &blk));
			KUNIT_ASSERT_EQ(test, blk.phys, pos);
			/* Maximal: as long as the rules allow. */
			KUNIT_ASSERT_EQ(test, blk.len, lim);
			KUNIT_ASSERT_GT(test, blk.len, 0ULL);
			if (boundary)
				KUNIT_ASSERT_EQ(test,
						blk.phys & ~(boundary - 1),
						(blk.phys + blk.len - 1) &
						~(boundary - 1));
			pos += blk.len;
			nr++;
		}
	}
	KUNIT_EXPECT_FALSE(test, physr_block_iter_next(&bi, &blk));
	return nr;
}

static void physr_test_block_all_alignments(struct kunit *test)
{
	const u64 max_lens[] = { 0, SZ_4K, SZ_64K, SZ_2M + SZ_4K, 12345 };
	struct physr pr;
	unsigned int shift, i;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1000, SZ_4K, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, SZ_1G - 0x1800, 0x3000,
					   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 3ULL * SZ_1G + 17, SZ_1G + SZ_2M,
					   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, BASE + SZ_2M - 1, 2,
					   GFP_KERNEL), 0);
	for (shift = 12; shift <= 30; shift++)
		for (i = 0; i < ARRAY_SIZE(max_lens); i++)
			check_blocks(test, &pr, 1ULL << shift, max_lens[i]);
	physr_destroy(&pr);
}

static void physr_test_block_boundary_one(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1003, 7, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 1, 0), 7ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 2, 0), 4ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 0, 1), 7ULL);
	physr_destroy(&pr);
}

static void physr_test_block_huge_range(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 1ULL << 40, 1ULL << 40,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, SZ_1G, 0), 1024ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 1ULL << 40, 0), 1ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 1ULL << 39, 0), 2ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 0, 1ULL << 32), 256ULL);
	physr_destroy(&pr);

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, (1ULL << 40) + SZ_4K,
					   1ULL << 40, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, SZ_1G, 0), 1025ULL);
	physr_destroy(&pr);
}

static void physr_test_block_top_of_space(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, U64_MAX - 0x2fff, 0x2fff,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 1ULL << 63, 0), 1ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, SZ_4K, 0), 3ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 0, 0), 1ULL);
	physr_destroy(&pr);

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0, 3, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 1ULL << 63, 0), 1ULL);
	KUNIT_EXPECT_EQ(test, check_blocks(test, &pr, 0, 0), 1ULL);
	physr_destroy(&pr);
}

static void physr_test_block_on_slice(struct kunit *test)
{
	const struct physr_range exp[] = {
		{ 0x1f00, 0x100 }, { 0x2000, 0x1000 },
		{ 0x10000, 0x1000 }, { 0x11000, 0x80 },
	};
	struct physr_block_iter bi;
	struct physr_range blk;
	struct physr_iter it;
	struct physr pr;
	unsigned int i = 0;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x1000, 0x2000, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0x10000, 0x2000, GFP_KERNEL),
			0);
	KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&it, &pr, 0xf00, 0x2180),
			0);
	physr_for_each_block(&bi, &it, SZ_4K, 0, &blk) {
		KUNIT_ASSERT_LT(test, i, (unsigned int)ARRAY_SIZE(exp));
		KUNIT_EXPECT_EQ(test, blk.phys, exp[i].phys);
		KUNIT_EXPECT_EQ(test, blk.len, exp[i].len);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, (unsigned int)ARRAY_SIZE(exp));
	/* The source cursor was copied, not consumed. */
	KUNIT_EXPECT_EQ(test, it.remaining, 0x2180ULL);
	physr_destroy(&pr);
}

/*
 * Validator tests build a real three-chunk list, corrupt one field, check
 * the verdict and restore the field so the list can be destroyed.
 */
struct vfix {
	struct physr pr;
	struct chunk_set set;
	struct physr_chunk *c[3];
	struct physr_walk_info info;
};

static void vfix_init(struct kunit *test, struct vfix *f)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	physr_init(&f->pr);
	append_gapped(test, &f->pr, 0, 2 * CAP + 5);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&f->pr, collect_chunk,
						&f->set), 0);
	KUNIT_ASSERT_EQ(test, f->set.n, 3U);
	for (i = 0; i < 3; i++)
		f->c[i] = phys_to_virt(f->set.phys[i]);
}

static int vfix_check(struct vfix *f)
{
	return physr_validate_chain(f->set.phys[0], 16, chunk_in_set, &f->set,
				    &f->info);
}

static void physr_test_validate_good(struct kunit *test)
{
	struct vfix f;

	vfix_init(test, &f);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), 0);
	KUNIT_EXPECT_EQ(test, f.info.nr_ranges, 2ULL * CAP + 5);
	KUNIT_EXPECT_EQ(test, f.info.total_bytes,
			(2ULL * CAP + 5) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, f.info.nr_chunks, 3UL);
	KUNIT_EXPECT_EQ(test, f.info.kind, PHYSR_RAM);
	KUNIT_EXPECT_EQ(test, f.info.last, f.set.phys[2]);
	physr_destroy(&f.pr);
}

static void physr_test_validate_empty(struct kunit *test)
{
	struct physr_walk_info info;

	KUNIT_EXPECT_EQ(test, physr_validate_chain(0, 0, accept_none, NULL,
						   &info), 0);
	KUNIT_EXPECT_EQ(test, info.nr_chunks, 0UL);
	KUNIT_EXPECT_EQ(test, info.nr_ranges, 0ULL);
	KUNIT_EXPECT_EQ(test, info.last, (phys_addr_t)0);
}

static void physr_test_validate_bad_magic(struct kunit *test)
{
	struct vfix f;
	__le32 save;

	vfix_init(test, &f);
	save = f.c[1]->hdr.magic;
	f.c[1]->hdr.magic = cpu_to_le32(PHYSR_CHUNK_MAGIC ^ 1);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	KUNIT_EXPECT_EQ(test, f.info.nr_chunks, 0UL);
	f.c[1]->hdr.magic = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_bad_version(struct kunit *test)
{
	struct vfix f;
	__le16 save;

	vfix_init(test, &f);
	save = f.c[2]->hdr.version;
	/* The first version after the newest this kernel reads. */
	f.c[2]->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION_MAX + 1);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, f.info.bad_version, (u16)3);
	KUNIT_EXPECT_EQ(test, f.info.nr_chunks, 0UL);
	f.c[2]->hdr.version = cpu_to_le16(0);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, f.info.bad_version, (u16)0);
	f.c[2]->hdr.version = cpu_to_le16(U16_MAX);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, f.info.bad_version, (u16)U16_MAX);
	f.c[2]->hdr.version = save;
	KUNIT_EXPECT_EQ(test, vfix_check(&f), 0);
	KUNIT_EXPECT_EQ(test, f.info.bad_version, (u16)0);
	physr_destroy(&f.pr);
}

static void physr_test_validate_bad_sizes(struct kunit *test)
{
	struct vfix f;
	__le16 hs;
	__le32 cs;

	vfix_init(test, &f);
	hs = f.c[0]->hdr.hdr_size;
	cs = f.c[0]->hdr.chunk_size;
	f.c[0]->hdr.hdr_size = cpu_to_le16(48);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[0]->hdr.hdr_size = hs;
	f.c[0]->hdr.chunk_size = cpu_to_le32(2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[0]->hdr.chunk_size = cpu_to_le32(0);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[0]->hdr.chunk_size = cs;
	KUNIT_EXPECT_EQ(test, vfix_check(&f), 0);
	physr_destroy(&f.pr);
}

static void physr_test_validate_bad_count(struct kunit *test)
{
	struct vfix f;
	__le32 save;

	vfix_init(test, &f);
	save = f.c[1]->hdr.count;
	f.c[1]->hdr.count = cpu_to_le32(0);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[1]->hdr.count = cpu_to_le32(CAP + 1);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[1]->hdr.count = cpu_to_le32(U32_MAX);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[1]->hdr.count = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_bad_kind(struct kunit *test)
{
	struct vfix f;
	__le32 save;

	vfix_init(test, &f);
	save = f.c[0]->hdr.kind;
	f.c[0]->hdr.kind = cpu_to_le32(7);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	/* Valid kind, but the chunks disagree. */
	f.c[0]->hdr.kind = cpu_to_le32(PHYSR_ABI_KIND_MMIO);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[0]->hdr.kind = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_flags(struct kunit *test)
{
	struct vfix f;

	vfix_init(test, &f);
	f.c[1]->hdr.flags = cpu_to_le32(1);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EOPNOTSUPP);
	f.c[1]->hdr.flags = cpu_to_le32(0x80000000);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EOPNOTSUPP);
	f.c[1]->hdr.flags = 0;
	physr_destroy(&f.pr);
}

static void physr_test_validate_zero_len(struct kunit *test)
{
	struct vfix f;
	__le64 save;

	vfix_init(test, &f);
	save = f.c[2]->ranges[4].len;
	f.c[2]->ranges[4].len = 0;
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[2]->ranges[4].len = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_wrap(struct kunit *test)
{
	struct vfix f;
	__le64 p, l;

	vfix_init(test, &f);
	p = f.c[1]->ranges[3].phys;
	l = f.c[1]->ranges[3].len;
	f.c[1]->ranges[3].phys = cpu_to_le64(U64_MAX - 0xfff);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EOVERFLOW);
	f.c[1]->ranges[3].phys = cpu_to_le64(U64_MAX - 0x1000);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), 0);
	f.c[1]->ranges[3].phys = cpu_to_le64(1);
	f.c[1]->ranges[3].len = cpu_to_le64(U64_MAX);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EOVERFLOW);
	f.c[1]->ranges[3].phys = p;
	f.c[1]->ranges[3].len = l;
	physr_destroy(&f.pr);
}

static void physr_test_validate_total_overflow(struct kunit *test)
{
	struct vfix f;
	__le64 a, b;

	vfix_init(test, &f);
	a = f.c[0]->ranges[0].len;
	b = f.c[2]->ranges[0].len;
	f.c[0]->ranges[0].phys = 0;
	f.c[0]->ranges[0].len = cpu_to_le64(1ULL << 63);
	f.c[2]->ranges[0].len = cpu_to_le64(1ULL << 63);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EOVERFLOW);
	f.c[0]->ranges[0].phys = cpu_to_le64(gapped_phys(0));
	f.c[0]->ranges[0].len = a;
	f.c[2]->ranges[0].len = b;
	physr_destroy(&f.pr);
}

static void physr_test_validate_self_loop(struct kunit *test)
{
	struct vfix f;
	__le64 save;

	vfix_init(test, &f);
	save = f.c[0]->hdr.next;
	f.c[0]->hdr.next = cpu_to_le64(f.set.phys[0]);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -ELOOP);
	f.c[0]->hdr.next = save;
	save = f.c[2]->hdr.next;
	f.c[2]->hdr.next = cpu_to_le64(f.set.phys[2]);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -ELOOP);
	f.c[2]->hdr.next = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_cycles(struct kunit *test)
{
	struct vfix f;
	__le64 save;

	vfix_init(test, &f);
	save = f.c[2]->hdr.next;
	f.c[2]->hdr.next = cpu_to_le64(f.set.phys[0]);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -ELOOP);
	f.c[2]->hdr.next = cpu_to_le64(f.set.phys[1]);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -ELOOP);
	/* A walk cut short by the chunk limit still fails. */
	KUNIT_EXPECT_LT(test, physr_validate_chain(f.set.phys[0], 3,
						   chunk_in_set, &f.set,
						   &f.info), 0);
	f.c[2]->hdr.next = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_long_cycle(struct kunit *test)
{
	struct chunk_set set = { };
	struct physr_walk_info info;
	struct physr_chunk *last;
	struct physr pr;
	unsigned int back;

	physr_init(&pr);
	append_gapped(test, &pr, 0, 40 * CAP);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			0);
	KUNIT_ASSERT_EQ(test, set.n, 40U);
	last = phys_to_virt(set.phys[39]);
	for (back = 0; back < 40; back++) {
		last->hdr.next = cpu_to_le64(set.phys[back]);
		KUNIT_EXPECT_EQ(test, physr_validate_chain(set.phys[0], 1000,
							   chunk_in_set, &set,
							   &info), -ELOOP);
	}
	last->hdr.next = 0;
	physr_destroy(&pr);
}

static void physr_test_validate_max_chunks(struct kunit *test)
{
	struct vfix f;

	vfix_init(test, &f);
	KUNIT_EXPECT_EQ(test, physr_validate_chain(f.set.phys[0], 3,
						   chunk_in_set, &f.set,
						   &f.info), 0);
	KUNIT_EXPECT_EQ(test, physr_validate_chain(f.set.phys[0], 2,
						   chunk_in_set, &f.set,
						   &f.info), -E2BIG);
	KUNIT_EXPECT_EQ(test, physr_validate_chain(f.set.phys[0], 0,
						   chunk_in_set, &f.set,
						   &f.info), -E2BIG);
	physr_destroy(&f.pr);
}

static void physr_test_validate_outside(struct kunit *test)
{
	struct vfix f;
	__le64 save;

	vfix_init(test, &f);
	KUNIT_EXPECT_EQ(test, physr_validate_chain(f.set.phys[0], 16,
						   accept_none, NULL, &f.info),
			-ERANGE);
	save = f.c[1]->hdr.next;
	/* Page aligned, but not a chunk page the predicate accepts. */
	f.c[1]->hdr.next = cpu_to_le64(BASE << 8);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -ERANGE);
	f.c[1]->hdr.next = save;
	physr_destroy(&f.pr);
}

static void physr_test_validate_unaligned(struct kunit *test)
{
	struct vfix f;
	__le64 save;

	vfix_init(test, &f);
	save = f.c[0]->hdr.next;
	f.c[0]->hdr.next = cpu_to_le64(f.set.phys[1] + 16);
	KUNIT_EXPECT_EQ(test, vfix_check(&f), -EINVAL);
	f.c[0]->hdr.next = save;
	KUNIT_EXPECT_EQ(test, physr_validate_chain(f.set.phys[0] + 8, 16,
						   chunk_in_set, &f.set,
						   &f.info), -EINVAL);
	physr_destroy(&f.pr);
}

static void physr_test_adopt_roundtrip(struct kunit *test)
{
	struct physr_range r1, r2;
	struct physr_iter i1, i2;
	struct physr_chunk *head;
	struct physr copy;
	struct vfix f;
	u64 n = 0;

	vfix_init(test, &f);
	head = f.pr.head;
	KUNIT_ASSERT_EQ(test, physr_adopt(&copy, f.set.phys[0], NULL, 16,
					  chunk_in_set, &f.set), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&copy), physr_nr_ranges(&f.pr));
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&copy),
			physr_total_bytes(&f.pr));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), 3UL);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&copy), f.set.phys[0]);
	physr_iter_init(&i2, &copy);
	physr_for_each_range(&f.pr, &i1, &r1) {
		KUNIT_ASSERT_TRUE(test, physr_iter_next(&i2, &r2));
		KUNIT_ASSERT_EQ(test, r1.phys, r2.phys);
		KUNIT_ASSERT_EQ(test, r1.len, r2.len);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, physr_nr_ranges(&copy));
	/* The pages now belong to the copy: forget the original. */
	physr_init(&f.pr);
	KUNIT_EXPECT_TRUE(test, copy.head == head);
	physr_destroy(&copy);
}

static void physr_test_adopt_then_append(struct kunit *test)
{
	struct physr copy;
	struct vfix f;
	u64 end = gapped_phys(2 * CAP + 4) + PAGE_SIZE;

	vfix_init(test, &f);
	KUNIT_ASSERT_EQ(test, physr_adopt(&copy, f.set.phys[0], NULL, 16,
					  chunk_in_set, &f.set), 0);
	physr_init(&f.pr);
	KUNIT_EXPECT_EQ(test, physr_append(&copy, end, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&copy), 2ULL * CAP + 5);
	append_gapped(test, &copy, 2 * CAP + 6, CAP);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), 4UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&copy), 3ULL * CAP + 5);
	physr_destroy(&copy);
}

static void physr_test_adopt_kind(struct kunit *test)
{
	const struct physr_provider prov = { .bar = 4 };
	struct chunk_set set = { };
	struct physr pr, copy;

	KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, &prov), 0);
	append_gapped(test, &pr, 0, 4);
	/* Four ranges are a short list: give it its handover chunk. */
	KUNIT_ASSERT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			0);
	KUNIT_EXPECT_EQ(test, physr_adopt(&copy, set.phys[0], NULL, 4,
					  chunk_in_set, &set), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), 0UL);
	KUNIT_ASSERT_EQ(test, physr_adopt(&copy, set.phys[0], &prov, 4,
					  chunk_in_set, &set), 0);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&copy), PHYSR_MMIO);
	KUNIT_EXPECT_TRUE(test, physr_provider_of(&copy) == &prov);
	physr_init(&copy);
	physr_destroy(&pr);

	/* A RAM chain given a provider. */
	physr_init(&pr);
	append_gapped(test, &pr, 0, 4);
	KUNIT_ASSERT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
	set.n = 0;
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set),
			0);
	KUNIT_EXPECT_EQ(test, physr_adopt(&copy, set.phys[0], &prov, 4,
					  chunk_in_set, &set), -EINVAL);
	physr_destroy(&pr);
}

static void physr_test_adopt_corrupt(struct kunit *test)
{
	struct physr copy;
	struct vfix f;

	vfix_init(test, &f);
	f.c[2]->hdr.magic = 0;
	KUNIT_EXPECT_EQ(test, physr_adopt(&copy, f.set.phys[0], NULL, 16,
					  chunk_in_set, &f.set), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), 0UL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&copy), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&copy), (phys_addr_t)0);
	physr_destroy(&copy);
	f.c[2]->hdr.magic = cpu_to_le32(PHYSR_CHUNK_MAGIC);
	physr_destroy(&f.pr);
}

/*
 * Short lists: the first range in the list head, then a slab array of up
 * to PHYSR_SMALL_MAX entries, then chunk pages.
 */
#define SMALL	((u64)PHYSR_SMALL_MAX)

/* Make the next allocation of list storage fail; false if that cannot be. */
static bool fail_next_alloc(struct kunit *test)
{
#ifdef CONFIG_FAULT_INJECTION
	fail_physr_alloc.verbose = 0;
	fail_physr_alloc.interval = 1;
	atomic_set(&fail_physr_alloc.space, 0);
	atomic_set(&fail_physr_alloc.times, 1);
	fail_physr_alloc.probability = 100;
	return true;
#elif !defined(__KERNEL__)
	fakemem_fail_nth(1);
	return true;
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	return false;
#endif
}

static void fail_alloc_off(void)
{
#ifdef CONFIG_FAULT_INJECTION
	fail_physr_alloc.probability = 0;
	atomic_set(&fail_physr_alloc.times, 0);
#elif !defined(__KERNEL__)
	fakemem_fail_nth(0);
#endif
}

/* @pr holds exactly the gapped ranges 0..@n-1. */
static void expect_gapped(struct kunit *test, const struct physr *pr, u64 n)
{
	struct physr_range r;
	struct physr_iter it;
	u64 i = 0;

	KUNIT_EXPECT_EQ(test, physr_nr_ranges(pr), n);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(pr), n * PAGE_SIZE);
	physr_for_each_range(pr, &it, &r) {
		KUNIT_ASSERT_LT(test, i, n);
		KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(i));
		KUNIT_EXPECT_EQ(test, r.len, (u64)PAGE_SIZE);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
}

static void physr_test_short_forms(struct kunit *test)
{
	struct physr pr;
	u64 n;

	/* The head is no bigger than an sg_table with one entry. */
	KUNIT_EXPECT_LE(test, sizeof(pr), (size_t)48);
	physr_init(&pr);
	for (n = 1; n <= SMALL; n++) {
		append_gapped(test, &pr, n - 1, 1);
		KUNIT_ASSERT_EQ(test, physr_nr_chunks(&pr), 0UL);
		if (n == 1)
			KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr),
					sizeof(pr));
		else
			/* A slab array of the next power of two entries. */
			KUNIT_EXPECT_GE(test, physr_metadata_bytes(&pr),
					sizeof(pr) + roundup_pow_of_two(n) *
					sizeof(struct physr_abi_range));
		/* Never more than twice what the entries need, and < 1 page. */
		KUNIT_EXPECT_LE(test, physr_metadata_bytes(&pr),
				sizeof(pr) + 2 * n * sizeof(struct physr_abi_range));
	}
	expect_gapped(test, &pr, SMALL);
	physr_destroy(&pr);
}

/* The range after PHYSR_SMALL_MAX moves the list into a chunk page. */
static void physr_test_short_to_chunk(struct kunit *test)
{
	const struct physr_chunk *c;
	struct chunk_set set = { };
	struct physr pr;

	physr_init(&pr);
	append_gapped(test, &pr, 0, SMALL);
	/* Growing the last range at the boundary needs no storage. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, gapped_phys(SMALL - 1) +
					   PAGE_SIZE, 1, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), SMALL);
	physr_destroy(&pr);

	append_gapped(test, &pr, 0, SMALL + 1);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), PAGE_SIZE + sizeof(pr));
	expect_gapped(test, &pr, SMALL + 1);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set), 0);
	KUNIT_ASSERT_EQ(test, set.n, 1U);
	c = phys_to_virt(set.phys[0]);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c->hdr.magic), PHYSR_CHUNK_MAGIC);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c->hdr.count), (u32)SMALL + 1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c->ranges[SMALL].phys),
			gapped_phys(SMALL));
	/* Then the chunk fills up as any chunk does. */
	append_gapped(test, &pr, SMALL + 1, CAP - SMALL);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 2UL);
	expect_gapped(test, &pr, CAP + 1);
	physr_destroy(&pr);
}

/* Slices of lists on both sides of every move between forms. */
static void physr_test_short_slices(struct kunit *test)
{
	static const u64 sizes[] = { 1, 2, 3, 4, 5, SMALL, SMALL + 1 };
	static struct physr_range ranges[SMALL + 1], scratch[SMALL + 1];
	unsigned int i, k;
	struct physr pr;
	u64 total, off;

	for (k = 0; k < SMALL + 1; k++) {
		/* Lengths 1..7 bytes, so that windows start mid-range. */
		ranges[k].phys = gapped_phys(k) + k % 3;
		ranges[k].len = 1 + k % 7;
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		physr_init(&pr);
		for (k = 0; k < sizes[i]; k++)
			KUNIT_ASSERT_EQ(test, physr_append(&pr, ranges[k].phys,
							   ranges[k].len,
							   GFP_KERNEL), 0);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr),
				sizes[i] > SMALL ? 1UL : 0UL);
		total = physr_total_bytes(&pr);
		for (off = 0; off <= total; off++) {
			check_slice(test, &pr, ranges, sizes[i], off, 0,
				    scratch);
			check_slice(test, &pr, ranges, sizes[i], off,
				    total - off, scratch);
			if (off + 9 <= total)
				check_slice(test, &pr, ranges, sizes[i], off,
					    9, scratch);
		}
		physr_destroy(&pr);
	}
}

/*
 * Back to the head: a list emptied by physr_destroy() from chunks or from
 * a slab array starts short again and frees everything it had.
 */
static void physr_test_short_back(struct kunit *test)
{
	static const u64 sizes[] = { SMALL + 1, 3, 1 };
	unsigned int i;
	struct physr pr;

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		append_gapped(test, &pr, 0, sizes[i]);
		physr_destroy(&pr);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
		KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 0ULL);
		KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr));
		append_gapped(test, &pr, 0, 1);
		KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr));
		expect_gapped(test, &pr, 1);
		physr_destroy(&pr);
	}
}

/*
 * Preserving a short list: physr_make_chunked() (what kho_preserve_physr()
 * calls) writes it as a version 1 chunk, which validates and is adopted
 * with the same ranges, like any chain.
 */
static void physr_test_short_preserve(struct kunit *test)
{
	static const u64 sizes[] = { 0, 1, 2, 5, SMALL };
	const struct physr_provider prov = { .bar = 1 };
	struct chunk_set set = { };
	struct physr_walk_info info;
	struct physr pr, copy;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (i == 2)
			KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, &prov), 0);
		else
			physr_init(&pr);
		append_gapped(test, &pr, 0, sizes[i]);
		KUNIT_ASSERT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), sizes[i] ? 1UL : 0UL);
		/* Twice is harmless. */
		KUNIT_ASSERT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), sizes[i] ? 1UL : 0UL);
		expect_gapped(test, &pr, sizes[i]);
		set.n = 0;
		KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk,
							&set), 0);
		KUNIT_ASSERT_EQ(test, set.n, sizes[i] ? 1U : 0U);
		KUNIT_ASSERT_EQ(test, physr_validate_chain(physr_first_chunk(&pr),
							   1, chunk_in_set,
							   &set, &info), 0);
		KUNIT_EXPECT_EQ(test, info.nr_ranges, sizes[i]);
		KUNIT_EXPECT_EQ(test, info.total_bytes, sizes[i] * PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, info.kind, sizes[i] ? physr_kind_of(&pr) :
				PHYSR_RAM);
		KUNIT_ASSERT_EQ(test, physr_adopt(&copy, physr_first_chunk(&pr),
						  sizes[i] ? physr_provider_of(&pr) :
						  NULL, 1, chunk_in_set, &set), 0);
		/* The chunk now belongs to the copy. */
		physr_init(&pr);
		expect_gapped(test, &copy, sizes[i]);
		/* And an adopted chain grows in chunks. */
		append_gapped(test, &copy, sizes[i], 2);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy),
				sizes[i] ? 1UL : 0UL);
		expect_gapped(test, &copy, sizes[i] + 2);
		physr_destroy(&copy);
	}
}

/*
 * An allocation failing at every move between forms (head to slab array,
 * each doubling, slab array to chunk, a new chunk, physr_make_chunked())
 * returns -ENOMEM and loses nothing: same ranges, same form, and the next
 * try succeeds.
 */
static void physr_test_short_alloc_fail(struct kunit *test)
{
	struct physr pr;
	u64 n;
	int ret;

	physr_init(&pr);
	/* The first range needs no allocation at all. */
	if (!fail_next_alloc(test))
		return;
	ret = physr_append(&pr, gapped_phys(0), PAGE_SIZE, GFP_KERNEL);
	fail_alloc_off();
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (n = 1; n <= CAP + 1; n++) {
		unsigned long chunks = physr_nr_chunks(&pr);
		bool moves = n > SMALL ? n % CAP == 0 : is_power_of_2(n);

		if (moves) {
			fail_next_alloc(test);
			ret = physr_append(&pr, gapped_phys(n), PAGE_SIZE,
					   GFP_KERNEL);
			fail_alloc_off();
			KUNIT_ASSERT_EQ(test, ret, -ENOMEM);
			KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), chunks);
			expect_gapped(test, &pr, n);
		}
		if (n == 3) {
			/* A short list that cannot get its handover chunk. */
			fail_next_alloc(test);
			ret = physr_make_chunked(&pr, GFP_KERNEL);
			fail_alloc_off();
			KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
			KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
			expect_gapped(test, &pr, n);
		}
		KUNIT_ASSERT_EQ(test, physr_append(&pr, gapped_phys(n),
						   PAGE_SIZE, GFP_KERNEL), 0);
	}
	expect_gapped(test, &pr, CAP + 2);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 2UL);
	physr_destroy(&pr);
}

static void physr_test_adopt_empty(struct kunit *test)
{
	struct physr copy;

	KUNIT_EXPECT_EQ(test, physr_adopt(&copy, 0, NULL, 0, accept_none, NULL),
			0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), 0UL);
	KUNIT_EXPECT_EQ(test, physr_append(&copy, 0x1000, 1, GFP_KERNEL), 0);
	physr_destroy(&copy);
}

/*
 * Packed lists (chunk layout version 2): physr_pack() rewrites a list of
 * page-aligned ranges in 8-byte entries, PCAP of them a chunk, and the
 * list is read-only from then on.  The ranges are addresses only, as
 * everywhere in this file: a list needs no memory behind its ranges.
 */
#define PCAP	((u32)PHYSR_PACKED_CAPACITY(PAGE_SIZE))
#define PBIG	(PHYSR_PACKED_MAX_PAGES * PAGE_SIZE)	/* one entry at most */

/* Make the @nth next allocation of list storage fail (1 = the next one). */
static bool fail_nth_alloc(struct kunit *test, unsigned int nth)
{
#ifdef CONFIG_FAULT_INJECTION
	fail_physr_alloc.verbose = 0;
	fail_physr_alloc.interval = 1;
	/* should_fail() lets calls through while space > size (1 here). */
	atomic_set(&fail_physr_alloc.space, nth);
	atomic_set(&fail_physr_alloc.times, 1);
	fail_physr_alloc.probability = 100;
	return true;
#elif !defined(__KERNEL__)
	fakemem_fail_nth(nth);
	return true;
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
	return false;
#endif
}

/* Whether the failure armed by fail_nth_alloc() happened. */
static bool fail_alloc_hit(void)
{
#ifdef CONFIG_FAULT_INJECTION
	return !atomic_read(&fail_physr_alloc.times);
#elif !defined(__KERNEL__)
	return fakemem_failed();
#else
	return false;
#endif
}

/* Chunk pages allocated and not freed; the userspace build counts them. */
static long pages_in_use(void)
{
#if !defined(__KERNEL__) && !defined(CONFIG_FAULT_INJECTION)
	return fakemem_pages_in_use();
#else
	return 0;
#endif
}

/* Ranges of 1 to 5 pages, 8 pages apart: scattered, none merges. */
static void append_mixed(struct kunit *test, struct physr *pr, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, physr_append(pr, BASE + i * 8 * PAGE_SIZE,
						   (1 + i % 5) * PAGE_SIZE,
						   GFP_KERNEL), 0);
}

/* The ranges of @pr as its walk gives them, into @out[0..@max). */
static void walk_into(struct kunit *test, const struct physr *pr,
		      struct physr_range *out, u64 max)
{
	struct physr_range r;
	struct physr_iter it;
	u64 i = 0;

	KUNIT_ASSERT_LT(test, physr_nr_ranges(pr), max + 1);
	physr_for_each_range(pr, &it, &r) {
		KUNIT_ASSERT_LT(test, i, max);
		out[i++] = r;
	}
	KUNIT_ASSERT_EQ(test, i, physr_nr_ranges(pr));
}

/* The same, in a new test-managed array. */
static struct physr_range *walk_ranges(struct kunit *test,
				       const struct physr *pr)
{
	u64 n = physr_nr_ranges(pr);
	struct physr_range *out;

	out = kunit_kcalloc(test, n ? n : 1, sizeof(*out), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	walk_into(test, pr, out, n);
	return out;
}

/* Gapped ranges 0..@n-1 as an array, for ref_slice(). */
static struct physr_range *gapped_ranges(struct kunit *test, u64 n)
{
	struct physr_range *out;
	u64 i;

	out = kunit_kcalloc(test, n, sizeof(*out), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < n; i++) {
		out[i].phys = gapped_phys(i);
		out[i].len = PAGE_SIZE;
	}
	return out;
}

/* Round trip of scattered lists, short and chunked, across chunk sizes. */
static void physr_test_pack_scattered(struct kunit *test)
{
	static const u64 sizes[] = {
		SMALL + 1, CAP, CAP + 1, PCAP - 1, PCAP, PCAP + 1, 3 * PCAP + 7,
	};
	struct physr_range *exp;
	struct physr pr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 n = sizes[i], total;

		physr_init(&pr);
		append_gapped(test, &pr, 0, n);
		total = physr_total_bytes(&pr);
		KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
		KUNIT_EXPECT_TRUE(test, physr_is_packed(&pr));
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr),
				(unsigned long)DIV_ROUND_UP(n, PCAP));
		KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), total);
		expect_gapped(test, &pr, n);
		KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr) +
				DIV_ROUND_UP(n, PCAP) * PAGE_SIZE);
		physr_destroy(&pr);

		/* Ranges of several pages: same ranges, same order. */
		physr_init(&pr);
		append_mixed(test, &pr, n);
		exp = walk_ranges(test, &pr);
		KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr),
				(unsigned long)DIV_ROUND_UP(n, PCAP));
		expect_list(test, &pr, exp, n);
		physr_destroy(&pr);
	}
}

/* The chunks as include/linux/physr_abi.h describes version 2. */
static void physr_test_pack_layout(struct kunit *test)
{
	const struct physr_provider prov = { .bar = 3 };
	const struct physr_chunk *c0, *c1;
	struct chunk_set set = { };
	struct physr_range r;
	const __le64 *e;
	struct physr pr;
	u32 i;

	KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, &prov), 0);
	append_gapped(test, &pr, 0, PCAP + 3);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&pr), PHYSR_MMIO);
	KUNIT_EXPECT_TRUE(test, physr_provider_of(&pr) == &prov);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set), 0);
	KUNIT_ASSERT_EQ(test, set.n, 2U);
	KUNIT_EXPECT_EQ(test, set.phys[0], physr_first_chunk(&pr));
	c0 = phys_to_virt(set.phys[0]);
	c1 = phys_to_virt(set.phys[1]);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.magic), PHYSR_CHUNK_MAGIC);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(c0->hdr.version),
			(u16)PHYSR_CHUNK_VERSION_PACKED);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(c1->hdr.version), (u16)2);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(c0->hdr.hdr_size), (u16)32);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.chunk_size), (u32)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.count), PCAP);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c0->hdr.next), (u64)set.phys[1]);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.kind),
			(u32)PHYSR_ABI_KIND_MMIO);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c1->hdr.kind),
			(u32)PHYSR_ABI_KIND_MMIO);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c0->hdr.flags), 0U);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(c1->hdr.count), 3U);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(c1->hdr.next), 0ULL);
	KUNIT_EXPECT_TRUE(test, physr_chunk_packed(c0));
	/* Page frame in bits 0-39, pages - 1 (0 here) above. */
	e = physr_chunk_packed_entries(c0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(e[5]), gapped_phys(5) >> PAGE_SHIFT);
	e = physr_chunk_packed_entries(c1);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(e[2]),
			gapped_phys(PCAP + 2) >> PAGE_SHIFT);
	physr_chunk_entry(c1, 2, &r);
	KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(PCAP + 2));
	KUNIT_EXPECT_EQ(test, r.len, (u64)PAGE_SIZE);
	/* The unused tail of the last chunk is zero. */
	for (i = 3; i < PCAP; i++)
		KUNIT_EXPECT_EQ(test, le64_to_cpu(e[i]), 0ULL);
	KUNIT_EXPECT_EQ(test, sizeof(struct physr_chunk_hdr) +
			PCAP * sizeof(__le64), (size_t)PAGE_SIZE);
	physr_destroy(&pr);
	KUNIT_EXPECT_EQ(test, physr_kind_of(&pr), PHYSR_MMIO);
}

/* Contiguous memory: few, long ranges; the highest page frame an entry holds. */
static void physr_test_pack_contiguous(struct kunit *test)
{
	const u64 top = PHYSR_PACKED_PFN_MASK << PAGE_SHIFT;
	const struct physr_range exp[] = {
		{ BASE, SZ_1G }, { BASE + 2ULL * SZ_1G, SZ_2M },
		{ 0, PAGE_SIZE }, { top - SZ_2M, SZ_2M + PAGE_SIZE },
	};
	const struct physr_range one[] = { { BASE, 1000 * PAGE_SIZE } };
	struct physr pr;
	unsigned int i;

	/* 1000 adjacent pages merge into one range in the list head. */
	physr_init(&pr);
	for (i = 0; i < 1000; i++)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, BASE + i * PAGE_SIZE,
						   PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), 1ULL);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	expect_list(test, &pr, one, 1);
	physr_destroy(&pr);

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(exp); i++)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, exp[i].phys, exp[i].len,
						   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	expect_list(test, &pr, exp, ARRAY_SIZE(exp));
	physr_destroy(&pr);
}

/* A short list (head or slab array) packs into one chunk. */
static void physr_test_pack_short(struct kunit *test)
{
	static const u64 sizes[] = { 1, 2, 3, SMALL };
	struct physr pr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		physr_init(&pr);
		append_gapped(test, &pr, 0, sizes[i]);
		KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
		KUNIT_EXPECT_TRUE(test, physr_is_packed(&pr));
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
		KUNIT_EXPECT_NE(test, physr_first_chunk(&pr), (phys_addr_t)0);
		/* The slab array is gone: one chunk page, nothing else. */
		KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr),
				sizeof(pr) + PAGE_SIZE);
#if !defined(__KERNEL__) && !defined(CONFIG_FAULT_INJECTION)
		KUNIT_EXPECT_EQ(test, fakemem_slab_in_use(), 0UL);
#endif
		expect_gapped(test, &pr, sizes[i]);
		physr_destroy(&pr);
	}
}

/* An empty list stays empty, also one with spare chunks (physr_reset()). */
static void physr_test_pack_empty(struct kunit *test)
{
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, physr_is_packed(&pr));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&pr), (phys_addr_t)0);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr));
	/* Not read-only: it was never packed. */
	append_gapped(test, &pr, 0, 3);
	expect_gapped(test, &pr, 3);
	physr_destroy(&pr);

	append_gapped(test, &pr, 0, CAP + 1);
	physr_reset(&pr);
	KUNIT_EXPECT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, physr_is_packed(&pr));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&pr), (phys_addr_t)0);
	append_gapped(test, &pr, 0, 4);
	expect_gapped(test, &pr, 4);
	physr_destroy(&pr);
}

/* Packing a packed list does nothing: same chunks, same ranges. */
static void physr_test_pack_twice(struct kunit *test)
{
	struct physr_chunk *head;
	struct physr pr;
	long pages;

	physr_init(&pr);
	append_gapped(test, &pr, 0, 2 * PCAP + 1);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	head = pr.head;
	pages = pages_in_use();
	/* Not even an allocation is tried. */
	if (fail_nth_alloc(test, 1)) {
		KUNIT_EXPECT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
		KUNIT_EXPECT_FALSE(test, fail_alloc_hit());
		fail_alloc_off();
	}
	KUNIT_EXPECT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_TRUE(test, pr.head == head);
	KUNIT_EXPECT_EQ(test, pages_in_use(), pages);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 3UL);
	expect_gapped(test, &pr, 2 * PCAP + 1);
	physr_destroy(&pr);
}

/*
 * A range longer than an entry holds (2^24 pages) takes several entries,
 * which walk back as the same bytes in the same order; exactly 2^24 pages
 * is one entry.
 */
static void physr_test_pack_split(struct kunit *test)
{
	const u64 p0 = 1ULL << 44;
	const struct physr_range in[] = {
		{ 0x1000, PAGE_SIZE },
		{ p0, 3 * PBIG + 5 * PAGE_SIZE },
		{ p0 + 4 * PBIG, PBIG },
		{ p0 + 6 * PBIG, PBIG + PAGE_SIZE },
	};
	const struct physr_range exp[] = {
		{ 0x1000, PAGE_SIZE },
		{ p0, PBIG }, { p0 + PBIG, PBIG }, { p0 + 2 * PBIG, PBIG },
		{ p0 + 3 * PBIG, 5 * PAGE_SIZE },
		{ p0 + 4 * PBIG, PBIG },
		{ p0 + 6 * PBIG, PBIG }, { p0 + 7 * PBIG, PAGE_SIZE },
	};
	const __le64 *e;
	struct physr pr;
	unsigned int i;

	physr_init(&pr);
	for (i = 0; i < ARRAY_SIZE(in); i++)
		KUNIT_ASSERT_EQ(test, physr_append(&pr, in[i].phys, in[i].len,
						   GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_ranges(&pr), 4ULL);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	/* expect_list() checks the count (8 now) and the total (same). */
	expect_list(test, &pr, exp, ARRAY_SIZE(exp));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	e = physr_chunk_packed_entries(pr.head);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(e[1]), (p0 >> PAGE_SHIFT) |
			((PHYSR_PACKED_MAX_PAGES - 1) << PHYSR_PACKED_PFN_BITS));
	KUNIT_EXPECT_EQ(test, le64_to_cpu(e[4]),
			((p0 + 3 * PBIG) >> PAGE_SHIFT) |
			(4ULL << PHYSR_PACKED_PFN_BITS));
	physr_destroy(&pr);
}

/*
 * A range that is not page aligned, or that reaches page frame 2^40, is
 * refused with -EINVAL, and the list is left exactly as it was: same
 * chunks, same ranges, and it can still be appended to.
 */
static void physr_test_pack_refused(struct kunit *test)
{
	const u64 top = PHYSR_PACKED_PFN_MASK << PAGE_SHIFT;
	const struct physr_range bad[] = {
		{ BASE + SZ_1G + 1, PAGE_SIZE },
		{ BASE + SZ_1G, PAGE_SIZE + 1 },
		{ BASE + SZ_1G, 0x800 },
		{ 1ULL << 52, PAGE_SIZE },
		{ top, 2 * PAGE_SIZE },
		{ U64_MAX - 2 * PAGE_SIZE + 1, PAGE_SIZE },
	};
	static const u64 before[] = { 0, 3, CAP + 3 };
	struct physr_range *exp;
	struct physr_chunk *head;
	unsigned int i, j;
	struct physr pr;
	u64 n;

	exp = kunit_kcalloc(test, CAP + 6, sizeof(*exp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, exp);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		for (j = 0; j < ARRAY_SIZE(before); j++) {
			unsigned long chunks;
			size_t meta;

			physr_init(&pr);
			append_gapped(test, &pr, 0, before[j]);
			KUNIT_ASSERT_EQ(test, physr_append(&pr, bad[i].phys,
							   bad[i].len,
							   GFP_KERNEL), 0);
			append_gapped(test, &pr, before[j] + 1, 2);
			n = physr_nr_ranges(&pr);
			walk_into(test, &pr, exp, CAP + 6);
			head = pr.head;
			chunks = physr_nr_chunks(&pr);
			meta = physr_metadata_bytes(&pr);

			KUNIT_EXPECT_EQ(test, physr_pack(&pr, GFP_KERNEL),
					-EINVAL);
			KUNIT_EXPECT_FALSE(test, physr_is_packed(&pr));
			KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), chunks);
			KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), meta);
			if (chunks)
				KUNIT_EXPECT_TRUE(test, pr.head == head);
			expect_list(test, &pr, exp, n);
			KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1000,
							   PAGE_SIZE,
							   GFP_KERNEL), 0);
			KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), n + 1);
			physr_destroy(&pr);
		}
	}
}

/*
 * An allocation failing at the first chunk or a later one gives -ENOMEM
 * and leaves the list as it was; the chunks already written are freed.
 */
static void physr_test_pack_alloc_fail(struct kunit *test)
{
	const u64 n = 2 * PCAP + 3;	/* three packed chunks */
	struct physr_chunk *head;
	unsigned int nth;
	struct physr pr;
	long pages;
	int ret;

	physr_init(&pr);
	append_gapped(test, &pr, 0, n);
	head = pr.head;
	pages = pages_in_use();
	for (nth = 1; nth <= 3; nth++) {
		if (!fail_nth_alloc(test, nth))
			return;
		ret = physr_pack(&pr, GFP_KERNEL);
		KUNIT_EXPECT_TRUE(test, fail_alloc_hit());
		fail_alloc_off();
		KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
		KUNIT_EXPECT_FALSE(test, physr_is_packed(&pr));
		KUNIT_EXPECT_TRUE(test, pr.head == head);
		KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr),
				(unsigned long)DIV_ROUND_UP(n, CAP));
		KUNIT_EXPECT_EQ(test, pages_in_use(), pages);
		expect_gapped(test, &pr, n);
	}
	/* The fourth allocation would be after the last chunk: none. */
	fail_nth_alloc(test, 4);
	ret = physr_pack(&pr, GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, fail_alloc_hit());
	fail_alloc_off();
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_TRUE(test, physr_is_packed(&pr));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 3UL);
	expect_gapped(test, &pr, n);
	physr_destroy(&pr);

	/* A list of one range, in the head. */
	append_gapped(test, &pr, 0, 1);
	fail_nth_alloc(test, 1);
	ret = physr_pack(&pr, GFP_KERNEL);
	fail_alloc_off();
	KUNIT_EXPECT_EQ(test, ret, -ENOMEM);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_FALSE(test, physr_is_packed(&pr));
	expect_gapped(test, &pr, 1);
	physr_destroy(&pr);
}

/*
 * A packed list is read-only; physr_make_chunked() leaves it alone,
 * physr_reset() frees it (packed chunks are no spares), and so does
 * physr_destroy().
 */
static void physr_test_pack_read_only(struct kunit *test)
{
	struct chunk_set set = { };
	struct physr_chunk *head;
	struct physr pr;
	long pages;

	pages = pages_in_use();
	physr_init(&pr);
	append_gapped(test, &pr, 0, CAP + 1);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_chunks(&pr), 1UL);
	head = pr.head;
	/* Growing the last range, a new range, one in a new chunk. */
	KUNIT_EXPECT_EQ(test, physr_append(&pr, gapped_phys(CAP) + PAGE_SIZE,
					   PAGE_SIZE, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, gapped_phys(CAP + 1),
					   PAGE_SIZE, GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_append(&pr, 0x1234, 1, GFP_KERNEL),
			-EINVAL);
	expect_gapped(test, &pr, CAP + 1);
	KUNIT_EXPECT_EQ(test, physr_make_chunked(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_TRUE(test, pr.head == head);
	KUNIT_EXPECT_TRUE(test, physr_is_packed(&pr));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 1UL);
	expect_gapped(test, &pr, CAP + 1);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr),
			sizeof(pr) + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set), 0);
	KUNIT_EXPECT_EQ(test, set.n, 1U);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&pr), virt_to_phys(head));

	physr_reset(&pr);
	KUNIT_EXPECT_FALSE(test, physr_is_packed(&pr));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&pr), 0ULL);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr));
	KUNIT_EXPECT_EQ(test, pages_in_use(), pages);
	/* Writable again, and short again. */
	append_gapped(test, &pr, 0, 2);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	expect_gapped(test, &pr, 2);

	append_gapped(test, &pr, 2, PCAP);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 2UL);
	physr_destroy(&pr);
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&pr), 0UL);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&pr), sizeof(pr));
	KUNIT_EXPECT_EQ(test, pages_in_use(), pages);
	append_gapped(test, &pr, 0, 1);
	expect_gapped(test, &pr, 1);
	physr_destroy(&pr);
}

/* Byte windows of a packed list, starting and ending around chunk edges. */
static void physr_test_pack_slices(struct kunit *test)
{
	const u64 n = 2 * PCAP + 9;
	const u64 at[] = { 0, 1, PCAP - 1, PCAP, PCAP + 1, 2 * PCAP - 1,
			   2 * PCAP, n - 1 };
	const u64 delta[] = { 0, 1, PAGE_SIZE - 1 };
	struct physr_range *ranges, *scratch;
	unsigned int i, j;
	struct physr pr;
	u64 total, k;

	physr_init(&pr);
	append_mixed(test, &pr, n);
	ranges = walk_ranges(test, &pr);
	scratch = kunit_kcalloc(test, n, sizeof(*scratch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, scratch);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_chunks(&pr), 3UL);
	total = physr_total_bytes(&pr);

	for (i = 0; i < ARRAY_SIZE(at); i++) {
		u64 start = 0;

		for (k = 0; k < at[i]; k++)
			start += ranges[k].len;
		for (j = 0; j < ARRAY_SIZE(delta); j++) {
			u64 off = start + delta[j];

			check_slice(test, &pr, ranges, n, off, 0, scratch);
			check_slice(test, &pr, ranges, n, off, 1, scratch);
			check_slice(test, &pr, ranges, n, off, total - off,
				    scratch);
			if (off + 7 * PAGE_SIZE + 3 <= total)
				check_slice(test, &pr, ranges, n, off,
					    7 * PAGE_SIZE + 3, scratch);
			/* A window ending here, from a chunk before. */
			if (off >= 600 * PAGE_SIZE)
				check_slice(test, &pr, ranges, n,
					    off - 600 * PAGE_SIZE,
					    600 * PAGE_SIZE, scratch);
		}
	}
	check_slice(test, &pr, ranges, n, total - 1, 1, scratch);
	physr_destroy(&pr);
}

/* Walk the blocks of @a and @b in step: they must be the same. */
static void expect_same_blocks(struct kunit *test,
			       struct physr_block_iter *a,
			       struct physr_block_iter *b)
{
	struct physr_range x, y;
	u64 nr = 0;

	while (physr_block_iter_next(a, &x)) {
		KUNIT_ASSERT_TRUE(test, physr_block_iter_next(b, &y));
		KUNIT_ASSERT_EQ(test, x.phys, y.phys);
		KUNIT_ASSERT_EQ(test, x.len, y.len);
		nr++;
	}
	KUNIT_EXPECT_FALSE(test, physr_block_iter_next(b, &y));
	KUNIT_EXPECT_GT(test, nr, 0ULL);
}

/*
 * Blocks of a packed list are those of the same list unpacked.  The block
 * cursor copies the range cursor (physr_iter_copy()): moving the range
 * cursor afterwards, which decodes other entries into its own buffer,
 * must not change the blocks.
 */
static void physr_test_pack_blocks(struct kunit *test)
{
	static const u64 bounds[] = { 0, SZ_4K, SZ_64K, SZ_2M, SZ_1G };
	static const u64 maxes[] = { 0, SZ_8K, 3 * SZ_4K + 5 };
	struct physr_block_iter ba, bb;
	struct physr_iter ia, ib;
	struct physr_range r;
	struct physr a, b;
	unsigned int i, j;
	u64 n = PCAP + 20, off;

	physr_init(&a);
	physr_init(&b);
	append_mixed(test, &a, n);
	append_mixed(test, &b, n);
	KUNIT_ASSERT_EQ(test, physr_append(&a, 1ULL << 40, SZ_2G, GFP_KERNEL),
			0);
	KUNIT_ASSERT_EQ(test, physr_append(&b, 1ULL << 40, SZ_2G, GFP_KERNEL),
			0);
	KUNIT_ASSERT_EQ(test, physr_pack(&b, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_nr_chunks(&b), 2UL);

	for (i = 0; i < ARRAY_SIZE(bounds); i++) {
		for (j = 0; j < ARRAY_SIZE(maxes); j++) {
			u64 bound = bounds[i], max = maxes[j];

			physr_iter_init(&ia, &a);
			physr_iter_init(&ib, &b);
			KUNIT_ASSERT_EQ(test, physr_block_iter_init(&ba, &ia, bound,
								    max), 0);
			KUNIT_ASSERT_EQ(test, physr_block_iter_init(&bb, &ib, bound,
								    max), 0);
			expect_same_blocks(test, &ba, &bb);
			check_blocks(test, &b, bounds[i], maxes[j]);
		}
	}

	/* From a slice starting just before the chunk edge of b. */
	off = physr_total_bytes(&a) - SZ_2G;
	for (i = 0; i < 30; i++)
		off -= (1 + (n - 1 - i) % 5) * PAGE_SIZE;
	off -= PAGE_SIZE / 2;
	KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&ia, &a, off, SZ_1G), 0);
	KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&ib, &b, off, SZ_1G), 0);
	KUNIT_ASSERT_EQ(test, physr_block_iter_init(&ba, &ia, SZ_2M, SZ_8K),
			0);
	KUNIT_ASSERT_EQ(test, physr_block_iter_init(&bb, &ib, SZ_2M, SZ_8K),
			0);
	/* Move the source cursor on: the block cursor has its own. */
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_TRUE(test, physr_iter_next(&ib, &r));
	expect_same_blocks(test, &ba, &bb);
	physr_destroy(&a);
	physr_destroy(&b);
}

/*
 * physr_iter_copy() mid-walk gives a cursor that goes on from the same
 * range, independently of the original, for every storage form.
 */
static void physr_test_iter_copy(struct kunit *test)
{
	static const u64 sizes[] = { SMALL, CAP + 3, 2 * PCAP + 1 };
	struct physr_iter a, b;
	struct physr_range r;
	unsigned int s, i;
	struct physr pr;
	u64 k, j;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		const u64 n = sizes[s];
		const u64 at[] = { 0, 1, SMALL - 1, n / 2, CAP - 1, CAP,
				   PCAP - 1, PCAP, PCAP + 1, n - 1 };

		physr_init(&pr);
		append_gapped(test, &pr, 0, n);
		/* The last list is packed: 3 chunks. */
		if (s == 2) {
			KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
			KUNIT_ASSERT_EQ(test, physr_nr_chunks(&pr), 3UL);
		}
		for (i = 0; i < ARRAY_SIZE(at); i++) {
			if (at[i] >= n)
				continue;
			physr_iter_init(&a, &pr);
			for (k = 0; k < at[i]; k++)
				KUNIT_ASSERT_TRUE(test, physr_iter_next(&a, &r));
			physr_iter_copy(&b, &a);
			/* a moves on and decodes the next entries... */
			KUNIT_ASSERT_TRUE(test, physr_iter_next(&a, &r));
			KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(at[i]));
			if (at[i] + 1 < n) {
				KUNIT_ASSERT_TRUE(test, physr_iter_next(&a, &r));
				KUNIT_EXPECT_EQ(test, r.phys,
						gapped_phys(at[i] + 1));
			}
			/* ...b still starts where a was copied. */
			for (j = at[i]; physr_iter_next(&b, &r); j++) {
				KUNIT_ASSERT_LT(test, j, n);
				KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(j));
				KUNIT_EXPECT_EQ(test, r.len, (u64)PAGE_SIZE);
			}
			KUNIT_EXPECT_EQ(test, j, n);
			/* And a did not move with b. */
			for (j = at[i] + 2; j < n; j++) {
				KUNIT_ASSERT_TRUE(test, physr_iter_next(&a, &r));
				KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(j));
			}
			KUNIT_EXPECT_FALSE(test, physr_iter_next(&a, &r));
		}

		/* A slice cursor half way into a range. */
		k = (n - 1) * PAGE_SIZE - PAGE_SIZE / 2;
		KUNIT_ASSERT_EQ(test, physr_iter_init_slice(&a, &pr, k,
							    PAGE_SIZE), 0);
		physr_iter_copy(&b, &a);
		KUNIT_ASSERT_TRUE(test, physr_iter_next(&a, &r));
		KUNIT_ASSERT_TRUE(test, physr_iter_next(&b, &r));
		KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(n - 2) + PAGE_SIZE / 2);
		KUNIT_EXPECT_EQ(test, r.len, (u64)PAGE_SIZE / 2);
		KUNIT_ASSERT_TRUE(test, physr_iter_next(&b, &r));
		KUNIT_EXPECT_EQ(test, r.phys, gapped_phys(n - 1));
		KUNIT_EXPECT_EQ(test, r.len, (u64)PAGE_SIZE / 2);
		KUNIT_EXPECT_FALSE(test, physr_iter_next(&b, &r));
		physr_destroy(&pr);
	}
}

/*
 * A packed chain validates (every chunk counted in nr_packed) and adopts
 * as a packed, read-only list with the same ranges.
 */
static void physr_test_pack_adopt(struct kunit *test)
{
	const u64 n = 2 * PCAP + 5;
	struct physr_walk_info info;
	struct chunk_set set = { };
	struct physr pr, copy;

	physr_init(&pr);
	append_gapped(test, &pr, 0, n);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set), 0);
	KUNIT_ASSERT_EQ(test, set.n, 3U);
	KUNIT_ASSERT_EQ(test, physr_validate_chain(set.phys[0], 16,
						   chunk_in_set, &set, &info),
			0);
	KUNIT_EXPECT_EQ(test, info.nr_chunks, 3UL);
	KUNIT_EXPECT_EQ(test, info.nr_packed, 3UL);
	KUNIT_EXPECT_EQ(test, info.nr_ranges, n);
	KUNIT_EXPECT_EQ(test, info.total_bytes, n * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, info.last, set.phys[2]);
	KUNIT_EXPECT_EQ(test, info.kind, PHYSR_RAM);
	KUNIT_EXPECT_EQ(test, physr_validate_chain(set.phys[0], 2,
						   chunk_in_set, &set, &info),
			-E2BIG);
	KUNIT_EXPECT_EQ(test, info.nr_packed, 0UL);

	KUNIT_ASSERT_EQ(test, physr_adopt(&copy, set.phys[0], NULL, 16,
					  chunk_in_set, &set), 0);
	/* The pages now belong to the copy: forget the original. */
	physr_init(&pr);
	KUNIT_EXPECT_TRUE(test, physr_is_packed(&copy));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), 3UL);
	KUNIT_EXPECT_EQ(test, physr_first_chunk(&copy), set.phys[0]);
	expect_gapped(test, &copy, n);
	KUNIT_EXPECT_EQ(test, physr_append(&copy, gapped_phys(n), PAGE_SIZE,
					   GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_make_chunked(&copy, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_metadata_bytes(&copy),
			sizeof(copy) + 3 * PAGE_SIZE);
	expect_gapped(test, &copy, n);
	physr_destroy(&copy);
}

/*
 * A chain may mix layouts chunk by chunk.  @first_packed: the packed
 * chunks come first.  The whole chain walks as gapped ranges 0..N-1.
 */
static void check_mixed(struct kunit *test, bool first_packed)
{
	const u64 n1 = first_packed ? PCAP + 2 : 2 * CAP + 5;
	const u64 n2 = first_packed ? CAP + 3 : PCAP + 2;
	const u64 n = n1 + n2;
	const u64 edge[] = { n1 - 1, n1, CAP, PCAP };
	struct physr_range *ranges, *scratch;
	struct physr_walk_info info;
	struct physr pa, pb, copy;
	struct chunk_set *set;
	struct physr_chunk *last;
	unsigned int i, na;

	set = kunit_kcalloc(test, 1, sizeof(*set), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, set);
	physr_init(&pa);
	physr_init(&pb);
	append_gapped(test, &pa, 0, n1);
	append_gapped(test, &pb, n1, n2);
	KUNIT_ASSERT_EQ(test, physr_pack(first_packed ? &pa : &pb,
					 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pa, collect_chunk, set), 0);
	na = set->n;
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pb, collect_chunk, set), 0);
	/* Link the last chunk of a to the first of b. */
	last = phys_to_virt(set->phys[na - 1]);
	KUNIT_ASSERT_EQ(test, le64_to_cpu(last->hdr.next), 0ULL);
	last->hdr.next = cpu_to_le64(physr_first_chunk(&pb));

	KUNIT_ASSERT_EQ(test, physr_validate_chain(set->phys[0], 16,
						   chunk_in_set, set, &info),
			0);
	KUNIT_EXPECT_EQ(test, info.nr_chunks, (unsigned long)set->n);
	KUNIT_EXPECT_EQ(test, info.nr_packed, first_packed ?
			physr_nr_chunks(&pa) : physr_nr_chunks(&pb));
	KUNIT_EXPECT_EQ(test, info.nr_ranges, n);
	KUNIT_EXPECT_EQ(test, info.total_bytes, n * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, info.last, set->phys[set->n - 1]);

	KUNIT_ASSERT_EQ(test, physr_adopt(&copy, set->phys[0], NULL, 16,
					  chunk_in_set, set), 0);
	physr_init(&pa);
	physr_init(&pb);
	KUNIT_EXPECT_TRUE(test, physr_is_packed(&copy));
	KUNIT_EXPECT_EQ(test, physr_nr_chunks(&copy), (unsigned long)set->n);
	expect_gapped(test, &copy, n);
	KUNIT_EXPECT_EQ(test, physr_append(&copy, gapped_phys(n), PAGE_SIZE,
					   GFP_KERNEL), -EINVAL);
	expect_gapped(test, &copy, n);

	/* Windows across the change of layout and the chunk edges. */
	ranges = gapped_ranges(test, n);
	scratch = kunit_kcalloc(test, n, sizeof(*scratch), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, scratch);
	for (i = 0; i < ARRAY_SIZE(edge); i++) {
		u64 off = edge[i] * PAGE_SIZE;

		check_slice(test, &copy, ranges, n, off - 100,
			    PAGE_SIZE + 200, scratch);
		check_slice(test, &copy, ranges, n, off, PAGE_SIZE, scratch);
		check_slice(test, &copy, ranges, n, off + 1,
			    n * PAGE_SIZE - off - 1, scratch);
	}
	check_blocks(test, &copy, SZ_8K, 0);
	physr_destroy(&copy);
}

static void physr_test_validate_mixed(struct kunit *test)
{
	check_mixed(test, false);
	check_mixed(test, true);
}

/* Damage to a packed chunk: the count limit is that of its layout. */
static void physr_test_validate_packed_bad(struct kunit *test)
{
	const u64 n = 2 * PCAP + 5;
	const u64 max_entry = PHYSR_PACKED_PFN_MASK |
			      ((PHYSR_PACKED_MAX_PAGES - 1) <<
			       PHYSR_PACKED_PFN_BITS);
	struct physr_walk_info info;
	struct chunk_set set = { };
	struct physr_chunk *c[3];
	struct physr pr;
	unsigned int i;
	__le64 *e, se;
	__le32 save;
	__le16 s16;

	physr_init(&pr);
	append_gapped(test, &pr, 0, n);
	KUNIT_ASSERT_EQ(test, physr_pack(&pr, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_walk_chunks(&pr, collect_chunk, &set), 0);
	KUNIT_ASSERT_EQ(test, set.n, 3U);
	for (i = 0; i < 3; i++)
		c[i] = phys_to_virt(set.phys[i]);
#define PCHECK()	physr_validate_chain(set.phys[0], 16, chunk_in_set, \
					     &set, &info)

	save = c[1]->hdr.count;
	c[1]->hdr.count = cpu_to_le32(0);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	c[1]->hdr.count = cpu_to_le32(PCAP + 1);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	KUNIT_EXPECT_EQ(test, info.nr_packed, 0UL);
	c[1]->hdr.count = cpu_to_le32(U32_MAX);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	c[1]->hdr.count = save;
	KUNIT_EXPECT_EQ(test, PCHECK(), 0);

	/* More than a version-1 chunk holds, within a packed one. */
	save = c[2]->hdr.count;
	c[2]->hdr.count = cpu_to_le32(CAP + 1);
	KUNIT_EXPECT_EQ(test, PCHECK(), 0);
	KUNIT_EXPECT_EQ(test, info.nr_ranges, 2ULL * PCAP + CAP + 1);
	c[2]->hdr.count = save;

	/* The same packed chunk read as version 1: too many entries. */
	s16 = c[0]->hdr.version;
	c[0]->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	c[0]->hdr.version = s16;

	s16 = c[0]->hdr.hdr_size;
	c[0]->hdr.hdr_size = cpu_to_le16(48);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	c[0]->hdr.hdr_size = cpu_to_le16(24);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	c[0]->hdr.hdr_size = s16;

	save = c[2]->hdr.chunk_size;
	c[2]->hdr.chunk_size = cpu_to_le32(2 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EINVAL);
	c[2]->hdr.chunk_size = save;

	s16 = c[1]->hdr.version;
	c[1]->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION_MAX + 1);
	KUNIT_EXPECT_EQ(test, PCHECK(), -EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, info.bad_version, (u16)3);
	KUNIT_EXPECT_EQ(test, info.nr_chunks, 0UL);
	KUNIT_EXPECT_EQ(test, info.nr_packed, 0UL);
	c[1]->hdr.version = s16;

	/* The largest entry: the top page frame, 2^24 pages; no wrap. */
	e = (__le64 *)c[2]->ranges;
	se = e[0];
	e[0] = cpu_to_le64(max_entry);
	KUNIT_EXPECT_EQ(test, PCHECK(), 0);
	KUNIT_EXPECT_EQ(test, info.total_bytes,
			(n - 1) * PAGE_SIZE + PBIG);
	e[0] = se;

	KUNIT_EXPECT_EQ(test, PCHECK(), 0);
	KUNIT_EXPECT_EQ(test, info.nr_packed, 3UL);
#undef PCHECK
	physr_destroy(&pr);
}

static struct kunit_case physr_test_cases[] = {
	KUNIT_CASE(physr_test_init_empty),
	KUNIT_CASE(physr_test_append_one),
	KUNIT_CASE(physr_test_zero_len),
	KUNIT_CASE(physr_test_wrap),
	KUNIT_CASE(physr_test_total_overflow),
	KUNIT_CASE(physr_test_large_ranges),
	KUNIT_CASE(physr_test_merge_adjacent),
	KUNIT_CASE(physr_test_merge_bytes),
	KUNIT_CASE(physr_test_no_merge_gap),
	KUNIT_CASE(physr_test_no_merge_backward),
	KUNIT_CASE(physr_test_merge_across_4g),
	KUNIT_CASE(physr_test_chunk_growth),
	KUNIT_CASE(physr_test_merge_into_full_chunk),
	KUNIT_CASE(physr_test_many_chunks),
	KUNIT_CASE(physr_test_destroy_reuse),
	KUNIT_CASE(physr_test_mmio),
	KUNIT_CASE(physr_test_walk_chunks),
	KUNIT_CASE(physr_test_chunk_layout),
	KUNIT_CASE(physr_test_slice_full),
	KUNIT_CASE(physr_test_slice_empty),
	KUNIT_CASE(physr_test_slice_bounds),
	KUNIT_CASE(physr_test_slice_inside_range),
	KUNIT_CASE(physr_test_slice_chunk_edges),
	KUNIT_CASE(physr_test_slice_every_window),
	KUNIT_CASE(physr_test_block_bad_boundary),
	KUNIT_CASE(physr_test_block_no_limits),
	KUNIT_CASE(physr_test_block_all_alignments),
	KUNIT_CASE(physr_test_block_boundary_one),
	KUNIT_CASE(physr_test_block_huge_range),
	KUNIT_CASE(physr_test_block_top_of_space),
	KUNIT_CASE(physr_test_block_on_slice),
	KUNIT_CASE(physr_test_validate_good),
	KUNIT_CASE(physr_test_validate_empty),
	KUNIT_CASE(physr_test_validate_bad_magic),
	KUNIT_CASE(physr_test_validate_bad_version),
	KUNIT_CASE(physr_test_validate_bad_sizes),
	KUNIT_CASE(physr_test_validate_bad_count),
	KUNIT_CASE(physr_test_validate_bad_kind),
	KUNIT_CASE(physr_test_validate_flags),
	KUNIT_CASE(physr_test_validate_zero_len),
	KUNIT_CASE(physr_test_validate_wrap),
	KUNIT_CASE(physr_test_validate_total_overflow),
	KUNIT_CASE(physr_test_validate_self_loop),
	KUNIT_CASE(physr_test_validate_cycles),
	KUNIT_CASE(physr_test_validate_long_cycle),
	KUNIT_CASE(physr_test_validate_max_chunks),
	KUNIT_CASE(physr_test_validate_outside),
	KUNIT_CASE(physr_test_validate_unaligned),
	KUNIT_CASE(physr_test_adopt_roundtrip),
	KUNIT_CASE(physr_test_adopt_then_append),
	KUNIT_CASE(physr_test_adopt_kind),
	KUNIT_CASE(physr_test_adopt_corrupt),
	KUNIT_CASE(physr_test_adopt_empty),
	KUNIT_CASE(physr_test_short_forms),
	KUNIT_CASE(physr_test_short_to_chunk),
	KUNIT_CASE(physr_test_short_slices),
	KUNIT_CASE(physr_test_short_back),
	KUNIT_CASE(physr_test_short_preserve),
	KUNIT_CASE(physr_test_short_alloc_fail),
	KUNIT_CASE(physr_test_pack_scattered),
	KUNIT_CASE(physr_test_pack_layout),
	KUNIT_CASE(physr_test_pack_contiguous),
	KUNIT_CASE(physr_test_pack_short),
	KUNIT_CASE(physr_test_pack_empty),
	KUNIT_CASE(physr_test_pack_twice),
	KUNIT_CASE(physr_test_pack_split),
	KUNIT_CASE(physr_test_pack_refused),
	KUNIT_CASE(physr_test_pack_alloc_fail),
	KUNIT_CASE(physr_test_pack_read_only),
	KUNIT_CASE(physr_test_pack_slices),
	KUNIT_CASE(physr_test_pack_blocks),
	KUNIT_CASE(physr_test_iter_copy),
	KUNIT_CASE(physr_test_pack_adopt),
	KUNIT_CASE(physr_test_validate_mixed),
	KUNIT_CASE(physr_test_validate_packed_bad),
	{}
};

static struct kunit_suite physr_test_suite = {
	.name = "physr",
	.test_cases = physr_test_cases,
};

kunit_test_suite(physr_test_suite);

MODULE_DESCRIPTION("KUnit tests for the physr core");
MODULE_LICENSE("GPL");
