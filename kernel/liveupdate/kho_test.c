// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver test module, driven across real kexecs.
 *
 *   echo preserve > /sys/kernel/debug/kho_test/control
 *	Allocates folios of orders 0, 2 and 9 and two page runs, fills them
 *	with a pattern, preserves them, preserves and then unpreserves one
 *	more folio; lists folios of orders 0 and 2 (not in address order) in
 *	two physr lists preserved with kho_preserve_physr_ref(), the lists
 *	being the only record of those folios, the second one packed
 *	(physr_pack(), chunk layout version 2) unless kho.write_version= asks
 *	for physr chunks of version 1, and references an empty
 *	list (which must not reach the handover); records all of it in the
 *	"kho-test" sub-blob.  At
 *	the kexec that follows, a reboot notifier tries to add one more
 *	sub-blob after the handover was written, and records the answer.
 *   echo verify > /sys/kernel/debug/kho_test/control
 *	In the next kernel: restores the sub-blob and every record, checks
 *	order and every byte (the folios of a referenced list through the
 *	list, taken back with kho_restore_physr(), packed as it was), checks
 *	that the unpreserved folio is not
 *	reserved, that the late sub-blob was refused with -EBUSY and is not
 *	in the handover, frees everything and checks it went back to the
 *	allocator.
 *	The write fails with -ENOENT when there is no handover to verify and
 *	-EIO when a check failed.
 *	Last, takes back from the allocator one of the preserved pages it
 *	freed and keeps it as a driver would: PG_reserved, an extra
 *	reference, a pattern of its own.
 *   echo finish > /sys/kernel/debug/kho_test/control
 *	After verify: kho_finish(), then checks that the page taken back
 *	was not freed by it (still reserved, both references, bytes intact).
 *   echo bench_huge > /sys/kernel/debug/kho_test/control
 *   echo bench_small > /sys/kernel/debug/kho_test/control
 *	Preserves 512 MiB as 2 MiB folios, or as 4 KiB folios of which no two
 *	are adjacent, for the reservation benchmark.  The folios are listed
 *	in a physr list preserved with kho_preserve_physr() and named by the
 *	"kho-bench" sub-blob.
 *   echo "bench_scatter <n>" > /sys/kernel/debug/kho_test/control
 *	As bench_small with @n folios (1 to 131072), @n ranges to reserve.
 *   echo "bench_scatter_ref <n>" > /sys/kernel/debug/kho_test/control
 *	The same, the list preserved with kho_preserve_physr_ref() as the
 *	only record of the folios (root v4: no copy in the preserved-memory
 *	lists, the next kernel reserves them from its bitmap).
 *   echo "bench_scatter_packed <n>" > /sys/kernel/debug/kho_test/control
 *	As bench_scatter_ref, the list packed first (physr_pack(), chunk
 *	layout version 2), as memfd_luo hands its folio lists over.
 *   echo bench_release > /sys/kernel/debug/kho_test/control
 *	In the next kernel: restores that list and every folio on it, and
 *	frees them.
 *   echo <how> > /sys/kernel/debug/kho_test/corrupt
 *	At the next kexec, once the handover is written, damage it: the root
 *	compatible, or the first preserved-memory chunk's magic or count, a
 *	cycle in its chain, a range outside RAM ("compatible", "magic",
 *	"count", "cycle", "outside_ram"; "none" undoes it); or put the
 *	first range of the first referenced list on the first page of the
 *	first preserved-memory list ("ref_overlap"), or have its reference
 *	announce one range more than the list has ("ref_count"); or damage
 *	the reference array: its first page's magic, its next pointer (to
 *	64 TiB), a loop back to its first page, a count above a page's
 *	capacity ("ref_array_magic", "ref_array_next", "ref_array_loop",
 *	"ref_array_count"); or give the first packed chunk of a referenced
 *	list a count above a packed chunk's capacity ("packed_count"); or
 *	rewrite the first preserved-memory chunk in the packed layout, which
 *	those lists never use ("maps_packed"); or replace the
 *	root by one as upstream Linux writes it ("upstream"); or give the
 *	root the next version, which no kernel reads yet ("newer"), or the
 *	first chunk the physr chunk version after the newest this kernel
 *	reads, PHYSR_CHUNK_VERSION_MAX + 1 ("chunk_newer"); or move a
 *	range of the order-0 list onto a range of another order's list, each
 *	list still valid on its own ("overlap"); or make the first scratch
 *	area a page shorter, a valid handover whose scratch the next kernel
 *	cannot keep ("scratch_pageblock").
 *   echo 1 > /sys/kernel/debug/kho_test/refuse_kexec
 *	Every kexec is refused with -ECANCELED once its handover is written
 *	(the last step of kho_kexec_prepare()), and rolled back as any
 *	failure there is: a test goes through all of the preparation, the
 *	live update freeze included, and stays ("0" undoes it).
 *   echo scratch > /sys/kernel/debug/kho_test/control
 *	Takes a page of the outgoing scratch area (lent to the allocator as
 *	CMA until a kexec image is loaded) and checks that
 *	kho_preserve_folio() and kho_preserve_pages() refuse it with -EINVAL.
 *	Fails with -EIO when no page of scratch can be had (scratch claimed
 *	by a loaded kexec image, or not lent).
 *   echo fill_root > /sys/kernel/debug/kho_test/control
 *	Adds sub-blobs (8 bytes of one page, not preserved: not for a kexec)
 *	until the root is full to its last 4 bytes, and reports
 *	"fill: N sub-blobs, M name bytes" (M: of names and compatibles).
 *   echo unfill_root > /sys/kernel/debug/kho_test/control
 *	Removes them again.
 *   cat /sys/kernel/debug/kho_test/status
 *	One line per check of the last command, "ok ..." or "not ok ...".
 *
 * Each kernel verifies generation N and may then preserve generation N+1,
 * so a chain of kexecs checks every link.
 */
#define pr_fmt(fmt) "kho_test: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/reboot.h>
#include <linux/physr.h>
#include <linux/seq_buf.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "kho_internal.h"

#define KHO_TEST_BLOB		"kho-test"
#define KHO_TEST_COMPATIBLE	"kho-test-v1"
#define KHO_TEST_MAGIC		0x6b686f2d74657374ULL
#define KHO_BENCH_BLOB		"kho-bench"
#define KHO_BENCH_COMPATIBLE	"kho-bench-v1"
#define KHO_BENCH_BYTES		SZ_512M

struct kho_bench_hdr {
	__le64 magic;
	__le64 first_chunk;
	__le32 order;
	__le32 reserved;
};

enum {
	KHO_TEST_FOLIO = 1,
	KHO_TEST_PAGES,
	KHO_TEST_UNPRESERVED,
	KHO_TEST_REF,		/* phys: first chunk; nr_pages: folios */
	KHO_TEST_REF_PACKED,	/* the same, the list packed */
};

/* Folios in each list preserved with kho_preserve_physr_ref(). */
#define KHO_TEST_REF_FOLIOS	12

struct kho_test_rec {
	__le64 phys;
	__le64 nr_pages;
	__le64 seed;
	__le32 order;
	__le32 kind;
};

/*
 * @late: what kho_add_subtree() returned when called at kexec, after the
 * handover was written (from a reboot notifier), as a negative errno;
 * KHO_TEST_LATE_NONE when it was not called.
 */
struct kho_test_hdr {
	__le64 magic;
	__le32 generation;
	__le32 nr;
	__le32 late;
	__le32 reserved;
	struct kho_test_rec recs[];
};

#define KHO_TEST_LATE_NONE	1

static DEFINE_MUTEX(kho_test_lock);
static char kho_test_status[16384];
static struct seq_buf kho_test_sb;
static unsigned int kho_test_failed;
static u32 kho_test_generation;
static bool kho_test_preserved;
static struct kho_test_hdr *kho_test_out;
static struct page *kho_test_reused;
/* An empty list preserved with kho_preserve_physr_ref(), kept until kexec. */
static struct physr kho_test_empty;

