// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the physr helpers that need the memory management core:
 * folios, sg_table conversion, and pinning of user memory and memfds.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/file.h>
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

	/* memfd_pin_folios() allocates missing folios only with memfds. */
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

static struct kunit_case physr_mm_test_cases[] = {
	KUNIT_CASE(physr_mm_test_folio_whole),
	KUNIT_CASE(physr_mm_test_folio_merge),
	KUNIT_CASE(physr_mm_test_folio_bounds),
	KUNIT_CASE(physr_mm_test_sgtable_basic),
	KUNIT_CASE(physr_mm_test_sgtable_split),
	KUNIT_CASE(physr_mm_test_sgtable_reject),
	KUNIT_CASE(physr_mm_test_pin_user),
	KUNIT_CASE(physr_mm_test_pin_user_longterm),
	KUNIT_CASE(physr_mm_test_pin_user_small),
	KUNIT_CASE(physr_mm_test_pin_user_errors),
	KUNIT_CASE(physr_mm_test_pin_user_partial),
	KUNIT_CASE(physr_mm_test_pin_memfd),
	KUNIT_CASE(physr_mm_test_pin_memfd_errors),
	{}
};

static struct kunit_suite physr_mm_test_suite = {
	.name = "physr_mm",
	.test_cases = physr_mm_test_cases,
};

kunit_test_suite(physr_mm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the physr folio, pinning and sg helpers");
MODULE_LICENSE("GPL");
