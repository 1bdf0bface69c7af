// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: the commands of /dev/shmlist: GET_INFO, CREATE, OPEN, UNLINK
 * and REMOVE.  Each works on the kernel copy of its struct that the
 * dispatcher (kmod/ioctl.c) made, and CREATE and OPEN return a region
 * fd's file for it to install.
 */
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "compat.h"
#include "shmdev.h"

static_assert(sizeof(struct shmdev_info) == SHMDEV_INFO_SIZE_VER1);
static_assert(sizeof(struct shmdev_create) == SHMDEV_CREATE_SIZE_VER0);
static_assert(sizeof(struct shmdev_open) == SHMDEV_OPEN_SIZE_VER0);
static_assert(sizeof(struct shmdev_unlink) == SHMDEV_UNLINK_SIZE_VER0);
static_assert(sizeof(struct shmdev_remove) == SHMDEV_REMOVE_SIZE_VER0);
static_assert(sizeof(struct shmdev_stat) == SHMDEV_STAT_SIZE_VER1);
static_assert(sizeof(struct shmdev_set) == SHMDEV_SET_SIZE_VER0);
static_assert(sizeof(struct shmdev_resize) == SHMDEV_RESIZE_SIZE_VER0);
static_assert(sizeof(struct shmdev_seal) == SHMDEV_SEAL_SIZE_VER0);
static_assert(sizeof(struct shmdev_notify) == SHMDEV_NOTIFY_SIZE_VER0);
static_assert(sizeof(struct shmdev_park) == SHMDEV_PARK_SIZE_VER0);

static long shmdev_cmd_info(struct file *dev, void *karg,
			    struct shmdev_newfd *nfd)
{
	struct shmdev_info *info = karg;

	if (info->flags)
		return -EINVAL;

	memset(info, 0, sizeof(*info));
	info->abi_version = SHMDEV_ABI_VERSION;
	info->version = SHMDEV_VERSION_CODE;
	info->info_size = sizeof(*info);
	info->features = SHMDEV_FEAT_REGIONS | SHMDEV_FEAT_PERSIST |
			 SHMDEV_FEAT_POPULATE | SHMDEV_FEAT_HUGE |
			 SHMDEV_FEAT_LISTING | SHMDEV_FEAT_ADMIN |
			 SHMDEV_FEAT_RESIZE | SHMDEV_FEAT_SEAL |
			 SHMDEV_FEAT_NOTIFY | SHMDEV_FEAT_PARK;
	shmdev_info_fill(info);
	return 0;
}

/*
 * CREATE without EXCL found @old under the name: open it read-write, as
 * shmget() without IPC_EXCL does, checking (in SysV's order) existence,
 * then permission, then size, then the write seals, so that a caller
 * without access learns nothing of the region's size.  Consumes the
 * caller's reference on @old.
 */
static long shmdev_create_existing(struct shmdev_region *old,
				   struct shmdev_create *c, u64 size,
				   struct shmdev_newfd *nfd)
{
	long ret = 0;

	if (c->flags & SHMDEV_CREATE_EXCL)
		ret = -EEXIST;
	else if (!shmdev_region_is_live(old))
		ret = -EAGAIN;
	else if (!shmdev_may_access(old, SHMDEV_MAY_READ | SHMDEV_MAY_WRITE))
		ret = -EACCES;
	else if (READ_ONCE(old->size) < size)
		ret = -EINVAL;
	if (!ret) {
		nfd->file = shmdev_region_file_rdwr(old);
		if (IS_ERR(nfd->file)) {
			ret = PTR_ERR(nfd->file);
			nfd->file = NULL;
		}
	}
	shmdev_region_put(old);
	nfd->flags = c->flags & SHMDEV_CREATE_CLOEXEC ? O_CLOEXEC : 0;
	c->out_flags = 0;
	return ret;
}

/* The new region @r gets its name, usage, id and memory. */
static int shmdev_create_new(struct shmdev_region *r, bool populate)
{
	int ret;

	ret = shmdev_charge(r);
	if (ret) {
		/* Stranded regions give their room back soon. */
		shmdev_reap_kick(true);
		return ret;
	}
	ret = shmdev_region_add(r);
	if (ret)
		return ret;
	r->shmem = shmdev_shmem_new(r->size);
	if (IS_ERR(r->shmem)) {
		ret = PTR_ERR(r->shmem);
		r->shmem = NULL;
		return ret;
	}
	if (populate)
		ret = shmdev_shmem_populate(r->shmem, 0, r->size);
	return ret;
}

static long shmdev_cmd_create(struct file *dev, void *karg,
			      struct shmdev_newfd *nfd)
{
	struct shmdev_create *c = karg;
	struct shmdev_region *r, *old;
	u64 size, max;
	int len;
	long ret;

	if (c->flags & ~SHMDEV_CREATE_VALID_FLAGS || c->mode & ~0777)
		return -EINVAL;
	len = shmdev_name_check(c->name, true);
	if (len < 0)
		return len;
	if (c->flags & SHMDEV_CREATE_PERSIST && !len)
		return -EINVAL;
	if (!c->size || c->size > MAX_LFS_FILESIZE - PAGE_SIZE)
		return -EINVAL;
	size = PAGE_ALIGN(c->size);
	max = READ_ONCE(shmdev_max_region_bytes);
	if (max && size > max)
		return -EFBIG;

