// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the memfd backend (memfd_create(2)): no name, freed with its
 * last user; hugetlb pages when the pool has room, else transparent huge
 * page advice.  It resizes by ftruncate(2) and seals by fcntl(2)'s
 * F_ADD_SEALS (made with MFD_ALLOW_SEALING); it has no doorbell.
 */
#include <errno.h>
#include <fcntl.h>
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
		r->fd = memfd_create("shmdev", MFD_CLOEXEC | MFD_ALLOW_SEALING |
				     MFD_HUGETLB | SHMDEV__HUGETLB_2M);
		if (r->fd >= 0) {
			r->hugetlb = 1;
			r->size = huge;
		}
	}
	if (r->fd < 0)
		r->fd = memfd_create("shmdev", MFD_CLOEXEC | MFD_ALLOW_SEALING);
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

/* The SHMDEV_SEAL_* values are F_SEAL_*'s (checked below). */
static int memfd_seal(struct shmdev_region *r, unsigned int add)
{
	int seals;

	if (add && fcntl(r->fd, F_ADD_SEALS, (int)add) < 0)
		return -errno;
	seals = fcntl(r->fd, F_GET_SEALS);
	return seals < 0 ? -errno : seals;
}

_Static_assert(SHMDEV_SEAL_SEAL == F_SEAL_SEAL &&
	       SHMDEV_SEAL_SHRINK == F_SEAL_SHRINK &&
	       SHMDEV_SEAL_GROW == F_SEAL_GROW &&
	       SHMDEV_SEAL_WRITE == F_SEAL_WRITE &&
	       SHMDEV_SEAL_FUTURE_WRITE == F_SEAL_FUTURE_WRITE,
	       "shmdev's seals are fcntl's");

static int memfd_status(struct shmdev_region *r,
			struct shmdev_region_status *st)
{
	int seals = memfd_seal(r, 0);

	if (seals < 0)
		return seals;
	st->seals = (unsigned int)seals;
	return 0;
}

const struct shmdev__backend_ops shmdev__memfd_ops = {
	.cannot = SHMDEV__NO_NAMES | SHMDEV__NO_NOTIFY | SHMDEV__NO_PARK,
	.create = memfd_create_region,
	.map = shmdev__fd_map_advise,
	.unmap = shmdev__fd_unmap,
	.id = shmdev__fd_id,
	.cur_size = shmdev__fd_cur_size,
	.resize = shmdev__fd_resize,
	.seal = memfd_seal,
	.status = memfd_status,
};
