// SPDX-License-Identifier: GPL-2.0
/*
 * physr_dma_bench: map and unmap the same pinned user memory for a device
 * with 6.12's dma_map_sgtable() (table from sg_alloc_table_from_pages())
 * and with dma_map_physr(), and report time per page, __iommu_map() calls
 * and IOTLB syncs of each.
 *
 * Test-only (CONFIG_PHYSR_DMA_BENCH).  The device is QEMU's edu (PCI
 * 1234:11e8), given a 32-bit DMA mask; nothing is transferred, so it
 * needs no driver.  Userspace
 * writes "<uaddr> <len>" (hexadecimal) to /sys/kernel/debug/physr_dma/bench;
 * the two sides are timed in alternate map+unmap rounds (the fastest
 * round of each counts, with GFP_ATOMIC like dma_map_sg() uses),
 * then counted over one more round, and the IOMMU translation of every
 * page of both mappings is checked against the pinned pages.  Reading the
 * file returns one "key value" pair per line.  Driven by
 * tools/testing/selftests/physr/physr_dma_bench.
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dma-physr.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "physr_bench.h"

#define DMA_BENCH_RUNS		9
#define DMA_BENCH_MAX_PAGES	(SZ_256M >> PAGE_SHIFT)

static struct dentry *dma_bench_dir;

struct dma_bench_counts {
	u64 map_calls, sync_maps, flushes;
};

static void dma_bench_snap(struct dma_bench_counts *c)
{
	c->map_calls = atomic64_read(&iommu_bench[IOMMU_BENCH_MAP_CALLS]);
	c->sync_maps = atomic64_read(&iommu_bench[IOMMU_BENCH_SYNC_MAPS]);
	c->flushes = atomic64_read(&iommu_bench[IOMMU_BENCH_IOTLB_FLUSHES]);
}

/* What happened between @a and @b. */
static void dma_bench_diff(struct dma_bench_counts *d,
			   const struct dma_bench_counts *a,
			   const struct dma_bench_counts *b)
{
	d->map_calls = b->map_calls - a->map_calls;
	d->sync_maps = b->sync_maps - a->sync_maps;
	d->flushes = b->flushes - a->flushes;
}

/*
 * The next @len bytes of DMA space, at @addr, translate page by page to
 * the pinned pages from *@idx on.
 */
static int dma_bench_check_seg(struct iommu_domain *domain, struct page **pages,
			       unsigned long nr_pages, unsigned long *idx,
			       dma_addr_t addr, u64 len)
{
	u64 off;

	for (off = 0; off < len; off += PAGE_SIZE, (*idx)++)
		if (*idx >= nr_pages ||
		    iommu_iova_to_phys(domain, addr + off) != page_to_phys(pages[*idx]))
			return -EIO;
	return 0;
}

static int dma_bench_check_sg(struct iommu_domain *domain, struct page **pages,
			      unsigned long nr_pages, struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned long idx = 0;
	unsigned int i;
	int ret;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		ret = dma_bench_check_seg(domain, pages, nr_pages, &idx,
					  sg_dma_address(sg), sg_dma_len(sg));
		if (ret)
			return ret;
	}
	return idx == nr_pages ? 0 : -EIO;
}

static int dma_bench_check_physr(struct iommu_domain *domain, struct page **pages,
				 unsigned long nr_pages, struct dma_physr_map *map)
{
	const struct dma_physr_seg *seg;
	unsigned long idx = 0;
	int ret;

	dma_physr_for_each_seg(map, seg) {
		ret = dma_bench_check_seg(domain, pages, nr_pages, &idx,
					  seg->addr, seg->len);
		if (ret)
			return ret;
	}
	return idx == nr_pages ? 0 : -EIO;
}

struct dma_bench_side {
	u64 ns, map_ns;
	u64 segs;
	struct dma_bench_counts map, unmap, later;
	int check;
};

