/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev: shared memory regions, a typed shareable list and a chunked
 * parallel workload.  Every function returns 0 or a positive value on
 * success and a negative errno on failure; errno is never the channel.
 * The library never prints.
 *
 * This one public header is longer than 600 lines: it holds the contract
 * of every exported function, and one #include is the whole API.
 */
#ifndef SHMDEV_H
#define SHMDEV_H

#include <stddef.h>
#include <stdint.h>
#include <linux/shmdev.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef SHMDEV_BUILDING_LIB
#define SHMDEV_EXPORT __attribute__((visibility("default")))
#else
#define SHMDEV_EXPORT
#endif

/* Path of the kernel module's device. */
#define SHMDEV_DEVICE_PATH "/dev/" SHMDEV_DEVICE_NAME

/*
 * shmdev_version - the library's version string, equal to
 * SHMDEV_VERSION_STRING of the header it was built with.  Never NULL.
 */
SHMDEV_EXPORT const char *shmdev_version(void);

/*
 * shmdev_kernel_open - open /dev/shmlist, close-on-exec.
 *
 * Returns the file descriptor (caller closes it), or -ENOENT when the
 * module is not loaded, -EACCES when the caller may not open the device,
 * or another negative errno from open(2).
 */
SHMDEV_EXPORT int shmdev_kernel_open(void);

/*
 * shmdev_kernel_get_info - ask the module for ABI version, features,
 * limits and usage (SHMDEV_IOC_GET_INFO).
 * @devfd: a descriptor from shmdev_kernel_open()
 * @info:  filled on success
 *
 * Returns 0, -EINVAL when @info is NULL, -EBADF when @devfd is not open,
 * -ENOTTY when @devfd is not /dev/shmlist, or another negative errno.
 */
SHMDEV_EXPORT int shmdev_kernel_get_info(int devfd, struct shmdev_info *info);

/*
 * Regions
 * =======
 *
 * One API over four backends.  What a backend cannot do gives -EOPNOTSUPP:
 *
 *                     names  freed with last user  PERSIST  fd to pass
 *   kernel            yes    yes (unless PERSIST)  yes      yes
 *   memfd             no     yes                   no       yes
 *   sysv              yes    unnamed only          required with a name
 *                                                           no (an id)
 *   posix             yes    unnamed only          required with a name
 *                                                           yes
 *
 *                     resize      seals              doorbell   park
 *                                                    (notify,   (park,
 *                                                    wait)      unpark)
 *   kernel            yes (1)     yes (1)            yes (1)    yes (1)
 *   memfd             ftruncate   F_ADD_SEALS (2)    no         no
 *   sysv              no          no                 no         no
 *   posix             ftruncate   no                 no         no
 *
 *   (1) when the module has SHMDEV_FEAT_RESIZE, _SEAL, _NOTIFY, _PARK
 *       (SHMDEV_IOC_GET_INFO); an older module gives -EOPNOTSUPP.
 *   (2) of memfds this library made, which allow sealing; a memfd from
 *       elsewhere may not (-EPERM).
 *
 * shmdev_region_status() says per region which of the three it has
 * (SHMDEV_CAP_*).  A doorbell needs the kernel to count rings and wake
 * sleepers per open file: the other backends have no such object, and a
 * futex in the region would take bytes of the caller's layout, so they
 * give -EOPNOTSUPP rather than half a doorbell.
 *
 * Names are 1 to 255 (SHMDEV_NAME_MAX) printable ASCII bytes without '/',
 * on every backend with names; anything else, the empty name included,
 * gives -EINVAL.  Per backend:
 *   kernel  the module's own namespace (per IPC namespace).
 *   posix   NAME is the file /dev/shm/NAME, shm_open("/NAME") as CPython's
 *           multiprocessing.shared_memory names its blocks, so either
 *           opens what the other made.  "." and ".." are refused (-EINVAL).
 *   sysv    NAME maps to one of 8 keys (a 32-bit hash, then the next
 *           keys); the segment keeps NAME in a tag past its last byte,
 *           checked on every open and unlink, so two names never reach
 *           each other's memory and a name never created gives -ENOENT.
 *           Checking needs read permission: a segment at one of the
 *           name's keys that the caller cannot read gives -EACCES; all 8
 *           keys held by other segments gives -ENOSPC at create.
 */
