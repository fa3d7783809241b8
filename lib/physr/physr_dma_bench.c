// SPDX-License-Identifier: GPL-2.0
/*
 * physr_dma_bench: map and unmap the same pinned user memory for a device
 * with 6.12's dma_map_sgtable() (table from sg_alloc_table_from_pages())
 * and with dma_map_physr(), and report time per page, IOMMU map calls,
 * page-table walks and IOTLB syncs of each.
 *
 * Test-only (CONFIG_PHYSR_DMA_BENCH).  The device is QEMU's edu (PCI
 * 1234:11e8), given a 32-bit DMA mask; nothing is transferred, so it
 * needs no driver.  Userspace
 * writes "<uaddr> <len>" (hexadecimal) to /sys/kernel/debug/physr_dma/bench;
 * the two sides are timed in alternate map+unmap rounds (GFP_ATOMIC like
 * dma_map_sg() uses), each round's time and the ratio of the two sides in
 * that round are reported as median, minimum and maximum.  Then one more
 * round of each side is counted and the IOMMU translation of every page of
 * both mappings is checked against the pinned pages.
 *
 * The counts come from the IOMMU trace events (include/trace/events/iommu.h):
 * the benchmark attaches its own probes to map, map_runs, iotlb_sync_map,
 * iotlb_sync, flush_iotlb_all and pt_walk for the duration of a run, so
 * the tracing core need not be enabled and nothing counts outside a run.
 * Reading the file returns one "key value" pair per line.  Driven by
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
#include <linux/sort.h>
#include <linux/tracepoint.h>
#include <trace/events/iommu.h>

#include "physr_bench.h"

#define DMA_BENCH_RUNS		9	/* timed rounds of each side, >= 5 */
#define DMA_BENCH_MAX_PAGES	(SZ_256M >> PAGE_SHIFT)

static struct dentry *dma_bench_dir;

enum dma_bench_event {
	DMA_BENCH_MAP_CALLS,	/* map: __iommu_map() calls */
	DMA_BENCH_MAP_RUNS,	/* map_runs: run-list map calls */
	DMA_BENCH_SYNC_MAPS,	/* iotlb_sync_map */
	DMA_BENCH_FLUSHES,	/* iotlb_sync and flush_iotlb_all */
	DMA_BENCH_WALKS,	/* pt_walk: descents from the top level */
	DMA_BENCH_NR
};

static atomic64_t dma_bench_ev[DMA_BENCH_NR];

static void dma_bench_probe_map(void *data, unsigned long iova,
				phys_addr_t paddr, size_t size)
{
	atomic64_inc(&dma_bench_ev[DMA_BENCH_MAP_CALLS]);
}

static void dma_bench_probe_map_runs(void *data, unsigned long iova,
				     unsigned int nr_runs, size_t size)
{
	atomic64_inc(&dma_bench_ev[DMA_BENCH_MAP_RUNS]);
}

/* iotlb_sync_map, iotlb_sync, flush_iotlb_all: @data is the counter. */
static void dma_bench_probe_flush(void *data, unsigned long iova, size_t size)
{
	atomic64_inc(data);
}

static void dma_bench_probe_walk(void *data, unsigned long iova, int level)
{
	atomic64_inc(&dma_bench_ev[DMA_BENCH_WALKS]);
}

static void dma_bench_unregister(void)
{
	unregister_trace_pt_walk(dma_bench_probe_walk, NULL);
	unregister_trace_flush_iotlb_all(dma_bench_probe_flush,
					 &dma_bench_ev[DMA_BENCH_FLUSHES]);
	unregister_trace_iotlb_sync(dma_bench_probe_flush,
				    &dma_bench_ev[DMA_BENCH_FLUSHES]);
	unregister_trace_iotlb_sync_map(dma_bench_probe_flush,
					&dma_bench_ev[DMA_BENCH_SYNC_MAPS]);
	unregister_trace_map_runs(dma_bench_probe_map_runs, NULL);
	unregister_trace_map(dma_bench_probe_map, NULL);
	tracepoint_synchronize_unregister();
}