#define KHO_TEST_REUSE_SEED	0x7265757365ULL

static void kho_test_check(bool ok, const char *fmt, ...)
{
	va_list args;

	seq_buf_printf(&kho_test_sb, "%sok ", ok ? "" : "not ");
	va_start(args, fmt);
	seq_buf_vprintf(&kho_test_sb, fmt, args);
	va_end(args);
	seq_buf_putc(&kho_test_sb, '\n');
	if (!ok)
		kho_test_failed++;
}

static u64 kho_test_word(u64 seed, u64 i)
{
	return seed * 0x9e3779b97f4a7c15ULL + i;
}

static void kho_test_fill(void *addr, u64 bytes, u64 seed)
{
	u64 *w = addr, i;

	for (i = 0; i < bytes / sizeof(*w); i++)
		w[i] = kho_test_word(seed, i);
}

/* Index of the first wrong byte, or @bytes when all are right. */
static u64 kho_test_compare(const void *addr, u64 bytes, u64 seed)
{
	const u8 *b = addr;
	u64 i;

	for (i = 0; i < bytes; i++) {
		u64 w = kho_test_word(seed, i / 8);

		if (b[i] != (u8)(w >> (8 * (i % 8))))
			return i;
	}
	return bytes;
}

static void kho_test_add(struct kho_test_hdr *hdr, phys_addr_t phys,
			 u64 nr_pages, unsigned int order, u32 kind, u64 seed)
{
	struct kho_test_rec *rec = &hdr->recs[le32_to_cpu(hdr->nr)];

	rec->phys = cpu_to_le64(phys);
	rec->nr_pages = cpu_to_le64(nr_pages);
	rec->seed = cpu_to_le64(seed);
	rec->order = cpu_to_le32(order);
	rec->kind = cpu_to_le32(kind);
	hdr->nr = cpu_to_le32(le32_to_cpu(hdr->nr) + 1);
}

static int kho_test_preserve_folio(struct kho_test_hdr *hdr,
				   unsigned int order, bool keep)
{
	struct folio *folio;
	u64 seed = get_random_u64();
	int ret;

	folio = folio_alloc(GFP_KERNEL, order);
	if (!folio)
		return -ENOMEM;
	kho_test_fill(folio_address(folio), folio_size(folio), seed);
	ret = kho_preserve_folio(folio);
	kho_test_check(!ret, "preserve folio of order %u: %d", order, ret);
	if (!ret && !keep) {
		ret = kho_preserve_folio(folio);
		kho_test_check(ret == -EEXIST,
			       "preserve folio of order %u twice: %d", order,
			       ret);
		ret = kho_unpreserve_folio(folio);
		kho_test_check(!ret, "unpreserve folio of order %u: %d",
			       order, ret);
	}
	if (ret) {
		folio_put(folio);
		return ret;
	}
	/* Kept allocated either way: the memory must not be reused. */
	kho_test_add(hdr, PFN_PHYS(folio_pfn(folio)), folio_nr_pages(folio),
		     order, keep ? KHO_TEST_FOLIO : KHO_TEST_UNPRESERVED, seed);
	return 0;
}

static int kho_test_preserve_run(struct kho_test_hdr *hdr, unsigned int order,
				 unsigned long nr, bool keep)
{
	u64 seed = get_random_u64();
	struct page *page;
	unsigned long i;
	int ret;

	page = alloc_pages(GFP_KERNEL, order);
	if (!page)
		return -ENOMEM;
	split_page(page, order);
	for (i = nr; i < (1UL << order); i++)
		__free_page(page + i);
	kho_test_fill(page_address(page), nr * PAGE_SIZE, seed);
	ret = kho_preserve_pages(page, nr);
	kho_test_check(!ret, "preserve run of %lu pages: %d", nr, ret);
	if (ret) {
		for (i = 0; i < nr; i++)
			__free_page(page + i);
		return ret;
	}
	ret = kho_preserve_pages(page + 1, 1);
	kho_test_check(ret == -EEXIST,
		       "preserve a page inside the run again: %d", ret);
	if (!keep) {
		ret = kho_unpreserve_pages(page + 1, nr - 1);
		kho_test_check(ret == -ENOENT,
			       "unpreserve a different run: %d", ret);
		ret = kho_unpreserve_pages(page, nr);
		kho_test_check(!ret, "unpreserve run of %lu pages: %d", nr,
			       ret);
		if (ret)
			return ret;
	}
	/* Kept allocated either way: the memory must not be reused. */
	kho_test_add(hdr, page_to_phys(page), nr, 0,
		     keep ? KHO_TEST_PAGES : KHO_TEST_UNPRESERVED, seed);
	return 0;
}

/*
 * @nr folios of @order, each filled from @seed + its place in the list, in
 * a list in the reverse order of their allocation (so, mostly, not in
 * address order), preserved with kho_preserve_physr_ref(), packed first
 * with @pack when the physr chunk version written may be 2.  The list is
 * kept (never freed) until the kexec.
 */
static int kho_test_preserve_ref(struct kho_test_hdr *hdr, unsigned int order,
				 unsigned int nr, bool pack)
{
	struct folio *folios[KHO_TEST_REF_FOLIOS];
	u64 seed = get_random_u64();
	struct physr *pr, one;
	unsigned int i;
	int ret = -ENOMEM;

	pr = kzalloc(sizeof(*pr), GFP_KERNEL);
	if (!pr)
		return -ENOMEM;
	physr_init(pr);
	for (i = 0; i < nr; i++) {
		folios[i] = folio_alloc(GFP_KERNEL, order);
		if (!folios[i])
			goto fail;
		kho_test_fill(folio_address(folios[i]), folio_size(folios[i]),
			      seed + nr - 1 - i);
	}
	for (i = nr; i--;) {
		ret = physr_append(pr, PFN_PHYS(folio_pfn(folios[i])),
				   folio_size(folios[i]), GFP_KERNEL);
		if (ret)
			goto fail_all;
	}
	ret = kho_preserve_folio(folios[0]);
	kho_test_check(!ret, "preserve a folio of order %u alone: %d", order,
		       ret);
	ret = ret ?: kho_preserve_physr_ref(pr, order);
	kho_test_check(ret == -EEXIST,
		       "reference a list holding a preserved folio: %d", ret);
	ret = kho_unpreserve_folio(folios[0]);
	/*
	 * A list of one folio, with the next order: never made of blocks of
	 * that order (the whole list may be, when its folios happen to pair
	 * up in memory).
	 */
	physr_init(&one);
	ret = ret ?: physr_append(&one, PFN_PHYS(folio_pfn(folios[0])),
				  folio_size(folios[0]), GFP_KERNEL);
	ret = ret ?: kho_preserve_physr_ref(&one, order + 1);
	kho_test_check(ret == -EINVAL,
		       "reference a folio with a larger order: %d", ret);
	physr_destroy(&one);
	pack = pack && kho_write_version(PHYSR_CHUNK_VERSION_MAX) >=
		       PHYSR_CHUNK_VERSION_PACKED;
	if (pack) {
		ret = physr_pack(pr, GFP_KERNEL);
		kho_test_check(!ret && physr_is_packed(pr) &&
			       physr_total_bytes(pr) == nr * (PAGE_SIZE << order),
			       "pack the list of %u folios of order %u: %d", nr,
			       order, ret);
		if (ret)
			goto fail_all;
	}
	ret = kho_preserve_physr_ref(pr, order);
	kho_test_check(!ret, "reference a %slist of %u folios of order %u: %d",
		       pack ? "packed " : "", nr, order, ret);
	if (ret)
		goto fail_all;
	kho_test_check(kho_preserve_physr_ref(pr, order) == -EEXIST &&
		       kho_preserve_folio(folios[nr - 1]) == -EEXIST &&
		       kho_unpreserve_folio(folios[nr - 1]) == -ENOENT,
		       "its folios are preserved, and only through the list");
	kho_test_add(hdr, physr_first_chunk(pr), nr, order,
		     pack ? KHO_TEST_REF_PACKED : KHO_TEST_REF, seed);
	return 0;

fail_all:
	i = nr;
fail:
	while (i--)
		folio_put(folios[i]);
	physr_destroy(pr);
	kfree(pr);
	return ret;
}

