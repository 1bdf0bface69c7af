// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: SEAL, memfd's seals (mm/memfd.c's memfd_add_seals()) on a named
 * region.  Seals are only ever added, under the region's resize_lock, so
 * that RESIZE sees them whole; mmap(2) and OPEN read them without it.
 * The write seal's hard part, that no mapping can write once it is in
 * force, is kmod/mmap.c's count of writable mappings.
 */
#include <linux/fs.h>
#include <linux/mutex.h>

#include "shmdev.h"

static int shmdev_seal_add(struct shmdev_region *r, u32 add)
{
	u32 seals = r->seals;
	int ret;

	lockdep_assert_held(&r->resize_lock);
	if (seals & SHMDEV_SEAL_SEAL)
		return -EPERM;
	if (add & SHMDEV_SEAL_WRITE && !(seals & SHMDEV_SEAL_WRITE)) {
		ret = shmdev_writers_deny(r);
		if (ret)
			return ret;
		/*
		 * No mapping can write now, nor be made to; a page pinned
		 * through one that is gone still could.
		 */
		if (shmdev_region_pinned(r)) {
			shmdev_writers_allow(r);
			return -EBUSY;
		}
	}
	WRITE_ONCE(r->seals, seals | add);
	return 0;
}

long shmdev_cmd_seal(struct file *file, void *karg, struct shmdev_newfd *nfd)
{
	struct shmdev_region *r = shmdev_region_of(file);
	struct shmdev_seal *sl = karg;
	long ret = 0;

	if (sl->add & ~SHMDEV_SEAL_VALID || sl->flags || sl->pad)
		return -EINVAL;
	if (sl->add && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	if (!sl->add) {
		/* Only reading: no wait behind a RESIZE that populates. */
		sl->seals = READ_ONCE(r->seals);
		return 0;
	}
	ret = mutex_lock_killable(&r->resize_lock);
	if (ret)
		return ret;
	ret = shmdev_seal_add(r, sl->add);
	sl->seals = r->seals;
	mutex_unlock(&r->resize_lock);
	return ret;
}
