/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev: what the library's own files share, never exported.
 * Everything here is hidden (-fvisibility=hidden, no entry in
 * libshmdev.sym) and named shmdev__*, so that even a static link sees
 * only shmdev_ names.
 */
#ifndef SHMDEV_INTERNAL_H
#define SHMDEV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <asm-generic/hugetlb_encode.h>

#include "shmdev.h"

#define SHMDEV__HUGE_2M (2u << 20)
/*
 * Ask for 2 MiB hugetlb pages, whatever the default huge page size: the
 * value of MFD_HUGE_2MB and SHM_HUGE_2MB, whose uapi headers clash with
 * glibc's <sys/mman.h> and <sys/shm.h>.
 */
#define SHMDEV__HUGETLB_2M HUGETLB_FLAG_ENCODE_2MB

struct shmdev_region {
	enum shmdev_backend backend;	/* resolved: never DEFAULT */
	const struct shmdev__backend_ops *ops;
	int fd;			/* kernel, memfd, posix; -1 for sysv */
	int shmid;		/* sysv; -1 for the others */
	size_t size;		/* as last learnt: create, open, resize, refresh */
	unsigned int flags;	/* SHMDEV_REGION_* it was made or opened with */
	int writable;
	int hugetlb;		/* backed by hugetlb pages */
	void *addr;		/* the mapping, or NULL */
	size_t map_size;	/* bytes mapped at @addr (a resize by another
				 * holder makes it differ from @size) */
	uint64_t features;	/* kernel: SHMDEV_FEAT_* of the module */
	int features_known;	/* kernel: @features was asked for */
	char name[SHMDEV_NAME_SIZE];
};

/*
 * What a backend cannot do (region.c refuses it with -EOPNOTSUPP before
 * calling the backend, so that every backend says it the same way).
 */
#define SHMDEV__NO_NAMES	(1u << 0)	/* anonymous only: no open, unlink */
#define SHMDEV__NO_LAST_USER	(1u << 1)	/* a name outlives its users: a
						 * named create needs PERSIST */
#define SHMDEV__NO_FD		(1u << 2)	/* a region has no fd to pass */
#define SHMDEV__NO_RESIZE	(1u << 3)	/* the size is fixed at create */
#define SHMDEV__NO_SEAL		(1u << 4)	/* no seals */
#define SHMDEV__NO_NOTIFY	(1u << 5)	/* no doorbell */
#define SHMDEV__NO_PARK		(1u << 6)	/* no park, unpark */

/*
 * One backend.  Each returns 0 or a negative errno.  region.c has checked
 * the arguments (flags, mode, size, the name's syntax, what the backend
 * cannot do) and filled r->name, r->size, r->flags, r->writable.
 */
struct shmdev__backend_ops {
	unsigned int cannot;	/* SHMDEV__NO_* */
	/*
	 * Make @r (unnamed when r->name is empty), or open the existing name
	 * without SHMDEV_REGION_EXCL (-EINVAL when smaller than r->size).
	 * Sets r->size to what there is.  All or nothing: on error, nothing
	 * this call made is left (r->fd is closed by the caller).
	 */
	int (*create)(struct shmdev_region *r, unsigned int flags,
		      unsigned int mode);
	/* Open the existing r->name; sets r->size.  -ENOENT when none. */
	int (*open)(struct shmdev_region *r);
	/*
	 * A new mapping of the first @len bytes of @r (at most its size),
	 * writable if @writable.
	 */
	int (*map)(const struct shmdev_region *r, int writable, size_t len,
		   void **addr);
	/* Undo one map() of @r at @addr, of @len bytes. */
	int (*unmap)(const struct shmdev_region *r, void *addr, size_t len);
	/* Remove @name; the memory goes with its last user. */
	int (*unlink)(const char *name);
	/* An identity of @r's memory (see shmdev_region_id()). */
	int (*id)(const struct shmdev_region *r, uint64_t *id);
	/* What only the backend knows: size, region_huge_bytes.  May be NULL. */
	int (*stat)(const struct shmdev_region *r,
		    struct shmdev_region_info *info);
	/*
	 * The size now, which another holder may have changed.  NULL when
	 * it cannot change (SHMDEV__NO_RESIZE).
	 */
	int (*cur_size)(struct shmdev_region *r, size_t *size);
	/*
	 * Change the size of @r for every holder to @size (the backend
	 * rounds it up) and set r->size; the mapping is the caller's
	 * business.  All or nothing.  r->writable was checked.  NULL with
	 * SHMDEV__NO_RESIZE; -EOPNOTSUPP when this region cannot.
	 */
	int (*resize)(struct shmdev_region *r, size_t size);
	/*
	 * Add the SHMDEV_SEAL_* in @add (0: none) and return the seals in
	 * force, or a negative errno.  NULL with SHMDEV__NO_SEAL.
	 */
	int (*seal)(struct shmdev_region *r, unsigned int add);
	/*
	 * The doorbell, SHMDEV_IOC_NOTIFY's @flags: *@events and *@pending
	 * as that ioctl's.  NULL with SHMDEV__NO_NOTIFY.
	 */
	int (*notify)(struct shmdev_region *r, unsigned int flags,
		      uint64_t *events, uint64_t *pending);
	/*
	 * What only the backend knows of shmdev_region_status(): generation,
	 * events, pending, seals, and which of resize, seal and notify this
	 * region can do (@caps, preset from @cannot).  May be NULL.
	 */
	int (*status)(struct shmdev_region *r,
		      struct shmdev_region_status *st);
	/*
	 * PARK (@park) or UNPARK r->fd and the mapping [@addr, @addr +
	 * @len); an unpark sets r->size.  NULL with SHMDEV__NO_PARK.
	 */
	int (*park)(struct shmdev_region *r, int park, void *addr, size_t len);
};