enum shmdev_backend {
	SHMDEV_BACKEND_DEFAULT = 0,	/* see shmdev_backend_resolve() */
	SHMDEV_BACKEND_KERNEL,		/* /dev/shmlist */
	SHMDEV_BACKEND_MEMFD,		/* memfd_create(2) */
	SHMDEV_BACKEND_SYSV,		/* shmget(2) */
	SHMDEV_BACKEND_POSIX,		/* shm_open(3) */
};

/* Region flags. */
#define SHMDEV_REGION_EXCL	(1u << 0)	/* create: fail if the name exists */
#define SHMDEV_REGION_PERSIST	(1u << 1)	/* create: keep until unlinked */
#define SHMDEV_REGION_POPULATE	(1u << 2)	/* create: allocate all now */
#define SHMDEV_REGION_RDONLY	(1u << 3)	/* open: read-only */
#define SHMDEV_REGION_CREATE_FLAGS	(SHMDEV_REGION_EXCL | \
					 SHMDEV_REGION_PERSIST | \
					 SHMDEV_REGION_POPULATE)
#define SHMDEV_REGION_OPEN_FLAGS	SHMDEV_REGION_RDONLY

struct shmdev_region;

/* What shmdev_region_stat() reports. */
struct shmdev_region_info {
	enum shmdev_backend backend;
	int writable;			/* mapped or mappable read-write */
	size_t size;			/* bytes (backends round up) */
	size_t page_size;		/* page size this process's mapping got:
					 * 2 MiB when (mostly) huge-mapped or
					 * hugetlb, else 4096; 0 if unmapped */
	uint64_t huge_bytes;		/* bytes of this process's mapping mapped
					 * with 2 MiB pages */
	uint64_t region_huge_bytes;	/* kernel backend: same, all processes */
	char name[SHMDEV_NAME_SIZE];	/* empty when unnamed */
};

/*
 * shmdev_backend_name - "default", "kernel", "memfd", "sysv" or "posix";
 * NULL for an unknown value.
 */
SHMDEV_EXPORT const char *shmdev_backend_name(enum shmdev_backend b);

/*
 * shmdev_backend_parse - the backend called @name (as above).
 * Returns 0, or -EINVAL for NULL arguments or an unknown name.
 */
SHMDEV_EXPORT int shmdev_backend_parse(const char *name,
				       enum shmdev_backend *out);

/*
 * shmdev_backend_resolve - the backend SHMDEV_BACKEND_DEFAULT stands for:
 * the environment variable SHMDEV_BACKEND when set, else "kernel" when
 * /dev/shmlist exists, else "posix" (a default with names, the ones
 * CPython's SharedMemory uses).  This is the one default-backend policy:
 * the shmdev tool and the Python binding ask this function.  Other values
 * resolve to themselves.  Returns 0, or -EINVAL (unknown value, or a bad
 * SHMDEV_BACKEND).
 */
SHMDEV_EXPORT int shmdev_backend_resolve(enum shmdev_backend b,
					 enum shmdev_backend *out);

/*
 * shmdev_region_create - make a region of at least @size bytes.
 * @name:  NULL for an unnamed region
 * @flags: SHMDEV_REGION_EXCL, _PERSIST, _POPULATE
 * @mode:  permission bits (0..0777) of a named region
 *
 * Without EXCL an existing name is opened read-write instead (it must be
 * at least @size).  Returns 0 and *@out, or -EINVAL (bad argument or name,
 * PERSIST without a name, existing region too small), -EOPNOTSUPP (see
 * the table above), -EEXIST, -EACCES, -ENOMEM (POPULATE could not
 * allocate), -ENOENT (kernel backend: module not loaded), -ENOSPC (sysv:
 * every key of the name taken, see above), or another
 * negative errno of the backend.  Nothing is left behind on failure.
 * A sysv region without a name is mapped at once (it is freed with its
 * last attach).
 */
SHMDEV_EXPORT int shmdev_region_create(enum shmdev_backend backend,
				       const char *name, size_t size,
				       unsigned int flags, unsigned int mode,
				       struct shmdev_region **out);

/*
 * shmdev_region_open - open the region called @name, read-write unless
 * @flags has SHMDEV_REGION_RDONLY.  Returns 0 and *@out, or -EINVAL,
 * -EOPNOTSUPP (memfd), -ENOENT (no such name), -EACCES.
 */
