// SPDX-License-Identifier: GPL-2.0
/*
 * DMA mapping of physr lists: dma_map_physr() is a walker over the DMA
 * layer's own interfaces, the two-step IOVA API (dma_iova_try_alloc(),
 * dma_iova_link(), dma_iova_sync(), dma_iova_destroy()) and
 * dma_map_phys(); it has no backend of its own.
 *
 * The window is cut into pieces, each of which is mapped one of three ways:
 *
 * - linked: the device has an IOMMU DMA domain and one IOVA allocation
 *   for the window was made.  Each range is widened to whole IOVA granules
 *   and the widened ranges are laid end to end; physically contiguous
 *   widened ranges form runs, linked a batch at a time with the domain's
 *   map_runs op (iommu_dma_iova_link_runs()), and one dma_iova_sync()
 *   covers the allocation.  For an untrusted device only the whole
 *   granules of a RAM range are linked: the partial granules at either
 *   end are "phys" pieces, bounced through swiotlb by dma_map_phys().
 * - phys: one dma_map_phys() per piece of at most dma_max_mapping_size():
 *   every range when the device's DMA is direct (or when no IOVA space
 *   could be reserved), with swiotlb bounce slots where 6.12's dma-direct
 *   needs them.
 * - bus: MMIO reached through PCI switches only: the PCI bus address,
 *   nothing is mapped (the transaction never reaches the host bridge).
 *
 * The DMA addresses are written to the map's segment array in the order
 * of the window's bytes, merged where linked pieces touch in IOVA space,
 * and cut so that no segment is longer than dma_get_max_seg_size() or
 * crosses a dma_get_seg_boundary() boundary.
 *
 * MMIO: how the device reaches the peer's BAR is decided once per mapping,
 * from the PCI topology between the provider's pci_dev and the device
 * (pci_p2pdma_client_map_type(), 6.12's pci_p2pdma rules): through
 * switches only, the bus address; through a host bridge that forwards
 * peer-to-peer, the CPU physical address mapped with %DMA_ATTR_MMIO
 * (IOMMU_MMIO under an IOMMU, never bounced); otherwise -EREMOTEIO.
 */

#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dma-physr.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/iommu-dma.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include "debug.h"
#include "direct.h"
#include "physr_backend.h"

/* map->__flags */
#define DMA_PHYSR_BUS		BIT(0)	/* MMIO by PCI bus address */
#define DMA_PHYSR_IOVA		BIT(1)	/* map->state holds the IOVA space */
#define DMA_PHYSR_UNTRUSTED	BIT(2)	/* bounce partial granules */

/* Runs handed to the IOMMU per call: 8 KiB of array, 1 GiB of 2 MiB runs. */
#define DMA_PHYSR_BATCH		512
/* When even that array cannot be allocated (GFP_ATOMIC): on the stack. */
#define DMA_PHYSR_STACK		16

enum dma_physr_kind { DMA_PHYSR_LINK, DMA_PHYSR_PHYS, DMA_PHYSR_BUSADDR };

/* A piece of the window and how it is mapped. */
struct dma_physr_piece {
	phys_addr_t phys;
	u64 len;
	u64 woff;	/* offset in the window */
	enum dma_physr_kind kind;
};

/* Walks the pieces of a mapping, the same way at map and unmap time. */
struct dma_physr_walk {
	struct physr_iter it;
	struct physr_range r;
	u64 woff;
	/* DMA address lookup by window offset, over the segments */
	u32 seg;
	u64 seg_woff;
};

static void dma_physr_walk_init(struct dma_physr_walk *w,
				const struct physr_iter *it)
{
	memset(w, 0, sizeof(*w));
	physr_iter_copy(&w->it, it);
}

static bool dma_physr_next_piece(const struct dma_physr_map *map,
				 struct dma_physr_walk *w,
				 struct dma_physr_piece *p)
{
	u64 gmask = map->__granule - 1;

