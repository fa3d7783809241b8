/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live update events: what Kexec HandOver, the Live Update Orchestrator
 * and the memfd handler do with each preserve, freeze, retrieve and
 * finish.  The kernel log only reports refusals and rejected handovers.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM liveupdate

#if !defined(_TRACE_LIVEUPDATE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_LIVEUPDATE_H

#include <linux/tracepoint.h>

/**
 * liveupdate_memfd_preserve - a memfd's record was written
 * @what: "preserved" (at preserve) or "re-preserved at freeze" (when
 *	folios were added since).
 * @name: the file's name, "memfd:...".
 * @size: file size in bytes.
 * @nr_pages: base pages preserved.
 * @nr_folios: folios preserved.
 * @nr_runs: runs of version 2.
 * @v2_bytes: bytes of the version 2 record, 0 when not written.
 * @v1_bytes: bytes of the version 1 record, 0 when not written.
 * @v3_bytes: bytes of the version 3 record (header, list references,
 *	segments), 0 when not written.  Its folio lists are KHO's
 *	preservation of the folios, counted in kho/out/maps.
 * @nr_segs: segments of version 3.
 */
TRACE_EVENT(liveupdate_memfd_preserve,
	TP_PROTO(const char *what, const char *name, loff_t size,
		 unsigned long nr_pages, unsigned long nr_folios,
		 unsigned long nr_runs, u64 v2_bytes, u64 v1_bytes,
		 u64 v3_bytes, unsigned long nr_segs),
	TP_ARGS(what, name, size, nr_pages, nr_folios, nr_runs, v2_bytes,
		v1_bytes, v3_bytes, nr_segs),
	TP_STRUCT__entry(
		__string(what, what)
		__string(name, name)
		__field(loff_t, size)
		__field(unsigned long, nr_pages)
		__field(unsigned long, nr_folios)
		__field(unsigned long, nr_runs)
		__field(u64, v2_bytes)
		__field(u64, v1_bytes)
		__field(u64, v3_bytes)
		__field(unsigned long, nr_segs)
	),
	TP_fast_assign(
		__assign_str(what);
		__assign_str(name);
		__entry->size = size;
		__entry->nr_pages = nr_pages;
		__entry->nr_folios = nr_folios;
		__entry->nr_runs = nr_runs;
		__entry->v2_bytes = v2_bytes;
		__entry->v1_bytes = v1_bytes;
		__entry->v3_bytes = v3_bytes;
		__entry->nr_segs = nr_segs;
	),
	TP_printk("%s %s: size %lld, %lu pages in %lu folios, %lu runs, record v2 %llu bytes, v1 %llu bytes, v3 %llu bytes, %lu segments",
		  __get_str(what), __get_str(name), __entry->size,
		  __entry->nr_pages, __entry->nr_folios, __entry->nr_runs,
		  __entry->v2_bytes, __entry->v1_bytes, __entry->v3_bytes,
		  __entry->nr_segs)
);

/**
 * liveupdate_memfd_freeze - a preserved memfd was frozen for the kexec
 * @name: the file's name.
 * @rescanned: folios were added since preserve and the file was scanned
 *	again.
 * @err: 0, or the error that refuses the kexec.
 */
TRACE_EVENT(liveupdate_memfd_freeze,
	TP_PROTO(const char *name, bool rescanned, int err),
	TP_ARGS(name, rescanned, err),
	TP_STRUCT__entry(
		__string(name, name)
		__field(bool, rescanned)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(name);
		__entry->rescanned = rescanned;
		__entry->err = err;
	),
	TP_printk("froze %s: rescanned %d, err %d", __get_str(name),
		  __entry->rescanned, __entry->err)
);

/**
 * liveupdate_memfd_retrieve - a memfd was built again in the next kernel
 * @name: the file's name.
 * @version: the record version it was read from.
 * @size: file size in bytes.
 * @nr_pages: base pages restored.
 * @nr_folios: folios restored.
 * @nr_entries: entries of the record.
 */
TRACE_EVENT(liveupdate_memfd_retrieve,
	TP_PROTO(const char *name, u32 version, u64 size, u64 nr_pages,
		 u64 nr_folios, u64 nr_entries),
	TP_ARGS(name, version, size, nr_pages, nr_folios, nr_entries),
	TP_STRUCT__entry(
		__string(name, name)
		__field(u32, version)
		__field(u64, size)
		__field(u64, nr_pages)
		__field(u64, nr_folios)
		__field(u64, nr_entries)
	),
	TP_fast_assign(
		__assign_str(name);
		__entry->version = version;
		__entry->size = size;
		__entry->nr_pages = nr_pages;
		__entry->nr_folios = nr_folios;
		__entry->nr_entries = nr_entries;
	),
	TP_printk("retrieved %s (v%u): size %llu, %llu pages in %llu folios, %llu entries",
		  __get_str(name), __entry->version, __entry->size,
		  __entry->nr_pages, __entry->nr_folios, __entry->nr_entries)
);

/**
 * liveupdate_freeze - LUO froze every outgoing session for the kexec
 * @nr_sessions: sessions handed over.
 * @err: 0, or the error that refuses the kexec.
 */
TRACE_EVENT(liveupdate_freeze,
	TP_PROTO(unsigned long nr_sessions, int err),
	TP_ARGS(nr_sessions, err),
	TP_STRUCT__entry(
		__field(unsigned long, nr_sessions)
		__field(int, err)
	),
	TP_fast_assign(
		__entry->nr_sessions = nr_sessions;
		__entry->err = err;
	),
	TP_printk("handing over %lu sessions, err %d", __entry->nr_sessions,
		  __entry->err)
);

/**
 * liveupdate_incoming - LUO read the sessions of the previous kernel
 * @nr_sessions: incoming sessions waiting for userspace.
 */
TRACE_EVENT(liveupdate_incoming,
	TP_PROTO(unsigned long nr_sessions),
	TP_ARGS(nr_sessions),
	TP_STRUCT__entry(
		__field(unsigned long, nr_sessions)
	),
	TP_fast_assign(
		__entry->nr_sessions = nr_sessions;
	),
	TP_printk("%lu incoming sessions", __entry->nr_sessions)
);

/**
 * kho_finish - the rest of the incoming handover was released
 * @data_pages: preserved pages nobody restored, freed.
 * @meta_pages: pages of KHO's own metadata, freed.
 */
TRACE_EVENT(kho_finish,
	TP_PROTO(u64 data_pages, u64 meta_pages),
	TP_ARGS(data_pages, meta_pages),
	TP_STRUCT__entry(
		__field(u64, data_pages)
		__field(u64, meta_pages)
	),
	TP_fast_assign(
		__entry->data_pages = data_pages;
		__entry->meta_pages = meta_pages;
	),
	TP_printk("released %llu unclaimed preserved pages, %llu metadata pages",
		  __entry->data_pages, __entry->meta_pages)
);

#endif /* _TRACE_LIVEUPDATE_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
