// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: a test-only file handler.
 *
 * /sys/kernel/debug/liveupdate_test/control hands out test objects: the
 * ioctl LUO_TEST_NEW returns a new file descriptor for an object holding
 * a data blob (read, write, lseek; at most LUO_TEST_MAX_SIZE bytes).
 * Objects of kind 0 ("liveupdate-test") are written in two versions, each
 * in its own preserved folio:
 *   v2: le32 magic "LTv2", le32 length, le32 checksum, data
 *   v1: le32 magic "LTv1", le32 length, data
 * and read in either; the next kernel restores only the version it reads
 * and leaves the other to KHO's finish step.  LUO_TEST_VERSION on an
 * object gives the version it was retrieved from (0 for a new object).
 * Objects of kind 1 ("liveupdate-test-future") are written in version 9
 * only, which no handler reads: the next kernel must report and release
 * them.
 *
 * Objects of kind 2 ("liveupdate-test-array") are preserved as a
 * luo_array of 40-byte elements (le32 index, le32 length, 32 bytes of
 * blob), version 1; LUO_TEST_CORRUPT on such an object picks a way to
 * damage its array at freeze, so that the next kernel's
 * luo_array_restore() meets a malformed handle.  Before the real restore,
 * retrieve also asks for the array with a wrong element size, which must
 * fail and take nothing.
 *
 * Knobs: fail_freeze = N makes the N-th freeze from now fail with -EIO
 * (one shot); corrupt_state = N damages LUO's own state at the next
 * kexec in way N (one shot, see LUO_TEST_CORRUPT_STATE_* below);
 * corrupt_memfd takes "<token> <how>" to damage a memfd record at the
 * next kexec (see luo_test_memfd_damage[]); stats shows how often each op
 * ran.  The damage is done by a reboot notifier of this module, to the
 * handover as written, never by the code that writes it.
 */
#define pr_fmt(fmt) "liveupdate_test: " fmt

#include <linux/anon_inodes.h>
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/libfdt.h>
#include <linux/liveupdate.h>
#include <linux/memfd_luo_abi.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "kho_internal.h"
#include "luo_internal.h"

#define LUO_TEST_NEW		_IO(0xBA, 0xF0)
#define LUO_TEST_VERSION	_IO(0xBA, 0xF1)
#define LUO_TEST_CORRUPT	_IO(0xBA, 0xF2)
#define LUO_TEST_MAX_SIZE	SZ_1M
#define LUO_TEST_COMPAT		"liveupdate-test"
#define LUO_TEST_COMPAT_FUTURE	"liveupdate-test-future"
#define LUO_TEST_COMPAT_ARRAY	"liveupdate-test-array"

enum luo_test_kind {
	LUO_TEST_KIND_NORMAL,
	LUO_TEST_KIND_FUTURE,
	LUO_TEST_KIND_ARRAY,
	LUO_TEST_NR_KINDS,
};

/* How LUO_TEST_CORRUPT damages an array object at freeze. */
enum luo_test_corrupt {
	LUO_TEST_CORRUPT_NONE,
	LUO_TEST_CORRUPT_MAGIC,		/* header magic */
	LUO_TEST_CORRUPT_VERSION,	/* header version */
	LUO_TEST_CORRUPT_ELEM_SIZE,	/* header element size */
	LUO_TEST_CORRUPT_NR_PAGES,	/* page count disagrees with nr */
	LUO_TEST_CORRUPT_CYCLE,		/* physr chain points to itself */
	LUO_TEST_CORRUPT_UNALIGNED,	/* handle not page aligned */
	LUO_TEST_CORRUPT_FOREIGN,	/* an element page not preserved */
	LUO_TEST_CORRUPT_ZERO,		/* handle 0 */
	LUO_TEST_CORRUPT_WRAP,		/* nr rounds up past 2^64, no pages */
	LUO_TEST_CORRUPT_PACKED,	/* page list chunk in layout version 2 */
	LUO_TEST_NR_CORRUPT,
};

/* One element of an array object. */
struct luo_test_elem {
	__le32 index;
	__le32 len;
	u8 bytes[32];
};

#define LUO_TEST_MAGIC_V1	0x31765f4cU	/* "LTv1" */
#define LUO_TEST_MAGIC_V2	0x32765f4cU	/* "LTv2" */

struct luo_test_hdr {
	__le32 magic;
	__le32 len;
	__le32 csum;	/* v2 only */
};

#define LUO_TEST_HDR_V1		8
#define LUO_TEST_HDR_V2		12