/* One timed map+unmap round of each side; the fastest round counts. */
static int dma_bench_round_sg(struct device *dev, struct sg_table *sgt,
			      struct dma_bench_side *s)
{
	u64 t0, t1;
	int ret;

	t0 = ktime_get_ns();
	ret = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return ret;
	t1 = ktime_get_ns();
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	s->ns = min(s->ns, ktime_get_ns() - t0);
	s->map_ns = min(s->map_ns, t1 - t0);
	return 0;
}

static int dma_bench_round_physr(struct device *dev, const struct physr *pr,
				 struct dma_bench_side *s)
{
	struct dma_physr_map map;
	u64 t0, t1;
	int ret;

	t0 = ktime_get_ns();
	ret = dma_map_physr(dev, pr, DMA_BIDIRECTIONAL, 0, GFP_ATOMIC, &map);
	if (ret)
		return ret;
	t1 = ktime_get_ns();
	dma_unmap_physr(&map);
	s->ns = min(s->ns, ktime_get_ns() - t0);
	s->map_ns = min(s->map_ns, t1 - t0);
	return 0;
}

/* One counted, untimed round of each side, with the translation check. */
static int dma_bench_count_sg(struct device *dev, struct sg_table *sgt,
			      struct page **pages, unsigned long nr_pages,
			      struct dma_bench_side *s)
{
	struct dma_bench_counts c0, c1, c2, c3;
	int ret;

	msleep(100);	/* let a flush queue drain first */
	dma_bench_snap(&c0);
	ret = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return ret;
	dma_bench_snap(&c1);
	s->segs = sgt->nents;
	s->check = dma_bench_check_sg(iommu_get_dma_domain(dev), pages,
				      nr_pages, sgt);
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	dma_bench_snap(&c2);
	msleep(100);	/* a flush queue flushes within 10 ms */
	dma_bench_snap(&c3);
	dma_bench_diff(&s->map, &c0, &c1);
	dma_bench_diff(&s->unmap, &c1, &c2);
	dma_bench_diff(&s->later, &c2, &c3);
	return 0;
}

static int dma_bench_count_physr(struct device *dev, const struct physr *pr,
				 struct page **pages, unsigned long nr_pages,
				 struct dma_bench_side *s)
{
	struct dma_bench_counts c0, c1, c2, c3;
	struct dma_physr_map map;
	int ret;

	msleep(100);
	dma_bench_snap(&c0);
	ret = dma_map_physr(dev, pr, DMA_BIDIRECTIONAL, 0, GFP_ATOMIC, &map);
	if (ret)
		return ret;
	dma_bench_snap(&c1);
	s->segs = dma_physr_nr_segs(&map);
	s->check = dma_bench_check_physr(iommu_get_dma_domain(dev), pages,
					 nr_pages, &map);
	dma_unmap_physr(&map);
	dma_bench_snap(&c2);
	msleep(100);
	dma_bench_snap(&c3);
	dma_bench_diff(&s->map, &c0, &c1);
	dma_bench_diff(&s->unmap, &c1, &c2);
	dma_bench_diff(&s->later, &c2, &c3);
	return 0;
}

static int dma_bench_print(char *buf, size_t size, const char *name,
			   const struct dma_bench_side *s)
{
	return scnprintf(buf, size,
			 "%s_ns %llu\n%s_map_ns %llu\n%s_segs %llu\n%s_map_calls %llu\n"
			 "%s_sync_maps %llu\n%s_flushes_map %llu\n"
			 "%s_flushes_unmap %llu\n%s_flushes_later %llu\n"
			 "%s_check %d\n",
			 name, s->ns, name, s->map_ns, name, s->segs, name, s->map.map_calls,
			 name, s->map.sync_maps + s->unmap.sync_maps,
			 name, s->map.flushes, name, s->unmap.flushes,
			 name, s->later.flushes, name, s->check);
}

