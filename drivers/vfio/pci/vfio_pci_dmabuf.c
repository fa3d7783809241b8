// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF: export ranges of a BAR as a dma-buf.
 *
 * The dma-buf is backed by a physr list of the BAR ranges (PHYSR_MMIO, with
 * the BAR as provider): no struct page exists for them. Importers must
 * allow peer-to-peer access and be dynamic (have move_notify), because the
 * exporter takes access away whenever the BAR stops decoding:
 *
 *  - vfio_pci_zap_bars() (device reset, memory enable cleared in the
 *    command register, low power, hot reset) revokes every dma-buf of the
 *    device: under the reservation lock, access is marked revoked,
 *    dma_buf_move_notify() tells the importers to drop their mappings, and
 *    every fence of the reservation object (DMA still in flight) is
 *    waited for before the zap returns;
 *  - a successful VFIO_DEVICE_RESET, a command register write or a return
 *    to D0 allows new mappings again, if __vfio_pci_memory_enabled() (memory
 *    enabled and not in D3hot);
 *  - closing the device revokes the dma-bufs for good; each dma-buf still
 *    holds a registration of the device until it is released.
 *
 * An importer gets the list with dma_buf_physr() (IOMMUFD does, see
 * drivers/iommu/iommufd/file.c); others get an sg_table of DMA addresses
 * for their device. dma_buf_physr_flags() says DMA_BUF_PHYSR_CPU_ACCESS
 * for a BAR that vfio-pci-core lets userspace mmap: a software RDMA
 * provider may then reach the ranges through ioremap(), until revoked.
 *
 * Reachability: the PCI topology between the BAR's device and the
 * importer's device decides (pci_p2pdma_client_map_type(), 6.12's
 * pci_p2pdma rules), at attach and again at each map: through switches
 * only, the sg_table holds PCI bus addresses (marked with
 * sg_dma_mark_bus_address(), nothing is mapped); through a host bridge
 * that forwards peer-to-peer, the CPU physical address is mapped with
 * dma_map_resource(); otherwise the attach or map fails with -EREMOTEIO.
 * An importer whose device is not a PCI device (IOMMUFD's) may attach,
 * since it maps the physr list itself; map_dma_buf refuses it.
 *
 * Locking: vdev->memory_lock (write) protects vdev->dmabufs and is taken
 * before the reservation lock of each dma-buf; the revoked flag is written
 * under both and read under the reservation lock.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-physr.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dma-resv.h>
#include <linux/pci.h>
#include <linux/physr.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vfio_pci_core.h>

#include "vfio_pci_priv.h"

MODULE_IMPORT_NS(DMA_BUF);

/* Bounds the memory a single request can make the kernel allocate */
#define VFIO_PCI_DMA_BUF_MAX_RANGES	65536

struct vfio_pci_dma_buf {
	struct dma_buf *dmabuf;
	/*
	 * Holds a registration of the vfio_device, NULL before export: the
	 * device stays bound to its driver, whose code release() runs, until
	 * the dma-buf is gone (an unbind waits for it).
	 */
	struct vfio_pci_core_device *vdev;
	/* In vdev->dmabufs while the device is open, under memory_lock */
	struct list_head node;
	struct physr_provider provider;
	struct physr pr;
	bool revoked;
	/* The CPU may map the ranges too: DMA_BUF_PHYSR_CPU_ACCESS */
	bool cpu_access;
};

/* Is @dev, or a parent of it, a PCI device? */
static bool vfio_pci_dma_buf_pci_importer(struct device *dev)
{
	for (; dev; dev = dev->parent)
		if (dev_is_pci(dev))
			return true;
	return false;
}

static int vfio_pci_dma_buf_attach(struct dma_buf *dmabuf,
				   struct dma_buf_attachment *attach)
{
	struct vfio_pci_dma_buf *priv = dmabuf->priv;

	/* Device memory that can be taken away: P2P and move_notify only */
	if (!attach->peer2peer || !attach->importer_ops ||
	    !attach->importer_ops->move_notify)
		return -EOPNOTSUPP;
	/* A PCI importer needs a path to the BAR; the reason is logged */
	if (vfio_pci_dma_buf_pci_importer(attach->dev) &&
	    pci_p2pdma_client_map_type(priv->provider.pdev, attach->dev,
				       true) == PCI_P2PDMA_MAP_NOT_SUPPORTED)
		return -EREMOTEIO;
	return 0;
}

/* Access can be revoked at any time: the memory cannot be pinned */
static int vfio_pci_dma_buf_pin(struct dma_buf_attachment *attach)
{
	return -EOPNOTSUPP;
}

static void vfio_pci_dma_buf_unpin(struct dma_buf_attachment *attach)
{
}

static void vfio_pci_dma_buf_unmap_sg(struct dma_buf_attachment *attach,
				      struct sg_table *sgt, unsigned int nents,
				      enum dma_data_direction dir)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		if (i == nents)
			break;
		/* A bus address was never mapped */
		if (sg_dma_is_bus_address(sg))
			continue;
		dma_unmap_resource(attach->dev, sg_dma_address(sg),
				   sg_dma_len(sg), dir, DMA_ATTR_SKIP_CPU_SYNC);
	}
	sg_free_table(sgt);
	kfree(sgt);
}

