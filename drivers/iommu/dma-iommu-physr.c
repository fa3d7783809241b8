// SPDX-License-Identifier: GPL-2.0
/*
 * dma-iommu backend of dma_map_physr(): a window of a physr list becomes
 * one IOVA allocation.
 *
 * Layout: each range of the window is widened to whole IOVA granules (its
 * head and tail rounded out), and the widened ranges are laid end to end
 * in one IOVA allocation.  The device sees range i at
 * iova + (granules before it) + (offset of its first byte in its granule);
 * ranges that end and start on granule boundaries are adjacent in IOVA
 * space, so a list of whole pages gives a single DMA segment.
 *
 * Mapping: physically contiguous widened ranges are merged into runs, the
 * runs go to iommu_map_runs_nosync() in batches of up to
 * IOMMU_DMA_PHYSR_BATCH (a driver with the map_runs op, VT-d, maps a batch
 * in one page-table descent; others get one __iommu_map() per run), and
 * one iommu_sync_map() covers the whole allocation.  A failure part way
 * unmaps what was mapped (one IOTLB sync) and frees the IOVA.
 *
 * Unmapping is always strict: the IOTLB is invalidated before
 * dma_unmap_physr() returns, and the IOVA is freed at once, so that a
 * device access after unmap faults instead of reaching stale memory.  One
 * invalidation per call costs little next to the per-page unmaps the flush
 * queue exists to batch.
 *
 * Heads and tails: rounding a range out to granules exposes the rest of
 * its first and last granule to the device.  For trusted devices that is
 * what dma_map_sg() does too.  An untrusted device (pci_dev->untrusted) is
 * refused any RAM range that does not fill whole granules (-EOPNOTSUPP):
 * bouncing partial granules would need a second output layout, and
 * callers that need it have dma_map_sg().
 *
 * MMIO ranges (physr_init_mmio()) are mapped with IOMMU_MMIO at their CPU
 * physical address; they need no struct page and no pgmap.  They only get
 * here when the PCI topology says the peer is reached through the host
 * bridge: kernel/dma/physr.c decides, and gives bus addresses itself for a
 * path through switches only.
 */

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-physr.h>
#include <linux/fault-inject.h>
#include <linux/iommu.h>
#include <linux/iova.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "dma-iommu.h"
#include "../../kernel/dma/physr_backend.h"

/* Runs handed to the IOMMU per call: 8 KiB of array, 1 GiB of 2 MiB runs. */
#define IOMMU_DMA_PHYSR_BATCH	512
/* When even that array cannot be allocated (GFP_ATOMIC): on the stack. */
#define IOMMU_DMA_PHYSR_STACK	16

#ifdef CONFIG_FAULT_INJECTION
struct fault_attr fail_iommu_dma_physr = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_GPL(fail_iommu_dma_physr);

static bool iommu_dma_physr_should_fail(void)
{
	return should_fail(&fail_iommu_dma_physr, 1);
}
#else
static bool iommu_dma_physr_should_fail(void)
{
	return false;
}
#endif

static void iommu_dma_physr_add_seg(struct dma_physr_map *map,
				    dma_addr_t addr, u64 len)
{
	if (map->nr_segs) {
		struct dma_physr_seg *last = &map->segs[map->nr_segs - 1];

		if (last->addr + last->len == addr) {
			last->len += len;
			return;
		}
	}
	map->segs[map->nr_segs].addr = addr;
	map->segs[map->nr_segs].len = len;
	map->nr_segs++;
}

/* Unmap [iova, iova + size) with one IOTLB sync, then free the IOVA. */
static void iommu_dma_physr_teardown(struct iommu_domain *domain,
				     dma_addr_t iova, size_t mapped,
				     size_t size)
{
	struct iommu_iotlb_gather gather;

	if (mapped) {
		size_t unmapped;

		iommu_iotlb_gather_init(&gather);
		unmapped = iommu_unmap_fast(domain, iova, mapped, &gather);
		WARN_ON(unmapped != mapped);
		iommu_iotlb_sync(domain, &gather);
	}
	iommu_dma_free_iova(domain->iova_cookie, iova, size, NULL);
}

/**
 * iommu_dma_map_physr() - dma-iommu backend of dma_map_physr_slice()
 * @dev: the device.
 * @it: cursor at the start of the window.
 * @map: the mapping, with its common fields set.
 * @gfp: allocation flags for the segment array and page tables.
 *
 * Return: 0 or a negative errno, see dma_map_physr_slice().
 */
