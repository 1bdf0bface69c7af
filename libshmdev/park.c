// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: a handle and a mapping kept without being a user, over the
 * backends' tables: the kernel's PARK and UNPARK (kernel.c).  No other
 * backend has them: a posix or sysv name outlives its users anyway, and
 * memfd has no name to be found again by.
 */
#include <errno.h>

#include "internal.h"

static int region_park(struct shmdev_region *r, int park, void *addr,
		       size_t len)
{
	if (!r || (!addr && len) || (addr && !len))
		return -EINVAL;
	if (r->ops->cannot & SHMDEV__NO_PARK)
		return -EOPNOTSUPP;
	return r->ops->park(r, park, addr, len);
}

int shmdev_region_park(struct shmdev_region *r, void *addr, size_t len)
{
	return region_park(r, 1, addr, len);
}

int shmdev_region_unpark(struct shmdev_region *r, void *addr, size_t len)
{
	return region_park(r, 0, addr, len);
}