	if (!w->r.len && !physr_iter_next(&w->it, &w->r))
		return false;
	p->phys = w->r.phys;
	p->woff = w->woff;
	if (map->__flags & DMA_PHYSR_BUS) {
		p->kind = DMA_PHYSR_BUSADDR;
		p->len = w->r.len;
	} else if (!(map->__flags & DMA_PHYSR_IOVA)) {
		/* swiotlb finds no slot across the boundary: cut there */
		p->kind = DMA_PHYSR_PHYS;
		p->len = min3(w->r.len, (u64)map->__piece,
			      (p->phys | map->__boundary) - p->phys + 1);
		if (!p->len)
			p->len = min_t(u64, w->r.len, map->__piece);
	} else if (!(map->__flags & DMA_PHYSR_UNTRUSTED)) {
		p->kind = DMA_PHYSR_LINK;
		p->len = w->r.len;
	} else if (p->phys & gmask) {
		/* partial head granule */
		p->kind = DMA_PHYSR_PHYS;
		p->len = min(w->r.len, map->__granule - (p->phys & gmask));
	} else if (w->r.len > gmask) {
		p->kind = DMA_PHYSR_LINK;
		p->len = w->r.len & ~gmask;
	} else {
		/* partial tail granule */
		p->kind = DMA_PHYSR_PHYS;
		p->len = w->r.len;
	}
	w->r.phys += p->len;
	w->r.len -= p->len;
	w->woff += p->len;
	return true;
}

/* DMA address of window byte @woff; calls must come in increasing order. */
static dma_addr_t dma_physr_walk_addr(const struct dma_physr_map *map,
				      struct dma_physr_walk *w, u64 woff)
{
	while (w->seg < map->nr_segs &&
	       woff >= w->seg_woff + map->segs[w->seg].len) {
		w->seg_woff += map->segs[w->seg].len;
		w->seg++;
	}
	if (WARN_ON_ONCE(w->seg >= map->nr_segs))
		return DMA_MAPPING_ERROR;
	return map->segs[w->seg].addr + (woff - w->seg_woff);
}

static void dma_physr_free_segs(struct dma_physr_map *map)
{
	if (map->segs != map->inline_segs)
		kvfree(map->segs);
	map->segs = NULL;
	map->nr_segs = 0;
	map->__cap = 0;
}

static int dma_physr_grow(struct dma_physr_map *map, gfp_t gfp)
{
	struct dma_physr_seg *segs;
	u32 cap;

	if (map->__cap >= U32_MAX / 2)
		return -EOVERFLOW;
	cap = max_t(u32, 16, map->__cap * 2);
	segs = kvmalloc_array(cap, sizeof(*segs), gfp);
	if (!segs)
		return -ENOMEM;
	memcpy(segs, map->segs, map->nr_segs * sizeof(*segs));
	if (map->segs != map->inline_segs)
		kvfree(map->segs);
	map->segs = segs;
	map->__cap = cap;
	return 0;
}

/*
 * Append [addr, addr + len) to the segments: merged into the last one if
 * @merge and they touch, cut at the device's maximum segment size and
 * segment boundary.
 */
static int dma_physr_emit(struct dma_physr_map *map, dma_addr_t addr, u64 len,
			  bool merge, gfp_t gfp)
{
	u64 max = map->__max_seg, mask = map->__boundary;
	int ret;

	if (merge && map->nr_segs) {
		struct dma_physr_seg *last = &map->segs[map->nr_segs - 1];
		u64 end = last->addr + last->len, room;

		if (end == addr && last->len < max &&
		    (last->addr | mask) != end - 1) {
			room = min(max - last->len, (last->addr | mask) - end + 1);
			/* The common case: the whole piece fits the last one */
			if (likely(len <= room)) {
				last->len += len;
				return 0;
			}
			last->len += room;
			addr += room;
			len -= room;
		}
	}
	while (len) {
		u64 n = min3(len, max, (addr | mask) - addr + 1);

		/* (addr | mask) - addr + 1 wraps to 0 only for addr 0, mask ~0 */
		if (!n)
			n = min(len, max);
		if (map->nr_segs == map->__cap) {
			ret = dma_physr_grow(map, gfp);
			if (ret)
				return ret;
		}
		map->segs[map->nr_segs].addr = addr;
		map->segs[map->nr_segs].len = n;
		map->nr_segs++;
		addr += n;
		len -= n;
	}
	return 0;
}

static bool dma_physr_mmio(const struct dma_physr_map *map)
{
	return physr_kind_of(map->pr) == PHYSR_MMIO;
}

