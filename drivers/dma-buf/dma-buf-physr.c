// SPDX-License-Identifier: GPL-2.0
/*
 * The importer side of dma-bufs backed by physr lists.
 *
 * 6.12's dma-buf API hands an importer an sg_table of DMA addresses mapped
 * for one device.  An importer that maps the memory itself, as IOMMUFD
 * does into its own IOMMU domains, needs the physical ranges instead, with
 * no struct page for device memory.  Exporters that can give them set
 * &dma_buf_ops.get_physr; an importer asks with dma_buf_physr() and is
 * told by the exporter's dma_buf_move_notify() when it must stop using
 * them.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-physr.h>
#include <linux/dma-resv.h>
#include <linux/export.h>

/**
 * dma_buf_physr_capable() - whether a dma-buf's exporter gives a physr
 * @dmabuf: the dma-buf.
 *
 * Lets an importer that only works with physr lists refuse a dma-buf before
 * attaching to it (an attachment may make the exporter map the memory).
 *
 * Context: any.
 * Return: true when dma_buf_physr() is supported for @dmabuf.
 */
bool dma_buf_physr_capable(const struct dma_buf *dmabuf)
{
	return dmabuf->ops->get_physr;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_physr_capable, DMA_BUF);

/**
 * dma_buf_physr() - the physr list behind an attached dma-buf
 * @attach: an attachment made with dma_buf_dynamic_attach() by an importer
 *	whose &dma_buf_attach_ops allow peer-to-peer and have move_notify.
 * @pr: receives the list; it covers the whole dma-buf in offset order.
 *
 * No reference is taken (there is nothing to put): the list belongs to the
 * exporter and stays valid until @attach is detached, but the importer may use
 * the memory it describes only until the exporter calls its move_notify;
 * after that a new call returns -ENODEV until the exporter allows access
 * again.  A %PHYSR_MMIO list describes device memory: map it as such
 * (IOMMU_MMIO, never cacheable), never through struct page.
 *
 * Context: the caller holds the dma-buf's reservation lock.
 * Return: 0; -EOPNOTSUPP when the exporter gives no physr (the dma-buf can
 * only be used through an sg_table) or the attachment is not a
 * peer-to-peer dynamic one; -ENODEV when access is revoked.
 */
int dma_buf_physr(struct dma_buf_attachment *attach, const struct physr **pr)
{
	const struct dma_buf_ops *ops = attach->dmabuf->ops;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!ops->get_physr || !attach->peer2peer ||
	    !dma_buf_attachment_is_dynamic(attach))
		return -EOPNOTSUPP;
	return ops->get_physr(attach, pr);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_physr, DMA_BUF);

/**
 * dma_buf_physr_flags() - what the exporter allows besides DMA
 * @dmabuf: the dma-buf.
 *
 * The exporter's &dma_buf_ops.physr_flags, fixed for the dma-buf's life:
 * %DMA_BUF_PHYSR_CPU_ACCESS when the CPU may access its device memory
 * through a kernel mapping of the range (see include/linux/dma-buf-physr.h).
 * An importer that accesses device memory with the CPU (a software RDMA
 * provider) must refuse a dma-buf without it.  Access still ends at the
 * exporter's move_notify, as for DMA.
 *
 * Context: any.
 * Return: a mask of DMA_BUF_PHYSR_* flags; 0 when the exporter gives no
 * physr list or allows nothing but DMA.
 */
unsigned int dma_buf_physr_flags(const struct dma_buf *dmabuf)
{
	const struct dma_buf_ops *ops = dmabuf->ops;

	if (!ops->get_physr || !ops->physr_flags)
		return 0;
	return ops->physr_flags(dmabuf);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_physr_flags, DMA_BUF);
