// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: the outgoing scratch areas, lent to the page allocator.
 *
 * The scratch areas this kernel sets aside for the next one (kho_scratch[])
 * are needed only from the kexec on.  Until then each is a CMA area: its
 * pageblocks are MIGRATE_CMA, so the page allocator puts only movable
 * allocations there (page cache, anonymous and shmem memory), which can be
 * migrated out again.  The memory counts in MemTotal and MemFree (and in
 * CmaTotal and CmaFree).
 *
 * When a kexec image is loaded into scratch (kexec_file_load() with KHO
 * enabled), kho_scratch_claim() allocates every scratch area whole with
 * cma_alloc(), which migrates whatever sits there out; the areas stay
 * allocated while such an image is loaded, so nothing of this kernel lies
 * in them at the kexec.  If an area cannot be emptied (a page in it is
 * pinned or cannot be migrated, or memory outside scratch ran out), the
 * load fails with -EBUSY, nothing is claimed and the previously loaded
 * image, if any, stays.  kho_scratch_sync() gives the areas back once no
 * image is loaded into scratch any more.
 *
 * Preserved memory never lies in scratch: kho_preserve_folio() and
 * kho_preserve_pages() refuse it with -EINVAL, and the memfd handler
 * migrates a file's folios out of scratch before it preserves them.
 *
 * A kernel that accepted a handover keeps the incoming scratch areas as its
 * own (kho_scratch_kept, kho_boot.c).  They hold what its boot put there
 * (the kernel image, early memblock allocations), which stays reserved, so
 * they cannot be CMA areas (activating one frees every page of it).
 * Their free ranges stay reserved from the keep on (kho_scratch_hold_free()),
 * so that the rest of the early boot allocates elsewhere; then
 * kho_scratch_mark_cma() makes each of their pageblocks MIGRATE_CMA
 * before memblock hands the free memory to the page allocator:
 * the free pages, and those the boot frees later (the initrd, init
 * memory), serve only movable allocations, as in a CMA area.  The claim
 * then allocates, with alloc_contig_range(), every run of pages there that
 * is not reserved; the reserved pages are this kernel's own, which the
 * kexec overwrites at the very end, as kexec always may.
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/page-isolation.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kho_internal.h"

static struct cma *kho_cma[KHO_MAX_SCRATCH];
static struct page *kho_claimed[KHO_MAX_SCRATCH];
static bool kho_scratch_is_claimed;
static DEFINE_MUTEX(kho_claim_lock);

/* Runs of pages of kept areas allocated by the claim (kho_claim_lock). */
struct kho_run {
	unsigned long pfn;
	unsigned long nr;
};

static struct kho_run *kho_runs;
static unsigned int kho_nr_runs, kho_runs_room;

/*
 * The free memory of the kept areas, reserved from the moment they are
 * kept until kho_scratch_mark_cma(), so that the early allocations of the
 * rest of the boot (the memory map, CMA areas, the crash kernel) go
 * elsewhere: a CMA area of this kernel in scratch would hold pages the
 * claim cannot migrate.
 */
#define KHO_MAX_HELD	32
static struct kho_area kho_held[KHO_MAX_HELD] __initdata;
static unsigned int kho_nr_held __initdata;

/**
 * kho_scratch_hold_free() - keep later early allocations out of kept scratch
 *
 * Called when this kernel keeps the incoming scratch areas, once memblock
 * is no longer restricted to them: reserves their free ranges (up to
 * KHO_MAX_HELD of them; more stay open to early allocations) until
 * kho_scratch_mark_cma() frees them again.
 *
 * Context: early boot, single threaded.
 */
void __init kho_scratch_hold_free(void)
{
	phys_addr_t start, end;
	unsigned int i;
	u64 r;

	for_each_free_mem_range(r, NUMA_NO_NODE, MEMBLOCK_NONE, &start, &end,
				NULL) {
		for (i = 0; i < kho_nr_scratch && kho_nr_held < KHO_MAX_HELD;
		     i++) {
			phys_addr_t a = max(start, kho_scratch[i].addr);
			phys_addr_t e = min(end, kho_scratch[i].addr +
					    kho_scratch[i].size);

			if (a >= e)
				continue;
			kho_held[kho_nr_held].addr = a;
			kho_held[kho_nr_held++].size = e - a;
		}
	}
	/* Not while walking the free ranges: reserving changes them. */
	for (i = 0; i < kho_nr_held; i++) {
		if (memblock_reserve(kho_held[i].addr, kho_held[i].size)) {
			kho_nr_held = i;
			break;
		}
	}
}

