// SPDX-License-Identifier: GPL-2.0
/*
 * Kexec HandOver: debugfs view of the handover.
 *
 *   /sys/kernel/debug/kho/out/root        the outgoing root FDT (one page)
 *   /sys/kernel/debug/kho/out/blobs/NAME  the outgoing sub-blobs
 *   /sys/kernel/debug/kho/out/scratch     the scratch array the next kernel
 *                                         gets (struct kho_scratch_abi[])
 *   /sys/kernel/debug/kho/out/maps        per order, the figures of the
 *                                         preserved-memory list as it would
 *                                         be built now, then one "ref" line
 *                                         per referenced list (text)
 *   /sys/kernel/debug/kho/in/root         the incoming root FDT
 *   /sys/kernel/debug/kho/in/scratch      the incoming scratch array
 *   /sys/kernel/debug/kho/in/maps/order-N the chunk pages of the incoming
 *                                         preserved-memory list of order N,
 *                                         in chain order, until kho_finish()
 *   /sys/kernel/debug/kho/in/ref_array    the pages of the incoming
 *                                         reference array (root version 4),
 *                                         in chain order, until kho_finish()
 *   /sys/kernel/debug/kho/in/blobs/NAME   the incoming sub-blobs, until their
 *                                         owner restores them (then a read
 *                                         fails with -ENODATA)
 *   /sys/kernel/debug/kho/in/status       what happened to the handover
 *   /sys/kernel/debug/kho/in/stats        reservation figures
 *
 * Before kexec the outgoing root lists the sub-blobs and a placeholder for
 * the preserved-memory lists, which are built only at kexec; out/maps
 * gives their figures.  Everything here is what tools/liveupdate/lu-inspect
 * reads (Documentation/core-api/kho/concepts.rst, "debugfs").
 */
#define pr_fmt(fmt) "KHO: " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/init.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/timex.h>
#include <linux/uaccess.h>

#include "kho_internal.h"

static struct dentry *kho_dir, *kho_out_blobs;

static ssize_t kho_out_root_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	void *buf;
	ssize_t ret;

	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = kho_out_root_copy(buf, PAGE_SIZE);
	if (!ret)
		ret = simple_read_from_buffer(ubuf, count, ppos, buf,
					      fdt_totalsize(buf));
	kfree(buf);
	return ret;
}

static const struct file_operations kho_out_root_fops = {
	.owner = THIS_MODULE,
	.read = kho_out_root_read,
	.llseek = default_llseek,
};

static int kho_out_maps_fop_show(struct seq_file *m, void *v)
{
	return kho_out_maps_show(m);
}
DEFINE_SHOW_ATTRIBUTE(kho_out_maps_fop);

/**
 * kho_debugfs_blob_add() - show an outgoing sub-blob in debugfs
 * @name: the sub-blob's name.
 * @wrapper: data and size of the sub-blob; must outlive the file.
 *
 * Return: the file's dentry for kho_debugfs_blob_remove(), or an error
 * pointer (which kho_debugfs_blob_remove() accepts too).
 */
struct dentry *kho_debugfs_blob_add(const char *name,
				    struct debugfs_blob_wrapper *wrapper)
{
	if (!kho_out_blobs)
		return ERR_PTR(-ENOENT);
	return debugfs_create_blob(name, 0400, kho_out_blobs, wrapper);
}

void kho_debugfs_blob_remove(struct dentry *dentry)
{
	debugfs_remove(dentry);
}

static int kho_in_status_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", kho_in.status[0] ? kho_in.status : "none");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_in_status);

/* get_cycles() to nanoseconds, measured once the clocks run. */
static u64 kho_ns_per_cycle_num, kho_ns_per_cycle_den;

static void __init kho_calibrate_cycles(void)
{
	cycles_t c0 = get_cycles();
	u64 t0 = ktime_get_ns();

	mdelay(10);
	kho_ns_per_cycle_den = get_cycles() - c0;
	kho_ns_per_cycle_num = ktime_get_ns() - t0;
}