/*
 * Damage to the written handover, for the tests of the next kernel's
 * checks (kho_corrupt): set through /sys/kernel/debug/kho_test/corrupt and
 * applied at kexec, after kho_kexec_prepare() wrote the handover for good,
 * so that nothing of it is in KHO's own code.
 */
enum kho_test_corrupt {
	KHO_TEST_CORRUPT_NONE,
	KHO_TEST_CORRUPT_COMPATIBLE,	/* root compatible of another version */
	KHO_TEST_CORRUPT_MAGIC,		/* first chunk's magic */
	KHO_TEST_CORRUPT_CYCLE,		/* last chunk links to the first */
	KHO_TEST_CORRUPT_OUTSIDE_RAM,	/* a range at 64 TiB, beyond RAM */
	KHO_TEST_CORRUPT_COUNT,		/* count above the chunk's capacity */
	KHO_TEST_CORRUPT_UPSTREAM,	/* a root as upstream Linux writes it */
	KHO_TEST_CORRUPT_NEWER,		/* root version one above ours */
	KHO_TEST_CORRUPT_CHUNK_NEWER,	/* first chunk's version one above */
	KHO_TEST_CORRUPT_REF_OVERLAP,	/* a referenced range on a listed one */
	KHO_TEST_CORRUPT_REF_COUNT,	/* a reference with one range more */
	KHO_TEST_CORRUPT_OVERLAP,	/* two lists' ranges overlap */
	KHO_TEST_CORRUPT_SCRATCH_PAGEBLOCK, /* scratch area 0 a page shorter */
	KHO_TEST_CORRUPT_REF_ARRAY_MAGIC, /* reference array page's magic */
	KHO_TEST_CORRUPT_REF_ARRAY_NEXT, /* its last page's next: 64 TiB */
	KHO_TEST_CORRUPT_REF_ARRAY_LOOP, /* its last page's next: its first */
	KHO_TEST_CORRUPT_REF_ARRAY_COUNT, /* first page's count above capacity */
	KHO_TEST_CORRUPT_PACKED_COUNT,	/* a packed referenced chunk's count */
	KHO_TEST_CORRUPT_MAPS_PACKED,	/* first map chunk rewritten packed */
	KHO_TEST_CORRUPT_MAX,
};

static const char * const kho_test_corrupt_names[KHO_TEST_CORRUPT_MAX] = {
	[KHO_TEST_CORRUPT_NONE] = "none",
	[KHO_TEST_CORRUPT_COMPATIBLE] = "compatible",
	[KHO_TEST_CORRUPT_MAGIC] = "magic",
	[KHO_TEST_CORRUPT_CYCLE] = "cycle",
	[KHO_TEST_CORRUPT_OUTSIDE_RAM] = "outside_ram",
	[KHO_TEST_CORRUPT_COUNT] = "count",
	[KHO_TEST_CORRUPT_UPSTREAM] = "upstream",
	[KHO_TEST_CORRUPT_NEWER] = "newer",
	[KHO_TEST_CORRUPT_CHUNK_NEWER] = "chunk_newer",
	[KHO_TEST_CORRUPT_REF_OVERLAP] = "ref_overlap",
	[KHO_TEST_CORRUPT_REF_COUNT] = "ref_count",
	[KHO_TEST_CORRUPT_OVERLAP] = "overlap",
	[KHO_TEST_CORRUPT_SCRATCH_PAGEBLOCK] = "scratch_pageblock",
	[KHO_TEST_CORRUPT_REF_ARRAY_MAGIC] = "ref_array_magic",
	[KHO_TEST_CORRUPT_REF_ARRAY_NEXT] = "ref_array_next",
	[KHO_TEST_CORRUPT_REF_ARRAY_LOOP] = "ref_array_loop",
	[KHO_TEST_CORRUPT_REF_ARRAY_COUNT] = "ref_array_count",
	[KHO_TEST_CORRUPT_PACKED_COUNT] = "packed_count",
	[KHO_TEST_CORRUPT_MAPS_PACKED] = "maps_packed",
};

static int kho_test_corrupt_mode;

/* The first chunk of the first non-empty preserved-memory list. */
static struct physr_chunk *kho_test_first_chunk(void *root)
{
	const fdt64_t *cells;
	int len, i;

	cells = fdt_getprop(root, 0, KHO_FDT_PROP_MEM, &len);
	if (!cells || len <= 0)
		return NULL;
	for (i = 0; i + 1 < len / (int)sizeof(*cells); i += 2)
		if (fdt64_to_cpu(cells[i + 1]))
			return phys_to_virt(fdt64_to_cpu(cells[i + 1]));
	return NULL;
}

/* The first chunk of the preserved-memory list of @order, or NULL. */
static struct physr_chunk *kho_test_order_chunk(void *root, u64 order)
{
	const fdt64_t *cells;
	int len, i;

	cells = fdt_getprop(root, 0, KHO_FDT_PROP_MEM, &len);
	if (!cells || len <= 0)
		return NULL;
	for (i = 0; i + 1 < len / (int)sizeof(*cells); i += 2)
		if (fdt64_to_cpu(cells[i]) == order && fdt64_to_cpu(cells[i + 1]))
			return phys_to_virt(fdt64_to_cpu(cells[i + 1]));
	return NULL;
}

static struct physr_chunk *kho_test_next_chunk(struct physr_chunk *c)
{
	return c->hdr.next ? phys_to_virt(le64_to_cpu(c->hdr.next)) : NULL;
}

/* Where the range after range @i of chunk @c starts; U64_MAX after the last. */
static u64 kho_test_next_phys(struct physr_chunk *c, u32 i)
{
	if (i + 1 < le32_to_cpu(c->hdr.count))
		return le64_to_cpu(c->ranges[i + 1].phys);
	c = kho_test_next_chunk(c);
	return c && c->hdr.count ? le64_to_cpu(c->ranges[0].phys) : U64_MAX;
}

/* Entry @i of the reference array written at kexec, or NULL. */
static struct kho_ref_entry *kho_test_ref_entry(u64 i)
{
	u64 per = KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE);
	phys_addr_t phys = kho_out_ref_array_final();
	struct kho_ref_array_hdr *hdr;

	while (phys) {
		hdr = phys_to_virt(phys);
		if (i < le32_to_cpu(hdr->count))
			return (struct kho_ref_entry *)(hdr + 1) + i;
		if (i < per)
			return NULL;
		i -= per;
		phys = le64_to_cpu(hdr->next);
	}
	return NULL;
}

/*
 * Whether [@phys, @phys + @len) holds a page of the reference array or a
 * chunk page of a list it references: moved away, that page would no
 * longer be preserved memory, which the next kernel finds before any
 * overlap.
 */
static bool kho_test_holds_ref_chunk(void *root, u64 phys, u64 len)
{
	struct kho_ref_array_hdr *hdr;
	struct kho_ref_entry *e;
	struct physr_chunk *c;
	phys_addr_t a;
	u64 i;

	for (a = kho_out_ref_array_final(); a; a = le64_to_cpu(hdr->next)) {
		hdr = phys_to_virt(a);
		if (a >= phys && a - phys < len)
			return true;
	}
	for (i = 0; (e = kho_test_ref_entry(i)); i++) {
		if (!e->first)
			continue;
		for (c = phys_to_virt(le64_to_cpu(e->first)); c;
		     c = kho_test_next_chunk(c))
			if (virt_to_phys(c) >= phys &&
			    virt_to_phys(c) - phys < len)
				return true;
	}
	return false;
}

