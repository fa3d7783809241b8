// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the physr helpers that need the memory management core:
 * folios, sg_table conversion, and pinning of user memory and memfds.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/physr.h>
#include <linux/scatterlist.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>

#include "physr_mm.h"

static struct folio *test_folio(struct kunit *test, unsigned int order)
{
	struct folio *folio = folio_alloc(GFP_KERNEL, order);

	KUNIT_ASSERT_NOT_NULL(test, folio);
	return folio;
}

static u64 folio_phys(struct folio *folio)
{
	return PFN_PHYS(folio_pfn(folio));
}

static void physr_mm_test_folio_whole(struct kunit *test)
{
	struct folio *folio = test_folio(test, 0);
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 0, PAGE_SIZE,
						 GFP_KERNEL), 0);
	physr_iter_init(&it, &pr);
	KUNIT_ASSERT_TRUE(test, physr_iter_next(&it, &r));
	KUNIT_EXPECT_EQ(test, r.phys, folio_phys(folio));
	KUNIT_EXPECT_EQ(test, r.len, (u64)PAGE_SIZE);
	KUNIT_EXPECT_FALSE(test, physr_iter_next(&it, &r));
	physr_destroy(&pr);
	folio_put(folio);
}

static void physr_mm_test_folio_merge(struct kunit *test)
{
	struct folio *folio = test_folio(test, 2);
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 0x10, 0xff0,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, PAGE_SIZE,
						 3 * PAGE_SIZE, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 1ULL);
	physr_iter_init(&it, &pr);
	KUNIT_ASSERT_TRUE(test, physr_iter_next(&it, &r));
	KUNIT_EXPECT_EQ(test, r.phys, folio_phys(folio) + 0x10);
	KUNIT_EXPECT_EQ(test, r.len, 4 * PAGE_SIZE - 0x10ULL);
	physr_destroy(&pr);
	folio_put(folio);
}

static void physr_mm_test_folio_bounds(struct kunit *test)
{
	const struct physr_provider prov = { .bar = 0 };
	struct folio *folio = test_folio(test, 1);
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 0,
						 2 * PAGE_SIZE + 1,
						 GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 2 * PAGE_SIZE, 1,
						 GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 1, SIZE_MAX,
						 GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 0, 0,
						 GFP_KERNEL), -EINVAL);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio,
						 2 * PAGE_SIZE - 1, 1,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(&pr), 1ULL);
	physr_destroy(&pr);

	KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, &prov), 0);
	KUNIT_EXPECT_EQ(test, physr_append_folio(&pr, folio, 0, PAGE_SIZE,
						 GFP_KERNEL), -EINVAL);
	physr_destroy(&pr);
	folio_put(folio);
}