struct luo_test_obj {
	struct mutex lock;	/* serialises the blob and the folios */
	unsigned int kind;
	void *data;
	u32 size;
	u32 cap;
	u32 version;	/* retrieved from; 0 when new */
	u32 corrupt;	/* enum luo_test_corrupt, array objects */
	bool preserved;
	struct luo_array arr;	/* array objects */
	struct page *foreign;	/* LUO_TEST_CORRUPT_FOREIGN */
	struct folio *folios[LIVEUPDATE_MAX_VERSIONS];
};

static struct {
	atomic_t preserve, unpreserve, freeze, unfreeze, retrieve;
	atomic_t finish_retrieved, finish_released;
	atomic_t array_wrong_size_rejected, array_rejected;
} luo_test_stats;

static u32 luo_test_fail_freeze;

static const struct file_operations luo_test_obj_fops;
static struct liveupdate_file_handler luo_test_handlers[LUO_TEST_NR_KINDS];

static struct luo_test_obj *luo_test_obj_alloc(unsigned int kind)
{
	struct luo_test_obj *obj = kzalloc(sizeof(*obj), GFP_KERNEL);

	if (!obj)
		return NULL;
	mutex_init(&obj->lock);
	obj->kind = kind;
	return obj;
}

static void luo_test_obj_free(struct luo_test_obj *obj)
{
	if (obj->foreign)
		__free_page(obj->foreign);
	kvfree(obj->data);
	kfree(obj);
}

static struct file *luo_test_obj_file(struct luo_test_obj *obj)
{
	struct file *file;

	file = anon_inode_getfile("[liveupdate_test]", &luo_test_obj_fops,
				  obj, O_RDWR);
	if (!IS_ERR(file))
		file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	return file;
}

static ssize_t luo_test_obj_read(struct file *file, char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct luo_test_obj *obj = file->private_data;
	ssize_t ret;

	mutex_lock(&obj->lock);
	ret = simple_read_from_buffer(buf, count, ppos, obj->data, obj->size);
	mutex_unlock(&obj->lock);
	return ret;
}

/* Writes may change the blob; once preserved, it may not grow. */
static ssize_t luo_test_obj_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct luo_test_obj *obj = file->private_data;
	loff_t pos = *ppos;
	ssize_t ret;

	mutex_lock(&obj->lock);
	ret = -EFBIG;
	if (pos < 0 || pos >= LUO_TEST_MAX_SIZE ||
	    count > LUO_TEST_MAX_SIZE - pos)
		goto out;
	ret = -EBUSY;
	if (obj->preserved && pos + count > obj->size)
		goto out;
	if (pos + count > obj->cap) {
		size_t cap = PAGE_ALIGN(pos + count);
		void *data = kvzalloc(cap, GFP_KERNEL);

		ret = -ENOMEM;
		if (!data)
			goto out;
		if (obj->data)
			memcpy(data, obj->data, obj->size);
		kvfree(obj->data);
		obj->data = data;
		obj->cap = cap;
	}
	ret = -EFAULT;
	if (copy_from_user(obj->data + pos, buf, count))
		goto out;
	if (pos + count > obj->size)
		obj->size = pos + count;
	*ppos = pos + count;
	ret = count;
out:
	mutex_unlock(&obj->lock);
	return ret;
}

static long luo_test_obj_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct luo_test_obj *obj = file->private_data;

	switch (cmd) {
	case LUO_TEST_VERSION:
		return obj->version;
	case LUO_TEST_CORRUPT:
		if (obj->kind != LUO_TEST_KIND_ARRAY ||
		    arg >= LUO_TEST_NR_CORRUPT)
			return -EINVAL;
		obj->corrupt = arg;
		return 0;
	default:
		return -ENOTTY;
	}
}

static int luo_test_obj_release(struct inode *inode, struct file *file)
{
	luo_test_obj_free(file->private_data);
	return 0;
}

static const struct file_operations luo_test_obj_fops = {
	.owner = THIS_MODULE,
	.read = luo_test_obj_read,
	.write = luo_test_obj_write,
	.llseek = default_llseek,
	.unlocked_ioctl = luo_test_obj_ioctl,
	.release = luo_test_obj_release,
};

static bool luo_test_can_preserve(struct liveupdate_file_handler *handler,
				  struct file *file)
{
	struct luo_test_obj *obj = file->private_data;

	return file->f_op == &luo_test_obj_fops &&
	       handler == &luo_test_handlers[obj->kind];
}

static u32 luo_test_hdr_size(u32 version)
{
	return version == 1 ? LUO_TEST_HDR_V1 : LUO_TEST_HDR_V2;
}

/* Write the blob into the folio of each version.  Under obj->lock. */
static void luo_test_write_versions(struct luo_test_obj *obj,
				    struct liveupdate_file_op_args *args)
{
	unsigned int i;

