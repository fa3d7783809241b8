// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the physr core: building, merging, slices, blocks, the
 * chunk layout, the validator and adoption.
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
	{}
};

static struct kunit_suite physr_test_suite = {
	.name = "physr",
	.test_cases = physr_test_cases,
};

kunit_test_suite(physr_test_suite);

MODULE_DESCRIPTION("KUnit tests for the physr core");
MODULE_LICENSE("GPL");
