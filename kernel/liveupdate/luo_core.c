// SPDX-License-Identifier: GPL-2.0
/*
 * Live Update Orchestrator: /dev/liveupdate.
 */
#define pr_fmt(fmt) "liveupdate: " fmt

#include <linux/fs.h>
#include <linux/init.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "luo_internal.h"

static long luo_dev_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations luo_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = luo_dev_ioctl,
};

static struct miscdevice luo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "liveupdate",
	.fops = &luo_dev_fops,
};

static int __init luo_init(void)
{
	return misc_register(&luo_miscdev);
}
late_initcall(luo_init);