static unsigned long dma_physr_attrs(const struct dma_physr_map *map)
{
	return map->attrs | (dma_physr_mmio(map) ? DMA_ATTR_MMIO : 0);
}

/*
 * Can dma_map_phys() map this piece without a warning from 6.12's
 * dma-direct?  RAM it cannot reach needs an active swiotlb whose pool it
 * reaches (-EIO); MMIO is never bounced (-EREMOTEIO).
 */
static int dma_physr_phys_ok(const struct dma_physr_map *map,
			     const struct dma_physr_piece *p)
{
	struct device *dev = map->dev;

	if (use_dma_iommu(dev))
		return 0;
	if (dma_physr_mmio(map)) {
		if (is_swiotlb_force_bounce(dev) ||
		    !dma_capable(dev, phys_to_dma_unencrypted(dev, p->phys),
				 p->len, false))
			return -EREMOTEIO;
		return 0;
	}
	if (!is_swiotlb_force_bounce(dev) &&
	    dma_capable(dev, phys_to_dma(dev, p->phys), p->len, true))
		return 0;
	if (!is_swiotlb_active(dev) ||
	    !dma_capable(dev, phys_to_dma_unencrypted(dev, default_swiotlb_limit()),
			 1, true))
		return -EIO;
	return 0;
}

/* Register the linked pieces with dma-debug (CONFIG_DMA_API_DEBUG). */
static void dma_physr_debug(struct dma_physr_map *map, const struct physr_iter *it,
			    bool map_it)
{
	struct dma_physr_piece p;
	struct dma_physr_walk w;
	dma_addr_t addr;

	if (!IS_ENABLED(CONFIG_DMA_API_DEBUG))
		return;
	dma_physr_walk_init(&w, it);
	while (dma_physr_next_piece(map, &w, &p)) {
		if (p.kind != DMA_PHYSR_LINK)
			continue;
		addr = dma_physr_walk_addr(map, &w, p.woff);
		if (!map_it) {
			if (dma_physr_mmio(map))
				debug_dma_unmap_resource(map->dev, addr, p.len,
							 map->dir);
			else
				debug_dma_unmap_page(map->dev, addr, p.len,
						     map->dir);
			continue;
		}
		if (dma_physr_mmio(map))
			debug_dma_map_resource(map->dev, p.phys, p.len, map->dir,
					       addr, map->attrs);
		else
			debug_dma_map_page(map->dev, pfn_to_page(PHYS_PFN(p.phys)),
					   offset_in_page(p.phys), p.len, map->dir,
					   addr, map->attrs);
		/* The walker checked the mapping: tell dma-debug so */
		debug_dma_mapping_error(map->dev, addr);
	}
}

/*
 * Undo the phys pieces mapped before window offset @end, and the IOVA
 * space (@map->__linked bytes of it linked).
 */
static void dma_physr_undo(struct dma_physr_map *map, const struct physr_iter *it,
			   u64 end, unsigned long attrs)
{
	struct dma_physr_piece p;
	struct dma_physr_walk w;

	/* A window linked whole has no dma_map_phys() pieces to look for */
	if ((map->__flags & DMA_PHYSR_IOVA) &&
	    !(map->__flags & DMA_PHYSR_UNTRUSTED))
		goto iova;
	dma_physr_walk_init(&w, it);
	while (dma_physr_next_piece(map, &w, &p) && p.woff < end) {
		if (p.kind != DMA_PHYSR_PHYS)
			continue;
		dma_unmap_phys(map->dev, dma_physr_walk_addr(map, &w, p.woff),
			       p.len, map->dir, attrs);
	}
iova:
	if (map->__flags & DMA_PHYSR_IOVA)
		dma_iova_destroy(map->dev, &map->state, map->__linked, map->dir,
				 attrs);
}

/*
 * Reserve the IOVA space of the window if the device has an IOMMU DMA
 * domain.  Returns false when the window is to be mapped piece by piece.
 */