static void physr_mm_test_sgtable_basic(struct kunit *test)
{
	struct folio *a = test_folio(test, 0), *b = test_folio(test, 1);
	struct scatterlist *sg;
	struct sg_table sgt;
	struct physr pr;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append_folio(&pr, b, PAGE_SIZE + 5, 7,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append_folio(&pr, a, 0, PAGE_SIZE,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_append_folio(&pr, b, 0, 2 * PAGE_SIZE,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_to_sgtable(&pr, &sgt, 0, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, sgt.orig_nents, 3U);
	sg = sgt.sgl;
	KUNIT_EXPECT_TRUE(test, sg_page(sg) == folio_page(b, 1));
	KUNIT_EXPECT_EQ(test, sg->offset, 5U);
	KUNIT_EXPECT_EQ(test, sg->length, 7U);
	sg = sg_next(sg);
	KUNIT_EXPECT_TRUE(test, sg_page(sg) == folio_page(a, 0));
	KUNIT_EXPECT_EQ(test, sg->offset, 0U);
	KUNIT_EXPECT_EQ(test, sg->length, (unsigned int)PAGE_SIZE);
	sg = sg_next(sg);
	KUNIT_EXPECT_TRUE(test, sg_page(sg) == folio_page(b, 0));
	KUNIT_EXPECT_EQ(test, sg->length, 2 * (unsigned int)PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, sg_is_last(sg));
	sg_free_table(&sgt);
	physr_destroy(&pr);
	folio_put(a);
	folio_put(b);
}

static void physr_mm_test_sgtable_split(struct kunit *test)
{
	struct folio *folio = test_folio(test, 2);
	struct scatterlist *sg;
	struct sg_table sgt;
	struct physr pr;
	unsigned int i;
	u64 sum = 0;

	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append_folio(&pr, folio, 0, 4 * PAGE_SIZE,
						 GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, physr_to_sgtable(&pr, &sgt, PAGE_SIZE,
					       GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, sgt.orig_nents, 4U);
	for_each_sgtable_sg(&sgt, sg, i) {
		KUNIT_EXPECT_TRUE(test, sg_page(sg) == folio_page(folio, i));
		KUNIT_EXPECT_EQ(test, sg->offset, 0U);
		KUNIT_EXPECT_EQ(test, sg->length, (unsigned int)PAGE_SIZE);
	}
	sg_free_table(&sgt);

	/* An odd limit: entries start mid-page but still add up. */
	KUNIT_ASSERT_EQ(test, physr_to_sgtable(&pr, &sgt, 3000, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, sgt.orig_nents,
			(unsigned int)DIV_ROUND_UP(4 * PAGE_SIZE, 3000));
	for_each_sgtable_sg(&sgt, sg, i) {
		KUNIT_EXPECT_LE(test, sg->length, 3000U);
		KUNIT_EXPECT_LT(test, sg->offset, (unsigned int)PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, page_to_phys(sg_page(sg)) + sg->offset,
				(phys_addr_t)(folio_phys(folio) + sum));
		sum += sg->length;
	}
	KUNIT_EXPECT_EQ(test, sum, 4ULL * PAGE_SIZE);
	sg_free_table(&sgt);
	physr_destroy(&pr);
	folio_put(folio);
}

static void physr_mm_test_sgtable_reject(struct kunit *test)
{
	const struct physr_provider prov = { .bar = 1 };
	struct sg_table sgt;
	struct physr pr;

	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_to_sgtable(&pr, &sgt, 0, GFP_KERNEL),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, physr_init_mmio(&pr, &prov), 0);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 0xe0000000, PAGE_SIZE,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_to_sgtable(&pr, &sgt, 0, GFP_KERNEL),
			-EINVAL);
	physr_destroy(&pr);

	/* RAM list naming memory that has no struct page. */
	physr_init(&pr);
	KUNIT_ASSERT_EQ(test, physr_append(&pr, 1ULL << 60, PAGE_SIZE,
					   GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, physr_to_sgtable(&pr, &sgt, 0, GFP_KERNEL),
			-EINVAL);
	physr_destroy(&pr);
}

static unsigned long test_user_buf(struct kunit *test, unsigned long len)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (!addr || IS_ERR_VALUE(addr))
		kunit_skip(test, "cannot mmap user memory");
	return addr;
}

/* Every page of every range is pinned, and the ranges cover @len bytes. */
static void expect_pinned(struct kunit *test, const struct physr *pr,
			  u64 len)
{
	struct physr_range r;
	struct physr_iter it;

	KUNIT_EXPECT_EQ(test, physr_total_bytes(pr), len);
	physr_for_each_range(pr, &it, &r) {
		u64 pfn, last = PHYS_PFN(r.phys + r.len - 1);

		for (pfn = PHYS_PFN(r.phys); pfn <= last; pfn++) {
			struct folio *folio = page_folio(pfn_to_page(pfn));

			KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
		}
	}
}

/*
 * The folios behind each page of a pinned list, and their reference and
 * pin counts (a small folio counts a pin as GUP_PIN_COUNTING_BIAS
 * references, a large one in _pincount).
 */
struct pin_counts {
	unsigned int n;
	struct folio **folio;
	int *ref;
	int *pin;
};

static void pin_counts_read(struct pin_counts *pc)
{
	unsigned int i;

	for (i = 0; i < pc->n; i++) {
		struct folio *folio = pc->folio[i];

		pc->ref[i] = folio_ref_count(folio);
		pc->pin[i] = folio_test_large(folio) ?
			     atomic_read(&folio->_pincount) : 0;
	}
}

static void pin_counts_init(struct kunit *test, struct pin_counts *pc,
			    const struct physr *pr, unsigned int max)
{
	struct physr_range r;
	struct physr_iter it;

	pc->folio = kunit_kcalloc(test, max, sizeof(*pc->folio), GFP_KERNEL);
	pc->ref = kunit_kcalloc(test, max, sizeof(*pc->ref), GFP_KERNEL);
	pc->pin = kunit_kcalloc(test, max, sizeof(*pc->pin), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, pc->folio && pc->ref && pc->pin);
	pc->n = 0;
	physr_for_each_range(pr, &it, &r) {
		u64 pfn, last = PHYS_PFN(r.phys + r.len - 1);

		for (pfn = PHYS_PFN(r.phys); pfn <= last && pc->n < max; pfn++)
			pc->folio[pc->n++] = page_folio(pfn_to_page(pfn));
	}
}

/* Pin with @pin, or fail the test case. */
static struct physr_pinned *expect_pin(struct kunit *test,
				       struct physr_pinned *pin)
{
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pin);
	return pin;
}

/* The counts of @pc now, kept to compare with later. */
static void pin_counts_save(struct kunit *test, struct pin_counts *pc,
			    int **ref0, int **pin0)
{
	pin_counts_read(pc);
	*ref0 = kunit_kcalloc(test, pc->n, sizeof(int), GFP_KERNEL);
	*pin0 = kunit_kcalloc(test, pc->n, sizeof(int), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, *ref0 && *pin0);
	memcpy(*ref0, pc->ref, pc->n * sizeof(int));
	memcpy(*pin0, pc->pin, pc->n * sizeof(int));
}

/* Every count of @pc is back to the saved one, and nothing is pinned. */
static void expect_counts_back(struct kunit *test, struct pin_counts *pc,
			       const int *ref0, const int *pin0)
{
	unsigned int i;

	pin_counts_read(pc);
	for (i = 0; i < pc->n; i++) {
		KUNIT_EXPECT_EQ_MSG(test, pc->ref[i], ref0[i], "page %u", i);
		KUNIT_EXPECT_EQ_MSG(test, pc->pin[i], pin0[i], "page %u", i);
		KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(pc->folio[i]));
	}
}

/*
 * @pin pins the same memory each time. Pin and unpin once to learn which
 * folios back it (they stay allocated: mapped, or in the page cache), then
 * check that a pin raises their counts and that physr_unpin() brings every
 * count back to where it started.
 */
static void expect_unpin_restores(struct kunit *test,
				  struct physr_pinned *(*pin)(void *arg),
				  void *arg)
{
	struct physr_pinned *p = expect_pin(test, pin(arg));
	struct pin_counts pc;
	int *ref0, *pin0;
	unsigned int i;

	pin_counts_init(test, &pc, physr_pinned_list(p), 2048);
	physr_unpin(p);
	pin_counts_save(test, &pc, &ref0, &pin0);

	p = expect_pin(test, pin(arg));
	pin_counts_read(&pc);
	for (i = 0; i < pc.n; i++)
		KUNIT_EXPECT_TRUE(test,
				  pc.ref[i] > ref0[i] || pc.pin[i] > pin0[i]);
	physr_unpin(p);
	expect_counts_back(test, &pc, ref0, pin0);
}

struct test_range {
	u64 phys, len;
};

/* @pr holds exactly the @n ranges of @want, in order */
static void expect_ranges(struct kunit *test, const struct physr *pr,
			  const struct test_range *want, unsigned int n)
{
	struct physr_range r;
	struct physr_iter it;
	unsigned int i = 0;

	KUNIT_EXPECT_EQ(test, physr_nr_ranges(pr), (u64)n);
	physr_iter_init(&it, pr);
	while (physr_iter_next(&it, &r)) {
		KUNIT_ASSERT_LT_MSG(test, i, n, "more ranges than expected");
		KUNIT_EXPECT_EQ_MSG(test, r.phys, want[i].phys, "range %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r.len, want[i].len, "range %u", i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, n);
}

/*
 * physr_add_pages(), the page array walk of physr_pin_user(), on page
 * arrays built by hand (nothing is pinned): the pages of a large folio
 * that one array ends in and the next one continues make one range, and
 * so does a partial first and last page.
 */
static void physr_mm_test_add_pages_split(struct kunit *test)
{
	struct folio *folio = test_folio(test, 4);
	struct page *pages[16];
	size_t off = 0x100, left = 16 * PAGE_SIZE - 0x180;
	struct physr pr;
	unsigned int i;
	int err;

	for (i = 0; i < 16; i++)
		pages[i] = folio_page(folio, i);
	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_add_pages(&pr, pages, 5, &off, &left,
					      GFP_KERNEL, &err), 5U);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, off, (size_t)0);
	KUNIT_EXPECT_EQ(test, left, 11 * PAGE_SIZE - 0x80);
	KUNIT_EXPECT_EQ(test, physr_add_pages(&pr, pages + 5, 11, &off, &left,
					      GFP_KERNEL, &err), 11U);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, left, (size_t)0);
	expect_ranges(test, &pr, (const struct test_range[]){
		{ folio_phys(folio) + 0x100, 16 * PAGE_SIZE - 0x180 } }, 1);
	physr_destroy(&pr);

	/* A page that does not follow the last starts a range of its own */
	physr_init(&pr);
	pages[0] = folio_page(folio, 15);
	pages[1] = folio_page(folio, 0);
	off = 0;
	left = 2 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, physr_add_pages(&pr, pages, 2, &off, &left,
					      GFP_KERNEL, &err), 2U);
	expect_ranges(test, &pr, (const struct test_range[]){
		{ folio_phys(folio) + 15 * PAGE_SIZE, PAGE_SIZE },
		{ folio_phys(folio), PAGE_SIZE } }, 2);
	physr_destroy(&pr);

	/* Pages 3 and 4 swapped: caught inside a stride of the walk */
	for (i = 0; i < 16; i++)
		pages[i] = folio_page(folio, i == 3 ? 4 : i == 4 ? 3 : i);
	physr_init(&pr);
	off = 0;
	left = 16 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, physr_add_pages(&pr, pages, 16, &off, &left,
					      GFP_KERNEL, &err), 16U);
	expect_ranges(test, &pr, (const struct test_range[]){
		{ folio_phys(folio), 3 * PAGE_SIZE },
		{ folio_phys(folio) + 4 * PAGE_SIZE, PAGE_SIZE },
		{ folio_phys(folio) + 3 * PAGE_SIZE, PAGE_SIZE },
		{ folio_phys(folio) + 5 * PAGE_SIZE, 11 * PAGE_SIZE } }, 4);
	physr_destroy(&pr);
	folio_put(folio);
}

