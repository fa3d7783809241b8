// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the page lists of siw's user memory regions (struct
 * siw_umem): filled from the scatterlist of 6.12's pinning
 * (ib_uverbs.umem_sg=1) and from the umem's physr list.  Included by
 * siw_mem.c (CONFIG_RDMA_SIW_KUNIT_TEST) for its static functions.
 *
 * A source that holds exactly the region's pages fills its chunk lists in
 * order; a longer table fills the region and stops (a longer physr list
 * is refused: the pin gave another region); a shorter one is refused
 * with -EINVAL, and every chunk list allocated by then is one that
 * siw_umem_release() frees (the lists of the chunks that umem->num_pages
 * reaches).  Before, the scatterlist loop went on past the end of the
 * table: it started a new chunk list for every missing page, each with a
 * page it made up, and returned success; the lists beyond those the
 * count reaches leaked.
 */
#include <kunit/test.h>
#include <linux/scatterlist.h>

#define SIW_KUNIT_PAGES		(PAGES_PER_CHUNK + 3)

struct siw_umem_kunit {
	struct page *pages[SIW_KUNIT_PAGES + 1];
};

static int siw_umem_kunit_init(struct kunit *test)
{
	struct siw_umem_kunit *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (i = 0; i < ARRAY_SIZE(t->pages); i++) {
		t->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, t->pages[i]);
	}
	test->priv = t;
	return 0;
}

static void siw_umem_kunit_exit(struct kunit *test)
{
	struct siw_umem_kunit *t = test->priv;
	int i;

	for (i = 0; t && i < ARRAY_SIZE(t->pages); i++)
		if (t->pages[i])
			__free_page(t->pages[i]);
}

/* An empty region of @num_pages pages, as siw_umem_get() allocates it. */
static struct siw_umem *siw_kunit_umem(struct kunit *test, int num_pages)
{
	struct siw_umem *umem = kzalloc(sizeof(*umem), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, umem);
	umem->page_chunk = kcalloc((num_pages >> CHUNK_SHIFT) + 1,
				   sizeof(struct siw_page_chunk), GFP_KERNEL);
	if (!umem->page_chunk)
		kfree(umem);
	KUNIT_ASSERT_NOT_NULL(test, umem->page_chunk);
	return umem;
}

/*
 * Every list allocated is one siw_umem_release() frees, and the region's
 * pages are the first ones of the source, in order.  Frees the region.
 */
static void siw_kunit_check_release(struct kunit *test, struct siw_umem *umem,
				    int num_pages)
{
	struct siw_umem_kunit *t = test->priv;
	int freed = DIV_ROUND_UP(umem->num_pages, PAGES_PER_CHUNK);
	int nr_chunks = (num_pages >> CHUNK_SHIFT) + 1;
	int i;

	for (i = freed; i < nr_chunks; i++)
		KUNIT_EXPECT_PTR_EQ_MSG(test, umem->page_chunk[i].plist, NULL,
					"chunk %d of %d has a list that the release does not free (%d pages counted)",
					i, nr_chunks, umem->num_pages);
	for (i = 0; i < umem->num_pages; i++) {
		struct page **plist = umem->page_chunk[i / PAGES_PER_CHUNK].plist;

		KUNIT_EXPECT_PTR_EQ(test, plist[i % PAGES_PER_CHUNK],
				    t->pages[i]);
	}
	siw_umem_release(umem);
}

/* A table of @nr single-page entries: the test's pages in order. */
static void siw_kunit_sgt(struct kunit *test, struct sg_table *sgt, int nr)
{
	struct siw_umem_kunit *t = test->priv;
	struct scatterlist *sg;
	int i;

	KUNIT_ASSERT_EQ(test, sg_alloc_table(sgt, nr, GFP_KERNEL), 0);
	for_each_sg(sgt->sgl, sg, nr, i)
		sg_set_page(sg, t->pages[i], PAGE_SIZE, 0);
}

/* A table of @nr pages (@nr >= the region's) fills the region, and stops. */
static void siw_kunit_sgt_fills(struct kunit *test, int nr)
{
	struct siw_umem *umem = siw_kunit_umem(test, SIW_KUNIT_PAGES);
	struct sg_table sgt;

	siw_kunit_sgt(test, &sgt, nr);
	KUNIT_EXPECT_EQ(test, siw_umem_fill_from_sgt(umem, &sgt,
						     SIW_KUNIT_PAGES), 0);
	KUNIT_EXPECT_EQ(test, umem->num_pages, SIW_KUNIT_PAGES);
	siw_kunit_check_release(test, umem, SIW_KUNIT_PAGES);
	sg_free_table(&sgt);
}