/* Attach the counting probes; all or none. */
static int dma_bench_register(void)
{
	int ret;

	ret = register_trace_map(dma_bench_probe_map, NULL);
	if (ret)
		return ret;
	ret = register_trace_map_runs(dma_bench_probe_map_runs, NULL);
	if (ret)
		goto out_map;
	ret = register_trace_iotlb_sync_map(dma_bench_probe_flush,
					    &dma_bench_ev[DMA_BENCH_SYNC_MAPS]);
	if (ret)
		goto out_map_runs;
	ret = register_trace_iotlb_sync(dma_bench_probe_flush,
					&dma_bench_ev[DMA_BENCH_FLUSHES]);
	if (ret)
		goto out_sync_map;
	ret = register_trace_flush_iotlb_all(dma_bench_probe_flush,
					     &dma_bench_ev[DMA_BENCH_FLUSHES]);
	if (ret)
		goto out_sync;
	ret = register_trace_pt_walk(dma_bench_probe_walk, NULL);
	if (ret)
		goto out_flush_all;
	return 0;

out_flush_all:
	unregister_trace_flush_iotlb_all(dma_bench_probe_flush,
					 &dma_bench_ev[DMA_BENCH_FLUSHES]);
out_sync:
	unregister_trace_iotlb_sync(dma_bench_probe_flush,
				    &dma_bench_ev[DMA_BENCH_FLUSHES]);
out_sync_map:
	unregister_trace_iotlb_sync_map(dma_bench_probe_flush,
					&dma_bench_ev[DMA_BENCH_SYNC_MAPS]);
out_map_runs:
	unregister_trace_map_runs(dma_bench_probe_map_runs, NULL);
out_map:
	unregister_trace_map(dma_bench_probe_map, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

struct dma_bench_counts {
	u64 ev[DMA_BENCH_NR];
};

static void dma_bench_snap(struct dma_bench_counts *c)
{
	int i;

	for (i = 0; i < DMA_BENCH_NR; i++)
		c->ev[i] = atomic64_read(&dma_bench_ev[i]);
}

/* What happened between @a and @b. */
static void dma_bench_diff(struct dma_bench_counts *d,
			   const struct dma_bench_counts *a,
			   const struct dma_bench_counts *b)
{
	int i;

	for (i = 0; i < DMA_BENCH_NR; i++)
		d->ev[i] = b->ev[i] - a->ev[i];
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

/*
 * Where dma_map_physr()'s time goes: the parts of its work timed one by one
 * with the same list and device, each over DMA_BENCH_RUNS rounds.
 */
struct dma_bench_parts {
	u64 walk[DMA_BENCH_RUNS];	/* one pass over the list */
	u64 iova[DMA_BENCH_RUNS];	/* dma_iova_try_alloc() + dma_iova_free() */
	u64 pte[DMA_BENCH_RUNS];	/* iommu_map_runs_nosync() of all runs */
	u64 sync[DMA_BENCH_RUNS];	/* iommu_sync_map() of the span */
	u64 unmap[DMA_BENCH_RUNS];	/* iommu_unmap_fast() + iotlb_sync */
	u64 whole[DMA_BENCH_RUNS];	/* dma_map_physr(), in the same loop */
};

struct dma_bench_side {
	u64 ns[DMA_BENCH_RUNS], map_ns[DMA_BENCH_RUNS], unmap_ns[DMA_BENCH_RUNS];
	u64 segs;
	struct dma_bench_counts map, unmap, later;
	int check;
};

/* One timed map+unmap round of each side, the @run'th. */
static int dma_bench_round_sg(struct device *dev, struct sg_table *sgt,
			      struct dma_bench_side *s, int run)
{
	u64 t0, t1, t2;
	int ret;

	t0 = ktime_get_ns();
	ret = dma_map_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	if (ret)
		return ret;
	t1 = ktime_get_ns();
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	t2 = ktime_get_ns();
	s->ns[run] = t2 - t0;
	s->map_ns[run] = t1 - t0;
	s->unmap_ns[run] = t2 - t1;
	return 0;
}

static int dma_bench_round_physr(struct device *dev, const struct physr *pr,
				 struct dma_bench_side *s, int run)
{
	struct dma_physr_map map;
	u64 t0, t1, t2;
	int ret;

	t0 = ktime_get_ns();
	ret = dma_map_physr(dev, pr, DMA_BIDIRECTIONAL, 0, GFP_ATOMIC, &map);
	if (ret)
		return ret;
	t1 = ktime_get_ns();
	dma_unmap_physr(&map);
	t2 = ktime_get_ns();
	s->ns[run] = t2 - t0;
	s->map_ns[run] = t1 - t0;
	s->unmap_ns[run] = t2 - t1;
	return 0;
}

static u64 dma_bench_sink;

/* A pass over the list as the walker makes it: the cost of reading it. */
static u64 dma_bench_walk(const struct physr *pr)
{
	struct physr_range r;
	struct physr_iter it;
	u64 sum = 0;

	physr_iter_init(&it, pr);
	while (physr_iter_next(&it, &r))
		sum += r.phys ^ r.len;
	return sum;
}

/*
 * The parts of one dma_map_physr() + dma_unmap_physr() timed apart, the
 * @run'th round: the walk of the list, the IOVA allocation, the page-table
 * fill of the runs (the list's ranges merged, 512 per call), the IOTLB
 * sync of the span and the unmap.  What dma_map_physr() takes beyond
 * walk + iova + pte + sync is the walker's own bookkeeping (pieces,
 * segments, run batching).
 */
static int dma_bench_round_parts(struct device *dev, const struct physr *pr,
				 struct iommu_map_run *runs, unsigned int nr_runs,
				 struct dma_bench_parts *p, int run)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	int prot = IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE;
	struct iommu_iotlb_gather gather;
	struct dma_iova_state state;
	u64 t0, t1, t2, t3, sum;
	size_t size = physr_total_bytes(pr), done = 0, unmapped;
	unsigned int i, n;
	int ret = 0;

	t0 = ktime_get_ns();
	sum = dma_bench_walk(pr);
	t1 = ktime_get_ns();
	p->walk[run] = t1 - t0;
	WRITE_ONCE(dma_bench_sink, sum);	/* keep the walk */
	t0 = ktime_get_ns();
	if (!dma_iova_try_alloc(dev, &state, 0, size))
		return -ENOMEM;
	dma_iova_free(dev, &state);
	t1 = ktime_get_ns();
	p->iova[run] = t1 - t0;

	if (!dma_iova_try_alloc(dev, &state, 0, size))
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < nr_runs && !ret; i += n) {
		size_t bytes = 0;
		unsigned int k;

		n = min(nr_runs - i, 512U);
		for (k = 0; k < n; k++)
			bytes += runs[i + k].size;
		ret = iommu_map_runs_nosync(domain, state.addr + done, runs + i,
					    n, prot, GFP_ATOMIC);
		if (!ret)
			done += bytes;
	}
	t1 = ktime_get_ns();
	if (!ret)
		ret = iommu_sync_map(domain, state.addr, done);
	t2 = ktime_get_ns();
	iommu_iotlb_gather_init(&gather);
	unmapped = done ? iommu_unmap_fast(domain, state.addr, done, &gather) : 0;
	iommu_iotlb_sync(domain, &gather);
	t3 = ktime_get_ns();
	dma_iova_free(dev, &state);
	p->pte[run] = t1 - t0;
	p->sync[run] = t2 - t1;
	p->unmap[run] = t3 - t2;
	if (!ret && (unmapped != done || done != size))
		ret = -EIO;
	if (!ret) {
		struct dma_physr_map map;

		t0 = ktime_get_ns();
		ret = dma_map_physr(dev, pr, DMA_BIDIRECTIONAL, 0, GFP_ATOMIC,
				    &map);
		t1 = ktime_get_ns();
		if (!ret)
			dma_unmap_physr(&map);
		p->whole[run] = t1 - t0;
	}
	return ret;
}

/* The list's ranges merged into physically contiguous runs, as the walker does. */
static struct iommu_map_run *dma_bench_runs(const struct physr *pr,
					    unsigned int *nr)
{
	struct iommu_map_run *runs;
	struct physr_range r;
	struct physr_iter it;
	unsigned int n = 0;

	runs = kvmalloc_array(physr_nr_ranges(pr), sizeof(*runs), GFP_KERNEL);
	if (!runs)
		return NULL;
	physr_iter_init(&it, pr);
	while (physr_iter_next(&it, &r)) {
		if (n && runs[n - 1].paddr + runs[n - 1].size == r.phys) {
			runs[n - 1].size += r.len;
			continue;
		}
		runs[n].paddr = r.phys;
		runs[n].size = r.len;
		n++;
	}
	*nr = n;
	return runs;
}

/* One counted, untimed round of each side, with the translation check. */
static int dma_bench_count_sg(struct device *dev, struct sg_table *sgt,
			      struct page **pages, unsigned long nr_pages,
			      struct dma_bench_side *s)
{
	struct dma_bench_counts c0, c1, c2, c3, c4;
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
	dma_bench_snap(&c4);	/* the check walks the table per page */
	dma_unmap_sgtable(dev, sgt, DMA_BIDIRECTIONAL, 0);
	dma_bench_snap(&c2);
	msleep(100);	/* a flush queue flushes within 10 ms */
	dma_bench_snap(&c3);
	dma_bench_diff(&s->map, &c0, &c1);
	dma_bench_diff(&s->unmap, &c4, &c2);
	dma_bench_diff(&s->later, &c2, &c3);
	return 0;
}

static int dma_bench_count_physr(struct device *dev, const struct physr *pr,
				 struct page **pages, unsigned long nr_pages,
				 struct dma_bench_side *s)
{
	struct dma_bench_counts c0, c1, c2, c3, c4;
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
	dma_bench_snap(&c4);	/* the check walks the table per page */
	dma_unmap_physr(&map);
	dma_bench_snap(&c2);
	msleep(100);
	dma_bench_snap(&c3);
	dma_bench_diff(&s->map, &c0, &c1);
	dma_bench_diff(&s->unmap, &c4, &c2);
	dma_bench_diff(&s->later, &c2, &c3);
	return 0;
}

static int dma_bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median, minimum and maximum of the @n values of @v (sorted in place). */
static int dma_bench_print_stat(char *buf, size_t size, const char *name,
				const char *key, u64 *v, int n)
{
	sort(v, n, sizeof(*v), dma_bench_cmp_u64, NULL);
	return scnprintf(buf, size, "%s_%s %llu\n%s_%s_min %llu\n%s_%s_max %llu\n",
			 name, key, v[n / 2], name, key, v[0], name, key,
			 v[n - 1]);
}

static int dma_bench_print(char *buf, size_t size, const char *name,
			   struct dma_bench_side *s)
{
	int n;

	n = dma_bench_print_stat(buf, size, name, "ns", s->ns, DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, name, "map_ns", s->map_ns,
				  DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, name, "unmap_ns",
				  s->unmap_ns, DMA_BENCH_RUNS);
	n += scnprintf(buf + n, size - n,
		       "%s_segs %llu\n%s_map_calls %llu\n%s_map_runs %llu\n"
		       "%s_walks_map %llu\n%s_walks_unmap %llu\n"
		       "%s_sync_maps %llu\n%s_flushes_map %llu\n"
		       "%s_flushes_unmap %llu\n%s_flushes_later %llu\n"
		       "%s_check %d\n",
		       name, s->segs,
		       name, s->map.ev[DMA_BENCH_MAP_CALLS],
		       name, s->map.ev[DMA_BENCH_MAP_RUNS],
		       name, s->map.ev[DMA_BENCH_WALKS],
		       name, s->unmap.ev[DMA_BENCH_WALKS],
		       name, s->map.ev[DMA_BENCH_SYNC_MAPS] +
			     s->unmap.ev[DMA_BENCH_SYNC_MAPS],
		       name, s->map.ev[DMA_BENCH_FLUSHES],
		       name, s->unmap.ev[DMA_BENCH_FLUSHES],
		       name, s->later.ev[DMA_BENCH_FLUSHES], name, s->check);
	return n;
}

/* physr/sg per round, in thousandths: median, minimum, maximum. */
static int dma_bench_print_ratio(char *buf, size_t size, const char *key,
				 const u64 *pr, const u64 *sg)
{
	u64 r[DMA_BENCH_RUNS];
	int i;

	for (i = 0; i < DMA_BENCH_RUNS; i++)
		r[i] = div64_u64(pr[i] * 1000, max_t(u64, sg[i], 1));
	return dma_bench_print_stat(buf, size, "ratio", key, r, DMA_BENCH_RUNS);
}

static int dma_bench_run(unsigned long uaddr, size_t len, char *buf,
			 size_t size)
{
	static struct dma_bench_side sg_side, pr_side;	/* under the file lock */
	static struct dma_bench_parts parts;
	struct iommu_map_run *runs = NULL;
	unsigned int nr_runs = 0;
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
	/*
	 * edu has no segment limit: without PCI's default of 64 KiB both
	 * sides give one DMA segment for what the IOMMU maps contiguously.
	 */
	dma_set_max_seg_size(dev, UINT_MAX);
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
	for (run = 0; run < DMA_BENCH_RUNS && !ret; run++) {
		ret = dma_bench_round_sg(dev, &sgt, &sg_side, run);
		if (!ret)
			ret = dma_bench_round_physr(dev, &pr, &pr_side, run);
	}
	if (ret)
		goto out_free;
	runs = dma_bench_runs(&pr, &nr_runs);
	if (!runs) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (run = 0; run < DMA_BENCH_RUNS && !ret; run++)
		ret = dma_bench_round_parts(dev, &pr, runs, nr_runs, &parts, run);
	if (ret)
		goto out_free;
	/* The ratios before the sides' own figures sort their arrays. */
	n = scnprintf(buf, size,
		      "pages %lu\nsg_entries %u\nphysr_ranges %llu\nlazy %d\nruns %d\n",
		      nr_pages, sgt.orig_nents, physr_nr_ranges(&pr),
		      domain->type == IOMMU_DOMAIN_DMA_FQ, DMA_BENCH_RUNS);
	n += dma_bench_print_ratio(buf + n, size - n, "ns", pr_side.ns,
				   sg_side.ns);
	n += dma_bench_print_ratio(buf + n, size - n, "map_ns", pr_side.map_ns,
				   sg_side.map_ns);
	n += dma_bench_print_ratio(buf + n, size - n, "unmap_ns",
				   pr_side.unmap_ns, sg_side.unmap_ns);
	n += dma_bench_print_stat(buf + n, size - n, "part", "walk_ns",
				  parts.walk, DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, "part", "iova_ns",
				  parts.iova, DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, "part", "pte_ns",
				  parts.pte, DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, "part", "sync_ns",
				  parts.sync, DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, "part", "unmap_ns",
				  parts.unmap, DMA_BENCH_RUNS);
	n += dma_bench_print_stat(buf + n, size - n, "part", "whole_ns",
				  parts.whole, DMA_BENCH_RUNS);

	ret = dma_bench_register();
	if (ret)
		goto out_free;
	ret = dma_bench_count_sg(dev, &sgt, pages, nr_pages, &sg_side);
	if (!ret)
		ret = dma_bench_count_physr(dev, &pr, pages, nr_pages, &pr_side);
	dma_bench_unregister();
	if (ret)
		goto out_free;

	n += dma_bench_print(buf + n, size - n, "sg", &sg_side);
	dma_bench_print(buf + n, size - n, "physr", &pr_side);
out_free:
	kvfree(runs);
	sg_free_table(&sgt);
	physr_destroy(&pr);
out_unpin:
	if (pinned > 0)
		unpin_user_pages(pages, pinned);
	kvfree(pages);
out_put:
	dma_set_max_seg_size(dev, SZ_64K);
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