/*
 * Folios that are physical neighbours merge into one range whatever
 * folio they belong to; a hole, or neighbours in the wrong order (pages
 * of one large folio mapped out of order), start a new range.
 */
static void physr_mm_test_add_pages_runs(struct kunit *test)
{
	struct page *block = alloc_pages(GFP_KERNEL, 3);
	struct folio *folio = test_folio(test, 2);
	struct page *pages[8];
	size_t off = 0, left;
	struct physr pr;
	unsigned int i;
	u64 base;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, block);
	/* Eight order-0 folios, physically consecutive */
	split_page(block, 3);
	base = PFN_PHYS(page_to_pfn(block));

	/* 0 1 2 3 5 6 7: four neighbours, a hole, three neighbours */
	for (i = 0; i < 7; i++)
		pages[i] = block + (i < 4 ? i : i + 1);
	left = 7 * PAGE_SIZE;
	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_add_pages(&pr, pages, 7, &off, &left,
					      GFP_KERNEL, &err), 7U);
	KUNIT_EXPECT_EQ(test, err, 0);
	expect_ranges(test, &pr, (const struct test_range[]){
		{ base, 4 * PAGE_SIZE },
		{ base + 5 * PAGE_SIZE, 3 * PAGE_SIZE } }, 2);
	physr_destroy(&pr);

	/* Pages 0 2 1 3 of one folio: the same pages, four ranges */
	pages[0] = folio_page(folio, 0);
	pages[1] = folio_page(folio, 2);
	pages[2] = folio_page(folio, 1);
	pages[3] = folio_page(folio, 3);
	left = 4 * PAGE_SIZE;
	physr_init(&pr);
	KUNIT_EXPECT_EQ(test, physr_add_pages(&pr, pages, 4, &off, &left,
					      GFP_KERNEL, &err), 4U);
	expect_ranges(test, &pr, (const struct test_range[]){
		{ folio_phys(folio), PAGE_SIZE },
		{ folio_phys(folio) + 2 * PAGE_SIZE, PAGE_SIZE },
		{ folio_phys(folio) + PAGE_SIZE, PAGE_SIZE },
		{ folio_phys(folio) + 3 * PAGE_SIZE, PAGE_SIZE } }, 4);
	physr_destroy(&pr);

	folio_put(folio);
	for (i = 0; i < 8; i++)
		__free_page(block + i);
}

