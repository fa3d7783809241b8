// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: preserved arrays.
 *
 * A preserved array holds @nr elements of @elem_size bytes in order-0
 * pages that need not be contiguous; no element crosses a page boundary.
 * What goes to the next kernel is one header page (the handle is its
 * physical address) that records the element size and count and the
 * first chunk of a physr list of the element pages.  Every page involved
 * (header, element pages, physr chunks) is preserved with KHO.
 *
 * The next kernel trusts nothing in the handle: luo_array_restore() checks
 * that the header page is preserved memory not restored yet, its magic,
 * version, sizes and counts, that the physr chain is valid and preserved,
 * that it lists exactly the number of preserved page-aligned pages the
 * header promises, and that no page (header, chunk or element) is named
 * twice, before it takes any page.  The page list is always in physr chunk
 * layout version 1: a chain with a packed chunk (version 2) is refused.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/physr.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "kho_internal.h"
#include "luo_internal.h"

static void luo_array_free_pages(struct luo_array *arr, unsigned long n)
{
	while (n--)
		__free_page(arr->pages[n]);
	kvfree(arr->pages);
	arr->pages = NULL;
}

static void luo_array_unpreserve_pages(struct luo_array *arr,
				       unsigned long n)
{
	while (n--)
		kho_unpreserve_folio(page_folio(arr->pages[n]));
}

/**
 * luo_array_alloc() - allocate a zeroed array that survives kexec
 * @arr: the array to set up.
 * @elem_size: bytes per element, 1 to PAGE_SIZE.
 * @nr: number of elements; 0 is allowed.
 *
 * The memory is preserved with KHO at once; fill the elements at any time
 * before kexec (their contents are handed over as they are then), and pass
 * luo_array_handle() to the next kernel.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -EINVAL for a bad @elem_size, -EOVERFLOW when @nr
 * elements cannot be addressed, -ENOMEM, or an error of KHO's preserve
 * functions (-EOPNOTSUPP when KHO is off, -EBUSY when a kexec is under
 * way).  On error nothing is allocated nor preserved.
 */
int luo_array_alloc(struct luo_array *arr, u32 elem_size, u64 nr)
{
	struct luo_array_hdr *hdr;
	unsigned long i;
	u64 nr_pages;
	int ret;

	memset(arr, 0, sizeof(*arr));
	physr_init(&arr->list);
	if (!elem_size || elem_size > PAGE_SIZE)
		return -EINVAL;
	arr->elem_size = elem_size;
	arr->per_page = PAGE_SIZE / elem_size;
	nr_pages = div_u64(nr + arr->per_page - 1, arr->per_page);
	if (nr > U64_MAX - arr->per_page || nr_pages > LUO_ARRAY_MAX_PAGES)
		return -EOVERFLOW;
	arr->nr = nr;
	arr->nr_pages = nr_pages;

	hdr = (void *)get_zeroed_page(GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	arr->pages = kvcalloc(max_t(unsigned long, nr_pages, 1),
			      sizeof(*arr->pages), GFP_KERNEL);
	if (!arr->pages) {
		ret = -ENOMEM;
		goto err_hdr;
	}
	for (i = 0; i < nr_pages; i++) {
		arr->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!arr->pages[i]) {
			ret = -ENOMEM;
			goto err_pages;
		}
		ret = physr_append(&arr->list, page_to_phys(arr->pages[i]),
				   PAGE_SIZE, GFP_KERNEL);
		if (ret) {
			__free_page(arr->pages[i]);
			goto err_pages;
		}
	}
	for (i = 0; i < nr_pages; i++) {
		ret = kho_preserve_folio(page_folio(arr->pages[i]));
		if (ret)
			goto err_preserve;
	}
	ret = kho_preserve_physr(&arr->list);
	if (ret)
		goto err_preserve;
	ret = kho_preserve_folio(virt_to_folio(hdr));
	if (ret)
		goto err_physr;

	hdr->magic = cpu_to_le32(LUO_ARRAY_MAGIC);
	hdr->version = cpu_to_le32(kho_write_version(LUO_ARRAY_VERSION));
	hdr->elem_size = cpu_to_le32(elem_size);
	/* Version 1 has no such field: its packing is implied, the same. */
	if (le32_to_cpu(hdr->version) >= 2)
		hdr->per_page = cpu_to_le32(arr->per_page);
	hdr->nr = cpu_to_le64(nr);
	hdr->nr_pages = cpu_to_le64(nr_pages);
	hdr->pages = cpu_to_le64(physr_first_chunk(&arr->list));
	arr->hdr = hdr;
	return 0;

err_physr:
	kho_unpreserve_physr(&arr->list);
err_preserve:
	luo_array_unpreserve_pages(arr, i);
	i = nr_pages;
err_pages:
	physr_destroy(&arr->list);
	luo_array_free_pages(arr, i);
err_hdr:
	free_page((unsigned long)hdr);
	memset(arr, 0, sizeof(*arr));
	physr_init(&arr->list);
	return ret;
}
EXPORT_SYMBOL_GPL(luo_array_alloc);

