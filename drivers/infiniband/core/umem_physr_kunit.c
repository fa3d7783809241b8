// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of ib_umem_get() pinning through a physr list: the list
 * describes the pinned pages with one range per folio run, the scatterlist
 * drivers read is built from it entry for entry, and 6.12's accessors
 * (ib_umem_copy_from(), rdma_umem_for_each_dma_block(),
 * ib_umem_find_best_pgsz()) work on it.
 *
 * Two devices: a bare &struct ib_device with no DMA device, which maps as
 * the software providers (rxe, siw) do (the DMA address of a page is its
 * kernel virtual address), and one whose DMA device is a KUnit device with
 * a 64-bit mask and no IOMMU, which ib_umem_get() maps with
 * dma_map_physr() through dma-direct: every block address the iterator
 * gives is then checked against the physical address of the user page it
 * must be, and the bytes read there against the pattern the test wrote.
 * Both again with &ib_device.umem_physr set, as rxe and siw set it: the
 * umem has no scatterlist, and the same walks go over its list (software
 * device: the ranges' kernel addresses) or its DMA segments.
 */
#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/dma-physr.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/physr.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>
#include <rdma/iter.h>

struct umem_test {
	struct ib_device *dev;
	unsigned long buf;	/* user mapping, 2 MiB aligned */
	u8 *page;		/* a page of scratch */
};

/* The byte written at offset @i of the test's user mapping. */
static u8 pat(unsigned long i)
{
	return (i * 7 + (i >> 12)) & 0xff;
}

/* Fill @p with the pattern of the @len bytes at offset @off. */
static void pat_fill(u8 *p, unsigned long off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pat(off + i);
}

/* Index of the first byte of @p that is not the pattern at @off, or -1. */
static long pat_check(const u8 *p, unsigned long off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != pat(off + i))
			return i;
	return -1;
}

/* Write the pattern into @len bytes of user memory at @uaddr. */
static int pat_write(u8 *page, unsigned long uaddr, size_t len)
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = min_t(size_t, PAGE_SIZE, len - done);
		pat_fill(page, done, n);
		if (copy_to_user((void __user *)(uaddr + done), page, n))
			return -EFAULT;
	}
	return 0;
}

#define UMEM_TEST_LEN	(4 * SZ_2M)

static int umem_test_init(struct kunit *test)
{
	struct umem_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned long map;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->dev = kunit_kzalloc(test, sizeof(*t->dev), GFP_KERNEL);
	t->page = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->dev);
	KUNIT_ASSERT_NOT_NULL(test, t->page);
	map = kunit_vm_mmap(test, NULL, 0, UMEM_TEST_LEN + SZ_2M,
			    PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE_MSG(test, !map || IS_ERR_VALUE(map),
			       "cannot mmap user memory");
	t->buf = ALIGN(map, SZ_2M);
	/* faults the memory in: THP where the kernel gives it */
	KUNIT_ASSERT_EQ(test, pat_write(t->page, t->buf, UMEM_TEST_LEN), 0);
	test->priv = t;
	return 0;
}

/*
 * The list and the table describe the same pages in the same order, each
 * range physically contiguous, each page pinned; returns the range count.
 */
static u64 expect_list_is_table(struct kunit *test, struct ib_umem *umem)
{
	const struct physr *pr = physr_pinned_list(umem->pin);
	struct sg_table *sgt = &umem->sgt_append.sgt;
	struct scatterlist *sg = sgt->sgl;
	struct physr_range r;
	struct physr_iter it;
	u64 n = 0;

	KUNIT_EXPECT_TRUE(test, umem->is_physr);
	KUNIT_EXPECT_EQ(test, physr_total_bytes(pr),
			(u64)ib_umem_num_pages(umem) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, (u64)sgt->orig_nents, physr_nr_ranges(pr));
	physr_for_each_range(pr, &it, &r) {
		KUNIT_ASSERT_NOT_NULL(test, sg);
		KUNIT_EXPECT_EQ(test, PFN_PHYS(page_to_pfn(sg_page(sg))) + sg->offset,
				r.phys);
		KUNIT_EXPECT_EQ(test, (u64)sg->length, r.len);
		/* software devices: the DMA address is the kernel address */
		KUNIT_EXPECT_EQ(test, (u64)sg_dma_address(sg), (u64)(uintptr_t)sg_virt(sg));
		KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(page_folio(sg_page(sg))));
		sg = sg_next(sg);
		n++;
	}
	KUNIT_EXPECT_NULL(test, sg);
	return n;
}