	for (i = 0; i < args->nr_versions; i++) {
		struct luo_test_hdr *hdr = folio_address(obj->folios[i]);
		u32 v = args->version[i];
		void *body = (void *)hdr + luo_test_hdr_size(v);

		if (obj->size)
			memcpy(body, obj->data, obj->size);
		hdr->magic = cpu_to_le32(v == 1 ? LUO_TEST_MAGIC_V1 :
					 LUO_TEST_MAGIC_V2);
		hdr->len = cpu_to_le32(obj->size);
		if (v != 1)
			hdr->csum = cpu_to_le32(crc32_le(0, body, obj->size));
	}
}

static void luo_test_drop_folios(struct luo_test_obj *obj, unsigned int n,
				 bool preserved)
{
	while (n--) {
		if (preserved)
			kho_unpreserve_folio(obj->folios[n]);
		folio_put(obj->folios[n]);
		obj->folios[n] = NULL;
	}
}

static int luo_test_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;
	unsigned int i, order;
	int ret = 0;

	mutex_lock(&obj->lock);
	order = get_order(obj->size + LUO_TEST_HDR_V2);
	for (i = 0; i < args->nr_versions; i++) {
		obj->folios[i] = folio_alloc(GFP_KERNEL | __GFP_ZERO, order);
		if (!obj->folios[i]) {
			ret = -ENOMEM;
			break;
		}
		ret = kho_preserve_folio(obj->folios[i]);
		if (ret) {
			folio_put(obj->folios[i]);
			obj->folios[i] = NULL;
			break;
		}
		args->data[i] = PFN_PHYS(folio_pfn(obj->folios[i]));
	}
	if (ret) {
		luo_test_drop_folios(obj, i, true);
	} else {
		luo_test_write_versions(obj, args);
		obj->preserved = true;
		atomic_inc(&luo_test_stats.preserve);
	}
	mutex_unlock(&obj->lock);
	return ret;
}

static void luo_test_unpreserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;

	mutex_lock(&obj->lock);
	luo_test_drop_folios(obj, args->nr_versions, true);
	obj->preserved = false;
	mutex_unlock(&obj->lock);
	atomic_inc(&luo_test_stats.unpreserve);
}

/* The final contents go into the folios. */
static int luo_test_freeze(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;

	if (luo_test_fail_freeze && !--luo_test_fail_freeze)
		return -EIO;
	mutex_lock(&obj->lock);
	luo_test_write_versions(obj, args);
	mutex_unlock(&obj->lock);
	atomic_inc(&luo_test_stats.freeze);
	return 0;
}

static void luo_test_unfreeze(struct liveupdate_file_op_args *args)
{
	atomic_inc(&luo_test_stats.unfreeze);
}

static int luo_test_retrieve(struct liveupdate_file_op_args *args)
{
	u32 v = args->version[0], hsize = luo_test_hdr_size(v), len;
	struct luo_test_hdr *hdr;
	struct luo_test_obj *obj;
	struct folio *folio;
	struct file *file;
	int ret = -EINVAL;

	folio = kho_restore_folio(args->data[0]);
	if (!folio)
		return -EINVAL;
	hdr = folio_address(folio);
	len = le32_to_cpu(hdr->len);
	if (le32_to_cpu(hdr->magic) !=
	    (v == 1 ? LUO_TEST_MAGIC_V1 : LUO_TEST_MAGIC_V2) ||
	    len > LUO_TEST_MAX_SIZE || len > folio_size(folio) - hsize ||
	    (v != 1 && le32_to_cpu(hdr->csum) !=
	     crc32_le(0, (void *)hdr + hsize, len))) {
		pr_warn("object v%u malformed\n", v);
		goto out;
	}
	ret = -ENOMEM;
	obj = luo_test_obj_alloc(LUO_TEST_KIND_NORMAL);
	if (!obj)
		goto out;
	obj->data = kvmalloc(max(len, 1U), GFP_KERNEL);
	if (!obj->data) {
		luo_test_obj_free(obj);
		goto out;
	}
	obj->cap = max(len, 1U);
	memcpy(obj->data, (void *)hdr + hsize, len);
	obj->size = len;
	obj->version = v;
	file = luo_test_obj_file(obj);
	if (IS_ERR(file)) {
		luo_test_obj_free(obj);
		ret = PTR_ERR(file);
		goto out;
	}
	args->file = file;
	atomic_inc(&luo_test_stats.retrieve);
	ret = 0;
out:
	/* The data was copied: the preserved folio is not needed any more. */
	folio_put(folio);
	return ret;
}

static void luo_test_finish(struct liveupdate_file_op_args *args)
{
	struct folio *folio;

	if (args->retrieved) {
		atomic_inc(&luo_test_stats.finish_retrieved);
		return;
	}
	folio = kho_restore_folio(args->data[0]);
	if (folio)
		folio_put(folio);
	atomic_inc(&luo_test_stats.finish_released);
}