struct pin_user_arg {
	unsigned long addr;
	u64 len;
	unsigned int flags;
};

static struct physr_pinned *pin_user_cb(void *arg)
{
	struct pin_user_arg *a = arg;

	return physr_pin_user(a->addr, a->len, a->flags, GFP_KERNEL);
}

struct pin_memfd_arg {
	struct file *file;
	loff_t off, len;
	unsigned int flags;
};

static struct physr_pinned *pin_memfd_cb(void *arg)
{
	struct pin_memfd_arg *a = arg;

	return physr_pin_memfd(a->file, a->off, a->len, a->flags, GFP_KERNEL);
}

/* How @pin must be released: the private state of the pin helpers. */
static void expect_pin_state(struct kunit *test,
			     const struct physr_pinned *pin,
			     enum physr_pin_mode mode, bool dirty)
{
	KUNIT_EXPECT_EQ(test, pin->mode, mode);
	KUNIT_EXPECT_EQ(test, pin->dirty, dirty);
	KUNIT_EXPECT_EQ(test, physr_kind_of(physr_pinned_list(pin)),
			PHYSR_RAM);
}

static void physr_mm_test_pin_user(struct kunit *test)
{
	unsigned long addr = test_user_buf(test, 16 * PAGE_SIZE);
	struct physr_pinned *pin;
	const struct physr *pr;

	pin = expect_pin(test, physr_pin_user(addr + 100, 5 * PAGE_SIZE,
					      PHYSR_PIN_WRITE, GFP_KERNEL));
	pr = physr_pinned_list(pin);
	expect_pin_state(test, pin, PHYSR_PINNED_PAGES, true);
	expect_pinned(test, pr, 5 * PAGE_SIZE);
	KUNIT_EXPECT_LE(test, physr_nr_ranges(pr), 6ULL);
	physr_unpin(pin);
	physr_unpin(NULL);

	/* Every pin taken is dropped again */
	expect_unpin_restores(test, pin_user_cb,
			      &(struct pin_user_arg){ addr + 100, 5 * PAGE_SIZE,
						      PHYSR_PIN_WRITE });
}