static bool dma_physr_try_iova(struct dma_physr_map *map,
			       const struct physr_iter *it)
{
	struct device *dev = map->dev;
	struct dma_physr_piece p;
	struct dma_physr_walk w;
	u64 size = 0, gmask;

	if (!use_dma_iommu(dev))
		return false;
	map->__granule = dma_get_merge_boundary(dev) + 1;
	if (!is_power_of_2(map->__granule))
		return false;
	gmask = map->__granule - 1;
	map->__flags |= DMA_PHYSR_IOVA;
	if (!dma_physr_mmio(map) && dev_is_pci(dev) && to_pci_dev(dev)->untrusted)
		map->__flags |= DMA_PHYSR_UNTRUSTED;
	if (!(map->__flags & DMA_PHYSR_UNTRUSTED)) {
		/* Every range is linked whole: no pieces to cut */
		struct physr_iter cur;
		struct physr_range r;

		physr_iter_copy(&cur, it);

		while (physr_iter_next(&cur, &r)) {
			u64 span = ALIGN((r.phys & gmask) + r.len, map->__granule);

			if (span < r.len || check_add_overflow(size, span, &size))
				goto piecewise;
		}
	} else {
		dma_physr_walk_init(&w, it);
		while (dma_physr_next_piece(map, &w, &p)) {
			u64 span;

			if (p.kind != DMA_PHYSR_LINK)
				continue;
			span = ALIGN((p.phys & gmask) + p.len, map->__granule);
			if (span < p.len || check_add_overflow(size, span, &size))
				goto piecewise;
		}
	}
	if (size && size <= SIZE_MAX &&
	    dma_iova_try_alloc(dev, &map->state, 0, size))
		return true;
piecewise:
	map->__flags &= ~(DMA_PHYSR_IOVA | DMA_PHYSR_UNTRUSTED);
	return false;
}

/*
 * The common case: a window linked whole (IOVA space reserved, a trusted
 * device), where every range is one link piece.  Walk the list directly
 * and extend the last run and the last segment in place; the general
 * dma_physr_emit() only where a new segment starts.  Same result as
 * dma_physr_map_pieces()'s loop, in fewer instructions per range.
 */
static int dma_physr_link_all(struct dma_physr_map *map,
			      const struct physr_iter *it,
			      struct iommu_map_run *runs, unsigned int max_runs,
			      bool sync, unsigned long attrs, gfp_t gfp)
{
	u64 gran = map->__granule, gmask = gran - 1, pos = 0;
	u64 max = map->__max_seg, mask = map->__boundary;
	dma_addr_t base = map->state.addr;
	struct physr_range r;
	unsigned int nr = 0;
	struct physr_iter cur;
	size_t linked;
	int ret;

	physr_iter_copy(&cur, it);
	while (physr_iter_next(&cur, &r)) {
		u64 pad = r.phys & gmask, start = r.phys - pad;
		u64 span = ALIGN(pad + r.len, gran);
		dma_addr_t addr = base + pos + pad;

		if (sync)
			arch_sync_dma_for_device(r.phys, r.len, map->dir);
		if (nr && start == runs[nr - 1].paddr + runs[nr - 1].size) {
			runs[nr - 1].size += span;
		} else {
			if (nr == max_runs) {
				ret = iommu_dma_iova_link_runs(map->dev, &map->state,
							       map->__linked, runs, nr,
							       map->dir, attrs, gfp,
							       &linked);
				map->__linked += linked;
				if (ret)
					return ret;
				nr = 0;
			}
			runs[nr].paddr = start;
			runs[nr].size = span;
			nr++;
		}
		pos += span;
		if (map->nr_segs) {
			struct dma_physr_seg *last = &map->segs[map->nr_segs - 1];

			/* Touches the last segment, fits its size and boundary */
			if (last->addr + last->len == addr &&
			    last->len + r.len <= max &&
			    (last->addr | mask) >= addr + r.len - 1) {
				last->len += r.len;
				continue;
			}
		}
		ret = dma_physr_emit(map, addr, r.len, true, gfp);
		if (ret)
			return ret;
	}
	if (nr) {
		ret = iommu_dma_iova_link_runs(map->dev, &map->state,
					       map->__linked, runs, nr, map->dir,
					       attrs, gfp, &linked);
		map->__linked += linked;
		if (ret)
			return ret;
	}
	return 0;
}

