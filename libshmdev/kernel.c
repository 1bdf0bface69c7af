// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the kernel module's /dev/shmlist, and the kernel backend
 * over it (named, permission-checked regions freed with their last user
 * unless PERSIST, huge pages from the module's own tmpfs).  Resize, seals
 * and the doorbell are the module's ioctls on the region fd, when its
 * features (GET_INFO, asked once per handle, at the first of those calls)
 * have them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

int shmdev_kernel_open(void)
{
	int fd = open(SHMDEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int shmdev_kernel_get_info(int devfd, struct shmdev_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (ioctl(devfd, SHMDEV_IOC_GET_INFO, info) < 0)
		return -errno;
	return 0;
}

static int kernel_fd_stat(int fd, struct shmdev_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, SHMDEV_IOC_STAT, st) < 0 ? -errno : 0;
}

/*
 * One ioctl on a /dev/shmlist opened for it.  The module's features are
 * not asked here: an attach by name per task (the Python pool's) would
 * pay a GET_INFO for nothing; kernel_need() asks once per handle, at the
 * first resize, seal or doorbell call.
 */
static int kernel_ioctl(unsigned long cmd, void *arg)
{
	int dev = shmdev_kernel_open(), ret;

	if (dev < 0)
		return dev;
	ret = ioctl(dev, cmd, arg) < 0 ? -errno : 0;
	close(dev);
	return ret;
}

/*
 * -EOPNOTSUPP unless the module has @feat (asked now if not known).  A
 * process that cannot ask (a region fd passed into a container without
 * /dev/shmlist) tries the ioctl, which an older module refuses with
 * -ENOTTY (kernel_region_ioctl()).
 */
static int kernel_need(struct shmdev_region *r, uint64_t feat)
{
	struct shmdev_info info;
	int dev, ret;

	if (!r->features_known) {
		dev = shmdev_kernel_open();
		if (dev < 0)
			return 0;
		ret = shmdev_kernel_get_info(dev, &info);
		close(dev);
		if (ret)
			return 0;
		r->features = info.features;
		r->features_known = 1;
	}
	return r->features & feat ? 0 : -EOPNOTSUPP;
}

/* An ioctl the module should know; one that does not says -ENOTTY. */
static int kernel_region_ioctl(struct shmdev_region *r, unsigned long cmd,
			       void *arg)
{
	if (ioctl(r->fd, cmd, arg) == 0)
		return 0;
	return errno == ENOTTY ? -EOPNOTSUPP : -errno;
}

/* r->size from the module: it rounds up, and a region opened has its own. */
static int kernel_size(struct shmdev_region *r)
{
	struct shmdev_stat st;
	int ret = kernel_fd_stat(r->fd, &st);

	if (ret)
		return ret;
	r->size = st.size;
	return 0;
}

static int kernel_create(struct shmdev_region *r, unsigned int flags,
			 unsigned int mode)
{
	struct shmdev_create c;
	int ret;

	memset(&c, 0, sizeof(c));
	c.size = r->size;
	c.mode = mode;
	c.flags = SHMDEV_CREATE_CLOEXEC;
	if (flags & SHMDEV_REGION_EXCL)
		c.flags |= SHMDEV_CREATE_EXCL;
	if (flags & SHMDEV_REGION_PERSIST)
		c.flags |= SHMDEV_CREATE_PERSIST;
	if (flags & SHMDEV_REGION_POPULATE)
		c.flags |= SHMDEV_CREATE_POPULATE;
	memcpy(c.name, r->name, sizeof(c.name));
	ret = kernel_ioctl(SHMDEV_IOC_CREATE, &c);
	if (ret)
		return ret;
	r->fd = (int)c.fd;
	/* A new region has the size asked, page-rounded: no STAT needed. */
	if (c.out_flags & SHMDEV_CREATED) {
		r->size = shmdev__round_up(r->size, (size_t)getpagesize());
		return 0;
	}
	/* An existing one has its own; a failed STAT leaves the size asked. */
	kernel_size(r);
	return 0;
}

static int kernel_open(struct shmdev_region *r)
{
	struct shmdev_open o;
	int ret;

	memset(&o, 0, sizeof(o));
	o.flags = SHMDEV_OPEN_CLOEXEC | (r->writable ? SHMDEV_OPEN_RDWR : 0);
	memcpy(o.name, r->name, sizeof(o.name));
	ret = kernel_ioctl(SHMDEV_IOC_OPEN, &o);
	if (ret)
		return ret;
	r->fd = (int)o.fd;
	return kernel_size(r);
}

static int kernel_unlink(const char *name)
{
	struct shmdev_unlink u;

	memset(&u, 0, sizeof(u));
	snprintf((char *)u.name, sizeof(u.name), "%s", name);
	return kernel_ioctl(SHMDEV_IOC_UNLINK, &u);
}

static int kernel_stat(const struct shmdev_region *r,
		       struct shmdev_region_info *info)
{
	struct shmdev_stat st;
	int ret = kernel_fd_stat(r->fd, &st);

	if (ret)
		return ret;
	info->size = st.size;
	info->region_huge_bytes = st.huge_bytes;
	return 0;
}

static int kernel_cur_size(struct shmdev_region *r, size_t *size)
{
	struct shmdev_stat st;
	int ret = kernel_fd_stat(r->fd, &st);

	if (ret)
		return ret;
	*size = st.size;
	return 0;
}

static int kernel_resize(struct shmdev_region *r, size_t size)
{
	struct shmdev_resize rs;
	int ret = kernel_need(r, SHMDEV_FEAT_RESIZE);

	if (ret)
		return ret;
	memset(&rs, 0, sizeof(rs));
	rs.size = size;
	ret = kernel_region_ioctl(r, SHMDEV_IOC_RESIZE, &rs);
	if (ret)
		return ret;
	/* The module rounds up; ask rather than guess its page size. */
	return kernel_size(r);
}

static int kernel_seal(struct shmdev_region *r, unsigned int add)
{
	struct shmdev_seal sl;
	int ret = kernel_need(r, SHMDEV_FEAT_SEAL);

	if (ret)
		return ret;
	memset(&sl, 0, sizeof(sl));
	sl.add = add;
	ret = kernel_region_ioctl(r, SHMDEV_IOC_SEAL, &sl);
	return ret ? ret : (int)sl.seals;
}

static int kernel_notify(struct shmdev_region *r, unsigned int flags,
			 uint64_t *events, uint64_t *pending)
{
	struct shmdev_notify n;
	int ret = kernel_need(r, SHMDEV_FEAT_NOTIFY);

	if (ret)
		return ret;
	memset(&n, 0, sizeof(n));
	n.flags = flags;
	ret = kernel_region_ioctl(r, SHMDEV_IOC_NOTIFY, &n);
	if (ret)
		return ret;
	*events = n.events;
	*pending = n.pending;
	return 0;
}

static int kernel_status(struct shmdev_region *r,
			 struct shmdev_region_status *st)
{
	struct shmdev_stat ks;
	int ret = kernel_fd_stat(r->fd, &ks);

	if (ret)
		return ret;
	st->size = ks.size;
	if (kernel_need(r, SHMDEV_FEAT_RESIZE))
		st->caps &= ~SHMDEV_CAP_RESIZE;
	if (kernel_need(r, SHMDEV_FEAT_SEAL))
		st->caps &= ~SHMDEV_CAP_SEAL;
	if (kernel_need(r, SHMDEV_FEAT_NOTIFY))
		st->caps &= ~SHMDEV_CAP_NOTIFY;
	/* An older module leaves the fields past its STAT size zero. */
	st->generation = ks.generation;
	st->events = ks.events;
	st->pending = ks.events - ks.seen;
	st->seals = ks.seals;
	return 0;
}

static int kernel_park(struct shmdev_region *r, int park, void *addr,
		       size_t len)
{
	struct shmdev_park p;
	int ret = kernel_need(r, SHMDEV_FEAT_PARK);

	if (ret)
		return ret;
	memset(&p, 0, sizeof(p));
	p.addr = (uintptr_t)addr;
	p.len = len;
	ret = kernel_region_ioctl(r, park ? SHMDEV_IOC_PARK : SHMDEV_IOC_UNPARK,
				  &p);
	if (!ret && !park)
		r->size = p.size;
	return ret;
}

/* The module maps huge pages itself: no advice to give. */
const struct shmdev__backend_ops shmdev__kernel_ops = {
	.cannot = 0,
	.create = kernel_create,
	.open = kernel_open,
	.map = shmdev__fd_map,
	.unmap = shmdev__fd_unmap,
	.unlink = kernel_unlink,
	.id = shmdev__fd_id,
	.stat = kernel_stat,
	.cur_size = kernel_cur_size,
	.resize = kernel_resize,
	.seal = kernel_seal,
	.notify = kernel_notify,
	.status = kernel_status,
	.park = kernel_park,
};