/**
 * kho_scratch_mark_cma() - lend kept scratch areas to the page allocator
 *
 * When this kernel keeps the incoming scratch areas (kho_scratch_kept),
 * makes each of their pageblocks MIGRATE_CMA, so that the page allocator
 * puts only movable allocations there, frees what kho_scratch_hold_free()
 * reserved, and counts their pages not reserved by memblock in CmaTotal.
 * Called by mm_core_init() once the
 * memory map is initialized and before memblock_free_all() gives the free
 * pages to the page allocator.
 *
 * Context: early boot, single threaded.
 */
void __init kho_scratch_mark_cma(void)
{
	unsigned long lent = 0, pfn, end;
	phys_addr_t start, stop;
	unsigned int i;
	u64 r;

	if (!kho_scratch_kept)
		return;
	for (i = 0; i < kho_nr_held; i++)
		memblock_phys_free(kho_held[i].addr, kho_held[i].size);
	for (i = 0; i < kho_nr_scratch; i++) {
		phys_addr_t a = kho_scratch[i].addr;
		phys_addr_t e = a + kho_scratch[i].size;

		end = PHYS_PFN(e);
		for (pfn = PHYS_PFN(a); pfn < end; pfn += pageblock_nr_pages)
			set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_CMA);
		lent += PHYS_PFN(kho_scratch[i].size);
		for_each_reserved_mem_range(r, &start, &stop) {
			start = max(start, a);
			stop = min(stop, e);
			if (start < stop)
				lent -= PFN_UP(stop) - PFN_DOWN(start);
		}
	}
	totalcma_pages += lent;
	pr_info("kept scratch lent to the page allocator: %lu MiB\n",
		lent >> (20 - PAGE_SHIFT));
}

/* Allocate the pages [@pfn, @pfn + @nr) of a kept area, and note them. */
static int kho_claim_run(unsigned long pfn, unsigned long nr)
{
	struct kho_run *runs;
	int err;

	if (kho_nr_runs == kho_runs_room) {
		runs = krealloc_array(kho_runs, kho_runs_room + 16,
				      sizeof(*runs), GFP_KERNEL);
		if (!runs)
			return -ENOMEM;
		kho_runs = runs;
		kho_runs_room += 16;
	}
	err = alloc_contig_range(pfn, pfn + nr, MIGRATE_CMA,
				 GFP_KERNEL | __GFP_NOWARN);
	if (err)
		return err;
	kho_runs[kho_nr_runs].pfn = pfn;
	kho_runs[kho_nr_runs++].nr = nr;
	return 0;
}

/*
 * Allocate every run of pages of kept area @i that memblock did not
 * reserve (one zone at a time): cma_alloc() of the whole area, for an area
 * that holds this kernel's own pages.
 */
