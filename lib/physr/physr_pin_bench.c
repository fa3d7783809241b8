// SPDX-License-Identifier: GPL-2.0
/*
 * physr_pin_bench: pin the same memfd range into a physr list with the
 * batch pin of physr_pin_memfd() and with 6.12's memfd_pin_folios() (one
 * physr_append() per folio, as physr_pin_memfd() did before the batch
 * pin), alternating, and report the median and range of each.  Then,
 * to split the cost: the page cache lookup of the batch pin alone
 * (filemap_get_folios_contig(), references taken and dropped), the pin of
 * the same memory by address as IOMMU_IOAS_MAP takes it
 * (pin_user_pages_fast(), FOLL_LONGTERM | FOLL_WRITE, 512 pages a call),
 * and that pin into a physr list merging runs (physr_pin_user()), against
 * the same with the folio walk physr_pin_user() had before (alternating,
 * same lists checked).  Last
 * the two ways of the batch pin to look folios up and pin them, without
 * the list: references turned into pins, and pins taken on the page cache
 * entry (filemap_pin_folios_longterm()), alternating.
 *
 * Test-only (CONFIG_PHYSR_BENCH).  Userspace writes "<uaddr> <len>" to
 * /sys/kernel/debug/physr_pin/memfd, where <uaddr> lies in a shared
 * mapping of a memfd (shmem or hugetlbfs); the file range behind it is
 * pinned.  Both sides must give lists of the same bytes; reading the file
 * returns one "key value" pair per line.
 */

#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/ktime.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/physr.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "physr_bench.h"
#include "physr_mm.h"

#define PIN_BENCH_RUNS	7

static struct dentry *pin_bench_dir;

/*
 * A list for one of the comparison pins, and a page for the pointers of
 * its pin calls (@buf); NULL if either could not be allocated.
 */
static struct physr_pinned *pin_bench_alloc(enum physr_pin_mode mode,
					    bool dirty, void **buf)
{
	struct physr_pinned *pin = kzalloc(sizeof(*pin), GFP_KERNEL);

	*buf = (void *)__get_free_page(GFP_KERNEL);
	if (!pin || !*buf) {
		kfree(pin);
		free_page((unsigned long)*buf);
		return NULL;
	}
	physr_init(&pin->list);
	pin->mode = mode;
	pin->dirty = dirty;
	return pin;
}

/* The end of a comparison pin: its list, or ERR_PTR(@ret) and all unpinned */
static struct physr_pinned *pin_bench_done(struct physr_pinned *pin,
					   void *buf, int ret)
{
	free_page((unsigned long)buf);
	if (ret) {
		physr_unpin(pin);
		return ERR_PTR(ret);
	}
	return pin;
}

/* The memfd_pin_folios() loop of physr_pin_memfd() before the batch pin */
static struct physr_pinned *pin_bench_old(struct file *memfd, loff_t pos,
					  loff_t left)
{
	const unsigned int batch = PAGE_SIZE / sizeof(struct folio *);
	struct physr_pinned *pin;
	struct folio **folios;
	int ret = 0;

	pin = pin_bench_alloc(PHYSR_PINNED_FOLIOS, false, (void **)&folios);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	while (left && !ret) {
		pgoff_t first_off = 0;
		long nr, i;

		nr = memfd_pin_folios(memfd, pos, pos + left - 1, folios, batch,
				      &first_off);
		if (nr <= 0) {
			ret = nr ? nr : -EFAULT;
			break;
		}
		for (i = 0; i < nr; i++) {
			size_t foff = i ? 0 : first_off;
			loff_t flen = min_t(loff_t, folio_size(folios[i]) - foff,
					    left);

			ret = physr_append(&pin->list,
					   PFN_PHYS(folio_pfn(folios[i])) + foff,
					   flen, GFP_KERNEL);
			if (ret) {
				unpin_folios(folios + i, nr - i);
				break;
			}
			pos += flen;
			left -= flen;
		}
	}
	return pin_bench_done(pin, folios, ret);
}

/*
 * What IOMMU_IOAS_MAP pays to pin the same memory by address: one
 * pin_user_pages_fast() per 512 pages, FOLL_LONGTERM | FOLL_WRITE as
 * iommufd asks for a writeable map.  Only the pin is timed.
 */
