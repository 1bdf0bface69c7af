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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define HUGE_2M (2u << 20)

struct shmdev_region {
	enum shmdev_backend backend;
	int fd;			/* kernel, memfd, posix; -1 for sysv */
	int shmid;		/* sysv */
	size_t size;
	unsigned int flags;	/* SHMDEV_REGION_* it was made or opened with */
	int writable;
	int hugetlb;		/* backed by hugetlb pages */
	int created;		/* a named segment made by this create */
	void *addr;		/* the mapping, or NULL */
	char name[SHMDEV_NAME_SIZE];
};

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

/* FNV-1a of the name: the System V key of a named segment. */
static key_t sysv_key(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	if (h == (uint32_t)IPC_PRIVATE)
		h = 1;
	return (key_t)h;
}

static void posix_name(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/shmdev.%s", name);
}

/* Whether the hugetlb pool has @size bytes of free 2 MiB pages. */
static int hugetlb_available(size_t size)
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
	return page_kb * 1024 == HUGE_2M &&
	       (unsigned long long)free_pages * HUGE_2M >= size;
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static struct shmdev_region *region_new(enum shmdev_backend b, const char *name,
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

static void region_free(struct shmdev_region *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

static int kernel_dev(void)
{
	int fd = open(SHMDEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int kernel_stat(int fd, struct shmdev_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, SHMDEV_IOC_STAT, st) < 0 ? -errno : 0;
}

static int kernel_create(struct shmdev_region *r, unsigned int flags,
			 unsigned int mode)
{
	struct shmdev_create c;
	struct shmdev_stat st;
	int dev = kernel_dev();

	if (dev < 0)
		return dev;
	memset(&c, 0, sizeof(c));
	c.size = r->size;
	c.mode = mode;
	c.flags = SHMDEV_CREATE_CLOEXEC;
	if (flags & SHMDEV_REGION_EXCL)
		c.flags |= SHMDEV_CREATE_EXCL;
	if (flags & SHMDEV_REGION_PERSIST)
		c.flags |= SHMDEV_CREATE_PERSIST;
	if (flags & SHMDEV_REGION_POPULATE)
		c.flags |= SHMDEV_CREATE_POPULATE;
	memcpy(c.name, r->name, sizeof(c.name));
	if (ioctl(dev, SHMDEV_IOC_CREATE, &c) < 0) {
		int err = -errno;

		close(dev);
		return err;
	}
	close(dev);
	r->fd = (int)c.fd;
	/* The module rounds up to a page, and an existing region (no EXCL)
	 * has its own size: report what there is, as kernel_open() does. */
	if (!kernel_stat(r->fd, &st))
		r->size = st.size;
	return 0;
}

static int kernel_open(struct shmdev_region *r)
{
	struct shmdev_open o;
	struct shmdev_stat st;
	int dev = kernel_dev(), ret;

	if (dev < 0)
		return dev;
	memset(&o, 0, sizeof(o));
	o.flags = SHMDEV_OPEN_CLOEXEC | (r->writable ? SHMDEV_OPEN_RDWR : 0);
	memcpy(o.name, r->name, sizeof(o.name));
	ret = ioctl(dev, SHMDEV_IOC_OPEN, &o) < 0 ? -errno : 0;
	close(dev);
	if (ret)
		return ret;
	r->fd = (int)o.fd;
	ret = kernel_stat(r->fd, &st);
	if (ret)
		return ret;
	r->size = st.size;
	return 0;
}

static int memfd_create_region(struct shmdev_region *r, unsigned int flags)
{
	unsigned int mflags = MFD_CLOEXEC;
	size_t size = r->size;

	if (hugetlb_available(round_up(size, HUGE_2M))) {
		mflags |= MFD_HUGETLB;
		size = round_up(size, HUGE_2M);
	}
	r->fd = memfd_create("shmdev", mflags);
	if (r->fd < 0 && (mflags & MFD_HUGETLB)) {
		mflags &= ~MFD_HUGETLB;
		size = r->size;
		r->fd = memfd_create("shmdev", mflags);
	}
	if (r->fd < 0)
		return -errno;
	r->hugetlb = !!(mflags & MFD_HUGETLB);
	r->size = size;
	if (ftruncate(r->fd, (off_t)size) < 0)
		return -errno;
	if (flags & SHMDEV_REGION_POPULATE) {
		int ret = posix_fallocate(r->fd, 0, (off_t)size);

		if (ret)
			return ret == ENOSPC ? -ENOMEM : -ret;
	}
	return 0;
}

static int posix_open(struct shmdev_region *r);

static int posix_create(struct shmdev_region *r, unsigned int flags,
			unsigned int mode)
{
	char path[SHMDEV_NAME_SIZE + 16];
	int tries = 0;

	if (r->name[0]) {
		posix_name(path, sizeof(path), r->name);
		r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
				 mode);
		if (r->fd < 0 && errno == EEXIST && !(flags & SHMDEV_REGION_EXCL)) {
			/* Existing: opened, as by the kernel backend. */
			size_t want = r->size;
			int ret = posix_open(r);

			if (!ret && r->size < want)
				ret = -EINVAL;
			return ret;
		}
		if (r->fd < 0)
			return -errno;
		r->created = 1;
		if (fchmod(r->fd, mode) < 0)	/* not masked by umask */
			return -errno;
	} else {
		/* Unnamed: a private name unlinked at once, like memfd. */
		do {
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			snprintf(path, sizeof(path), "/shmdev.anon.%d.%ld.%d",
				 getpid(), ts.tv_nsec, tries);
			r->fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL |
					 O_CLOEXEC, 0600);
		} while (r->fd < 0 && errno == EEXIST && ++tries < 100);
		if (r->fd < 0)
			return -errno;
		shm_unlink(path);
	}
	if (ftruncate(r->fd, (off_t)r->size) < 0)
		return -errno;
	if (flags & SHMDEV_REGION_POPULATE) {
		int ret = posix_fallocate(r->fd, 0, (off_t)r->size);

		if (ret)
			return ret == ENOSPC ? -ENOMEM : -ret;
	}
	return 0;
}

static int posix_open(struct shmdev_region *r)
{
	char path[SHMDEV_NAME_SIZE + 16];
	struct stat st;

	posix_name(path, sizeof(path), r->name);
	r->fd = shm_open(path, (r->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC, 0);
	if (r->fd < 0)
		return -errno;
	if (fstat(r->fd, &st) < 0)
		return -errno;
	r->size = (size_t)st.st_size;
	return 0;
}

static int sysv_create(struct shmdev_region *r, unsigned int flags,
		       unsigned int mode)
{
	key_t key = r->name[0] ? sysv_key(r->name) : IPC_PRIVATE;
	int shmflg = IPC_CREAT | IPC_EXCL | (int)mode;
	struct shmid_ds ds;

	if (hugetlb_available(round_up(r->size, HUGE_2M))) {
		r->shmid = shmget(key, round_up(r->size, HUGE_2M),
				  shmflg | SHM_HUGETLB);
		if (r->shmid >= 0)
			r->hugetlb = 1;
	}
	if (r->shmid < 0)
		r->shmid = shmget(key, r->size, shmflg);
	if (r->shmid < 0 && errno == EEXIST && key != IPC_PRIVATE &&
	    !(flags & SHMDEV_REGION_EXCL))
		r->shmid = shmget(key, r->size, 0);	/* EINVAL if smaller */
	else if (r->shmid >= 0)
		r->created = key != IPC_PRIVATE;
	if (r->shmid < 0)
		return -errno;
	if (shmctl(r->shmid, IPC_STAT, &ds) < 0)
		return -errno;
	r->size = ds.shm_segsz;
	return 0;
}

static int sysv_open(struct shmdev_region *r)
{
	struct shmid_ds ds;

	r->shmid = shmget(sysv_key(r->name), 0, 0);
	if (r->shmid < 0)
		return -errno;
	if (shmctl(r->shmid, IPC_STAT, &ds) < 0)
		return -errno;
	r->size = ds.shm_segsz;
	return 0;
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

/*
 * Sum smaps fields over the mappings that overlap [addr, addr + size):
 * bytes mapped with huge pages, and the kernel page size.
 */
static int smaps_scan(const void *addr, size_t size, uint64_t *huge,
		      size_t *kpage)
{
	uintptr_t start, end, lo = (uintptr_t)addr, hi = lo + size;
	char line[256];
	int in = 0;
	unsigned long long kb;
	FILE *f = fopen("/proc/self/smaps", "re");

	*huge = 0;
	*kpage = 4096;
	if (!f)
		return -errno;
	if (hi < lo)
		hi = UINTPTR_MAX;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start < hi && end > lo;
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "ShmemPmdMapped: %llu", &kb) == 1 ||
		    sscanf(line, "FilePmdMapped: %llu", &kb) == 1 ||
		    sscanf(line, "AnonHugePages: %llu", &kb) == 1)
			*huge += kb * 1024;
		else if (sscanf(line, "KernelPageSize: %llu", &kb) == 1)
			*kpage = kb * 1024;
	}
	fclose(f);
	return 0;
}