static struct sg_table *
vfio_pci_dma_buf_map(struct dma_buf_attachment *attach,
		     enum dma_data_direction dir)
{
	struct vfio_pci_dma_buf *priv = attach->dmabuf->priv;
	const u64 max_seg = UINT_MAX & PAGE_MASK;
	struct physr_block_iter bi;
	struct physr_range blk;
	struct physr_iter it;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int n = 0;
	bool bus_addr;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (priv->revoked)
		return ERR_PTR(-ENODEV);
	switch (pci_p2pdma_client_map_type(priv->provider.pdev, attach->dev,
					   false)) {
	case PCI_P2PDMA_MAP_BUS_ADDR:
		bus_addr = true;
		break;
	case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE:
		bus_addr = false;
		break;
	default:
		return ERR_PTR(-EREMOTEIO);
	}

	physr_iter_init(&it, &priv->pr);
	physr_for_each_block(&bi, &it, 0, max_seg, &blk)
		n++;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, n, GFP_KERNEL);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}

	n = 0;
	sg = sgt->sgl;
	physr_iter_init(&it, &priv->pr);
	physr_for_each_block(&bi, &it, 0, max_seg, &blk) {
		dma_addr_t addr;

		if (bus_addr) {
			/* Through switches only: no IOMMU, no host bridge */
			sg_dma_address(sg) = physr_provider_bus_addr(&priv->provider,
								     blk.phys);
			sg_dma_len(sg) = blk.len;
			sg_dma_mark_bus_address(sg);
			sg = sg_next(sg);
			n++;
			continue;
		}
		addr = dma_map_resource(attach->dev, blk.phys, blk.len, dir,
					DMA_ATTR_SKIP_CPU_SYNC);
		if (dma_mapping_error(attach->dev, addr)) {
			vfio_pci_dma_buf_unmap_sg(attach, sgt, n, dir);
			return ERR_PTR(-EIO);
		}
		/* No struct page: only the DMA side of the entry is used */
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = blk.len;
		sg = sg_next(sg);
		n++;
	}
	return sgt;
}

static void vfio_pci_dma_buf_unmap(struct dma_buf_attachment *attach,
				   struct sg_table *sgt,
				   enum dma_data_direction dir)
{
	vfio_pci_dma_buf_unmap_sg(attach, sgt, sgt->orig_nents, dir);
}

static void vfio_pci_dma_buf_release(struct dma_buf *dmabuf)
{
	struct vfio_pci_dma_buf *priv = dmabuf->priv;

	if (priv->vdev) {
		down_write(&priv->vdev->memory_lock);
		list_del_init(&priv->node);
		up_write(&priv->vdev->memory_lock);
		vfio_device_put_registration(&priv->vdev->vdev);
	}
	physr_destroy(&priv->pr);
	pci_dev_put(priv->provider.pdev);
	kfree(priv);
}

