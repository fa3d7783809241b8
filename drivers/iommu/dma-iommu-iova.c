// SPDX-License-Identifier: GPL-2.0
/*
 * The two-step IOVA API of the DMA layer, dma-iommu side.
 *
 * dma_iova_try_alloc() reserves one IOVA range for a whole transfer,
 * dma_iova_link() maps physical ranges at chosen offsets in it,
 * dma_iova_sync() makes the new mappings visible to the device with one
 * IOTLB operation, and dma_iova_unlink() / dma_iova_destroy() /
 * dma_iova_free() take it apart.  The interface follows upstream Linux
 * (6.16 and later); the code is this tree's own.
 *
 * Differences from upstream, on purpose:
 *
 * - dma_iova_link() accepts a physical address that does not start a
 *   granule at any offset, as long as the IOVA it is linked at has the
 *   same offset inside its granule (upstream takes that only for the
 *   first link).
 * - An untrusted device (pci_dev->untrusted) is refused a RAM range that
 *   does not fill whole granules (-EOPNOTSUPP): the partial granules at
 *   either end must be mapped with dma_map_phys(), which bounces them
 *   through swiotlb (6.12's iommu_dma_map_page()).  Upstream bounces
 *   them inside dma_iova_link(), which needs a swiotlb slot with the
 *   same offset inside its granule as the data; 6.12's swiotlb keeps only
 *   the bits of the device's min_align_mask.
 * - Unlinking is strict: the IOTLB is invalidated before
 *   dma_iova_unlink() returns.
 *
 * iommu_dma_iova_link_runs() (kernel/dma/physr_backend.h) links a list of
 * granule-aligned physical runs at consecutive IOVAs with the domain's
 * map_runs op (one page-table descent per leaf table under VT-d); it is
 * what dma_map_physr() uses.
 */

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/fault-inject.h>
#include <linux/iommu.h>
#include <linux/iommu-dma.h>
#include <linux/iova.h>
#include <linux/pci.h>

#include "dma-iommu.h"
#include "../../kernel/dma/physr_backend.h"

#ifdef CONFIG_FAULT_INJECTION
struct fault_attr fail_iommu_dma_physr = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_GPL(fail_iommu_dma_physr);

static bool iommu_dma_iova_should_fail(void)
{
	return should_fail(&fail_iommu_dma_physr, 1);
}
#else
static bool iommu_dma_iova_should_fail(void)
{
	return false;
}
#endif

static bool iommu_dma_iova_untrusted(struct device *dev)
{
	return dev_is_pci(dev) && to_pci_dev(dev)->untrusted;
}

static int iommu_dma_iova_prot(struct device *dev,
			       enum dma_data_direction dir,
			       unsigned long attrs)
{
	bool mmio = attrs & DMA_ATTR_MMIO;
	int prot;

	/* A BAR is never mapped cacheable. */
	prot = dma_info_to_prot(dir, dev_is_dma_coherent(dev) && !mmio, attrs);
	if (mmio)
		prot |= IOMMU_MMIO;
	return prot;
}

/**
 * dma_iova_try_alloc() - reserve IOVA space for a transfer
 * @dev: the device.
 * @state: receives the allocation; empty (dma_use_iova() false) on failure.
 * @phys: physical address of the first byte to be linked (only its offset
 *	inside an IOVA granule is used), or 0.
 * @size: bytes to reserve, counted from @phys.
 *
 * Succeeds only for a device whose streaming DMA goes through an IOMMU DMA
 * domain.  The caller then links ranges at offsets from @state->addr,
 * which has the offset of @phys inside its granule.  When it fails, the
 * caller maps each range with dma_map_phys() instead.
 *
 * Context: any context; never sleeps.
 * Return: true if IOVA space was reserved.
 */
bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,
			phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain;
	struct iova_domain *iovad;
	size_t pad, total;
	dma_addr_t addr;

	memset(state, 0, sizeof(*state));
	if (!use_dma_iommu(dev) || !size || ((u64)size & DMA_IOVA_USE_SWIOTLB))
		return false;
	domain = iommu_get_dma_domain(dev);
	if (!domain || iommu_deferred_attach(dev, domain))
		return false;
	iovad = iommu_dma_iovad(domain);
	if (dma_get_min_align_mask(dev) > iova_mask(iovad))
		return false;
	pad = iova_offset(iovad, phys);
	if (check_add_overflow(size, pad, &total) ||
	    total > SIZE_MAX - iova_mask(iovad))
		return false;
	addr = iommu_dma_alloc_iova(domain, iova_align(iovad, total),
				    dma_get_mask(dev), dev);
	if (!addr)
		return false;
	state->addr = addr + pad;
	state->__size = size;
	return true;
}
EXPORT_SYMBOL_GPL(dma_iova_try_alloc);

