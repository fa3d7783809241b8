/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver (KHO): the format handed from one kernel to the next.
 *
 * This layout is an ABI between two kernels that may be of different
 * versions; see Documentation/core-api/kho/format.rst.  In short:
 *
 * - The boot loader part is an x86 setup_data entry of type
 *   SETUP_KEXEC_KHO whose payload is a struct kho_setup_data: the physical
 *   address and size of the root and the scratch areas.  Every field is
 *   little endian.
 * - The root is a flattened device tree of at most one page.  Its root node
 *   has compatible = KHO_FDT_COMPATIBLE (the version lives in the string),
 *   the property KHO_FDT_PROP_MEM and one child node per sub-blob.
 * - KHO_FDT_PROP_MEM is an array of (order, first chunk) pairs, each two
 *   big-endian u64 cells, in strictly increasing order.  The first chunk is
 *   the physical address of a physr chain (include/linux/physr_abi.h)
 *   whose ranges are runs of naturally aligned blocks of PAGE_SIZE << order
 *   bytes: one physr list per folio order, so the 16-byte physr entry needs
 *   no extra field and a run of equal-order folios is a single entry.
 * - A sub-blob node has the properties "compatible" (string),
 *   KHO_FDT_PROP_BLOB_PHYS and KHO_FDT_PROP_BLOB_SIZE (big-endian u64).
 */
#ifndef _LINUX_KEXEC_HANDOVER_ABI_H
#define _LINUX_KEXEC_HANDOVER_ABI_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define KHO_FDT_COMPATIBLE	"linux,kho-physr-v1"
#define KHO_FDT_PROP_MEM	"preserved-memory"
#define KHO_FDT_PROP_BLOB_PHYS	"phys"
#define KHO_FDT_PROP_BLOB_SIZE	"size"

/* "KHO1" read as a little-endian u32. */
#define KHO_SETUP_MAGIC		0x314f484bU

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
 * struct kho_setup_data - payload of the SETUP_KEXEC_KHO setup_data entry
 * @magic: KHO_SETUP_MAGIC.
 * @nr_scratch: number of entries in @scratch, 1 to KHO_MAX_SCRATCH.
 * @root_phys: physical address of the root FDT, page aligned.
 * @root_size: size of the memory holding the root FDT, at most one page.
 * @scratch: the scratch areas: the receiving kernel makes every early
 *	allocation in them until it has reserved the preserved memory.
 */
struct kho_setup_data {
	__le32 magic;
	__le32 nr_scratch;
	__le64 root_phys;
	__le64 root_size;
	struct kho_scratch_abi scratch[];
};

static_assert(sizeof(struct kho_setup_data) == 24);
static_assert(sizeof(struct kho_scratch_abi) == 16);

#endif /* _LINUX_KEXEC_HANDOVER_ABI_H */
