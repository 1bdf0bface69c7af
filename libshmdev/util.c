// SPDX-License-Identifier: LGPL-2.1-or-later
/* libshmdev: helpers the backends share, and the version. */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "internal.h"

const char *shmdev_version(void)
{
	return SHMDEV_VERSION_STRING;
}

size_t shmdev__round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/* Whether the hugetlb pool has @size bytes of free 2 MiB pages. */
int shmdev__hugetlb_available(size_t size)
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
	return page_kb * 1024 == SHMDEV__HUGE_2M &&
	       (unsigned long long)free_pages * SHMDEV__HUGE_2M >= size;
}

/* Allocate all of @fd's @size bytes now: -ENOMEM rather than SIGBUS later. */
int shmdev__populate_fd(int fd, size_t size)
{
	int ret = posix_fallocate(fd, 0, (off_t)size);

	if (ret)
		return ret == ENOSPC ? -ENOMEM : -ret;
	return 0;
}

int shmdev__fd_map(const struct shmdev_region *r, int writable, void **addr)
{
	void *p = mmap(NULL, r->size, PROT_READ | (writable ? PROT_WRITE : 0),
		       MAP_SHARED, r->fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*addr = p;
	return 0;
}

/* The same, with transparent huge page advice unless hugetlb-backed. */
int shmdev__fd_map_advise(const struct shmdev_region *r, int writable,
			  void **addr)
{
	int ret = shmdev__fd_map(r, writable, addr);

	if (!ret && !r->hugetlb)
		madvise(*addr, r->size, MADV_HUGEPAGE);
	return ret;
}

int shmdev__fd_unmap(const struct shmdev_region *r, void *addr)
{
	return munmap(addr, r->size) < 0 ? -errno : 0;
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