/* Array objects: the blob in 32-byte pieces of a luo_array. */
static void luo_test_array_fill(struct luo_test_obj *obj)
{
	u64 i;

	for (i = 0; i < obj->arr.nr; i++) {
		struct luo_test_elem *e = luo_array_elem(&obj->arr, i);
		u32 off = i * sizeof(e->bytes);
		u32 len = min_t(u32, sizeof(e->bytes), obj->size - off);

		e->index = cpu_to_le32(i);
		e->len = cpu_to_le32(len);
		memcpy(e->bytes, obj->data + off, len);
	}
}

static int luo_test_array_preserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;
	int ret;

	mutex_lock(&obj->lock);
	ret = luo_array_alloc(&obj->arr, sizeof(struct luo_test_elem),
			      DIV_ROUND_UP(obj->size, 32));
	if (!ret) {
		luo_test_array_fill(obj);
		args->data[0] = luo_array_handle(&obj->arr);
		obj->preserved = true;
		atomic_inc(&luo_test_stats.preserve);
	}
	mutex_unlock(&obj->lock);
	return ret;
}

static void luo_test_array_unpreserve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;

	mutex_lock(&obj->lock);
	luo_array_free(&obj->arr);
	obj->preserved = false;
	mutex_unlock(&obj->lock);
	atomic_inc(&luo_test_stats.unpreserve);
}

/* Damage the handed-over array as asked (test of the reader only). */
static void luo_test_array_corrupt(struct luo_test_obj *obj,
				   struct liveupdate_file_op_args *args)
{
	struct luo_array_hdr *hdr = phys_to_virt(args->data[0]);
	struct physr_chunk *chunk;

	switch (obj->corrupt) {
	case LUO_TEST_CORRUPT_MAGIC:
		hdr->magic ^= cpu_to_le32(1);
		break;
	case LUO_TEST_CORRUPT_VERSION:
		/* The next version, which no kernel reads yet. */
		hdr->version = cpu_to_le32(LUO_ARRAY_VERSION + 1);
		break;
	case LUO_TEST_CORRUPT_ELEM_SIZE:
		hdr->elem_size = cpu_to_le32(41);
		break;
	case LUO_TEST_CORRUPT_NR_PAGES:
		le64_add_cpu(&hdr->nr_pages, 1);
		break;
	case LUO_TEST_CORRUPT_CYCLE:
		chunk = phys_to_virt(le64_to_cpu(hdr->pages));
		chunk->hdr.next = hdr->pages;
		break;
	case LUO_TEST_CORRUPT_UNALIGNED:
		args->data[0] += 8;
		break;
	case LUO_TEST_CORRUPT_FOREIGN:
		obj->foreign = alloc_page(GFP_KERNEL);
		chunk = phys_to_virt(le64_to_cpu(hdr->pages));
		if (obj->foreign)
			chunk->ranges[0].phys =
				cpu_to_le64(page_to_phys(obj->foreign));
		break;
	case LUO_TEST_CORRUPT_ZERO:
		args->data[0] = 0;
		break;
	case LUO_TEST_CORRUPT_WRAP:
		/*
		 * nr + per_page - 1 wraps to 0 pages: an empty page list that
		 * a reader with unchecked rounding takes for nr elements.
		 */
		hdr->nr = cpu_to_le64(U64_MAX - PAGE_SIZE / le32_to_cpu(hdr->elem_size) + 2);
		hdr->nr_pages = 0;
		hdr->pages = 0;
		break;
	case LUO_TEST_CORRUPT_PACKED:
		chunk = phys_to_virt(le64_to_cpu(hdr->pages));
		if (!kho_test_pack_chunk(chunk))
			pr_err("test: the array's page list cannot be packed\n");
		break;
	}
}

static int luo_test_array_freeze(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj = args->file->private_data;

	if (luo_test_fail_freeze && !--luo_test_fail_freeze)
		return -EIO;
	mutex_lock(&obj->lock);
	luo_test_array_fill(obj);
	luo_test_array_corrupt(obj, args);
	mutex_unlock(&obj->lock);
	atomic_inc(&luo_test_stats.freeze);
	return 0;
}

