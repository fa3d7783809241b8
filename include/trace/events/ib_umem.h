/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint of ib_umem_get(): the size of what a registration keeps to
 * describe the memory it pinned (the registration benchmark reads it).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ib_umem

#if !defined(_TRACE_IB_UMEM_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_IB_UMEM_H

#include <linux/tracepoint.h>

/*
 * ib_umem_get: a umem pinned and mapped by ib_umem_get()
 * @length: bytes registered.
 * @physr: pinned through a physr list (0: 6.12's scatterlist path).
 * @nr_ranges: ranges of the physr list (0 on the scatterlist path).
 * @sg_entries: entries of the scatterlist (its page side).
 * @nr_dma_segs: DMA segments the block iterator walks (0: the table's).
 * @metadata_bytes: bytes of the umem's own structures: the umem, the
 *	physr list's chunk pages, the scatterlist's entry arrays and the
 *	segment array (computed from their counts and allocation units).
 */
TRACE_EVENT(ib_umem_get,
	TP_PROTO(u64 length, bool physr, u64 nr_ranges, u32 sg_entries,
		 u32 nr_dma_segs, u64 metadata_bytes),
	TP_ARGS(length, physr, nr_ranges, sg_entries, nr_dma_segs,
		metadata_bytes),
	TP_STRUCT__entry(
		__field(u64, length)
		__field(bool, physr)
		__field(u64, nr_ranges)
		__field(u32, sg_entries)
		__field(u32, nr_dma_segs)
		__field(u64, metadata_bytes)
	),
	TP_fast_assign(
		__entry->length = length;
		__entry->physr = physr;
		__entry->nr_ranges = nr_ranges;
		__entry->sg_entries = sg_entries;
		__entry->nr_dma_segs = nr_dma_segs;
		__entry->metadata_bytes = metadata_bytes;
	),
	TP_printk("length=%llu physr=%d ranges=%llu sg_entries=%u dma_segs=%u metadata_bytes=%llu",
		  __entry->length, __entry->physr, __entry->nr_ranges,
		  __entry->sg_entries, __entry->nr_dma_segs,
		  __entry->metadata_bytes)
);

#endif /* _TRACE_IB_UMEM_H */

#include <trace/define_trace.h>
