// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of describing N pages: physr against a userspace model of the
 * kernel's scatterlist, for pages that are contiguous and pages that are
 * scattered (every other page, so nothing merges).
 *
 *   bench_physr {physr|packed|sg} {contig|scatter} {build|walk} NPAGES
 *
 * runs one measured function (bench_<kind>_<op>) once, for callgrind's
 * --toggle-collect, and prints the metadata size.  bench.sh drives it.
 * "packed" is the physr list rewritten by physr_pack() (chunk layout
 * version 2, 8 bytes a range): its build is the physr build plus the
 * pack, its walk decodes every entry out of line.
 *
 * The scatterlist model follows lib/scatterlist.c on x86-64: 32-byte
 * entries (page_link, offset, length, dma_address, dma_length), tables of
 * SG_MAX_SINGLE_ALLOC = PAGE_SIZE / 32 entries chained through their last
 * entry, a page-array input as for sg_alloc_table_from_pages() with
 * physically contiguous pages merged, and a 16-byte struct sg_table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/limits.h>
#include <linux/physr.h>
#include "fakemem.h"

struct model_page {
	unsigned long flags;
	unsigned long pad[7];
};

struct model_sg {
	unsigned long page_link;
	unsigned int offset;
	unsigned int length;
	u64 dma_address;
	unsigned int dma_length;
};

struct model_sg_table {
	struct model_sg *sgl;
	unsigned int nents;
	unsigned int orig_nents;
};

#define SG_CHAIN	0x01UL
#define SG_END		0x02UL
#define SG_PER_TABLE	(PAGE_SIZE / sizeof(struct model_sg))

static struct model_page *vmemmap;
/* Results land here so the measured work is not optimised away. */
u64 bench_sink;

static unsigned long model_pfn(const struct model_page *page)
{
	return page - vmemmap;
}

static struct model_sg *model_sg_next(struct model_sg *sg)
{
	if (sg->page_link & SG_END)
		return NULL;
	sg++;
	if (sg->page_link & SG_CHAIN)
		sg = (struct model_sg *)(sg->page_link & ~(SG_CHAIN | SG_END));
	return sg;
}

