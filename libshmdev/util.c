// SPDX-License-Identifier: LGPL-2.1-or-later
/* libshmdev: helpers the backends share, and the version. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

const char *shmdev_version(void)
{
	return SHMDEV_VERSION_STRING;
}

size_t shmdev__round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/*
 * Whether the pool of 2 MiB hugetlb pages has @size bytes free.  Asked on
 * every memfd and sysv create, so it reads the one sysfs number rather
 * than all of /proc/meminfo (about 3x cheaper), and the backends ask for
 * 2 MiB pages by name (MFD_HUGE_2MB, SHM_HUGE_2MB) rather than the
 * default huge page size, which is what this counts.
 */
int shmdev__hugetlb_available(size_t size)
{
	char buf[32];
	unsigned long long free_pages;
	ssize_t n;
	int fd;

	fd = open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%llu", &free_pages) != 1)
		return 0;
	return free_pages && free_pages * SHMDEV__HUGE_2M >= size;
}

/* Allocate all of @fd's @size bytes now: -ENOMEM rather than SIGBUS later. */
int shmdev__populate_fd(int fd, size_t size)
{
	int ret = posix_fallocate(fd, 0, (off_t)size);

	if (ret)
		return ret == ENOSPC ? -ENOMEM : -ret;
	return 0;
}

int shmdev__fd_map(const struct shmdev_region *r, int writable, size_t len,
		   void **addr)
{
	void *p = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0),
		       MAP_SHARED, r->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

/* The same, with transparent huge page advice unless hugetlb-backed. */
int shmdev__fd_map_advise(const struct shmdev_region *r, int writable,
			  size_t len, void **addr)
{
	int ret = shmdev__fd_map(r, writable, len, addr);

	if (!ret && !r->hugetlb)
		madvise(*addr, len, MADV_HUGEPAGE);
	return ret;
}

int shmdev__fd_unmap(const struct shmdev_region *r, void *addr, size_t len)
{
	(void)r;
	return munmap(addr, len) < 0 ? -errno : 0;
}

int shmdev__fd_cur_size(struct shmdev_region *r, size_t *size)
{
	struct stat st;

	if (fstat(r->fd, &st) < 0)
		return -errno;
	*size = (size_t)st.st_size;
	return 0;
}

int shmdev__fd_resize(struct shmdev_region *r, size_t size)
{
	size_t old;
	int ret;

	if (r->hugetlb)
		size = shmdev__round_up(size, SHMDEV__HUGE_2M);
	ret = shmdev__fd_cur_size(r, &old);
	if (ret)
		return ret;
	if (size > old && r->flags & SHMDEV_REGION_POPULATE) {
		/* Extends the file as it allocates: all of it, or back. */
		ret = posix_fallocate(r->fd, (off_t)old, (off_t)(size - old));
		if (ret) {
			if (ftruncate(r->fd, (off_t)old) < 0)
				return -errno;
			return ret == ENOSPC ? -ENOMEM : -ret;
		}
	} else if (ftruncate(r->fd, (off_t)size) < 0) {
		return -errno;
	}
	r->size = size;
	return 0;
}

/* The inode: the same in every process, new for a region made again. */
int shmdev__fd_id(const struct shmdev_region *r, uint64_t *id)
{
	struct stat st;

	if (fstat(r->fd, &st) < 0)
		return -errno;
	*id = (uint64_t)st.st_ino;
	return 0;
}