static int kho_claim_kept(unsigned int i)
{
	unsigned long pfn = PHYS_PFN(kho_scratch[i].addr);
	unsigned long end = pfn + PHYS_PFN(kho_scratch[i].size), start;
	struct zone *zone;
	int err;

	while (pfn < end) {
		while (pfn < end && PageReserved(pfn_to_page(pfn)))
			pfn++;
		if (pfn == end)
			break;
		start = pfn;
		zone = page_zone(pfn_to_page(pfn));
		while (pfn < end && !PageReserved(pfn_to_page(pfn)) &&
		       page_zone(pfn_to_page(pfn)) == zone)
			pfn++;
		err = kho_claim_run(start, pfn - start);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}

/**
 * kho_scratch_lend() - make an outgoing scratch area a CMA area
 * @i: index in kho_scratch[] of an area just reserved in memblock.
 *
 * The area is activated with the other CMA areas (core_initcall), its
 * pages then go to the page allocator as MIGRATE_CMA.  If it cannot be
 * declared or activated, it stays reserved, as without this function.
 *
 * Context: early boot, before the page allocator is set up.
 */
void __init kho_scratch_lend(unsigned int i)
{
	char name[CMA_MAX_NAME];
	int err;

	snprintf(name, sizeof(name), "kho_scratch%u", i);
	err = cma_init_reserved_mem(kho_scratch[i].addr, kho_scratch[i].size,
				    0, name, &kho_cma[i]);
	if (err) {
		pr_warn("scratch area %u stays reserved, not lent as CMA: %d\n",
			i, err);
		kho_cma[i] = NULL;
		return;
	}
	/* If activation fails, keep the pages reserved: never unmovable. */
	cma_reserve_pages_on_error(kho_cma[i]);
}

/* Pages of area @i lent to the allocator: 0 when it stays reserved. */
static unsigned long kho_scratch_lent_pages(unsigned int i)
{
	return kho_cma[i] ? cma_get_size(kho_cma[i]) >> PAGE_SHIFT : 0;
}

static void kho_scratch_release_locked(void)
{
	unsigned int i;

	for (i = 0; i < kho_nr_scratch; i++) {
		if (!kho_claimed[i])
			continue;
		cma_release(kho_cma[i], kho_claimed[i],
			    kho_scratch_lent_pages(i));
		kho_claimed[i] = NULL;
	}
	for (i = 0; i < kho_nr_runs; i++)
		free_contig_range(kho_runs[i].pfn, kho_runs[i].nr);
	kho_nr_runs = 0;
	kho_scratch_is_claimed = false;
}

/**
 * kho_scratch_claim() - empty the scratch areas for a kexec image
 *
 * Called by kexec_file_load() before it places an image in scratch.
 * Allocates every lent scratch area whole; cma_alloc() migrates the movable
 * pages that sit there out.  Of a kept area (kho_scratch_mark_cma()), it
 * allocates every page not reserved at boot, with alloc_contig_range().
 * Does nothing when the areas are claimed already.
 *
 * Context: process context, may sleep; with the kexec lock held.
 * Return: 0, or -EBUSY when an area could not be emptied (nothing is
 * claimed then).
 */
int kho_scratch_claim(void)
{
	unsigned int i;

	guard(mutex)(&kho_claim_lock);
	if (kho_scratch_is_claimed)
		return 0;
	for (i = 0; i < kho_nr_scratch; i++) {
		unsigned long nr = kho_scratch_lent_pages(i);

		if (kho_scratch_kept && kho_claim_kept(i)) {
			pr_warn("scratch area %u (%pa) cannot be emptied, kexec load refused\n",
				i, &kho_scratch[i].addr);
			kho_scratch_release_locked();
			return -EBUSY;
		}
		if (!nr)
			continue;
		kho_claimed[i] = cma_alloc(kho_cma[i], nr, 0, true);
		if (!kho_claimed[i]) {
			pr_warn("scratch area %u (%pa) cannot be emptied, kexec load refused\n",
				i, &kho_scratch[i].addr);
			kho_scratch_release_locked();
			return -EBUSY;
		}
	}
	kho_scratch_is_claimed = true;
	return 0;
}

/**
 * kho_scratch_sync() - give scratch back when no image needs it
 * @in_use: whether the loaded kexec image lies in scratch
 *	(kho_will_hand_over()).
 *
 * Called by the kexec load syscalls once the loaded image is settled
 * (loaded, replaced, unloaded, or a load failed).  When @in_use is false,
 * the claimed areas go back to the page allocator.
 *
 * Context: process context, with the kexec lock held.
 */
void kho_scratch_sync(bool in_use)
{
	guard(mutex)(&kho_claim_lock);
	if (!in_use && kho_scratch_is_claimed)
		kho_scratch_release_locked();
}

/**
 * kho_folio_in_scratch() - whether a folio lies in an outgoing scratch area
 * @folio: the folio.
 *
 * Such a folio cannot be preserved; a preserver migrates it out first.
 *
 * Context: any.
 * Return: true when any page of @folio lies in a scratch area.
 */
bool kho_folio_in_scratch(struct folio *folio)
{
	return kho_overlaps_scratch(PFN_PHYS(folio_pfn(folio)),
				    folio_size(folio));
}

/* Whether @kbuf is the kernel image of its kexec_file image. */
static bool kho_is_kernel_buf(const struct kexec_buf *kbuf)
{
	const struct kimage *image = kbuf->image;
	const char *buf = kbuf->buffer;

	return image->kernel_buf && buf >= (const char *)image->kernel_buf &&
	       buf < (const char *)image->kernel_buf + image->kernel_buf_len;
}

/* Whether the next kernel's command line has the word "nokaslr". */
static bool kho_next_nokaslr(const struct kimage *image)
{
	const char *p = image->cmdline_buf;
	const char *end = p ? p + image->cmdline_buf_len : NULL;

	while (p && p < end && *p) {
		size_t n = strcspn(p, " \t\n");

		if (n == 7 && !strncmp(p, "nokaslr", 7))
			return true;
		p += n;
		p += strspn(p, " \t\n");
	}
	return false;
}

/* Where the slots of area @i for @kbuf start and how many there are. */
static u64 kho_slots(unsigned int i, const struct kexec_buf *kbuf,
		     unsigned long align, u64 *first)
{
	u64 lo = max_t(u64, kho_scratch[i].addr, kbuf->buf_min);
	u64 hi = min_t(u64, kho_scratch[i].addr + kho_scratch[i].size - 1,
		       kbuf->buf_max);

	lo = ALIGN(lo, align);
	*first = lo;
	if (lo > hi || hi - lo + 1 < kbuf->memsz)
		return 0;
	return (hi + 1 - kbuf->memsz - lo) / align + 1;
}

/*
 * Whether, with the kernel at [@start, @start + @size), the segments not
 * placed yet (the initrd: x86 places it after the kernel) still fit: a
 * gap of the initrd's size next to the slot, between the segments placed
 * so far, or another scratch area that large.
 */
static bool kho_slot_leaves_room(const struct kimage *image, u64 start,
				 u64 size)
{
	u64 need = PAGE_ALIGN(image->initrd_buf_len), lo = 0, hi = 0;
	unsigned long s;
	unsigned int i;

	if (!need)
		return true;
	for (i = 0; i < kho_nr_scratch; i++) {
		u64 a = kho_scratch[i].addr, e = a + kho_scratch[i].size;

		if (start >= a && start < e) {
			lo = a;
			hi = e;
		} else if (kho_scratch[i].size >= need) {
			return true;
		}
	}
	for (s = 0; s < image->nr_segments; s++) {
		u64 m = image->segment[s].mem;
		u64 me = m + image->segment[s].memsz;

		if (me <= start && me > lo)
			lo = me;
		if (m >= start + size && m < hi)
			hi = m;
	}
	return start - lo >= need || hi - (start + size) >= need;
}

/**
 * kho_scratch_place_kernel() - physical KASLR within scratch
 * @kbuf: the buffer kexec_file is placing.
 * @fn: kexec's hole finder (it checks the slot and sets @kbuf->mem).
 *
 * A kernel booted with a handover must stay in scratch, so its
 * decompressor does not move it (arch/x86/boot/compressed/kaslr.c).  The
 * randomization is done here instead, by the kernel that loads it: the
 * kernel image goes to a random slot, aligned as the image asks, among
 * all those of the scratch areas where it fits, does not overlap the
 * segments placed so far and leaves room for the initrd.  Not when the
 * next kernel's command line says "nokaslr": it then goes where the
 * search of kexec_file would put it, as before.
 *
 * Context: process context, with the kexec lock held.
 * Return: 1 when @kbuf was placed, 0 when the caller should place it
 * (another buffer, "nokaslr", or no random slot fits).
 */
int kho_scratch_place_kernel(struct kexec_buf *kbuf,
			     int (*fn)(struct resource *res, void *arg))
{
	unsigned long align = max_t(unsigned long, kbuf->buf_align, PAGE_SIZE);
	u64 nr = 0, pick, k, first;
	unsigned int i;

	if (!kho_is_kernel_buf(kbuf) || kho_next_nokaslr(kbuf->image))
		return 0;
	for (i = 0; i < kho_nr_scratch; i++)
		nr += kho_slots(i, kbuf, align, &first);
	if (!nr)
		return 0;
	pick = get_random_u64() % nr;
	for (k = 0; k < nr; k++) {
		u64 n = (pick + k) % nr, slots;
		struct resource res = { .flags = IORESOURCE_SYSTEM_RAM };

		for (i = 0; i < kho_nr_scratch; i++) {
			slots = kho_slots(i, kbuf, align, &first);
			if (n < slots)
				break;
			n -= slots;
		}
		res.start = first + n * align;
		res.end = res.start + kbuf->memsz - 1;
		if (!kho_slot_leaves_room(kbuf->image, res.start, kbuf->memsz))
			continue;
		if (fn(&res, kbuf) == 1)
			return 1;
	}
	return 0;
}

#ifdef CONFIG_KEXEC_HANDOVER_TEST
/* Test only (kho_test "scratch"): one page allocated in scratch area 0. */
struct page *kho_scratch_test_alloc(void)
{
	unsigned long pfn, end;

	if (kho_scratch_lent_pages(0))
		return cma_alloc(kho_cma[0], 1, 0, true);
	if (!kho_scratch_kept)
		return NULL;
	/* A free page of the kept area, taken as the claim would. */
	pfn = PHYS_PFN(kho_scratch[0].addr);
	end = pfn + PHYS_PFN(kho_scratch[0].size);
	for (; pfn < end; pfn++) {
		if (!PageBuddy(pfn_to_page(pfn)))
			continue;
		if (!alloc_contig_range(pfn, pfn + 1, MIGRATE_CMA,
					GFP_KERNEL | __GFP_NOWARN))
			return pfn_to_page(pfn);
		cond_resched();
	}
	return NULL;
}

void kho_scratch_test_free(struct page *page)
{
	if (kho_scratch_lent_pages(0))
		cma_release(kho_cma[0], page, 1);
	else
		free_contig_range(page_to_pfn(page), 1);
}
#endif
