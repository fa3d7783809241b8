/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dma-buf exporters that can describe their memory as a physr list, and
 * the importers that use that list directly instead of an sg_table.
 *
 * See Documentation/driver-api/vfio-dma-buf.rst.
 */
#ifndef _LINUX_DMA_BUF_PHYSR_H
#define _LINUX_DMA_BUF_PHYSR_H

#include <linux/list.h>
#include <linux/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct dma_buf_ops;
struct physr;

/**
 * struct dma_buf_physr_exporter - an exporter that hands out its physr
 * @ops: the &struct dma_buf_ops of the exporter's dma-bufs; a dma-buf is
 *	recognised as this exporter's by its ops pointer.
 * @get_physr: give the list describing the whole dma-buf, in dma-buf
 *	offset order.  Called with the dma-buf's reservation lock held, for
 *	an attachment of an importer that allows peer-to-peer access and has
 *	a move_notify callback.  Returns 0, or -ENODEV while the exporter has
 *	revoked access to the memory.  Must not sleep.
 * @node: entry in the list of exporters.
 */
struct dma_buf_physr_exporter {
	const struct dma_buf_ops *ops;
	int (*get_physr)(struct dma_buf_attachment *attach,
			 const struct physr **pr);
	struct list_head node;
};

#ifdef CONFIG_DMA_SHARED_BUFFER
void dma_buf_physr_register(struct dma_buf_physr_exporter *exp);
void dma_buf_physr_unregister(struct dma_buf_physr_exporter *exp);
bool dma_buf_physr_capable(const struct dma_buf *dmabuf);
int dma_buf_get_physr(struct dma_buf_attachment *attach,
		      const struct physr **pr);
#else
static inline bool dma_buf_physr_capable(const struct dma_buf *dmabuf)
{
	return false;
}

static inline int dma_buf_get_physr(struct dma_buf_attachment *attach,
				    const struct physr **pr)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_DMA_BUF_PHYSR_H */