/**
 * dma_iova_free() - give back IOVA space reserved by dma_iova_try_alloc()
 * @dev: the device.
 * @state: the allocation; nothing in it may still be linked.
 *
 * Context: any.
 */
void dma_iova_free(struct device *dev, struct dma_iova_state *state)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	size_t pad = iova_offset(iovad, state->addr);

	iommu_dma_free_iova(domain->iova_cookie, state->addr - pad,
			    iova_align(iovad, dma_iova_size(state) + pad), NULL);
}
EXPORT_SYMBOL_GPL(dma_iova_free);

/**
 * dma_iova_link() - map a physical range into reserved IOVA space
 * @dev: the device.
 * @state: the allocation from dma_iova_try_alloc().
 * @phys: physical address of the range.
 * @offset: where it goes, counted from @state->addr; @state->addr + @offset
 *	must have the same offset inside an IOVA granule as @phys.
 * @size: length of the range.
 * @dir: DMA direction.
 * @attrs: DMA_ATTR_* flags; %DMA_ATTR_MMIO for a peer's BAR (mapped with
 *	IOMMU_MMIO, never cacheable, no CPU cache maintenance).
 *
 * The whole granules the range touches are mapped.  The mapping is not
 * visible to the device until dma_iova_sync().  Unless
 * %DMA_ATTR_SKIP_CPU_SYNC is given the range is synced for the device.
 *
 * Context: any context; never sleeps (page tables come from GFP_ATOMIC).
 * Return: 0; -EINVAL for a range outside the allocation or at an offset
 * that does not match @phys; -EOPNOTSUPP for a RAM range of an untrusted
 * device that does not fill whole granules (map it with dma_map_phys());
 * -ENOMEM when a page table cannot be allocated.  On error nothing of this
 * call is linked.
 */
int dma_iova_link(struct device *dev, struct dma_iova_state *state,
		  phys_addr_t phys, size_t offset, size_t size,
		  enum dma_data_direction dir, unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	size_t pad = iova_offset(iovad, phys);
	dma_addr_t addr = state->addr + offset;

	if (!size || offset > dma_iova_size(state) ||
	    size > dma_iova_size(state) - offset ||
	    iova_offset(iovad, addr) != pad)
		return -EINVAL;
	if (!(attrs & DMA_ATTR_MMIO) && iommu_dma_iova_untrusted(dev) &&
	    (pad || iova_offset(iovad, phys + size)))
		return -EOPNOTSUPP;
	if (!(attrs & (DMA_ATTR_MMIO | DMA_ATTR_SKIP_CPU_SYNC)) &&
	    !dev_is_dma_coherent(dev))
		arch_sync_dma_for_device(phys, size, dir);
	return iommu_map_nosync(domain, addr - pad, phys - pad,
				iova_align(iovad, pad + size),
				iommu_dma_iova_prot(dev, dir, attrs), GFP_ATOMIC);
}
EXPORT_SYMBOL_GPL(dma_iova_link);

/**
 * iommu_dma_iova_link_runs() - map granule-aligned runs at consecutive IOVAs
 * @dev: the device.
 * @state: the allocation from dma_iova_try_alloc().
 * @offset: where the first run goes, counted from @state->addr; granule
 *	aligned together with @state->addr.
 * @runs: the runs; every address and size a multiple of the IOVA granule.
 * @nr: number of runs.
 * @dir: DMA direction.
 * @attrs: DMA_ATTR_* flags, as for dma_iova_link().
 * @gfp: allocation flags for page tables.
 * @linked: receives the bytes linked from @offset.
 *
 * For dma_map_physr(): one call of the domain's map_runs op where it has
 * one.  No CPU cache maintenance is done: the caller does it per range.
 * The fail_iommu_dma_physr fault attribute fails a run; the runs before it
 * are linked and reported in @linked.
 *
 * Context: as @gfp allows.
 * Return: 0 or a negative errno; on success all the runs are linked.
 */