static void physr_mm_test_pin_user_longterm(struct kunit *test)
{
	unsigned long addr = test_user_buf(test, 1100 * PAGE_SIZE);
	struct physr_pinned *pin;

	/* More pages than one batch of the page array. */
	pin = expect_pin(test, physr_pin_user(addr, 1100 * PAGE_SIZE,
					      PHYSR_PIN_WRITE |
					      PHYSR_PIN_LONGTERM,
					      GFP_KERNEL));
	expect_pinned(test, physr_pinned_list(pin), 1100 * PAGE_SIZE);
	physr_unpin(pin);
	expect_unpin_restores(test, pin_user_cb,
			      &(struct pin_user_arg){ addr, 1100 * PAGE_SIZE,
						      PHYSR_PIN_WRITE |
						      PHYSR_PIN_LONGTERM });
}

static void physr_mm_test_pin_user_small(struct kunit *test)
{
	unsigned long addr = test_user_buf(test, PAGE_SIZE);
	struct physr_pinned *pin;

	/*
	 * Writable: a read-only pin of untouched anonymous memory gets the
	 * shared zero page, which GUP does not pin.
	 */
	pin = expect_pin(test, physr_pin_user(addr + 7, 9, PHYSR_PIN_WRITE,
					      GFP_KERNEL));
	expect_pinned(test, physr_pinned_list(pin), 9);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(physr_pinned_list(pin)), 1ULL);
	physr_unpin(pin);

	/* Read-only: the bytes are described, whatever backs them. */
	pin = expect_pin(test, physr_pin_user(addr + 7, 9, 0, GFP_KERNEL));
	expect_pin_state(test, pin, PHYSR_PINNED_PAGES, false);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(physr_pinned_list(pin)), 9ULL);
	physr_unpin(pin);
}

