// SPDX-License-Identifier: LGPL-2.1-or-later
/* libshmdev: making and opening a region, backend by backend. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/*
 * A posix name is CPython's: the block NAME is /dev/shm/NAME, shm_open()ed
 * as "/NAME", so that a block either side makes, the other opens.  Names
 * "." and ".." would be /dev/shm itself and its parent: refused.
 */
int posix_name(char *buf, size_t len, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	snprintf(buf, len, "/%s", name);
	return 0;
}

/* Whether the hugetlb pool has @size bytes of free 2 MiB pages. */
int hugetlb_available(size_t size)
{
	char line[128];
	long long free_pages = 0, page_kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Free: %lld", &free_pages);
		sscanf(line, "Hugepagesize: %lld", &page_kb);
	}
	fclose(f);
	return page_kb * 1024 == HUGE_2M &&
	       (unsigned long long)free_pages * HUGE_2M >= size;
}

size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

int kernel_dev(void)
{
	int fd = open(SHMDEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int kernel_stat(int fd, struct shmdev_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, SHMDEV_IOC_STAT, st) < 0 ? -errno : 0;
}

int kernel_create(struct shmdev_region *r, unsigned int flags,
			 unsigned int mode)
{
	struct shmdev_create c;
	struct shmdev_stat st;
	int dev = kernel_dev();

	if (dev < 0)
		return dev;
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
	if (ioctl(dev, SHMDEV_IOC_CREATE, &c) < 0) {
		int err = -errno;

		close(dev);
		return err;
	}
	close(dev);
	r->fd = (int)c.fd;
	/* The module rounds up to a page, and an existing region (no EXCL)
	 * has its own size: report what there is, as kernel_open() does. */
	if (!kernel_stat(r->fd, &st))
		r->size = st.size;
	return 0;
}

int kernel_open(struct shmdev_region *r)
{
	struct shmdev_open o;
	struct shmdev_stat st;
	int dev = kernel_dev(), ret;

	if (dev < 0)
		return dev;
	memset(&o, 0, sizeof(o));
	o.flags = SHMDEV_OPEN_CLOEXEC | (r->writable ? SHMDEV_OPEN_RDWR : 0);
	memcpy(o.name, r->name, sizeof(o.name));
	ret = ioctl(dev, SHMDEV_IOC_OPEN, &o) < 0 ? -errno : 0;
	close(dev);
	if (ret)
		return ret;
	r->fd = (int)o.fd;
	ret = kernel_stat(r->fd, &st);
	if (ret)
		return ret;
	r->size = st.size;
	return 0;
}

int memfd_create_region(struct shmdev_region *r, unsigned int flags)
{
	unsigned int mflags = MFD_CLOEXEC;
	size_t size = r->size;

	if (hugetlb_available(round_up(size, HUGE_2M))) {
		mflags |= MFD_HUGETLB;
		size = round_up(size, HUGE_2M);
	}
	r->fd = memfd_create("shmdev", mflags);
	if (r->fd < 0 && (mflags & MFD_HUGETLB)) {
		mflags &= ~MFD_HUGETLB;
		size = r->size;
		r->fd = memfd_create("shmdev", mflags);
	}
	if (r->fd < 0)
		return -errno;
	r->hugetlb = !!(mflags & MFD_HUGETLB);
	r->size = size;
	if (ftruncate(r->fd, (off_t)size) < 0)
		return -errno;
	if (flags & SHMDEV_REGION_POPULATE) {
		int ret = posix_fallocate(r->fd, 0, (off_t)size);

		if (ret)
			return ret == ENOSPC ? -ENOMEM : -ret;
	}
	return 0;
}

int posix_create(struct shmdev_region *r, unsigned int flags,
			unsigned int mode)
{
	char path[SHMDEV_NAME_SIZE + 16];
	int tries = 0;

	if (r->name[0]) {
		int ret = posix_name(path, sizeof(path), r->name);

		if (ret)
			return ret;
		r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 mode);
		if (r->fd < 0 && errno == EEXIST && !(flags & SHMDEV_REGION_EXCL)) {
			/* Existing: opened, as by the kernel backend. */
			size_t want = r->size;

			ret = posix_open(r);

			if (!ret && r->size < want)
				ret = -EINVAL;
			return ret;
		}
		if (r->fd < 0)
			return -errno;
		r->created = 1;
		if (fchmod(r->fd, mode) < 0)	/* not masked by umask */
			return -errno;
	} else {
		/*
		 * Unnamed: a private name unlinked at once, like memfd.  The
		 * prefix keeps it apart from the names users choose (whoever
		 * picks shmdev.anon.* names is on his own).
		 */
		do {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			snprintf(path, sizeof(path), "/shmdev.anon.%d.%ld.%d",
				 getpid(), ts.tv_nsec, tries);
			r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL |
					 O_CLOEXEC, 0600);
		} while (r->fd < 0 && errno == EEXIST && ++tries < 100);
		if (r->fd < 0)
			return -errno;
		shm_unlink(path);
	}
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return -errno;
	if (flags & SHMDEV_REGION_POPULATE) {
		int ret = posix_fallocate(r->fd, 0, (off_t)r->size);

		if (ret)
			return ret == ENOSPC ? -ENOMEM : -ret;
	}
	return 0;
}

int posix_open(struct shmdev_region *r)
{
	char path[SHMDEV_NAME_SIZE + 16];
	struct stat st;
	int ret = posix_name(path, sizeof(path), r->name);

	if (ret)
		return ret;
	r->fd = shm_open(path, (r->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (r->fd < 0)
		return -errno;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	r->size = (size_t)st.st_size;
	return 0;
}
