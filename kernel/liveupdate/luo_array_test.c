// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the preserved arrays, outgoing side (the restore side
 * needs a kexec: see tools/testing/selftests/liveupdate/luo_array_kexec.c).
 * Needs "kho=on" on the kernel command line.
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>

#include "luo_internal.h"

static void luo_array_test_need_kho(struct kunit *test)
{
	if (!kho_is_enabled())
		kunit_skip(test, "KHO is off (boot with kho=on)");
}

static void luo_array_check_layout(struct kunit *test, u32 elem_size, u64 nr)
{
	u32 per_page = PAGE_SIZE / elem_size;
	struct luo_array_hdr *hdr;
	struct luo_array arr;
	u64 i, pages;

	KUNIT_ASSERT_EQ(test, 0, luo_array_alloc(&arr, elem_size, nr));
	pages = DIV_ROUND_UP(nr, per_page);
	KUNIT_EXPECT_EQ(test, arr.nr, nr);
	KUNIT_EXPECT_EQ(test, arr.elem_size, elem_size);
	KUNIT_EXPECT_EQ(test, arr.nr_pages, pages);
	KUNIT_EXPECT_NE(test, luo_array_handle(&arr), 0);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(luo_array_handle(&arr)));
	KUNIT_EXPECT_EQ(test, physr_total_bytes(&arr.list), pages * PAGE_SIZE);

	hdr = phys_to_virt(luo_array_handle(&arr));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->magic), LUO_ARRAY_MAGIC);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->version),
			kho_write_version(LUO_ARRAY_VERSION));
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->elem_size), elem_size);
	/* Version 2 declares the packing; in version 1 the field is 0. */
	KUNIT_EXPECT_EQ(test, le32_to_cpu(hdr->per_page),
			le32_to_cpu(hdr->version) >= 2 ? per_page : 0);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->nr), nr);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->nr_pages), pages);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(hdr->pages),
			(u64)physr_first_chunk(&arr.list));

	/* Zeroed, inside one page each, distinct. */
	for (i = 0; i < nr; i++) {
		u8 *e = luo_array_elem(&arr, i);
		unsigned long off = offset_in_page(e);

		KUNIT_ASSERT_NOT_NULL(test, e);
		KUNIT_EXPECT_LE(test, off + elem_size, PAGE_SIZE);
		KUNIT_EXPECT_TRUE(test, !memchr_inv(e, 0, elem_size));
		memset(e, (u8)(i * 7 + 1), elem_size);
	}
	for (i = 0; i < nr; i++) {
		u8 *e = luo_array_elem(&arr, i);

		KUNIT_EXPECT_TRUE(test, !memchr_inv(e, (u8)(i * 7 + 1),
						    elem_size));
	}
	KUNIT_EXPECT_NULL(test, luo_array_elem(&arr, nr));
	KUNIT_EXPECT_NULL(test, luo_array_elem(&arr, U64_MAX));

	/* Every page is preserved: preserving it again is refused. */
	KUNIT_EXPECT_EQ(test, -EEXIST,
			kho_preserve_folio(virt_to_folio(hdr)));
	if (pages) {
		KUNIT_EXPECT_EQ(test, -EEXIST,
				kho_preserve_folio(page_folio(arr.pages[0])));
		KUNIT_EXPECT_EQ(test, -EEXIST,
				kho_preserve_folio(page_folio(arr.pages[pages - 1])));
	}
	luo_array_free(&arr);
	KUNIT_EXPECT_EQ(test, luo_array_handle(&arr), 0);
	KUNIT_EXPECT_EQ(test, arr.nr, 0);
}

static void luo_array_test_layout(struct kunit *test)
{
	static const u32 sizes[] = { 1, 8, 24, 40, 112, 2049, 4095, 4096 };
	unsigned int i;

	luo_array_test_need_kho(test);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 per_page = PAGE_SIZE / sizes[i];

		luo_array_check_layout(test, sizes[i], 0);
		luo_array_check_layout(test, sizes[i], 1);
		luo_array_check_layout(test, sizes[i], per_page);
		luo_array_check_layout(test, sizes[i], per_page + 1);
		luo_array_check_layout(test, sizes[i], 3 * per_page + 7);
	}
}

/* Enough pages for the physr list to need more than one chunk. */
static void luo_array_test_large(struct kunit *test)
{
	luo_array_test_need_kho(test);
	luo_array_check_layout(test, 4096, 600);
}

static void luo_array_test_bad_args(struct kunit *test)
{
	struct luo_array arr;

	luo_array_test_need_kho(test);
	KUNIT_EXPECT_EQ(test, -EINVAL, luo_array_alloc(&arr, 0, 1));
	KUNIT_EXPECT_EQ(test, 0, luo_array_handle(&arr));
	KUNIT_EXPECT_EQ(test, -EINVAL, luo_array_alloc(&arr, PAGE_SIZE + 1, 1));
	KUNIT_EXPECT_EQ(test, -EOVERFLOW, luo_array_alloc(&arr, 8, U64_MAX));
	KUNIT_EXPECT_EQ(test, -EOVERFLOW,
			luo_array_alloc(&arr, PAGE_SIZE,
					(u64)LUO_ARRAY_MAX_PAGES + 1));
	KUNIT_EXPECT_EQ(test, 0, luo_array_handle(&arr));
	/* Freeing an empty array is a no-op. */
	luo_array_free(&arr);
}

static void luo_array_test_restore_cold(struct kunit *test)
{
	struct luo_array arr;

	if (kho_is_incoming())
		kunit_skip(test, "this kernel has an incoming handover");
	KUNIT_EXPECT_EQ(test, -ENOENT, luo_array_restore(&arr, PAGE_SIZE, 8));
	KUNIT_EXPECT_EQ(test, 0, luo_array_handle(&arr));
}

static struct kunit_case luo_array_test_cases[] = {
	KUNIT_CASE(luo_array_test_layout),
	KUNIT_CASE(luo_array_test_large),
	KUNIT_CASE(luo_array_test_bad_args),
	KUNIT_CASE(luo_array_test_restore_cold),
	{}
};

static struct kunit_suite luo_array_test_suite = {
	.name = "luo_array",
	.test_cases = luo_array_test_cases,
};

kunit_test_suite(luo_array_test_suite);

MODULE_DESCRIPTION("KUnit tests of the live update preserved arrays");
MODULE_LICENSE("GPL");
