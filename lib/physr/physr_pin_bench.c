// SPDX-License-Identifier: GPL-2.0
/*
 * physr_pin_bench: pin the same memfd range into a physr list with the
 * batch pin of physr_pin_memfd() and with 6.12's memfd_pin_folios() (one
 * physr_append() per folio, as physr_pin_memfd() did before the batch
 * pin), alternating, and report the median and range of each.
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
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/physr.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "physr_bench.h"
#include "physr_mm.h"

#define PIN_BENCH_RUNS	7

static struct dentry *pin_bench_dir;

/* The memfd_pin_folios() loop of physr_pin_memfd() before the batch pin */
static struct physr_pinned *pin_bench_old(struct file *memfd, loff_t pos,
					  loff_t left)
{
	const unsigned int batch = PAGE_SIZE / sizeof(struct folio *);
	struct physr_pinned *pin;
	struct folio **folios;
	int ret = 0;

	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	folios = (struct folio **)__get_free_page(GFP_KERNEL);
	if (!pin || !folios) {
		kfree(pin);
		free_page((unsigned long)folios);
		return ERR_PTR(-ENOMEM);
	}
	physr_init(&pin->list);
	pin->mode = PHYSR_PINNED_FOLIOS;
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
	free_page((unsigned long)folios);
	if (ret) {
		physr_unpin(pin);
		return ERR_PTR(ret);
	}
	return pin;
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
	struct mm_struct *mm = current->mm;
	struct physr_pinned *a, *b;
	struct vm_area_struct *vma;
	struct file *memfd = NULL;
	u64 ranges = 0, t0;
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
	pin_bench_print(buf + n, size - n, "unpin_memfd_pin_folios_us",
			unpin_old);
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
