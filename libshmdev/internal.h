/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libshmdev: what the library's own files share, never exported. */
#ifndef SHMDEV_INTERNAL_H
#define SHMDEV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shmdev.h"

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

/* region.c */
struct shmdev_region *region_new(enum shmdev_backend b, const char *name,
				 size_t size, unsigned int flags);
void region_free(struct shmdev_region *r);

/* backends.c: each returns 0 or a negative errno, @r filled in. */
int posix_name(char *buf, size_t len, const char *name);
int hugetlb_available(size_t size);
size_t round_up(size_t v, size_t to);
int kernel_dev(void);
int kernel_stat(int fd, struct shmdev_stat *st);
int kernel_create(struct shmdev_region *r, unsigned int flags,
		  unsigned int mode);
int kernel_open(struct shmdev_region *r);
int memfd_create_region(struct shmdev_region *r, unsigned int flags);
int posix_create(struct shmdev_region *r, unsigned int flags,
		 unsigned int mode);
int posix_open(struct shmdev_region *r);

/* sysv.c */
int sysv_create(struct shmdev_region *r, unsigned int flags,
		unsigned int mode);
int sysv_open(struct shmdev_region *r);
int sysv_unlink(const char *name);
/* The key a sysv name is first looked for at: swapped by unit tests. */
extern key_t (*shmdev__sysv_key)(const char *name);

/* huge.c: huge-page bytes and kernel page size of the mappings that
 * overlap [addr, addr + size), from /proc/self/smaps. */
int smaps_scan(const void *addr, size_t size, uint64_t *huge, size_t *kpage);

/* The System V id of a sysv region, -1 for the other backends. */
int shmdev__region_shmid(const struct shmdev_region *r);

#endif /* SHMDEV_INTERNAL_H */