static void physr_mm_test_pin_user_errors(struct kunit *test)
{
	unsigned long addr = test_user_buf(test, 4 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_user(addr, 0, 0, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_user(addr, PAGE_SIZE, BIT(7),
						     GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_user(ULONG_MAX - 10, 20, 0,
						     GFP_KERNEL)),
			-EOVERFLOW);
	/*
	 * Runs past the mapping: whatever was pinned is released again
	 * (physr_mm_test_pin_user_partial counts the pins).
	 */
	KUNIT_EXPECT_TRUE(test, IS_ERR(physr_pin_user(addr, 8 * PAGE_SIZE, 0,
						      GFP_KERNEL)));
}

/*
 * A pin that fails part way (the range runs past the mapping) drops every
 * pin it took on the pages that were mapped.
 */
static void physr_mm_test_pin_user_partial(struct kunit *test)
{
	unsigned long addr = test_user_buf(test, 4 * PAGE_SIZE);
	struct physr_pinned *pin;
	struct pin_counts pc;
	int *ref0, *pin0;

	pin = expect_pin(test, physr_pin_user(addr, 4 * PAGE_SIZE,
					      PHYSR_PIN_WRITE, GFP_KERNEL));
	pin_counts_init(test, &pc, physr_pinned_list(pin), 8);
	physr_unpin(pin);
	KUNIT_ASSERT_EQ(test, pc.n, 4U);
	pin_counts_save(test, &pc, &ref0, &pin0);

	KUNIT_EXPECT_TRUE(test, IS_ERR(physr_pin_user(addr, 8 * PAGE_SIZE,
						      PHYSR_PIN_WRITE,
						      GFP_KERNEL)));
	expect_counts_back(test, &pc, ref0, pin0);
}

static struct file *test_memfd(struct kunit *test, loff_t size)
{
	struct file *file = shmem_file_setup("physr-kunit", size, 0);

	if (IS_ERR(file))
		kunit_skip(test, "no shmem file");
	return file;
}

static void physr_mm_test_pin_memfd(struct kunit *test)
{
	struct physr_pinned *pin;
	struct file *file;

	/* memfd_alloc_folio() fills holes only with CONFIG_MEMFD_CREATE. */
	if (!IS_ENABLED(CONFIG_MEMFD_CREATE))
		kunit_skip(test, "needs CONFIG_MEMFD_CREATE");
	file = test_memfd(test, 8 * PAGE_SIZE);

	pin = physr_pin_memfd(file, 0x800, 6 * PAGE_SIZE, PHYSR_PIN_WRITE,
			      GFP_KERNEL);
	if (IS_ERR(pin))
		fput(file);
	expect_pin(test, pin);
	expect_pin_state(test, pin, PHYSR_PINNED_FOLIOS, true);
	expect_pinned(test, physr_pinned_list(pin), 6 * PAGE_SIZE);
	physr_unpin(pin);

	pin = physr_pin_memfd(file, 0, 8 * PAGE_SIZE, 0, GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(pin));
	if (!IS_ERR(pin)) {
		expect_pin_state(test, pin, PHYSR_PINNED_FOLIOS, false);
		expect_pinned(test, physr_pinned_list(pin), 8 * PAGE_SIZE);
		physr_unpin(pin);
	}

	/* Every pin taken is dropped again, partial first page included */
	expect_unpin_restores(test, pin_memfd_cb,
			      &(struct pin_memfd_arg){ file, 0x800,
						       6 * PAGE_SIZE,
						       PHYSR_PIN_WRITE });
	expect_unpin_restores(test, pin_memfd_cb,
			      &(struct pin_memfd_arg){ file, 0, 8 * PAGE_SIZE,
						       0 });
	fput(file);
}

static void physr_mm_test_pin_memfd_errors(struct kunit *test)
{
	struct file *file = test_memfd(test, 4 * PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_memfd(file, 0, 5 * PAGE_SIZE,
						      0, GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_memfd(file, -1, PAGE_SIZE, 0,
						      GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_memfd(file, 0, 0, 0,
						      GFP_KERNEL)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_memfd(file, 0, PAGE_SIZE,
						      BIT(7), GFP_KERNEL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(physr_pin_memfd(file, LLONG_MAX, 2, 0,
						      GFP_KERNEL)),
			-EOVERFLOW);
	fput(file);
}

/* Charges seen by a batch pin; charge number @fail_at (from 1) fails */
struct test_acct {
	struct physr_pin_account acct;
	unsigned long charged, calls;
	unsigned int fail_at;
};

static int test_charge(struct physr_pin_account *acct, unsigned long npages)
{
	struct test_acct *ta = container_of(acct, struct test_acct, acct);

	if (++ta->calls == ta->fail_at)
		return -EDQUOT;
	ta->charged += npages;
	return 0;
}

static void test_uncharge(struct physr_pin_account *acct, unsigned long npages)
{
	struct test_acct *ta = container_of(acct, struct test_acct, acct);

	ta->charged -= npages;
}

#define TEST_ACCT(n) { .acct = { test_charge, test_uncharge }, .fail_at = (n) }

/* The folio at page @idx of @file, without a reference (the cache has one) */
static struct folio *cache_folio(struct file *file, pgoff_t idx)
{
	struct folio *folio = filemap_get_folio(file->f_mapping, idx);

	if (IS_ERR(folio))
		return NULL;
	folio_put(folio);
	return folio;
}

/*
 * Physically contiguous runs of the folios of @file behind bytes
 * [@off, @off + @len): what the list of a pin of them must hold.
 */
static u64 cache_runs(struct kunit *test, struct file *file, loff_t off,
		      loff_t len)
{
	pgoff_t idx, last = PHYS_PFN(off + len - 1);
	unsigned long prev = 0;
	u64 runs = 0;

	for (idx = PHYS_PFN(off); idx <= last; idx++) {
		struct folio *folio = cache_folio(file, idx);
		unsigned long pfn;

		KUNIT_ASSERT_NOT_NULL(test, folio);
		pfn = folio_pfn(folio) + (idx - folio->index);
		if (idx == PHYS_PFN(off) || pfn != prev + 1)
			runs++;
		prev = pfn;
	}
	return runs;
}

/* No folio of @file behind [@off, @off + @len) is pinned */
static void expect_cache_unpinned(struct kunit *test, struct file *file,
				  loff_t off, loff_t len)
{
	pgoff_t idx, last = PHYS_PFN(off + len - 1);

	for (idx = PHYS_PFN(off); idx <= last; idx++) {
		struct folio *folio = cache_folio(file, idx);

		if (!folio)
			continue;
		KUNIT_EXPECT_FALSE_MSG(test, folio_maybe_dma_pinned(folio),
				       "page %lu", idx);
		if (folio_test_large(folio))
			KUNIT_EXPECT_EQ(test, atomic_read(&folio->_pincount),
					0);
	}
}

/*
 * Batches of 3 pages over a memfd with holes: the holes are filled, every
 * batch is charged before it is pinned and the charges add up to the
 * pages of the range, the list has one range per physically contiguous
 * run of folios (runs are merged across folios and across batches), and
 * unpinning brings every count back.
 */
static void physr_mm_test_pin_memfd_batches(struct kunit *test)
{
	const loff_t size = 40 * PAGE_SIZE, off = 0x800, len = size - off;
	struct test_acct ta = TEST_ACCT(0);
	struct physr_pinned *pin;
	struct file *file;
	pgoff_t idx;

	if (!IS_ENABLED(CONFIG_MEMFD_CREATE))
		kunit_skip(test, "needs CONFIG_MEMFD_CREATE");
	file = test_memfd(test, size);
	/* Holes: only every third page is there before the pin */
	for (idx = 0; idx < 40; idx += 3) {
		struct folio *folio = shmem_read_folio(file->f_mapping, idx);

		KUNIT_ASSERT_FALSE(test, IS_ERR(folio));
		folio_put(folio);
	}

	pin = __physr_pin_memfd(file, off, len, PHYSR_PIN_WRITE, &ta.acct, 3,
				GFP_KERNEL);
	if (IS_ERR(pin))
		fput(file);
	expect_pin(test, pin);
	expect_pin_state(test, pin, PHYSR_PINNED_FOLIOS, true);
	expect_pinned(test, physr_pinned_list(pin), len);
	KUNIT_EXPECT_EQ(test, ta.charged, 40);
	KUNIT_EXPECT_GE(test, ta.calls, 40 / 3);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(physr_pinned_list(pin)),
			cache_runs(test, file, off, len));
	physr_unpin(pin);
	expect_cache_unpinned(test, file, 0, size);

	/* The same with the default batch, and the counts come back */
	expect_unpin_restores(test, pin_memfd_cb,
			      &(struct pin_memfd_arg){ file, off, len, 0 });
	fput(file);
}

/*
 * A failure in the middle of the batches (the third charge is refused,
 * after two batches were pinned) returns that error, gives back every
 * page charged and leaves no pin.
 */
static void physr_mm_test_pin_memfd_rollback(struct kunit *test)
{
	const loff_t size = 40 * PAGE_SIZE;
	struct test_acct ta = TEST_ACCT(3);
	struct physr_pinned *pin;
	struct pin_counts pc;
	struct file *file;
	int *ref0, *pin0;

	if (!IS_ENABLED(CONFIG_MEMFD_CREATE))
		kunit_skip(test, "needs CONFIG_MEMFD_CREATE");
	file = test_memfd(test, size);
	/* Learn the folios (all allocated by this pin) and their counts */
	pin = physr_pin_memfd(file, 0, size, 0, GFP_KERNEL);
	if (IS_ERR(pin))
		fput(file);
	expect_pin(test, pin);
	pin_counts_init(test, &pc, physr_pinned_list(pin), 40);
	physr_unpin(pin);
	pin_counts_save(test, &pc, &ref0, &pin0);

	pin = __physr_pin_memfd(file, 0, size, 0, &ta.acct, 4, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pin), -EDQUOT);
	if (!IS_ERR(pin))
		physr_unpin(pin);
	KUNIT_EXPECT_EQ(test, ta.calls, 3);
	KUNIT_EXPECT_EQ(test, ta.charged, 0);
	expect_counts_back(test, &pc, ref0, pin0);
	expect_cache_unpinned(test, file, 0, size);
	fput(file);
}

/* A file of tmpfs mounted with huge=always, so that it gets 2 MiB folios */
static struct file *test_huge_memfd(struct kunit *test, loff_t size,
				    struct vfsmount **mnt)
{
	struct file_system_type *type = get_fs_type("tmpfs");
	struct file *file;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) || !type)
		kunit_skip(test, "needs tmpfs with huge pages");
	/* tmpfs is built in: its type needs no module reference put back */
	*mnt = vfs_kern_mount(type, SB_KERNMOUNT, type->name, "huge=always");
	if (IS_ERR(*mnt))
		kunit_skip(test, "cannot mount tmpfs huge=always");
	file = shmem_file_setup_with_mnt(*mnt, "physr-kunit-huge", size, 0);
	if (IS_ERR(file)) {
		kern_unmount(*mnt);
		kunit_skip(test, "no huge shmem file");
	}
	return file;
}