static int kho_in_stats_show(struct seq_file *m, void *v)
{
	unsigned int order;

	seq_printf(m, "reserve_cycles %llu\n", kho_in.reserve_cycles);
	seq_printf(m, "reserve_ns %llu\n",
		   kho_ns_per_cycle_den ?
		   mul_u64_u64_div_u64(kho_in.reserve_cycles,
				       kho_ns_per_cycle_num,
				       kho_ns_per_cycle_den) : 0);
	seq_printf(m, "areas %llu\n", kho_in.nr_reserved);
	seq_printf(m, "reserved_bytes %llu\n", kho_in.reserved_bytes);
	seq_printf(m, "metadata_bytes %llu\n", kho_in.metadata_bytes);
	seq_printf(m, "ref_chunk_bytes %llu\n", kho_in.ref_chunk_bytes);
	seq_printf(m, "ref_lists %llu\n", kho_in.nr_refs);
	seq_printf(m, "ref_ranges %llu\n", kho_in.ref_ranges);
	seq_printf(m, "ref_array_pages %llu\n", kho_in.ref_array_pages);
	seq_printf(m, "released_pages %llu\n", kho_in.released_pages);
	seq_printf(m, "released_metadata_pages %llu\n",
		   kho_in.released_meta_pages);
	for (order = 0; order < KHO_NR_ORDERS; order++)
		if (physr_nr_ranges(&kho_in.maps[order]))
			seq_printf(m, "order %u ranges %llu bytes %llu\n", order,
				   physr_nr_ranges(&kho_in.maps[order]),
				   physr_total_bytes(&kho_in.maps[order]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kho_in_stats);

static struct dentry *kho_in_root, *kho_in_blobs, *kho_in_maps;
static struct dentry *kho_in_ref_array;

struct kho_chunk_seek {
	unsigned long want;
	unsigned long i;
	phys_addr_t phys;
};

static int kho_chunk_seek(phys_addr_t phys, size_t size, void *arg)
{
	struct kho_chunk_seek *c = arg;

	if (c->i++ != c->want)
		return 0;
	c->phys = phys;
	return 1;
}

/* in/maps/order-N: the chunk pages of kho_in.maps[N], one after another. */
static ssize_t kho_in_map_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	const struct physr *pr = file->private_data;
	loff_t end = (loff_t)physr_nr_chunks(pr) << PAGE_SHIFT;
	ssize_t done = 0;

	while (count && *ppos >= 0 && *ppos < end) {
		struct kho_chunk_seek c = { .want = *ppos >> PAGE_SHIFT };
		size_t off = offset_in_page(*ppos);
		size_t n = min_t(size_t, count, PAGE_SIZE - off);

		if (physr_walk_chunks(pr, kho_chunk_seek, &c) != 1)
			break;
		if (copy_to_user(ubuf + done, phys_to_virt(c.phys) + off, n))
			return done ?: -EFAULT;
		done += n;
		count -= n;
		*ppos += n;
	}
	return done;
}

static const struct file_operations kho_in_map_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = kho_in_map_read,
	.llseek = default_llseek,
};

/*
 * in/ref_array: the pages of the reference array, one after another.  The
 * chain was checked at boot and stays reserved until kho_finish(), which
 * removes this file first.
 */
static ssize_t kho_in_ref_array_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	loff_t end = (loff_t)kho_in.ref_array_pages << PAGE_SHIFT;
	ssize_t done = 0;

	while (count && *ppos >= 0 && *ppos < end) {
		phys_addr_t phys = kho_in.ref_array;
		loff_t i = *ppos >> PAGE_SHIFT;
		size_t off = offset_in_page(*ppos);
		size_t n = min_t(size_t, count, PAGE_SIZE - off);

		while (i--)
			phys = le64_to_cpu(((struct kho_ref_array_hdr *)
					    phys_to_virt(phys))->next);
		if (copy_to_user(ubuf + done, phys_to_virt(phys) + off, n))
			return done ?: -EFAULT;
		done += n;
		count -= n;
		*ppos += n;
	}
	return done;
}

static const struct file_operations kho_in_ref_array_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = kho_in_ref_array_read,
	.llseek = default_llseek,
};

/* An incoming sub-blob shown in debugfs. */
struct kho_in_blob {
	struct list_head list;
	phys_addr_t phys;
	size_t size;
};

static LIST_HEAD(kho_in_blob_list);

static ssize_t kho_in_blob_fop_read(struct file *file, char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	struct kho_in_blob *b = file->private_data;

	return kho_in_blob_read(b->phys, b->size, ubuf, count, ppos);
}

static const struct file_operations kho_in_blob_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = kho_in_blob_fop_read,
	.llseek = default_llseek,
};

/*
 * kho_finish() frees what the incoming root and blobs show: called before
 * it does, without the restore lock (a removal waits for the readers).
 */
