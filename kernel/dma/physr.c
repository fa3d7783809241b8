// SPDX-License-Identifier: GPL-2.0
/*
 * DMA mapping of physr lists: the entry points, and the dma-direct backend.
 *
 * The entry points check the arguments, set up the output structure and
 * hand the window of the list to one backend: this file's dma-direct code
 * when the device's streaming mappings are direct, dma-iommu-physr.c when
 * they go through an IOMMU DMA domain.  Devices with other dma_map_ops are
 * refused.
 *
 * dma-direct gives one segment per range of the window.  A RAM range the
 * device cannot address, or every RAM range under swiotlb=force, goes
 * through swiotlb bounce slots instead, in pieces of at most
 * swiotlb_max_mapping_size(), one segment each.  MMIO ranges of a peer are
 * never bounced.
 *
 * MMIO: how the device reaches the peer's BAR is decided once per mapping,
 * from the PCI topology between the provider's pci_dev and the device
 * (pci_p2pdma_client_map_type(), 6.12's pci_p2pdma rules): through
 * switches only, the segments are the PCI bus addresses, whatever the
 * device's DMA ops (the transaction never reaches the host bridge or an
 * IOMMU); through a host bridge that forwards peer-to-peer, the CPU
 * physical address is mapped like RAM would be (phys_to_dma_unencrypted()
 * here, the IOMMU in dma-iommu-physr.c); otherwise -EREMOTEIO.
 */

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-physr.h>
#include <linux/export.h>
#include <linux/iommu-dma.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include "direct.h"
#include "physr_backend.h"

/**
 * dma_physr_alloc_segs() - give a mapping room for its segments
 * @map: the mapping being built.
 * @nr: number of segments needed.
 * @gfp: allocation flags.
 *
 * For the backends.
 *
 * Return: 0, -ENOMEM or -EOVERFLOW.
 */
int dma_physr_alloc_segs(struct dma_physr_map *map, u64 nr, gfp_t gfp)
{
	if (nr <= DMA_PHYSR_INLINE_SEGS) {
		map->segs = map->inline_segs;
		return 0;
	}
	if (nr > U32_MAX)
		return -EOVERFLOW;
	map->segs = kvmalloc_array(nr, sizeof(*map->segs), gfp);
	return map->segs ? 0 : -ENOMEM;
}

/**
 * dma_physr_free_segs() - release the segment array of a mapping
 * @map: the mapping.
 */
void dma_physr_free_segs(struct dma_physr_map *map)
{
	if (map->segs != map->inline_segs)
		kvfree(map->segs);
	map->segs = NULL;
	map->nr_segs = 0;
}

/* Store one segment; dma-direct never merges (a slot stays one segment). */
static void dma_physr_add_seg(struct dma_physr_map *map, dma_addr_t addr,
			      u64 len)
{
	map->segs[map->nr_segs].addr = addr;
	map->segs[map->nr_segs].len = len;
	map->nr_segs++;
}

/* DMA address of an MMIO range, by the path decided for the mapping. */
static u64 dma_direct_physr_mmio_addr(struct device *dev,
				      const struct dma_physr_map *map,
				      const struct physr_provider *prov,
				      u64 phys)
{
	if (map->p2p_bus_addr)
		return physr_provider_bus_addr(prov, phys);
	/*
	 * Through the host bridge: the CPU physical address, as for RAM but
	 * never with a memory encryption bit (a BAR is not encrypted RAM).
	 */
	return phys_to_dma_unencrypted(dev, phys);
}

/* Can @dev reach the MMIO range at DMA address @addr directly? */
static int dma_direct_physr_p2p_ok(struct device *dev, u64 addr, u64 len)
{
	/* swiotlb=force means "no direct access"; MMIO cannot be bounced. */
	if (is_swiotlb_force_bounce(dev))
		return -EREMOTEIO;
	if (!dma_capable(dev, addr, len, false))
		return -EREMOTEIO;
	return 0;
}

/* Does the RAM range need a bounce slot? */
static bool dma_direct_physr_bounce(struct device *dev, u64 phys, u64 len)
{
	return is_swiotlb_force_bounce(dev) ||
	       !dma_capable(dev, phys_to_dma(dev, phys), len, true);
}

static void dma_direct_physr_undo(struct dma_physr_map *map, u32 nr_segs)
{
	struct device *dev = map->dev;
	u32 i;

	/* Segments that are not bounce slots are ignored by swiotlb. */
	for (i = 0; i < nr_segs; i++)
		swiotlb_tbl_unmap_single(dev, dma_to_phys(dev, map->segs[i].addr),
					 map->segs[i].len, map->dir,
					 map->attrs | DMA_ATTR_SKIP_CPU_SYNC);
}