static int model_sg_alloc(struct model_sg_table *t, unsigned int nents)
{
	struct model_sg *prev = NULL;
	unsigned int left = nents;

	memset(t, 0, sizeof(*t));
	while (left) {
		unsigned int n = left;
		struct model_sg *sg;

		if (left > SG_PER_TABLE)
			n = SG_PER_TABLE - 1;
		sg = (struct model_sg *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
		if (!sg)
			return -ENOMEM;
		if (prev)
			prev[SG_PER_TABLE - 1].page_link =
				(unsigned long)sg | SG_CHAIN;
		else
			t->sgl = sg;
		if (n == left)
			sg[n - 1].page_link |= SG_END;
		prev = sg;
		left -= n;
	}
	t->nents = nents;
	t->orig_nents = nents;
	return 0;
}

static void model_sg_free(struct model_sg_table *t)
{
	struct model_sg *sg = t->sgl;
	unsigned int left = t->orig_nents;

	while (left) {
		struct model_sg *next = NULL;
		unsigned int n = left;

		if (left > SG_PER_TABLE) {
			n = SG_PER_TABLE - 1;
			next = (struct model_sg *)(sg[SG_PER_TABLE - 1].page_link &
						   ~(SG_CHAIN | SG_END));
		}
		free_page((unsigned long)sg);
		left -= n;
		sg = next;
	}
}

/* As sg_alloc_table_from_pages(): count runs, allocate, fill. */
static noinline int bench_sg_build(struct model_sg_table *t,
				   struct model_page **pages, unsigned long n)
{
	const unsigned long max_seg = UINT_MAX & PAGE_MASK;
	unsigned long i, j, chunks = 0, seg_len;
	struct model_sg *sg;
	int ret;

	for (i = 0; i < n; i = j) {
		seg_len = PAGE_SIZE;
		for (j = i + 1; j < n; j++) {
			if (model_pfn(pages[j]) != model_pfn(pages[j - 1]) + 1 ||
			    seg_len + PAGE_SIZE > max_seg)
				break;
			seg_len += PAGE_SIZE;
		}
		chunks++;
	}
	ret = model_sg_alloc(t, chunks);
	if (ret)
		return ret;
	sg = t->sgl;
	for (i = 0; i < n; i = j) {
		seg_len = PAGE_SIZE;
		for (j = i + 1; j < n; j++) {
			if (model_pfn(pages[j]) != model_pfn(pages[j - 1]) + 1 ||
			    seg_len + PAGE_SIZE > max_seg)
				break;
			seg_len += PAGE_SIZE;
		}
		sg->page_link = (unsigned long)pages[i] |
				(sg->page_link & (SG_CHAIN | SG_END));
		sg->offset = 0;
		sg->length = seg_len;
		sg = model_sg_next(sg);
	}
	return 0;
}

static noinline u64 bench_sg_walk(struct model_sg_table *t)
{
	struct model_sg *sg;
	u64 sum = 0;

	for (sg = t->sgl; sg; sg = model_sg_next(sg))
		sum += model_pfn((struct model_page *)(sg->page_link &
						       ~(SG_CHAIN | SG_END))) +
		       sg->length;
	return sum;
}

static noinline int bench_physr_build(struct physr *pr, const u64 *phys,
				      unsigned long n)
{
	unsigned long i;
	int ret;

	physr_init(pr);
	for (i = 0; i < n; i++) {
		ret = physr_append(pr, phys[i], PAGE_SIZE, GFP_KERNEL);
		if (ret)
			return ret;
	}
	return 0;
}

static noinline u64 bench_physr_walk(const struct physr *pr)
{
	struct physr_range r;
	struct physr_iter it;
	u64 sum = 0;

	physr_for_each_range(pr, &it, &r)
		sum += r.phys + r.len;
	return sum;
}

static noinline int bench_packed_build(struct physr *pr, const u64 *phys,
				       unsigned long n)
{
	int ret = bench_physr_build(pr, phys, n);

	return ret ? ret : physr_pack(pr, GFP_KERNEL);
}

/*
 * The same loop as bench_physr_walk(), over a packed list.  The empty asm
 * keeps the compiler from folding the two identical functions into one,
 * which would leave callgrind nothing to count under this name.
 */
static noinline u64 bench_packed_walk(const struct physr *pr)
{
	struct physr_range r;
	struct physr_iter it;
	u64 sum = 0;

	asm volatile("" : : : "memory");
	physr_for_each_range(pr, &it, &r)
		sum += r.phys + r.len;
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long i, n, stride;
	const char *kind, *layout, *op;
	int ret = 0;

	if (argc != 5) {
		fprintf(stderr,
			"usage: %s {physr|packed|sg} {contig|scatter} {build|walk} N\n",
			argv[0]);
		return 2;
	}
	kind = argv[1];
	layout = argv[2];
	op = argv[3];
	n = strtoul(argv[4], NULL, 0);
	stride = strcmp(layout, "scatter") ? 1 : 2;
	if (!n || n > 4UL << 20)
		return 2;

	if (!strcmp(kind, "physr") || !strcmp(kind, "packed")) {
		bool packed = !strcmp(kind, "packed");
		u64 *phys = malloc(n * sizeof(*phys));
		struct physr pr;

		if (!phys)
			return 1;
		for (i = 0; i < n; i++)
			phys[i] = (1ULL << 32) + i * stride * PAGE_SIZE;
		if (packed)
			ret = bench_packed_build(&pr, phys, n);
		else
			ret = bench_physr_build(&pr, phys, n);
		if (!ret && !strcmp(op, "walk"))
			bench_sink = packed ? bench_packed_walk(&pr) :
					      bench_physr_walk(&pr);
		printf("%s %s: %lu pages, %llu ranges, %lu chunks, ",
		       kind, layout, n, (unsigned long long)physr_nr_ranges(&pr),
		       physr_nr_chunks(&pr));
		printf("%zu metadata bytes, %.3f bytes/page\n",
		       physr_metadata_bytes(&pr),
		       (double)physr_metadata_bytes(&pr) / n);
		physr_destroy(&pr);
		free(phys);
	} else {
		struct model_page **pages = malloc(n * sizeof(*pages));
		struct model_sg_table t;
		unsigned long entries;
		size_t bytes;

		vmemmap = calloc(n * stride + 1, sizeof(*vmemmap));
		if (!pages || !vmemmap)
			return 1;
		for (i = 0; i < n; i++)
			pages[i] = &vmemmap[i * stride];
		ret = bench_sg_build(&t, pages, n);
		if (!ret && !strcmp(op, "walk"))
			bench_sink = bench_sg_walk(&t);
		/* Chain entries take a slot in every table but the last. */
		entries = t.orig_nents +
			  (t.orig_nents > SG_PER_TABLE ?
			   DIV_ROUND_UP(t.orig_nents - 1, SG_PER_TABLE - 1) - 1 :
			   0);
		bytes = entries * sizeof(struct model_sg) + sizeof(t);
		printf("sg %s: %lu pages, %u entries, ", layout, n,
		       t.orig_nents);
		printf("%zu metadata bytes, %.3f bytes/page\n", bytes,
		       (double)bytes / n);
		model_sg_free(&t);
		free(pages);
		free(vmemmap);
	}
	if (fakemem_pages_in_use()) {
		fprintf(stderr, "leaked %lu pages\n", fakemem_pages_in_use());
		return 1;
	}
	return ret ? 1 : 0;
}