/* A THP-backed region: one range per huge folio (or per run of them). */
static void umem_physr_test_thp(struct kunit *test)
{
	struct umem_test *t = test->priv;
	unsigned long pfn, huge = 0;
	struct ib_umem *umem;
	u64 ranges;

	umem = ib_umem_get(t->dev, t->buf, UMEM_TEST_LEN, IB_ACCESS_LOCAL_WRITE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
	ranges = expect_list_is_table(test, umem);
	for (pfn = 0; pfn < UMEM_TEST_LEN / PAGE_SIZE; pfn += SZ_2M / PAGE_SIZE) {
		struct page *page;

		if (get_user_pages_fast(t->buf + pfn * PAGE_SIZE, 1, 0, &page) != 1)
			continue;
		huge += folio_size(page_folio(page)) >= SZ_2M;
		put_page(page);
	}
	kunit_info(test, "%u MiB: %llu ranges, %lu of %u 2 MiB folios\n",
		   UMEM_TEST_LEN >> 20, ranges, huge, UMEM_TEST_LEN / SZ_2M);
	if (huge == UMEM_TEST_LEN / SZ_2M) {
		/* 6.12's table had an entry per page unless pages merged */
		KUNIT_EXPECT_LE(test, ranges, (u64)UMEM_TEST_LEN / SZ_2M);
		KUNIT_EXPECT_EQ(test, ib_umem_find_best_pgsz(umem, SZ_4K | SZ_2M,
							     t->buf), (unsigned long)SZ_2M);
	} else {
		kunit_info(test, "not all THP: range count not checked\n");
		KUNIT_EXPECT_EQ(test, ib_umem_find_best_pgsz(umem, SZ_4K, t->buf),
				(unsigned long)SZ_4K);
	}
	ib_umem_release(umem);
}

/* 4 KiB pages: still one range per physically contiguous run. */
static void umem_physr_test_small_pages(struct kunit *test)
{
	struct umem_test *t = test->priv;
	unsigned long len = 64 * PAGE_SIZE, addr;
	struct ib_umem *umem;
	u64 ranges;

	addr = kunit_vm_mmap(test, NULL, 0, len, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !addr || IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, pat_write(t->page, addr, len), 0);
	umem = ib_umem_get(t->dev, addr, len, IB_ACCESS_LOCAL_WRITE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
	ranges = expect_list_is_table(test, umem);
	KUNIT_EXPECT_GE(test, ranges, 1ULL);
	KUNIT_EXPECT_LE(test, ranges, 64ULL);
	ib_umem_release(umem);
}

/* Blocks: every page of the region once, in order, at its address. */
static void umem_physr_test_blocks(struct kunit *test)
{
	struct umem_test *t = test->priv;
	unsigned long off = 100, len = 5 * PAGE_SIZE;
	struct ib_block_iter biter;
	struct ib_umem *umem;
	size_t n = 0;
	u8 *buf;

	umem = ib_umem_get(t->dev, t->buf + off, len, IB_ACCESS_LOCAL_WRITE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
	expect_list_is_table(test, umem);
	KUNIT_EXPECT_EQ(test, ib_umem_num_pages(umem), (size_t)6);
	KUNIT_EXPECT_EQ(test, ib_umem_offset(umem), (int)off);
	rdma_umem_for_each_dma_block(umem, &biter, PAGE_SIZE) {
		u8 *p = (u8 *)(uintptr_t)rdma_block_iter_dma_address(&biter);

		/* the block's bytes are the user's bytes of that page */
		KUNIT_EXPECT_EQ(test, pat_check(p, n * PAGE_SIZE, PAGE_SIZE), -1L);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, ib_umem_num_dma_blocks(umem, PAGE_SIZE));

	/* the sg accessor reads from the umem's first byte */
	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, ib_umem_copy_from(buf, umem, 0, len), 0);
	KUNIT_EXPECT_EQ(test, pat_check(buf, off, len), -1L);
	KUNIT_EXPECT_EQ(test, ib_umem_copy_from(buf, umem, 1, len), -EINVAL);
	ib_umem_release(umem);
}

/* Bad input: the documented errno, nothing left pinned or accounted. */
static void umem_physr_test_errors(struct kunit *test)
{
	struct umem_test *t = test->priv;
	s64 before = atomic64_read(&current->mm->pinned_vm);
	struct ib_umem *umem;

	umem = ib_umem_get(t->dev, t->buf, 0, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(umem), -EINVAL);
	umem = ib_umem_get(t->dev, ULONG_MAX - PAGE_SIZE, 2 * PAGE_SIZE, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(umem), -EINVAL);
	umem = ib_umem_get(t->dev, t->buf, PAGE_SIZE, IB_ACCESS_ON_DEMAND);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(umem), -EOPNOTSUPP);
	/* the end of the region is past the mapping */
	umem = ib_umem_get(t->dev, t->buf + UMEM_TEST_LEN + SZ_2M - PAGE_SIZE,
			   SZ_2M, 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR(umem));
	if (!IS_ERR(umem))
		ib_umem_release(umem);
	KUNIT_EXPECT_EQ(test, atomic64_read(&current->mm->pinned_vm), before);
}

/*
 * A device that ib_umem_get() maps with dma_map_physr(): dma-direct. Its
 * segments may be 2 GiB long, as RDMA drivers set for their devices (a
 * device without DMA parameters would get 64 KiB segments).
 */
static struct ib_device *umem_test_dma_dev(struct kunit *test)
{
	struct ib_device *ibdev = kunit_kzalloc(test, sizeof(*ibdev), GFP_KERNEL);
	struct device *dev;

	KUNIT_ASSERT_NOT_NULL(test, ibdev);
	dev = kunit_device_register(test, "ib_umem_physr_dma");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	dev->dma_mask = &dev->coherent_dma_mask;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	dev->dma_parms = kunit_kzalloc(test, sizeof(*dev->dma_parms), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev->dma_parms);
	dma_set_max_seg_size(dev, SZ_2G);
	KUNIT_ASSERT_EQ(test, dma_get_max_seg_size(dev), SZ_2G);
	ibdev->dma_device = dev;
	return ibdev;
}

/* Physical address of the byte at user address @va (pinned: stays put). */
static phys_addr_t user_phys(struct kunit *test, unsigned long va)
{
	struct page *page;
	phys_addr_t phys;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(va & PAGE_MASK, 1, 0, &page), 1);
	phys = page_to_phys(page) + (va & ~PAGE_MASK);
	put_page(page);
	return phys;
}

