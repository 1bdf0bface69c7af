// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: one region API over four backends.
 *
 *   kernel  /dev/shmlist: named, permission-checked, freed with its last
 *           user, huge pages from the module's own tmpfs.
 *   memfd   memfd_create(2): freed with its last user, no name; hugetlb
 *           pages when the pool has enough, else transparent huge page
 *           advice.
 *   sysv    shmget(2)/shmat(2), the plain System V path: a named segment
 *           lives until unlinked (PERSIST is required for a name).
 *   posix   shm_open(3): the same, with a file in /dev/shm.
 *
 * This file holds the region API; backends.c each backend's create and
 * open, huge.c the huge-page counts, passing.c sending a region over a
 * Unix socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *const backend_names[] = {
	[SHMDEV_BACKEND_DEFAULT] = "default",
	[SHMDEV_BACKEND_KERNEL] = "kernel",
	[SHMDEV_BACKEND_MEMFD] = "memfd",
	[SHMDEV_BACKEND_SYSV] = "sysv",
	[SHMDEV_BACKEND_POSIX] = "posix",
};

const char *shmdev_backend_name(enum shmdev_backend b)
{
	if ((unsigned int)b >= sizeof(backend_names) / sizeof(backend_names[0]))
		return NULL;
	return backend_names[b];
}