/*
 * Batches of 3 pages over 2 MiB folios, starting a page into the first:
 * the batch boundary falls inside a large folio.  Each folio is pinned
 * once (_pincount 1), the charge grows to the end of the folio before it
 * is pinned and adds up to the pages of the range, each folio is one
 * range or less, and unpinning brings _pincount back to 0.  Then the
 * charge of the rest of a large folio fails: nothing stays pinned or
 * charged.
 */
static void physr_mm_test_pin_memfd_large(struct kunit *test)
{
	const loff_t size = 2 * SZ_2M, off = PAGE_SIZE, len = size - off;
	struct test_acct ta = TEST_ACCT(0), fail = TEST_ACCT(2);
	struct folio *f0, *f1;
	struct physr_pinned *pin;
	struct vfsmount *mnt;
	struct file *file;

	if (!IS_ENABLED(CONFIG_MEMFD_CREATE))
		kunit_skip(test, "needs CONFIG_MEMFD_CREATE");
	file = test_huge_memfd(test, size, &mnt);

	pin = __physr_pin_memfd(file, off, len, PHYSR_PIN_WRITE, &ta.acct, 3,
				GFP_KERNEL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(pin));
	if (IS_ERR(pin))
		goto out;
	f0 = cache_folio(file, 0);
	f1 = cache_folio(file, PHYS_PFN(SZ_2M));
	if (!f0 || !f1 || folio_size(f0) != SZ_2M || folio_size(f1) != SZ_2M) {
		physr_unpin(pin);
		fput(file);
		kern_unmount(mnt);
		kunit_skip(test, "no 2 MiB folios (memory fragmented?)");
	}
	expect_pinned(test, physr_pinned_list(pin), len);
	KUNIT_EXPECT_EQ(test, atomic_read(&f0->_pincount), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&f1->_pincount), 1);
	KUNIT_EXPECT_EQ(test, ta.charged, PHYS_PFN(len));
	/*
	 * The first charge of 3 pages grew to the end of the first folio;
	 * after a round of 2 MiB folios the next charge covers 3 of them
	 * (clamped to the end of the range).
	 */
	KUNIT_EXPECT_EQ(test, ta.calls, 3);
	KUNIT_EXPECT_EQ(test, physr_nr_ranges(physr_pinned_list(pin)),
			folio_pfn(f0) + folio_nr_pages(f0) == folio_pfn(f1) ?
			1 : 2);
	physr_unpin(pin);
	KUNIT_EXPECT_EQ(test, atomic_read(&f0->_pincount), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f1->_pincount), 0);

	/* The charge of the rest of the first folio is refused */
	pin = __physr_pin_memfd(file, off, len, 0, &fail.acct, 3, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pin), -EDQUOT);
	if (!IS_ERR(pin))
		physr_unpin(pin);
	KUNIT_EXPECT_EQ(test, fail.charged, 0);
	expect_cache_unpinned(test, file, 0, size);
