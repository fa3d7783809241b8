/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): the format handed from one kernel to the next.
 *
 * This layout is an ABI between two kernels that may be of different
 * versions; see Documentation/core-api/kho/format.rst.  In short:
 *
 * - The boot loader part is an x86 setup_data entry of type
 *   SETUP_KEXEC_KHO whose payload is a struct kho_data, exactly upstream
 *   Linux's: the physical address and size of the root, and of an array of
 *   struct kho_scratch_abi naming the scratch areas.  Every field is little
 *   endian.  What tells our handover from upstream's is the root's
 *   compatible string, so each kernel rejects the other's by it.
 * - The root is a flattened device tree of at most one page.  Its root node
 *   has compatible = KHO_FDT_COMPATIBLE_PREFIX followed by the decimal
 *   version (the version lives in the string, see
 *   Documentation/core-api/kho/concepts.rst for the versioning rules), the
 *   property KHO_FDT_PROP_MEM and one child node per sub-blob.  Version 2
 *   adds KHO_FDT_PROP_PAGE_SHIFT; version 1 has no such property and means
 *   the reader's page size.
 * - KHO_FDT_PROP_PAGE_SHIFT (version 2): one big-endian u32 cell, the
 *   writer's PAGE_SHIFT.  The orders of KHO_FDT_PROP_MEM count in pages of
 *   that size; a reader whose page size differs rejects the handover.
 * - KHO_FDT_PROP_MEM is an array of (order, first chunk) pairs, each two
 *   big-endian u64 cells, in strictly increasing order.  The first chunk is
 *   the physical address of a physr chain (include/linux/physr_abi.h)
 *   whose ranges are runs of naturally aligned blocks of PAGE_SIZE << order
 *   bytes: one physr list per folio order, so the 16-byte physr entry needs
 *   no extra field and a run of equal-order folios is a single entry.
 * - KHO_FDT_PROP_REF (version 3, optional): an array of (order, first
 *   chunk, number of ranges, bytes) entries, four big-endian u64 cells
 *   each, one per physr list that an owner preserved as it is with
 *   kho_preserve_physr_ref(): its ranges, in any order, are runs of
 *   naturally aligned blocks of PAGE_SIZE << order bytes, preserved
 *   without a copy in KHO_FDT_PROP_MEM.  The chunk pages of such a list
 *   are preserved pages of KHO_FDT_PROP_MEM, for the owner to restore.
 *   A root of version 4 has no such property.
 * - KHO_FDT_PROP_REF_ARRAY (version 4, optional): two big-endian u64 cells,
 *   the physical address of the first page of the reference array and its
 *   number of entries (at least 1).  The array holds what KHO_FDT_PROP_REF
 *   held, outside the one-page root, so that any number of lists can be
 *   referenced: a chain of pages, each a struct kho_ref_array_hdr followed
 *   by struct kho_ref_entry entries, every page full
 *   (KHO_REF_ARRAY_PER_PAGE()) but the last, which has the rest; the last
 *   page's next is 0.  The array pages are order-0 pages of
 *   KHO_FDT_PROP_MEM.  Every field is little endian.
 * - A sub-blob node has the properties "compatible" (string),
 *   KHO_FDT_PROP_BLOB_PHYS and KHO_FDT_PROP_BLOB_SIZE (big-endian u64).
 */
#ifndef _LINUX_KEXEC_HANDOVER_ABI_H
#define _LINUX_KEXEC_HANDOVER_ABI_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define KHO_FDT_COMPATIBLE_PREFIX	"linux,kho-physr-v"
/* The newest root version this kernel writes and reads. */
#define KHO_FDT_VERSION		4
#define KHO_FDT_COMPATIBLE	KHO_FDT_COMPATIBLE_PREFIX "4"
#define KHO_FDT_COMPATIBLE_V1	KHO_FDT_COMPATIBLE_PREFIX "1"
#define KHO_FDT_PROP_PAGE_SHIFT	"page-shift"
#define KHO_FDT_PROP_MEM	"preserved-memory"
#define KHO_FDT_PROP_REF	"referenced-memory"
/* Big-endian u64 cells per KHO_FDT_PROP_REF entry. */
#define KHO_FDT_REF_CELLS	4
#define KHO_FDT_PROP_REF_ARRAY	"reference-array"
#define KHO_FDT_PROP_BLOB_PHYS	"phys"
#define KHO_FDT_PROP_BLOB_SIZE	"size"

