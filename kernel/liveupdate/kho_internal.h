/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kexec HandOver: state shared by the files of kernel/liveupdate/.
 */
#ifndef _KERNEL_LIVEUPDATE_KHO_INTERNAL_H
#define _KERNEL_LIVEUPDATE_KHO_INTERNAL_H

#include <linux/kexec_handover_abi.h>
#include <linux/mmzone.h>
#include <linux/physr.h>
#include <linux/types.h>

/**
 * struct kho_area - a physical memory area
 * @addr: physical address of the first byte.
 * @size: size in bytes.
 */
struct kho_area {
	phys_addr_t addr;
	phys_addr_t size;
};

/**
 * struct kho_incoming - what this kernel received from the previous one
 * @root_phys: physical address of the root FDT, 0 when there is none.
 * @root: the root FDT, mapped; NULL when nothing was accepted.
 * @root_version: version of the accepted root, 0 when there is none.
 * @maps: the preserved-memory lists, one per folio order, adopted in place.
 * @index: per order, the chunks of @maps in order, for binary search; NULL
 *	when it could not be allocated (lookups then walk the list).
 * @waiting: one bit per page from @waiting_base_pfn on, set at boot for
 *	every page of every preserved range and cleared when the page is
 *	restored or released: the tag that says "preserved, not taken yet".
 *	Memblock memory, freed by kho_finish().
 * @waiting_base_pfn: first page frame covered by @waiting.
 * @waiting_nr: number of page frames covered by @waiting.
 * @ref_bits: per order, one bit per page of the @waiting span, set for
 *	every page of the lists the root references (KHO_FDT_PROP_REF) with
 *	that order; NULL for an order no reference has.  Never cleared until
 *	kho_finish(): with @waiting it answers kho_lookup() for them.
 * @nr_refs: number of referenced lists accepted.
 * @ref_ranges: number of ranges in them.
 * @ref_chunk_bytes: bytes of their chunk pages (their owners' records,
 *	preserved pages of the maps: counted in @reserved_bytes, not in
 *	@metadata_bytes).
 * @ref_array: physical address of the first page of the reference array
 *	(root version 4), 0 when there is none.  Its pages are order-0
 *	pages of @maps that KHO itself takes: their bits in @waiting are
 *	cleared at boot, and kho_finish() frees them as metadata.
 * @ref_array_pages: number of pages of the reference array.
 * @status: a line for debugfs saying what happened to the handover.
 * @nr_reserved: number of ranges reserved at boot.
 * @reserved_bytes: bytes reserved at boot, metadata included.
 * @metadata_bytes: bytes of root and chunk pages, and of the reference
 *	array.
 * @reserve_cycles: get_cycles() spent validating and reserving; early in
 *	boot no clock with a finer grain than the tick may be running yet.
 * @released_pages: preserved pages nobody restored, freed by kho_finish().
 * @released_meta_pages: metadata pages freed by kho_finish().
 * @scratch: the scratch areas the previous kernel named, as it wrote them
 *	(for debugfs; kept only when the handover was accepted).
 * @nr_scratch: number of entries of @scratch.
 */
struct kho_incoming {
	phys_addr_t root_phys;
	const void *root;
	unsigned int root_version;
	struct physr maps[KHO_NR_ORDERS];
	const struct physr_chunk **index[KHO_NR_ORDERS];
	unsigned long *waiting;
	unsigned long waiting_base_pfn;
	unsigned long waiting_nr;
	unsigned long *ref_bits[KHO_NR_ORDERS];
	u64 nr_refs;
	u64 ref_ranges;
	u64 ref_chunk_bytes;
	phys_addr_t ref_array;
	u64 ref_array_pages;
	char status[128];
	u64 nr_reserved;
	u64 reserved_bytes;
	u64 metadata_bytes;
	u64 reserve_cycles;
	u64 released_pages;
	u64 released_meta_pages;
	struct kho_scratch_abi scratch[KHO_MAX_SCRATCH];
	unsigned int nr_scratch;
};

extern struct kho_incoming kho_in;

bool kho_lookup(phys_addr_t phys, u64 len, unsigned int *order);
bool kho_in_preserved(phys_addr_t phys, u64 size);
bool kho_pages_waiting(phys_addr_t phys, unsigned long nr);
ssize_t kho_in_blob_read(phys_addr_t phys, size_t size, char __user *ubuf,
			 size_t count, loff_t *ppos);
int __kho_retrieve_subtree(const char *name, const char *compatible,
			   phys_addr_t *phys, size_t *size);