static int dma_bench_run(unsigned long uaddr, size_t len, char *buf,
			 size_t size)
{
	struct dma_bench_side sg_side = {}, pr_side = {};
	struct iommu_domain *domain;
	unsigned long nr_pages, i;
	struct sg_table sgt = {};
	struct pci_dev *pdev;
	struct page **pages;
	struct device *dev;
	struct physr pr;
	long pinned = 0;
	int n, run, ret;

	if (!len || !PAGE_ALIGNED(uaddr) || !PAGE_ALIGNED(len))
		return -EINVAL;
	nr_pages = len >> PAGE_SHIFT;
	if (nr_pages > DMA_BENCH_MAX_PAGES)
		return -E2BIG;
	pdev = pci_get_device(0x1234, 0x11e8, NULL);
	if (!pdev)
		return -ENODEV;
	dev = &pdev->dev;
	/*
	 * 32 bits of IOVA space whatever mask the edu tests left behind: in a
	 * lazy domain the unmapped 64 MiB ranges of earlier rounds wait in
	 * the flush queue, and 28 bits would run out.
	 */
	ret = dma_set_mask(dev, DMA_BIT_MASK(32));
	if (ret)
		goto out_put;
	domain = iommu_get_dma_domain(dev);
	if (!domain || !(domain->type & __IOMMU_DOMAIN_DMA_API)) {
		ret = -EOPNOTSUPP;	/* the figures are about dma-iommu */
		goto out_put;
	}

	physr_init(&pr);
	pages = kvmalloc_array(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages) {
		ret = -ENOMEM;
		goto out_put;
	}
	pinned = pin_user_pages_fast(uaddr, nr_pages, FOLL_WRITE, pages);
	if (pinned != nr_pages) {
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out_unpin;
	}
	ret = sg_alloc_table_from_pages(&sgt, pages, nr_pages, 0, len,
					GFP_KERNEL);
	if (ret)
		goto out_unpin;
	for (i = 0; i < nr_pages && !ret; i++)
		ret = physr_append(&pr, page_to_phys(pages[i]), PAGE_SIZE,
				   GFP_KERNEL);
	if (ret)
		goto out_free;

	/* Alternate the two so that a slower host hurts both alike. */
	sg_side.ns = U64_MAX;
	sg_side.map_ns = U64_MAX;
	pr_side.ns = U64_MAX;
	pr_side.map_ns = U64_MAX;
	for (run = 0; run < DMA_BENCH_RUNS && !ret; run++) {
		ret = dma_bench_round_sg(dev, &sgt, &sg_side);
		if (!ret)
			ret = dma_bench_round_physr(dev, &pr, &pr_side);
	}
	if (!ret)
		ret = dma_bench_count_sg(dev, &sgt, pages, nr_pages, &sg_side);
	if (!ret)
		ret = dma_bench_count_physr(dev, &pr, pages, nr_pages, &pr_side);
	if (ret)
		goto out_free;

	n = scnprintf(buf, size,
		      "pages %lu\nsg_entries %u\nphysr_ranges %llu\nlazy %d\n",
		      nr_pages, sgt.orig_nents, physr_nr_ranges(&pr),
		      domain->type == IOMMU_DOMAIN_DMA_FQ);
	n += dma_bench_print(buf + n, size - n, "sg", &sg_side);
	dma_bench_print(buf + n, size - n, "physr", &pr_side);
out_free:
	sg_free_table(&sgt);
	physr_destroy(&pr);
out_unpin:
	if (pinned > 0)
		unpin_user_pages(pages, pinned);
	kvfree(pages);
out_put:
	pci_dev_put(pdev);
	return ret;
}

static struct physr_bench_file dma_bench_file = {
	.run = dma_bench_run,
};

static int __init dma_bench_init(void)
{
	dma_bench_dir = physr_bench_create("physr_dma", "bench", &dma_bench_file);
	return 0;
}

static void __exit dma_bench_exit(void)
{
	debugfs_remove_recursive(dma_bench_dir);
}

module_init(dma_bench_init);
module_exit(dma_bench_exit);
MODULE_DESCRIPTION("dma_map_physr vs dma_map_sg benchmark (test only)");
MODULE_LICENSE("GPL");
