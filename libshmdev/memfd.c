// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the memfd backend (memfd_create(2)): no name, freed with its
 * last user; hugetlb pages when the pool has room, else transparent huge
 * page advice.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int memfd_create_region(struct shmdev_region *r, unsigned int flags,
			       unsigned int mode)
{
	size_t huge = shmdev__round_up(r->size, SHMDEV__HUGE_2M);
	int ret;

	(void)mode;	/* no name, so no one else to let in */
	if (shmdev__hugetlb_available(huge)) {
		r->fd = memfd_create("shmdev", MFD_CLOEXEC | MFD_HUGETLB |
				     SHMDEV__HUGETLB_2M);
		if (r->fd >= 0) {
			r->hugetlb = 1;
			r->size = huge;
		}
	}
	if (r->fd < 0)
		r->fd = memfd_create("shmdev", MFD_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return -errno;
	if (flags & SHMDEV_REGION_POPULATE) {
		ret = shmdev__populate_fd(r->fd, r->size);
		if (ret)
			return ret;
	}
	return 0;
}

const struct shmdev__backend_ops shmdev__memfd_ops = {
	.cannot = SHMDEV__NO_NAMES,
	.create = memfd_create_region,
	.map = shmdev__fd_map_advise,
	.unmap = shmdev__fd_unmap,
	.id = shmdev__fd_id,
};