/**
 * luo_array_elem() - address of one element
 * @arr: an allocated or restored array.
 * @index: the element, below @arr->nr.
 *
 * Context: any.
 * Return: the element's address, or NULL when @index is out of range.
 */
void *luo_array_elem(struct luo_array *arr, u64 index)
{
	u32 off;
	u64 pg;

	if (index >= arr->nr)
		return NULL;
	pg = div_u64_rem(index, arr->per_page, &off);
	return page_address(arr->pages[pg]) + (size_t)off * arr->elem_size;
}
EXPORT_SYMBOL_GPL(luo_array_elem);

/**
 * luo_array_handle() - what to hand to the next kernel for an array
 * @arr: an allocated array.
 *
 * Context: any.
 * Return: the physical address of the array's header page, never 0 for an
 * allocated array.
 */
u64 luo_array_handle(const struct luo_array *arr)
{
	return arr->hdr ? virt_to_phys(arr->hdr) : 0;
}
EXPORT_SYMBOL_GPL(luo_array_handle);

/**
 * luo_array_free() - unpreserve and free an array of this kernel
 * @arr: an array set up by luo_array_alloc(); emptied.
 *
 * Context: process context, may sleep.  Not after a kexec started.
 */
void luo_array_free(struct luo_array *arr)
{
	if (!arr->hdr)
		return;
	if (WARN_ON(arr->incoming))
		return;
	kho_unpreserve_folio(virt_to_folio(arr->hdr));
	kho_unpreserve_physr(&arr->list);
	luo_array_unpreserve_pages(arr, arr->nr_pages);
	physr_destroy(&arr->list);
	luo_array_free_pages(arr, arr->nr_pages);
	free_page((unsigned long)arr->hdr);
	memset(arr, 0, sizeof(*arr));
	physr_init(&arr->list);
}
EXPORT_SYMBOL_GPL(luo_array_free);

/*
 * Whether @nr elements, @per_page to a page, take exactly @nr_pages pages,
 * with no arithmetic that can wrap: @nr comes from the previous kernel and
 * may be anything up to U64_MAX (a rounding up of @nr would wrap to 0).
 */
static bool luo_array_counts_ok(u64 nr, u64 nr_pages, u32 per_page)
{
	if (nr_pages > LUO_ARRAY_MAX_PAGES)
		return false;
	if (!nr_pages)
		return !nr;
	/* nr_pages * per_page is below 2^32 * PAGE_SIZE: no overflow. */
	return nr <= nr_pages * per_page && nr > (nr_pages - 1) * per_page;
}

/* Every chunk and every page of the list: preserved and not taken yet. */
static bool luo_array_chunk_ok(phys_addr_t phys, size_t size, void *arg)
{
	return PAGE_ALIGNED(phys) && size == PAGE_SIZE &&
	       kho_pages_waiting(phys, 1);
}

/* The memory of a handed-over array: header page, chunk pages, elements. */
struct luo_array_extent {
	u64 start;
	u64 end;
};