/*
 * Move a range of the list starting at chunk @a onto @target, where it
 * keeps the list sorted and fits in @room bytes; whether one was moved.
 * A range holding a chunk of a referenced list of @root stays.
 */
static bool kho_test_move_range(void *root, struct physr_chunk *a,
				u64 target, u64 room)
{
	u64 prev_end = 0, len;
	u32 i;

	for (; a; a = kho_test_next_chunk(a)) {
		for (i = 0; i < le32_to_cpu(a->hdr.count); i++) {
			len = le64_to_cpu(a->ranges[i].len);
			if (prev_end <= target && len <= room &&
			    !kho_test_holds_ref_chunk(root,
						      le64_to_cpu(a->ranges[i].phys),
						      len) &&
			    target + len <= kho_test_next_phys(a, i)) {
				a->ranges[i].phys = cpu_to_le64(target);
				return true;
			}
			prev_end = le64_to_cpu(a->ranges[i].phys) + len;
		}
	}
	return false;
}

/*
 * Move one range of the order-0 list onto the start of a range of a higher
 * order's list, with the order-0 list still sorted and every range
 * aligned, in RAM and outside scratch: each list passes its own checks,
 * only the next kernel's pass over all ranges together
 * (memblock_reserve_sorted(), after the root and chunk pages are
 * reserved) finds the overlap.  Returns whether a range was moved.
 */
static bool kho_test_overlap(void *root)
{
	struct physr_chunk *a0 = kho_test_order_chunk(root, 0), *b;
	unsigned int order;
	u32 j;

	for (order = 1; a0 && order < KHO_NR_ORDERS; order++)
		for (b = kho_test_order_chunk(root, order); b;
		     b = kho_test_next_chunk(b))
			for (j = 0; j < le32_to_cpu(b->hdr.count); j++)
				if (kho_test_move_range(root, a0,
							le64_to_cpu(b->ranges[j].phys),
							le64_to_cpu(b->ranges[j].len)))
					return true;
	return false;
}

/* The first chunk of the first referenced list that is packed, or NULL. */
static struct physr_chunk *kho_test_packed_ref_chunk(void)
{
	struct kho_ref_entry *e;
	struct physr_chunk *c;
	u64 i;

	for (i = 0; (e = kho_test_ref_entry(i)); i++) {
		c = e->first ? phys_to_virt(le64_to_cpu(e->first)) : NULL;
		if (c && physr_chunk_packed(c))
			return c;
	}
	return NULL;
}

static void kho_test_corrupt(void)
{
	struct physr_chunk *head, *tail;
	void *root = kho_out_root_final();
	char *compat;
	int len;

	if (!root || !kho_test_corrupt_mode)
		return;
	if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_COMPATIBLE ||
	    kho_test_corrupt_mode == KHO_TEST_CORRUPT_NEWER) {
		/*
		 * "...-v2" becomes "...-v0" or "...-v3", the same length in
		 * place (the versions written are single digits).
		 */
		compat = fdt_getprop_w(root, 0, "compatible", &len);
		if (compat && len >= 2)
			compat[len - 2] = kho_test_corrupt_mode ==
					  KHO_TEST_CORRUPT_NEWER ?
					  compat[len - 2] + 1 : '0';
		goto out;
	}
	if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_UPSTREAM) {
		/*
		 * Upstream Linux's handover: the same setup_data (struct
		 * kho_data) and a root with its compatible and its
		 * preserved-memory-map property (no map: an empty handover).
		 */
		u64 map = 0;
		int err;

		err = fdt_create(root, PAGE_SIZE);
		err = err ?: fdt_finish_reservemap(root);
		err = err ?: fdt_begin_node(root, "");
		err = err ?: fdt_property_string(root, "compatible",
						 KHO_FDT_UPSTREAM_COMPATIBLE);
		err = err ?: fdt_property(root, "preserved-memory-map", &map,
					  sizeof(map));
		err = err ?: fdt_end_node(root);
		err = err ?: fdt_finish(root);
		if (err)
			pr_err("test: cannot write an upstream root (%d)\n", err);
		goto out;
	}
	if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_SCRATCH_PAGEBLOCK) {
		/*
		 * A valid handover whose scratch area is not whole pageblocks:
		 * the next kernel accepts it and cannot keep the area.
		 */
		struct kho_scratch_abi *sa;
		unsigned int nr;

		sa = (struct kho_scratch_abi *)kho_out_scratch(&nr);
		if (sa && nr)
			sa[0].size = cpu_to_le64(le64_to_cpu(sa[0].size) -
						 PAGE_SIZE);
		goto out;
	}
	if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_OVERLAP) {
		if (!kho_test_overlap(root))
			pr_err("test: no order-0 range could be moved onto another list's\n");
		goto out;
	}
	if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_PACKED_COUNT) {
		struct physr_chunk *c = kho_test_packed_ref_chunk();

		if (c)
			c->hdr.count =
				cpu_to_le32(PHYSR_PACKED_CAPACITY(PAGE_SIZE) + 1);
		else
			pr_err("test: no packed referenced list to damage\n");
		goto out;
	}
	if (kho_test_corrupt_mode >= KHO_TEST_CORRUPT_REF_ARRAY_MAGIC &&
	    kho_test_corrupt_mode <= KHO_TEST_CORRUPT_REF_ARRAY_COUNT) {
		phys_addr_t first = kho_out_ref_array_final();
		struct kho_ref_array_hdr *a, *last;

		if (!first) {
			pr_err("test: no reference array to damage\n");
			goto out;
		}
		a = phys_to_virt(first);
		for (last = a; last->next;
		     last = phys_to_virt(le64_to_cpu(last->next)))
			;
		switch (kho_test_corrupt_mode) {
		case KHO_TEST_CORRUPT_REF_ARRAY_MAGIC:
			a->magic = cpu_to_le32(KHO_REF_ARRAY_MAGIC ^ 1);
			break;
		case KHO_TEST_CORRUPT_REF_ARRAY_NEXT:
			last->next = cpu_to_le64(1ULL << 46);
			break;
		case KHO_TEST_CORRUPT_REF_ARRAY_LOOP:
			last->next = cpu_to_le64(first);
			break;
		case KHO_TEST_CORRUPT_REF_ARRAY_COUNT:
			a->count = cpu_to_le32(KHO_REF_ARRAY_PER_PAGE(PAGE_SIZE) +
					       1);
			break;
		}
		goto out;
	}
	head = kho_test_first_chunk(root);
	if (!head)
		goto out;
	if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_REF_OVERLAP ||
	    kho_test_corrupt_mode == KHO_TEST_CORRUPT_REF_COUNT) {
		/* The first referenced list: order 0, from "preserve". */
		struct kho_ref_entry *e = kho_test_ref_entry(0);
		struct physr_chunk *c;

		if (!e)
			goto out;
		if (kho_test_corrupt_mode == KHO_TEST_CORRUPT_REF_COUNT) {
			e->nr_ranges = cpu_to_le64(le64_to_cpu(e->nr_ranges) + 1);
			goto out;
		}
		/* Its first range onto the first page of the first list. */
		c = phys_to_virt(le64_to_cpu(e->first));
		c->ranges[0].phys = head->ranges[0].phys;
		goto out;
	}
	for (tail = head; tail->hdr.next;
	     tail = phys_to_virt(le64_to_cpu(tail->hdr.next)))
		;
	switch (kho_test_corrupt_mode) {
	case KHO_TEST_CORRUPT_MAGIC:
		head->hdr.magic = cpu_to_le32(PHYSR_CHUNK_MAGIC ^ 1);
		break;
	case KHO_TEST_CORRUPT_CHUNK_NEWER:
		head->hdr.version = cpu_to_le16(PHYSR_CHUNK_VERSION_MAX + 1);
		break;
	case KHO_TEST_CORRUPT_MAPS_PACKED:
		if (!kho_test_pack_chunk(head))
			pr_err("test: the first preserved-memory chunk cannot be packed\n");
		break;
	case KHO_TEST_CORRUPT_COUNT:
		head->hdr.count =
			cpu_to_le32(PHYSR_CHUNK_CAPACITY(PAGE_SIZE) + 1);
		break;
	case KHO_TEST_CORRUPT_CYCLE:
		tail->hdr.next = cpu_to_le64(virt_to_phys(head));
		break;
	case KHO_TEST_CORRUPT_OUTSIDE_RAM:
		/* The last range of the list: still sorted, now beyond RAM. */
		if (tail->hdr.count)
			tail->ranges[le32_to_cpu(tail->hdr.count) - 1].phys =
				cpu_to_le64(1ULL << 46);
		break;
	}