void kho_debugfs_in_remove(void)
{
	struct dentry *root = xchg(&kho_in_root, NULL);
	struct dentry *blobs = xchg(&kho_in_blobs, NULL);
	struct dentry *maps = xchg(&kho_in_maps, NULL);
	struct dentry *array = xchg(&kho_in_ref_array, NULL);
	struct kho_in_blob *b, *tmp;

	if (!blobs && !root && !maps && !array)
		return;
	debugfs_remove(array);
	debugfs_remove(root);
	debugfs_remove_recursive(blobs);
	debugfs_remove_recursive(maps);
	list_for_each_entry_safe(b, tmp, &kho_in_blob_list, list) {
		list_del(&b->list);
		kfree(b);
	}
}

static void __init kho_debugfs_in_init(struct dentry *in)
{
	static struct debugfs_blob_wrapper root, scratch;
	const void *fdt = kho_in.root;
	struct dentry *blobs;
	unsigned int order;
	char name[16];
	int node;

	if (!fdt)
		return;
	root.data = (void *)fdt;
	root.size = fdt_totalsize(fdt);
	kho_in_root = debugfs_create_blob("root", 0400, in, &root);
	scratch.data = kho_in.scratch;
	scratch.size = kho_in.nr_scratch * sizeof(kho_in.scratch[0]);
	debugfs_create_blob("scratch", 0400, in, &scratch);
	kho_in_maps = debugfs_create_dir("maps", in);
	for (order = 0; order < KHO_NR_ORDERS; order++) {
		struct physr *pr = &kho_in.maps[order];

		if (!physr_nr_chunks(pr))
			continue;
		snprintf(name, sizeof(name), "order-%u", order);
		debugfs_create_file_size(name, 0400, kho_in_maps, pr,
					 &kho_in_map_fops,
					 (loff_t)physr_nr_chunks(pr) << PAGE_SHIFT);
	}
	if (kho_in.ref_array_pages) {
		kho_in_ref_array = debugfs_create_file("ref_array", 0400, in,
						       NULL,
						       &kho_in_ref_array_fops);
		if (!IS_ERR(kho_in_ref_array))
			i_size_write(d_inode(kho_in_ref_array),
				     (loff_t)kho_in.ref_array_pages <<
				     PAGE_SHIFT);
	}
	blobs = debugfs_create_dir("blobs", in);
	kho_in_blobs = blobs;
	fdt_for_each_subnode(node, fdt, 0) {
		struct kho_in_blob *b;
		const char *name = fdt_get_name(fdt, node, NULL);
		const char *compat;
		phys_addr_t phys;
		size_t size;

		/* Shows only sub-blobs that lie in preserved memory. */
		compat = fdt_getprop(fdt, node, "compatible", NULL);
		if (!name || !compat ||
		    __kho_retrieve_subtree(name, compat, &phys, &size)) {
			pr_warn("sub-blob %s is malformed, not shown\n",
				name ?: "(no name)");
			continue;
		}
		b = kzalloc(sizeof(*b), GFP_KERNEL);
		if (!b)
			return;
		b->phys = phys;
		b->size = size;
		list_add(&b->list, &kho_in_blob_list);
		/* Readable until its owner restores it: kho_in_blob_read(). */
		debugfs_create_file_size(name, 0400, blobs, b,
					 &kho_in_blob_fops, size);
	}
}

static int __init kho_debugfs_init(void)
{
	struct dentry *out, *in;

	kho_dir = debugfs_create_dir("kho", NULL);
	out = debugfs_create_dir("out", kho_dir);
	in = debugfs_create_dir("in", kho_dir);
	if (kho_is_enabled()) {
		static struct debugfs_blob_wrapper scratch;
		unsigned int nr;

		debugfs_create_file("root", 0400, out, NULL,
				    &kho_out_root_fops);
		kho_out_blobs = debugfs_create_dir("blobs", out);
		scratch.data = (void *)kho_out_scratch(&nr);
		scratch.size = nr * sizeof(struct kho_scratch_abi);
		debugfs_create_blob("scratch", 0400, out, &scratch);
		debugfs_create_file("maps", 0400, out, NULL,
				    &kho_out_maps_fop_fops);
	}
	if (kho_in.root)
		kho_calibrate_cycles();
	debugfs_create_file("status", 0400, in, NULL, &kho_in_status_fops);
	debugfs_create_file("stats", 0400, in, NULL, &kho_in_stats_fops);
	kho_debugfs_in_init(in);
	return 0;
}

/* debugfs itself is registered at core_initcall time. */
late_initcall(kho_debugfs_init);
