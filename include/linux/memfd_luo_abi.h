/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd live update: the record one kernel hands to the next for each
 * preserved memfd (mm/memfd_luo.c).
 *
 * An ABI between two kernels that may be of different versions; see
 * Documentation/core-api/liveupdate-memfd.rst.  Every field is little
 * endian; reserved and unused bytes are zero.  The LUO file's data[] of
 * each version is the physical address of a page holding a struct
 * memfd_luo_hdr; its @entries is the handle of a preserved array
 * (luo_array) of struct memfd_luo_seg (version 3), struct memfd_luo_run
 * (version 2) or struct memfd_luo_folio (version 1).  Version 3 follows
 * the header with struct memfd_luo_v3_lists in the same page: one physr
 * list per folio order, each handed over with kho_preserve_physr_ref() as
 * the only record of its folios.
 */
#ifndef _LINUX_MEMFD_LUO_ABI_H
#define _LINUX_MEMFD_LUO_ABI_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/limits.h>
#include <linux/types.h>

#define MEMFD_LUO_MAGIC		0x6466656d4f554c00ULL	/* "\0LUOmemfd" */
#define MEMFD_LUO_V1		1
#define MEMFD_LUO_V2		2
#define MEMFD_LUO_V3		3

/* Folio orders a version 3 record can name (KHO's orders). */
#define MEMFD_LUO_NR_ORDERS	19

#define MEMFD_LUO_HUGETLB	BIT(0)

/**
 * struct memfd_luo_hdr - the first page of a preserved memfd, any version
 * @magic: %MEMFD_LUO_MAGIC.
 * @version: %MEMFD_LUO_V1, %MEMFD_LUO_V2 or %MEMFD_LUO_V3, the format of
 *	@entries.
 * @flags: %MEMFD_LUO_HUGETLB for an MFD_HUGETLB memfd.
 * @size: file size in bytes.
 * @pos: file position.
 * @seals: F_SEAL_* of the file.
 * @mode: permission bits of the inode.
 * @nr_pages: base pages in all preserved folios.
 * @nr_folios: preserved folios.
 * @nr_entries: entries in the array @entries.
 * @entries: luo_array handle of the entries, 0 when @nr_entries is 0.
 * @huge_order: order of the hugetlb page size, 0 for shmem.
 * @name_len: length of @name, without the NUL.
 * @reserved: zero, refused otherwise.  Early drafts of this format put
 *	get_cycles() figures of the freeze here; a timestamp of one kernel
 *	means nothing to the next, so the record carries none (the freeze is
 *	traced instead: the liveupdate_memfd_freeze event).
 * @name: dentry name ("memfd:..."), NUL terminated.
 */
struct memfd_luo_hdr {
	__le64 magic;
	__le32 version;
	__le32 flags;
	__le64 size;
	__le64 pos;
	__le32 seals;
	__le32 mode;
	__le64 nr_pages;
	__le64 nr_folios;
	__le64 nr_entries;
	__le64 entries;
	__le32 huge_order;
	__le32 name_len;
	__le64 reserved[2];
	char name[NAME_MAX + 1];
};

/**
 * struct memfd_luo_seg - version 3: a run of file indices of one order
 * @index: file index (in pages) of the first folio, aligned to its order.
 * @nr_pages: pages in the segment, a non-zero multiple of 1 << @order.
 * @order: folio order of every folio of the segment.
 *
 * The folios of a segment are the next @nr_pages pages of the list of
 * @order (struct memfd_luo_v3_lists), taken in list order: the segments
 * of one order, in file order, consume that list exactly.  A new segment
 * starts only at a hole in the file or where the folio order changes, so
 * a memfd without holes and of one order has one segment whatever the
 * physical layout of its folios.
 */
struct memfd_luo_seg {
	__le64 index;
	__le32 nr_pages;
	__le32 order;
};

/**
 * struct memfd_luo_list_ref - version 3: the folio list of one order
 * @first: physr_first_chunk() of the list, 0 when no folio has the order.
 * @nr_pages: pages the list describes; 0 exactly when @first is 0.
 */
struct memfd_luo_list_ref {
	__le64 first;
	__le64 nr_pages;
};

/**
 * struct memfd_luo_v3_lists - version 3: what follows the header
 * @lists: indexed by folio order.  Each list's ranges are naturally
 *	aligned blocks of that order, in file order, and it is preserved
 *	with kho_preserve_physr_ref(list, order).
 */
struct memfd_luo_v3_lists {
	struct memfd_luo_list_ref lists[MEMFD_LUO_NR_ORDERS];
};

/* Version 2: a run of folios of one order, consecutive in index and phys. */
struct memfd_luo_run {
	__le64 phys;
	__le64 index;
	__le32 nr_folios;
	__le32 order;
};

/* Version 1: one folio; the order is in the low bits of the address. */
struct memfd_luo_folio {
	__le64 phys_order;
	__le64 index;
};

/* Offset of the version 3 lists in the header page. */
#define MEMFD_LUO_V3_LISTS	sizeof(struct memfd_luo_hdr)

#define MEMFD_LUO_ORDER_MASK	0x3fULL

static_assert(sizeof(struct memfd_luo_hdr) == 96 + NAME_MAX + 1);
static_assert(sizeof(struct memfd_luo_run) == 24);
static_assert(sizeof(struct memfd_luo_seg) == 16);
static_assert(sizeof(struct memfd_luo_hdr) +
	      sizeof(struct memfd_luo_v3_lists) <= 4096);
static_assert(sizeof(struct memfd_luo_folio) == 16);

#endif /* _LINUX_MEMFD_LUO_ABI_H */