out:
	pr_info("test: damaged the handover: %s\n",
		kho_test_corrupt_names[kho_test_corrupt_mode]);
}

static ssize_t kho_test_corrupt_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	char buf[32];
	int mode;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	mode = sysfs_match_string(kho_test_corrupt_names, strim(buf));
	if (mode < 0)
		return mode;
	WRITE_ONCE(kho_test_corrupt_mode, mode);
	return count;
}

static const struct file_operations kho_test_corrupt_fops = {
	.owner = THIS_MODULE,
	.write = kho_test_corrupt_write,
	.llseek = noop_llseek,
};

static bool kho_test_refuse;

bool kho_test_refuse_kexec(void)
{
	if (!READ_ONCE(kho_test_refuse))
		return false;
	pr_info("kexec refused on request (refuse_kexec)\n");
	return true;
}

/*
 * At kexec, after kho_kexec_prepare() wrote the handover: a sub-blob added
 * now must be refused with -EBUSY and leave the final root alone.  The
 * answer goes over in the sub-blob itself, whose page is preserved in place.
 */
static int kho_test_reboot(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct kho_test_hdr *hdr = READ_ONCE(kho_test_out);
	int ret;

	kho_test_corrupt();
	if (!hdr)
		return NOTIFY_DONE;
	ret = kho_add_subtree("kho-test-late", KHO_TEST_COMPATIBLE,
			      virt_to_phys(hdr), PAGE_SIZE);
	hdr->late = cpu_to_le32(ret);
	return NOTIFY_DONE;
}

static struct notifier_block kho_test_reboot_nb = {
	.notifier_call = kho_test_reboot,
};

static int kho_test_preserve(void)
{
	static const unsigned int orders[] = { 0, 0, 0, 0, 2, 2, 2, 9, 9 };
	struct kho_test_hdr *hdr;
	struct folio *blob;
	unsigned int i;
	int ret;

	if (kho_test_preserved) {
		kho_test_check(false, "preserve runs once per boot");
		return -EBUSY;
	}
	blob = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!blob)
		return -ENOMEM;
	hdr = folio_address(blob);
	hdr->magic = cpu_to_le64(KHO_TEST_MAGIC);
	hdr->generation = cpu_to_le32(kho_test_generation + 1);
	hdr->late = cpu_to_le32(KHO_TEST_LATE_NONE);

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		ret = kho_test_preserve_folio(hdr, orders[i], true);
		if (ret)
			return ret;
	}
	ret = kho_test_preserve_run(hdr, 4, 16, true);
	ret = ret ?: kho_test_preserve_run(hdr, 3, 5, true);
	ret = ret ?: kho_test_preserve_run(hdr, 3, 7, false);
	ret = ret ?: kho_test_preserve_folio(hdr, 2, false);
	ret = ret ?: kho_test_preserve_ref(hdr, 0, KHO_TEST_REF_FOLIOS, false);
	ret = ret ?: kho_test_preserve_ref(hdr, 2, KHO_TEST_REF_FOLIOS / 2,
					   true);
	if (ret)
		return ret;
	/* Nothing to hand over: accepted, and no entry in the root. */
	physr_init(&kho_test_empty);
	ret = kho_preserve_physr_ref(&kho_test_empty, 0);
	kho_test_check(!ret, "reference an empty list: %d", ret);
	if (ret)
		return ret;

	ret = kho_preserve_folio(blob);
	kho_test_check(!ret, "preserve the sub-blob page: %d", ret);
	if (ret)
		return ret;
	ret = kho_add_subtree(KHO_TEST_BLOB, KHO_TEST_COMPATIBLE,
			      PFN_PHYS(folio_pfn(blob)), PAGE_SIZE);
	kho_test_check(!ret, "add sub-blob " KHO_TEST_BLOB ": %d", ret);
	if (ret)
		return ret;
	ret = kho_add_subtree(KHO_TEST_BLOB, KHO_TEST_COMPATIBLE,
			      PFN_PHYS(folio_pfn(blob)), PAGE_SIZE);
	kho_test_check(ret == -EEXIST, "a second sub-blob of that name: %d",
		       ret);
	ret = kho_add_subtree("kho-test-gone", KHO_TEST_COMPATIBLE,
			      PFN_PHYS(folio_pfn(blob)), PAGE_SIZE);
	ret = ret ?: kho_remove_subtree("kho-test-gone");
	kho_test_check(!ret, "add and remove another sub-blob: %d", ret);
	ret = kho_remove_subtree("kho-test-gone");
	kho_test_check(ret == -ENOENT, "remove it twice: %d", ret);
	kho_test_preserved = true;
	WRITE_ONCE(kho_test_out, hdr);
	seq_buf_printf(&kho_test_sb, "# preserved generation %u, %u records\n",
		       le32_to_cpu(hdr->generation), le32_to_cpu(hdr->nr));
	return 0;
}

/*
 * A list preserved with kho_preserve_physr_ref(), and its folios; @packed:
 * the list was packed, and must come back so.
 */
static void kho_test_verify_ref(const struct kho_test_rec *rec,
				unsigned int idx, bool packed,
				unsigned long *restored)
{
	phys_addr_t first = le64_to_cpu(rec->phys);
	u64 nr = le64_to_cpu(rec->nr_pages), seed = le64_to_cpu(rec->seed);
	unsigned int order = le32_to_cpu(rec->order);
	struct folio *folio;
	struct physr_range r;
	struct physr_iter it;
	struct physr pr;
	u64 i = 0, off, bad;
	int ret;

	ret = kho_restore_physr(&pr, first);
	kho_test_check(!ret, "record %u: restore the referenced list: %d", idx,
		       ret);
	if (ret)
		return;
	*restored += physr_nr_chunks(&pr);
	kho_test_check(physr_is_packed(&pr) == packed,
		       "record %u: the referenced list came back %s (%lu chunks)",
		       idx, packed ? "packed" : "in version 1",
		       physr_nr_chunks(&pr));
	/* Folios adjacent in the list and in memory share a range. */
	kho_test_check(physr_nr_ranges(&pr) <= nr &&
		       physr_total_bytes(&pr) == nr * (PAGE_SIZE << order),
		       "record %u: %llu folios of order %u in %llu ranges", idx,
		       nr, order, physr_nr_ranges(&pr));
	physr_for_each_range(&pr, &it, &r) {
		for (off = 0; off < r.len; off += PAGE_SIZE << order, i++) {
			folio = kho_restore_folio(r.phys + off);
			kho_test_check(folio && folio_order(folio) == order,
				       "record %u: folio %llu of the list restored, order %d",
				       idx, i,
				       folio ? (int)folio_order(folio) : -1);
			if (!folio)
				goto out;
			*restored += folio_nr_pages(folio);
			bad = kho_test_compare(folio_address(folio),
					       folio_size(folio), seed + i);
			kho_test_check(bad == folio_size(folio),
				       "record %u: folio %llu: %zu bytes intact (first bad %llu)",
				       idx, i, folio_size(folio), bad);
			kho_test_check(!kho_restore_folio(r.phys + off),
				       "record %u: folio %llu: a second restore fails",
				       idx, i);
			folio_put(folio);
		}
	}
out:
	physr_destroy(&pr);
}