int shmdev_backend_parse(const char *name, enum shmdev_backend *out)
{
	unsigned int i;

	if (!name || !out)
		return -EINVAL;
	for (i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++) {
		if (!strcmp(name, backend_names[i])) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

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
						       SHMDEV_BACKEND_MEMFD;
	return 0;
}

/* A name for the user-space backends: 1..255 printable bytes, no '/'. */
static int check_name(const char *name)
{
	size_t i, len;

	if (!name)
		return 0;
	len = strlen(name);
	if (len == 0 || len > SHMDEV_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/')
			return -EINVAL;
	return 0;
}

struct shmdev_region *region_new(enum shmdev_backend b, const char *name,
					size_t size, unsigned int flags)
{
	struct shmdev_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->backend = b;
	r->fd = -1;
	r->shmid = -1;
	r->size = size;
	r->flags = flags;
	r->writable = !(flags & SHMDEV_REGION_RDONLY);
	if (name)
		snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

void region_free(struct shmdev_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* What a backend cannot do, said up front. */
static int backend_supports(enum shmdev_backend b, const char *name,
			    unsigned int flags)
{
	if (flags & SHMDEV_REGION_PERSIST && !name)
		return -EINVAL;
	if (b == SHMDEV_BACKEND_MEMFD && name)
		return -EOPNOTSUPP;	/* memfd has no names */
	if ((b == SHMDEV_BACKEND_SYSV || b == SHMDEV_BACKEND_POSIX) && name &&
	    !(flags & SHMDEV_REGION_PERSIST))
		return -EOPNOTSUPP;	/* a name there outlives its users */
	return 0;
}

int shmdev_region_create(enum shmdev_backend backend, const char *name,
			 size_t size, unsigned int flags, unsigned int mode,
			 struct shmdev_region **out)
{
	struct shmdev_region *r;
	enum shmdev_backend b;
	int ret;

	if (out)
		*out = NULL;
	if (!out || !size || size > (size_t)INT64_MAX / 2 ||
	    flags & ~SHMDEV_REGION_CREATE_FLAGS || mode & ~0777u)
		return -EINVAL;
	ret = shmdev_backend_resolve(backend, &b);
	if (ret)
		return ret;
	ret = check_name(name);
	if (ret)
		return ret;
	ret = backend_supports(b, name, flags);
	if (ret)
		return ret;
	r = region_new(b, name, size, flags);
	if (!r)
		return -ENOMEM;

	switch (b) {
	case SHMDEV_BACKEND_KERNEL:
		ret = kernel_create(r, flags, mode);
		break;
	case SHMDEV_BACKEND_MEMFD:
		ret = memfd_create_region(r, flags);
		break;
	case SHMDEV_BACKEND_POSIX:
		ret = posix_create(r, flags, mode);
		break;
	case SHMDEV_BACKEND_SYSV:
		ret = sysv_create(r, flags, mode);
		if (ret)
			break;
		/* Unnamed: gone with its last attach, so attach now. */
		if (!name) {
			ret = shmdev_region_map(r, NULL);
			shmctl(r->shmid, IPC_RMID, NULL);
		}
		break;
	default:
		ret = -EINVAL;
	}
	if (!ret && flags & SHMDEV_REGION_POPULATE && b == SHMDEV_BACKEND_SYSV) {
		ret = shmdev_region_map(r, NULL);
		if (!ret && madvise(r->addr, r->size, MADV_POPULATE_WRITE) < 0)
			ret = errno == EFAULT ? -ENOMEM : -errno;
	}
	if (ret) {
		/* A named segment this call made goes again. */
		if (r->created)
			shmdev_region_unlink(b, name);
		shmdev_region_close(r);
		return ret;
	}
	*out = r;
	return 0;
}

int shmdev_region_open(enum shmdev_backend backend, const char *name,
		       unsigned int flags, struct shmdev_region **out)
{
	struct shmdev_region *r;
	enum shmdev_backend b;
	int ret;

	if (out)
		*out = NULL;
	if (!out || !name || flags & ~SHMDEV_REGION_OPEN_FLAGS)
		return -EINVAL;
	ret = shmdev_backend_resolve(backend, &b);
	if (ret)
		return ret;
	ret = check_name(name);
	if (ret)
		return ret;
	if (b == SHMDEV_BACKEND_MEMFD)
		return -EOPNOTSUPP;
	r = region_new(b, name, 0, flags);
	if (!r)
		return -ENOMEM;
	switch (b) {
	case SHMDEV_BACKEND_KERNEL:
		ret = kernel_open(r);
		break;
	case SHMDEV_BACKEND_POSIX:
		ret = posix_open(r);
		break;
	case SHMDEV_BACKEND_SYSV:
		ret = sysv_open(r);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret) {
		region_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int shmdev_region_map(struct shmdev_region *r, void **addr)
{
	int prot = PROT_READ | (r && r->writable ? PROT_WRITE : 0);
	void *p;

	if (!r)
		return -EINVAL;
	if (r->addr) {
		if (addr)
			*addr = r->addr;
		return 0;
	}
	if (r->backend == SHMDEV_BACKEND_SYSV) {
		p = shmat(r->shmid, NULL, r->writable ? 0 : SHM_RDONLY);
		if (p == (void *)-1)
			return -errno;
	} else {
		p = mmap(NULL, r->size, prot, MAP_SHARED, r->fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		/* Huge pages where the backend can have them on advice. */
		if (!r->hugetlb && r->backend != SHMDEV_BACKEND_KERNEL)
			madvise(p, r->size, MADV_HUGEPAGE);
	}
	r->addr = p;
	if (addr)
		*addr = p;
	return 0;
}

int shmdev_region_unmap(struct shmdev_region *r)
{
	int ret;

	if (!r)
		return -EINVAL;
	if (!r->addr)
		return 0;
	if (r->backend == SHMDEV_BACKEND_SYSV)
		ret = shmdt(r->addr);
	else
		ret = munmap(r->addr, r->size);
	if (ret < 0)
		return -errno;
	r->addr = NULL;
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
	if (r->fd < 0)
		return -EOPNOTSUPP;	/* sysv: an id, no fd */
	return r->fd;
}

int shmdev_region_id(const struct shmdev_region *r, uint64_t *id)
{
	struct stat st;

	if (!r || !id)
		return -EINVAL;
	if (r->fd < 0) {
		*id = (uint64_t)(unsigned int)r->shmid;
		return 0;
	}
	if (fstat(r->fd, &st) < 0)
		return -errno;
	*id = (uint64_t)st.st_ino;
	return 0;
}

int shmdev_region_stat(struct shmdev_region *r, struct shmdev_region_info *info)
{
	if (!r || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->backend = r->backend;
	info->size = r->size;
	info->writable = r->writable;
	memcpy(info->name, r->name, sizeof(info->name));
	if (r->backend == SHMDEV_BACKEND_KERNEL) {
		struct shmdev_stat st;
		int ret = kernel_stat(r->fd, &st);

		if (ret)
			return ret;
		info->size = st.size;
		info->region_huge_bytes = st.huge_bytes;
	}
	if (r->addr) {
		size_t kpage;

		smaps_scan(r->addr, r->size, &info->huge_bytes, &kpage);
		info->page_size = kpage;
		if (kpage < HUGE_2M && info->huge_bytes >= r->size / 2)
			info->page_size = HUGE_2M;
	}
	return 0;
}

int shmdev_region_unlink(enum shmdev_backend backend, const char *name)
{
	char path[SHMDEV_NAME_SIZE + 16];
	struct shmdev_unlink u;
	enum shmdev_backend b;
	int ret, dev;

	ret = shmdev_backend_resolve(backend, &b);
	if (ret)
		return ret;
	if (!name)
		return -EINVAL;
	ret = check_name(name);
	if (ret)
		return ret;
	switch (b) {
	case SHMDEV_BACKEND_KERNEL:
		dev = kernel_dev();
		if (dev < 0)
			return dev;
		memset(&u, 0, sizeof(u));
		snprintf((char *)u.name, sizeof(u.name), "%s", name);
		ret = ioctl(dev, SHMDEV_IOC_UNLINK, &u) < 0 ? -errno : 0;
		close(dev);
		return ret;
	case SHMDEV_BACKEND_POSIX:
		ret = posix_name(path, sizeof(path), name);
		if (ret)
			return ret;
		return shm_unlink(path) < 0 ? -errno : 0;
	case SHMDEV_BACKEND_SYSV:
		return sysv_unlink(name);
	case SHMDEV_BACKEND_MEMFD:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

void shmdev_region_close(struct shmdev_region *r)
{
	if (!r)
		return;
	shmdev_region_unmap(r);
	region_free(r);
}

int shmdev__region_shmid(const struct shmdev_region *r)
{
	return r ? r->shmid : -1;
}