/* The DMA address @dev must use for the byte at user address @va. */
static dma_addr_t user_dma(struct kunit *test, struct ib_device *dev,
			   unsigned long va)
{
	phys_addr_t phys = user_phys(test, va);

	if (!dev->dma_device)
		return (uintptr_t)phys_to_virt(phys);
	return phys_to_dma(dev->dma_device, phys);
}

/* The kernel address of the byte at DMA address @dma of @dev. */
static u8 *dma_to_kaddr(struct ib_device *dev, dma_addr_t dma)
{
	if (!dev->dma_device)
		return (u8 *)(uintptr_t)dma;
	return phys_to_virt(dma_to_phys(dev->dma_device, dma));
}

/*
 * Walk @umem in blocks of @pgsz: exactly ib_umem_num_dma_blocks() of them,
 * each at the aligned DMA address of the user pages it covers; for
 * PAGE_SIZE blocks the bytes there are the user's (@base: the address of
 * the pattern's first byte).
 */
static void expect_blocks(struct kunit *test, struct ib_device *dev,
			  struct ib_umem *umem, unsigned long pgsz,
			  unsigned long base)
{
	unsigned long first = ALIGN_DOWN(umem->address, pgsz);
	struct ib_block_iter biter;
	size_t n = 0;

	rdma_umem_for_each_dma_block(umem, &biter, pgsz) {
		dma_addr_t got = rdma_block_iter_dma_address(&biter);
		unsigned long va = max(first + n * pgsz, umem->address);

		KUNIT_EXPECT_EQ_MSG(test, (u64)got,
				    (u64)ALIGN_DOWN(user_dma(test, dev, va), pgsz),
				    "block %zu of %lu bytes", n, pgsz);
		if (pgsz == PAGE_SIZE) {
			u8 *p = dma_to_kaddr(dev, got);

			KUNIT_EXPECT_EQ(test, pat_check(p, (va & PAGE_MASK) - base,
							PAGE_SIZE), -1L);
		}
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, ib_umem_num_dma_blocks(umem, pgsz));
}