/*
 * Outgoing scratch areas: fresh ones reserved at boot and lent as CMA
 * areas, or, when kho_scratch_kept, the incoming areas kept and lent as
 * MIGRATE_CMA pageblocks (kho_scratch.c).
 */
extern struct kho_area kho_scratch[KHO_MAX_SCRATCH];
extern unsigned int kho_nr_scratch;
extern bool kho_scratch_kept;

bool kho_enabled_at_boot(void);

/* kho_scratch.c: an outgoing scratch area becomes CMA until a kexec load. */
void kho_scratch_lend(unsigned int i);
/* kho_scratch.c: kept areas stay free of early allocations until lent. */
void kho_scratch_hold_free(void);

/*
 * Frees every incoming page nobody restored: for the Live Update
 * Orchestrator only, once every incoming session is finished.  Not exported
 * and not in <linux/kexec_handover.h>, since a call from anywhere else would
 * free memory that other users have yet to restore.
 */
u64 kho_finish(void);
bool kho_overlaps_scratch(phys_addr_t addr, phys_addr_t size);

/*
 * Test only (kho_test/refuse_kexec): refuse the kexec once its handover
 * was written, so that a test can run the whole of the kexec preparation,
 * and its rollback, without leaving.
 */
#ifdef CONFIG_KEXEC_HANDOVER_TEST
bool kho_test_refuse_kexec(void);
/* A page in scratch area 0 (NULL when none), and its release. */
struct page *kho_scratch_test_alloc(void);
void kho_scratch_test_free(struct page *page);
#else
static inline bool kho_test_refuse_kexec(void)
{
	return false;
}
#endif

/* Outgoing state, for debugfs: copies under the KHO lock. */
int kho_out_root_copy(void *buf, size_t size);
void *kho_out_root_final(void);
phys_addr_t kho_out_ref_array_final(void);
struct seq_file;
int kho_out_maps_show(struct seq_file *m);
const struct kho_scratch_abi *kho_out_scratch(unsigned int *nr);

struct debugfs_blob_wrapper;
struct dentry;

#ifdef CONFIG_KEXEC_HANDOVER_DEBUGFS
struct dentry *kho_debugfs_blob_add(const char *name,
				    struct debugfs_blob_wrapper *wrapper);
void kho_debugfs_blob_remove(struct dentry *dentry);
void kho_debugfs_in_remove(void);
#else
static inline struct dentry *
kho_debugfs_blob_add(const char *name, struct debugfs_blob_wrapper *wrapper)
{
	return NULL;
}

static inline void kho_debugfs_blob_remove(struct dentry *dentry)
{
}

static inline void kho_debugfs_in_remove(void)
{
}
#endif

#if IS_ENABLED(CONFIG_KEXEC_HANDOVER_TEST) || IS_ENABLED(CONFIG_LIVEUPDATE_TEST)
/*
 * For the damage cases of the KHO and LUO test modules: rewrite version-1
 * chunk @c in place in the packed layout (version 2), the same ranges: a
 * valid physr chunk, which a reader of lists that are version 1 only (KHO's
 * maps, an array's page list) must refuse.  Whether it could (every range
 * page granular, of at most PHYSR_PACKED_MAX_PAGES pages below 2^40 pages).
 */
static inline bool kho_test_pack_chunk(struct physr_chunk *c)
{
	u32 i, n = le32_to_cpu(c->hdr.count);
	__le64 *e = (__le64 *)c->ranges;
	u64 phys, pages;

	for (i = 0; i < n; i++) {
		phys = le64_to_cpu(c->ranges[i].phys);
		pages = le64_to_cpu(c->ranges[i].len) >> PAGE_SHIFT;
		if ((phys | le64_to_cpu(c->ranges[i].len)) & ~PAGE_MASK ||
		    !pages ||
		    pages > PHYSR_PACKED_MAX_PAGES ||
		    (phys >> PAGE_SHIFT) + pages - 1 > PHYSR_PACKED_PFN_MASK)
			return false;
	}
	/* Entry i goes where entry i / 2 was: read before it is written. */
	for (i = 0; i < n; i++) {
		phys = le64_to_cpu(c->ranges[i].phys);
		pages = le64_to_cpu(c->ranges[i].len) >> PAGE_SHIFT;
		e[i] = cpu_to_le64((phys >> PAGE_SHIFT) |
				   ((pages - 1) << PHYSR_PACKED_PFN_BITS));
	}
	c->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION_PACKED);
	return true;
}
#endif

#endif /* _KERNEL_LIVEUPDATE_KHO_INTERNAL_H */