/**
 * dma_direct_map_physr() - dma-direct backend of dma_map_physr_slice()
 * @dev: the device.
 * @it: cursor at the start of the window.
 * @map: the mapping, with its common fields set.
 * @gfp: allocation flags.
 *
 * Return: 0 or a negative errno, see dma_map_physr_slice().
 */
int dma_direct_map_physr(struct device *dev, const struct physr_iter *it,
			 struct dma_physr_map *map, gfp_t gfp)
{
	const struct physr_provider *prov = physr_provider_of(map->pr);
	bool mmio = physr_kind_of(map->pr) == PHYSR_MMIO;
	size_t max_bounce = 0;
	struct physr_range r;
	struct physr_iter cur;
	u64 nr = 0;
	int ret;

	/* Pass 1: check reachability and count the segments. */
	cur = *it;
	while (physr_iter_next(&cur, &r)) {
		if (mmio) {
			ret = dma_direct_physr_p2p_ok(dev,
						      dma_direct_physr_mmio_addr(dev, map,
										 prov, r.phys),
						      r.len);
			if (ret)
				return ret;
			nr++;
		} else if (dma_direct_physr_bounce(dev, r.phys, r.len)) {
			if (!is_swiotlb_active(dev))
				return -EIO;
			if (!max_bounce)
				max_bounce = swiotlb_max_mapping_size(dev);
			nr += DIV_ROUND_UP_ULL(r.len, max_bounce);
		} else {
			nr++;
		}
	}
	ret = dma_physr_alloc_segs(map, nr, gfp);
	if (ret)
		return ret;

	/* Pass 2: translate, or bounce, range by range. */
	cur = *it;
	while (physr_iter_next(&cur, &r)) {
		if (mmio) {
			dma_physr_add_seg(map,
					  dma_direct_physr_mmio_addr(dev, map, prov,
								     r.phys),
					  r.len);
			continue;
		}
		if (!max_bounce || !dma_direct_physr_bounce(dev, r.phys, r.len)) {
			if (!dev_is_dma_coherent(dev) &&
			    !(map->attrs & DMA_ATTR_SKIP_CPU_SYNC))
				arch_sync_dma_for_device(r.phys, r.len, map->dir);
			dma_physr_add_seg(map, phys_to_dma(dev, r.phys), r.len);
			continue;
		}
		while (r.len) {
			size_t n = min_t(u64, r.len, max_bounce);
			phys_addr_t tlb;
			dma_addr_t addr;

			tlb = swiotlb_tbl_map_single(dev, r.phys, n, 0, map->dir,
						     map->attrs);
			if (tlb == (phys_addr_t)DMA_MAPPING_ERROR) {
				ret = -ENOMEM;
				goto undo;
			}
			addr = phys_to_dma_unencrypted(dev, tlb);
			dma_physr_add_seg(map, addr, n);
			map->bounced = true;
			if (!dma_capable(dev, addr, n, true)) {
				/* The bounce pool itself is out of reach. */
				ret = -EIO;
				goto undo;
			}
			if (!dev_is_dma_coherent(dev) &&
			    !(map->attrs & DMA_ATTR_SKIP_CPU_SYNC))
				arch_sync_dma_for_device(tlb, n, map->dir);
			r.phys += n;
			r.len -= n;
		}
	}
	return 0;

undo:
	dma_direct_physr_undo(map, map->nr_segs);
	dma_physr_free_segs(map);
	return ret;
}

/**
 * dma_direct_unmap_physr() - dma-direct backend of dma_unmap_physr()
 * @map: the mapping.
 */
void dma_direct_unmap_physr(struct dma_physr_map *map)
{
	if (physr_kind_of(map->pr) == PHYSR_MMIO)
		return;
	if (!(map->attrs & DMA_ATTR_SKIP_CPU_SYNC))
		dma_sync_physr_for_cpu(map);
	if (map->bounced)
		dma_direct_physr_undo(map, map->nr_segs);
}

/*
 * How does @dev reach the BAR that holds the MMIO ranges of @pr?  Decided
 * from the PCI topology (pci_p2pdma_client_map_type()): by bus address
 * through switches only, by CPU physical address through a host bridge
 * that forwards peer-to-peer, or not at all.
 */
static int dma_physr_p2p_path(struct device *dev, const struct physr *pr,
			      struct dma_physr_map *map)
{
	const struct physr_provider *prov = physr_provider_of(pr);

