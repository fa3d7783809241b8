/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA mapping of physr lists: the input is a physr list (physical ranges,
 * RAM or a peer's BAR), the output a separate array of DMA address ranges.
 *
 * See the "DMA mapping" section of Documentation/core-api/physr.rst.
 */
#ifndef _LINUX_DMA_PHYSR_H
#define _LINUX_DMA_PHYSR_H

#include <linux/dma-direction.h>
#include <linux/dma-mapping.h>
#include <linux/gfp_types.h>
#include <linux/physr.h>
#include <linux/types.h>

struct device;

/**
 * struct dma_physr_seg - one range of DMA addresses
 * @addr: DMA address of the first byte, as the device must use it.
 * @len: length in bytes.
 */
struct dma_physr_seg {
	dma_addr_t addr;
	u64 len;
};

/* Segments held inside &struct dma_physr_map without an allocation. */
#define DMA_PHYSR_INLINE_SEGS	2

/**
 * struct dma_physr_map - the DMA side of a mapped physr window
 * @dev: the device the window is mapped for.
 * @pr: the list mapped; it must not change or go away while mapped.
 * @offset: first byte of the window in @pr.
 * @len: length of the window, the sum of the segment lengths.
 * @dir: DMA direction given to dma_map_physr().
 * @attrs: DMA attributes given to dma_map_physr().
 * @state: the IOVA space of the window when dma_use_iova() says so (the
 *	device has an IOMMU DMA domain); empty when each range was mapped
 *	with dma_map_phys().
 * @nr_segs: number of segments in @segs.
 * @segs: the segments, in the order of the window's bytes.
 * @inline_segs: storage for @segs when there are few.
 * @__flags: private to kernel/dma/physr.c.
 * @__cap: private: room in @segs.
 * @__granule: private: IOVA granule.
 * @__piece: private: largest piece mapped by one dma_map_phys().
 * @__boundary: private: the segment boundary mask pieces are cut at.
 * @__max_seg: private: the device's maximum segment size.
 * @__linked: private: bytes of @state linked.
 *
 * Filled by dma_map_physr() and emptied by dma_unmap_physr(); the caller
 * owns the structure (on the stack or embedded) and reads the segments
 * with dma_physr_for_each_seg() or dma_physr_addr().  It never shares
 * memory with the physr list: the list is input only.
 */
struct dma_physr_map {
	struct device *dev;
	const struct physr *pr;
	u64 offset;
	u64 len;
	enum dma_data_direction dir;
	unsigned long attrs;
	struct dma_iova_state state;
	u32 nr_segs;
	struct dma_physr_seg *segs;
	struct dma_physr_seg inline_segs[DMA_PHYSR_INLINE_SEGS];
	unsigned int __flags;
	u32 __cap;
	u64 __granule;
	size_t __piece;
	u64 __boundary;
	u64 __max_seg;
	size_t __linked;
};

int dma_map_physr_slice(struct device *dev, const struct physr *pr,
			u64 offset, u64 len, enum dma_data_direction dir,
			unsigned long attrs, gfp_t gfp,
			struct dma_physr_map *map);
void dma_unmap_physr(struct dma_physr_map *map);
void dma_sync_physr_for_cpu(struct dma_physr_map *map);
void dma_sync_physr_for_device(struct dma_physr_map *map);
dma_addr_t dma_physr_addr(const struct dma_physr_map *map, u64 offset,
			  u64 *len);

/**
 * dma_map_physr() - map every range of a physr list for DMA
 * @dev: the device that will do the DMA.
 * @pr: the list; RAM, or MMIO of a peer device (physr_init_mmio()).
 * @dir: DMA direction.
 * @attrs: DMA_ATTR_* flags.
 * @gfp: allocation flags for the segment array and IOMMU page tables.
 * @map: receives the DMA segments.
 *
 * Same as dma_map_physr_slice() over the whole list.
 *
 * Return: see dma_map_physr_slice().
 */
static inline int dma_map_physr(struct device *dev, const struct physr *pr,
				enum dma_data_direction dir,
				unsigned long attrs, gfp_t gfp,
				struct dma_physr_map *map)
{
	return dma_map_physr_slice(dev, pr, 0, physr_total_bytes(pr), dir,
				   attrs, gfp, map);
}

/**
 * dma_physr_nr_segs - number of DMA segments of a mapping
 * @map: a mapping made by dma_map_physr().
 *
 * Return: the number of segments; adjacent DMA ranges are merged, so a
 * list of page-aligned ranges mapped through an IOMMU gives one segment
 * per dma_get_max_seg_size() of the device.
 */
static inline u32 dma_physr_nr_segs(const struct dma_physr_map *map)
{
	return map->nr_segs;
}

/* Helper for dma_physr_for_each_seg(). */
static inline bool __dma_physr_next_seg(const struct dma_physr_map *map,
					u32 idx, const struct dma_physr_seg **seg)
{
	if (idx >= map->nr_segs)
		return false;
	*seg = &map->segs[idx];
	return true;
}

/**
 * dma_physr_for_each_seg - iterate over the DMA segments of a mapping
 * @map: a mapping made by dma_map_physr().
 * @seg: a ``const struct dma_physr_seg *`` cursor.
 */
#define dma_physr_for_each_seg(map, seg) \
	for (u32 __dma_physr_i = 0; \
	     __dma_physr_next_seg(map, __dma_physr_i++, &(seg));)

#endif /* _LINUX_DMA_PHYSR_H */
