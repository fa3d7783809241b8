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
 * Knobs: fail_freeze = N makes the N-th freeze from now fail with -EIO
 * (one shot); stats shows how often each op ran.
 */
#define pr_fmt(fmt) "liveupdate_test: " fmt

#include <linux/anon_inodes.h>
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/liveupdate.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define LUO_TEST_NEW		_IO(0xBA, 0xF0)
#define LUO_TEST_VERSION	_IO(0xBA, 0xF1)
#define LUO_TEST_MAX_SIZE	SZ_1M
#define LUO_TEST_COMPAT		"liveupdate-test"
#define LUO_TEST_COMPAT_FUTURE	"liveupdate-test-future"
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
	bool preserved;
	struct folio *folios[LIVEUPDATE_MAX_VERSIONS];
};

static struct {
	atomic_t preserve, unpreserve, freeze, unfreeze, retrieve;
	atomic_t finish_retrieved, finish_released;
} luo_test_stats;

static u32 luo_test_fail_freeze;

static const struct file_operations luo_test_obj_fops;
static struct liveupdate_file_handler luo_test_handlers[2];

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

	if (cmd != LUO_TEST_VERSION)
		return -ENOTTY;
	return obj->version;
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
	obj = luo_test_obj_alloc(0);
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

/* One handler per object kind. */
static struct liveupdate_file_handler luo_test_handlers[2] = {
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
};

static long luo_test_control_ioctl(struct file *file, unsigned int cmd,
				   unsigned long arg)
{
	struct luo_test_obj *obj;
	struct file *objf;
	int fd;

	if (cmd != LUO_TEST_NEW)
		return -ENOTTY;
	if (arg > 1)
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
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(luo_test_stats);

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
	return 0;
}
late_initcall(luo_test_init);
