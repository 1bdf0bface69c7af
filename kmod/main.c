// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: the /dev/shmlist misc device, its ioctl dispatch and module setup.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "shmdev.h"

unsigned long shmdev_max_region_bytes;
module_param_named(max_region_bytes, shmdev_max_region_bytes, ulong, 0644);
MODULE_PARM_DESC(max_region_bytes,
		 "Largest region in bytes, 0 for no limit (default: 0)");

/*
 * The byte limits default to shares of RAM set at load (SHMDEV_LIMIT_AUTO
 * until then): half for all regions, as tmpfs's default size and shmall
 * bound what shared memory may pin, and a quarter for one uid, so that no
 * single user takes it all.  0 still means no limit.
 */
#define SHMDEV_LIMIT_AUTO	ULONG_MAX

unsigned long shmdev_max_total_bytes = SHMDEV_LIMIT_AUTO;
module_param_named(max_total_bytes, shmdev_max_total_bytes, ulong, 0644);
MODULE_PARM_DESC(max_total_bytes,
		 "Bytes of all live regions together, 0 for no limit (default: half of RAM)");

unsigned int shmdev_max_regions = 4096;
module_param_named(max_regions, shmdev_max_regions, uint, 0644);
MODULE_PARM_DESC(max_regions,
		 "Number of live regions, 0 for no limit (default: 4096)");

unsigned long shmdev_max_uid_bytes = SHMDEV_LIMIT_AUTO;
module_param_named(max_uid_bytes, shmdev_max_uid_bytes, ulong, 0644);
MODULE_PARM_DESC(max_uid_bytes,
		 "Bytes of live regions created by one uid, 0 for no limit (default: a quarter of RAM)");

unsigned int shmdev_max_uid_regions = 1024;
module_param_named(max_uid_regions, shmdev_max_uid_regions, uint, 0644);
MODULE_PARM_DESC(max_uid_regions,
		 "Live regions created by one uid, 0 for no limit (default: 1024)");

/* What it protects: see kmod/shmdev.h. */
DEFINE_MUTEX(shmdev_lock);
struct shmdev_stats shmdev_stats;
LIST_HEAD(shmdev_regions);
struct vfsmount *shmdev_mnt;

static_assert(sizeof(struct shmdev_info) == SHMDEV_INFO_SIZE_VER1);
static_assert(sizeof(struct shmdev_create) == SHMDEV_CREATE_SIZE_VER0);
static_assert(sizeof(struct shmdev_open) == SHMDEV_OPEN_SIZE_VER0);
static_assert(sizeof(struct shmdev_unlink) == SHMDEV_UNLINK_SIZE_VER0);
static_assert(sizeof(struct shmdev_remove) == SHMDEV_REMOVE_SIZE_VER0);
static_assert(sizeof(struct shmdev_stat) == SHMDEV_STAT_SIZE_VER0);
static_assert(sizeof(struct shmdev_set) == SHMDEV_SET_SIZE_VER0);

/*
 * Copy a command's struct in with size negotiation: @usize comes from the
 * ioctl number and may be older (smaller) or newer (larger) than @ksize.
 */
int shmdev_copy_in(void *karg, size_t ksize, size_t ver0,
		   const void __user *uarg, size_t usize)
{
	if (usize < ver0)
		return -EINVAL;
	return copy_struct_from_user(karg, ksize, uarg, usize);
}

int shmdev_copy_out(void __user *uarg, size_t usize,
		    const void *karg, size_t ksize)
{
	if (copy_to_user(uarg, karg, min(usize, ksize)))
		return -EFAULT;
	return 0;
}

