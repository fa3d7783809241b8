// SPDX-License-Identifier: GPL-2.0
/*
 * memfd live update: hand a memfd's folios to the next kernel in place.
 *
 * A memfd preserved through /dev/liveupdate keeps its physical memory
 * across kexec: every folio of the file is preserved with Kexec HandOver
 * as it stands, and a small record says which file index each one holds.
 * The next kernel builds a new memfd around the same folios.  Nothing is
 * copied, so a VM whose guest RAM is a memfd finds its memory where it
 * left it.
 *
 * Life of a preserved memfd:
 *
 * - preserve: the file's size is frozen (truncate, grow, hole punch and
 *   fallocate get -EBUSY, see SHMEM_FROZEN_SIZE), swapped-out pages are
 *   read back, every folio gets one extra reference (which also keeps
 *   migration, compaction, splitting and khugepaged away from it), the
 *   folios are put in one physr list per folio order, in file order, and
 *   each list is packed (8 bytes a range, physr_pack()) and preserved with
 *   kho_preserve_physr_ref() (the list is KHO's only record of those
 *   folios: no per-folio entry), and the record is written in its newest
 *   version (the lists stay unpacked, and the record is written also in
 *   every older version the caller, LUO, offers when the administrator
 *   asked for a downgrade-capable handover: memfd_luo.downgrade=1).
 *   Holes stay holes.  Writes into existing pages go on as usual and are
 *   what the next kernel sees.
 * - between preserve and freeze a write or fault into a hole still
 *   allocates a folio; freeze finds it.
 * - freeze (from kernel_kexec()): no folio may be added any more
 *   (SHMEM_FROZEN_FOLIOS; a write into a hole gets -EBUSY, a fault
 *   SIGBUS).  If folios were added since preserve, the file is scanned
 *   again and the record rewritten; otherwise only position and seals are
 *   refreshed, so freeze costs O(1) for a file that did not change shape.
 * - unfreeze / unpreserve undo the above.
 * - retrieve (next kernel): the record is validated as a whole (the checks
 *   are in mm/memfd_luo_check.c), then a new memfd of the same name, size,
 *   mode, seals and position is made and each folio is restored from KHO
 *   and inserted at its index, charged to the caller's memcg and put on
 *   the LRU like a freshly faulted one.
 *
 * Formats (little endian, see Documentation/core-api/liveupdate-memfd.rst):
 * every version starts with the same header page.  Version 3 follows it
 * with a reference to the folio list of each order and lists segments
 * (file index, pages, order: one per hole or order change), each taking
 * its folios from its order's list in turn; the lists are the KHO
 * preservation itself, so a folio costs its 8-byte entry in the packed
 * list at most (16 bytes unpacked, with memfd_luo.downgrade=1; less where
 * folios are physically adjacent).  Version 2 lists runs
 * (folios contiguous in both file index and physical address, of one
 * order), version 1 lists every folio.  LUO offers the newest version this
 * kernel reads.
 *
 * MFD_HUGETLB memfds are preserved the same way, with the hstate's order;
 * their folios are given back to hugetlb's accounting on restore.
 */

#define pr_fmt(fmt) "memfd_luo: " fmt

#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/memcontrol.h>
#include <linux/memfd_luo_abi.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/physr.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>

#include "internal.h"
#include "memfd_luo_check.h"

#include <trace/events/liveupdate.h>

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "memfd_luo."

/*
 * memfd_luo.downgrade=1: the administrator asks for a handover that an
 * older kernel, one that reads only record version 1, can take.  Off by
 * default: a preserve writes only the newest record (version 3) and packs
 * its folio lists (physr chunk layout version 2, 8 bytes a range), so the
 * handover carries no second copy of the folio list and half the bytes of
 * a list of scattered folios.  With it, the lists stay in chunk layout
 * version 1 and record versions 2 and 1 are written too; an older kernel
 * also needs the KHO root in the
 * version it reads (kho.write_version=2 copies the referenced lists into
 * the preserved-memory maps).  Read at preserve:
 * set it before preserving.
 */
static bool memfd_luo_downgrade;
module_param_named(downgrade, memfd_luo_downgrade, bool, 0644);
MODULE_PARM_DESC(downgrade,
		 "Also write record versions 2 and 1 for an older successor (default: newest only)");

/* The record of one version. */
struct memfd_luo_meta {
	u32 version;
	struct folio *hdr;
	struct luo_array arr;
	bool has_arr;
};

/*
 * The folios of a preserved memfd as KHO hands them over: one physr list
 * per folio order, in file order, each preserved with
 * kho_preserve_physr_ref() (the list is the only record of its folios).
 * Version 3 of the record names these lists; versions 2 and 1 name the
 * same folios by address.  KHO takes any number of referenced lists (its
 * reference array, root version 4).  Allocated apart: KHO keeps pointers
 * to the lists until they are unpreserved.
 */
struct memfd_luo_lists {
	struct physr pr[MEMFD_LUO_NR_ORDERS];
	unsigned long preserved;	/* bit per order */
};

/* Runtime state of one preserved memfd (outgoing kernel). */
struct memfd_luo {
	struct file *file;
	struct memfd_luo_lists *lists;
	struct folio **folios;		/* sorted by index, one ref each */
	unsigned long nr_folios;
	unsigned long nr_pages;
	unsigned long nr_runs;
	unsigned long nr_segs;
	bool made_unevictable;
	bool pack;			/* lists in packed chunks */
	unsigned int nr_meta;
	struct memfd_luo_meta meta[LIVEUPDATE_MAX_VERSIONS];
};

/* A growing array of folio pointers. */
struct memfd_luo_list {
	struct folio **folios;
	unsigned long nr;
	unsigned long cap;
	unsigned long nr_pages;
};

static bool memfd_luo_is_hugetlb(struct file *file)
{
	return IS_ENABLED(CONFIG_HUGETLBFS) && is_file_hugepages(file);
}

static unsigned int *memfd_luo_seals(struct file *file)
{
	if (shmem_file(file))
		return &SHMEM_I(file_inode(file))->seals;
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return &HUGETLBFS_I(file_inode(file))->seals;
#endif
	return NULL;
}

/* The frozen bits, through the helpers shmem and hugetlbfs own. */
static unsigned int memfd_luo_frozen(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return hugetlbfs_frozen(file_inode(file));
#endif
	return shmem_frozen(file_inode(file));
}

static bool memfd_luo_can_preserve(struct liveupdate_file_handler *handler,
				   struct file *file)
{
	const char *name = file->f_path.dentry->d_name.name;
	struct inode *inode = file_inode(file);

	if (!shmem_file(file) && !memfd_luo_is_hugetlb(file))
		return false;
	/*
	 * memfd_create() makes an unlinked file on the kernel's internal
	 * shmem or hugetlbfs mount, named "memfd:...".  A file of a tmpfs or
	 * hugetlbfs that userspace mounted, linked or not, is not a memfd
	 * whatever its name; SysV shm and shared anonymous memory live on
	 * the internal mount too, under other names.
	 */
	return (file->f_path.mnt->mnt_flags & MNT_INTERNAL) &&
	       !inode->i_nlink && S_ISREG(inode->i_mode) &&
	       !strncmp(name, MFD_PREFIX, strlen(MFD_PREFIX));
}