int iommu_dma_map_physr(struct device *dev, const struct physr_iter *it,
			struct dma_physr_map *map, gfp_t gfp)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	bool mmio = physr_kind_of(map->pr) == PHYSR_MMIO;
	bool coherent = dev_is_dma_coherent(dev);
	bool untrusted = dev_is_pci(dev) && to_pci_dev(dev)->untrusted;
	u64 size = 0, nr_segs = 0, nr_ranges = 0, pos;
	struct iommu_map_run stack_runs[IOMMU_DMA_PHYSR_STACK];
	struct iommu_map_run *runs = NULL;
	unsigned int nr = 0, max_runs;
	bool tail_aligned = false;
	struct physr_range r;
	struct physr_iter cur;
	size_t mapped = 0;
	dma_addr_t iova;
	int prot, ret;

	ret = iommu_deferred_attach(dev, domain);
	if (ret)
		return ret;
	if (dma_get_min_align_mask(dev) > iova_mask(iovad))
		return -EOPNOTSUPP;
	prot = dma_info_to_prot(map->dir, coherent && !mmio, map->attrs);
	if (mmio)
		prot |= IOMMU_MMIO;

	/* Pass 1: IOVA size and segment count. */
	cur = *it;
	while (physr_iter_next(&cur, &r)) {
		u64 off = iova_offset(iovad, r.phys), span;

		if (check_add_overflow(off, r.len, &span) ||
		    span > U64_MAX - iova_mask(iovad))
			return -EOVERFLOW;
		span = iova_align(iovad, span);
		if (untrusted && !mmio && (off || span != off + r.len))
			return -EOPNOTSUPP;
		if (!nr_segs || off || !tail_aligned)
			nr_segs++;
		tail_aligned = span == off + r.len;
		if (check_add_overflow(size, span, &size))
			return -EOVERFLOW;
		nr_ranges++;
	}
	if (size > SIZE_MAX)
		return -EOVERFLOW;
	ret = dma_physr_alloc_segs(map, nr_segs, gfp);
	if (ret)
		return ret;

	max_runs = min_t(u64, nr_ranges, IOMMU_DMA_PHYSR_BATCH);
	if (max_runs > IOMMU_DMA_PHYSR_STACK)
		runs = kmalloc_array(max_runs, sizeof(*runs), gfp | __GFP_NOWARN);
	if (!runs) {
		runs = stack_runs;
		max_runs = min_t(unsigned int, max_runs, IOMMU_DMA_PHYSR_STACK);
	}

	iova = iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);
	if (!iova) {
		ret = -ENOMEM;
		goto out_free_runs;
	}
	map->iova = iova;
	map->iova_size = size;

	/*
	 * Pass 2: lay the ranges out, merge physically contiguous ones into
	 * runs, map a batch of runs at a time at the IOVA after the last one.
	 */
	pos = 0;
	cur = *it;
	while (physr_iter_next(&cur, &r)) {
		u64 off = iova_offset(iovad, r.phys);
		u64 span = iova_align(iovad, off + r.len);
		u64 start = r.phys - off;

		if (!mmio && !coherent &&
		    !(map->attrs & DMA_ATTR_SKIP_CPU_SYNC))
			arch_sync_dma_for_device(r.phys, r.len, map->dir);
		iommu_dma_physr_add_seg(map, iova + pos + off, r.len);

		if (nr && start == runs[nr - 1].paddr + runs[nr - 1].size) {
			runs[nr - 1].size += span;
		} else {
			/* Injected: this run fails, the ones before it map. */
			bool fail = iommu_dma_physr_should_fail();

			if (nr == max_runs || (fail && nr)) {
				ret = iommu_map_runs_nosync(domain, iova + mapped,
							    runs, nr, prot, gfp);
				if (ret)
					goto unwind;
				mapped = pos;
				nr = 0;
			}
			if (fail) {
				ret = -ENOMEM;
				goto unwind;
			}
			runs[nr].paddr = start;
			runs[nr].size = span;
			nr++;
		}
		pos += span;
	}
	ret = iommu_map_runs_nosync(domain, iova + mapped, runs, nr, prot, gfp);
	if (ret)
		goto unwind;
	mapped = pos;

	ret = iommu_sync_map(domain, iova, size);
	if (ret)
		goto unwind;
	if (runs != stack_runs)
		kfree(runs);
	return 0;

unwind:
	iommu_dma_physr_teardown(domain, iova, mapped, size);
	map->iova = 0;
	map->iova_size = 0;
out_free_runs:
	if (runs != stack_runs)
		kfree(runs);
	dma_physr_free_segs(map);
	return ret;
}

/**
 * iommu_dma_unmap_physr() - dma-iommu backend of dma_unmap_physr()
 * @map: the mapping.
 *
 * Strict: one IOTLB invalidation for the whole window before returning.
 */
void iommu_dma_unmap_physr(struct dma_physr_map *map)
{
	struct iommu_domain *domain = iommu_get_dma_domain(map->dev);

	if (!(map->attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_physr_for_cpu(map);
	iommu_dma_physr_teardown(domain, map->iova, map->iova_size,
				 map->iova_size);
}