	r = shmdev_region_alloc(c, size);
	if (IS_ERR(r))
		return PTR_ERR(r);
	if (len) {
		old = shmdev_name_link(r);
		if (old) {
			shmdev_region_put(r);
			if (IS_ERR(old))
				return PTR_ERR(old);
			return shmdev_create_existing(old, c, size, nfd);
		}
	}
	ret = shmdev_create_new(r, c->flags & SHMDEV_CREATE_POPULATE);
	if (!ret) {
		nfd->file = shmdev_region_file(r, O_RDWR);
		if (IS_ERR(nfd->file)) {
			ret = PTR_ERR(nfd->file);
			nfd->file = NULL;
		}
	}
	/* The file holds the region now, or nothing does. */
	shmdev_region_put(r);
	if (ret)
		return ret;
	nfd->flags = c->flags & SHMDEV_CREATE_CLOEXEC ? O_CLOEXEC : 0;
	c->out_flags = SHMDEV_CREATED;
	return 0;
}

/* CREATE's fd is being installed: a new region goes live now. */
static void shmdev_create_commit(struct file *file)
{
	struct shmdev_region *r = shmdev_region_of(file);

	if (shmdev_region_publish(r) && r->state & SHMDEV_STATE_PERSIST &&
	    r->ns_inum != PROC_IPC_INIT_INO)
		shmdev_reap_kick(false);
}

static long shmdev_cmd_open(struct file *dev, void *karg,
			    struct shmdev_newfd *nfd)
{
	struct shmdev_open *o = karg;
	struct shmdev_region *r;
	int want, ret;

	if (o->flags & ~SHMDEV_OPEN_VALID_FLAGS)
		return -EINVAL;
	ret = shmdev_name_check(o->name, false);
	if (ret < 0)
		return ret;
	want = SHMDEV_MAY_READ;
	if (o->flags & SHMDEV_OPEN_RDWR)
		want |= SHMDEV_MAY_WRITE;

	r = shmdev_name_find(shmdev_current_ns(), (const char *)o->name);
	if (!r)
		return -ENOENT;
	if (!shmdev_may_access(r, want)) {
		shmdev_region_put(r);
		return -EACCES;
	}
	nfd->file = o->flags & SHMDEV_OPEN_RDWR ? shmdev_region_file_rdwr(r) :
		    shmdev_region_file(r, O_RDONLY);
	shmdev_region_put(r);
	if (IS_ERR(nfd->file)) {
		ret = PTR_ERR(nfd->file);
		nfd->file = NULL;
		return ret;
	}
	nfd->flags = o->flags & SHMDEV_OPEN_CLOEXEC ? O_CLOEXEC : 0;
	return 0;
}

static long shmdev_cmd_unlink(struct file *dev, void *karg,
			      struct shmdev_newfd *nfd)
{
	struct shmdev_unlink *u = karg;
	struct shmdev_region *persist;
	int ret;

	if (u->flags || u->pad)
		return -EINVAL;
	ret = shmdev_name_check(u->name, false);
	if (ret < 0)
		return ret;
	ret = shmdev_name_unlink(shmdev_current_ns(), (const char *)u->name,
				 &persist);
	if (persist)
		shmdev_region_drop_persist(persist);
	return ret;
}

/* An administrator's unlink of any namespace's region, by id. */
static long shmdev_cmd_remove(struct file *dev, void *karg,
			      struct shmdev_newfd *nfd)
{
	struct shmdev_remove *rm = karg;
	struct shmdev_region *r;
	bool persist;
	int ret;

	if (rm->flags || rm->pad)
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	r = shmdev_region_find(rm->id);
	if (!r)
		return -ENOENT;
	ret = shmdev_name_unlink_region(r, &persist);
	if (persist)
		shmdev_region_drop_persist(r);
	shmdev_region_put(r);
	return ret;
}

static const struct shmdev_cmd shmdev_dev_cmds[] = {
	[_IOC_NR(SHMDEV_IOC_GET_INFO)] =
		SHMDEV_CMD(SHMDEV_IOC_GET_INFO, struct shmdev_info,
			   SHMDEV_INFO_SIZE_VER0, shmdev_cmd_info),
	[_IOC_NR(SHMDEV_IOC_CREATE)] =
		SHMDEV_CMD(SHMDEV_IOC_CREATE, struct shmdev_create,
			   SHMDEV_CREATE_SIZE_VER0, shmdev_cmd_create,
			   .fd_off = offsetof(struct shmdev_create, fd),
			   .commit = shmdev_create_commit),
	[_IOC_NR(SHMDEV_IOC_OPEN)] =
		SHMDEV_CMD(SHMDEV_IOC_OPEN, struct shmdev_open,
			   SHMDEV_OPEN_SIZE_VER0, shmdev_cmd_open,
			   .fd_off = offsetof(struct shmdev_open, fd)),
	[_IOC_NR(SHMDEV_IOC_UNLINK)] =
		SHMDEV_CMD(SHMDEV_IOC_UNLINK, struct shmdev_unlink,
			   SHMDEV_UNLINK_SIZE_VER0, shmdev_cmd_unlink),
	[_IOC_NR(SHMDEV_IOC_REMOVE)] =
		SHMDEV_CMD(SHMDEV_IOC_REMOVE, struct shmdev_remove,
			   SHMDEV_REMOVE_SIZE_VER0, shmdev_cmd_remove),
};

long shmdev_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return shmdev_ioctl_dispatch(shmdev_dev_cmds,
				     ARRAY_SIZE(shmdev_dev_cmds),
				     file, cmd, arg);
}