static int dma_physr_map_pieces(struct dma_physr_map *map,
				const struct physr_iter *it, gfp_t gfp)
{
	struct iommu_map_run stack_runs[DMA_PHYSR_STACK];
	struct iommu_map_run *runs = stack_runs;
	unsigned long attrs = dma_physr_attrs(map);
	const struct physr_provider *prov = physr_provider_of(map->pr);
	struct device *dev = map->dev;
	bool sync = !dma_physr_mmio(map) && !dev_is_dma_coherent(dev) &&
		    !(map->attrs & DMA_ATTR_SKIP_CPU_SYNC);
	unsigned int nr = 0, max_runs = DMA_PHYSR_STACK;
	u64 gmask = map->__granule - 1, pos = 0, done = 0;
	struct dma_physr_piece p;
	struct dma_physr_walk w;
	size_t linked;
	dma_addr_t addr;
	int ret = 0;

	if (map->__flags & DMA_PHYSR_IOVA) {
		struct iommu_map_run *big;

		big = kmalloc_array(DMA_PHYSR_BATCH, sizeof(*runs),
				    gfp | __GFP_NOWARN);
		if (big) {
			runs = big;
			max_runs = DMA_PHYSR_BATCH;
		}
	}

	if ((map->__flags & DMA_PHYSR_IOVA) &&
	    !(map->__flags & DMA_PHYSR_UNTRUSTED)) {
		ret = dma_physr_link_all(map, it, runs, max_runs, sync, attrs,
					 gfp);
		if (ret)
			goto fail;
		goto linked;
	}

	dma_physr_walk_init(&w, it);
	while (dma_physr_next_piece(map, &w, &p)) {
		switch (p.kind) {
		case DMA_PHYSR_BUSADDR:
			addr = physr_provider_bus_addr(prov, p.phys);
			if (is_swiotlb_force_bounce(dev) ||
			    !dma_capable(dev, addr, p.len, false)) {
				ret = -EREMOTEIO;
				goto fail;
			}
			ret = dma_physr_emit(map, addr, p.len, false, gfp);
			break;
		case DMA_PHYSR_PHYS:
			ret = dma_physr_phys_ok(map, &p);
			if (ret)
				goto fail;
			addr = dma_map_phys(dev, p.phys, p.len, map->dir, attrs);
			if (dma_mapping_error(dev, addr)) {
				ret = dma_physr_mmio(map) && !use_dma_iommu(dev) ?
				      -EREMOTEIO : -ENOMEM;
				goto fail;
			}
			ret = dma_physr_emit(map, addr, p.len, false, gfp);
			if (ret) {
				dma_unmap_phys(dev, addr, p.len, map->dir,
					       attrs | DMA_ATTR_SKIP_CPU_SYNC);
				goto fail;
			}
			break;
		case DMA_PHYSR_LINK: {
			u64 pad = p.phys & gmask, start = p.phys - pad;
			u64 span = ALIGN(pad + p.len, map->__granule);

			if (sync)
				arch_sync_dma_for_device(p.phys, p.len, map->dir);
			if (nr && start == runs[nr - 1].paddr + runs[nr - 1].size) {
				runs[nr - 1].size += span;
			} else {
				if (nr == max_runs) {
					ret = iommu_dma_iova_link_runs(dev, &map->state,
								       map->__linked, runs, nr,
								       map->dir, attrs, gfp,
								       &linked);
					map->__linked += linked;
					if (ret)
						goto fail;
					nr = 0;
				}
				runs[nr].paddr = start;
				runs[nr].size = span;
				nr++;
			}
			ret = dma_physr_emit(map, map->state.addr + pos + pad,
					     p.len, true, gfp);
			pos += span;
			break;
		}
		}
		if (ret)
			goto fail;
		done = p.woff + p.len;
	}
	if (nr) {
		ret = iommu_dma_iova_link_runs(dev, &map->state, map->__linked,
					       runs, nr, map->dir, attrs, gfp,
					       &linked);
		map->__linked += linked;
		if (ret)
			goto fail;
	}
linked:
	if (map->__flags & DMA_PHYSR_IOVA) {
		ret = dma_iova_sync(dev, &map->state, 0, map->__linked);
		if (ret)
			goto fail;
	}
	if (runs != stack_runs)
		kfree(runs);
	dma_physr_debug(map, it, true);
	return 0;

fail:
	if (runs != stack_runs)
		kfree(runs);
	dma_physr_undo(map, it, done, attrs | DMA_ATTR_SKIP_CPU_SYNC);
	dma_physr_free_segs(map);
	return ret;
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
		map->__flags |= DMA_PHYSR_BUS;
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
 * must use, in the order of the window's bytes, cut to the device's
 * maximum segment size and segment boundary.  Through an IOMMU DMA domain
 * the window gets one IOVA allocation (dma_iova_try_alloc()), its ranges
 * are linked in batches of physically contiguous runs and one
 * dma_iova_sync() ends it; an untrusted device gets the partial IOVA
 * granules at either end of a RAM range bounced through swiotlb
 * (dma_map_phys()) instead of exposing the rest of the granule.  Without
 * an IOMMU, or when no IOVA space can be reserved, each range is mapped
 * with dma_map_phys() (swiotlb bounce slots where the device cannot reach
 * it or swiotlb=force is set).  MMIO ranges are never bounced; the PCI
 * topology between their provider and @dev decides how they are reached
 * (see pci_p2pdma_client_map_type()): through switches only, they get
 * their PCI bus address, even when @dev's DMA goes through an IOMMU;
 * through a host bridge that forwards peer-to-peer, their CPU physical
 * address is mapped with %DMA_ATTR_MMIO; on any other path the mapping is
 * refused.  Unless %DMA_ATTR_SKIP_CPU_SYNC is given, the memory is synced
 * for the device.
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
 * swiotlb=force).
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
	map->segs = map->inline_segs;
	map->__cap = DMA_PHYSR_INLINE_SEGS;
	map->__granule = PAGE_SIZE;
	map->__piece = dma_max_mapping_size(dev) ?: PAGE_SIZE;
	map->__boundary = dma_get_seg_boundary(dev);
	map->__max_seg = dma_get_max_seg_size(dev);

	if (physr_kind_of(pr) == PHYSR_MMIO) {
		ret = dma_physr_p2p_path(dev, pr, map);
		if (ret)
			goto out;
	}
	if (!(map->__flags & DMA_PHYSR_BUS))
		dma_physr_try_iova(map, &it);
	ret = dma_physr_map_pieces(map, &it, gfp);
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
	struct physr_iter it;

	if (!map->nr_segs)
		return;
	if (!WARN_ON_ONCE(physr_iter_init_slice(&it, map->pr, map->offset,
						map->len))) {
		dma_physr_debug(map, &it, false);
		dma_physr_undo(map, &it, map->len, dma_physr_attrs(map));
	}
	dma_physr_free_segs(map);
	memset(map, 0, sizeof(*map));
}
EXPORT_SYMBOL_GPL(dma_unmap_physr);

