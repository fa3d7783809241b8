// SPDX-License-Identifier: GPL-2.0
/*
 * physr_bench: describe the same pinned user memory with a physr list and
 * with 6.12's sg_alloc_table_from_pages(), and report the metadata bytes
 * and the build time per page of each.
 *
 * Test-only (CONFIG_PHYSR_BENCH).  Userspace writes "<uaddr> <len>" to
 * /sys/kernel/debug/physr/bench; the memory is pinned once, each builder
 * runs a few times on the same page array (the fastest run counts), the
 * two descriptions are checked to cover exactly the same bytes in the same
 * order, and reading the file returns one "key value" pair per line.
 *
 * Then the memory cost of both at 1, 2, 8, 64, 1K and 16K pages (as many
 * of those counts as the memory holds): the first N pages described each
 * way, and the bytes measured from what was allocated (ksize() of slab
 * objects, the size of page allocations), not from a formula.
 */

#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/physr.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "physr_bench.h"

#define PHYSR_BENCH_RUNS	5
#define PHYSR_BENCH_MAX_PAGES	(SZ_1G >> PAGE_SHIFT)

static struct dentry *physr_bench_dir;

/* Bytes really set aside for @p: a slab object, or a page allocation. */
static size_t physr_bench_alloc_bytes(const void *p)
{
	struct folio *folio = virt_to_folio(p);

	return folio_test_slab(folio) ? ksize(p) : folio_size(folio);
}

/* Bytes of an sg_table and every block of its scatterlist chain. */
static size_t physr_bench_sg_bytes(const struct sg_table *sgt)
{
	size_t bytes = sizeof(*sgt);
	struct scatterlist *sg = sgt->sgl;

	if (!sg)
		return bytes;
	bytes += physr_bench_alloc_bytes(sg);
	for (;;) {
		if (sg_is_chain(sg)) {
			sg = sg_chain_ptr(sg);
			bytes += physr_bench_alloc_bytes(sg);
			continue;
		}
		if (sg_is_last(sg))
			break;
		sg++;
	}
	return bytes;
}

static int physr_bench_chunk_bytes(phys_addr_t phys, size_t size, void *arg)
{
	size_t *bytes = arg;

	*bytes += physr_bench_alloc_bytes(phys_to_virt(phys));
	return 0;
}

/*
 * Bytes of a list: the struct, and its chunk pages or the slab array of a
 * short list (a look inside, as only this test does).
 */
static size_t physr_bench_physr_bytes(const struct physr *pr)
{
	size_t bytes = sizeof(*pr);

	if (physr_nr_chunks(pr))
		physr_walk_chunks(pr, physr_bench_chunk_bytes, &bytes);
	else if (physr_nr_ranges(pr) > 1)
		bytes += physr_bench_alloc_bytes(pr->small);
	return bytes;
}

static int physr_bench_compare(const struct physr *pr, struct sg_table *sgt);

static const unsigned int physr_bench_counts[] = { 1, 2, 8, 64, 1024, 16384 };

/* The memory cost of the first @n pages of @pages, described both ways. */
static int physr_bench_sizes(struct page **pages, unsigned int n, char *buf,
			     size_t size)
{
	struct sg_table sgt = {};
	struct physr pr;
	size_t len;
	unsigned int i;
	int ret;

	ret = sg_alloc_table_from_pages(&sgt, pages, n, 0,
					(size_t)n << PAGE_SHIFT, GFP_KERNEL);
	if (ret)
		return ret;
	physr_init(&pr);
	for (i = 0; i < n && !ret; i++)
		ret = physr_append(&pr, page_to_phys(pages[i]), PAGE_SIZE,
				   GFP_KERNEL);
	if (!ret)
		ret = physr_bench_compare(&pr, &sgt);
	if (!ret) {
		len = strlen(buf);
		snprintf(buf + len, size - len,
			 "size_%u %u %llu %zu %zu\n", n, sgt.orig_nents,
			 physr_nr_ranges(&pr), physr_bench_sg_bytes(&sgt),
			 physr_bench_physr_bytes(&pr));
	}
	physr_destroy(&pr);
	sg_free_table(&sgt);
	return ret;
}

