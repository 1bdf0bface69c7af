// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: the POSIX backend (shm_open(3)).
 *
 * A region named NAME is the file /dev/shm/NAME, shm_open()ed as "/NAME":
 * the name CPython's multiprocessing.shared_memory gives a block, so that
 * a block either side makes, the other opens.  Such a name lives until
 * unlinked.  An unnamed region is a file with a private name, unlinked at
 * once.  It resizes by ftruncate(2); tmpfs files other than memfds take
 * no seals, and there is no doorbell.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* "/" + NAME; "." and ".." would be /dev/shm itself and its parent. */
static int posix_path(char *buf, size_t len, const char *name)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	snprintf(buf, len, "/%s", name);
	return 0;
}

static int posix_open(struct shmdev_region *r)
{
	char path[SHMDEV_NAME_SIZE + 1];
	struct stat st;
	int ret = posix_path(path, sizeof(path), r->name);

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

/*
 * A file no one else can name, unlinked at once, like memfd.  The prefix
 * keeps it apart from the names users choose.
 */
static int posix_open_anon(struct shmdev_region *r)
{
	char path[64];
	struct timespec ts;
	int tries = 0;

	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(path, sizeof(path), "/shmdev.anon.%d.%ld.%d",
			 getpid(), ts.tv_nsec, tries);
		r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 0600);
	} while (r->fd < 0 && errno == EEXIST && ++tries < 100);
	if (r->fd < 0)
		return -errno;
	shm_unlink(path);
	return 0;
}

static int posix_create(struct shmdev_region *r, unsigned int flags,
			unsigned int mode)
{
	char path[SHMDEV_NAME_SIZE + 1];
	size_t want = r->size;
	int ret;

	if (!r->name[0]) {
		ret = posix_open_anon(r);
		if (ret)
			return ret;
	} else {
		ret = posix_path(path, sizeof(path), r->name);
		if (ret)
			return ret;
		r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 mode);
		if (r->fd < 0 && errno == EEXIST && !(flags & SHMDEV_REGION_EXCL)) {
			/* Existing: opened, as by the kernel backend. */
			ret = posix_open(r);
			return !ret && r->size < want ? -EINVAL : ret;
		}
		if (r->fd < 0)
			return -errno;
		if (fchmod(r->fd, mode) < 0)	/* not masked by umask */
			ret = -errno;
	}
	if (!ret && ftruncate(r->fd, (off_t)r->size) < 0)
		ret = -errno;
	if (!ret && flags & SHMDEV_REGION_POPULATE)
		ret = shmdev__populate_fd(r->fd, r->size);
	if (ret && r->name[0])
		shm_unlink(path);	/* made by this call: gone again */
	return ret;
}

static int posix_unlink(const char *name)
{
	char path[SHMDEV_NAME_SIZE + 1];
	int ret = posix_path(path, sizeof(path), name);

	if (ret)
		return ret;
	return shm_unlink(path) < 0 ? -errno : 0;
}

const struct shmdev__backend_ops shmdev__posix_ops = {
	.cannot = SHMDEV__NO_LAST_USER | SHMDEV__NO_SEAL | SHMDEV__NO_NOTIFY |
		  SHMDEV__NO_PARK,
	.create = posix_create,
	.open = posix_open,
	.map = shmdev__fd_map_advise,
	.unmap = shmdev__fd_unmap,
	.unlink = posix_unlink,
	.id = shmdev__fd_id,
	.cur_size = shmdev__fd_cur_size,
	.resize = shmdev__fd_resize,
};