int shmdev_huge_bytes(const void *addr, size_t len, uint64_t *bytes)
{
	size_t kpage;

	if (!bytes)
		return -EINVAL;
	*bytes = 0;
	if (!len)
		return 0;
	return smaps_scan(addr, len, bytes, &kpage);
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
	int ret, dev, id;

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
		posix_name(path, sizeof(path), name);
		return shm_unlink(path) < 0 ? -errno : 0;
	case SHMDEV_BACKEND_SYSV:
		id = shmget(sysv_key(name), 0, 0);
		if (id < 0)
			return -errno;
		return shmctl(id, IPC_RMID, NULL) < 0 ? -errno : 0;
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

/* What travels with a region over a Unix socket. */
struct region_msg {
	uint32_t magic;
	uint32_t backend;
	uint64_t size;
	int32_t shmid;
	uint32_t flags;
	uint32_t hugetlb;
	uint32_t has_fd;
	char name[SHMDEV_NAME_SIZE];
};

#define REGION_MSG_MAGIC 0x53524731u	/* "SRG1" */

int shmdev_region_send(int sock, const struct shmdev_region *r)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct region_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;

	if (!r || sock < 0)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.magic = REGION_MSG_MAGIC;
	m.backend = r->backend;
	m.size = r->size;
	m.shmid = r->shmid;
	m.flags = r->flags;
	m.hugetlb = r->hugetlb;
	m.has_fd = r->fd >= 0;
	memcpy(m.name, r->name, sizeof(m.name));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (m.has_fd) {
		memset(cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &r->fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return errno ? -errno : -EIO;
	return 0;
}

int shmdev_region_recv(int sock, struct shmdev_region **out)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct shmdev_region *r;
	struct region_msg m;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cm;
	ssize_t n;
	int fd = -1;

	if (out)
		*out = NULL;
	if (!out || sock < 0)
		return -EINVAL;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &m;
	iov.iov_len = sizeof(m);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (n != (ssize_t)sizeof(m) || m.magic != REGION_MSG_MAGIC ||
	    !shmdev_backend_name(m.backend) || m.backend == SHMDEV_BACKEND_DEFAULT ||
	    (m.has_fd != 0) != (fd >= 0) || !m.size ||
	    memchr(m.name, 0, sizeof(m.name)) == NULL ||
	    (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	r = region_new(m.backend, m.name[0] ? m.name : NULL, m.size, m.flags);
	if (!r) {
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	r->fd = fd;
	r->shmid = m.shmid;
	r->hugetlb = !!m.hugetlb;
	if (fd >= 0)
		r->writable = (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR;
	*out = r;
	return 0;
}

int shmdev__region_shmid(const struct shmdev_region *r)
{
	return r ? r->shmid : -1;
}