out:
	fput(file);
	kern_unmount(mnt);
}

static struct kunit_case physr_mm_test_cases[] = {
	KUNIT_CASE(physr_mm_test_folio_whole),
	KUNIT_CASE(physr_mm_test_folio_merge),
	KUNIT_CASE(physr_mm_test_folio_bounds),
	KUNIT_CASE(physr_mm_test_sgtable_basic),
	KUNIT_CASE(physr_mm_test_sgtable_split),
	KUNIT_CASE(physr_mm_test_sgtable_reject),
	KUNIT_CASE(physr_mm_test_add_pages_split),
	KUNIT_CASE(physr_mm_test_add_pages_runs),
	KUNIT_CASE(physr_mm_test_pin_user),
	KUNIT_CASE(physr_mm_test_pin_user_longterm),
	KUNIT_CASE(physr_mm_test_pin_user_small),
	KUNIT_CASE(physr_mm_test_pin_user_errors),
	KUNIT_CASE(physr_mm_test_pin_user_partial),
	KUNIT_CASE(physr_mm_test_pin_memfd),
	KUNIT_CASE(physr_mm_test_pin_memfd_errors),
	KUNIT_CASE(physr_mm_test_pin_memfd_batches),
	KUNIT_CASE(physr_mm_test_pin_memfd_rollback),
	KUNIT_CASE(physr_mm_test_pin_memfd_large),
	{}
};

static struct kunit_suite physr_mm_test_suite = {
	.name = "physr_mm",
	.test_cases = physr_mm_test_cases,
};

kunit_test_suite(physr_mm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the physr folio, pinning and sg helpers");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