static int luo_test_array_retrieve(struct liveupdate_file_op_args *args)
{
	struct luo_test_obj *obj;
	struct luo_array arr;
	struct file *file;
	u32 size = 0;
	u64 i;
	int ret;

	/* A wrong element size must be refused, and take nothing. */
	ret = luo_array_restore(&arr, args->data[0], 24);
	if (!ret) {
		luo_array_release(&arr);
		return -EBADMSG;
	}
	atomic_inc(&luo_test_stats.array_wrong_size_rejected);

	ret = luo_array_restore(&arr, args->data[0],
				sizeof(struct luo_test_elem));
	if (ret) {
		atomic_inc(&luo_test_stats.array_rejected);
		pr_info("array rejected: %d\n", ret);
		return ret;
	}
	ret = -ENOMEM;
	obj = luo_test_obj_alloc(LUO_TEST_KIND_ARRAY);
	if (!obj)
		goto out;
	obj->data = kvzalloc(max_t(u64, arr.nr * 32, 1), GFP_KERNEL);
	if (!obj->data)
		goto out_obj;
	obj->cap = max_t(u64, arr.nr * 32, 1);
	ret = -EINVAL;
	for (i = 0; i < arr.nr; i++) {
		struct luo_test_elem *e = luo_array_elem(&arr, i);
		u32 len = le32_to_cpu(e->len);

		if (le32_to_cpu(e->index) != i || len > sizeof(e->bytes))
			goto out_obj;
		memcpy(obj->data + size, e->bytes, len);
		size += len;
	}
	obj->size = size;
	obj->version = args->version[0];
	file = luo_test_obj_file(obj);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_obj;
	}
	args->file = file;
	atomic_inc(&luo_test_stats.retrieve);
	ret = 0;
	goto out;
out_obj:
	luo_test_obj_free(obj);
out:
	luo_array_release(&arr);
	return ret;
}

static const struct liveupdate_file_ops luo_test_array_ops = {
	.can_preserve = luo_test_can_preserve,
	.preserve = luo_test_array_preserve,
	.unpreserve = luo_test_array_unpreserve,
	.freeze = luo_test_array_freeze,
	.unfreeze = luo_test_unfreeze,
	.retrieve = luo_test_array_retrieve,
};

static const struct liveupdate_file_ops luo_test_ops = {
	.can_preserve = luo_test_can_preserve,
	.preserve = luo_test_preserve,
	.unpreserve = luo_test_unpreserve,
	.freeze = luo_test_freeze,
	.unfreeze = luo_test_unfreeze,
	.retrieve = luo_test_retrieve,
	.finish = luo_test_finish,
};

static const u32 luo_test_write_versions_list[] = { 2, 1 };
static const u32 luo_test_read_versions_list[] = { 1, 2 };
static const u32 luo_test_future_versions[] = { 9 };
static const u32 luo_test_array_versions[] = { 1 };

/* One handler per object kind. */
static struct liveupdate_file_handler luo_test_handlers[LUO_TEST_NR_KINDS] = {
	{
		.ops = &luo_test_ops,
		.compatible = LUO_TEST_COMPAT,
		.write_versions = luo_test_write_versions_list,
		.nr_write_versions = ARRAY_SIZE(luo_test_write_versions_list),
		.read_versions = luo_test_read_versions_list,
		.nr_read_versions = ARRAY_SIZE(luo_test_read_versions_list),
		.owner = THIS_MODULE,
	},
	{
		.ops = &luo_test_ops,
		.compatible = LUO_TEST_COMPAT_FUTURE,
		.write_versions = luo_test_future_versions,
		.nr_write_versions = ARRAY_SIZE(luo_test_future_versions),
		.owner = THIS_MODULE,
	},
	{
		.ops = &luo_test_array_ops,
		.compatible = LUO_TEST_COMPAT_ARRAY,
		.write_versions = luo_test_array_versions,
		.nr_write_versions = ARRAY_SIZE(luo_test_array_versions),
		.read_versions = luo_test_array_versions,
		.nr_read_versions = ARRAY_SIZE(luo_test_array_versions),
		.owner = THIS_MODULE,
	},
};

static long luo_test_control_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	struct luo_test_obj *obj;
	struct file *objf;
	int fd;

	if (cmd != LUO_TEST_NEW)
		return -ENOTTY;
	if (arg >= LUO_TEST_NR_KINDS)
		return -EINVAL;
	obj = luo_test_obj_alloc(arg);
	if (!obj)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		luo_test_obj_free(obj);
		return fd;
	}
	objf = luo_test_obj_file(obj);
	if (IS_ERR(objf)) {
		put_unused_fd(fd);
		luo_test_obj_free(obj);
		return PTR_ERR(objf);
	}
	fd_install(fd, objf);
	return fd;
}

static const struct file_operations luo_test_control_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = luo_test_control_ioctl,
};

static int luo_test_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "preserve %d\n", atomic_read(&luo_test_stats.preserve));
	seq_printf(m, "unpreserve %d\n",
		   atomic_read(&luo_test_stats.unpreserve));
	seq_printf(m, "freeze %d\n", atomic_read(&luo_test_stats.freeze));
	seq_printf(m, "unfreeze %d\n", atomic_read(&luo_test_stats.unfreeze));
	seq_printf(m, "retrieve %d\n", atomic_read(&luo_test_stats.retrieve));
	seq_printf(m, "finish_retrieved %d\n",
		   atomic_read(&luo_test_stats.finish_retrieved));
	seq_printf(m, "finish_released %d\n",
		   atomic_read(&luo_test_stats.finish_released));
	seq_printf(m, "array_wrong_size_rejected %d\n",
		   atomic_read(&luo_test_stats.array_wrong_size_rejected));
	seq_printf(m, "array_rejected %d\n",
		   atomic_read(&luo_test_stats.array_rejected));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_test_stats);

