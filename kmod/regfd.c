// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: region fds.  Each is an anonymous-inode file holding one region
 * reference; its commands are STAT and SET, and mmap(2) makes a map file
 * (kmod/mmap.c).
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "shmdev.h"

static long shmdev_cmd_stat(struct file *file, void *karg,
			    struct shmdev_newfd *nfd)
{
	struct shmdev_region *r = file->private_data;
	struct user_namespace *uns = current_user_ns();
	struct shmdev_stat *st = karg;

	if (st->flags)
		return -EINVAL;

	memset(st, 0, sizeof(*st));
	st->id = r->id;
	st->size = r->size;
	st->cuid = from_kuid_munged(uns, r->cuid);
	st->cgid = from_kgid_munged(uns, r->cgid);
	st->fd_mode = (file->f_mode & FMODE_WRITE) ? SHMDEV_OPEN_RDWR : 0;
	st->nfds = atomic_read(&r->nfds);
	st->nmaps = atomic_read(&r->nmaps);
	st->huge_bytes = shmdev_region_huge_bytes(r);
	st->resident_bytes = (u64)READ_ONCE(r->shmem->f_mapping->nrpages)
			     << PAGE_SHIFT;
	st->ctime_ns = r->ctime_ns;
	st->cpid = pid_vnr(r->cpid);
	memcpy(st->name, r->name, sizeof(st->name));
	/* A racy read of linked, as any STAT is a snapshot. */
	st->state = r->state | (READ_ONCE(r->linked) ? SHMDEV_STATE_LINKED : 0);

	spin_lock(&r->lock);
	st->uid = from_kuid_munged(uns, r->uid);
	st->gid = from_kgid_munged(uns, r->gid);
	st->mode = r->mode;
	spin_unlock(&r->lock);
	return 0;
}

static long shmdev_cmd_set(struct file *file, void *karg,
			   struct shmdev_newfd *nfd)
{
	struct shmdev_region *r = file->private_data;
	struct user_namespace *uns = current_user_ns();
	struct shmdev_set *set = karg;
	kuid_t uid;
	kgid_t gid;

	if (set->flags & ~SHMDEV_SET_VALID_FLAGS)
		return -EINVAL;
	if (set->flags & SHMDEV_SET_MODE && set->mode & ~0777)
		return -EINVAL;
	uid = make_kuid(uns, set->uid);
	gid = make_kgid(uns, set->gid);
	if (set->flags & SHMDEV_SET_OWNER && (!uid_valid(uid) || !gid_valid(gid)))
		return -EINVAL;
	return shmdev_perm_set(r, set, uid, gid);
}

static const struct shmdev_cmd shmdev_region_cmds[] = {
	[_IOC_NR(SHMDEV_IOC_STAT)] =
		SHMDEV_CMD(SHMDEV_IOC_STAT, struct shmdev_stat,
			   SHMDEV_STAT_SIZE_VER0, shmdev_cmd_stat),
	[_IOC_NR(SHMDEV_IOC_SET)] =
		SHMDEV_CMD(SHMDEV_IOC_SET, struct shmdev_set,
			   SHMDEV_SET_SIZE_VER0, shmdev_cmd_set),
};

static long shmdev_region_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	return shmdev_ioctl_dispatch(shmdev_region_cmds,
				     ARRAY_SIZE(shmdev_region_cmds),
				     file, cmd, arg);
}

static int shmdev_region_release_file(struct inode *inode, struct file *file)
{
	struct shmdev_region *r = file->private_data;

	atomic_dec(&r->nfds);
	shmdev_region_put(r);
	return 0;
}

static const struct file_operations shmdev_region_fops = {
	.owner			= THIS_MODULE,
	.release		= shmdev_region_release_file,
	.mmap			= shmdev_region_mmap,
	.get_unmapped_area	= shmdev_region_get_unmapped_area,
	.unlocked_ioctl		= shmdev_region_ioctl,
	.compat_ioctl		= compat_ptr_ioctl,
	.llseek			= SHMDEV_NO_LLSEEK,
};

/* A region fd's file for @r, holding a new reference on it. */
struct file *shmdev_region_file(struct shmdev_region *r, int oflags)
{
	struct file *file;

	file = anon_inode_getfile("[shmdev]", &shmdev_region_fops, r, oflags);
	if (IS_ERR(file))
		return file;
	shmdev_region_get(r);
	atomic_inc(&r->nfds);
	return file;
}

/* The region of one of our region fds' files. */
struct shmdev_region *shmdev_region_of(struct file *file)
{
	return file->private_data;
}