static void kho_test_verify_rec(const struct kho_test_rec *rec,
				unsigned int idx, unsigned long *restored)
{
	phys_addr_t phys = le64_to_cpu(rec->phys);
	u64 nr = le64_to_cpu(rec->nr_pages), seed = le64_to_cpu(rec->seed);
	unsigned int order = le32_to_cpu(rec->order);
	struct folio *folio;
	struct page *page;
	unsigned long i;
	u64 bad;

	switch (le32_to_cpu(rec->kind)) {
	case KHO_TEST_FOLIO:
		folio = kho_restore_folio(phys);
		kho_test_check(folio, "record %u: restore folio at %pa", idx,
			       &phys);
		if (!folio)
			return;
		*restored += folio_nr_pages(folio);
		kho_test_check(folio_order(folio) == order,
			       "record %u: order %u (preserved %u)", idx,
			       folio_order(folio), order);
		bad = kho_test_compare(folio_address(folio),
				       folio_size(folio), seed);
		kho_test_check(bad == folio_size(folio),
			       "record %u: %zu bytes intact (first bad %llu)",
			       idx, folio_size(folio), bad);
		kho_test_check(!kho_restore_folio(phys),
			       "record %u: a second restore fails", idx);
		page = folio_page(folio, 0);
		folio_put(folio);
		kho_test_check(!page_ref_count(page) && !PageReserved(page),
			       "record %u: freed to the allocator", idx);
		break;
	case KHO_TEST_PAGES:
		page = kho_restore_pages(phys, nr);
		kho_test_check(page, "record %u: restore %llu pages at %pa",
			       idx, nr, &phys);
		if (!page)
			return;
		*restored += nr;
		bad = kho_test_compare(page_address(page), nr * PAGE_SIZE, seed);
		kho_test_check(bad == nr * PAGE_SIZE,
			       "record %u: %llu bytes intact (first bad %llu)",
			       idx, nr * PAGE_SIZE, bad);
		for (i = 0; i < nr; i++)
			__free_page(page + i);
		break;
	case KHO_TEST_REF:
	case KHO_TEST_REF_PACKED:
		kho_test_verify_ref(rec, idx,
				    le32_to_cpu(rec->kind) == KHO_TEST_REF_PACKED,
				    restored);
		break;
	case KHO_TEST_UNPRESERVED:
		kho_test_check(!kho_restore_folio(phys) &&
			       !kho_restore_pages(phys, 1),
			       "record %u: unpreserved memory is not restorable",
			       idx);
		/*
		 * Memory the previous kernel did not preserve is free memory
		 * here, and this kernel's own early allocations may take it
		 * and keep it reserved (memblock is no longer confined to
		 * scratch once KHO has reserved the handover).  What must
		 * hold is that KHO itself holds none of it.
		 */
		for (i = 0, bad = 0; i < nr; i++) {
			if (kho_folio_waiting(phys + i * PAGE_SIZE, 0))
				break;
			bad += PageReserved(pfn_to_page(PHYS_PFN(phys) + i));
		}
		kho_test_check(i == nr,
			       "record %u: KHO holds none of the unpreserved memory",
			       idx);
		if (bad)
			seq_buf_printf(&kho_test_sb,
				       "# record %u: %llu of %llu unpreserved pages taken by this kernel's boot\n",
				       idx, bad, nr);
		break;
	default:
		kho_test_check(false, "record %u: unknown kind", idx);
	}
}

static void kho_test_reuse(void);

static int kho_test_verify(void)
{
	unsigned long before, restored = 1;
	const struct kho_test_hdr *hdr;
	struct folio *blob;
	phys_addr_t phys;
	unsigned int i, nr;
	size_t size;
	int ret;

	ret = kho_retrieve_subtree(KHO_TEST_BLOB, KHO_TEST_COMPATIBLE, &phys,
				   &size);
	seq_buf_printf(&kho_test_sb, "# incoming handover: %s, sub-blob %d\n",
		       kho_is_incoming() ? "yes" : "no", ret);
	if (ret)
		return -ENOENT;
	ret = kho_retrieve_subtree("kho-test-gone", KHO_TEST_COMPATIBLE,
				   &phys, &size);
	kho_test_check(ret == -ENOENT, "a removed sub-blob is not handed over: %d",
		       ret);
	ret = kho_retrieve_subtree(KHO_TEST_BLOB, "kho-test-v0", &phys, &size);
	kho_test_check(ret == -EPROTONOSUPPORT,
		       "a sub-blob of another version is refused: %d", ret);
	ret = kho_retrieve_subtree(KHO_TEST_BLOB, KHO_TEST_COMPATIBLE, &phys,
				   &size);
	before = totalram_pages();
	blob = kho_restore_folio(phys);
	kho_test_check(blob && size == PAGE_SIZE && !folio_order(blob),
		       "restore the sub-blob page");
	if (!blob)
		return -EIO;
	hdr = folio_address(blob);
	nr = le32_to_cpu(hdr->nr);
	kho_test_check(le64_to_cpu(hdr->magic) == KHO_TEST_MAGIC &&
		       nr <= (PAGE_SIZE - sizeof(*hdr)) / sizeof(hdr->recs[0]),
		       "sub-blob header");
	if (kho_test_failed)
		goto out;
	kho_test_generation = le32_to_cpu(hdr->generation);
	seq_buf_printf(&kho_test_sb, "# generation %u, %u records\n",
		       kho_test_generation, nr);
	kho_test_check((int)le32_to_cpu(hdr->late) == -EBUSY,
		       "a sub-blob added at kexec was refused (%d) and the handover kept",
		       (int)le32_to_cpu(hdr->late));
	ret = kho_retrieve_subtree("kho-test-late", KHO_TEST_COMPATIBLE,
				   &phys, &size);
	kho_test_check(ret == -ENOENT, "the late sub-blob is not handed over: %d",
		       ret);
	for (i = 0; i < nr; i++)
		kho_test_verify_rec(&hdr->recs[i], i, &restored);
	kho_test_check(totalram_pages() - before == restored,
		       "restored pages (%lu) counted as managed memory (%lu)",
		       restored, totalram_pages() - before);
	kho_test_reuse();
out:
	folio_put(blob);
	return kho_test_failed ? -EIO : 0;
}

/*
 * Take back from the allocator a page that was preserved, restored and
 * freed, and use it as a driver that maps a page to user space does:
 * PG_reserved set, one more reference, our own bytes.  "finish" then
 * checks that kho_finish() left it alone.
 */
