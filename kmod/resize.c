// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: RESIZE, a region's size changed for every holder, as ftruncate(2)
 * changes a memfd's.  The limits are charged before anything grows and
 * given back only after the memory went; the size others map by
 * (region->size) grows only once the memory is there and shrinks before
 * it goes, so that no new mapping reaches past the memory for long.  Every
 * change moves the generation and rings the doorbell, so that the other
 * holders learn to map again.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>

#include "shmdev.h"

static int shmdev_grow(struct shmdev_region *r, u64 old, u64 size)
{
	int ret;

	if (r->seals & SHMDEV_SEAL_GROW)
		return -EPERM;
	ret = shmdev_charge_resize(r, size);
	if (ret)
		return ret;
	/*
	 * The size first, so that shmem sees it when it allocates (6.1's
	 * huge=within_size looks only at i_size): POPULATE's growth comes
	 * on 2 MiB pages too.  r->size, what mmap(2) checks, waits for the
	 * memory.
	 */
	ret = shmdev_shmem_set_size(r->shmem, size);
	if (!ret && r->populate) {
		ret = shmdev_shmem_populate(r->shmem, old, size - old);
		if (ret)
			WARN_ON_ONCE(shmdev_shmem_set_size(r->shmem, old));
	}
	if (ret) {
		/* A shrink back to what was charged cannot fail. */
		WARN_ON_ONCE(shmdev_charge_resize(r, old));
		return ret;
	}
	WRITE_ONCE(r->size, size);
	shmdev_account_resized();
	return 0;
}

static int shmdev_shrink(struct shmdev_region *r, u64 old, u64 size)
{
	int ret;

	if (r->seals & SHMDEV_SEAL_SHRINK)
		return -EPERM;
	WRITE_ONCE(r->size, size);
	ret = shmdev_shmem_set_size(r->shmem, size);
	if (ret) {
		WRITE_ONCE(r->size, old);
		return ret;
	}
	/* A shrink's charge always goes; the size has changed anyway. */
	WARN_ON_ONCE(shmdev_charge_resize(r, size));
	return 0;
}

long shmdev_cmd_resize(struct file *file, void *karg,
		       struct shmdev_newfd *nfd)
{
	struct shmdev_region *r = shmdev_region_of(file);
	struct shmdev_resize *rs = karg;
	u64 size, old;
	long ret;

	if (rs->flags || rs->pad)
		return -EINVAL;
	if (!rs->size || rs->size > MAX_LFS_FILESIZE - PAGE_SIZE)
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	size = PAGE_ALIGN(rs->size);
	/*
	 * shmem would send SIGXFSZ past the caller's RLIMIT_FSIZE, as
	 * ftruncate(2) does; for memory an error says enough.
	 */
	if (size > rlimit(RLIMIT_FSIZE))
		return -EFBIG;

	ret = mutex_lock_killable(&r->resize_lock);
	if (ret)
		return ret;
	old = r->size;
	if (size > old)
		ret = shmdev_grow(r, old, size);
	else if (size < old)
		ret = shmdev_shrink(r, old, size);
	if (!ret && size != old) {
		/*
		 * After the size: a reader that sees the new generation
		 * (acquire) sees the new size.
		 */
		smp_store_release(&r->generation, r->generation + 1);
		shmdev_bell_ring(r);
	}
	rs->generation = r->generation;
	mutex_unlock(&r->resize_lock);
	return ret;
}