SHMDEV_EXPORT int shmdev_region_open(enum shmdev_backend backend,
				     const char *name, unsigned int flags,
				     struct shmdev_region **out);

/*
 * shmdev_region_map - map the whole region MAP_SHARED (read-only if it was
 * opened so, or a seal forbids writing) in this process; returns the
 * existing mapping when mapped.  @addr may be NULL.  Returns 0, -EINVAL,
 * or the mmap/shmat errno.
 */
SHMDEV_EXPORT int shmdev_region_map(struct shmdev_region *r, void **addr);

/* shmdev_region_unmap - undo shmdev_region_map(); 0 when not mapped. */
SHMDEV_EXPORT int shmdev_region_unmap(struct shmdev_region *r);

/* shmdev_region_addr - the mapping, or NULL when unmapped (or @r NULL). */
SHMDEV_EXPORT void *shmdev_region_addr(const struct shmdev_region *r);

/*
 * shmdev_region_size - the region's size in bytes as this handle last
 * learnt it: at create or open, shmdev_region_resize() or _refresh()
 * (0 for NULL).
 */
SHMDEV_EXPORT size_t shmdev_region_size(const struct shmdev_region *r);

/* shmdev_region_backend - the backend of @r (DEFAULT for NULL). */
SHMDEV_EXPORT enum shmdev_backend
shmdev_region_backend(const struct shmdev_region *r);

/*
 * shmdev_region_stat - size, name, backend and the page size the mapping
 * really got.  Returns 0, -EINVAL, or the kernel backend's STAT errno.
 */
SHMDEV_EXPORT int shmdev_region_stat(struct shmdev_region *r,
				     struct shmdev_region_info *info);

/*
 * shmdev_huge_bytes - how much of this process's memory around
 * [@addr, @addr + @len) is mapped with huge pages (PMD-mapped shmem or
 * file pages, anonymous THP), from /proc/self/smaps.  It sums whole
 * mappings: every one that overlaps the range counts in full.  For any
 * memory, not only regions (shmdev_region_stat() uses it).  Returns 0 with
 * *@bytes set (0 when nothing there is huge or mapped), -EINVAL for a NULL
 * @bytes, or the errno of opening smaps.
 */
SHMDEV_EXPORT int shmdev_huge_bytes(const void *addr, size_t len,
				    uint64_t *bytes);

/*
 * shmdev_region_fd - the region's file descriptor, owned by @r (for
 * fstat, passing by hand, or an event loop: a kernel region's fd is
 * readable (poll(2), epoll(7)) when its doorbell rang, see
 * shmdev_region_wait()).  Returns it, -EINVAL, or -EOPNOTSUPP for sysv
 * (use shmdev_region_send(), which passes the id).
 */
SHMDEV_EXPORT int shmdev_region_fd(const struct shmdev_region *r);

/*
 * shmdev_region_id - an identity of @r's memory: the same in every process
 * that has it open, and different for a region made again under the same
 * name (the inode; the shmid for sysv).  Returns 0 and *@id, -EINVAL, or
 * fstat's errno.
 */
SHMDEV_EXPORT int shmdev_region_id(const struct shmdev_region *r,
				   uint64_t *id);

/*
 * shmdev_region_unlink - remove the name; the memory goes with the last
 * user.  Returns 0, -EINVAL, -ENOENT, -EPERM, -EOPNOTSUPP (memfd).
 */
SHMDEV_EXPORT int shmdev_region_unlink(enum shmdev_backend backend,
				       const char *name);

/* shmdev_region_close - unmap and close; @r is freed.  NULL is fine. */
SHMDEV_EXPORT void shmdev_region_close(struct shmdev_region *r);

/*
 * shmdev_region_send - send @r over the Unix socket @sock: its fd with
 * SCM_RIGHTS (sysv: its id) and what describes it.  Returns 0, -EINVAL,
 * or the sendmsg errno.
 */
SHMDEV_EXPORT int shmdev_region_send(int sock, const struct shmdev_region *r);

/*
 * shmdev_region_recv - receive a region sent by shmdev_region_send().
 * Returns 0 and *@out (unmapped), -EINVAL, -EBADMSG (not such a message),
 * or the recvmsg errno.
 */
SHMDEV_EXPORT int shmdev_region_recv(int sock, struct shmdev_region **out);