/* The sg table and the list describe the same bytes, in the same order. */
static int physr_bench_compare(const struct physr *pr, struct sg_table *sgt)
{
	struct physr_range r = {};
	struct physr_iter it;
	struct scatterlist *sg;
	u64 addr, sg_len;
	unsigned int i;

	physr_iter_init(&it, pr);
	for_each_sgtable_sg(sgt, sg, i) {
		addr = sg_phys(sg);
		sg_len = sg->length;
		while (sg_len) {
			u64 n;

			if (!r.len && !physr_iter_next(&it, &r))
				return -EINVAL;
			if (r.phys != addr)
				return -EINVAL;
			n = min(r.len, sg_len);
			r.phys += n;
			r.len -= n;
			addr += n;
			sg_len -= n;
		}
	}
	return r.len || physr_iter_next(&it, &r) ? -EINVAL : 0;
}

static int physr_bench_run(unsigned long uaddr, size_t len, char *buf,
			   size_t size)
{
	u64 sg_ns = U64_MAX, pr_ns = U64_MAX, t0;
	unsigned long nr_pages, i;
	struct sg_table sgt = {};
	struct page **pages;
	size_t sg_bytes = 0;
	struct physr pr;
	long pinned;
	int run, ret = 0;

	if (!len || !PAGE_ALIGNED(uaddr) || !PAGE_ALIGNED(len))
		return -EINVAL;
	nr_pages = len >> PAGE_SHIFT;
	if (nr_pages > PHYSR_BENCH_MAX_PAGES)
		return -E2BIG;
	pages = kvmalloc_array(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	pinned = pin_user_pages_fast(uaddr, nr_pages, FOLL_WRITE, pages);
	if (pinned != nr_pages) {
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out_unpin;
	}

	physr_init(&pr);
	for (run = 0; run < PHYSR_BENCH_RUNS; run++) {
		t0 = ktime_get_ns();
		ret = sg_alloc_table_from_pages(&sgt, pages, nr_pages, 0, len,
						GFP_KERNEL);
		if (ret)
			goto out_unpin;
		sg_ns = min(sg_ns, ktime_get_ns() - t0);

		t0 = ktime_get_ns();
		for (i = 0; i < nr_pages && !ret; i++)
			ret = physr_append(&pr, page_to_phys(pages[i]), PAGE_SIZE,
					   GFP_KERNEL);
		pr_ns = min(pr_ns, ktime_get_ns() - t0);

		if (!ret)
			ret = physr_bench_compare(&pr, &sgt);
		if (run == PHYSR_BENCH_RUNS - 1 || ret)
			break;
		sg_free_table(&sgt);
		physr_destroy(&pr);
	}
	if (ret)
		goto out_free;

	sg_bytes = physr_bench_sg_bytes(&sgt);
	snprintf(buf, size,
		 "pages %lu\nsg_entries %u\nsg_bytes %zu\nsg_ns %llu\n"
		 "physr_ranges %llu\nphysr_bytes %zu\nphysr_ns %llu\n",
		 nr_pages, sgt.orig_nents, sg_bytes, sg_ns,
		 physr_nr_ranges(&pr), physr_bench_physr_bytes(&pr), pr_ns);
	/* "size_N sg_entries physr_ranges sg_bytes physr_bytes" lines. */
	for (i = 0; i < ARRAY_SIZE(physr_bench_counts) && !ret; i++)
		if (physr_bench_counts[i] <= nr_pages)
			ret = physr_bench_sizes(pages, physr_bench_counts[i],
						buf, size);
out_free:
	sg_free_table(&sgt);
	physr_destroy(&pr);
out_unpin:
	if (pinned > 0)
		unpin_user_pages(pages, pinned);
	kvfree(pages);
	return ret;
}

static struct physr_bench_file physr_bench_file = {
	.run = physr_bench_run,
};

static int __init physr_bench_init(void)
{
	physr_bench_dir = physr_bench_create("physr", "bench", &physr_bench_file);
	return 0;
}

static void __exit physr_bench_exit(void)
{
	debugfs_remove_recursive(physr_bench_dir);
}

module_init(physr_bench_init);
module_exit(physr_bench_exit);
MODULE_DESCRIPTION("physr vs scatterlist build benchmark (test only)");
MODULE_LICENSE("GPL");