static void kho_test_reuse(void)
{
	struct page *page, *tmp;
	unsigned int tries;
	LIST_HEAD(others);

	if (kho_test_reused)
		return;
	/*
	 * Movable: the freed pages went back to the free lists of their
	 * pageblocks, which memblock-era memory has as movable.
	 */
	for (tries = 0; tries < 4096; tries++) {
		page = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (!page)
			break;
		if (kho_in_preserved(page_to_phys(page), PAGE_SIZE)) {
			kho_test_reused = page;
			break;
		}
		list_add(&page->lru, &others);
	}
	list_for_each_entry_safe(page, tmp, &others, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
	kho_test_check(kho_test_reused,
		       "a preserved page, restored and freed, was allocated again (%u tries)",
		       tries + 1);
	if (!kho_test_reused)
		return;
	SetPageReserved(kho_test_reused);
	get_page(kho_test_reused);
	kho_test_fill(page_address(kho_test_reused), PAGE_SIZE,
		      KHO_TEST_REUSE_SEED);
}

/* Release the rest of the handover; the reused page must be untouched. */
static int kho_test_finish(void)
{
	struct page *page = kho_test_reused;
	u64 released, bad;

	if (!page) {
		kho_test_check(false, "verify took back a preserved page first");
		return -ENOENT;
	}
	released = kho_finish();
	seq_buf_printf(&kho_test_sb, "# kho_finish released %llu pages\n",
		       released);
	kho_test_check(!kho_is_incoming(), "no incoming handover after finish");
	kho_test_check(PageReserved(page) && page_ref_count(page) == 2 &&
		       !PageBuddy(page),
		       "the reused page was not freed by finish (reserved %d, refcount %d)",
		       PageReserved(page), page_ref_count(page));
	if (kho_test_failed)
		return -EIO;	/* In whatever state it is: leak it. */
	bad = kho_test_compare(page_address(page), PAGE_SIZE,
			       KHO_TEST_REUSE_SEED);
	kho_test_check(bad == PAGE_SIZE,
		       "the reused page's bytes survived finish (first bad %llu)",
		       bad);
	kho_test_reused = NULL;
	ClearPageReserved(page);
	put_page(page);
	put_page(page);
	return 0;
}

/* One folio of @order, or with @scatter an order-0 folio with no neighbour. */
static struct folio *kho_bench_alloc(unsigned int order, bool scatter)
{
	struct page *page;

	if (!scatter)
		return folio_alloc(GFP_KERNEL | __GFP_NOWARN, order);
	/*
	 * Keep the first page of an order-1 block and free the second: the
	 * kept pages are never adjacent, and a freed page cannot merge
	 * back into an order-1 block while its buddy is kept.
	 */
	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 1);
	if (!page)
		return NULL;
	split_page(page, 1);
	__free_page(page + 1);
	return page_folio(page);
}

/*
 * @nr folios of @order (scattered: no two adjacent), listed in a physr
 * list named by the "kho-bench" sub-blob.  With @ref the list is the only
 * record of them (kho_preserve_physr_ref()); otherwise each folio is
 * preserved and the list's chunks apart.
 */
static int kho_test_bench(unsigned int order, bool scatter, unsigned long nr,
			  bool ref, bool packed)
{
	unsigned long i;
	struct kho_bench_hdr *hdr;
	struct folio *blob, *folio;
	struct physr *pr;
	int ret = 0;

	pr = kzalloc(sizeof(*pr), GFP_KERNEL);
	blob = folio_alloc(GFP_KERNEL | __GFP_ZERO, 0);
	if (!pr || !blob) {
		kfree(pr);
		if (blob)
			folio_put(blob);
		return -ENOMEM;
	}
	physr_init(pr);
	for (i = 0; i < nr && !ret; i++) {
		folio = kho_bench_alloc(order, scatter);
		if (!folio) {
			ret = -ENOMEM;
			break;
		}
		ret = ref ? 0 : kho_preserve_folio(folio);
		if (!ret)
			ret = physr_append(pr, PFN_PHYS(folio_pfn(folio)),
					   folio_size(folio), GFP_KERNEL);
	}
	kho_test_check(!ret, "preserve %lu folios of order %u%s: %d", i, order,
		       scatter ? ", none adjacent" : "", ret);
	if (ret)
		return ret;
	if (packed) {
		ret = physr_pack(pr, GFP_KERNEL);
		kho_test_check(!ret && physr_is_packed(pr),
			       "pack the list of %llu ranges: %d",
			       physr_nr_ranges(pr), ret);
		if (ret)
			return ret;
	}
	ret = ref ? kho_preserve_physr_ref(pr, order) : kho_preserve_physr(pr);
	kho_test_check(!ret, "preserve the list of %llu ranges%s: %d",
		       physr_nr_ranges(pr), ref ? ", the folios through it" : "",
		       ret);
	if (ret)
		return ret;
	hdr = folio_address(blob);
	hdr->magic = cpu_to_le64(KHO_TEST_MAGIC);
	hdr->first_chunk = cpu_to_le64(physr_first_chunk(pr));
	hdr->order = cpu_to_le32(order);
	ret = kho_preserve_folio(blob);
	ret = ret ?: kho_add_subtree(KHO_BENCH_BLOB, KHO_BENCH_COMPATIBLE,
				     PFN_PHYS(folio_pfn(blob)), PAGE_SIZE);
	kho_test_check(!ret, "add sub-blob " KHO_BENCH_BLOB ": %d", ret);
	/* The folios and the list stay allocated: they are handed over. */
	return ret;
}

static int kho_test_bench_release(void)
{
	const struct kho_bench_hdr *hdr;
	unsigned long freed = 0, bad = 0;
	struct physr_range r;
	struct physr_iter it;
	struct folio *blob, *folio;
	unsigned int order;
	struct physr pr;
	phys_addr_t phys;
	size_t size;
	u64 off;
	int ret;

	ret = kho_retrieve_subtree(KHO_BENCH_BLOB, KHO_BENCH_COMPATIBLE, &phys,
				   &size);
	kho_test_check(!ret, "find sub-blob " KHO_BENCH_BLOB ": %d", ret);
	if (ret)
		return ret;
	blob = kho_restore_folio(phys);
	kho_test_check(blob, "restore the sub-blob page");
	if (!blob)
		return -EIO;
	hdr = folio_address(blob);
	order = le32_to_cpu(hdr->order);
	ret = kho_restore_physr(&pr, le64_to_cpu(hdr->first_chunk));
	kho_test_check(!ret && order < MAX_PAGE_ORDER,
		       "restore the list of folios: %d", ret);
	if (!ret) {
		physr_for_each_range(&pr, &it, &r) {
			for (off = 0; off < r.len; off += PAGE_SIZE << order) {
				folio = kho_restore_folio(r.phys + off);
				if (folio && folio_order(folio) == order) {
					folio_put(folio);
					freed++;
				} else {
					bad++;
				}
			}
		}
		physr_destroy(&pr);
	}
	kho_test_check(!bad, "restored and freed %lu folios of order %u, %lu failed",
		       freed, order, bad);
	folio_put(blob);
	return ret;
}

/*
 * "bench_scatter <n>": @n scattered 4 KiB folios, 1 to 512 MiB of them;
 * "bench_scatter_ref <n>" (@ref) the same through a referenced list;
 * "bench_scatter_packed <n>" (@ref, @packed) that list packed.
 */
static int kho_test_bench_scatter(const char *arg, bool ref, bool packed)
{
	unsigned long nr;
	int ret;

	ret = kstrtoul(arg, 10, &nr);
	if (ret)
		return ret;
	if (!nr || nr > KHO_BENCH_BYTES >> PAGE_SHIFT)
		return -EINVAL;
	return kho_test_bench(0, true, nr, ref, packed);
}

/* Preserved memory never lies in scratch: both preserve calls refuse it. */
static int kho_test_scratch(void)
{
	struct page *page = kho_scratch_test_alloc();
	phys_addr_t phys;
	int ret;

	kho_test_check(page, "a page of the outgoing scratch area can be allocated");
	if (!page)
		return 0;
	phys = page_to_phys(page);
	kho_test_check(kho_folio_in_scratch(page_folio(page)),
		       "the page at %pa lies in scratch", &phys);
	ret = kho_preserve_folio(page_folio(page));
	kho_test_check(ret == -EINVAL,
		       "kho_preserve_folio() refuses it: %d (-EINVAL expected)", ret);
	if (!ret)
		kho_unpreserve_folio(page_folio(page));
	ret = kho_preserve_pages(page, 1);
	kho_test_check(ret == -EINVAL,
		       "kho_preserve_pages() refuses it: %d (-EINVAL expected)", ret);
	if (!ret)
		kho_unpreserve_pages(page, 1);
	kho_scratch_test_free(page);
	return 0;
}