/*
 * Damage to what this kernel hands over, for the tests of the next
 * kernel's checks: applied from a reboot notifier, once the state and the
 * handover are written for good, to the handed-over bytes found the way
 * the next kernel finds them (KHO root, LUO state, arrays, records).
 * Nothing of it is in the code that writes them.
 *
 * corrupt_state = N damages LUO's state in way N (one shot).
 * corrupt_memfd: each write "<token> <how>" damages the version 2 record
 * (or, for a "v3..." way, the version 3 record) of the memfd preserved
 * under <token> (any session).
 */
enum {
	LUO_TEST_CORRUPT_STATE_NONE,
	LUO_TEST_CORRUPT_STATE_MAGIC,
	LUO_TEST_CORRUPT_STATE_VERSION,
	LUO_TEST_CORRUPT_STATE_FILE_RANGE,
	LUO_TEST_CORRUPT_STATE_DUP_NAME,
	LUO_TEST_CORRUPT_STATE_NR_VERSIONS,
	LUO_TEST_CORRUPT_STATE_DUP_TOKEN,
	LUO_TEST_CORRUPT_STATE_NAME_NUL,
};

static u32 luo_test_corrupt_state;

/*
 * The first LUO_TEST_MEMFD_V3_FIRST damage the version 2 record, the
 * others ("v3...") the version 3 record.
 */
static const char * const luo_test_memfd_damage[] = {
	"magic", "count", "array", "range", "order", "phys", "bigorder",
	"reserved",
	"v3magic", "v3listpages", "v3segrange", "v3segorder", "v3listfirst",
	"v3listshare", "v3segsum",
};

#define LUO_TEST_MEMFD_V3_FIRST	8

#define LUO_TEST_MAX_MEMFD_DAMAGE	16

static struct {
	u64 token;
	int how;
} luo_test_memfd_todo[LUO_TEST_MAX_MEMFD_DAMAGE];
static unsigned int luo_test_nr_memfd_todo;
static DEFINE_MUTEX(luo_test_damage_lock);

/* LUO's state as handed over at the kexec under way, or NULL. */
static struct luo_state_abi *luo_test_out_state(void)
{
	void *root = kho_out_root_final();
	const fdt64_t *p;
	int node, len;

	if (!root)
		return NULL;
	node = fdt_subnode_offset(root, 0, LUO_KHO_NAME);
	p = node < 0 ? NULL : fdt_getprop(root, node, KHO_FDT_PROP_BLOB_PHYS,
					  &len);
	if (!p || len != sizeof(*p))
		return NULL;
	return phys_to_virt(fdt64_to_cpu(*p));
}

/* Element @i of a handed-over array, through its handle; NULL if none. */
static void *luo_test_peek(u64 handle, u64 i)
{
	struct luo_array_hdr *hdr;
	struct physr_chunk *chunk;
	u64 pg, off, phys;
	u32 size, r;

	if (!handle)
		return NULL;
	hdr = phys_to_virt(handle);
	size = le32_to_cpu(hdr->elem_size);
	if (!size || size > PAGE_SIZE || i >= le64_to_cpu(hdr->nr))
		return NULL;
	pg = div_u64(i, PAGE_SIZE / size);
	off = (i - pg * (PAGE_SIZE / size)) * size;
	for (phys = le64_to_cpu(hdr->pages); phys;
	     phys = le64_to_cpu(chunk->hdr.next)) {
		chunk = phys_to_virt(phys);
		for (r = 0; r < le32_to_cpu(chunk->hdr.count); r++) {
			u64 n = le64_to_cpu(chunk->ranges[r].len) >> PAGE_SHIFT;

			if (pg < n)
				return phys_to_virt(le64_to_cpu(chunk->ranges[r].phys) +
						    (pg << PAGE_SHIFT) + off);
			pg -= n;
		}
	}
	return NULL;
}