static int vfio_pci_dma_buf_get_physr(struct dma_buf_attachment *attach,
				      const struct physr **pr)
{
	struct vfio_pci_dma_buf *priv = attach->dmabuf->priv;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (priv->revoked)
		return -ENODEV;
	*pr = &priv->pr;
	return 0;
}

static unsigned int vfio_pci_dma_buf_physr_flags(const struct dma_buf *dmabuf)
{
	struct vfio_pci_dma_buf *priv = dmabuf->priv;

	return priv->cpu_access ? DMA_BUF_PHYSR_CPU_ACCESS : 0;
}

static const struct dma_buf_ops vfio_pci_dma_buf_ops = {
	.attach = vfio_pci_dma_buf_attach,
	.pin = vfio_pci_dma_buf_pin,
	.unpin = vfio_pci_dma_buf_unpin,
	.map_dma_buf = vfio_pci_dma_buf_map,
	.unmap_dma_buf = vfio_pci_dma_buf_unmap,
	.release = vfio_pci_dma_buf_release,
	.get_physr = vfio_pci_dma_buf_get_physr,
	.physr_flags = vfio_pci_dma_buf_physr_flags,
};

static int vfio_pci_dma_range_cmp(const void *a, const void *b)
{
	const struct vfio_region_dma_range *ra = a, *rb = b;

	if (ra->offset != rb->offset)
		return ra->offset < rb->offset ? -1 : 1;
	return 0;
}

/* Page aligned, non-empty, inside the BAR and not overlapping: -EINVAL */
static int vfio_pci_dma_buf_check_ranges(const struct vfio_region_dma_range *ranges,
					 u32 nr, u64 bar_len)
{
	struct vfio_region_dma_range *sorted;
	int ret = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		u64 end;

		if (!ranges[i].length || !PAGE_ALIGNED(ranges[i].offset) ||
		    !PAGE_ALIGNED(ranges[i].length) ||
		    check_add_overflow(ranges[i].offset, ranges[i].length,
				       &end) || end > bar_len)
			return -EINVAL;
	}

	sorted = kmemdup_array(ranges, nr, sizeof(*ranges), GFP_KERNEL);
	if (!sorted)
		return -ENOMEM;
	sort(sorted, nr, sizeof(*sorted), vfio_pci_dma_range_cmp, NULL);
	for (i = 1; i < nr; i++) {
		if (sorted[i - 1].offset + sorted[i - 1].length >
		    sorted[i].offset) {
			ret = -EINVAL;
			break;
		}
	}
	kfree(sorted);
	return ret;
}

/**
 * vfio_pci_core_dma_buf_check() - the dma-buf check of a BAR exposed whole
 * @vdev: the device.
 * @region_index: the region, a BAR index.
 * @ranges: the ranges userspace asks for, offsets in the BAR.
 * @nr_ranges: how many, at least one.
 *
 * vfio-pci's &vfio_pci_device_ops.dma_buf_check: the region must be a
 * memory BAR that vfio-pci lets userspace mmap, and each range page
 * aligned, non-empty, inside the BAR and not overlapping another. A variant
 * driver may use it only if it exposes the BAR unchanged.
 *
 * Context: process context, the device is open.
 * Return: 0; -ENODEV when @region_index is not a memory BAR; -EINVAL when
 * the BAR cannot be mmap'ed or a range is not allowed; -ENOMEM.
 */
int vfio_pci_core_dma_buf_check(struct vfio_pci_core_device *vdev,
				u32 region_index,
				const struct vfio_region_dma_range *ranges,
				u32 nr_ranges)
{
	struct pci_dev *pdev = vdev->pdev;

	if (region_index > VFIO_PCI_BAR5_REGION_INDEX ||
	    !pci_resource_len(pdev, region_index) ||
	    !(pci_resource_flags(pdev, region_index) & IORESOURCE_MEM))
		return -ENODEV;
	if (!vdev->bar_mmap_supported[region_index])
		return -EINVAL;
	return vfio_pci_dma_buf_check_ranges(ranges, nr_ranges,
					     pci_resource_len(pdev,
							      region_index));
}
EXPORT_SYMBOL_GPL(vfio_pci_core_dma_buf_check);