int iommu_dma_iova_link_runs(struct device *dev, struct dma_iova_state *state,
			     size_t offset, const struct iommu_map_run *runs,
			     unsigned int nr, enum dma_data_direction dir,
			     unsigned long attrs, gfp_t gfp, size_t *linked)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	int prot = iommu_dma_iova_prot(dev, dir, attrs);
	unsigned int i, good = nr;
	size_t bytes = 0;
	int ret = 0;

	*linked = 0;
	for (i = 0; i < nr; i++) {
		if (iommu_dma_iova_should_fail()) {
			good = i;
			break;
		}
		bytes += runs[i].size;
	}
	if (good) {
		ret = iommu_map_runs_nosync(domain, state->addr + offset, runs,
					    good, prot, gfp);
		if (ret)
			return ret;
		*linked = bytes;
	}
	return good == nr ? 0 : -ENOMEM;
}

/**
 * dma_iova_sync() - make linked ranges visible to the device
 * @dev: the device.
 * @state: the allocation.
 * @offset: first byte linked since the last sync, from @state->addr.
 * @size: bytes from there.
 *
 * One IOTLB operation for everything linked in the span.
 *
 * Context: any.
 * Return: 0 or the IOMMU driver's error.
 */
int dma_iova_sync(struct device *dev, struct dma_iova_state *state,
		  size_t offset, size_t size)
{
	return iommu_sync_map(iommu_get_dma_domain(dev), state->addr + offset,
			      size);
}
EXPORT_SYMBOL_GPL(dma_iova_sync);

/**
 * dma_iova_unlink() - unmap a span of reserved IOVA space
 * @dev: the device.
 * @state: the allocation.
 * @offset: first byte, from @state->addr, as given to dma_iova_link().
 * @size: bytes; the span must be linked all through.
 * @dir: DMA direction of the links.
 * @attrs: DMA_ATTR_* flags of the links.
 *
 * Syncs the memory for the CPU unless %DMA_ATTR_SKIP_CPU_SYNC or
 * %DMA_ATTR_MMIO is given, unmaps the whole granules of the span and
 * invalidates the IOTLB for them before returning, whatever the domain's
 * flush-queue policy: a later device access faults.  The IOVA space stays
 * reserved.
 *
 * Context: any.
 */
void dma_iova_unlink(struct device *dev, struct dma_iova_state *state,
		     size_t offset, size_t size, enum dma_data_direction dir,
		     unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	dma_addr_t addr = state->addr + offset;
	size_t pad = iova_offset(iovad, addr), span, unmapped;
	struct iommu_iotlb_gather gather;

	if (!size)
		return;
	span = iova_align(iovad, pad + size);
	if (!(attrs & (DMA_ATTR_MMIO | DMA_ATTR_SKIP_CPU_SYNC)) &&
	    !dev_is_dma_coherent(dev)) {
		size_t done;

		for (done = 0; done < span; done += iovad->granule) {
			phys_addr_t phys;

			phys = iommu_iova_to_phys(domain, addr - pad + done);
			if (phys)
				arch_sync_dma_for_cpu(phys, iovad->granule, dir);
		}
	}
	iommu_iotlb_gather_init(&gather);
	unmapped = iommu_unmap_fast(domain, addr - pad, span, &gather);
	WARN_ON(unmapped != span);
	iommu_iotlb_sync(domain, &gather);
}
EXPORT_SYMBOL_GPL(dma_iova_unlink);

/**
 * dma_iova_destroy() - unlink and free reserved IOVA space
 * @dev: the device.
 * @state: the allocation.
 * @mapped_len: bytes linked from @state->addr (0: none).
 * @dir: DMA direction of the links.
 * @attrs: DMA_ATTR_* flags of the links.
 *
 * dma_iova_unlink() of [0, @mapped_len) then dma_iova_free().
 *
 * Context: any.
 */
void dma_iova_destroy(struct device *dev, struct dma_iova_state *state,
		      size_t mapped_len, enum dma_data_direction dir,
		      unsigned long attrs)
{
	if (mapped_len)
		dma_iova_unlink(dev, state, 0, mapped_len, dir, attrs);
	dma_iova_free(dev, state);
}
EXPORT_SYMBOL_GPL(dma_iova_destroy);
