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
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/cma.h>
#include <linux/init.h>
#include <linux/ioport.h>
#include <linux/kexec.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/string.h>

#include "kho_internal.h"

static struct cma *kho_cma[KHO_MAX_SCRATCH];
static struct page *kho_claimed[KHO_MAX_SCRATCH];
static bool kho_scratch_is_claimed;
static DEFINE_MUTEX(kho_claim_lock);

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
	kho_scratch_is_claimed = false;
}

/**
 * kho_scratch_claim() - empty the scratch areas for a kexec image
 *
 * Called by kexec_file_load() before it places an image in scratch.
 * Allocates every lent scratch area whole; cma_alloc() migrates the movable
 * pages that sit there out.  Does nothing when the areas are claimed
 * already.
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
	if (!kho_scratch_lent_pages(0))
		return NULL;
	return cma_alloc(kho_cma[0], 1, 0, true);
}

void kho_scratch_test_free(struct page *page)
{
	cma_release(kho_cma[0], page, 1);
}
#endif