/* A copy of @dev that reads its umems' lists: no scatterlist for them. */
static struct ib_device *umem_test_no_sg(struct kunit *test,
					 struct ib_device *dev)
{
	struct ib_device *ibdev = kunit_kmalloc(test, sizeof(*ibdev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ibdev);
	*ibdev = *dev;
	ibdev->umem_physr = 1;
	return ibdev;
}

/*
 * A umem of a device that reads the list (umem_physr): no scatterlist, the
 * list holds every pinned page in order; a software device has no segment
 * array either (the walks read the list), a DMA device has the segments
 * of dma_map_physr().
 */
static void expect_no_sg(struct kunit *test, struct ib_device *dev,
			 struct ib_umem *umem)
{
	const struct physr *pr = ib_umem_physr(umem);
	unsigned long va = umem->address & PAGE_MASK;
	struct physr_range r;
	struct physr_iter it;
	u64 total = 0, off;
	u32 nr;

	KUNIT_EXPECT_TRUE(test, umem->no_sg);
	KUNIT_EXPECT_NULL(test, umem->sgt_append.sgt.sgl);
	KUNIT_EXPECT_EQ(test, umem->sgt_append.sgt.orig_nents, 0U);
	KUNIT_ASSERT_NOT_NULL(test, pr);
	physr_for_each_range(pr, &it, &r) {
		for (off = 0; off < r.len; off += PAGE_SIZE) {
			struct page *page = pfn_to_page(PHYS_PFN(r.phys + off));

			KUNIT_EXPECT_EQ(test, r.phys + off,
					(u64)user_phys(test, va + total + off));
			KUNIT_EXPECT_TRUE(test,
					  folio_maybe_dma_pinned(page_folio(page)));
		}
		total += r.len;
	}
	KUNIT_EXPECT_EQ(test, total, (u64)ib_umem_num_pages(umem) * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, !!ib_umem_dma_segs(umem, &nr), !!dev->dma_device);
	KUNIT_EXPECT_EQ(test, (u64)ib_umem_first_dma(umem),
			(u64)user_dma(test, dev, va));
}

/*
 * The DMA side of a umem: its segments cover the pinned pages in order,
 * each byte at the DMA address of its page, and the scatterlist's DMA side
 * (for the drivers that read it) says the same, split at the device's
 * largest segment.  Returns the segment count (for a software device
 * without a scatterlist, which has no segments: the range count).
 */
static u32 expect_dma_segs(struct kunit *test, struct ib_device *dev,
			   struct ib_umem *umem)
{
	unsigned long va = umem->address & PAGE_MASK;
	const struct dma_physr_seg *seg;
	struct scatterlist *sg;
	u64 total = 0, off;
	u32 nr, i;

