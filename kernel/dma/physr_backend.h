/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DMA mapping of physr lists: what kernel/dma/physr.c shares with its
 * backends (dma-direct here, dma-iommu in drivers/iommu/dma-iommu-physr.c).
 * Not for drivers, which use <linux/dma-physr.h>.
 */
#ifndef _KERNEL_DMA_PHYSR_BACKEND_H
#define _KERNEL_DMA_PHYSR_BACKEND_H

#include <linux/dma-physr.h>
#include <linux/gfp_types.h>
#include <linux/types.h>

struct device;

/* Backends, called only by kernel/dma/physr.c. */
int dma_direct_map_physr(struct device *dev, const struct physr_iter *it,
			 struct dma_physr_map *map, gfp_t gfp);
void dma_direct_unmap_physr(struct dma_physr_map *map);
int iommu_dma_map_physr(struct device *dev, const struct physr_iter *it,
			struct dma_physr_map *map, gfp_t gfp);
void iommu_dma_unmap_physr(struct dma_physr_map *map);

/* The segment array of a mapping, for the backends. */
int dma_physr_alloc_segs(struct dma_physr_map *map, u64 nr, gfp_t gfp);
void dma_physr_free_segs(struct dma_physr_map *map);

#if defined(CONFIG_FAULT_INJECTION) && defined(CONFIG_IOMMU_DMA)
#include <linux/fault-inject.h>

/*
 * Fails the IOMMU map of a run, for the rollback tests of the physr_dma
 * KUnit suite (lib/physr/physr_dma_kunit.c).
 */
extern struct fault_attr fail_iommu_dma_physr;
#endif

#endif /* _KERNEL_DMA_PHYSR_BACKEND_H */