static void luo_test_damage_state(struct luo_state_abi *state, u32 how)
{
	struct luo_session_abi *s0 = luo_test_peek(le64_to_cpu(state->sessions), 0);
	struct luo_session_abi *s1 = luo_test_peek(le64_to_cpu(state->sessions), 1);
	struct luo_file_abi *f0 = luo_test_peek(le64_to_cpu(state->files), 0);
	struct luo_file_abi *f1 = luo_test_peek(le64_to_cpu(state->files), 1);

	switch (how) {
	case LUO_TEST_CORRUPT_STATE_MAGIC:
		state->magic ^= cpu_to_le32(1);
		break;
	case LUO_TEST_CORRUPT_STATE_VERSION:
		le32_add_cpu(&state->version, 1);
		break;
	case LUO_TEST_CORRUPT_STATE_FILE_RANGE:
		if (s0)
			le64_add_cpu(&s0->nr_files, 1000);
		break;
	case LUO_TEST_CORRUPT_STATE_DUP_NAME:
		if (s0 && s1)
			memcpy(s1->name, s0->name, sizeof(s1->name));
		break;
	case LUO_TEST_CORRUPT_STATE_NR_VERSIONS:
		if (f0)
			f0->nr_versions = 0;
		break;
	case LUO_TEST_CORRUPT_STATE_DUP_TOKEN:
		if (f0 && f1)
			f1->token = f0->token;
		break;
	case LUO_TEST_CORRUPT_STATE_NAME_NUL:
		if (s0)
			memset(s0->name, 'x', sizeof(s0->name));
		break;
	default:
		return;
	}
	pr_info("test: damaged the handed-over state (way %u)\n", how);
}

/* The version @version record of the memfd @f, or NULL. */
static struct memfd_luo_hdr *luo_test_memfd_record(struct luo_file_abi *f,
						   u32 version)
{
	unsigned int v;

	for (v = 0; v < le32_to_cpu(f->nr_versions) &&
	     v < LIVEUPDATE_MAX_VERSIONS; v++)
		if (le32_to_cpu(f->version[v]) == version)
			return phys_to_virt(le64_to_cpu(f->data[v]));
	return NULL;
}

/*
 * Version 3: the header (and the list references after it, in the same
 * page), and the first segment.  Each damage but the magic keeps the
 * header's own checks passing (the counts are moved together), so that
 * the check behind it is the one that refuses the record.
 */
static bool luo_test_damage_memfd_v3(struct memfd_luo_hdr *h, int how)
{
	struct memfd_luo_v3_lists *refs = (void *)h + MEMFD_LUO_V3_LISTS;
	struct memfd_luo_list_ref *ref = refs->lists;
	struct memfd_luo_seg *seg = luo_test_peek(le64_to_cpu(h->entries), 0);
	u64 n0 = le64_to_cpu(ref[0].nr_pages);

	/* The test memfds are of 4 KiB folios: one list, of order 0. */
	if (!seg || !ref[0].first || ref[1].first)
		return false;
	switch (how - LUO_TEST_MEMFD_V3_FIRST) {
	case 0:		/* v3magic */
		h->magic = cpu_to_le64(MEMFD_LUO_MAGIC ^ 1);
		break;
	case 1:		/* v3listpages: the list holds one page less */
		le64_add_cpu(&ref[0].nr_pages, 1);
		le64_add_cpu(&h->nr_pages, 1);
		break;
	case 2:		/* v3segrange: a segment beyond the end of the file */
		seg->index = cpu_to_le64(DIV_ROUND_UP(le64_to_cpu(h->size),
						      PAGE_SIZE));
		break;
	case 3:		/* v3segorder: an order no page allocator has */
		seg->order = cpu_to_le32(MAX_PAGE_ORDER + 1);
		break;
	case 4:		/* v3listfirst: the first MiB of x86 is never preserved */
		ref[0].first = cpu_to_le64(SZ_512K);
		break;
	case 5:		/* v3listshare: the list of order 1 is that of order 0 */
		ref[1] = ref[0];
		le64_add_cpu(&h->nr_pages, n0);
		break;
	case 6:		/* v3segsum: the segments hold one page less than the list */
		if (le32_to_cpu(seg->nr_pages) < 2)
			return false;
		seg->nr_pages = cpu_to_le32(le32_to_cpu(seg->nr_pages) - 1);
		break;
	default:
		return false;
	}
	return true;
}