static void siw_umem_sgt_exact(struct kunit *test)
{
	siw_kunit_sgt_fills(test, SIW_KUNIT_PAGES);
}

static void siw_umem_sgt_longer(struct kunit *test)
{
	siw_kunit_sgt_fills(test, SIW_KUNIT_PAGES + 1);
}

/*
 * A table of @nr pages for a region of @num_pages.  The entries past @nr
 * stay in the allocation (only orig_nents is cut), so that a walk that
 * runs on past the table reads pages, not freed memory.
 */
static void siw_kunit_sgt_short(struct kunit *test, int num_pages, int nr)
{
	struct siw_umem *umem = siw_kunit_umem(test, num_pages);
	struct sg_table sgt;

	siw_kunit_sgt(test, &sgt, nr + 1);
	sgt.orig_nents = nr;
	KUNIT_EXPECT_EQ_MSG(test, siw_umem_fill_from_sgt(umem, &sgt, num_pages),
			    -EINVAL, "a table of %d pages for a region of %d",
			    nr, num_pages);
	KUNIT_EXPECT_EQ(test, umem->num_pages, nr);
	siw_kunit_check_release(test, umem, num_pages);
	sgt.orig_nents = nr + 1;
	sg_free_table(&sgt);
}

/*
 * A table that ends one page before the region: inside the first chunk
 * (the region's second chunk list would be started for a page the table
 * does not have, and not counted by the release), and at the end of the
 * first chunk.
 */
static void siw_umem_sgt_short(struct kunit *test)
{
	siw_kunit_sgt_short(test, PAGES_PER_CHUNK, PAGES_PER_CHUNK - 1);
	siw_kunit_sgt_short(test, PAGES_PER_CHUNK + 1, PAGES_PER_CHUNK);
}

/* A physr list of the test's first @nr pages, a range each. */
static void siw_kunit_physr(struct kunit *test, struct physr *pr, int nr)
{
	struct siw_umem_kunit *t = test->priv;
	int i;

	physr_init(pr);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, physr_append(pr, page_to_phys(t->pages[i]),
						   PAGE_SIZE, GFP_KERNEL), 0);
}

/*
 * A list of the test's first @nr pages for a region of @num_pages: the
 * fill returns @want (and with 0 the region has all its pages); whatever
 * it allocated, the release frees.
 */
static void siw_kunit_physr_fill(struct kunit *test, int num_pages, int nr,
				 int want)
{
	struct siw_umem *umem = siw_kunit_umem(test, num_pages);
	struct physr pr;

	siw_kunit_physr(test, &pr, nr);
	KUNIT_EXPECT_EQ_MSG(test, siw_umem_fill_from_physr(umem, &pr, num_pages),
			    want, "a list of %d pages for a region of %d",
			    nr, num_pages);
	if (!want)
		KUNIT_EXPECT_EQ(test, umem->num_pages, num_pages);
	siw_kunit_check_release(test, umem, num_pages);
	physr_destroy(&pr);
}

static void siw_umem_physr_exact_and_short(struct kunit *test)
{
	siw_kunit_physr_fill(test, SIW_KUNIT_PAGES, SIW_KUNIT_PAGES, 0);
	siw_kunit_physr_fill(test, SIW_KUNIT_PAGES, SIW_KUNIT_PAGES - 1, -EINVAL);
	/* A longer list is refused too: the pin gave a different region. */
	siw_kunit_physr_fill(test, PAGES_PER_CHUNK, PAGES_PER_CHUNK + 1, -EINVAL);
}

static struct kunit_case siw_umem_cases[] = {
	KUNIT_CASE(siw_umem_sgt_exact),
	KUNIT_CASE(siw_umem_sgt_longer),
	KUNIT_CASE(siw_umem_sgt_short),
	KUNIT_CASE(siw_umem_physr_exact_and_short),
	{}
};

static struct kunit_suite siw_umem_suite = {
	.name = "siw_umem",
	.init = siw_umem_kunit_init,
	.exit = siw_umem_kunit_exit,
	.test_cases = siw_umem_cases,
};

kunit_test_suite(siw_umem_suite);