static int luo_array_extent_cmp(const void *a, const void *b)
{
	const struct luo_array_extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Every page is taken once: the element ranges must not overlap one
 * another, the header page or a chunk page of the list.  Each of them is
 * preserved and waiting, so without this check a restore would find a
 * page taken already halfway through, after it took the others.
 */
static int luo_array_check_disjoint(u64 handle, u64 first,
				    const struct physr_walk_info *info)
{
	const struct physr_chunk *chunk;
	struct luo_array_extent *ext;
	unsigned long n = 0, i;
	phys_addr_t phys;
	u32 j;
	int ret = 0;

	ext = kvmalloc_array(1 + info->nr_chunks + info->nr_ranges,
			     sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	ext[n].start = handle;
	ext[n++].end = handle + PAGE_SIZE;
	for (phys = first; phys; phys = le64_to_cpu(chunk->hdr.next)) {
		chunk = phys_to_virt(phys);
		ext[n].start = phys;
		ext[n++].end = phys + PAGE_SIZE;
		for (j = 0; j < le32_to_cpu(chunk->hdr.count); j++) {
			ext[n].start = le64_to_cpu(chunk->ranges[j].phys);
			ext[n].end = ext[n].start +
				     le64_to_cpu(chunk->ranges[j].len);
			n++;
		}
	}
	sort(ext, n, sizeof(*ext), luo_array_extent_cmp, NULL);
	for (i = 1; i < n; i++)
		if (ext[i].start < ext[i - 1].end)
			ret = -EINVAL;
	kvfree(ext);
	return ret;
}

static int luo_array_check_list(struct luo_array *arr, u64 handle, u64 first)
{
	const struct physr_chunk *chunk;
	struct physr_walk_info info;
	struct physr list;
	phys_addr_t phys;
	u32 i;
	int ret;

	/* Check the chain in place before anything is restored. */
	ret = physr_validate_chain(first, LUO_ARRAY_MAX_PAGES,
				   luo_array_chunk_ok, NULL, &info);
	if (ret)
		return ret;
	/*
	 * The page list is written in chunk layout version 1 only and its
	 * entries are read in place below: a packed chunk is malformed.
	 */
	if (info.nr_packed) {
		pr_warn("preserved array %#llx: %lu of its page list's chunks are packed (physr chunk version 2), an array's are version 1 only\n",
			handle, info.nr_packed);
		return -EINVAL;
	}
	if (info.kind != PHYSR_RAM ||
	    info.total_bytes != (u64)arr->nr_pages * PAGE_SIZE)
		return -EINVAL;
	/* The validated chain, read in place: every range must be ours. */
	for (phys = first; phys; phys = le64_to_cpu(chunk->hdr.next)) {
		chunk = phys_to_virt(phys);
		for (i = 0; i < le32_to_cpu(chunk->hdr.count); i++) {
			u64 p = le64_to_cpu(chunk->ranges[i].phys);
			u64 len = le64_to_cpu(chunk->ranges[i].len);

			if (!PAGE_ALIGNED(p) || !PAGE_ALIGNED(len) ||
			    !kho_pages_waiting(p, len >> PAGE_SHIFT))
				return -EINVAL;
		}
	}
	ret = luo_array_check_disjoint(handle, first, &info);
	if (ret)
		return ret;
	ret = kho_restore_physr(&list, first);
	if (ret)
		return ret;
	arr->list = list;
	return 0;
}

/**
 * luo_array_restore() - get back an array from the previous kernel
 * @arr: the array to fill.
 * @handle: what luo_array_handle() gave in the previous kernel.
 * @elem_size: the element size the caller expects.
 *
 * Everything the handle leads to is validated before any of it is used;
 * a malformed handle gives an error, never a crash.  Restore each array
 * once; release it with luo_array_release().
 *
 * Context: process context, may sleep.
 * Return: 0 on success; -ENOENT when there is no incoming handover;
 * -EINVAL when @handle does not lead to a preserved, well-formed array
 * of @elem_size elements (or it was restored already), its page list
 * with a packed physr chunk included (with a message); -EPROTONOSUPPORT
 * for an array format version this kernel does not read (0, or newer than
 * %LUO_ARRAY_VERSION: the message names both); -ELOOP, -ERANGE and the other
 * errors of physr_validate_chain() for a malformed page list; -ENOMEM.
 * On error nothing is taken from the handover: a later restore with the
 * right arguments can still succeed, and otherwise KHO's finish step
 * releases the pages.
 */
int luo_array_restore(struct luo_array *arr, u64 handle, u32 elem_size)
{
	struct luo_array_hdr *hdr;
	unsigned long i, n = 0;
	struct physr_range r;
	struct physr_iter it;
	struct folio *folio;
	u32 version, per_page;
	u64 nr, nr_pages;
	int ret;

	memset(arr, 0, sizeof(*arr));
	physr_init(&arr->list);
	if (!kho_is_incoming())
		return -ENOENT;
	if (!elem_size || elem_size > PAGE_SIZE || !handle ||
	    !PAGE_ALIGNED(handle) || !kho_pages_waiting(handle, 1))
		return -EINVAL;
	hdr = phys_to_virt(handle);
	if (le32_to_cpu(hdr->magic) != LUO_ARRAY_MAGIC)
		return -EINVAL;
	version = le32_to_cpu(hdr->version);
	if (!version || version > LUO_ARRAY_VERSION) {
		pr_warn("preserved array of version %u, this kernel reads 1 to %u\n",
			version, LUO_ARRAY_VERSION);
		return -EPROTONOSUPPORT;
	}
	/* Version 1: per_page was a reserved zero, the packing implied. */
	per_page = version == 1 ? (hdr->per_page ? 0 : PAGE_SIZE / elem_size) :
		   le32_to_cpu(hdr->per_page);
	nr = le64_to_cpu(hdr->nr);
	nr_pages = le64_to_cpu(hdr->nr_pages);
	if (le32_to_cpu(hdr->elem_size) != elem_size || !per_page ||
	    per_page > PAGE_SIZE / elem_size ||
	    !luo_array_counts_ok(nr, nr_pages, per_page))
		return -EINVAL;
	arr->nr = nr;
	arr->elem_size = elem_size;
	arr->per_page = per_page;
	arr->nr_pages = nr_pages;
	arr->pages = luo_accept_should_fail() ? NULL :
		     kvcalloc(max_t(unsigned long, nr_pages, 1),
			      sizeof(*arr->pages), GFP_KERNEL);
	if (!arr->pages)
		return -ENOMEM;
	ret = luo_array_check_list(arr, handle, le64_to_cpu(hdr->pages));
	if (ret)
		goto err;

	/* All checked: take the pages. */
	folio = kho_restore_folio(handle);
	if (!folio) {
		ret = -EINVAL;
		goto err_list;
	}
	arr->hdr = folio_address(folio);
	physr_for_each_range(&arr->list, &it, &r) {
		struct page *page = kho_restore_pages(r.phys,
						      r.len >> PAGE_SHIFT);

		for (i = 0; page && i < r.len >> PAGE_SHIFT; i++)
			arr->pages[n++] = page + i;
		if (!page) {
			/* Only a concurrent restore of the same pages. */
			ret = -EBUSY;
			goto err_pages;
		}
	}
	arr->incoming = true;
	return 0;

err_pages:
	while (n--)
		__free_page(arr->pages[n]);
	folio_put(folio);
err_list:
	physr_destroy(&arr->list);
err:
	kvfree(arr->pages);
	memset(arr, 0, sizeof(*arr));
	physr_init(&arr->list);
	return ret;
}
EXPORT_SYMBOL_GPL(luo_array_restore);

/**
 * luo_array_release() - free an array restored from the previous kernel
 * @arr: an array set up by luo_array_restore(); emptied.
 *
 * Context: process context, may sleep.
 */
void luo_array_release(struct luo_array *arr)
{
	if (!arr->hdr)
		return;
	if (WARN_ON(!arr->incoming))
		return;
	physr_destroy(&arr->list);
	luo_array_free_pages(arr, arr->nr_pages);
	folio_put(virt_to_folio(arr->hdr));
	memset(arr, 0, sizeof(*arr));
	physr_init(&arr->list);
}
EXPORT_SYMBOL_GPL(luo_array_release);