extern const struct shmdev__backend_ops shmdev__kernel_ops;	/* kernel.c */
extern const struct shmdev__backend_ops shmdev__memfd_ops;	/* memfd.c */
extern const struct shmdev__backend_ops shmdev__posix_ops;	/* posix.c */
extern const struct shmdev__backend_ops shmdev__sysv_ops;	/* sysv.c */

/* region.c: a handle for backend @b (resolved), not yet made or opened. */
struct shmdev_region *shmdev__region_new(enum shmdev_backend b,
					 const char *name, size_t size,
					 unsigned int flags);
void shmdev__region_free(struct shmdev_region *r);
/*
 * A mapping of @len bytes of @r of its own, apart from r->addr (pool
 * workers, lists that grew): read-only when @r is, or when a seal
 * forbids writing.
 */
int shmdev__region_attach(const struct shmdev_region *r, size_t len,
			  void **addr);
void shmdev__region_detach(const struct shmdev_region *r, void *addr,
			   size_t len);
/*
 * resize.c: change the size of @r for every holder without touching
 * r->addr (the list keeps its old mappings valid); see
 * shmdev_region_resize() for the errors.
 */
int shmdev__region_grow(struct shmdev_region *r, size_t size);
/* resize.c: r->size from the backend now (for regions that can change). */
int shmdev__region_cur_size(struct shmdev_region *r, size_t *size);

/* util.c: helpers the backends share. */
size_t shmdev__round_up(size_t v, size_t to);
int shmdev__hugetlb_available(size_t size);
int shmdev__populate_fd(int fd, size_t size);
int shmdev__fd_map(const struct shmdev_region *r, int writable, size_t len,
		   void **addr);
int shmdev__fd_map_advise(const struct shmdev_region *r, int writable,
			  size_t len, void **addr);
int shmdev__fd_unmap(const struct shmdev_region *r, void *addr, size_t len);
int shmdev__fd_id(const struct shmdev_region *r, uint64_t *id);
/* fstat()'s size, for posix and memfd. */
int shmdev__fd_cur_size(struct shmdev_region *r, size_t *size);
/*
 * ftruncate() to @size, for posix and memfd: rounded up to 2 MiB for
 * hugetlb; a region made with POPULATE gets the new bytes allocated
 * first (-ENOMEM and no change otherwise).
 */
int shmdev__fd_resize(struct shmdev_region *r, size_t size);

/* huge.c: huge-page bytes and kernel page size of the mappings that
 * overlap [addr, addr + size), from /proc/self/smaps. */
int shmdev__smaps_scan(const void *addr, size_t size, uint64_t *huge,
		       size_t *kpage);

/*
 * list.c: the newest mapping of a list's slots (for the pool's workers):
 * its base and size, slot 0's offset, and how many slots it holds.
 */
int shmdev__list_mapping(const struct shmdev_list *l, unsigned char **base,
			 size_t *size, size_t *data_offset, size_t *max_len);

/* sysv.c: the key a sysv name is first looked for at, swapped by tests. */
extern key_t (*shmdev__sysv_key)(const char *name);

#endif /* SHMDEV_INTERNAL_H */