static int pin_bench_gup(unsigned long uaddr, size_t len, u64 *ns)
{
	const unsigned int batch = PAGE_SIZE / sizeof(struct page *);
	unsigned long npages = len >> PAGE_SHIFT;
	struct page **pages;
	u64 t = 0, t0;
	int ret = 0;

	pages = (struct page **)__get_free_page(GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	while (npages) {
		int want = min_t(unsigned long, npages, batch), got;

		t0 = ktime_get_ns();
		got = pin_user_pages_fast(uaddr, want,
					  FOLL_LONGTERM | FOLL_WRITE, pages);
		t += ktime_get_ns() - t0;
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		unpin_user_pages(pages, got);
		uaddr += (unsigned long)got << PAGE_SHIFT;
		npages -= got;
	}
	free_page((unsigned long)pages);
	*ns = t;
	return ret;
}

/*
 * physr_pin_user() as it was before it walked the page array by pointer:
 * page_folio() of the first page of every run, and a run ended at the end
 * of its folio (physr_append() still merged physically adjacent folios).
 * The same pin, the same list; for the comparison only.
 */
static struct physr_pinned *pin_bench_user_folio_walk(unsigned long uaddr,
						      size_t len)
{
	const unsigned int batch = PAGE_SIZE / sizeof(struct page *);
	unsigned long npages = len >> PAGE_SHIFT;
	struct physr_pinned *pin;
	struct page **pages;
	int ret = 0;

	pin = pin_bench_alloc(PHYSR_PINNED_PAGES, true, (void **)&pages);
	if (!pin)
		return ERR_PTR(-ENOMEM);
	while (npages && !ret) {
		int want = min_t(unsigned long, npages, batch), got, i, n;

		got = pin_user_pages_fast(uaddr, want,
					  FOLL_LONGTERM | FOLL_WRITE, pages);
		if (got <= 0) {
			ret = got ? got : -EFAULT;
			break;
		}
		for (i = 0; i < got; i += n) {
			struct folio *folio = page_folio(pages[i]);
			unsigned long idx = folio_page_idx(folio, pages[i]);
			unsigned long fnr = folio_nr_pages(folio);

			n = 1;
			while (i + n < got && idx + n < fnr &&
			       pages[i + n] == folio_page(folio, idx + n))
				n++;
			ret = physr_append(&pin->list,
					   PFN_PHYS(page_to_pfn(pages[i])),
					   (u64)n << PAGE_SHIFT, GFP_KERNEL);
			if (ret) {
				unpin_user_pages(pages + i, got - i);
				break;
			}
		}
		uaddr += (unsigned long)got << PAGE_SHIFT;
		npages -= got;
	}
	return pin_bench_done(pin, pages, ret);
}

/*
 * The page cache lookup of the batch pin alone: filemap_get_folios_contig()
 * over the range, taking and dropping one reference per folio.
 */
static u64 pin_bench_lookup(struct file *memfd, loff_t off, size_t len)
{
	pgoff_t idx = off >> PAGE_SHIFT, last = (off + len - 1) >> PAGE_SHIFT;
	struct folio_batch fbatch;
	u64 t0 = ktime_get_ns();

	folio_batch_init(&fbatch);
	while (idx <= last &&
	       filemap_get_folios_contig(memfd->f_mapping, &idx, last,
					 &fbatch))
		folio_batch_release(&fbatch);
	return ktime_get_ns() - t0;
}

/*
 * The lookup and pin of the batch pin without the list: 512 folios at a
 * time, either looked up with references turned into pins
 * (filemap_get_folios_contig(), folios_ref_to_longterm_pin()) or pinned
 * on the page cache entry (filemap_pin_folios_longterm()); unpinned after
 * each batch, untimed.  Returns the nanoseconds of the pins.
 */
static u64 pin_bench_folios(struct file *memfd, loff_t off, size_t len,
			    bool direct, int *err)
{
	const unsigned int max = PAGE_SIZE / sizeof(struct folio *);
	pgoff_t idx = off >> PAGE_SHIFT, last = (off + len - 1) >> PAGE_SHIFT;
	struct folio_batch fbatch;
	struct folio **folios;
	u64 t = 0, t0;
	long nr;

	*err = 0;
	folios = (struct folio **)__get_free_page(GFP_KERNEL);
	if (!folios) {
		*err = -ENOMEM;
		return 0;
	}
	while (idx <= last) {
		t0 = ktime_get_ns();
		if (direct) {
			nr = filemap_pin_folios_longterm(memfd->f_mapping, &idx,
							 last, folios, max);
		} else {
			pgoff_t next = idx;

			nr = 0;
			do {
				unsigned int i, n;

				folio_batch_init(&fbatch);
				n = filemap_get_folios_contig(memfd->f_mapping,
							      &next, last,
							      &fbatch);
				for (i = 0; i < n; i++)
					folios[nr++] = fbatch.folios[i];
			} while (nr + PAGEVEC_SIZE <= max && next <= last &&
				 folio_batch_count(&fbatch) == PAGEVEC_SIZE);
			if (nr)
				nr = folios_ref_to_longterm_pin(folios, nr) ?:
				     nr;
			if (nr > 0)
				idx = next;
		}
		t += ktime_get_ns() - t0;
		if (nr <= 0) {
			*err = nr ? (int)nr : -EFAULT;
			break;
		}
		unpin_folios(folios, nr);
	}
	free_page((unsigned long)folios);
	return t;
}

/* The two lists hold the same ranges */
static bool pin_bench_same(const struct physr *a, const struct physr *b)
{
	struct physr_range ra, rb;
	struct physr_iter ia, ib;

	if (physr_nr_ranges(a) != physr_nr_ranges(b) ||
	    physr_total_bytes(a) != physr_total_bytes(b))
		return false;
	physr_iter_init(&ia, a);
	physr_iter_init(&ib, b);
	while (physr_iter_next(&ia, &ra)) {
		if (!physr_iter_next(&ib, &rb) || ra.phys != rb.phys ||
		    ra.len != rb.len)
			return false;
	}
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* "median min max" of @v, in microseconds */
static int pin_bench_print(char *buf, size_t size, const char *key, u64 *v)
{
	sort(v, PIN_BENCH_RUNS, sizeof(*v), cmp_u64, NULL);
	return scnprintf(buf, size, "%s %llu %llu %llu\n", key,
			 v[PIN_BENCH_RUNS / 2] / 1000, v[0] / 1000,
			 v[PIN_BENCH_RUNS - 1] / 1000);
}

static int pin_bench_run(unsigned long uaddr, size_t len, char *buf,
			 size_t size)
{
	u64 pin_new[PIN_BENCH_RUNS], pin_old[PIN_BENCH_RUNS];
	u64 unpin_new[PIN_BENCH_RUNS], unpin_old[PIN_BENCH_RUNS];
	u64 gup[PIN_BENCH_RUNS], lookup[PIN_BENCH_RUNS];
	u64 user_list[PIN_BENCH_RUNS], user_old[PIN_BENCH_RUNS];
	u64 ref_pin[PIN_BENCH_RUNS], direct_pin[PIN_BENCH_RUNS];
	struct mm_struct *mm = current->mm;
	struct physr_pinned *a, *b;
	struct vm_area_struct *vma;
	struct file *memfd = NULL;
	u64 ranges = 0, user_ranges = 0, t0;
	loff_t off = 0;
	int run, n, ret = 0;

	if (!len || !PAGE_ALIGNED(uaddr) || !PAGE_ALIGNED(len))
		return -EINVAL;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, uaddr);
	if (vma && vma->vm_file && uaddr + len <= vma->vm_end) {
		memfd = get_file(vma->vm_file);
		off = (loff_t)(uaddr - vma->vm_start) +
		      ((loff_t)vma->vm_pgoff << PAGE_SHIFT);
	}
	mmap_read_unlock(mm);
	if (!memfd)
		return -EINVAL;

	for (run = 0; run < PIN_BENCH_RUNS; run++) {
		/* Alternate which side goes first */
		a = NULL;
		if (run & 1) {
			t0 = ktime_get_ns();
			b = pin_bench_old(memfd, off, len);
			pin_old[run] = ktime_get_ns() - t0;
			if (IS_ERR(b)) {
				ret = PTR_ERR(b);
				break;
			}
		}
		t0 = ktime_get_ns();
		a = physr_pin_memfd(memfd, off, len, 0, GFP_KERNEL);
		pin_new[run] = ktime_get_ns() - t0;
		if (IS_ERR(a)) {
			if (run & 1)
				physr_unpin(b);
			ret = PTR_ERR(a);
			break;
		}
		if (!(run & 1)) {
			t0 = ktime_get_ns();
			b = pin_bench_old(memfd, off, len);
			pin_old[run] = ktime_get_ns() - t0;
			if (IS_ERR(b)) {
				physr_unpin(a);
				ret = PTR_ERR(b);
				break;
			}
		}
		if (!pin_bench_same(physr_pinned_list(a),
				    physr_pinned_list(b)))
			ret = -EINVAL;
		ranges = physr_nr_ranges(physr_pinned_list(a));
		t0 = ktime_get_ns();
		physr_unpin(a);
		unpin_new[run] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		physr_unpin(b);
		unpin_old[run] = ktime_get_ns() - t0;
		if (ret)
			break;
		lookup[run] = pin_bench_lookup(memfd, off, len);
		ret = pin_bench_gup(uaddr, len, &gup[run]);
		if (ret)
			break;
		/*
		 * The same pin by address, into a list that merges runs, and
		 * with the folio walk physr_pin_user() had before; alternating
		 * which goes first.  Both lists must hold the same ranges.
		 */
		if (run & 1) {
			t0 = ktime_get_ns();
			b = pin_bench_user_folio_walk(uaddr, len);
			user_old[run] = ktime_get_ns() - t0;
			if (IS_ERR(b)) {
				ret = PTR_ERR(b);
				break;
			}
		}
		t0 = ktime_get_ns();
		a = physr_pin_user(uaddr, len,
				   PHYSR_PIN_LONGTERM | PHYSR_PIN_WRITE,
				   GFP_KERNEL);
		user_list[run] = ktime_get_ns() - t0;
		if (IS_ERR(a)) {
			if (run & 1)
				physr_unpin(b);
			ret = PTR_ERR(a);
			break;
		}
		if (!(run & 1)) {
			t0 = ktime_get_ns();
			b = pin_bench_user_folio_walk(uaddr, len);
			user_old[run] = ktime_get_ns() - t0;
			if (IS_ERR(b)) {
				physr_unpin(a);
				ret = PTR_ERR(b);
				break;
			}
		}
		if (!pin_bench_same(physr_pinned_list(a),
				    physr_pinned_list(b)))
			ret = -EINVAL;
		user_ranges = physr_nr_ranges(physr_pinned_list(a));
		physr_unpin(a);
		physr_unpin(b);
		if (ret)
			break;
		/* Alternate which primitive goes first */
		ref_pin[run] = pin_bench_folios(memfd, off, len, run & 1, &ret);
		if (!ret)
			direct_pin[run] = pin_bench_folios(memfd, off, len,
							   !(run & 1), &ret);
		if (ret)
			break;
		if (run & 1)
			swap(ref_pin[run], direct_pin[run]);
	}
	fput(memfd);
	if (ret)
		return ret;

	n = scnprintf(buf, size, "pages %zu\nranges %llu\nruns %d\n",
		      len >> PAGE_SHIFT, ranges, PIN_BENCH_RUNS);
	n += pin_bench_print(buf + n, size - n, "pin_batch_us", pin_new);
	n += pin_bench_print(buf + n, size - n, "pin_memfd_pin_folios_us",
			     pin_old);
	n += pin_bench_print(buf + n, size - n, "unpin_batch_us", unpin_new);
	n += pin_bench_print(buf + n, size - n, "unpin_memfd_pin_folios_us",
			     unpin_old);
	n += pin_bench_print(buf + n, size - n, "lookup_only_us", lookup);
	n += pin_bench_print(buf + n, size - n, "pin_user_pages_fast_us", gup);
	n += pin_bench_print(buf + n, size - n, "physr_pin_user_us", user_list);
	n += pin_bench_print(buf + n, size - n, "physr_pin_user_folio_walk_us",
			     user_old);
	n += scnprintf(buf + n, size - n, "physr_pin_user_ranges %llu\n",
		       user_ranges);
	n += pin_bench_print(buf + n, size - n, "lookup_ref_then_pin_us",
			     ref_pin);
	pin_bench_print(buf + n, size - n, "lookup_and_pin_us", direct_pin);
	return 0;
}

static struct physr_bench_file pin_bench_file = {
	.run = pin_bench_run,
};

static int __init pin_bench_init(void)
{
	pin_bench_dir = physr_bench_create("physr_pin", "memfd",
					   &pin_bench_file);
	return 0;
}

static void __exit pin_bench_exit(void)
{
	debugfs_remove_recursive(pin_bench_dir);
}

module_init(pin_bench_init);
module_exit(pin_bench_exit);
MODULE_DESCRIPTION("physr memfd batch pin vs memfd_pin_folios() (test only)");
MODULE_LICENSE("GPL");