/* The compatible of upstream Linux's root, which this kernel rejects. */
#define KHO_FDT_UPSTREAM_COMPATIBLE	"kho-v1"

/*
 * Number of folio orders a handover may carry: 0 up to the order of a
 * 1 GiB folio with 4 KiB pages.  A reader rejects a larger order.
 */
#define KHO_NR_ORDERS		19

/* Most scratch areas a handover may describe. */
#define KHO_MAX_SCRATCH		16

/**
 * struct kho_scratch_abi - one scratch area
 * @addr: physical address, page aligned.
 * @size: size in bytes, a multiple of the page size.
 */
struct kho_scratch_abi {
	__le64 addr;
	__le64 size;
};

/**
 * struct kho_data - payload of the SETUP_KEXEC_KHO setup_data entry
 * @fdt_addr: physical address of the root FDT, page aligned.
 * @fdt_size: size of the memory holding the root FDT, one page.
 * @scratch_addr: physical address of the scratch array: @scratch_size
 *	bytes of struct kho_scratch_abi, in a page of its own outside every
 *	scratch area.  The receiving kernel makes every early allocation in
 *	those areas until it has reserved the preserved memory.
 * @scratch_size: size of the scratch array in bytes: 1 to KHO_MAX_SCRATCH
 *	entries.
 *
 * The layout and the meaning of every field are upstream Linux's (its
 * kho_scratch is the same pair of 64-bit values as kho_scratch_abi).
 */
struct kho_data {
	__le64 fdt_addr;
	__le64 fdt_size;
	__le64 scratch_addr;
	__le64 scratch_size;
};

/* "KHOR" in memory: the first bytes of every reference array page. */
#define KHO_REF_ARRAY_MAGIC	0x524f484bU
/* The newest reference array version this kernel writes and reads. */
#define KHO_REF_ARRAY_VERSION	1

/**
 * struct kho_ref_array_hdr - header of a reference array page
 * @magic: KHO_REF_ARRAY_MAGIC.
 * @version: KHO_REF_ARRAY_VERSION.
 * @reserved0: zero.
 * @count: entries in this page: KHO_REF_ARRAY_PER_PAGE() in every page but
 *	the last, which has the rest (1 or more).
 * @reserved1: zero.
 * @next: physical address of the next page, page aligned; 0 in the last.
 * @reserved2: zero.
 */
struct kho_ref_array_hdr {
	__le32 magic;
	__le16 version;
	__le16 reserved0;
	__le32 count;
	__le32 reserved1;
	__le64 next;
	__le64 reserved2;
};

/**
 * struct kho_ref_entry - one referenced physr list
 * @first: physical address of the list's first chunk.
 * @nr_ranges: number of ranges of the list.
 * @bytes: bytes the ranges cover.
 * @order: folio order of every block of the list, below KHO_NR_ORDERS.
 * @reserved: zero.
 *
 * The same four values as an entry of KHO_FDT_PROP_REF (version 3).
 */
struct kho_ref_entry {
	__le64 first;
	__le64 nr_ranges;
	__le64 bytes;
	__le32 order;
	__le32 reserved;
};

/* Entries per reference array page: 127 with 4 KiB pages. */
#define KHO_REF_ARRAY_PER_PAGE(page_size)				\
	(((page_size) - sizeof(struct kho_ref_array_hdr)) /		\
	 sizeof(struct kho_ref_entry))

static_assert(sizeof(struct kho_ref_array_hdr) == 32);
static_assert(sizeof(struct kho_ref_entry) == 32);
static_assert(sizeof(struct kho_data) == 32);
static_assert(sizeof(struct kho_scratch_abi) == 16);

#endif /* _LINUX_KEXEC_HANDOVER_ABI_H */