	if (!prov || !prov->pdev)
		return -EREMOTEIO;
	switch (pci_p2pdma_client_map_type(prov->pdev, dev, false)) {
	case PCI_P2PDMA_MAP_BUS_ADDR:
		map->p2p_bus_addr = true;
		return 0;
	case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE:
		return 0;
	default:
		return -EREMOTEIO;
	}
}

/**
 * dma_map_physr_slice() - map a byte window of a physr list for DMA
 * @dev: the device that will do the DMA.
 * @pr: the list; RAM, or MMIO of a peer device (physr_init_mmio()).
 * @offset: first byte of the window, counted over the list's ranges.
 * @len: length of the window; must not be 0.
 * @dir: DMA direction.
 * @attrs: DMA_ATTR_* flags.
 * @gfp: allocation flags for the segment array and IOMMU page tables.
 * @map: receives the DMA segments; owned by the caller.
 *
 * Maps the window for @dev and fills @map with the DMA addresses the device
 * must use, in the order of the window's bytes.  Through an IOMMU the
 * window gets one IOVA allocation, one IOMMU mapping per physically
 * contiguous run and one IOTLB sync.  Without one, each range gets its DMA
 * address, or swiotlb bounce slots when the device cannot reach it or
 * swiotlb=force is set.  MMIO ranges are never bounced; the PCI topology
 * between their provider and @dev decides how they are reached (see
 * pci_p2pdma_client_map_type()): through switches only, they get their
 * PCI bus address, even when @dev's DMA goes through an IOMMU; through a
 * host bridge that forwards peer-to-peer, their CPU physical address is
 * mapped (through the IOMMU with IOMMU_MMIO, or as is); on any other path
 * the mapping is refused.  Unless
 * %DMA_ATTR_SKIP_CPU_SYNC is given, the memory is synced for the device.
 *
 * @pr must not change and must stay alive until dma_unmap_physr(); @map
 * does not point into it except to find it again.
 *
 * Context: process context if @gfp may sleep, else any context.
 * Return: 0 on success; on error nothing is left mapped and @map is empty:
 * -EINVAL for a bad direction, a device without a DMA mask or an empty
 * window; -ERANGE or -EOVERFLOW for a window outside the list; -ENOMEM
 * when the segment array, the IOVA space, an IOMMU page table or the
 * swiotlb slots run out; -EIO when the device cannot reach a RAM range
 * and no reachable bounce buffer exists; -EREMOTEIO when the device has
 * no path to an MMIO range (the topology allows no peer-to-peer between
 * it and the provider, the device cannot address the range, or
 * swiotlb=force); -EOPNOTSUPP for a device whose DMA is neither
 * direct nor dma-iommu, or an untrusted device given a RAM range that does
 * not fill whole IOMMU pages.
 */
int dma_map_physr_slice(struct device *dev, const struct physr *pr,
			u64 offset, u64 len, enum dma_data_direction dir,
			unsigned long attrs, gfp_t gfp,
			struct dma_physr_map *map)
{
	struct physr_iter it;
	int ret;

	memset(map, 0, sizeof(*map));
	if (!valid_dma_direction(dir) || !dev->dma_mask || !len)
		return -EINVAL;
	ret = physr_iter_init_slice(&it, pr, offset, len);
	if (ret)
		return ret;

	map->dev = dev;
	map->pr = pr;
	map->offset = offset;
	map->len = len;
	map->dir = dir;
	map->attrs = attrs;

	if (physr_kind_of(pr) == PHYSR_MMIO) {
		ret = dma_physr_p2p_path(dev, pr, map);
		if (ret)
			goto out;
	}

	if (map->p2p_bus_addr || dma_map_uses_direct(dev)) {
		map->backend = DMA_PHYSR_DIRECT;
		ret = dma_direct_map_physr(dev, &it, map, gfp);
	} else if (use_dma_iommu(dev)) {
		map->backend = DMA_PHYSR_IOMMU;
		ret = iommu_dma_map_physr(dev, &it, map, gfp);
	} else {
		ret = -EOPNOTSUPP;
	}
out:
	if (ret)
		memset(map, 0, sizeof(*map));
	return ret;
}
EXPORT_SYMBOL_GPL(dma_map_physr_slice);

/**
 * dma_unmap_physr() - undo dma_map_physr()
 * @map: a mapping made by dma_map_physr() or dma_map_physr_slice().
 *
 * Syncs for the CPU (unless %DMA_ATTR_SKIP_CPU_SYNC was given), copies
 * bounce slots back, and revokes the device's access: through an IOMMU
 * the IOTLB is invalidated before this returns, whatever the domain's
 * flush-queue policy, so a later access by the device faults.  @map is
 * left empty.
 *
 * Context: any context the mapping could be made in.
 */