static long shmdev_get_info(void __user *uarg, size_t usize)
{
	struct shmdev_info info;
	int ret;

	ret = shmdev_copy_in(&info, sizeof(info), SHMDEV_INFO_SIZE_VER0,
			     uarg, usize);
	if (ret)
		return ret;
	if (info.flags || memchr_inv(info.reserved, 0, sizeof(info.reserved)))
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.abi_version = SHMDEV_ABI_VERSION;
	info.version = SHMDEV_VERSION_CODE;
	info.info_size = sizeof(info);
	info.features = SHMDEV_FEAT_REGIONS | SHMDEV_FEAT_PERSIST |
			SHMDEV_FEAT_POPULATE | SHMDEV_FEAT_HUGE |
			SHMDEV_FEAT_LISTING | SHMDEV_FEAT_ADMIN;
	info.max_region_bytes = READ_ONCE(shmdev_max_region_bytes);
	info.max_total_bytes = READ_ONCE(shmdev_max_total_bytes);
	info.max_regions = READ_ONCE(shmdev_max_regions);
	info.max_uid_bytes = READ_ONCE(shmdev_max_uid_bytes);
	info.max_uid_regions = READ_ONCE(shmdev_max_uid_regions);

	mutex_lock(&shmdev_lock);
	info.cur_bytes = shmdev_stats.cur_bytes;
	info.cur_regions = shmdev_stats.cur_regions;
	info.peak_bytes = shmdev_stats.peak_bytes;
	info.created = shmdev_stats.created;
	info.destroyed = shmdev_stats.destroyed;
	mutex_unlock(&shmdev_lock);

	return shmdev_copy_out(uarg, usize, &info, sizeof(info));
}

/*
 * Commands are matched on type, number and direction; the size field is the
 * caller's struct size, negotiated by each handler.
 */
bool shmdev_cmd_is(unsigned int cmd, unsigned int want)
{
	return _IOC_TYPE(cmd) == _IOC_TYPE(want) &&
	       _IOC_NR(cmd) == _IOC_NR(want) &&
	       _IOC_DIR(cmd) == _IOC_DIR(want);
}

static long shmdev_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (shmdev_cmd_is(cmd, SHMDEV_IOC_GET_INFO))
		return shmdev_get_info(uarg, _IOC_SIZE(cmd));
	if (shmdev_cmd_is(cmd, SHMDEV_IOC_CREATE))
		return shmdev_ioctl_create(uarg, _IOC_SIZE(cmd));
	if (shmdev_cmd_is(cmd, SHMDEV_IOC_OPEN))
		return shmdev_ioctl_open(uarg, _IOC_SIZE(cmd));
	if (shmdev_cmd_is(cmd, SHMDEV_IOC_UNLINK))
		return shmdev_ioctl_unlink(uarg, _IOC_SIZE(cmd));
	if (shmdev_cmd_is(cmd, SHMDEV_IOC_REMOVE))
		return shmdev_ioctl_remove(uarg, _IOC_SIZE(cmd));
	return -ENOTTY;
}

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
	unsigned long ram = totalram_pages() << PAGE_SHIFT;
	/* Parsed in place by tmpfs. */
	char opts[] = "huge=within_size";
	int ret;

	if (shmdev_max_total_bytes == SHMDEV_LIMIT_AUTO)
		shmdev_max_total_bytes = ram / 2;
	if (shmdev_max_uid_bytes == SHMDEV_LIMIT_AUTO)
		shmdev_max_uid_bytes = ram / 4;

	/*
	 * Read-only, so that no path can change an inode's attributes or
	 * open it for writing (see kmod/mmap.c).  shmem itself never checks:
	 * faults, fallocate() and swap write to it as to any tmpfs.
	 */
	shmdev_mnt = shmdev_mount_tmpfs(opts, SB_RDONLY);
	if (IS_ERR(shmdev_mnt)) {
		ret = PTR_ERR(shmdev_mnt);
		pr_err("could not mount the private tmpfs: %d\n", ret);
		return ret;
	}
	ret = shmdev_proc_init();
	if (ret)
		goto out_unmount;
	ret = misc_register(&shmdev_misc);
	if (ret) {
		pr_err("could not register /dev/%s: %d\n",
		       SHMDEV_DEVICE_NAME, ret);
		goto out_proc_exit;
	}
	return 0;

out_proc_exit:
	shmdev_proc_exit();
out_unmount:
	kern_unmount(shmdev_mnt);
	return ret;
}

/* Regions pin the module, so none is left here. */
static void __exit shmdev_exit(void)
{
	misc_deregister(&shmdev_misc);
	shmdev_reap_stop();
	shmdev_proc_exit();
	kern_unmount(shmdev_mnt);
}

module_init(shmdev_init);
module_exit(shmdev_exit);

MODULE_DESCRIPTION("Named, hugepage-backed shared memory regions (/dev/shmlist)");
MODULE_AUTHOR("The shmdev developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(SHMDEV_VERSION_STRING);