static void dma_physr_sync(struct dma_physr_map *map, bool for_cpu)
{
	struct device *dev = map->dev;
	struct dma_physr_piece p;
	struct dma_physr_walk w;
	struct physr_iter it;
	dma_addr_t addr;

	if (!map->nr_segs || dma_physr_mmio(map))
		return;
	/* Coherent and linked whole: nothing to copy, nothing to flush */
	if (dev_is_dma_coherent(dev) && (map->__flags & DMA_PHYSR_IOVA) &&
	    !(map->__flags & DMA_PHYSR_UNTRUSTED))
		return;
	if (physr_iter_init_slice(&it, map->pr, map->offset, map->len))
		return;
	dma_physr_walk_init(&w, &it);
	while (dma_physr_next_piece(map, &w, &p)) {
		if (p.kind == DMA_PHYSR_PHYS) {
			addr = dma_physr_walk_addr(map, &w, p.woff);
			if (for_cpu)
				dma_sync_single_for_cpu(dev, addr, p.len, map->dir);
			else
				dma_sync_single_for_device(dev, addr, p.len,
							   map->dir);
		} else if (!dev_is_dma_coherent(dev)) {
			if (for_cpu)
				arch_sync_dma_for_cpu(p.phys, p.len, map->dir);
			else
				arch_sync_dma_for_device(p.phys, p.len, map->dir);
		}
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
	dma_physr_sync(map, true);
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
	dma_physr_sync(map, false);
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