void dma_unmap_physr(struct dma_physr_map *map)
{
	if (!map->nr_segs)
		return;
	if (map->backend == DMA_PHYSR_IOMMU)
		iommu_dma_unmap_physr(map);
	else
		dma_direct_unmap_physr(map);
	dma_physr_free_segs(map);
	memset(map, 0, sizeof(*map));
}
EXPORT_SYMBOL_GPL(dma_unmap_physr);

/* Arch cache maintenance over the RAM ranges of the window. */
static void dma_physr_arch_sync(struct dma_physr_map *map, bool for_cpu)
{
	struct physr_range r;
	struct physr_iter it;

	if (physr_iter_init_slice(&it, map->pr, map->offset, map->len))
		return;
	while (physr_iter_next(&it, &r)) {
		if (for_cpu)
			arch_sync_dma_for_cpu(r.phys, r.len, map->dir);
		else
			arch_sync_dma_for_device(r.phys, r.len, map->dir);
	}
}

/**
 * dma_sync_physr_for_cpu() - give the CPU ownership of a mapped window
 * @map: the mapping.
 *
 * Copies bounce slots back to the list's memory for %DMA_FROM_DEVICE and
 * %DMA_BIDIRECTIONAL, and does the cache maintenance a non-coherent device
 * needs.  MMIO ranges need nothing.
 *
 * Context: any.
 */
void dma_sync_physr_for_cpu(struct dma_physr_map *map)
{
	struct device *dev = map->dev;
	const struct dma_physr_seg *seg;

	if (!map->nr_segs || physr_kind_of(map->pr) == PHYSR_MMIO)
		return;
	if (map->backend == DMA_PHYSR_DIRECT && map->bounced) {
		dma_physr_for_each_seg(map, seg) {
			phys_addr_t phys = dma_to_phys(dev, seg->addr);

			if (!dev_is_dma_coherent(dev))
				arch_sync_dma_for_cpu(phys, seg->len, map->dir);
			swiotlb_sync_single_for_cpu(dev, phys, seg->len, map->dir);
		}
		return;
	}
	if (!dev_is_dma_coherent(dev))
		dma_physr_arch_sync(map, true);
}
EXPORT_SYMBOL_GPL(dma_sync_physr_for_cpu);

/**
 * dma_sync_physr_for_device() - give the device ownership of a mapped window
 * @map: the mapping.
 *
 * Copies the list's memory into bounce slots for %DMA_TO_DEVICE and
 * %DMA_BIDIRECTIONAL, and does the cache maintenance a non-coherent device
 * needs.  MMIO ranges need nothing.
 *
 * Context: any.
 */
void dma_sync_physr_for_device(struct dma_physr_map *map)
{
	struct device *dev = map->dev;
	const struct dma_physr_seg *seg;

	if (!map->nr_segs || physr_kind_of(map->pr) == PHYSR_MMIO)
		return;
	if (map->backend == DMA_PHYSR_DIRECT && map->bounced) {
		dma_physr_for_each_seg(map, seg) {
			phys_addr_t phys = dma_to_phys(dev, seg->addr);

			swiotlb_sync_single_for_device(dev, phys, seg->len,
						       map->dir);
			if (!dev_is_dma_coherent(dev))
				arch_sync_dma_for_device(phys, seg->len, map->dir);
		}
		return;
	}
	if (!dev_is_dma_coherent(dev))
		dma_physr_arch_sync(map, false);
}
EXPORT_SYMBOL_GPL(dma_sync_physr_for_device);

/**
 * dma_physr_addr() - DMA address of a byte of a mapped window
 * @map: the mapping.
 * @offset: byte offset inside the window (0 is the window's first byte).
 * @len: if not NULL, receives how many bytes from there are contiguous in
 *	DMA space (to the end of that segment).
 *
 * Context: any.
 * Return: the DMA address, or %DMA_MAPPING_ERROR when @offset is outside
 * the window.
 */
dma_addr_t dma_physr_addr(const struct dma_physr_map *map, u64 offset,
			  u64 *len)
{
	const struct dma_physr_seg *seg;

	dma_physr_for_each_seg(map, seg) {
		if (offset < seg->len) {
			if (len)
				*len = seg->len - offset;
			return seg->addr + offset;
		}
		offset -= seg->len;
	}
	return DMA_MAPPING_ERROR;
}
EXPORT_SYMBOL_GPL(dma_physr_addr);