/*
 * Kept without being a user (kernel backend)
 * ===========================================
 *
 * A process done with a named region that it will likely open again by
 * name soon (each task of a pool worker) may keep the handle and one
 * mapping of it parked instead of closing them: they are then no users,
 * so the region still goes with its last other user (its name, memory
 * and usage; the parked mapping then gives SIGBUS), and unparking them
 * later costs one call, with no open, mmap(2) or page fault, and
 * succeeds only if the name still names that very region and the caller
 * may still open it.  include/uapi/linux/shmdev.h (SHMDEV_IOC_PARK) has
 * the exact semantics.
 */

/*
 * shmdev_region_park - make @r and the mapping [@addr, @addr + @len) no
 * users of the region (@addr NULL and @len 0: the handle alone).  The
 * mapping is the whole of one mmap(2) of shmdev_region_fd() in this
 * process (shmdev_region_map() makes one: @addr and @len are then
 * shmdev_region_addr() and shmdev_region_size()).  Until unparked, @r
 * may only be unparked, asked its status, or closed.  Returns 0, -EINVAL
 * (NULL; not such a mapping; an unnamed region), -EBADFD (parked
 * already), -EBUSY (a copy of the mapping in another process: a child
 * forked since), -EOPNOTSUPP (another backend, or an older module).
 */
SHMDEV_EXPORT int shmdev_region_park(struct shmdev_region *r, void *addr,
				     size_t len);

/*
 * shmdev_region_unpark - make @r and its parked mapping [@addr, @addr +
 * @len) users again, if the region is still alive and its name still
 * names it, and the caller may open it with @r's mode; then the size of
 * @r is the region's now (compare it with the mapping's).  Returns 0,
 * -ESTALE (the region went, or its name was unlinked or names another
 * region now: close @r), -EACCES, -EPERM (read-write, and a write seal in
 * force), -EINVAL (NULL; not parked; not such a parked mapping),
 * -EOPNOTSUPP.  On error nothing changed.
 */
SHMDEV_EXPORT int shmdev_region_unpark(struct shmdev_region *r, void *addr,
				       size_t len);

/*
 * Resize, seals and the doorbell
 * ==============================
 *
 * See the table above for what each backend has; include/uapi/linux/
 * shmdev.h (SHMDEV_IOC_RESIZE, _SEAL, _NOTIFY) for the kernel backend's
 * exact semantics, which memfd's follow (seals are fcntl(2)'s F_SEAL_*,
 * with the same values as SHMDEV_SEAL_*).
 */

/* shmdev_region_status()'s @caps: what this region can do. */
#define SHMDEV_CAP_RESIZE	(1u << 0)	/* shmdev_region_resize() */
#define SHMDEV_CAP_SEAL		(1u << 1)	/* shmdev_region_seal() */
#define SHMDEV_CAP_NOTIFY	(1u << 2)	/* shmdev_region_notify(), _wait() */

/* What shmdev_region_status() reports, asked of the backend now. */
struct shmdev_region_status {
	uint64_t size;		/* bytes now (another holder may have resized) */
	uint64_t generation;	/* kernel: resizes that changed the size;
				 * other backends: 0 (compare @size) */
	uint64_t events;	/* kernel: the doorbell's count; else 0 */
	uint64_t pending;	/* kernel: events this handle has not seen
				 * (acknowledged); else 0 */
	unsigned int seals;	/* SHMDEV_SEAL_* in force (0 without seals) */
	unsigned int caps;	/* SHMDEV_CAP_* */
	uint64_t reserved[4];	/* 0 */
};

/*
 * shmdev_region_status - size, generation, doorbell and seals of @r now,
 * and what @r can do.  Returns 0, -EINVAL (NULL), or the backend's errno
 * (STAT, fstat, F_GET_SEALS).
 */
SHMDEV_EXPORT int shmdev_region_status(struct shmdev_region *r,
				       struct shmdev_region_status *st);

