// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: region fds.  Each is an anonymous-inode file whose handle holds
 * one region reference (a pin while parked) and the file's doorbell
 * cursor; its commands are STAT, SET, RESIZE (kmod/resize.c), SEAL
 * (kmod/seal.c), NOTIFY (kmod/bell.c, with poll(2) and read(2)), PARK and
 * UNPARK (kmod/park.c), and mmap(2) makes a map file (kmod/mmap.c).
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "compat.h"
#include "shmdev.h"

static long shmdev_cmd_stat(struct file *file, void *karg,
			    struct shmdev_newfd *nfd)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;
	struct user_namespace *uns = current_user_ns();
	struct shmdev_stat *st = karg;

	if (st->flags)
		return -EINVAL;

	memset(st, 0, sizeof(*st));
	st->id = r->id;
	/* The generation first: see shmdev_cmd_resize(). */
	st->generation = smp_load_acquire(&r->generation);
	st->size = READ_ONCE(r->size);
	st->seals = READ_ONCE(r->seals);
	st->events = shmdev_bell_events(r, h, &st->seen);
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
	if (shmdev_handle_parked(file))
		st->state |= SHMDEV_STATE_PARKED;

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
	struct shmdev_region *r = shmdev_region_of(file);
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
	[_IOC_NR(SHMDEV_IOC_RESIZE)] =
		SHMDEV_CMD(SHMDEV_IOC_RESIZE, struct shmdev_resize,
			   SHMDEV_RESIZE_SIZE_VER0, shmdev_cmd_resize),
	[_IOC_NR(SHMDEV_IOC_SEAL)] =
		SHMDEV_CMD(SHMDEV_IOC_SEAL, struct shmdev_seal,
			   SHMDEV_SEAL_SIZE_VER0, shmdev_cmd_seal),
	[_IOC_NR(SHMDEV_IOC_NOTIFY)] =
		SHMDEV_CMD(SHMDEV_IOC_NOTIFY, struct shmdev_notify,
			   SHMDEV_NOTIFY_SIZE_VER0, shmdev_cmd_notify),
	[_IOC_NR(SHMDEV_IOC_PARK)] =
		SHMDEV_CMD(SHMDEV_IOC_PARK, struct shmdev_park,
			   SHMDEV_PARK_SIZE_VER0, shmdev_cmd_park),
	[_IOC_NR(SHMDEV_IOC_UNPARK)] =
		SHMDEV_CMD(SHMDEV_IOC_UNPARK, struct shmdev_park,
			   SHMDEV_PARK_SIZE_VER0, shmdev_cmd_unpark),
};

/*
 * A parked file takes STAT and UNPARK alone (and says -ENOTTY to another
 * driver's commands, isatty(3)'s).  Any other command runs with a user's
 * reference of its own, so that a PARK racing it (from another thread)
 * cannot end the region under it; a dead region gives -EBADFD as a
 * parked file does.
 */
static long shmdev_region_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	struct shmdev_region *r = shmdev_region_of(file);
	long ret;

	if (_IOC_TYPE(cmd) != SHMDEV_IOC_MAGIC ||
	    _IOC_NR(cmd) == _IOC_NR(SHMDEV_IOC_STAT) ||
	    _IOC_NR(cmd) == _IOC_NR(SHMDEV_IOC_UNPARK))
		return shmdev_ioctl_dispatch(shmdev_region_cmds,
					     ARRAY_SIZE(shmdev_region_cmds),
					     file, cmd, arg);
	if (shmdev_handle_parked(file) || !shmdev_region_tryget(r))
		return -EBADFD;
	ret = shmdev_ioctl_dispatch(shmdev_region_cmds,
				    ARRAY_SIZE(shmdev_region_cmds),
				    file, cmd, arg);
	shmdev_region_put(r);
	return ret;
}

static int shmdev_region_release_file(struct inode *inode, struct file *file)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;

	atomic_dec(&r->nfds);
	if (test_bit(SHMDEV_PARKED, &h->flags))
		shmdev_region_unpin(r);
	else
		shmdev_region_put(r);
	kfree(h);
	return 0;
}

static const struct file_operations shmdev_region_fops = {
	.owner			= THIS_MODULE,
	.release		= shmdev_region_release_file,
	.read			= shmdev_bell_read,
	.poll			= shmdev_bell_poll,
	.mmap			= shmdev_region_mmap,
	.get_unmapped_area	= shmdev_region_get_unmapped_area,
	.unlocked_ioctl		= shmdev_region_ioctl,
	.compat_ioctl		= compat_ptr_ioctl,
	.llseek			= SHMDEV_NO_LLSEEK,
};

/* A region fd's file for @r, holding a new reference on it. */
struct file *shmdev_region_file(struct shmdev_region *r, int oflags)
{
	struct shmdev_handle *h;
	struct file *file;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return ERR_PTR(-ENOMEM);
	h->region = r;
	shmdev_bell_handle_init(h);
	file = anon_inode_getfile("[shmdev]", &shmdev_region_fops, h, oflags);
	if (IS_ERR(file)) {
		kfree(h);
		return file;
	}
	shmdev_region_get(r);
	atomic_inc(&r->nfds);
	return file;
}

/*
 * A new read-write region file for @r, or -EPERM once a write seal is in
 * force.  Under resize_lock, so that no seal lands between the check and
 * the file: a read-write fd could resize (shrink then grow zeroes) and
 * seal after the seal said none would be opened.
 */
struct file *shmdev_region_file_rdwr(struct shmdev_region *r)
{
	struct file *file;

	if (mutex_lock_killable(&r->resize_lock))
		return ERR_PTR(-EINTR);
	if (r->seals & (SHMDEV_SEAL_WRITE | SHMDEV_SEAL_FUTURE_WRITE))
		file = ERR_PTR(-EPERM);
	else
		file = shmdev_region_file(r, O_RDWR);
	mutex_unlock(&r->resize_lock);
	return file;
}