/* The sub-blobs of fill_root (name and compatible lengths), their page. */
#define KHO_TEST_FILL_MAX	1000
#define KHO_TEST_FILL_STR	60
static u8 kho_test_fill_len[KHO_TEST_FILL_MAX][2];
static unsigned int kho_test_nr_fill, kho_test_fill_bytes;
static unsigned long kho_test_fill_page;

/* @s: @prefix padded with @pad to @len characters; false if too long. */
static bool kho_test_pad(char *s, const char *prefix, char pad,
			 unsigned int len)
{
	size_t n = strscpy(s, prefix, KHO_TEST_FILL_STR + 1);

	if (n > len)
		return false;
	while (n < len)
		s[n++] = pad;
	s[n] = 0;
	return true;
}

/*
 * Sub-blob number kho_test_nr_fill with a name of @name_len and a
 * compatible of @compat_len characters: 0, -E2BIG when the number needs
 * a longer name, or the error of kho_add_subtree().
 */
static int kho_test_fill_one(unsigned int name_len, unsigned int compat_len)
{
	char name[KHO_TEST_FILL_STR + 1], compat[KHO_TEST_FILL_STR + 1];
	char num[16];
	int ret;

	snprintf(num, sizeof(num), "%u", kho_test_nr_fill);
	if (!kho_test_pad(name, num, 'x', name_len) ||
	    !kho_test_pad(compat, "c", 'y', compat_len))
		return -E2BIG;
	ret = kho_add_subtree(name, compat,
			      virt_to_phys((void *)kho_test_fill_page), 8);
	if (ret)
		return ret;
	kho_test_fill_len[kho_test_nr_fill][0] = name_len;
	kho_test_fill_len[kho_test_nr_fill++][1] = compat_len;
	kho_test_fill_bytes += name_len + compat_len;
	return 0;
}

/* Remove the last sub-blob of fill_root. */
static int kho_test_unfill_one(void)
{
	char name[KHO_TEST_FILL_STR + 1], num[16];
	const u8 *len = kho_test_fill_len[--kho_test_nr_fill];

	snprintf(num, sizeof(num), "%u", kho_test_nr_fill);
	kho_test_pad(name, num, 'x', len[0]);
	kho_test_fill_bytes -= len[0] + len[1];
	return kho_remove_subtree(name);
}

/* The largest last sub-blob that fits: true when one did. */
static bool kho_test_fill_last(void)
{
	unsigned int t;

	for (t = 2 * KHO_TEST_FILL_STR; t >= 2; t--) {
		unsigned int name_len = t > KHO_TEST_FILL_STR ?
					t - KHO_TEST_FILL_STR : 1;

		if (kho_test_nr_fill >= KHO_TEST_FILL_MAX)
			return false;
		if (name_len < 4)
			name_len = 4;
		if (t <= name_len)
			break;
		if (!kho_test_fill_one(name_len, t - name_len))
			return true;
	}
	return false;
}

static int kho_test_unfill_root(void)
{
	int ret;

	while (kho_test_nr_fill) {
		ret = kho_test_unfill_one();
		kho_test_check(!ret, "remove sub-blob %u: %d",
			       kho_test_nr_fill, ret);
	}
	kho_test_fill_bytes = 0;
	free_page(kho_test_fill_page);
	kho_test_fill_page = 0;
	return 0;
}

/*
 * Fill the root to its last 4 bytes (FDT alignment): sub-blobs of a
 * 40-character name and an 11-character compatible until one no longer
 * fits, then the largest one that still fits, giving up the one before
 * it when none does: the cost of a sub-blob moves by 4 bytes from about
 * 70 to 190 with the lengths of its strings.
 */
static int kho_test_fill_root(void)
{
	int ret;

	if (kho_test_nr_fill || kho_test_fill_page)
		return -EBUSY;
	kho_test_fill_page = get_zeroed_page(GFP_KERNEL);
	if (!kho_test_fill_page)
		return -ENOMEM;
	do {
		ret = kho_test_nr_fill < KHO_TEST_FILL_MAX ?
		      kho_test_fill_one(40, 11) : -E2BIG;
	} while (!ret);
	if (ret == -ENOSPC && kho_test_nr_fill && !kho_test_fill_last()) {
		kho_test_unfill_one();
		if (!kho_test_fill_last())
			ret = -EIO;
	}
	kho_test_check(ret == -ENOSPC && kho_test_nr_fill,
		       "fill: %u sub-blobs, %u name bytes, then -ENOSPC (%d)",
		       kho_test_nr_fill, kho_test_fill_bytes, ret);
	return 0;
}

static ssize_t kho_test_control_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	char buf[32];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;

	mutex_lock(&kho_test_lock);
	seq_buf_init(&kho_test_sb, kho_test_status, sizeof(kho_test_status));
	kho_test_failed = 0;
	if (sysfs_streq(buf, "preserve"))
		ret = kho_test_preserve();
	else if (sysfs_streq(buf, "verify"))
		ret = kho_test_verify();
	else if (sysfs_streq(buf, "finish"))
		ret = kho_test_finish();
	else if (sysfs_streq(buf, "bench_huge"))
		ret = kho_test_bench(PMD_SHIFT - PAGE_SHIFT, false,
				     KHO_BENCH_BYTES >> PMD_SHIFT, false, false);
	else if (sysfs_streq(buf, "bench_small"))
		ret = kho_test_bench(0, true, KHO_BENCH_BYTES >> PAGE_SHIFT,
				     false, false);
	else if (!strncmp(buf, "bench_scatter ", 14))
		ret = kho_test_bench_scatter(buf + 14, false, false);
	else if (!strncmp(buf, "bench_scatter_ref ", 18))
		ret = kho_test_bench_scatter(buf + 18, true, false);
	else if (!strncmp(buf, "bench_scatter_packed ", 21))
		ret = kho_test_bench_scatter(buf + 21, true, true);
	else if (sysfs_streq(buf, "bench_release"))
		ret = kho_test_bench_release();
	else if (sysfs_streq(buf, "scratch"))
		ret = kho_test_scratch();
	else if (sysfs_streq(buf, "fill_root"))
		ret = kho_test_fill_root();
	else if (sysfs_streq(buf, "unfill_root"))
		ret = kho_test_unfill_root();
	else
		ret = -EINVAL;
	if (!ret && kho_test_failed)
		ret = -EIO;
	mutex_unlock(&kho_test_lock);
	return ret ?: count;
}

static ssize_t kho_test_status_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&kho_test_lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, kho_test_status,
				      seq_buf_used(&kho_test_sb));
	mutex_unlock(&kho_test_lock);
	return ret;
}

static const struct file_operations kho_test_control_fops = {
	.owner = THIS_MODULE,
	.write = kho_test_control_write,
	.llseek = noop_llseek,
};

static const struct file_operations kho_test_status_fops = {
	.owner = THIS_MODULE,
	.read = kho_test_status_read,
	.llseek = default_llseek,
};

static int __init kho_test_init(void)
{
	struct dentry *dir = debugfs_create_dir("kho_test", NULL);

	seq_buf_init(&kho_test_sb, kho_test_status, sizeof(kho_test_status));
	debugfs_create_file("control", 0200, dir, NULL,
			    &kho_test_control_fops);
	debugfs_create_file("status", 0400, dir, NULL, &kho_test_status_fops);
	debugfs_create_file("corrupt", 0200, dir, NULL, &kho_test_corrupt_fops);
	debugfs_create_bool("refuse_kexec", 0600, dir, &kho_test_refuse);
	register_reboot_notifier(&kho_test_reboot_nb);
	return 0;
}
late_initcall(kho_test_init);