/*
 * shmdev_region_resize - change the size of @r to @size bytes for every
 * holder (the kernel rounds up to the page size, memfd on hugetlb pages
 * to 2 MiB).  Growth reads as zeros and, for a region made with
 * SHMDEV_REGION_POPULATE, is allocated now (-ENOMEM and no change
 * otherwise).  Shrinking frees the memory past the new end: any mapping
 * of it, in any process, gets SIGBUS there.
 *
 * When @r is mapped (shmdev_region_map()), its mapping is replaced by
 * one of the new size, usually at another address: pointers into the old
 * mapping are invalid after the call (shmdev_region_addr() has the new
 * one).  Other holders keep their mappings; they learn of the change from
 * the doorbell (kernel: a resize rings it once), the generation or the
 * size (shmdev_region_status()) and call shmdev_region_refresh().
 *
 * Returns 0, or -EINVAL (NULL, @size 0 or above INT64_MAX / 2),
 * -EBADF (@r is read-only), -EOPNOTSUPP (see the table), -EPERM (a
 * SHMDEV_SEAL_GROW or _SHRINK seal), -EFBIG, -ENOSPC, -EDQUOT (kernel
 * limits), -ENOMEM, or the backend's errno.  When only the new mapping
 * failed (its errno is returned), the region has the new size and @r is
 * unmapped.
 */
SHMDEV_EXPORT int shmdev_region_resize(struct shmdev_region *r, size_t size);

/*
 * shmdev_region_refresh - learn the size of @r now (another holder may
 * have resized it) and, when @r is mapped and the size changed, replace
 * the mapping as shmdev_region_resize() does.  Returns 1 when the size
 * changed, 0 when not (always for sysv), -EINVAL, or the errno of
 * asking the size or of mapping (then @r is unmapped).
 */
SHMDEV_EXPORT int shmdev_region_refresh(struct shmdev_region *r);

/*
 * shmdev_region_seal - add the seals @add (SHMDEV_SEAL_*, 0 for none)
 * and return those in force after the call (>= 0).  Seals are one way;
 * SHMDEV_SEAL_WRITE fails with -EBUSY while a writable shared mapping
 * exists anywhere, this handle's own included (shmdev_region_unmap()
 * first; shmdev_region_map() then maps read-only).  Returns the seals,
 * or -EINVAL (NULL, unknown bits), -EBADF (adding through a read-only
 * @r), -EOPNOTSUPP (see the table), -EPERM (SHMDEV_SEAL_SEAL in force;
 * memfd: one that does not allow sealing), -EBUSY.
 */
SHMDEV_EXPORT int shmdev_region_seal(struct shmdev_region *r,
				     unsigned int add);

/*
 * shmdev_region_notify - ring the doorbell of @r: every holder's handle
 * (each open, in every process) sees one more event, and waiters in
 * shmdev_region_wait() or poll(2) on shmdev_region_fd() wake.  Any
 * holder may ring, read-only ones too.  Returns 0, -EINVAL,
 * -EOPNOTSUPP (see the table).
 */
SHMDEV_EXPORT int shmdev_region_notify(struct shmdev_region *r);

/*
 * shmdev_region_wait - wait until @r's doorbell has events that this
 * handle has not seen (rings, resizes), for at most @timeout_ms
 * milliseconds (-1: no limit, 0: do not wait), then acknowledge them.
 * No ring is lost: each is counted by every handle once.  Handles share
 * their cursor with their dup()s, fork()s and SCM_RIGHTS copies, as a
 * file offset.  For an event loop, poll(2) shmdev_region_fd() for
 * POLLIN and call this with 0.
 *
 * Returns how many events (>= 1), 0 on timeout, or -EINVAL (NULL,
 * @timeout_ms below -1), -EOPNOTSUPP (see the table), -EINTR (a signal).
 */
SHMDEV_EXPORT int64_t shmdev_region_wait(struct shmdev_region *r,
					 int timeout_ms);

/*
 * The shareable list
 * ==================
 *
 * A self-describing list at the start of a region, in the format of
 * docs/list-format.md.  Typed lists hold one C type; a mixed list holds
 * the kinds of Python's ShareableList (None, int, float, bool, str, bytes)
 * in 16-byte slots with a heap for str and bytes.  Access is O(1).  Every
 * access re-checks what other processes may have changed: a corrupted
 * list gives -EBADMSG, never an access outside the region.
 */
enum shmdev_type {
	SHMDEV_T_INT64 = 1,
	SHMDEV_T_UINT64 = 2,
	SHMDEV_T_DOUBLE = 3,
	SHMDEV_T_INT32 = 4,
	SHMDEV_T_FLOAT = 5,
	SHMDEV_T_UINT8 = 6,	/* also bool */
	SHMDEV_T_MIXED = 16,
};

