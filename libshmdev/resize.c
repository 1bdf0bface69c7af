// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: resize, seals and the doorbell, over the backends' tables.
 *
 * This file checks the arguments and what the backend cannot do (its
 * SHMDEV__NO_* bits: -EOPNOTSUPP before the backend is asked), and keeps
 * the caller's mapping in step with the size.  The backends do the rest:
 * the kernel by its ioctls, posix and memfd by ftruncate(2) and fcntl(2).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* What @r's backend can do, before asking it (kernel: its module). */
static unsigned int region_caps(const struct shmdev_region *r)
{
	unsigned int caps = 0;

	if (!(r->ops->cannot & SHMDEV__NO_RESIZE))
		caps |= SHMDEV_CAP_RESIZE;
	if (!(r->ops->cannot & SHMDEV__NO_SEAL))
		caps |= SHMDEV_CAP_SEAL;
	if (!(r->ops->cannot & SHMDEV__NO_NOTIFY))
		caps |= SHMDEV_CAP_NOTIFY;
	return caps;
}

int shmdev_region_status(struct shmdev_region *r,
			 struct shmdev_region_status *st)
{
	size_t size;
	int ret;

	if (!r || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->caps = region_caps(r);
	st->size = r->size;
	ret = shmdev__region_cur_size(r, &size);
	if (ret)
		return ret;
	st->size = size;
	return r->ops->status ? r->ops->status(r, st) : 0;
}

int shmdev__region_cur_size(struct shmdev_region *r, size_t *size)
{
	if (!r->ops->cur_size) {
		*size = r->size;	/* fixed at create */
		return 0;
	}
	return r->ops->cur_size(r, size);
}

int shmdev__region_grow(struct shmdev_region *r, size_t size)
{
	if (r->ops->cannot & SHMDEV__NO_RESIZE)
		return -EOPNOTSUPP;
	if (!r->writable)
		return -EBADF;
	return r->ops->resize(r, size);
}

/*
 * After the size changed: replace r->addr (when mapped) by a mapping of
 * r->size.  The new one is made before the old goes, so that a failure
 * leaves nothing half done: then @r is unmapped and the errno returned.
 */
static int region_remap(struct shmdev_region *r)
{
	void *addr;
	int ret;

	if (!r->addr || r->map_size == r->size)
		return 0;
	ret = shmdev__region_attach(r, r->size, &addr);
	r->ops->unmap(r, r->addr, r->map_size);
	r->addr = ret ? NULL : addr;
	r->map_size = ret ? 0 : r->size;
	return ret;
}

int shmdev_region_resize(struct shmdev_region *r, size_t size)
{
	int ret;

	if (!r || !size || size > (size_t)INT64_MAX / 2)
		return -EINVAL;
	ret = shmdev__region_grow(r, size);
	if (ret)
		return ret;
	return region_remap(r);
}

int shmdev_region_refresh(struct shmdev_region *r)
{
	size_t size;
	int ret;

	if (!r)
		return -EINVAL;
	ret = shmdev__region_cur_size(r, &size);
	if (ret)
		return ret;
	if (size == r->size && (!r->addr || r->map_size == size))
		return 0;
	r->size = size;
	ret = region_remap(r);
	return ret ? ret : 1;
}

int shmdev_region_seal(struct shmdev_region *r, unsigned int add)
{
	if (!r || add & ~(unsigned int)SHMDEV_SEAL_VALID)
		return -EINVAL;
	if (r->ops->cannot & SHMDEV__NO_SEAL)
		return -EOPNOTSUPP;
	if (add && !r->writable)
		return -EBADF;
	return r->ops->seal(r, add);
}

int shmdev_region_notify(struct shmdev_region *r)
{
	uint64_t events, pending;

	if (!r)
		return -EINVAL;
	if (r->ops->cannot & SHMDEV__NO_NOTIFY)
		return -EOPNOTSUPP;
	return r->ops->notify(r, SHMDEV_NOTIFY_RING, &events, &pending);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * poll(2) says the fd is readable; acknowledging says how many events.
 * Another user of the same open file (a dup, a fork) may acknowledge in
 * between: then none are left, and the wait goes on until the deadline.
 */
int64_t shmdev_region_wait(struct shmdev_region *r, int timeout_ms)
{
	int64_t deadline, left = timeout_ms;
	uint64_t events, pending;
	struct pollfd pfd;
	int ret;

	if (!r || timeout_ms < -1)
		return -EINVAL;
	if (r->ops->cannot & SHMDEV__NO_NOTIFY)
		return -EOPNOTSUPP;
	deadline = now_ms() + timeout_ms;
	for (;;) {
		ret = r->ops->notify(r, SHMDEV_NOTIFY_ACK, &events, &pending);
		if (ret)
			return ret;
		if (pending)
			return (int64_t)pending;
		if (timeout_ms >= 0) {
			left = deadline - now_ms();
			if (left <= 0)
				return 0;
		}
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		ret = poll(&pfd, 1, timeout_ms < 0 ? -1 : (int)left);
		if (ret < 0)
			return -errno;
		if (pfd.revents & POLLNVAL)
			return -EBADF;
		/* Not a doorbell that poll(2) can wait on: do not spin. */
		if (pfd.revents & (POLLERR | POLLHUP) && !(pfd.revents & POLLIN))
			return -EIO;
		if (ret == 0)
			return 0;
	}
}
