/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Importers of dma-bufs that use the exporter's physr list directly
 * instead of an sg_table; exporters give it through
 * &dma_buf_ops.get_physr.
 *
 * See Documentation/driver-api/vfio-dma-buf.rst.
 */
#ifndef _LINUX_DMA_BUF_PHYSR_H
#define _LINUX_DMA_BUF_PHYSR_H

#include <linux/errno.h>
#include <linux/types.h>

struct dma_buf;
struct dma_buf_attachment;
struct physr;

#ifdef CONFIG_DMA_SHARED_BUFFER
bool dma_buf_physr_capable(const struct dma_buf *dmabuf);
int dma_buf_physr(struct dma_buf_attachment *attach, const struct physr **pr);
#else
static inline bool dma_buf_physr_capable(const struct dma_buf *dmabuf)
{
	return false;
}

static inline int dma_buf_physr(struct dma_buf_attachment *attach,
				const struct physr **pr)
{
	return -EOPNOTSUPP;
}
#endif

#endif /* _LINUX_DMA_BUF_PHYSR_H */