enum shmdev_kind {
	SHMDEV_KIND_NONE = 0,
	SHMDEV_KIND_INT = 1,
	SHMDEV_KIND_FLOAT = 2,
	SHMDEV_KIND_BOOL = 3,
	SHMDEV_KIND_STR = 4,	/* UTF-8, sized in bytes, NULs allowed */
	SHMDEV_KIND_BYTES = 5,
};

/* One element of a mixed list. */
struct shmdev_value {
	enum shmdev_kind kind;
	int64_t i;		/* INT */
	double f;		/* FLOAT */
	int b;			/* BOOL: 0 or 1 */
	const void *ptr;	/* STR, BYTES: on get, points into the region */
	size_t len;		/* STR, BYTES: bytes */
};

struct shmdev_list;

/*
 * shmdev_apply_fn - work on elements [@first, @first + @count) of the
 * array @elems (element 0 of a typed list).  Called in a worker process by
 * shmdev_pool_run(): it must not rely on memory written by the caller
 * after the pool was created, except the region and @arg.
 */
typedef void (*shmdev_apply_fn)(void *elems, size_t first, size_t count,
				void *arg);

/* shmdev_type_size - slot size of @type in bytes; 0 for an unknown type. */
SHMDEV_EXPORT size_t shmdev_type_size(enum shmdev_type type);

/*
 * shmdev_list_bytes - region bytes a list needs: @capacity slots of @type
 * and, for SHMDEV_T_MIXED only, @heap_bytes for str and bytes values.
 * Returns 0 for an unknown type, a heap on a typed list, or overflow.
 */
SHMDEV_EXPORT size_t shmdev_list_bytes(enum shmdev_type type, size_t capacity,
				       size_t heap_bytes);

/*
 * shmdev_list_format - write an empty list (length 0) into @mem of @size
 * bytes.  Returns 0, -EINVAL (bad type, sizes or NULL) or -ENOSPC (@size
 * is below shmdev_list_bytes()).
 */
SHMDEV_EXPORT int shmdev_list_format(void *mem, size_t size,
				     enum shmdev_type type, size_t capacity,
				     size_t heap_bytes);

/*
 * shmdev_list_create - create a region (see shmdev_region_create(); a
 * named one with SHMDEV_REGION_EXCL), format a list in it and attach.
 * The list owns the region: shmdev_list_detach() closes it.  Returns 0 and
 * *@out, or the errors of shmdev_region_create() and shmdev_list_format().
 */
SHMDEV_EXPORT int shmdev_list_create(enum shmdev_backend backend,
				     const char *name, enum shmdev_type type,
				     size_t capacity, size_t heap_bytes,
				     unsigned int flags, unsigned int mode,
				     struct shmdev_list **out);

/*
 * shmdev_list_attach - map @r and attach to the list in it, validating
 * the header against the region size.  @r stays the caller's and must
 * outlive the list.  Returns 0 and *@out, -EINVAL, -EBADMSG (not a valid
 * list), -ENOMEM, or the errors of shmdev_region_map().
 */
SHMDEV_EXPORT int shmdev_list_attach(struct shmdev_region *r,
				     struct shmdev_list **out);

/*
 * shmdev_list_attach_buffer - the same over @size bytes at @mem (any
 * memory, e.g. a mapping made by other means).
 */
SHMDEV_EXPORT int shmdev_list_attach_buffer(void *mem, size_t size,
					    struct shmdev_list **out);

/* shmdev_list_detach - forget @l (closing its region if it owns it). */
SHMDEV_EXPORT void shmdev_list_detach(struct shmdev_list *l);

/* shmdev_list_region - the list's region (NULL for a buffer). */
SHMDEV_EXPORT struct shmdev_region *
shmdev_list_region(const struct shmdev_list *l);

/* shmdev_list_type - the element type (0 for NULL). */
SHMDEV_EXPORT enum shmdev_type shmdev_list_type(const struct shmdev_list *l);

/*
 * shmdev_list_capacity - slots now (0 for NULL): a typed list's grows
 * with shmdev_list_append() and _extend(), in any process.
 */
SHMDEV_EXPORT size_t shmdev_list_capacity(const struct shmdev_list *l);

/*
 * shmdev_list_len - elements in use now, or -EINVAL (NULL) or -EBADMSG
 * (the shared length exceeds the capacity or the region).  A length that
 * another process grew the list for maps the region again first (its
 * errno, should that fail).
 */
SHMDEV_EXPORT int64_t shmdev_list_len(const struct shmdev_list *l);

