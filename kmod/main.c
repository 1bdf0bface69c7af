// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: the /dev/shmlist misc device and module setup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "compat.h"
#include "shmdev.h"

static const struct file_operations shmdev_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= shmdev_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= SHMDEV_NO_LLSEEK,
};

static struct miscdevice shmdev_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= SHMDEV_DEVICE_NAME,
	.fops	= &shmdev_dev_fops,
	.mode	= 0666,
};

static int __init shmdev_init(void)
{
	int ret;

	shmdev_limits_init();
	ret = shmdev_names_init();
	if (ret)
		return ret;
	ret = shmdev_mnt_init();
	if (ret) {
		pr_err("could not mount the private tmpfs: %d\n", ret);
		goto out_names_exit;
	}
	ret = shmdev_proc_init();
	if (ret)
		goto out_mnt_exit;
	ret = misc_register(&shmdev_misc);
	if (ret) {
		pr_err("could not register /dev/%s: %d\n",
		       SHMDEV_DEVICE_NAME, ret);
		goto out_proc_exit;
	}
	return 0;

out_proc_exit:
	shmdev_proc_exit();
out_mnt_exit:
	shmdev_mnt_exit();
out_names_exit:
	shmdev_names_exit();
	return ret;
}

/* Regions pin the module, so none is left here. */
static void __exit shmdev_exit(void)
{
	misc_deregister(&shmdev_misc);
	shmdev_reap_stop();
	shmdev_proc_exit();
	shmdev_mnt_exit();
	shmdev_names_exit();
}

module_init(shmdev_init);
module_exit(shmdev_exit);

MODULE_DESCRIPTION("Named, hugepage-backed shared memory regions (/dev/shmlist)");
MODULE_AUTHOR("The shmdev developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(SHMDEV_VERSION_STRING);
