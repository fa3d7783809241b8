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

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/types.h>

/*
 * What an exporter allows an importer to do with its physr list, besides
 * mapping it for DMA (dma_buf_physr_flags()):
 *
 * DMA_BUF_PHYSR_CPU_ACCESS: the CPU may read and write the list's device
 * memory (%PHYSR_MMIO ranges) through a kernel mapping of the range made
 * with ioremap() (uncached, as MMIO; never a struct page and never a
 * cacheable mapping), with memcpy_toio()/memcpy_fromio(), until the
 * exporter's move_notify.  An exporter sets it only for memory that its
 * own users could map into the CPU too (vfio-pci: a BAR it lets userspace
 * mmap).  A %PHYSR_RAM list is reached through its pages and needs no flag.
 */
#define DMA_BUF_PHYSR_CPU_ACCESS	BIT(0)

struct dma_buf;
struct dma_buf_attachment;
struct physr;

#ifdef CONFIG_DMA_SHARED_BUFFER
bool dma_buf_physr_capable(const struct dma_buf *dmabuf);
int dma_buf_physr(struct dma_buf_attachment *attach, const struct physr **pr);
unsigned int dma_buf_physr_flags(const struct dma_buf *dmabuf);
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

static inline unsigned int dma_buf_physr_flags(const struct dma_buf *dmabuf)
{
	return 0;
}
#endif

#endif /* _LINUX_DMA_BUF_PHYSR_H */