/* shmdev_list_set_len - set the length; -EINVAL above the capacity. */
SHMDEV_EXPORT int shmdev_list_set_len(struct shmdev_list *l, size_t n);

/*
 * shmdev_list_data - element 0 of a typed list, for zero-copy work (stay
 * within shmdev_list_len() as it was when you asked: after the list
 * grew, ask again); NULL for a mixed list or NULL.
 */
SHMDEV_EXPORT void *shmdev_list_data(const struct shmdev_list *l);

/*
 * shmdev_list_get / shmdev_list_set - copy element @i (shmdev_type_size()
 * bytes) out of or into a typed list.  Returns 0, -EINVAL (NULL, or a
 * mixed list), -ERANGE (@i not below the length), -EBADMSG.
 */
SHMDEV_EXPORT int shmdev_list_get(const struct shmdev_list *l, size_t i,
				  void *elem);
SHMDEV_EXPORT int shmdev_list_set(struct shmdev_list *l, size_t i,
				  const void *elem);

/*
 * shmdev_list_get_range / shmdev_list_set_range - copy @count elements
 * from @first out of or into a typed list.  Errors as shmdev_list_get().
 */
SHMDEV_EXPORT int shmdev_list_get_range(const struct shmdev_list *l,
					size_t first, size_t count, void *out);
SHMDEV_EXPORT int shmdev_list_set_range(struct shmdev_list *l, size_t first,
					size_t count, const void *in);

/*
 * shmdev_list_append - add one element at the end of a typed list,
 * growing it when full (see shmdev_list_extend()).  Returns 0 or the
 * errors of shmdev_list_extend().
 */
SHMDEV_EXPORT int shmdev_list_append(struct shmdev_list *l, const void *elem);

/*
 * shmdev_list_extend - add @count elements from @elems at the end of a
 * typed list.  A full list grows: its region is resized to twice the
 * capacity (or more, to fit), so that n appends cost O(n) copies; the
 * capacity is then all the region holds.  Readers in other processes see
 * the new length at their next access, which maps the region again.
 * One process appends at a time (as a length set by two writers at once
 * would be); readers may run meanwhile.
 *
 * Pointers from shmdev_list_data() taken before stay valid until detach
 * (the list keeps its older mappings), but cover only the elements there
 * were then.  Do not resize or refresh a list's region by hand: the list
 * reads through the region's mapping.
 *
 * Returns 0, -EINVAL (NULL, @elems NULL with a nonzero @count, a mixed
 * list), -ENOSPC (full, and the list cannot grow: over a buffer, or a
 * sysv region), -EOVERFLOW (too many elements), -EBADMSG, or the errors
 * of shmdev_region_resize() (-EBADF for a read-only region, -EPERM for
 * a seal against growth, -EFBIG, -ENOSPC, -EDQUOT, -ENOMEM) and of
 * mapping.
 */
SHMDEV_EXPORT int shmdev_list_extend(struct shmdev_list *l, const void *elems,
				     size_t count);

/*
 * shmdev_list_apply - call @fn on [@first, @first + @count) of a typed
 * list, in this process.  Errors as shmdev_list_get(); -EINVAL for a NULL
 * @fn.
 */
SHMDEV_EXPORT int shmdev_list_apply(struct shmdev_list *l, size_t first,
				    size_t count, shmdev_apply_fn fn,
				    void *arg);

/*
 * shmdev_list_get_value - element @i of a mixed list.  A str or bytes
 * value points into the region (valid while attached, and only as stable
 * as the writers make it).  Returns 0, -EINVAL, -ERANGE, -EBADMSG (the
 * slot is corrupted).
 */
SHMDEV_EXPORT int shmdev_list_get_value(const struct shmdev_list *l, size_t i,
					struct shmdev_value *v);

/*
 * shmdev_list_set_value - store @v at @i of a mixed list; str and bytes
 * are copied into the heap (into the old bytes when they fit).  Returns 0,
 * -EINVAL (bad kind, NULL), -EILSEQ (a str that is not UTF-8), -ERANGE,
 * -ENOSPC (heap full), -EBADMSG.
 */
SHMDEV_EXPORT int shmdev_list_set_value(struct shmdev_list *l, size_t i,
					const struct shmdev_value *v);

/*
 * The chunked parallel workload
 * =============================
 *
 * A pool of worker processes, forked once, that apply a function to a
 * typed list by chunks.  Jobs go out and come back through a control
 * block in shared memory with futex wait and wake.
 */
