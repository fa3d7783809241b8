// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: the outgoing side.
 *
 * Callers preserve folios and runs of pages at any time.  Each preserved
 * block of 2^order pages is one entry of an xarray per order, indexed by
 * pfn >> order, so preserving and unpreserving are O(log n) and a late
 * caller needs no "finalize" step: the handover is written from the
 * xarrays only when the kernel actually kexecs (kho_kexec_prepare(), called
 * by kernel_kexec()).  There, every xarray becomes one physr list, walked
 * in index order so that ranges are sorted and a run of equal-order blocks
 * merges into one entry; the lists' first chunks go into the root FDT,
 * next to the sub-blobs.
 *
 * A physr list that already describes preserved memory, in the order its
 * owner keeps it (a memfd's folios in file order, say), can be handed over
 * as it is with kho_preserve_physr_ref(): its blocks go into the xarrays
 * too, tagged KHO_XA_REF, so that every overlap check sees them, but the
 * root names the list itself instead of copying its ranges into a
 * preserved-memory list.  The references are written at kexec into the
 * reference array (KHO_FDT_PROP_REF_ARRAY, root version 4): a chain of
 * pages outside the root, preserved as order-0 pages, so that their number
 * is not bounded by the one-page root.  A root of version 3 or older
 * (kho.write_version=) has no reference array, and its writer copies the
 * referenced ranges into the preserved-memory lists, as an older kernel
 * reads them.
 *
 * The root FDT page is allocated once at boot, so its address is known
 * when kexec_file_load() builds the boot parameters; its content is
 * rewritten whenever a sub-blob changes (so that an add that would not
 * fit fails at once) and a last time at kexec.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/physr.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>

#include "kho_internal.h"

#define KHO_NAME_MAX	64

/*
 * Tag of an xarray entry whose block belongs to a list preserved with
 * kho_preserve_physr_ref(): the root references the list instead of
 * listing the block again.  The value is the order, or'ed with this.
 */
#define KHO_XA_REF	0x100UL

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kho."

/*
 * kho.write_version=N: the downgrade switch of the core handover formats
 * (the KHO root, LUO's state, preserved arrays).  0, the default, writes
 * the newest version of each; N >= 1 writes each in version N, or in its
 * newest version if that is older, so that a kernel reading only version
 * N takes the handover.  Read when the data is written: set it before
 * preserving.
 */
static unsigned int kho_write_version_max;
module_param_named(write_version, kho_write_version_max, uint, 0644);
MODULE_PARM_DESC(write_version,
		 "Write the core handover formats in this version at most (0: newest)");

/**
 * kho_write_version() - the version a core handover format writes
 * @newest: the newest version of the format this kernel knows.
 *
 * Applies the downgrade switch ``kho.write_version=``, see
 * Documentation/core-api/kho/concepts.rst.
 *
 * Context: any.
 * Return: @newest, or the version the switch asks for when it is older.
 */
unsigned int kho_write_version(unsigned int newest)
{
	unsigned int v = READ_ONCE(kho_write_version_max);

	return v && v < newest ? v : newest;
}
EXPORT_SYMBOL_GPL(kho_write_version);

/* A list preserved with kho_preserve_physr_ref(). */
struct kho_ref {
	struct list_head list;
	struct physr *pr;
	unsigned int order;
};

struct kho_blob {
	struct list_head list;
	char name[KHO_NAME_MAX];
	char compatible[KHO_NAME_MAX];
	phys_addr_t phys;
	size_t size;
	struct debugfs_blob_wrapper view;
	struct dentry *dentry;
};

static struct kho_out {
	/* Serialises every member below. */
	struct mutex lock;
	struct xarray preserved[KHO_NR_ORDERS];
	struct list_head blobs;
	struct list_head refs;
	unsigned int nr_refs;
	struct physr maps[KHO_NR_ORDERS];
	/* The reference array written at kexec: first page, pages, entries. */
	phys_addr_t ref_array;
	unsigned long ref_array_pages;
	u64 ref_array_entries;
	void *root;
	/* The scratch array named by the setup_data, filled at boot. */
	struct kho_scratch_abi *scratch;
	bool frozen;
} kho_out = {
	.lock = __MUTEX_INITIALIZER(kho_out.lock),
	.blobs = LIST_HEAD_INIT(kho_out.blobs),
	.refs = LIST_HEAD_INIT(kho_out.refs),
};

/**
 * kho_is_enabled() - whether this kernel can hand memory over
 *
 * True when KHO is enabled ("kho=on", or CONFIG_KEXEC_HANDOVER_ENABLE_DEFAULT
 * without "kho=off") and the scratch areas for the next kernel could be set
 * aside.  Says nothing about the incoming handover, which is accepted
 * either way (see kho_is_incoming()).
 *
 * Context: any.
 * Return: true when the preserve functions can succeed.
 */
bool kho_is_enabled(void)
{
	return kho_enabled_at_boot() && kho_nr_scratch && kho_out.root;
}
EXPORT_SYMBOL_GPL(kho_is_enabled);

/*
 * Largest naturally aligned block at @pfn that fits in @nr pages.  Runs
 * use at most the buddy allocator's largest order, so that orders above it
 * only ever describe real (gigantic) folios.
 */
static unsigned int kho_block_order(unsigned long pfn, unsigned long nr)
{
	unsigned int order = ilog2(nr);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return min_t(unsigned int, order, MAX_PAGE_ORDER);
}

/*
 * Whether the naturally aligned block of 2^@order pages at @pfn overlaps a
 * block already preserved, of any order.  Blocks of different orders live
 * in different xarrays, so each is asked for an entry in the index range
 * the block covers there; the next kernel would reject the whole handover
 * for one overlap.
 */
static bool kho_block_busy(unsigned long pfn, unsigned int order)
{
	unsigned long last = pfn + (1UL << order) - 1, idx;
	unsigned int o;

	for (o = 0; o < KHO_NR_ORDERS; o++) {
		idx = pfn >> o;
		if (xa_find(&kho_out.preserved[o], &idx, last >> o, XA_PRESENT))
			return true;
	}
	return false;
}

static int kho_check_out(unsigned long pfn, unsigned long nr)
{
	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (!nr || pfn + nr < pfn)
		return -EINVAL;
	if (kho_overlaps_scratch(PFN_PHYS(pfn), PFN_PHYS(nr)))
		return -EINVAL;
	if (kho_out.frozen)
		return -EBUSY;
	return 0;
}

static void kho_erase_blocks(unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int order = kho_block_order(pfn, end - pfn);

		xa_erase(&kho_out.preserved[order], pfn >> order);
		pfn += 1UL << order;
	}
}

