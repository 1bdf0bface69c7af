// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: one region API over four backends, each in a file of its
 * own behind a table of operations (struct shmdev__backend_ops):
 *
 *   kernel.c  /dev/shmlist: named, permission-checked, freed with its last
 *             user, huge pages from the module's own tmpfs.
 *   memfd.c   memfd_create(2): freed with its last user, no name.
 *   sysv.c    shmget(2)/shmat(2): a named segment lives until unlinked.
 *   posix.c   shm_open(3): the same, as the file /dev/shm/NAME.
 *
 * This file checks arguments, says what a backend cannot do, and keeps
 * the handle; util.c holds what the backends share, huge.c the huge-page
 * counts, passing.c sending a region over a Unix socket, resize.c
 * resize, seals and the doorbell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const struct {
	const char *name;
	const struct shmdev__backend_ops *ops;
} backends[] = {
	[SHMDEV_BACKEND_DEFAULT] = { "default", NULL },
	[SHMDEV_BACKEND_KERNEL] = { "kernel", &shmdev__kernel_ops },
	[SHMDEV_BACKEND_MEMFD] = { "memfd", &shmdev__memfd_ops },
	[SHMDEV_BACKEND_SYSV] = { "sysv", &shmdev__sysv_ops },
	[SHMDEV_BACKEND_POSIX] = { "posix", &shmdev__posix_ops },
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

const char *shmdev_backend_name(enum shmdev_backend b)
{
	if ((unsigned int)b >= NBACKENDS)
		return NULL;
	return backends[b].name;
}

int shmdev_backend_parse(const char *name, enum shmdev_backend *out)
{
	unsigned int i;

	if (!name || !out)
		return -EINVAL;
	for (i = 0; i < NBACKENDS; i++) {
		if (!strcmp(name, backends[i].name)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * The default backend, the one policy of C, the tool and Python (which
 * ask this function rather than decide): $SHMDEV_BACKEND, else the module
 * when /dev/shmlist exists, else posix.  posix rather than memfd, because
 * a default must do what callers of a shared-memory library do first:
 * share by name between unrelated processes.  memfd has no name (only fd
 * passing shares it), so "create NAME here, open NAME there" would fail
 * with -EOPNOTSUPP by default; posix names are the ones CPython's
 * SharedMemory uses, so Python users get a drop-in; sysv's names are 32-bit
 * keys.  The cost, that a posix name outlives a crashed creator, is the one
 * CPython users already know (and PERSIST makes them say so); unnamed posix
 * regions are unlinked at once and go with their last user, as memfd's.
 */
int shmdev_backend_resolve(enum shmdev_backend b, enum shmdev_backend *out)
{
	const char *env;
	int ret;

	if (!out)
		return -EINVAL;
	if (b != SHMDEV_BACKEND_DEFAULT) {
		if (!shmdev_backend_name(b))
			return -EINVAL;
		*out = b;
		return 0;
	}
	env = getenv("SHMDEV_BACKEND");
	if (env && *env) {
		ret = shmdev_backend_parse(env, out);
		if (ret < 0 || *out == SHMDEV_BACKEND_DEFAULT)
			return -EINVAL;
		return 0;
	}
	*out = access(SHMDEV_DEVICE_PATH, F_OK) == 0 ? SHMDEV_BACKEND_KERNEL :
						       SHMDEV_BACKEND_POSIX;
	return 0;
}

/* The operations of @backend, resolved; *@b gets the backend. */
static int backend_ops(enum shmdev_backend backend, enum shmdev_backend *b,
		       const struct shmdev__backend_ops **ops)
{
	int ret = shmdev_backend_resolve(backend, b);

	if (ret)
		return ret;
	*ops = backends[*b].ops;
	return 0;
}

/* A name: 1..255 printable bytes, no '/' (a backend may refuse more). */
static int check_name(const char *name)
{
	size_t i, len;

	if (!name)
		return 0;
	len = strnlen(name, SHMDEV_NAME_SIZE);
	if (len == 0 || len > SHMDEV_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/')
			return -EINVAL;
	return 0;
}

struct shmdev_region *shmdev__region_new(enum shmdev_backend b,
					 const char *name, size_t size,
					 unsigned int flags)
{
	struct shmdev_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->backend = b;
	r->ops = backends[b].ops;
	r->fd = -1;
	r->shmid = -1;
	r->size = size;
	r->flags = flags;
	r->writable = !(flags & SHMDEV_REGION_RDONLY);
	if (name)
		snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

void shmdev__region_free(struct shmdev_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

int shmdev_region_create(enum shmdev_backend backend, const char *name,
			 size_t size, unsigned int flags, unsigned int mode,
			 struct shmdev_region **out)
{
	const struct shmdev__backend_ops *ops;
	struct shmdev_region *r;
	enum shmdev_backend b;
	int ret;

	if (out)
		*out = NULL;
	if (!out || !size || size > (size_t)INT64_MAX / 2 ||
	    flags & ~SHMDEV_REGION_CREATE_FLAGS || mode & ~0777u)
		return -EINVAL;
	ret = backend_ops(backend, &b, &ops);
	if (ret)
		return ret;
	ret = check_name(name);
	if (ret)
		return ret;
	if (flags & SHMDEV_REGION_PERSIST && !name)
		return -EINVAL;
	if (name && ops->cannot & SHMDEV__NO_NAMES)
		return -EOPNOTSUPP;
	if (name && ops->cannot & SHMDEV__NO_LAST_USER &&
	    !(flags & SHMDEV_REGION_PERSIST))
		return -EOPNOTSUPP;	/* a name there outlives its users */
	r = shmdev__region_new(b, name, size, flags);
	if (!r)
		return -ENOMEM;
	ret = ops->create(r, flags, mode);
	if (ret) {
		shmdev_region_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int shmdev_region_open(enum shmdev_backend backend, const char *name,
		       unsigned int flags, struct shmdev_region **out)
{
	const struct shmdev__backend_ops *ops;
	struct shmdev_region *r;
	enum shmdev_backend b;
	int ret;

	if (out)
		*out = NULL;
	if (!out || !name || flags & ~SHMDEV_REGION_OPEN_FLAGS)
		return -EINVAL;
	ret = backend_ops(backend, &b, &ops);
	if (ret)
		return ret;
	ret = check_name(name);
	if (ret)
		return ret;
	if (ops->cannot & SHMDEV__NO_NAMES)
		return -EOPNOTSUPP;
	r = shmdev__region_new(b, name, 0, flags);
	if (!r)
		return -ENOMEM;
	ret = ops->open(r);
	if (ret) {
		shmdev__region_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int shmdev__region_attach(const struct shmdev_region *r, size_t len,
			  void **addr)
{
	int ret = r->ops->map(r, r->writable, len, addr);

	/* A seal against writing leaves reading (SHMDEV_SEAL_WRITE). */
	if (ret == -EPERM && r->writable)
		ret = r->ops->map(r, 0, len, addr);
	return ret;
}

void shmdev__region_detach(const struct shmdev_region *r, void *addr,
			   size_t len)
{
	r->ops->unmap(r, addr, len);
}

int shmdev_region_map(struct shmdev_region *r, void **addr)
{
	int ret;

	if (!r)
		return -EINVAL;
	if (!r->addr) {
		ret = shmdev__region_attach(r, r->size, &r->addr);
		if (ret)
			return ret;
		r->map_size = r->size;
	}
	if (addr)
		*addr = r->addr;
	return 0;
}

int shmdev_region_unmap(struct shmdev_region *r)
{
	int ret;

	if (!r)
		return -EINVAL;
	if (!r->addr)
		return 0;
	ret = r->ops->unmap(r, r->addr, r->map_size);
	if (ret)
		return ret;
	r->addr = NULL;
	r->map_size = 0;
	return 0;
}

void *shmdev_region_addr(const struct shmdev_region *r)
{
	return r ? r->addr : NULL;
}

size_t shmdev_region_size(const struct shmdev_region *r)
{
	return r ? r->size : 0;
}

enum shmdev_backend shmdev_region_backend(const struct shmdev_region *r)
{
	return r ? r->backend : SHMDEV_BACKEND_DEFAULT;
}

int shmdev_region_fd(const struct shmdev_region *r)
{
	if (!r)
		return -EINVAL;
	if (r->ops->cannot & SHMDEV__NO_FD)
		return -EOPNOTSUPP;	/* sysv: an id, no fd */
	return r->fd;
}

int shmdev_region_id(const struct shmdev_region *r, uint64_t *id)
{
	if (!r || !id)
		return -EINVAL;
	return r->ops->id(r, id);
}

int shmdev_region_stat(struct shmdev_region *r, struct shmdev_region_info *info)
{
	int ret;

	if (!r || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->backend = r->backend;
	info->size = r->size;
	info->writable = r->writable;
	memcpy(info->name, r->name, sizeof(info->name));
	if (r->ops->stat) {
		ret = r->ops->stat(r, info);
		if (ret)
			return ret;
	}
	if (r->addr) {
		size_t kpage;

		shmdev__smaps_scan(r->addr, r->map_size, &info->huge_bytes,
				   &kpage);
		info->page_size = kpage;
		if (kpage < SHMDEV__HUGE_2M &&
		    info->huge_bytes >= r->map_size / 2)
			info->page_size = SHMDEV__HUGE_2M;
	}
	return 0;
}

int shmdev_region_unlink(enum shmdev_backend backend, const char *name)
{
	const struct shmdev__backend_ops *ops;
	enum shmdev_backend b;
	int ret;

	ret = backend_ops(backend, &b, &ops);
	if (ret)
		return ret;
	if (!name)
		return -EINVAL;
	ret = check_name(name);
	if (ret)
		return ret;
	if (ops->cannot & SHMDEV__NO_NAMES)
		return -EOPNOTSUPP;
	return ops->unlink(name);
}

void shmdev_region_close(struct shmdev_region *r)
{
	if (!r)
		return;
	shmdev_region_unmap(r);
	shmdev__region_free(r);
}
