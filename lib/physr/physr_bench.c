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

/* Bytes sg_alloc_table() allocates for @nents entries, chain entries included. */
static size_t physr_bench_sg_bytes(unsigned int nents)
{
	size_t bytes = sizeof(struct sg_table);

	/* Full chunks hold SG_MAX_SINGLE_ALLOC entries, one of them a chain link. */
	while (nents > SG_MAX_SINGLE_ALLOC) {
		bytes += SG_MAX_SINGLE_ALLOC * sizeof(struct scatterlist);
		nents -= SG_MAX_SINGLE_ALLOC - 1;
	}
	return bytes + nents * sizeof(struct scatterlist);
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

	sg_bytes = physr_bench_sg_bytes(sgt.orig_nents);
	snprintf(buf, size,
		 "pages %lu\nsg_entries %u\nsg_bytes %zu\nsg_ns %llu\n"
		 "physr_ranges %llu\nphysr_bytes %zu\nphysr_ns %llu\n",
		 nr_pages, sgt.orig_nents, sg_bytes, sg_ns,
		 physr_nr_ranges(&pr), sizeof(pr) + physr_metadata_bytes(&pr),
		 pr_ns);
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