/* Set or clear frozen bits; the inode lock is held. */
static void memfd_luo_set_frozen(struct file *file, unsigned int bits,
				 bool on)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file)) {
		hugetlbfs_set_frozen(file_inode(file), bits, on);
		return;
	}
#endif
	shmem_set_frozen(file_inode(file), bits, on);
}

static int memfd_luo_list_add(struct memfd_luo_list *list,
			      struct folio *folio)
{
	if (list->nr == list->cap) {
		unsigned long cap = max(list->cap * 2, 64UL);
		struct folio **n;

		n = kvmalloc_array(cap, sizeof(*n), GFP_KERNEL);
		if (!n)
			return -ENOMEM;
		if (list->nr)
			memcpy(n, list->folios, list->nr * sizeof(*n));
		kvfree(list->folios);
		list->folios = n;
		list->cap = cap;
	}
	list->folios[list->nr++] = folio;
	list->nr_pages += folio_nr_pages(folio);
	return 0;
}

static void memfd_luo_list_put(struct memfd_luo_list *list)
{
	unsigned long i;

	for (i = 0; i < list->nr; i++)
		folio_put(list->folios[i]);
	kvfree(list->folios);
	memset(list, 0, sizeof(*list));
}

/* Bring back every swapped-out page of a shmem file. */
static int memfd_luo_swapin(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct address_space *mapping = file->f_mapping;
	pgoff_t index, end = DIV_ROUND_UP(i_size_read(inode), PAGE_SIZE);
	struct folio *folio;
	int err;

	for (index = 0; index < end && READ_ONCE(SHMEM_I(inode)->swapped);
	     index++) {
		if (!xa_is_value(xa_load(&mapping->i_pages, index)))
			continue;
		err = shmem_get_folio(inode, index, 0, &folio, SGP_READ);
		if (err)
			return err;
		if (folio) {
			folio_unlock(folio);
			folio_put(folio);
		}
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/*
 * Passes over a file's folios in scratch before a preserve gives up on one
 * that stays there; they wait 20, 40, 80 and 160 ms in between.
 */
#define MEMFD_LUO_SCRATCH_PASSES	5

/*
 * One pass of memfd_luo_leave_scratch(): isolate the folios of @file that
 * lie in a scratch area and migrate them out.  A folio that cannot be
 * isolated now (compaction or reclaim has it, a hugetlb folio not active)
 * or that does not migrate (a transient reference, no memory outside CMA)
 * is counted in *@left and left for the next pass.
 */
static int memfd_luo_scratch_pass(struct file *file, unsigned long *left)
{
	struct address_space *mapping = file->f_mapping;
	struct migration_target_control mtc = {
		.nid = NUMA_NO_NODE,
		.gfp_mask = GFP_USER | __GFP_NOWARN,
		.reason = MR_LONGTERM_PIN,
	};
	unsigned int i, flags;
	unsigned long isolated = 0;
	struct folio_batch fbatch;
	LIST_HEAD(movable);
	bool drained = false;
	pgoff_t start = 0;
	int ret, err = 0;

	*left = 0;
	folio_batch_init(&fbatch);
	while (!err && filemap_get_folios(mapping, &start, ULONG_MAX, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			if (!kho_folio_in_scratch(folio))
				continue;
			if (folio_test_hugetlb(folio)) {
				if (isolate_hugetlb(folio, &movable))
					isolated++;
				else
					(*left)++;
				continue;
			}
			if (!drained) {
				lru_add_drain_all();
				drained = true;
			}
			if (!folio_isolate_lru(folio)) {
				(*left)++;
				continue;
			}
			list_add_tail(&folio->lru, &movable);
			node_stat_mod_folio(folio, NR_ISOLATED_ANON +
					    folio_is_file_lru(folio),
					    folio_nr_pages(folio));
			isolated++;
		}
		folio_batch_release(&fbatch);
		if (fatal_signal_pending(current))
			err = -EINTR;
		cond_resched();
	}
	if (!err && !list_empty(&movable)) {
		flags = memalloc_pin_save();
		ret = migrate_pages(&movable, alloc_migration_target, NULL,
				    (unsigned long)&mtc, MIGRATE_SYNC,
				    MR_LONGTERM_PIN, NULL);
		memalloc_pin_restore(flags);
		/* An error (-ENOMEM) leaves all that was isolated unmoved. */
		*left += ret < 0 ? isolated : ret;
	}
	if (!list_empty(&movable))
		putback_movable_pages(&movable);
	return err;
}

/*
 * Migrate the folios of @file that lie in a KHO scratch area out of it.
 * Scratch is lent to the page allocator for movable allocations until a
 * kexec (kernel/liveupdate/kho_scratch.c) and preserved memory must not lie
 * there.  As for a long-term pin (mm/gup.c), the new folios are allocated
 * outside CMA: for hugetlb, a free huge page of the pool outside scratch
 * (huge pages allocated after boot may come from scratch, since hugetlb
 * allocates them movable), else a surplus one.  A folio that compaction or
 * reclaim holds at the moment, or that a short-lived reference keeps from
 * migrating, is tried again in a later pass, as mm/gup.c retries a
 * long-term pin; -EBUSY when one is still there after the last pass (a
 * reference that stays, such as a pipe's, or no memory outside scratch).
 */
static int memfd_luo_leave_scratch(struct file *file)
{
	unsigned long left = 0;
	unsigned int pass;
	int err;

	for (pass = 0; pass < MEMFD_LUO_SCRATCH_PASSES; pass++) {
		if (pass)
			msleep(10 << pass);
		err = memfd_luo_scratch_pass(file, &left);
		if (err || !left)
			return err;
	}
	pr_warn_ratelimited("%s: %lu folios stay in KHO scratch after %u passes (held, or no memory outside scratch), not preserved\n",
			    file->f_path.dentry->d_name.name, left,
			    MEMFD_LUO_SCRATCH_PASSES);
	return -EBUSY;
}

/*
 * One pass of memfd_luo_collect().  A folio found in scratch after all
 * (compaction may have moved it there after memfd_luo_leave_scratch(); the
 * reference taken here keeps it from moving again) sets *@in_scratch and
 * ends the pass with -EAGAIN.
 */
static int memfd_luo_collect_pass(struct file *file,
				  struct memfd_luo_list *list, bool *in_scratch)
{
	struct address_space *mapping = file->f_mapping;
	struct folio_batch fbatch;
	pgoff_t start = 0;
	unsigned int i;
	int err = 0;

	folio_batch_init(&fbatch);
	while (!err && filemap_get_folios(mapping, &start, ULONG_MAX, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			if (err)
				break;
			if (folio_test_hwpoison(folio) ||
			    (folio_test_large(folio) &&
			     folio_test_has_hwpoisoned(folio))) {
				err = -EIO;
				break;
			}
			folio_lock(folio);
			if (folio->mapping != mapping) {
				/* Cannot happen while frozen; be safe. */
				folio_unlock(folio);
				err = -EAGAIN;
				break;
			}
			if (!folio_test_uptodate(folio)) {
				folio_zero_range(folio, 0, folio_size(folio));
				flush_dcache_folio(folio);
				folio_mark_uptodate(folio);
			}
			folio_mark_dirty(folio);
			folio_unlock(folio);
			folio_get(folio);
			if (kho_folio_in_scratch(folio)) {
				folio_put(folio);
				*in_scratch = true;
				err = -EAGAIN;
				break;
			}
			err = memfd_luo_list_add(list, folio);
			if (err)
				folio_put(folio);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
	return err;
}

/*
 * Collect every folio of the file in index order, each with a reference.
 * Folios fallocated but never written are zeroed and marked uptodate here,
 * so the next kernel can take every folio as valid data.  Folios in scratch
 * are migrated out first (-EBUSY when one cannot be).
 */
static int memfd_luo_collect(struct file *file, struct memfd_luo_list *list)
{
	unsigned int pass;
	bool in_scratch;
	int err;

	for (pass = 0; pass < MEMFD_LUO_SCRATCH_PASSES; pass++) {
		err = memfd_luo_leave_scratch(file);
		if (err)
			return err;
		in_scratch = false;
		err = memfd_luo_collect_pass(file, list, &in_scratch);
		if (!in_scratch)
			return err;
		memfd_luo_list_put(list);
	}
	pr_warn_ratelimited("%s: folios keep moving into KHO scratch, not preserved\n",
			    file->f_path.dentry->d_name.name);
	return -EBUSY;
}

static unsigned long memfd_luo_count_runs(struct folio **folios,
					  unsigned long nr)
{
	unsigned long i, runs = 0;

	for (i = 0; i < nr; i++) {
		struct folio *prev = i ? folios[i - 1] : NULL;
		struct folio *f = folios[i];

		if (!prev || folio_order(prev) != folio_order(f) ||
		    folio_pfn(prev) + folio_nr_pages(prev) != folio_pfn(f) ||
		    prev->index + folio_nr_pages(prev) != f->index)
			runs++;
	}
	return runs;
}

/*
 * Segments of version 3: a new one at a hole, at an order change, or when
 * the page count would not fit its 32-bit field.
 */
static bool memfd_luo_seg_continues(struct folio *prev, struct folio *f,
				    u64 seg_pages)
{
	return prev && folio_order(prev) == folio_order(f) &&
	       prev->index + folio_nr_pages(prev) == f->index &&
	       seg_pages + folio_nr_pages(f) <= U32_MAX;
}

static unsigned long memfd_luo_count_segs(struct folio **folios,
					  unsigned long nr)
{
	unsigned long i, segs = 0;
	u64 seg_pages = 0;

	for (i = 0; i < nr; i++) {
		if (!memfd_luo_seg_continues(i ? folios[i - 1] : NULL,
					     folios[i], seg_pages)) {
			segs++;
			seg_pages = 0;
		}
		seg_pages += folio_nr_pages(folios[i]);
	}
	return segs;
}

static void memfd_luo_lists_unpreserve(struct memfd_luo_lists *l)
{
	unsigned int o;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		if (l->preserved & BIT(o))
			WARN_ON_ONCE(kho_unpreserve_physr_ref(&l->pr[o]));
	l->preserved = 0;
}

static void memfd_luo_lists_free(struct memfd_luo_lists *l)
{
	unsigned int o;

	if (!l)
		return;
	memfd_luo_lists_unpreserve(l);
	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		physr_destroy(&l->pr[o]);
	kfree(l);
}

/* Preserve every non-empty list; all or nothing. */
static int memfd_luo_lists_preserve(struct memfd_luo_lists *l)
{
	unsigned int o;
	int err;

	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
		if (!physr_nr_ranges(&l->pr[o]))
			continue;
		err = kho_preserve_physr_ref(&l->pr[o], o);
		if (err) {
			memfd_luo_lists_unpreserve(l);
			return err;
		}
		l->preserved |= BIT(o);
	}
	return 0;
}

/*
 * The lists of the folios of @list, in file order (physr_append() merges
 * physically adjacent folios of an order into one range), not preserved;
 * with @pack, rewritten in packed chunks (8 bytes a range, physr chunk
 * layout version 2), which only a successor that reads version 3 of the
 * record reads anyway.
 */
static struct memfd_luo_lists *memfd_luo_lists_build(struct memfd_luo_list *list,
						     bool pack)
{
	struct memfd_luo_lists *l;
	unsigned long i;
	unsigned int o;
	int err = 0;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return ERR_PTR(-ENOMEM);
	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		physr_init(&l->pr[o]);
	for (i = 0; i < list->nr && !err; i++) {
		struct folio *f = list->folios[i];

		o = folio_order(f);
		if (o >= MEMFD_LUO_NR_ORDERS)
			err = -EINVAL;
		else
			err = physr_append(&l->pr[o], PFN_PHYS(folio_pfn(f)),
					   folio_size(f), GFP_KERNEL);
		if (!(i % 1024))
			cond_resched();
	}
	for (o = 0; o < MEMFD_LUO_NR_ORDERS && pack && !err; o++)
		err = physr_pack(&l->pr[o], GFP_KERNEL);
	if (err) {
		memfd_luo_lists_free(l);
		return ERR_PTR(err);
	}
	return l;
}

static void memfd_luo_meta_free(struct memfd_luo_meta *m)
{
	if (m->has_arr)
		luo_array_free(&m->arr);
	m->has_arr = false;
	if (m->hdr) {
		kho_unpreserve_folio(m->hdr);
		folio_put(m->hdr);
		m->hdr = NULL;
	}
}

static void memfd_luo_fill_hdr(struct memfd_luo *st, struct memfd_luo_meta *m)
{
	struct memfd_luo_hdr *h = folio_address(m->hdr);
	struct file *file = st->file;
	struct inode *inode = file_inode(file);

	h->pos = cpu_to_le64(READ_ONCE(file->f_pos));
	h->seals = cpu_to_le32(READ_ONCE(*memfd_luo_seals(file)));
	h->mode = cpu_to_le32(inode->i_mode & 07777);
}

/* Write the record of one version for the folios in @list. */
static int memfd_luo_meta_write(struct memfd_luo *st,
				struct memfd_luo_meta *m,
				struct memfd_luo_list *list,
				struct memfd_luo_lists *lists,
				unsigned long nr_runs, unsigned long nr_segs)
{
	const char *name = st->file->f_path.dentry->d_name.name;
	struct memfd_luo_hdr *h;
	unsigned long i, n;
	u64 nr_entries;
	int err;

	m->hdr = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!m->hdr)
		return -ENOMEM;
	err = kho_preserve_folio(m->hdr);
	if (err) {
		folio_put(m->hdr);
		m->hdr = NULL;
		return err;
	}

	nr_entries = m->version == MEMFD_LUO_V3 ? nr_segs :
		     m->version == MEMFD_LUO_V2 ? nr_runs : list->nr;
	if (nr_entries) {
		u32 size = m->version == MEMFD_LUO_V3 ?
			sizeof(struct memfd_luo_seg) :
			m->version == MEMFD_LUO_V2 ?
			sizeof(struct memfd_luo_run) :
			sizeof(struct memfd_luo_folio);

		err = luo_array_alloc(&m->arr, size, nr_entries);
		if (err)
			goto fail;
		m->has_arr = true;
	}

	if (m->version == MEMFD_LUO_V3) {
		struct memfd_luo_v3_lists *refs;
		struct memfd_luo_seg *seg = NULL;
		unsigned int o;

		for (i = 0, n = 0; i < list->nr; i++) {
			struct folio *f = list->folios[i];

			if (seg && memfd_luo_seg_continues(list->folios[i - 1], f,
							   le32_to_cpu(seg->nr_pages))) {
				le32_add_cpu(&seg->nr_pages, folio_nr_pages(f));
				continue;
			}
			if (WARN_ON(n >= nr_entries)) {
				err = -EINVAL;
				goto fail;
			}
			seg = luo_array_elem(&m->arr, n++);
			seg->index = cpu_to_le64(f->index);
			seg->nr_pages = cpu_to_le32(folio_nr_pages(f));
			seg->order = cpu_to_le32(folio_order(f));
		}
		refs = memfd_luo_v3_lists(folio_address(m->hdr));
		for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++) {
			if (!(lists->preserved & BIT(o)))
				continue;
			refs->lists[o].first =
				cpu_to_le64(physr_first_chunk(&lists->pr[o]));
			refs->lists[o].nr_pages =
				cpu_to_le64(physr_total_bytes(&lists->pr[o]) >>
					    PAGE_SHIFT);
		}
	} else if (m->version == MEMFD_LUO_V2) {
		struct memfd_luo_run *run = NULL;

		for (i = 0, n = 0; i < list->nr; i++) {
			struct folio *f = list->folios[i];

			if (run && le32_to_cpu(run->order) == folio_order(f) &&
			    le64_to_cpu(run->phys) + ((u64)le32_to_cpu(run->nr_folios)
				<< (folio_order(f) + PAGE_SHIFT)) ==
			    PFN_PHYS(folio_pfn(f)) &&
			    le64_to_cpu(run->index) +
			    ((u64)le32_to_cpu(run->nr_folios) << folio_order(f)) ==
			    f->index) {
				le32_add_cpu(&run->nr_folios, 1);
				continue;
			}
			if (WARN_ON(n >= nr_entries)) {
				err = -EINVAL;
				goto fail;
			}
			run = luo_array_elem(&m->arr, n++);
			run->phys = cpu_to_le64(PFN_PHYS(folio_pfn(f)));
			run->index = cpu_to_le64(f->index);
			run->nr_folios = cpu_to_le32(1);
			run->order = cpu_to_le32(folio_order(f));
		}
	} else {
		for (i = 0; i < list->nr; i++) {
			struct memfd_luo_folio *e = luo_array_elem(&m->arr, i);
			struct folio *f = list->folios[i];

			e->phys_order = cpu_to_le64(PFN_PHYS(folio_pfn(f)) |
						    folio_order(f));
			e->index = cpu_to_le64(f->index);
		}
	}

	h = folio_address(m->hdr);
	h->magic = cpu_to_le64(MEMFD_LUO_MAGIC);
	h->version = cpu_to_le32(m->version);
	h->flags = cpu_to_le32(memfd_luo_is_hugetlb(st->file) ?
			       MEMFD_LUO_HUGETLB : 0);
	h->size = cpu_to_le64(i_size_read(file_inode(st->file)));
	h->nr_pages = cpu_to_le64(list->nr_pages);
	h->nr_folios = cpu_to_le64(list->nr);
	h->nr_entries = cpu_to_le64(nr_entries);
	h->entries = cpu_to_le64(m->has_arr ? luo_array_handle(&m->arr) : 0);
#ifdef CONFIG_HUGETLBFS
	if (memfd_luo_is_hugetlb(st->file))
		h->huge_order = cpu_to_le32(huge_page_order(hstate_file(st->file)));
#endif
	h->name_len = cpu_to_le32(strscpy(h->name, name, sizeof(h->name)));
	memfd_luo_fill_hdr(st, m);
	return 0;
fail:
	memfd_luo_meta_free(m);
	return err;
}

/* Bytes of the serialized record of one version (what the format needs). */
static u64 memfd_luo_meta_bytes(struct memfd_luo_meta *m)
{
	struct memfd_luo_hdr *h = folio_address(m->hdr);
	u64 n = le64_to_cpu(h->nr_entries);

	if (m->version == MEMFD_LUO_V3)
		/*
		 * The header with its list references, and the segments.
		 * The folio lists are KHO's preservation of the folios,
		 * counted once, as KHO's (kho/out/maps).
		 */
		return sizeof(struct memfd_luo_hdr) +
		       sizeof(struct memfd_luo_v3_lists) +
		       n * sizeof(struct memfd_luo_seg);
	return offsetof(struct memfd_luo_hdr, name) +
	       le32_to_cpu(h->name_len) + 1 +
	       n * (m->version == MEMFD_LUO_V2 ?
		    sizeof(struct memfd_luo_run) :
		    sizeof(struct memfd_luo_folio));
}

/* Write all requested versions into @meta (all or nothing). */
static int memfd_luo_write_all(struct memfd_luo *st,
			       struct liveupdate_file_op_args *args,
			       struct memfd_luo_meta *meta,
			       struct memfd_luo_list *list,
			       struct memfd_luo_lists *lists)
{
	unsigned long nr_runs = memfd_luo_count_runs(list->folios, list->nr);
	unsigned long nr_segs = memfd_luo_count_segs(list->folios, list->nr);
	unsigned int i;
	int err;

	for (i = 0; i < args->nr_versions; i++) {
		meta[i].version = args->version[i];
		if (meta[i].version != MEMFD_LUO_V1 &&
		    meta[i].version != MEMFD_LUO_V2 &&
		    meta[i].version != MEMFD_LUO_V3) {
			err = -EINVAL;
			goto fail;
		}
		err = memfd_luo_meta_write(st, &meta[i], list, lists, nr_runs,
					   nr_segs);
		if (err)
			goto fail;
	}
	return 0;
fail:
	while (i--)
		memfd_luo_meta_free(&meta[i]);
	return err;
}

static void memfd_luo_report(const char *what, struct memfd_luo *st)
{
	unsigned int i;
	u64 bytes[3] = {};

	for (i = 0; i < st->nr_meta; i++) {
		u32 v = st->meta[i].version;

		if (v >= MEMFD_LUO_V1 && v <= MEMFD_LUO_V3)
			bytes[v - 1] = memfd_luo_meta_bytes(&st->meta[i]);
	}
	trace_liveupdate_memfd_preserve(what,
					st->file->f_path.dentry->d_name.name,
					i_size_read(file_inode(st->file)),
					st->nr_pages, st->nr_folios,
					st->nr_runs, bytes[1], bytes[0], bytes[2],
					st->nr_segs);
	pr_debug("%s %s: size %lld, %lu pages in %lu folios, %lu runs, %lu segments, record v3 %llu bytes, v2 %llu bytes, v1 %llu bytes\n",
		 what, st->file->f_path.dentry->d_name.name,
		 i_size_read(file_inode(st->file)), st->nr_pages,
		 st->nr_folios, st->nr_runs, st->nr_segs, bytes[2], bytes[1],
		 bytes[0]);
}

static void memfd_luo_adopt_list(struct memfd_luo *st,
				 struct memfd_luo_list *list)
{
	st->folios = list->folios;
	st->nr_folios = list->nr;
	st->nr_pages = list->nr_pages;
	st->nr_runs = memfd_luo_count_runs(list->folios, list->nr);
	st->nr_segs = memfd_luo_count_segs(list->folios, list->nr);
	memset(list, 0, sizeof(*list));
}

static int memfd_luo_preserve(struct liveupdate_file_op_args *args)
{
	struct file *file = args->file;
	struct inode *inode = file_inode(file);
	struct address_space *mapping = file->f_mapping;
	struct memfd_luo_list list = {};
	struct memfd_luo_lists *lists;
	struct memfd_luo *st;
	bool downgrade;
	int err;

	/* The next kernel hands back a read-write file. */
	if ((file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return -EACCES;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->file = file;

	inode_lock(inode);
	if (memfd_luo_frozen(file)) {
		/* Already preserved (under another token or session). */
		err = -EBUSY;
		goto out_unlock;
	}
	memfd_luo_set_frozen(file, SHMEM_FROZEN_SIZE, true);
	if (!memfd_luo_is_hugetlb(file) && !mapping_unevictable(mapping)) {
		/* Keep the folios out of swap until kexec. */
		mapping_set_unevictable(mapping);
		st->made_unevictable = true;
	}

	if (!memfd_luo_is_hugetlb(file)) {
		err = memfd_luo_swapin(file);
		if (err)
			goto out_thaw;
	}
	err = memfd_luo_collect(file, &list);
	if (err)
		goto out_list;
	if (!memfd_luo_is_hugetlb(file) && READ_ONCE(SHMEM_I(inode)->swapped)) {
		pr_warn("%s: pages still in swap, not preserved\n",
			file->f_path.dentry->d_name.name);
		err = -EIO;
		goto out_list;
	}
	/*
	 * LUO offers every version, newest first: keep the newest only, with
	 * its lists packed, unless asked for a downgrade-capable handover.
	 * The physr chunk layout is a core format: kho.write_version=1 keeps
	 * it at version 1 too.
	 */
	downgrade = READ_ONCE(memfd_luo_downgrade);
	st->pack = !downgrade &&
		   kho_write_version(PHYSR_CHUNK_VERSION_MAX) >=
		   PHYSR_CHUNK_VERSION_PACKED;
	if (!downgrade)
		args->nr_versions = 1;
	lists = memfd_luo_lists_build(&list, st->pack);
	if (IS_ERR(lists)) {
		err = PTR_ERR(lists);
		goto out_list;
	}
	err = memfd_luo_lists_preserve(lists);
	if (err)
		goto out_unpreserve;
	err = memfd_luo_write_all(st, args, st->meta, &list, lists);
	if (err)
		goto out_unpreserve;
	st->lists = lists;
	st->nr_meta = args->nr_versions;
	memfd_luo_adopt_list(st, &list);
	for (unsigned int i = 0; i < st->nr_meta; i++)
		args->data[i] = PFN_PHYS(folio_pfn(st->meta[i].hdr));
	args->private = st;
	inode_unlock(inode);
	memfd_luo_report("preserved", st);
	return 0;

out_unpreserve:
	memfd_luo_lists_free(lists);
out_list:
	memfd_luo_list_put(&list);
out_thaw:
	if (st->made_unevictable) {
		mapping_clear_unevictable(mapping);
		shmem_unlock_mapping(mapping);
	}
	memfd_luo_set_frozen(file, SHMEM_FROZEN_SIZE, false);
out_unlock:
	inode_unlock(inode);
	kfree(st);
	return err;
}

static void memfd_luo_unpreserve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo *st = args->private;
	struct file *file = st->file;
	struct inode *inode = file_inode(file);
	struct memfd_luo_list list = {
		.folios = st->folios, .nr = st->nr_folios,
	};
	unsigned int i;

	inode_lock(inode);
	for (i = 0; i < st->nr_meta; i++)
		memfd_luo_meta_free(&st->meta[i]);
	memfd_luo_lists_free(st->lists);
	memfd_luo_list_put(&list);
	if (st->made_unevictable) {
		mapping_clear_unevictable(file->f_mapping);
		shmem_unlock_mapping(file->f_mapping);
	}
	memfd_luo_set_frozen(file, SHMEM_FROZEN_SIZE | SHMEM_FROZEN_FOLIOS,
			     false);
	inode_unlock(inode);
	args->private = NULL;
	kfree(st);
}

/*
 * Folios were added to holes since preserve: preserve the new ones and
 * write the record again.  @list is the complete new scan.
 */
static int memfd_luo_refreeze(struct memfd_luo *st,
			      struct liveupdate_file_op_args *args,
			      struct memfd_luo_list *list)
{
	struct memfd_luo_meta meta[LIVEUPDATE_MAX_VERSIONS] = {};
	struct memfd_luo_list added = {};
	struct memfd_luo_lists *lists;
	unsigned long i, j;
	unsigned int v;
	int err;

	/* Both lists are sorted by index; nothing can have left the file. */
	for (i = 0, j = 0; i < list->nr; i++) {
		if (j < st->nr_folios && st->folios[j] == list->folios[i]) {
			j++;
			continue;
		}
		err = memfd_luo_list_add(&added, list->folios[i]);
		if (err)
			goto out;
	}
	if (j != st->nr_folios) {
		/* A preserved folio left the file: a bug in the freezing. */
		WARN_ON_ONCE(1);
		err = -EINVAL;
		goto out;
	}
	/*
	 * New lists for the whole file: a preserved list must not change,
	 * so the old ones are unpreserved and the new ones preserved in
	 * their place (they share blocks, so not both at once).  If that
	 * fails the old ones are preserved again; should even that fail,
	 * the file is left with no list preserved, its records name memory
	 * KHO does not hand over, and the freeze fails, so no kexec happens
	 * until a later freeze succeeds.
	 */
	lists = memfd_luo_lists_build(list, st->pack);
	if (IS_ERR(lists)) {
		err = PTR_ERR(lists);
		goto out;
	}
	memfd_luo_lists_unpreserve(st->lists);
	err = memfd_luo_lists_preserve(lists);
	err = err ?: memfd_luo_write_all(st, args, meta, list, lists);
	if (err) {
		memfd_luo_lists_free(lists);
		if (memfd_luo_lists_preserve(st->lists))
			pr_err("%s: its folio lists could not be preserved again\n",
			       st->file->f_path.dentry->d_name.name);
		goto out;
	}
	memfd_luo_lists_free(st->lists);
	st->lists = lists;
	for (v = 0; v < st->nr_meta; v++) {
		memfd_luo_meta_free(&st->meta[v]);
		st->meta[v] = meta[v];
		args->data[v] = PFN_PHYS(folio_pfn(meta[v].hdr));
	}
	/* Swap in the new list; the old references are dropped. */
	swap(st->folios, list->folios);
	swap(st->nr_folios, list->nr);
	for (i = 0; i < list->nr; i++)
		folio_put(list->folios[i]);
	kvfree(list->folios);
	memset(list, 0, sizeof(*list));
	st->nr_pages = 0;
	for (i = 0; i < st->nr_folios; i++)
		st->nr_pages += folio_nr_pages(st->folios[i]);
	st->nr_runs = memfd_luo_count_runs(st->folios, st->nr_folios);
	st->nr_segs = memfd_luo_count_segs(st->folios, st->nr_folios);
	memfd_luo_report("re-preserved at freeze", st);
out:
	kvfree(added.folios);
	return err;
}

static int memfd_luo_freeze(struct liveupdate_file_op_args *args)
{
	struct memfd_luo *st = args->private;
	struct file *file = st->file;
	struct inode *inode = file_inode(file);
	struct memfd_luo_list list = {};
	bool rescanned = false;
	unsigned int v;
	int err = 0;

	inode_lock(inode);
	memfd_luo_set_frozen(file, SHMEM_FROZEN_FOLIOS, true);
	/*
	 * Nothing leaves a frozen file, so the page count only moves when a
	 * hole was filled since preserve.
	 */
	if (READ_ONCE(file->f_mapping->nrpages) != st->nr_pages) {
		rescanned = true;
		err = memfd_luo_collect(file, &list);
		if (!err)
			err = memfd_luo_refreeze(st, args, &list);
		memfd_luo_list_put(&list);
		if (err) {
			memfd_luo_set_frozen(file, SHMEM_FROZEN_FOLIOS, false);
			goto out;
		}
	}
	for (v = 0; v < st->nr_meta; v++)
		memfd_luo_fill_hdr(st, &st->meta[v]);
out:
	inode_unlock(inode);
	trace_liveupdate_memfd_freeze(file->f_path.dentry->d_name.name,
				      rescanned, err);
	return err;
}

static void memfd_luo_unfreeze(struct liveupdate_file_op_args *args)
{
	struct memfd_luo *st = args->private;
	struct inode *inode = file_inode(st->file);

	inode_lock(inode);
	memfd_luo_set_frozen(st->file, SHMEM_FROZEN_FOLIOS, false);
	inode_unlock(inode);
}

/* ---- next kernel ---- */

static int memfd_luo_insert(struct file *file, struct folio *folio,
			    pgoff_t index, bool hugetlb)
{
#ifdef CONFIG_HUGETLBFS
	if (hugetlb)
		return hugetlb_restore_folio(file, folio, index);
#endif
	if (folio_test_large(folio))
		folio_set_large_rmappable(folio);
	return shmem_insert_folio(file_inode(file), folio, index,
				  mapping_gfp_mask(file->f_mapping));
}

static struct file *memfd_luo_new_file(struct memfd_luo_hdr *h)
{
	bool hugetlb = le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB;
	loff_t size = le64_to_cpu(h->size);
	struct file *file;

	if (hugetlb) {
#ifdef CONFIG_HUGETLBFS
		file = hugetlb_file_setup(h->name, size, VM_NORESERVE,
					  HUGETLB_ANONHUGE_INODE,
					  le32_to_cpu(h->huge_order) + PAGE_SHIFT);
#else
		file = ERR_PTR(-EOPNOTSUPP);
#endif
	} else {
		file = shmem_file_setup(h->name, size, VM_NORESERVE);
	}
	if (IS_ERR(file))
		return file;
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;
	return file;
}

/* The largest folio order the new file can hold. */
static unsigned int memfd_luo_max_order(struct file *file)
{
#ifdef CONFIG_HUGETLBFS
	if (is_file_hugepages(file))
		return huge_page_order(hstate_file(file));
#endif
	return min_t(unsigned int, mapping_max_folio_order(file->f_mapping),
		     MAX_PAGE_ORDER);
}

/*
 * An incoming memfd between a failed retrieve and the next try.  A
 * retrieve checks the header in place and takes the entry array (all or
 * nothing); from then on the work done lives here, in the LUO file's
 * private data, and a failed retrieve loses none of it.  The whole record
 * and every folio it names are checked before any folio is taken: a
 * malformed record is refused (every try, with the same error) and no
 * folio is taken.  Past the checks, what can still fail (an allocation,
 * a memcg charge, hugetlb accounting) leaves the new file with the folios
 * already in it and the folio that could not be inserted; the next
 * retrieve goes on from there.  Finish releases it all when nobody
 * retrieves the file.
 */
/* Version 3: where the next folio of an order's list is. */
struct memfd_luo_cursor {
	struct physr_iter it;
	u64 phys;
	u64 left;		/* bytes left in the range at @phys */
	bool started;
};

struct memfd_luo_in {
	phys_addr_t hdr_phys;
	struct folio *hdr;	/* taken once every check passed */
	struct luo_array arr;
	bool has_arr;
	/* Version 3: the folio lists, taken back after the entry array. */
	struct physr *lists;
	unsigned long lists_taken;	/* bit per order */
	struct memfd_luo_cursor *cur;
	bool checked;
	int err;		/* a malformed record: refused for good */
	struct file *file;
	struct folio *pending;	/* restored, not in the file yet */
	u64 entry;		/* the next entry to restore */
	u64 folio;		/* the next folio in that entry */
	u64 nr_folios;		/* folios in the file */
};

static void memfd_luo_in_lists_free(struct physr *lists)
{
	unsigned int o;

	if (!lists)
		return;
	for (o = 0; o < MEMFD_LUO_NR_ORDERS; o++)
		physr_destroy(&lists[o]);
	kfree(lists);
}

/*
 * Version 3, before anything is taken: the lists' chains in place
 * (memfd_luo_v3_lists_ok()).  A chain refused for whatever reason
 * (physr_validate_chain() says which: -ERANGE for a chunk that is not
 * preserved memory, -ELOOP, ...) is a malformed record: -EINVAL, as
 * documented for every other check of the record.
 */
static int memfd_luo_in_lists_ok(struct memfd_luo_hdr *h)
{
	unsigned int o;
	int err;

	err = memfd_luo_v3_lists_ok(h, &o);
	if (!err)
		return 0;
	pr_err("%s: folio list of order %u rejected (%d)\n", h->name, o, err);
	return -EINVAL;
}

/*
 * Version 3: take back the folio lists (memfd_luo_v3_take_lists()); the
 * lists taken stay with @in, so a retrieve that fails here with -ENOMEM
 * goes on from there.  Any other error (a chunk that two lists share, or
 * that someone else took: -ERANGE, -EBUSY) refuses the record for good,
 * with -EINVAL as any malformed record.
 */
static int memfd_luo_in_take_lists(struct memfd_luo_in *in)
{
	struct memfd_luo_hdr *h = phys_to_virt(in->hdr_phys);
	unsigned int o;
	int err;

	err = memfd_luo_v3_take_lists(h, in->lists, &in->lists_taken, &o);
	if (!err)
		return 0;
	pr_err("%s: folio list of order %u not taken (%d)\n", h->name, o, err);
	if (err == -ENOMEM)
		return err;
	in->err = -EINVAL;
	return -EINVAL;
}

/* Version 3: the address of the next folio of @order, 0 past the end. */
static u64 memfd_luo_cursor_peek(struct memfd_luo_in *in, unsigned int order)
{
	struct memfd_luo_cursor *c = &in->cur[order];
	struct physr_range r;

	if (!c->started) {
		physr_iter_init(&c->it, &in->lists[order]);
		c->started = true;
	}
	while (!c->left) {
		if (!physr_iter_next(&c->it, &r))
			return 0;
		c->phys = r.phys;
		c->left = r.len;
	}
	return c->phys;
}

static void memfd_luo_cursor_next(struct memfd_luo_in *in, unsigned int order)
{
	struct memfd_luo_cursor *c = &in->cur[order];

	c->phys += PAGE_SIZE << order;
	c->left -= PAGE_SIZE << order;
}

static void memfd_luo_in_free(struct memfd_luo_in *in)
{
	if (in->pending)
		folio_put(in->pending);
	if (in->file)
		fput(in->file);
	if (in->has_arr)
		luo_array_release(&in->arr);
	memfd_luo_in_lists_free(in->lists);
	kfree(in->cur);
	if (in->hdr)
		folio_put(in->hdr);
	kfree(in);
}

/* First retrieve: check the header in place and take the entry array. */
static struct memfd_luo_in *
memfd_luo_in_start(struct liveupdate_file_op_args *args)
{
	u32 version = args->version[0];
	phys_addr_t phys = args->data[0];
	struct memfd_luo_in *in;
	struct memfd_luo_hdr *h;
	int err;

	if (version != MEMFD_LUO_V1 && version != MEMFD_LUO_V2 &&
	    version != MEMFD_LUO_V3) {
		pr_err("record version %u is not one this kernel reads\n",
		       version);
		return ERR_PTR(-EINVAL);
	}
	if (!kho_folio_waiting(phys, 0)) {
		pr_err("record at %#llx is not preserved memory\n", (u64)phys);
		return ERR_PTR(-EINVAL);
	}
	h = phys_to_virt(phys);
	err = memfd_luo_check_hdr(h, version);
	if (err) {
		pr_err("malformed record header (v%u) at %#llx\n", version,
		       (u64)phys);
		return ERR_PTR(err);
	}
	if (version == MEMFD_LUO_V3) {
		err = memfd_luo_in_lists_ok(h);
		if (err)
			return ERR_PTR(err);
	}
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		return ERR_PTR(-ENOMEM);
	in->hdr_phys = phys;
	if (version == MEMFD_LUO_V3) {
		/* Allocated before anything is taken. */
		in->cur = kcalloc(MEMFD_LUO_NR_ORDERS, sizeof(*in->cur),
				  GFP_KERNEL);
		in->lists = kcalloc(MEMFD_LUO_NR_ORDERS, sizeof(*in->lists),
				    GFP_KERNEL);
		for (unsigned int o = 0; in->lists && o < MEMFD_LUO_NR_ORDERS;
		     o++)
			physr_init(&in->lists[o]);
		if (!in->cur || !in->lists) {
			memfd_luo_in_free(in);
			return ERR_PTR(-ENOMEM);
		}
	}
	if (h->nr_entries) {
		/* All or nothing: on error no page of the array is taken. */
		err = luo_array_restore(&in->arr, le64_to_cpu(h->entries),
					version == MEMFD_LUO_V3 ?
					sizeof(struct memfd_luo_seg) :
					version == MEMFD_LUO_V2 ?
					sizeof(struct memfd_luo_run) :
					sizeof(struct memfd_luo_folio));
		if (err) {
			pr_err("%s: entry array rejected (%d)\n", h->name, err);
			memfd_luo_in_free(in);
			return ERR_PTR(err);
		}
		in->has_arr = true;
	}
	return in;
}

/* memfd_luo_in_check() of version 3. */
static int memfd_luo_in_check_v3(struct memfd_luo_in *in,
				 unsigned int max_order)
{
	struct memfd_luo_hdr *h = phys_to_virt(in->hdr_phys);
	unsigned int o;
	u64 i;
	int err;

	err = memfd_luo_in_take_lists(in);
	if (err)
		return err;
	/* Folios bigger than this kernel can put in the file: refused. */
	for (o = max_order + 1; o < MEMFD_LUO_NR_ORDERS; o++) {
		if (physr_nr_ranges(&in->lists[o]))
			goto too_big;
	}
	for (i = 0; in->has_arr && i < in->arr.nr; i++) {
		struct memfd_luo_seg *seg = luo_array_elem(&in->arr, i);

		o = le32_to_cpu(seg->order);
		if (o > max_order)
			goto too_big;
	}
	err = memfd_luo_validate_v3(h, in->has_arr ? &in->arr : NULL,
				    in->lists, max_order);
	if (err) {
		pr_err("%s: malformed v3 entries\n", h->name);
		in->err = err;
		return err;
	}
	err = memfd_luo_check_folios_v3(in->lists);
	if (err) {
		if (err != -ENOMEM) {
			pr_err("%s: v3 lists name memory not handed over as such\n",
			       h->name);
			in->err = err;
		}
		return err;
	}
	in->hdr = kho_restore_folio(in->hdr_phys);
	if (!in->hdr)
		return -EBUSY;
	in->checked = true;
	return 0;
too_big:
	pr_err("%s: a folio of order %u, the new file holds at most order %u\n",
	       h->name, o, max_order);
	in->err = -EINVAL;
	return -EINVAL;
}

/* Everything before the first folio is taken; -ENOMEM can be tried again. */
static int memfd_luo_in_check(struct memfd_luo_in *in, u32 version)
{
	struct memfd_luo_hdr *h = phys_to_virt(in->hdr_phys);
	unsigned int max_order = memfd_luo_max_order(in->file);
	struct memfd_luo_item it;
	u64 i;
	int err;

	if (version == MEMFD_LUO_V3)
		return memfd_luo_in_check_v3(in, max_order);
	/* Folios bigger than this kernel can put in the file: refused. */
	for (i = 0; in->has_arr && i < in->arr.nr; i++) {
		memfd_luo_get_item(&in->arr, version, i, &it);
		if (it.order > max_order) {
			pr_err("%s: a folio of order %u, the new file holds at most order %u\n",
			       h->name, it.order, max_order);
			in->err = -EINVAL;
			return -EINVAL;
		}
	}
	err = memfd_luo_validate(h, in->has_arr ? &in->arr : NULL, version,
				 max_order);
	if (err) {
		pr_err("%s: malformed v%u entries\n", h->name, version);
		in->err = err;
		return err;
	}
	err = memfd_luo_check_folios(&in->arr, version,
				     le64_to_cpu(h->nr_entries));
	if (err) {
		if (err != -ENOMEM) {
			pr_err("%s: v%u entries name memory not handed over as such\n",
			       h->name, version);
			in->err = err;
		}
		return err;
	}
	/* All checked: take the record. */
	in->hdr = kho_restore_folio(in->hdr_phys);
	if (!in->hdr)
		return -EBUSY;
	in->checked = true;
	return 0;
}

static int memfd_luo_retrieve(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private;
	u32 version = args->version[0];
	struct memfd_luo_hdr *h;
	struct memfd_luo_item it;
	u64 nr_entries;
	bool hugetlb;
	int err;

	if (!in) {
		in = memfd_luo_in_start(args);
		if (IS_ERR(in))
			return PTR_ERR(in);
		args->private = in;
	}
	if (in->err)
		return in->err;
	h = phys_to_virt(in->hdr_phys);
	nr_entries = le64_to_cpu(h->nr_entries);
	hugetlb = le32_to_cpu(h->flags) & MEMFD_LUO_HUGETLB;
	if (!in->file) {
		struct file *file = memfd_luo_new_file(h);

		if (IS_ERR(file))
			return PTR_ERR(file);
		in->file = file;
		file_inode(file)->i_mode = (file_inode(file)->i_mode & ~07777) |
					   le32_to_cpu(h->mode);
	}
	if (!in->checked) {
		err = memfd_luo_in_check(in, version);
		if (err)
			return err;
	}

	for (; in->entry < nr_entries; in->entry++, in->folio = 0) {
		memfd_luo_get_item(&in->arr, version, in->entry, &it);
		for (; in->folio < it.nr_folios; in->folio++) {
			u64 off = in->folio << it.order;

			if (!in->pending && version == MEMFD_LUO_V3) {
				/* Checked: the list has this folio. */
				u64 phys = memfd_luo_cursor_peek(in, it.order);

				in->pending = kho_restore_folio(phys);
				if (!in->pending)
					return -EBUSY;
				memfd_luo_cursor_next(in, it.order);
			} else if (!in->pending) {
				in->pending = kho_restore_folio(it.phys +
								(off << PAGE_SHIFT));
				/* Checked: only a concurrent restore. */
				if (!in->pending)
					return -EBUSY;
			}
			err = memfd_luo_insert(in->file, in->pending,
					       it.index + off, hugetlb);
			if (err) {
				pr_err("%s: cannot insert folio at index %llu (%d), kept for a later retrieve\n",
				       h->name, it.index + off, err);
				return err;
			}
			folio_put(in->pending);
			in->pending = NULL;
			in->nr_folios++;
			cond_resched();
		}
	}

	*memfd_luo_seals(in->file) = le32_to_cpu(h->seals);
	in->file->f_pos = le64_to_cpu(h->pos);
	trace_liveupdate_memfd_retrieve(h->name, version, le64_to_cpu(h->size),
					le64_to_cpu(h->nr_pages),
					in->nr_folios, nr_entries);
	pr_debug("retrieved %s (v%u): size %llu, %llu pages in %llu folios, %llu entries\n",
		 h->name, version, le64_to_cpu(h->size),
		 le64_to_cpu(h->nr_pages), in->nr_folios, nr_entries);
	args->file = in->file;
	in->file = NULL;
	args->private = NULL;
	memfd_luo_in_free(in);
	return 0;
}

/* A file whose retrieve failed half way and was not tried again. */
static void memfd_luo_finish(struct liveupdate_file_op_args *args)
{
	struct memfd_luo_in *in = args->private;

	args->private = NULL;
	if (in)
		memfd_luo_in_free(in);
}

static const struct liveupdate_file_ops memfd_luo_ops = {
	.can_preserve = memfd_luo_can_preserve,
	.preserve = memfd_luo_preserve,
	.unpreserve = memfd_luo_unpreserve,
	.freeze = memfd_luo_freeze,
	.unfreeze = memfd_luo_unfreeze,
	.retrieve = memfd_luo_retrieve,
	.finish = memfd_luo_finish,
};

static const u32 memfd_luo_write_versions[] = {
	MEMFD_LUO_V3, MEMFD_LUO_V2, MEMFD_LUO_V1
};

static const u32 memfd_luo_read_versions[] = {
	MEMFD_LUO_V1, MEMFD_LUO_V2, MEMFD_LUO_V3
};

/* For debugfs liveupdate/{out,in}/records: the header and its entries. */
static const u16 memfd_luo_record_arrays[] = {
	offsetof(struct memfd_luo_hdr, entries),
};

static struct liveupdate_file_handler memfd_luo_handler = {
	.ops = &memfd_luo_ops,
	.compatible = "memfd",
	.write_versions = memfd_luo_write_versions,
	.nr_write_versions = ARRAY_SIZE(memfd_luo_write_versions),
	.read_versions = memfd_luo_read_versions,
	.nr_read_versions = ARRAY_SIZE(memfd_luo_read_versions),
	.record_size = sizeof(struct memfd_luo_hdr) +
		       sizeof(struct memfd_luo_v3_lists),
	.record_arrays = memfd_luo_record_arrays,
	.nr_record_arrays = ARRAY_SIZE(memfd_luo_record_arrays),
	.owner = THIS_MODULE,
};

static int __init memfd_luo_init(void)
{
	int err;

#ifdef CONFIG_HUGETLBFS
	/* memfd_luo_set_frozen() takes the same bits for both. */
	BUILD_BUG_ON(SHMEM_FROZEN_SIZE != HUGETLBFS_FROZEN_SIZE);
	BUILD_BUG_ON(SHMEM_FROZEN_FOLIOS != HUGETLBFS_FROZEN_FOLIOS);
#endif
	err = liveupdate_register_file_handler(&memfd_luo_handler);

	if (err)
		pr_warn("cannot register the memfd handler (%d)\n", err);
	return 0;
}
late_initcall(memfd_luo_init);
