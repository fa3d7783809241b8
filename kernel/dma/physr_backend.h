/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What kernel/dma/physr.c (dma_map_physr()) uses of dma-iommu beyond the
 * two-step IOVA API of <linux/dma-mapping.h>.  Not for drivers.
 */
#ifndef _KERNEL_DMA_PHYSR_BACKEND_H
#define _KERNEL_DMA_PHYSR_BACKEND_H

#include <linux/dma-direction.h>
#include <linux/gfp_types.h>
#include <linux/types.h>

struct device;
struct dma_iova_state;
struct iommu_map_run;

#ifdef CONFIG_IOMMU_DMA
int iommu_dma_iova_link_runs(struct device *dev, struct dma_iova_state *state,
			     size_t offset, const struct iommu_map_run *runs,
			     unsigned int nr, enum dma_data_direction dir,
			     unsigned long attrs, gfp_t gfp, size_t *linked);
#else
static inline int iommu_dma_iova_link_runs(struct device *dev,
					   struct dma_iova_state *state,
					   size_t offset,
					   const struct iommu_map_run *runs,
					   unsigned int nr,
					   enum dma_data_direction dir,
					   unsigned long attrs, gfp_t gfp,
					   size_t *linked)
{
	*linked = 0;
	return -EOPNOTSUPP;
}
#endif

#if defined(CONFIG_FAULT_INJECTION) && defined(CONFIG_IOMMU_DMA)
#include <linux/fault-inject.h>

/*
 * Fails the IOMMU map of a run, for the rollback tests of the physr_dma
 * KUnit suite (lib/physr/physr_dma_kunit.c).
 */
extern struct fault_attr fail_iommu_dma_physr;
#endif

#endif /* _KERNEL_DMA_PHYSR_BACKEND_H */