static void vfio_pci_dma_buf_set_revoked(struct vfio_pci_dma_buf *priv,
					 bool revoked)
{
	dma_resv_lock(priv->dmabuf->resv, NULL);
	if (priv->revoked != revoked) {
		priv->revoked = revoked;
		if (revoked) {
			dma_buf_move_notify(priv->dmabuf);
			/*
			 * Under the move_notify contract an importer may still
			 * have DMA in flight, tracked by its fences: wait for
			 * all of them before the BAR goes away (a reset, memory
			 * decoding off). IOMMUFD unmaps synchronously and adds
			 * none.
			 */
			dma_resv_wait_timeout(priv->dmabuf->resv,
					      DMA_RESV_USAGE_BOOKKEEP, false,
					      MAX_SCHEDULE_TIMEOUT);
		}
	}
	dma_resv_unlock(priv->dmabuf->resv);
}

/**
 * vfio_pci_dma_buf_move() - revoke or allow access to exported BAR ranges
 * @vdev: the device.
 * @revoked: true to take access away (importers are told to drop their
 *	mappings before this returns), false to allow new mappings.
 *
 * Context: process context, @vdev->memory_lock held for writing.
 */
void vfio_pci_dma_buf_move(struct vfio_pci_core_device *vdev, bool revoked)
{
	struct vfio_pci_dma_buf *priv;

	lockdep_assert_held_write(&vdev->memory_lock);
	list_for_each_entry(priv, &vdev->dmabufs, node)
		vfio_pci_dma_buf_set_revoked(priv, revoked);
}

/**
 * vfio_pci_dma_buf_cleanup() - revoke the dma-bufs of a device for good
 * @vdev: the device being closed.
 *
 * The dma-bufs stay valid objects until their last reference goes, but
 * never give access to the BAR again.
 *
 * Context: process context.
 */
void vfio_pci_dma_buf_cleanup(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_dma_buf *priv, *tmp;

	down_write(&vdev->memory_lock);
	list_for_each_entry_safe(priv, tmp, &vdev->dmabufs, node) {
		list_del_init(&priv->node);
		vfio_pci_dma_buf_set_revoked(priv, true);
	}
	up_write(&vdev->memory_lock);
}

/**
 * vfio_pci_core_feature_dma_buf() - VFIO_DEVICE_FEATURE_DMA_BUF
 * @vdev: the device.
 * @flags: the feature flags; only %VFIO_DEVICE_FEATURE_GET (and PROBE).
 * @arg: the user's &struct vfio_device_feature_dma_buf and its ranges.
 * @argsz: bytes at @arg.
 *
 * Context: process context, the device is open.
 * The device's driver must opt in with &vfio_pci_device_ops.dma_buf_check,
 * which checks the ranges against what the driver exposes: a variant
 * driver that restricts or emulates a BAR does not export the real one.
 *
 * Return: the new dma-buf fd; -ENOTTY when the driver does not export
 * dma-bufs; -EINVAL for non-zero flags, bad open_flags, no ranges, an
 * @argsz too small for them, or ranges the driver refuses (vfio-pci: a BAR
 * that cannot be mmap'ed, a range that is empty, not page aligned, outside
 * the BAR or overlaps another); -E2BIG for more than 65536 ranges; -ENODEV
 * for a region index that is not a memory BAR of the device; -EFAULT;
 * -ENOMEM; errors of vfio_check_feature() and dma_buf_fd().
 */