	if (dev->umem_physr) {
		expect_no_sg(test, dev, umem);
		if (!dev->dma_device)
			return physr_nr_ranges(ib_umem_physr(umem));
	}
	seg = ib_umem_dma_segs(umem, &nr);
	KUNIT_ASSERT_NOT_NULL(test, seg);
	KUNIT_EXPECT_EQ(test, (bool)umem->dma_physr, !!dev->dma_device);
	for (i = 0; i < nr; i++, seg++) {
		for (off = 0; off < seg->len; off += PAGE_SIZE)
			KUNIT_EXPECT_EQ(test, (u64)seg->addr + off,
					(u64)user_dma(test, dev, va + total + off));
		total += seg->len;
	}
	KUNIT_EXPECT_EQ(test, total, (u64)ib_umem_num_pages(umem) * PAGE_SIZE);
	if (dev->umem_physr)
		return nr;

	seg = ib_umem_dma_segs(umem, &nr);
	total = 0;
	for_each_sgtable_dma_sg(&umem->sgt_append.sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, (u64)sg_dma_address(sg),
				(u64)user_dma(test, dev, va + total));
		KUNIT_EXPECT_LE(test, sg_dma_len(sg), ib_dma_max_seg_size(dev));
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, total, (u64)ib_umem_num_pages(umem) * PAGE_SIZE);
	return nr;
}

/* Whether the 2 MiB of the test's mapping at @off are one huge folio. */
static bool umem_test_huge(struct kunit *test, unsigned long va)
{
	struct page *page;
	bool huge;

	if (get_user_pages_fast(va, 1, 0, &page) != 1)
		return false;
	huge = folio_size(page_folio(page)) >= SZ_2M;
	put_page(page);
	return huge;
}

/*
 * DMA mapped with dma_map_physr(): segments, scatterlist DMA side, blocks
 * of 4 KiB and (on THP) 2 MiB, and the best page size, for the whole
 * region and for windows of it.
 */
static void umem_physr_test_dma_map(struct kunit *test)
{
	struct umem_test *t = test->priv;
	struct ib_device *dev = umem_test_dma_dev(test);
	bool thp = true;
	struct ib_umem *umem;
	unsigned long off;
	u32 nr;

	for (off = 0; off < UMEM_TEST_LEN; off += SZ_2M)
		thp &= umem_test_huge(test, t->buf + off);

	umem = ib_umem_get(dev, t->buf, UMEM_TEST_LEN, IB_ACCESS_LOCAL_WRITE);
	KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
	nr = expect_dma_segs(test, dev, umem);
	expect_blocks(test, dev, umem, PAGE_SIZE, t->buf);
	kunit_info(test, "%u MiB %s: %u DMA segments\n", UMEM_TEST_LEN >> 20,
		   thp ? "THP" : "(not all THP)", nr);
	if (thp) {
		KUNIT_EXPECT_LE(test, nr, (u32)(UMEM_TEST_LEN / SZ_2M));
		KUNIT_EXPECT_EQ(test, ib_umem_find_best_pgsz(umem, SZ_4K | SZ_2M,
							     t->buf), (unsigned long)SZ_2M);
		expect_blocks(test, dev, umem, SZ_2M, t->buf);
		/* an IOVA that keeps the 2 MiB alignment keeps the page size */
		KUNIT_EXPECT_EQ(test, ib_umem_find_best_pgsz(umem, SZ_4K | SZ_2M,
							     SZ_1G), (unsigned long)SZ_2M);
		/* one that does not, falls back to 4 KiB */
		KUNIT_EXPECT_EQ(test, ib_umem_find_best_pgsz(umem, SZ_4K | SZ_2M,
							     SZ_1G + SZ_4K), (unsigned long)SZ_4K);
	}
	ib_umem_release(umem);
}