static void luo_test_damage_memfd(struct luo_file_abi *f, int how)
{
	struct memfd_luo_hdr *h;
	struct memfd_luo_run *run;

	if (how >= LUO_TEST_MEMFD_V3_FIRST) {
		h = luo_test_memfd_record(f, MEMFD_LUO_V3);
		if (h && luo_test_damage_memfd_v3(h, how))
			pr_info("test: damaged the v3 record of memfd token %llu: %s\n",
				le64_to_cpu(f->token), luo_test_memfd_damage[how]);
		else
			pr_warn("test: memfd token %llu: no v3 record of 4 KiB folios to damage (%s)\n",
				le64_to_cpu(f->token), luo_test_memfd_damage[how]);
		return;
	}
	h = luo_test_memfd_record(f, MEMFD_LUO_V2);
	if (!h)
		return;
	run = luo_test_peek(le64_to_cpu(h->entries), 0);
	switch (how) {
	case 0:		/* magic */
		h->magic = cpu_to_le64(MEMFD_LUO_MAGIC ^ 1);
		break;
	case 1:		/* count */
		le64_add_cpu(&h->nr_pages, 1);
		break;
	case 2:		/* array */
		le64_add_cpu(&h->entries, PAGE_SIZE);
		break;
	case 3:		/* range: an entry beyond the end of the file */
		if (run)
			run->index = cpu_to_le64(DIV_ROUND_UP(le64_to_cpu(h->size),
							      PAGE_SIZE));
		break;
	case 4:		/* order */
		if (run)
			run->order = cpu_to_le32(MAX_PAGE_ORDER + 1);
		break;
	case 5:		/* phys: the first MiB of x86 is never preserved */
		if (run)
			run->phys = cpu_to_le64(SZ_512K);
		break;
	case 6:		/* bigorder: an order the allocator has, shmem not */
		if (run)
			run->order = cpu_to_le32(MAX_PAGE_ORDER);
		break;
	case 7:		/* reserved: what a freeze timestamp looked like */
		h->reserved[1] = cpu_to_le64(0x123456789ULL);
		break;
	}
	pr_info("test: damaged the v2 record of memfd token %llu: %s\n",
		le64_to_cpu(f->token), luo_test_memfd_damage[how]);
}

static int luo_test_reboot(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct luo_state_abi *state = luo_test_out_state();
	unsigned int i, j;
	u64 nr_files;

	if (!state)
		return NOTIFY_DONE;
	mutex_lock(&luo_test_damage_lock);
	nr_files = le64_to_cpu(state->nr_files);
	for (j = 0; j < luo_test_nr_memfd_todo; j++) {
		for (i = 0; i < nr_files; i++) {
			struct luo_file_abi *f = luo_test_peek(le64_to_cpu(state->files), i);

			if (f && !strcmp(f->compatible, "memfd") &&
			    le64_to_cpu(f->token) == luo_test_memfd_todo[j].token)
				luo_test_damage_memfd(f, luo_test_memfd_todo[j].how);
		}
	}
	luo_test_nr_memfd_todo = 0;
	/* Last: the state itself, which the lookups above read. */
	luo_test_damage_state(state, luo_test_corrupt_state);
	luo_test_corrupt_state = 0;
	mutex_unlock(&luo_test_damage_lock);
	return NOTIFY_DONE;
}

static struct notifier_block luo_test_reboot_nb = {
	.notifier_call = luo_test_reboot,
};

static ssize_t luo_test_corrupt_memfd_write(struct file *file,
					    const char __user *ubuf,
					    size_t count, loff_t *ppos)
{
	char buf[64], how[16];
	u64 token;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
	if (sscanf(buf, "%llu %15s", &token, how) != 2)
		return -EINVAL;
	ret = match_string(luo_test_memfd_damage,
			   ARRAY_SIZE(luo_test_memfd_damage), how);
	if (ret < 0)
		return ret;
	mutex_lock(&luo_test_damage_lock);
	if (luo_test_nr_memfd_todo == LUO_TEST_MAX_MEMFD_DAMAGE) {
		mutex_unlock(&luo_test_damage_lock);
		return -ENOSPC;
	}
	luo_test_memfd_todo[luo_test_nr_memfd_todo].token = token;
	luo_test_memfd_todo[luo_test_nr_memfd_todo++].how = ret;
	mutex_unlock(&luo_test_damage_lock);
	return count;
}

static const struct file_operations luo_test_corrupt_memfd_fops = {
	.owner = THIS_MODULE,
	.write = luo_test_corrupt_memfd_write,
	.llseek = noop_llseek,
};

static int __init luo_test_init(void)
{
	struct dentry *dir;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(luo_test_handlers); i++) {
		ret = liveupdate_register_file_handler(&luo_test_handlers[i]);
		if (ret) {
			pr_err("cannot register %s: %d\n",
			       luo_test_handlers[i].compatible, ret);
			return ret;
		}
	}
	dir = debugfs_create_dir("liveupdate_test", NULL);
	debugfs_create_file("control", 0600, dir, NULL,
			    &luo_test_control_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &luo_test_stats_fops);
	debugfs_create_u32("fail_freeze", 0600, dir, &luo_test_fail_freeze);
	debugfs_create_u32("corrupt_state", 0600, dir, &luo_test_corrupt_state);
	debugfs_create_file("corrupt_memfd", 0200, dir, NULL,
			    &luo_test_corrupt_memfd_fops);
	register_reboot_notifier(&luo_test_reboot_nb);
	return 0;
}
late_initcall(luo_test_init);