/**
 * kho_preserve_folio() - keep a folio across kexec
 * @folio: the folio; it stays allocated to the caller.
 *
 * The next kernel reserves the folio's memory early in boot, and
 * kho_restore_folio() gives it back there with the same order.  The caller
 * passes the folio's physical address to the next kernel itself, usually in
 * a sub-blob.  The contents are handed over as they are at kexec time.
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -EINVAL when
 * the folio lies in a scratch area or its order is too large, -EEXIST when
 * it or part of it is already preserved, -EBUSY when the kernel is already kexecing,
 * -ENOMEM when tracking memory cannot be allocated.
 */
int kho_preserve_folio(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned int order = folio_order(folio);
	int ret;

	if (order >= KHO_NR_ORDERS)
		return -EINVAL;
	mutex_lock(&kho_out.lock);
	ret = kho_check_out(pfn, 1UL << order);
	if (!ret && kho_block_busy(pfn, order))
		ret = -EEXIST;
	if (!ret)
		ret = xa_insert(&kho_out.preserved[order], pfn >> order,
				xa_mk_value(order), GFP_KERNEL);
	mutex_unlock(&kho_out.lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_preserve_folio);

/**
 * kho_unpreserve_folio() - undo kho_preserve_folio()
 * @folio: a folio preserved with kho_preserve_folio().
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -ENOENT when
 * the folio is not preserved, -EBUSY when the kernel is already kexecing.
 */
int kho_unpreserve_folio(struct folio *folio)
{
	unsigned long pfn = folio_pfn(folio);
	unsigned int order = folio_order(folio);
	int ret;

	if (order >= KHO_NR_ORDERS)
		return -ENOENT;
	mutex_lock(&kho_out.lock);
	ret = kho_check_out(pfn, 1UL << order);
	if (!ret && xa_to_value(xa_load(&kho_out.preserved[order],
					pfn >> order)) != order)
		ret = -ENOENT;
	if (!ret)
		xa_erase(&kho_out.preserved[order], pfn >> order);
	mutex_unlock(&kho_out.lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_folio);

/**
 * kho_preserve_pages() - keep a run of pages across kexec
 * @page: first page of the run.
 * @nr_pages: number of pages, at least 1.
 *
 * The pages need not form a folio: the run is recorded as naturally
 * aligned blocks, and the next kernel gives it back as order-0 pages with
 * kho_restore_pages().  Unpreserve it with the same @page and @nr_pages
 * (kho_unpreserve_pages() accepts any run that splits into exactly the
 * blocks recorded, such as the first blocks of a run).
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -EINVAL for
 * an empty run or one touching a scratch area, -EEXIST when part of the
 * run is already preserved, -EBUSY when the kernel is already kexecing,
 * -ENOMEM when tracking memory cannot be allocated.  On error nothing is
 * preserved.
 */
int kho_preserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long start = page_to_pfn(page), pfn = start;
	unsigned long end = start + nr_pages;
	int ret;

	mutex_lock(&kho_out.lock);
	ret = kho_check_out(start, nr_pages);
	while (!ret && pfn < end) {
		unsigned int order = kho_block_order(pfn, end - pfn);

		if (kho_block_busy(pfn, order))
			ret = -EEXIST;
		else
			ret = xa_insert(&kho_out.preserved[order], pfn >> order,
					xa_mk_value(order), GFP_KERNEL);
		if (ret) {
			kho_erase_blocks(start, pfn);
			break;
		}
		pfn += 1UL << order;
	}
	mutex_unlock(&kho_out.lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_preserve_pages);

/**
 * kho_unpreserve_pages() - undo kho_preserve_pages()
 * @page: first page of the run, as given to kho_preserve_pages().
 * @nr_pages: number of pages, as given to kho_preserve_pages().
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -EINVAL for
 * an empty run, -ENOENT when the run was not preserved as a whole (nothing
 * is changed then), -EBUSY when the kernel is already kexecing.
 */
int kho_unpreserve_pages(struct page *page, unsigned long nr_pages)
{
	unsigned long start = page_to_pfn(page), pfn = start;
	unsigned long end = start + nr_pages;
	int ret;

	mutex_lock(&kho_out.lock);
	ret = kho_check_out(start, nr_pages);
	while (!ret && pfn < end) {
		unsigned int order = kho_block_order(pfn, end - pfn);

		if (xa_to_value(xa_load(&kho_out.preserved[order],
					pfn >> order)) != order)
			ret = -ENOENT;
		pfn += 1UL << order;
	}
	if (!ret)
		kho_erase_blocks(start, end);
	mutex_unlock(&kho_out.lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_pages);

static int kho_preserve_chunk(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long *done = arg;
	int ret;

	ret = kho_preserve_pages(pfn_to_page(PHYS_PFN(phys)),
				 size >> PAGE_SHIFT);
	if (!ret)
		(*done)++;
	return ret;
}

static int kho_unpreserve_chunk(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long *left = arg;

	if (!*left)
		return 1;
	(*left)--;
	return kho_unpreserve_pages(pfn_to_page(PHYS_PFN(phys)),
				    size >> PAGE_SHIFT);
}

/**
 * kho_preserve_physr() - keep the chunk pages of a physr list across kexec
 * @pr: the list; it must not change until it is unpreserved or the kernel
 *	kexecs, since a chunk added later would not be preserved.
 *
 * Only the pages holding the list are preserved, not the memory its ranges
 * describe.  A short list (its ranges in its head or a slab array) is first
 * moved into a chunk page with physr_make_chunked(): what goes across is
 * the version 1 chunk layout, or version 2 for a list packed with
 * physr_pack(), which kho_restore_physr() reads too (a kernel older than
 * version 2 refuses it).  Hand physr_first_chunk() to the next
 * kernel (for example in a sub-blob); kho_restore_physr() turns it back
 * into a list there.
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success (also for an empty list, which has no chunk),
 * -ENOMEM when a short list cannot be given its chunk, or an error of
 * kho_preserve_pages(); on error nothing is preserved (a short list may
 * stay in its chunk, with the same ranges).
 */
int kho_preserve_physr(struct physr *pr)
{
	unsigned long done = 0;
	int ret;

	ret = physr_make_chunked(pr, GFP_KERNEL);
	if (ret)
		return ret;
	ret = physr_walk_chunks(pr, kho_preserve_chunk, &done);
	if (ret)
		physr_walk_chunks(pr, kho_unpreserve_chunk, &done);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_preserve_physr);

/**
 * kho_unpreserve_physr() - undo kho_preserve_physr()
 * @pr: the list, unchanged since it was preserved.
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, or the first error of kho_unpreserve_pages().
 */
int kho_unpreserve_physr(const struct physr *pr)
{
	unsigned long all = ULONG_MAX;
	int ret;

	ret = physr_walk_chunks(pr, kho_unpreserve_chunk, &all);
	return ret == 1 ? 0 : ret;
}
EXPORT_SYMBOL_GPL(kho_unpreserve_physr);

/* Erase the blocks of the first @nr ranges of a referenced list. */
static void kho_erase_ref(const struct physr *pr, unsigned int order,
			  u64 nr)
{
	struct physr_range r;
	struct physr_iter it;
	unsigned long pfn, end;

	physr_for_each_range(pr, &it, &r) {
		if (!nr--)
			break;
		pfn = PHYS_PFN(r.phys);
		end = pfn + PHYS_PFN(r.len);
		for (; pfn < end; pfn += 1UL << order)
			xa_erase(&kho_out.preserved[order], pfn >> order);
	}
}

/* Tag every block of @pr in the xarray of @order; all or nothing. */
static int kho_mark_ref(const struct physr *pr, unsigned int order)
{
	u64 block = PAGE_SIZE << order, done = 0;
	struct physr_range r;
	struct physr_iter it;
	unsigned long pfn, end;
	int ret = 0;

	physr_for_each_range(pr, &it, &r) {
		if (!IS_ALIGNED(r.phys, block) || !IS_ALIGNED(r.len, block)) {
			ret = -EINVAL;
			break;
		}
		pfn = PHYS_PFN(r.phys);
		end = pfn + PHYS_PFN(r.len);
		ret = kho_check_out(pfn, end - pfn);
		for (; !ret && pfn < end; pfn += 1UL << order) {
			if (kho_block_busy(pfn, order))
				ret = -EEXIST;
			else
				ret = xa_insert(&kho_out.preserved[order],
						pfn >> order,
						xa_mk_value(order | KHO_XA_REF),
						GFP_KERNEL);
			if (ret) {
				/* The blocks of this range marked so far. */
				while (pfn > PHYS_PFN(r.phys)) {
					pfn -= 1UL << order;
					xa_erase(&kho_out.preserved[order],
						 pfn >> order);
				}
			}
		}
		if (ret)
			break;
		done++;
	}
	if (ret)
		kho_erase_ref(pr, order, done);
	return ret;
}

/**
 * kho_preserve_physr_ref() - keep a physr list and the memory it describes
 *	across kexec, the list being the only record of that memory
 * @pr: the list; its ranges are runs of naturally aligned blocks of
 *	PAGE_SIZE << @order bytes, in any order, that do not overlap.  It
 *	must not change until it is unpreserved or the kernel kexecs.
 * @order: the folio order of every block.
 *
 * kho_preserve_physr() and a kho_preserve_folio() of every block, without
 * the copy: the root of the handover references the list (its first chunk,
 * number of ranges and bytes) instead of listing its ranges again, so a
 * list of N ranges costs its own 16 bytes per range (8 bytes once packed
 * with physr_pack()) and nothing more.  The next kernel reserves every
 * block, and hands them back with kho_restore_folio() (order @order) once
 * the owner took the list back with kho_restore_physr().  The reference
 * goes into the reference array written at kexec (root version 4), which
 * takes any number of them; with ``kho.write_version=`` 3 or older the
 * ranges are copied into the preserved-memory lists instead, as an older
 * kernel reads them: from the blocks tagged here, so a packed list is
 * copied as any other (the copy is version 1), but its own chunks stay
 * packed for kho_restore_physr().
 * Every block is checked against everything preserved so far, as
 * kho_preserve_folio() checks a folio.  An empty list is accepted and
 * hands nothing over (the root gets no entry for it).
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -EINVAL for an
 * order too large, a range not made of such blocks or one in a scratch
 * area, -EEXIST when a block overlaps preserved memory or @pr is preserved
 * already, -EBUSY when the kernel is already kexecing, -ENOMEM.  On
 * error nothing is
 * preserved (a short list may stay in its chunk, with the same ranges).
 */
int kho_preserve_physr_ref(struct physr *pr, unsigned int order)
{
	struct kho_ref *ref, *r;
	int ret;

	if (order >= KHO_NR_ORDERS)
		return -EINVAL;
	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	ref = kzalloc(sizeof(*ref), GFP_KERNEL);
	if (!ref)
		return -ENOMEM;
	ref->pr = pr;
	ref->order = order;
	ret = kho_preserve_physr(pr);
	if (ret)
		goto out_free;

	mutex_lock(&kho_out.lock);
	ret = kho_out.frozen ? -EBUSY : 0;
	list_for_each_entry(r, &kho_out.refs, list)
		if (!ret && r->pr == pr)
			ret = -EEXIST;
	ret = ret ?: kho_mark_ref(pr, order);
	if (!ret) {
		/* The root is unchanged: the reference goes over in the array. */
		list_add_tail(&ref->list, &kho_out.refs);
		kho_out.nr_refs++;
	}
	mutex_unlock(&kho_out.lock);
	if (!ret)
		return 0;
	kho_unpreserve_physr(pr);
out_free:
	kfree(ref);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_preserve_physr_ref);

/**
 * kho_unpreserve_physr_ref() - undo kho_preserve_physr_ref()
 * @pr: the list, unchanged since it was preserved.
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -ENOENT when @pr is not preserved with
 * kho_preserve_physr_ref(), -EBUSY when the kernel is already kexecing.
 */
int kho_unpreserve_physr_ref(struct physr *pr)
{
	struct kho_ref *ref, *found = NULL;
	int ret = 0;

	mutex_lock(&kho_out.lock);
	if (kho_out.frozen) {
		ret = -EBUSY;
	} else {
		list_for_each_entry(ref, &kho_out.refs, list)
			if (ref->pr == pr)
				found = ref;
		if (!found) {
			ret = -ENOENT;
		} else {
			list_del(&found->list);
			kho_out.nr_refs--;
			kho_erase_ref(pr, found->order, U64_MAX);
		}
	}
	mutex_unlock(&kho_out.lock);
	if (ret)
		return ret;
	kfree(found);
	return kho_unpreserve_physr(pr);
}
EXPORT_SYMBOL_GPL(kho_unpreserve_physr_ref);

/*
 * Write the root FDT of format @version into @buf.  With @final the
 * preserved-memory property lists the built maps and the reference array
 * property names the built array (when it has entries); otherwise they
 * have placeholders of the largest size they can take, so that a sub-blob
 * that fits now still fits at kexec.  A root of version 3 has no
 * referenced-memory property: this kernel copies the referenced ranges
 * into the preserved-memory lists for it (kho_build_maps()).
 */
static int kho_build_root_version(void *buf, bool final, unsigned int version)
{
	__be64 cells[2 * KHO_NR_ORDERS], array[2] = {};
	unsigned int n = 0, order;
	struct kho_blob *blob;
	char compat[32];
	int err;

	if (final) {
		array[0] = cpu_to_be64(kho_out.ref_array);
		array[1] = cpu_to_be64(kho_out.ref_array_entries);
	}

	snprintf(compat, sizeof(compat), KHO_FDT_COMPATIBLE_PREFIX "%u",
		 version);

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		phys_addr_t first = physr_first_chunk(&kho_out.maps[order]);

		if (final && !first)
			continue;
		cells[n++] = cpu_to_be64(order);
		cells[n++] = cpu_to_be64(first);
	}

	err = fdt_create(buf, PAGE_SIZE);
	err = err ?: fdt_finish_reservemap(buf);
	err = err ?: fdt_begin_node(buf, "");
	err = err ?: fdt_property_string(buf, "compatible", compat);
	if (version >= 2)
		err = err ?: fdt_property_u32(buf, KHO_FDT_PROP_PAGE_SHIFT,
					      PAGE_SHIFT);
	err = err ?: fdt_property(buf, KHO_FDT_PROP_MEM, cells,
				  n * sizeof(cells[0]));
	if (version >= 4 && (!final || kho_out.ref_array))
		err = err ?: fdt_property(buf, KHO_FDT_PROP_REF_ARRAY, array,
					  sizeof(array));
	list_for_each_entry(blob, &kho_out.blobs, list) {
		err = err ?: fdt_begin_node(buf, blob->name);
		err = err ?: fdt_property_string(buf, "compatible",
						 blob->compatible);
		err = err ?: fdt_property_u64(buf, KHO_FDT_PROP_BLOB_PHYS,
					      blob->phys);
		err = err ?: fdt_property_u64(buf, KHO_FDT_PROP_BLOB_SIZE,
					      blob->size);
		err = err ?: fdt_end_node(buf);
	}
	err = err ?: fdt_end_node(buf);
	err = err ?: fdt_finish(buf);
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	return err ? -EINVAL : 0;
}

/* The root in the version kho.write_version= asks for now. */
static int kho_build_root(void *buf, bool final)
{
	return kho_build_root_version(buf, final,
				      kho_write_version(KHO_FDT_VERSION));
}

/* A node name libfdt and a later decoding tool accept without quoting. */
static bool kho_name_ok(const char *name)
{
	size_t len = strnlen(name, KHO_NAME_MAX);

	if (!len || len >= KHO_NAME_MAX)
		return false;
	for (; *name; name++)
		if (!isalnum(*name) && !strchr(",._+-", *name))
			return false;
	return true;
}

static struct kho_blob *kho_find_blob(const char *name)
{
	struct kho_blob *blob;

	list_for_each_entry(blob, &kho_out.blobs, list)
		if (!strcmp(blob->name, name))
			return blob;
	return NULL;
}

/**
 * kho_add_subtree() - hang a named sub-blob off the handover root
 * @name: node name, unique, of letters, digits and ",._+-", under 64 bytes.
 * @compatible: the sub-blob's own format and version, under 64 bytes.
 * @phys: physical address of the sub-blob.
 * @size: size of the sub-blob in bytes.
 *
 * KHO only records where the sub-blob is: the caller keeps its memory
 * preserved (kho_preserve_folio() or kho_preserve_pages()) and its content
 * valid until kexec.  The next kernel finds it with kho_retrieve_subtree().
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -EINVAL for a
 * bad name, compatible or size, -EEXIST when @name is taken, -ENOSPC when
 * the root page is full, -EBUSY when the kernel is already kexecing,
 * -ENOMEM on allocation failure.
 */
int kho_add_subtree(const char *name, const char *compatible,
		    phys_addr_t phys, size_t size)
{
	struct kho_blob *blob;
	int ret;

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (!kho_name_ok(name) || !size ||
	    strnlen(compatible, KHO_NAME_MAX) >= KHO_NAME_MAX)
		return -EINVAL;
	blob = kzalloc(sizeof(*blob), GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	strscpy(blob->name, name);
	strscpy(blob->compatible, compatible);
	blob->phys = phys;
	blob->size = size;

	mutex_lock(&kho_out.lock);
	if (kho_out.frozen) {
		ret = -EBUSY;
	} else if (kho_find_blob(name)) {
		ret = -EEXIST;
	} else {
		list_add_tail(&blob->list, &kho_out.blobs);
		/*
		 * The switch can change before the kexec: the sub-blob must
		 * fit in the root of the newest version, the largest, too
		 * (version 2 adds page-shift, 4 the reference array), or a
		 * kexec after kho.write_version=1 was undone would fail with
		 * -ENOSPC.
		 */
		ret = kho_build_root_version(kho_out.root, false,
					     KHO_FDT_VERSION);
		ret = ret ?: kho_build_root(kho_out.root, false);
		if (ret) {
			/*
			 * The failed build left the root half written: put
			 * back the root of the blobs that are still there.
			 * Only here: once frozen the root is the final one
			 * and must not be touched (-EBUSY above).
			 */
			list_del(&blob->list);
			kho_build_root(kho_out.root, false);
		}
	}
	if (!ret) {
		blob->view.data = phys_to_virt(phys);
		blob->view.size = size;
		blob->dentry = kho_debugfs_blob_add(name, &blob->view);
	} else {
		kfree(blob);
	}
	mutex_unlock(&kho_out.lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_add_subtree);

/**
 * kho_remove_subtree() - remove a sub-blob added with kho_add_subtree()
 * @name: its name.
 *
 * Context: process context, may sleep; takes the KHO lock.
 * Return: 0 on success, -EOPNOTSUPP when KHO is not enabled, -ENOENT when
 * there is no such sub-blob, -EBUSY when the kernel is already kexecing.
 */
int kho_remove_subtree(const char *name)
{
	struct kho_blob *blob;
	int ret = 0;

	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	mutex_lock(&kho_out.lock);
	blob = kho_out.frozen ? NULL : kho_find_blob(name);
	if (kho_out.frozen) {
		ret = -EBUSY;
	} else if (!blob) {
		ret = -ENOENT;
	} else {
		list_del(&blob->list);
		kho_debugfs_blob_remove(blob->dentry);
		kfree(blob);
		kho_build_root(kho_out.root, false);
	}
	mutex_unlock(&kho_out.lock);
	return ret;
}
EXPORT_SYMBOL_GPL(kho_remove_subtree);

/*
 * The outgoing root once kho_kexec_prepare() wrote it for good, else
 * NULL; for the test module, which damages it at kexec on purpose.
 */
void *kho_out_root_final(void)
{
	void *root;

	mutex_lock(&kho_out.lock);
	root = kho_out.frozen ? kho_out.root : NULL;
	mutex_unlock(&kho_out.lock);
	return root;
}

/*
 * The reference array once kho_kexec_prepare() wrote it for good: its
 * first page (0 when it has none), for the test module, which damages it.
 */
phys_addr_t kho_out_ref_array_final(void)
{
	phys_addr_t phys;

	mutex_lock(&kho_out.lock);
	phys = kho_out.frozen ? kho_out.ref_array : 0;
	mutex_unlock(&kho_out.lock);
	return phys;
}

/* Copy the current outgoing root into @buf (one page), for debugfs. */
int kho_out_root_copy(void *buf, size_t size)
{
	if (!kho_is_enabled() || size < PAGE_SIZE)
		return -ENOENT;
	mutex_lock(&kho_out.lock);
	memcpy(buf, kho_out.root, PAGE_SIZE);
	mutex_unlock(&kho_out.lock);
	return 0;
}

/*
 * Figures of the preserved-memory lists kho_build_maps() would build now,
 * for debugfs (the lists themselves exist only from kexec on): one line
 * per order that has ranges, "order O ranges R bytes B chunks C"; then one
 * line per referenced list, "ref order O ranges R bytes B chunks C packed
 * P" (P of its C chunks in the packed layout, version 2), whose
 * ranges the maps do not copy (unless a root older than 4 is written);
 * then "ref_array entries E pages P", the reference array it would write
 * (0 and 0 for a root older than 4).  The maps count no array page.
 */
static int kho_count_packed(phys_addr_t phys, size_t size, void *arg)
{
	unsigned long *packed = arg;

	*packed += physr_chunk_packed(phys_to_virt(phys));
	return 0;
}

int kho_out_maps_show(struct seq_file *m)
{
	bool copy_refs = kho_write_version(KHO_FDT_VERSION) < 4;
	u64 entries = 0;
	struct kho_ref *ref;
	struct physr pr;
	unsigned int order;
	unsigned long idx;
	void *entry;
	int ret = 0;

	if (!kho_is_enabled())
		return -ENOENT;
	mutex_lock(&kho_out.lock);
	for (order = 0; order < KHO_NR_ORDERS && !ret; order++) {
		physr_init(&pr);
		xa_for_each(&kho_out.preserved[order], idx, entry) {
			if (!copy_refs && (xa_to_value(entry) & KHO_XA_REF))
				continue;
			ret = physr_append(&pr, PFN_PHYS(idx << order),
					   PAGE_SIZE << order, GFP_KERNEL);
			if (ret)
				break;
		}
		/* As kho_build_maps() does: chunks however few the ranges. */
		if (!ret)
			ret = physr_make_chunked(&pr, GFP_KERNEL);
		if (!ret && physr_nr_ranges(&pr))
			seq_printf(m, "order %u ranges %llu bytes %llu chunks %lu\n",
				   order, physr_nr_ranges(&pr),
				   physr_total_bytes(&pr), physr_nr_chunks(&pr));
		physr_destroy(&pr);
	}
	if (!ret) {
		list_for_each_entry(ref, &kho_out.refs, list) {
			unsigned long packed = 0;

			physr_walk_chunks(ref->pr, kho_count_packed, &packed);
			seq_printf(m, "ref order %u ranges %llu bytes %llu chunks %lu packed %lu\n",
				   ref->order, physr_nr_ranges(ref->pr),
				   physr_total_bytes(ref->pr),
				   physr_nr_chunks(ref->pr), packed);
			if (!copy_refs && physr_nr_ranges(ref->pr))
				entries++;
		}
		seq_printf(m, "ref_array entries %llu pages %llu\n", entries,
			   DIV_ROUND_UP(entries,
					KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE)));
	}
	mutex_unlock(&kho_out.lock);
	return ret;
}

/*
 * The scratch array the setup_data will name, for debugfs: @nr entries,
 * fixed for the life of this kernel; NULL when KHO is disabled.
 */
const struct kho_scratch_abi *kho_out_scratch(unsigned int *nr)
{
	*nr = kho_out.scratch ? kho_nr_scratch : 0;
	return kho_out.scratch;
}

/**
 * kho_walk_scratch() - offer the scratch areas to a kexec buffer search
 * @kbuf: the buffer being placed.
 * @fn: kexec's hole finder, called with each area as a System RAM resource.
 *
 * kexec_file uses this instead of walking all of RAM when KHO is enabled,
 * so that kernel, initrd, boot parameters and purgatory land in scratch,
 * where the next kernel expects its early allocations and nothing is
 * preserved.
 *
 * Context: process context.
 * Return: the first non-zero value of @fn, or 0.
 */
int kho_walk_scratch(struct kexec_buf *kbuf,
		     int (*fn)(struct resource *res, void *arg))
{
	unsigned int i;
	int ret;

	for (i = 0; i < kho_nr_scratch; i++) {
		struct resource res = {
			.start = kho_scratch[i].addr,
			.end = kho_scratch[i].addr + kho_scratch[i].size - 1,
			.flags = IORESOURCE_SYSTEM_RAM,
		};

		ret = fn(&res, kbuf);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * kho_setup_data_size() - bytes of the SETUP_KEXEC_KHO payload
 *
 * Context: any.
 * Return: the payload size for kho_fill_setup_data(), 0 when KHO is off.
 */
size_t kho_setup_data_size(void)
{
	if (!kho_is_enabled())
		return 0;
	return sizeof(struct kho_data);
}

/**
 * kho_fill_setup_data() - write the SETUP_KEXEC_KHO payload
 * @buf: where to write it.
 * @size: kho_setup_data_size().
 *
 * Upstream's struct kho_data: the root page and the page holding the
 * scratch array, both allocated at boot and never in a scratch area.
 *
 * Context: any.
 * Return: 0, or -EINVAL when @size does not match.
 */
int kho_fill_setup_data(void *buf, size_t size)
{
	struct kho_data *kd = buf;

	if (!size || size != kho_setup_data_size())
		return -EINVAL;
	kd->fdt_addr = cpu_to_le64(virt_to_phys(kho_out.root));
	kd->fdt_size = cpu_to_le64(PAGE_SIZE);
	kd->scratch_addr = cpu_to_le64(virt_to_phys(kho_out.scratch));
	kd->scratch_size = cpu_to_le64(kho_nr_scratch *
				       sizeof(struct kho_scratch_abi));
	return 0;
}

static void kho_destroy_maps(void)
{
	unsigned int order;

	for (order = 0; order < KHO_NR_ORDERS; order++)
		physr_destroy(&kho_out.maps[order]);
}

/* Free the reference array and forget its pages in the order-0 xarray. */
static void kho_free_ref_array(void)
{
	struct kho_ref_array_hdr *hdr;
	phys_addr_t phys = kho_out.ref_array, next;

	while (phys) {
		hdr = phys_to_virt(phys);
		next = le64_to_cpu(hdr->next);
		xa_erase(&kho_out.preserved[0], PHYS_PFN(phys));
		free_page((unsigned long)hdr);
		phys = next;
	}
	kho_out.ref_array = 0;
	kho_out.ref_array_pages = 0;
	kho_out.ref_array_entries = 0;
}

/* Allocate one reference array page, preserved as an order-0 page. */
static struct kho_ref_array_hdr *kho_ref_array_page(void)
{
	struct kho_ref_array_hdr *hdr;
	unsigned long pfn;
	int ret;

	hdr = (void *)get_zeroed_page(GFP_KERNEL);
	if (!hdr)
		return NULL;
	pfn = PHYS_PFN(virt_to_phys(hdr));
	/* Unmovable: never in a scratch area, whose pageblocks are CMA. */
	ret = kho_overlaps_scratch(PFN_PHYS(pfn), PAGE_SIZE) ||
	      kho_block_busy(pfn, 0) ? -EINVAL :
	      xa_insert(&kho_out.preserved[0], pfn, xa_mk_value(0),
			GFP_KERNEL);
	if (ret) {
		free_page((unsigned long)hdr);
		return NULL;
	}
	hdr->magic = cpu_to_le32(KHO_REF_ARRAY_MAGIC);
	hdr->version = cpu_to_le16(KHO_REF_ARRAY_VERSION);
	return hdr;
}

/*
 * Write the reference array for a root of version 4: one entry per
 * non-empty referenced list, in the order they were preserved, 127 to a
 * 4 KiB page.  Its pages are preserved order-0 pages, so the maps built
 * after it list them.  Nothing to write for no reference.
 */
static int kho_build_ref_array(void)
{
	unsigned int per = KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE);
	struct kho_ref_array_hdr *hdr = NULL, *page;
	struct kho_ref_entry *e;
	struct kho_ref *ref;
	u32 count;

	list_for_each_entry(ref, &kho_out.refs, list) {
		/* An empty list hands nothing over: no entry. */
		if (!physr_nr_ranges(ref->pr))
			continue;
		if (!hdr || le32_to_cpu(hdr->count) == per) {
			page = kho_ref_array_page();
			if (!page) {
				kho_free_ref_array();
				return -ENOMEM;
			}
			if (hdr)
				hdr->next = cpu_to_le64(virt_to_phys(page));
			else
				kho_out.ref_array = virt_to_phys(page);
			kho_out.ref_array_pages++;
			hdr = page;
		}
		count = le32_to_cpu(hdr->count);
		e = (struct kho_ref_entry *)(hdr + 1) + count;
		e->first = cpu_to_le64(physr_first_chunk(ref->pr));
		e->nr_ranges = cpu_to_le64(physr_nr_ranges(ref->pr));
		e->bytes = cpu_to_le64(physr_total_bytes(ref->pr));
		e->order = cpu_to_le32(ref->order);
		hdr->count = cpu_to_le32(count + 1);
		kho_out.ref_array_entries++;
	}
	return 0;
}

/* The preserved-memory lists for a root of @version. */
static int kho_build_maps(unsigned int version)
{
	bool copy_refs = version < 4;
	unsigned int order;
	unsigned long idx;
	void *entry;
	int ret;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		xa_for_each(&kho_out.preserved[order], idx, entry) {
			/* A referenced block: the root names its list. */
			if (!copy_refs && (xa_to_value(entry) & KHO_XA_REF))
				continue;
			ret = physr_append(&kho_out.maps[order],
					   PFN_PHYS(idx << order),
					   PAGE_SIZE << order, GFP_KERNEL);
			if (ret)
				return ret;
		}
		/* The map goes across as chunks, however few its ranges. */
		ret = physr_make_chunked(&kho_out.maps[order], GFP_KERNEL);
		if (ret)
			return ret;
	}
	return 0;
}

static bool kho_image_in_scratch(const struct kimage *image)
{
	unsigned long i;

	for (i = 0; i < image->nr_segments; i++) {
		const struct kexec_segment *seg = &image->segment[i];
		unsigned int j;
		bool inside = false;

		for (j = 0; j < kho_nr_scratch && !inside; j++)
			inside = seg->mem >= kho_scratch[j].addr &&
				 seg->mem + seg->memsz <=
				 kho_scratch[j].addr + kho_scratch[j].size;
		if (!inside)
			return false;
	}
	return true;
}

/**
 * kho_will_hand_over() - whether the loaded kexec image gets a handover
 *
 * Context: process context, with the kexec lock held (kernel_kexec()).
 * Return: true when KHO is enabled and the image was loaded with
 * kexec_file_load() into the scratch areas, so kho_kexec_prepare() will
 * write a handover for it.
 */
bool kho_will_hand_over(void)
{
	return kho_is_enabled() && kexec_image && kexec_image->file_mode &&
	       kho_image_in_scratch(kexec_image);
}

/**
 * kho_kexec_prepare() - write the handover for the kexec that follows
 *
 * Called by kernel_kexec() before devices are shut down.  Builds the
 * preserved-memory lists from what is preserved now and writes the root;
 * from here on the preserve functions fail with -EBUSY.  An image not
 * loaded with kexec_file_load() into the scratch areas gets no handover
 * (it does not carry the root's address either).
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOMEM / -ENOSPC when the handover cannot be written, in
 * which case the kexec must not go on (-ECANCELED: a test asked for the
 * refusal, see CONFIG_KEXEC_HANDOVER_TEST).
 */
int kho_kexec_prepare(void)
{
	unsigned int version;
	int ret;

	if (!kho_is_enabled() || !kexec_image || !kexec_image->file_mode)
		return 0;
	if (!kho_image_in_scratch(kexec_image)) {
		pr_warn("kexec image outside the scratch areas, no handover\n");
		return 0;
	}

	mutex_lock(&kho_out.lock);
	kho_destroy_maps();
	kho_free_ref_array();
	/*
	 * Read the switch once: the array, the maps (which copy the
	 * referenced ranges for an older root) and the root must agree.
	 */
	version = kho_write_version(KHO_FDT_VERSION);
	ret = version >= 4 ? kho_build_ref_array() : 0;
	ret = ret ?: kho_build_maps(version);
	if (!ret)
		ret = kho_build_root_version(kho_out.root, true, version);
	if (!ret && kho_test_refuse_kexec())
		ret = -ECANCELED;
	if (ret) {
		kho_destroy_maps();
		kho_free_ref_array();
		kho_build_root(kho_out.root, false);
		pr_err("cannot write the handover: %d\n", ret);
	} else {
		kho_out.frozen = true;
	}
	mutex_unlock(&kho_out.lock);
	return ret;
}

static int __init kho_out_init(void)
{
	struct kho_scratch_abi *scratch;
	unsigned int order, i;
	void *root;

	for (order = 0; order < KHO_NR_ORDERS; order++) {
		xa_init(&kho_out.preserved[order]);
		physr_init(&kho_out.maps[order]);
	}
	if (kho_enabled_at_boot() && kho_nr_scratch) {
		root = (void *)get_zeroed_page(GFP_KERNEL);
		scratch = (void *)get_zeroed_page(GFP_KERNEL);
		if (root && scratch && !kho_build_root(root, false)) {
			/* Fixed for this boot: the next kernel's scratch. */
			for (i = 0; i < kho_nr_scratch; i++) {
				scratch[i].addr = cpu_to_le64(kho_scratch[i].addr);
				scratch[i].size = cpu_to_le64(kho_scratch[i].size);
			}
			kho_out.scratch = scratch;
			kho_out.root = root;
		} else {
			free_page((unsigned long)scratch);
			free_page((unsigned long)root);
			pr_err("cannot allocate the root, KHO disabled\n");
		}
	}
	return 0;
}
core_initcall(kho_out_init);