/* The best page size of @umem at IOVA @iova, of 4 KiB and 2 MiB. */
static unsigned long best_pgsz(struct ib_umem *umem, u64 iova)
{
	return ib_umem_find_best_pgsz(umem, SZ_4K | SZ_2M, iova);
}

/*
 * Slices: a window that starts mid-page and crosses a folio boundary, and
 * one that is a single huge folio less its first and last page, on both
 * devices, with and without a scatterlist.
 */
static void umem_physr_test_slices(struct kunit *test)
{
	struct umem_test *t = test->priv;
	struct ib_device *dma_dev = umem_test_dma_dev(test);
	struct ib_device *devs[] = {
		t->dev, dma_dev,
		umem_test_no_sg(test, t->dev), umem_test_no_sg(test, dma_dev),
	};
	unsigned long start, len;
	struct ib_umem *umem;
	int i;

	for (i = 0; i < ARRAY_SIZE(devs); i++) {
		start = t->buf + SZ_2M - 3 * PAGE_SIZE + 5;
		len = 6 * PAGE_SIZE;
		umem = ib_umem_get(devs[i], start, len, IB_ACCESS_LOCAL_WRITE);
		KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
		KUNIT_EXPECT_EQ(test, ib_umem_num_pages(umem), (size_t)7);
		expect_dma_segs(test, devs[i], umem);
		expect_blocks(test, devs[i], umem, PAGE_SIZE, t->buf);
		/*
		 * Across two huge folios, wherever they are, 2 MiB blocks
		 * work: the VA crosses at a 2 MiB boundary, where each
		 * folio starts or ends.  With small pages, 4 KiB only.
		 */
		if (umem_test_huge(test, t->buf) &&
		    umem_test_huge(test, t->buf + SZ_2M)) {
			KUNIT_EXPECT_EQ(test, best_pgsz(umem, start),
					(unsigned long)SZ_2M);
			KUNIT_EXPECT_EQ(test, ib_umem_num_dma_blocks(umem, SZ_2M),
					(size_t)2);
			expect_blocks(test, devs[i], umem, SZ_2M, t->buf);
		} else {
			KUNIT_EXPECT_EQ(test, best_pgsz(umem, start),
					(unsigned long)SZ_4K);
		}
		ib_umem_release(umem);

		start = t->buf + SZ_2M + PAGE_SIZE;
		len = SZ_2M - 2 * PAGE_SIZE;
		umem = ib_umem_get(devs[i], start, len, IB_ACCESS_LOCAL_WRITE);
		KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
		expect_dma_segs(test, devs[i], umem);
		expect_blocks(test, devs[i], umem, PAGE_SIZE, t->buf);
		if (umem_test_huge(test, t->buf + SZ_2M)) {
			/* inside one 2 MiB folio, aligned as the VA: one block */
			KUNIT_EXPECT_EQ(test, best_pgsz(umem, start),
					(unsigned long)SZ_2M);
			KUNIT_EXPECT_EQ(test, ib_umem_num_dma_blocks(umem, SZ_2M),
					(size_t)1);
			expect_blocks(test, devs[i], umem, SZ_2M, t->buf);
		}
		ib_umem_release(umem);
	}
}

/*
 * No scatterlist (umem_physr, as rxe and siw): the whole THP region and a
 * window of 4 KiB pages on a software device and a DMA device, walked in
 * 4 KiB and 2 MiB blocks, its best page size, ib_umem_copy_from().
 */
