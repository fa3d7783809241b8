// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs file behind each test-only physr benchmark (physr_bench.h).
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "physr_bench.h"

static ssize_t physr_bench_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct physr_bench_file *bf = file->private_data;
	unsigned long uaddr;
	char buf[64];
	size_t len;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%lx %zx", &uaddr, &len) != 2)
		return -EINVAL;

	mutex_lock(&bf->lock);
	bf->result[0] = '\0';
	ret = bf->run(uaddr, len, bf->result, sizeof(bf->result));
	if (ret)
		bf->result[0] = '\0';
	mutex_unlock(&bf->lock);
	return ret ? ret : count;
}

static ssize_t physr_bench_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct physr_bench_file *bf = file->private_data;
	ssize_t ret;

	mutex_lock(&bf->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, bf->result,
				      strlen(bf->result));
	mutex_unlock(&bf->lock);
	return ret;
}

static const struct file_operations physr_bench_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = physr_bench_read,
	.write = physr_bench_write,
	.llseek = default_llseek,
};

/**
 * physr_bench_create() - add a benchmark file to debugfs
 * @dir: name of its directory under the debugfs root (created)
 * @name: name of the file
 * @bf: the benchmark; @bf->run must be set, the rest is initialised here
 *
 * Test-only.  Context: process context, from an initcall.
 *
 * Return: the directory's dentry, for debugfs_remove_recursive().
 */
struct dentry *physr_bench_create(const char *dir, const char *name,
				  struct physr_bench_file *bf)
{
	struct dentry *d = debugfs_create_dir(dir, NULL);

	mutex_init(&bf->lock);
	bf->result[0] = '\0';
	debugfs_create_file(name, 0600, d, bf, &physr_bench_fops);
	return d;
}