int vfio_pci_core_feature_dma_buf(struct vfio_pci_core_device *vdev, u32 flags,
				  struct vfio_device_feature_dma_buf __user *arg,
				  size_t argsz)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vfio_device_feature_dma_buf get;
	struct vfio_region_dma_range *ranges;
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_dma_buf *priv;
	struct dma_buf *dmabuf;
	resource_size_t start;
	unsigned int bar;
	u32 i;
	int ret;

	/* Opt-in: PROBE says the feature does not exist otherwise */
	if (!vdev->pci_ops || !vdev->pci_ops->dma_buf_check)
		return -ENOTTY;
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				 sizeof(get));
	if (ret != 1)
		return ret;
	if (copy_from_user(&get, arg, sizeof(get)))
		return -EFAULT;

	if (get.flags || !get.nr_ranges ||
	    (get.open_flags & ~(O_CLOEXEC | O_ACCMODE)))
		return -EINVAL;
	if (get.nr_ranges > VFIO_PCI_DMA_BUF_MAX_RANGES)
		return -E2BIG;
	if (argsz < sizeof(get) + (size_t)get.nr_ranges * sizeof(*ranges))
		return -EINVAL;
	bar = get.region_index;
	if (bar > VFIO_PCI_BAR5_REGION_INDEX || !pci_resource_len(pdev, bar) ||
	    !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM))
		return -ENODEV;

	ranges = memdup_array_user(&arg->dma_ranges, get.nr_ranges,
				   sizeof(*ranges));
	if (IS_ERR(ranges))
		return PTR_ERR(ranges);
	/* What the driver exposes of the BAR, not only what the BAR is */
	ret = vdev->pci_ops->dma_buf_check(vdev, bar, ranges, get.nr_ranges);
	if (ret)
		goto out_free_ranges;

	/* Claims the BAR for vfio, as an mmap of it would */
	ret = vfio_pci_core_setup_barmap(vdev, bar);
	if (ret)
		goto out_free_ranges;

	/* The device is open, so it is registered; keep it so for the dma-buf */
	if (!vfio_device_try_get_registration(&vdev->vdev)) {
		ret = -ENODEV;
		goto out_free_ranges;
	}

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv) {
		ret = -ENOMEM;
		goto out_put_reg;
	}
	INIT_LIST_HEAD(&priv->node);
	start = pci_resource_start(pdev, bar);
	priv->provider.pdev = pci_dev_get(pdev);
	priv->provider.bar = bar;
	priv->provider.bus_offset = pci_bus_address(pdev, bar) - start;
	priv->provider.bus_addr_is_phys = !priv->provider.bus_offset;
	ret = physr_init_mmio(&priv->pr, &priv->provider);
	for (i = 0; !ret && i < get.nr_ranges; i++)
		ret = physr_append(&priv->pr, start + ranges[i].offset,
				   ranges[i].length, GFP_KERNEL);
	if (ret)
		goto out_free_priv;

	/*
	 * The CPU may access the ranges where userspace may: a BAR vfio-pci
	 * lets userspace mmap, through vfio-pci-core's own mmap (a variant
	 * driver with its own mmap may restrict or emulate the BAR).
	 */
	priv->cpu_access = vdev->bar_mmap_supported[bar] &&
			   vdev->vdev.ops->mmap == vfio_pci_core_mmap;

	exp_info.ops = &vfio_pci_dma_buf_ops;
	exp_info.size = physr_total_bytes(&priv->pr);
	exp_info.flags = get.open_flags;
	exp_info.priv = priv;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto out_free_priv;
	}
	priv->dmabuf = dmabuf;

	/* From here dma_buf_put() undoes everything, registration included */
	down_write(&vdev->memory_lock);
	priv->vdev = vdev;
	priv->revoked = !__vfio_pci_memory_enabled(vdev);
	list_add_tail(&priv->node, &vdev->dmabufs);
	up_write(&vdev->memory_lock);

	ret = dma_buf_fd(dmabuf, get.open_flags);
	if (ret < 0)
		dma_buf_put(dmabuf);
	kfree(ranges);
	return ret;

out_free_priv:
	physr_destroy(&priv->pr);
	pci_dev_put(priv->provider.pdev);
	kfree(priv);
out_put_reg:
	vfio_device_put_registration(&vdev->vdev);
out_free_ranges:
	kfree(ranges);
	return ret;
}