struct shmdev_pool;

#define SHMDEV_POOL_DYNAMIC		(1u << 0)	/* claim chunks from a shared
							 * counter (else chunk k goes
							 * to worker k % workers) */
#define SHMDEV_POOL_ATTACH_PER_JOB	(1u << 1)	/* map the region anew for
							 * every job, as a pool that
							 * re-attaches per task does */
#define SHMDEV_POOL_CALLER_RUNS	(1u << 2)	/* the caller runs a share of
							 * each job too (workers + 1
							 * take part) */
#define SHMDEV_POOL_WAIT_ACTIVE	(1u << 3)	/* waiters spin, never sleep */
#define SHMDEV_POOL_WAIT_PASSIVE	(1u << 4)	/* waiters sleep at once */
#define SHMDEV_POOL_VALID_FLAGS	(SHMDEV_POOL_DYNAMIC | \
				 SHMDEV_POOL_ATTACH_PER_JOB | \
				 SHMDEV_POOL_CALLER_RUNS | \
				 SHMDEV_POOL_WAIT_ACTIVE | \
				 SHMDEV_POOL_WAIT_PASSIVE)

/*
 * shmdev_pool_create - fork @workers (1..256) processes attached to the
 * typed list @l, which must be attached to a region (and stay so until
 * shmdev_pool_destroy()).  Workers die with the caller.  With
 * SHMDEV_POOL_CALLER_RUNS, P CPUs are best used by P - 1 workers.
 *
 * Waiting (a worker for the next job, the caller for the workers) follows
 * the wait policy: WAIT_ACTIVE spins, WAIT_PASSIVE sleeps on a futex at
 * once, and neither flag means $SHMDEV_POOL_WAIT (active, passive or auto),
 * by default auto: spin about twice the recent gap between jobs (50 us to
 * 10 ms), then sleep (with more processes than CPUs: yield for 50 us).
 *
 * Returns 0 and *@out, -EINVAL (NULL, no region, a mixed list, bad count
 * or flags, both WAIT flags, an unknown $SHMDEV_POOL_WAIT), -ENOMEM, or
 * the fork/mmap errno.
 */
SHMDEV_EXPORT int shmdev_pool_create(struct shmdev_list *l,
				     unsigned int workers, unsigned int flags,
				     struct shmdev_pool **out);

/*
 * shmdev_pool_run - apply @fn to every element of the list (its length
 * now) by chunks of @chunk elements (0: an even split), and wait.  @arg_len
 * bytes at @arg (at most 256) are copied to the workers, which get a
 * pointer to their copy (NULL when @arg_len is 0).
 * Returns 0, -EINVAL (NULL, bad sizes, or not the creating process),
 * -ECHILD (a worker died: this and later jobs fail), -EBADMSG, -ESTALE
 * (the list grew past the capacity it had at shmdev_pool_create(), which
 * the workers mapped: make a new pool).
 */
SHMDEV_EXPORT int shmdev_pool_run(struct shmdev_pool *p, shmdev_apply_fn fn,
				  const void *arg, size_t arg_len,
				  size_t chunk);

/* shmdev_pool_workers - the number of workers (0 for NULL). */
SHMDEV_EXPORT unsigned int shmdev_pool_workers(const struct shmdev_pool *p);

/*
 * shmdev_pool_destroy - stop and reap the workers (SIGKILL after a second)
 * and free @p; NULL is fine.  The list and region stay.  Returns 0, or
 * -ECHILD when a worker had died, -ETIMEDOUT when one had to be killed.
 */
SHMDEV_EXPORT int shmdev_pool_destroy(struct shmdev_pool *p);

/*
 * Ready-made apply functions, for bindings (Python) that cannot pass C
 * code.  @arg points to the factor or addend (int64_t, or double for
 * _f64), or is NULL for the default (2 for the products, 1 for the sum).
 * Integer arithmetic wraps modulo 2^64.
 */
SHMDEV_EXPORT void shmdev_apply_mul_i64(void *elems, size_t first,
					size_t count, void *arg);
SHMDEV_EXPORT void shmdev_apply_add_i64(void *elems, size_t first,
					size_t count, void *arg);
SHMDEV_EXPORT void shmdev_apply_mul_f64(void *elems, size_t first,
					size_t count, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* SHMDEV_H */