static void umem_physr_test_no_sg(struct kunit *test)
{
	struct umem_test *t = test->priv;
	struct ib_device *devs[] = {
		umem_test_no_sg(test, t->dev),
		umem_test_no_sg(test, umem_test_dma_dev(test)),
	};
	unsigned long off = 100, len = 5 * PAGE_SIZE, small;
	struct ib_umem *umem;
	bool thp = true;
	u32 nr;
	u8 *buf;
	int i;

	for (small = 0; small < UMEM_TEST_LEN; small += SZ_2M)
		thp &= umem_test_huge(test, t->buf + small);
	small = kunit_vm_mmap(test, NULL, 0, 64 * PAGE_SIZE,
			      PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, !small || IS_ERR_VALUE(small));
	KUNIT_ASSERT_EQ(test, pat_write(t->page, small, 64 * PAGE_SIZE), 0);
	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	for (i = 0; i < ARRAY_SIZE(devs); i++) {
		umem = ib_umem_get(devs[i], t->buf, UMEM_TEST_LEN,
				   IB_ACCESS_LOCAL_WRITE);
		KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
		nr = expect_dma_segs(test, devs[i], umem);
		expect_blocks(test, devs[i], umem, PAGE_SIZE, t->buf);
		kunit_info(test, "%s device, %u MiB %s: %u %s, no scatterlist\n",
			   devs[i]->dma_device ? "DMA" : "software",
			   UMEM_TEST_LEN >> 20, thp ? "THP" : "(not all THP)",
			   nr, devs[i]->dma_device ? "DMA segments" : "ranges");
		if (thp) {
			KUNIT_EXPECT_LE(test, nr, (u32)(UMEM_TEST_LEN / SZ_2M));
			KUNIT_EXPECT_EQ(test, best_pgsz(umem, t->buf),
					(unsigned long)SZ_2M);
			expect_blocks(test, devs[i], umem, SZ_2M, t->buf);
			KUNIT_EXPECT_EQ(test, best_pgsz(umem, SZ_1G + SZ_4K),
					(unsigned long)SZ_4K);
		}
		ib_umem_release(umem);

		/* 4 KiB pages, from mid-page */
		umem = ib_umem_get(devs[i], small + off, len, IB_ACCESS_LOCAL_WRITE);
		KUNIT_ASSERT_FALSE(test, IS_ERR(umem));
		expect_dma_segs(test, devs[i], umem);
		KUNIT_EXPECT_EQ(test, ib_umem_num_pages(umem), (size_t)6);
		expect_blocks(test, devs[i], umem, PAGE_SIZE, small);
		KUNIT_EXPECT_EQ(test, best_pgsz(umem, small + off),
				(unsigned long)SZ_4K);
		memset(buf, 0, len);
		KUNIT_EXPECT_EQ(test, ib_umem_copy_from(buf, umem, 0, len), 0);
		KUNIT_EXPECT_EQ(test, pat_check(buf, off, len), -1L);
		memset(buf, 0, len);
		KUNIT_EXPECT_EQ(test, ib_umem_copy_from(buf, umem, 3, len - 3), 0);
		KUNIT_EXPECT_EQ(test, pat_check(buf, off + 3, len - 3), -1L);
		KUNIT_EXPECT_EQ(test, ib_umem_copy_from(buf, umem, 1, len), -EINVAL);
		ib_umem_release(umem);
	}
}

static struct kunit_case umem_physr_cases[] = {
	KUNIT_CASE(umem_physr_test_thp),
	KUNIT_CASE(umem_physr_test_small_pages),
	KUNIT_CASE(umem_physr_test_blocks),
	KUNIT_CASE(umem_physr_test_errors),
	KUNIT_CASE(umem_physr_test_dma_map),
	KUNIT_CASE(umem_physr_test_slices),
	KUNIT_CASE(umem_physr_test_no_sg),
	{}
};

static struct kunit_suite umem_physr_suite = {
	.name = "ib_umem_physr",
	.init = umem_test_init,
	.test_cases = umem_physr_cases,
};

kunit_test_suite(umem_physr_suite);

MODULE_DESCRIPTION("KUnit tests of ib_umem pinned through physr");
MODULE_LICENSE("GPL");
