/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shmdev: named, hugepage-backed shared memory regions from /dev/shmlist.
 *
 * This is the one ABI header, shared by the module, libshmdev and the tests.
 * A client can be written from this file alone.
 *
 * Conventions for every ioctl here:
 *
 *  - Commands are _IOR/_IOW/_IOWR of the struct they carry, with type
 *    SHMDEV_IOC_MAGIC.  A command the file does not know gives -ENOTTY.
 *  - Structs contain only __u8..__u64 fields with explicit padding.  Every
 *    field documented "in: must be 0" (flags not listed in the matching
 *    *_VALID_FLAGS mask, padding, reserved) gives -EINVAL when nonzero.
 *  - Structs only ever grow at the end.  The size is taken from the ioctl
 *    number, so an older binary keeps working against a newer module and
 *    vice versa: the module accepts any size from the first published size
 *    (SHMDEV_*_SIZE_VER0) upwards; bytes it does not know must be zero
 *    (else -E2BIG), bytes the caller did not pass read as zero, and on
 *    output the module writes at most the caller's size.  A size below
 *    the first published size gives -EINVAL.
 *  - Bad user pointers give -EFAULT.
 */
#ifndef _UAPI_LINUX_SHMDEV_H
#define _UAPI_LINUX_SHMDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The project's one version: module (MODULE_VERSION), dkms.conf, library
 * and tool all report this.
 */
#define SHMDEV_VERSION_MAJOR	0
#define SHMDEV_VERSION_MINOR	3
#define SHMDEV_VERSION_PATCH	0
#define SHMDEV_VERSION_STRING	"0.3.0"
#define SHMDEV_VERSION_CODE	((SHMDEV_VERSION_MAJOR << 16) | \
				 (SHMDEV_VERSION_MINOR << 8) | \
				 SHMDEV_VERSION_PATCH)

/*
 * The ABI's revision, raised when it grows.  Every revision keeps every
 * earlier one working unchanged (struct sizes are negotiated, see below),
 * so a client checks the features it needs in SHMDEV_IOC_GET_INFO's
 * @features rather than this number.
 *   1: regions, PERSIST, POPULATE, huge pages, listing, REMOVE.
 *   2: RESIZE, SEAL, NOTIFY (the doorbell: poll(2) and read(2) of region
 *      fds); STAT grew to 416 bytes.
 *   3: PARK and UNPARK, STAT's SHMDEV_STATE_PARKED.
 */
#define SHMDEV_ABI_VERSION	3

/*
 * Overview
 *
 * /dev/shmlist hands out regions: shared memory from a module-private tmpfs
 * mounted with huge=within_size, so a mapping is made of 2 MiB pages where
 * a 2 MiB page was available (4 KiB pages otherwise).  Each region is a file
 * descriptor of its own, made by SHMDEV_IOC_CREATE or SHMDEV_IOC_OPEN on the
 * device.  mmap(2) it with MAP_SHARED (MAP_PRIVATE gives -EINVAL); offset
 * and length must lie within the region (-EINVAL); mappings come 2 MiB
 * aligned when at least 2 MiB long.  Memory comes zeroed.  It is ordinary
 * page cache, so get_user_pages (process_vm_readv, O_DIRECT) and fork work.
 *
 * Lifetime: a region lives while any region fd or mapping references it.
 * When the last one goes, its memory and its name are released: also when
 * holders die by SIGKILL.  A SHMDEV_CREATE_PERSIST region also stays while
 * its name is linked, until SHMDEV_IOC_UNLINK (the shm_open model).
 *
 * Names: 1 to SHMDEV_NAME_MAX bytes, each a printable ASCII character
 * (0x21..0x7e) other than '/', NUL-terminated in a SHMDEV_NAME_SIZE field
 * whose bytes after the terminator must be zero (-EINVAL otherwise).  Names
 * are scoped per IPC namespace: processes in separate IPC namespaces (as
 * separate containers are) neither see nor collide with each other's names.
 * A region without a name (empty name at create) is reachable only through
 * its fd, like memfd.
 *
 * Permissions follow System V IPC (ipcperms): the caller's effective uid is
 * checked against the region's owner and creator uid, then its groups
 * against owner and creator gid, then "other"; read access is needed to
 * open read-only, read and write access to open read-write;
 * CAP_IPC_OWNER in the namespace's user namespace overrides.  A read-only
 * fd never yields a writable mapping: mmap(PROT_WRITE) gives -EACCES and a
 * later mprotect(PROT_WRITE) fails.  Unlink and SHMDEV_IOC_SET need the
 * caller to be owner or creator, or CAP_IPC_OWNER (-EPERM otherwise).
 *
 * Limits (module parameters, 0 = none, reported by SHMDEV_IOC_GET_INFO) are
 * checked before any memory is allocated: size above max_region_bytes gives
 * -EFBIG; above max_total_bytes or max_regions, -ENOSPC; above
 * max_uid_bytes or max_uid_regions for the creating uid, -EDQUOT.  Per-uid
 * limits count what a uid created (ownership given away still counts
 * against the creator), by its kernel uid, across all namespaces.  The
 * defaults: max_total_bytes half of RAM (as tmpfs's default size),
 * max_uid_bytes a quarter of RAM, max_regions 4096, max_uid_regions 1024,
 * max_region_bytes none.  The last 1/16 of max_regions and of
 * max_total_bytes is kept for CAP_SYS_ADMIN or CAP_IPC_OWNER in the
 * initial user namespace, so that root can still create and clean up
 * after many uids filled the rest.  Totals that would not fit in 64 bits
 * give -ENOSPC even without a limit.  The memory is charged to the memory
 * cgroup of the process that faults or populates it.
 *
 * Listing: /proc/shmdev has a counters line then one line per region of
 * the reader's IPC namespace (see the file's first lines for the fields;
 * ABI revision 2 appended two: the seals as a comma list of write,
 * future-write, grow, shrink and seal, or "-", then the generation).
 * Every region of the namespace is listed, as ipcs(1) does; the name is
 * shown only when the reader could open the region read-only, else "?".
 *
 * Module unload is refused while any region exists: rmmod(8) and
 * delete_module(2) with O_NONBLOCK get EAGAIN (EWOULDBLOCK).
 *
 * A PERSIST name lives no longer than its IPC namespace.  Regions hold
 * their namespace; once nothing else does (no task is in it, no nsfs file
 * or bind mount names it), the module unlinks the namespace's names,
 * PERSIST or not, within about a second, as a dying namespace removes
 * its System V segments, and its regions let go of it, so that it dies:
 * nobody can enter it again (through an nsfs file handle either, 6.18
 * on) and find its names gone.  A region still held by a fd or mapping
 * (passed out of the namespace, say) lives on, nameless, until those go,
 * listed then in /proc/shmdev-all only.  An administrator sees every
 * namespace's regions in /proc/shmdev-all and removes any with
 * SHMDEV_IOC_REMOVE, for what a live namespace keeps.
 *
 * Every mapping of a region is counted, including those fork(2) and
 * remap_file_pages(2) make of an existing one.  The memory cannot be
 * reached by any other path: reopening a mapping through
 * /proc/PID/map_files, or a region fd through /proc/PID/fd, gives EACCES
 * or ENXIO to everyone, root included; region fds cannot be truncated
 * (EINVAL) or fallocated.  A mapping grown by mremap(2) past the region
 * gives SIGBUS there.  mlock(2) works.  As nobody owns the memory's inode,
 * mincore(2) reports every page resident and MADV_PAGEOUT only ages pages,
 * for every holder.  The mappings are not shmem's own: userfaultfd's
 * missing and minor modes refuse them, and from 6.17 an mremap(2) that
 * moves several of them at once gives EFAULT.  io_uring fixed buffers take
 * them from 6.5 on, not on 6.1.
 */

/* The misc device's name, as in /dev/shmlist. */
#define SHMDEV_DEVICE_NAME	"shmlist"

#define SHMDEV_IOC_MAGIC	0xB9

/*
 * struct shmdev_info - SHMDEV_IOC_GET_INFO on /dev/shmlist
 * @flags:		in: must be 0 (no flags defined yet)
 * @abi_version:	out: SHMDEV_ABI_VERSION of the module
 * @version:		out: SHMDEV_VERSION_CODE of the module
 * @info_size:		out: sizeof(struct shmdev_info) as the module knows it
 * @features:		out: SHMDEV_FEAT_* bits this module supports
 * @max_region_bytes:	out: limit on one region's size (0: no limit)
 * @max_total_bytes:	out: limit on all regions' bytes together (0: no limit)
 * @max_regions:	out: limit on the number of live regions (0: no limit)
 * @max_uid_bytes:	out: limit on the bytes owned by one uid (0: no limit)
 * @cur_bytes:		out: bytes of all live regions now
 * @cur_regions:	out: live regions now
 * @peak_bytes:		out: highest @cur_bytes since the module loaded
 * @created:		out: regions created since the module loaded
 * @destroyed:		out: regions destroyed since the module loaded
 * @reserved:		in: must be 0; out: 0
 * @max_uid_regions:	out: limit on the live regions created by one uid
 *			(0: no limit); added in size 136
 *
 * Limits are the module parameters of the same names, read at the time of
 * the call.  A live region is counted from a successful create until its
 * last fd, mapping and PERSIST name are gone (its memory is freed right
 * after).  Counters cover the whole module, every IPC namespace.
 */
struct shmdev_info {
	__u32 flags;
	__u32 abi_version;
	__u32 version;
	__u32 info_size;
	__u64 features;
	__u64 max_region_bytes;
	__u64 max_total_bytes;
	__u64 max_regions;
	__u64 max_uid_bytes;
	__u64 cur_bytes;
	__u64 cur_regions;
	__u64 peak_bytes;
	__u64 created;
	__u64 destroyed;
	__u64 reserved[4];
	__u64 max_uid_regions;
};

#define SHMDEV_INFO_SIZE_VER0	128	/* first published size */
#define SHMDEV_INFO_SIZE_VER1	136	/* + max_uid_regions */

#define SHMDEV_IOC_GET_INFO	_IOWR(SHMDEV_IOC_MAGIC, 0x00, struct shmdev_info)

/* SHMDEV_IOC_GET_INFO features */
#define SHMDEV_FEAT_REGIONS	(1ULL << 0)	/* CREATE, OPEN, UNLINK, STAT, SET */
#define SHMDEV_FEAT_PERSIST	(1ULL << 1)	/* SHMDEV_CREATE_PERSIST */
#define SHMDEV_FEAT_POPULATE	(1ULL << 2)	/* SHMDEV_CREATE_POPULATE */
#define SHMDEV_FEAT_HUGE	(1ULL << 3)	/* 2 MiB pages where available */
#define SHMDEV_FEAT_LISTING	(1ULL << 4)	/* /proc/shmdev */
#define SHMDEV_FEAT_ADMIN	(1ULL << 5)	/* REMOVE, /proc/shmdev-all */
#define SHMDEV_FEAT_RESIZE	(1ULL << 6)	/* RESIZE, STAT's generation */
#define SHMDEV_FEAT_SEAL	(1ULL << 7)	/* SEAL, STAT's seals */
#define SHMDEV_FEAT_NOTIFY	(1ULL << 8)	/* NOTIFY, poll(2), read(2) */
#define SHMDEV_FEAT_PARK	(1ULL << 9)	/* PARK, UNPARK */

#define SHMDEV_NAME_SIZE	256
#define SHMDEV_NAME_MAX		(SHMDEV_NAME_SIZE - 1)

/*
 * struct shmdev_create - SHMDEV_IOC_CREATE on /dev/shmlist
 * @size:	in: bytes, rounded up to the page size; 0, or more than the
 *		largest file size, gives -EINVAL
 * @flags:	in: SHMDEV_CREATE_* (others: -EINVAL)
 * @mode:	in: permission bits, 0 to 0777 (others: -EINVAL)
 * @fd:		out: the new region's fd, opened read-write
 * @out_flags:	out: SHMDEV_CREATED when a new region was made (always, with
 *		SHMDEV_CREATE_EXCL or without a name)
 * @reserved:	in: must be 0
 * @name:	in: the region's name, or empty for an unnamed region
 *
 * With a name that exists and without SHMDEV_CREATE_EXCL, the existing
 * region is opened read-write as by SHMDEV_IOC_OPEN (its permissions are
 * checked, then its seals (-EPERM as for OPEN); its size must be at
 * least @size, else -EINVAL; @mode is ignored).  With SHMDEV_CREATE_EXCL
 * an existing name gives -EEXIST.  A name whose region is being created
 * by another caller gives -EAGAIN.
 *
 * Errors: -EINVAL (bad size, flags, mode, name, nonzero reserved; PERSIST
 * without a name), -EEXIST, -EAGAIN, -EACCES, -EPERM, -EFBIG, -ENOSPC,
 * -EDQUOT (see Limits above), -ENOMEM (memory, or with
 * SHMDEV_CREATE_POPULATE: the size exceeds the memory available now or
 * the memory cgroup's limit; then nothing stays allocated), -EINTR (a
 * fatal signal during populate), -EMFILE, -EFAULT.
 */
struct shmdev_create {
	__u64 size;
	__u32 flags;
	__u32 mode;
	__u32 fd;
	__u32 out_flags;
	__u64 reserved[4];
	__u8 name[SHMDEV_NAME_SIZE];
};

#define SHMDEV_CREATE_SIZE_VER0	312

#define SHMDEV_CREATE_EXCL	(1U << 0)	/* fail with -EEXIST if the name exists */
#define SHMDEV_CREATE_PERSIST	(1U << 1)	/* keep while linked, until UNLINK */
#define SHMDEV_CREATE_POPULATE	(1U << 2)	/* allocate all memory now */
#define SHMDEV_CREATE_CLOEXEC	(1U << 3)	/* the fd gets FD_CLOEXEC */
#define SHMDEV_CREATE_VALID_FLAGS	(SHMDEV_CREATE_EXCL | \
					 SHMDEV_CREATE_PERSIST | \
					 SHMDEV_CREATE_POPULATE | \
					 SHMDEV_CREATE_CLOEXEC)

#define SHMDEV_CREATED		(1U << 0)	/* out_flags: a new region */

#define SHMDEV_IOC_CREATE	_IOWR(SHMDEV_IOC_MAGIC, 0x01, struct shmdev_create)

/*
 * struct shmdev_open - SHMDEV_IOC_OPEN on /dev/shmlist
 * @flags:	in: SHMDEV_OPEN_* (others: -EINVAL); without
 *		SHMDEV_OPEN_RDWR the fd is read-only
 * @fd:		out: the region's new fd
 * @reserved:	in: must be 0
 * @name:	in: the name, in the caller's IPC namespace
 *
 * Errors: -EINVAL (flags, name, reserved), -ENOENT (no such name),
 * -EACCES (permissions), -EPERM (read-write, and SHMDEV_SEAL_WRITE or
 * SHMDEV_SEAL_FUTURE_WRITE is in force), -EMFILE, -EFAULT.
 */
struct shmdev_open {
	__u32 flags;
	__u32 fd;
	__u64 reserved[4];
	__u8 name[SHMDEV_NAME_SIZE];
};

#define SHMDEV_OPEN_SIZE_VER0	296

#define SHMDEV_OPEN_RDWR	(1U << 0)	/* read-write, else read-only */
#define SHMDEV_OPEN_CLOEXEC	(1U << 1)	/* the fd gets FD_CLOEXEC */
#define SHMDEV_OPEN_VALID_FLAGS	(SHMDEV_OPEN_RDWR | SHMDEV_OPEN_CLOEXEC)

#define SHMDEV_IOC_OPEN		_IOWR(SHMDEV_IOC_MAGIC, 0x02, struct shmdev_open)

/*
 * struct shmdev_unlink - SHMDEV_IOC_UNLINK on /dev/shmlist
 * @flags:	in: must be 0
 * @pad:	in: must be 0
 * @reserved:	in: must be 0
 * @name:	in: the name, in the caller's IPC namespace
 *
 * Removes the name at once; the memory goes with the region's last user
 * (for a PERSIST region: at once if it has none).
 * Errors: -EINVAL, -ENOENT, -EPERM (not owner or creator and no
 * CAP_IPC_OWNER), -EFAULT.
 */
struct shmdev_unlink {
	__u32 flags;
	__u32 pad;
	__u64 reserved[4];
	__u8 name[SHMDEV_NAME_SIZE];
};

#define SHMDEV_UNLINK_SIZE_VER0	296

#define SHMDEV_IOC_UNLINK	_IOW(SHMDEV_IOC_MAGIC, 0x03, struct shmdev_unlink)

/*
 * struct shmdev_remove - SHMDEV_IOC_REMOVE on /dev/shmlist
 * @id:		in: a region's id, as /proc/shmdev-all shows it
 * @flags:	in: must be 0
 * @pad:	in: must be 0
 * @reserved:	in: must be 0
 *
 * For an administrator (CAP_SYS_ADMIN in the initial user namespace): the
 * region's name is removed, whatever its IPC namespace, as UNLINK would
 * in that namespace; the memory goes with its last user.  With
 * /proc/shmdev-all (mode 0400, the same capability to open), which lists
 * every region of every namespace with the namespace's inode number
 * (as in /proc/PID/ns/ipc), it lets an administrator see and clean up
 * what containers left.
 * Errors: -EINVAL, -EPERM (no CAP_SYS_ADMIN), -ENOENT (no live region
 * with that id has a name), -EFAULT.
 */
struct shmdev_remove {
	__u64 id;
	__u32 flags;
	__u32 pad;
	__u64 reserved[4];
};

#define SHMDEV_REMOVE_SIZE_VER0	48

#define SHMDEV_IOC_REMOVE	_IOW(SHMDEV_IOC_MAGIC, 0x04, struct shmdev_remove)

/*
 * struct shmdev_stat - SHMDEV_IOC_STAT on a region fd
 * @flags:	in: must be 0
 * @state:	out: SHMDEV_STATE_* bits
 * @id:		out: the region's id, unique since the module loaded
 * @size:	out: bytes (the page-rounded size)
 * @uid, @gid:	out: owner, in the caller's user namespace
 * @cuid, @cgid: out: creator, in the caller's user namespace
 * @mode:	out: permission bits
 * @fd_mode:	out: SHMDEV_OPEN_RDWR when this fd is read-write, else 0
 * @nfds:	out: open region files, all processes (each CREATE or OPEN
 *		makes one; dup, fork and SCM_RIGHTS share it, like nattch
 *		counts attaches, not descriptors)
 * @nmaps:	out: mappings (VMAs, all processes)
 * @huge_bytes:	out: bytes of the region now mapped with 2 MiB pages
 * @resident_bytes: out: bytes of the region now in memory
 * @ctime_ns:	out: creation time, CLOCK_REALTIME nanoseconds
 * @cpid:	out: creator's pid in the caller's pid namespace (0: not there)
 * @pad:	out: 0
 * @reserved:	in: must be 0; out: 0
 * @name:	out: the name, empty for an unnamed region
 * @generation:	out: how many times RESIZE changed the size (size 416 on)
 * @events:	out: the region's doorbell count: rings and size changes
 *		since it was created (size 416 on)
 * @seen:	out: the value of @events this fd last acknowledged; @events
 *		minus @seen is what a read(2) would return now (size 416 on)
 * @seals:	out: SHMDEV_SEAL_* in force (size 416 on)
 * @pad2:	out: 0
 *
 * A caller passing the first published size (384) gets the fields up to
 * @name.  Errors: -EINVAL (flags, reserved), -EFAULT.
 */
struct shmdev_stat {
	__u32 flags;
	__u32 state;
	__u64 id;
	__u64 size;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 fd_mode;
	__u64 nfds;
	__u64 nmaps;
	__u64 huge_bytes;
	__u64 resident_bytes;
	__u64 ctime_ns;
	__u32 cpid;
	__u32 pad;
	__u64 reserved[4];
	__u8 name[SHMDEV_NAME_SIZE];
	__u64 generation;
	__u64 events;
	__u64 seen;
	__u32 seals;
	__u32 pad2;
};

#define SHMDEV_STAT_SIZE_VER0	384	/* first published size */
#define SHMDEV_STAT_SIZE_VER1	416	/* + generation, events, seen, seals */

#define SHMDEV_STATE_NAMED	(1U << 0)	/* created with a name */
#define SHMDEV_STATE_LINKED	(1U << 1)	/* the name is still linked */
#define SHMDEV_STATE_PERSIST	(1U << 2)	/* created with PERSIST */
#define SHMDEV_STATE_PARKED	(1U << 3)	/* this fd is parked (PARK) */

#define SHMDEV_IOC_STAT		_IOWR(SHMDEV_IOC_MAGIC, 0x10, struct shmdev_stat)

/*
 * struct shmdev_set - SHMDEV_IOC_SET on a region fd (as IPC_SET)
 * @flags:	in: SHMDEV_SET_* saying which fields to apply (others: -EINVAL)
 * @mode:	in: new permission bits, 0 to 0777 (others: -EINVAL)
 * @uid, @gid:	in: new owner, in the caller's user namespace (unmapped:
 *		-EINVAL)
 * @reserved:	in: must be 0
 *
 * Errors: -EINVAL, -EPERM (not owner or creator and no CAP_IPC_OWNER),
 * -EFAULT.
 */
struct shmdev_set {
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u64 reserved[4];
};

#define SHMDEV_SET_SIZE_VER0	48

#define SHMDEV_SET_MODE		(1U << 0)
#define SHMDEV_SET_OWNER	(1U << 1)	/* both uid and gid */
#define SHMDEV_SET_VALID_FLAGS	(SHMDEV_SET_MODE | SHMDEV_SET_OWNER)

#define SHMDEV_IOC_SET		_IOW(SHMDEV_IOC_MAGIC, 0x11, struct shmdev_set)

/*
 * struct shmdev_resize - SHMDEV_IOC_RESIZE on a read-write region fd
 * @size:	in: the new size in bytes, rounded up to the page size; 0, or
 *		more than the largest file size, gives -EINVAL
 * @flags:	in: must be 0
 * @pad:	in: must be 0
 * @generation:	out: the region's generation after the call
 * @reserved:	in: must be 0
 *
 * Changes the size of the region for every holder, as ftruncate(2) of a
 * memfd does.  The limits are checked first, for the bytes added: more
 * than max_region_bytes gives -EFBIG, max_total_bytes -ENOSPC,
 * max_uid_bytes (of the region's creator) -EDQUOT; then nothing has
 * changed.  Growth reads as zeros.  A region created with
 * SHMDEV_CREATE_POPULATE gets the new memory allocated now, or -ENOMEM
 * and no change; never SIGBUS later.  Shrinking frees the memory past the
 * new end at once: any mapping of it (existing ones too) gets SIGBUS
 * there, as after ftruncate(2) of shmem.  Mappings keep their length: to
 * see more of a grown region, map it again.  mmap(2) takes offsets and
 * lengths within the size at the time of the call.
 *
 * A call that changes the size increments the generation (STAT) and
 * rings the region's doorbell once (see SHMDEV_IOC_NOTIFY), so that other
 * holders learn of it and map again; a call that leaves the page-rounded
 * size as it is changes nothing and succeeds.  Growth in multiples of
 * 2 MiB keeps new mappings of the whole region on 2 MiB pages.  Name,
 * PERSIST, owner and permissions are unchanged.  Concurrent resizes of
 * one region are serialised.  STAT reads the generation before the size:
 * a caller that sees a new generation sees the size it brought.
 *
 * Errors: -EINVAL (size, flags, pad, reserved), -EBADF (the fd is
 * read-only), -EPERM (SHMDEV_SEAL_GROW or SHMDEV_SEAL_SHRINK forbids the
 * change), -EFBIG (also past the caller's RLIMIT_FSIZE, without the
 * SIGXFSZ of ftruncate(2)), -ENOSPC, -EDQUOT, -ENOMEM, -EINTR (a fatal
 * signal while populating; another signal restarts the call), -EFAULT.
 */
struct shmdev_resize {
	__u64 size;
	__u32 flags;
	__u32 pad;
	__u64 generation;
	__u64 reserved[4];
};

#define SHMDEV_RESIZE_SIZE_VER0	56

#define SHMDEV_IOC_RESIZE	_IOWR(SHMDEV_IOC_MAGIC, 0x12, struct shmdev_resize)

/*
 * struct shmdev_seal - SHMDEV_IOC_SEAL on a region fd
 * @add:	in: SHMDEV_SEAL_* to add (others: -EINVAL); 0 only reads
 * @flags:	in: must be 0
 * @seals:	out: the seals in force after the call
 * @pad:	in: must be 0
 * @reserved:	in: must be 0
 *
 * Seals are memfd's (fcntl(2) F_ADD_SEALS), with the same bit values, on
 * any region, named or not.  They are one-way: no call removes one.
 * Adding needs a read-write fd; reading does not.  Adding seals already
 * in force succeeds, except that once SHMDEV_SEAL_SEAL is in force any
 * nonzero @add gives -EPERM.
 *
 *  - SHMDEV_SEAL_SEAL: no further seals.
 *  - SHMDEV_SEAL_SHRINK, SHMDEV_SEAL_GROW: RESIZE to a smaller, larger
 *    size gives -EPERM.
 *  - SHMDEV_SEAL_WRITE: nothing writes the memory again.  Adding it
 *    gives -EBUSY while any mapping could write: a shared mapping of a
 *    read-write fd, whatever its current protection (mprotect(2) could
 *    add PROT_WRITE), a hole being punched (madvise(MADV_REMOVE)), or a
 *    page pinned (pin_user_pages: io_uring fixed buffers, RDMA, direct
 *    I/O that pins, as the block layer's does from Linux 6.5; pins for
 *    reading count too) through a mapping that is gone.  Unlike memfd,
 *    a plain page reference held for I/O in flight (direct I/O on 6.1's
 *    block layer, FUSE's or NFS's) is not seen: unmap and let such I/O
 *    finish before sealing.  Once it is in force, mmap(2) with
 *    PROT_WRITE through a read-write fd gives -EPERM (through a
 *    read-only fd it gives -EACCES, as always), mappings without it
 *    cannot gain it (mprotect(2) gives -EACCES), MADV_REMOVE gives
 *    -EPERM, and OPEN read-write (also CREATE of the existing name)
 *    gives -EPERM.  Read-only opens and mappings go on as before, and a
 *    read-write fd's mapping without PROT_WRITE is made read-only for
 *    good.  As with memfd, a read-write fd opened before the seal can
 *    still RESIZE: shrinking and growing again zeroes the memory.  A
 *    receiver that must trust the contents checks for SHMDEV_SEAL_WRITE
 *    and SHMDEV_SEAL_SHRINK (and SHMDEV_SEAL_GROW, if the size matters).
 *  - SHMDEV_SEAL_FUTURE_WRITE: no new way to write: mmap(2) with
 *    PROT_WRITE gives -EPERM, new mappings cannot gain it, MADV_REMOVE
 *    gives -EPERM, OPEN read-write gives -EPERM; mappings that were
 *    writable before stay so.  Adding it never fails with -EBUSY.
 *
 * Sealing changes nothing that a holder had (its fd's mode, its
 * mappings' protections) except by these rules, and grants nothing.
 * The seals are shown by STAT and in /proc/shmdev.
 *
 * Errors: -EINVAL (@add, flags, pad, reserved), -EBADF (adding through a
 * read-only fd), -EPERM (SHMDEV_SEAL_SEAL is in force), -EBUSY (see
 * SHMDEV_SEAL_WRITE), -EFAULT.
 */
struct shmdev_seal {
	__u32 add;
	__u32 flags;
	__u32 seals;
	__u32 pad;
	__u64 reserved[4];
};

#define SHMDEV_SEAL_SIZE_VER0	48

/* The values of fcntl(2)'s F_SEAL_*. */
#define SHMDEV_SEAL_SEAL	0x0001
#define SHMDEV_SEAL_SHRINK	0x0002
#define SHMDEV_SEAL_GROW	0x0004
#define SHMDEV_SEAL_WRITE	0x0008
#define SHMDEV_SEAL_FUTURE_WRITE 0x0010
#define SHMDEV_SEAL_VALID	(SHMDEV_SEAL_SEAL | SHMDEV_SEAL_SHRINK | \
				 SHMDEV_SEAL_GROW | SHMDEV_SEAL_WRITE | \
				 SHMDEV_SEAL_FUTURE_WRITE)

#define SHMDEV_IOC_SEAL		_IOWR(SHMDEV_IOC_MAGIC, 0x13, struct shmdev_seal)

/*
 * struct shmdev_notify - SHMDEV_IOC_NOTIFY on a region fd: the doorbell
 * @flags:	in: SHMDEV_NOTIFY_* (others: -EINVAL); 0 only reads
 * @pad:	in: must be 0
 * @events:	out: the region's count after the call
 * @pending:	out: events this fd had not acknowledged, before the call's
 *		SHMDEV_NOTIFY_ACK
 * @reserved:	in: must be 0
 *
 * Every region has a doorbell: a 64-bit count of events, the rings
 * (SHMDEV_NOTIFY_RING, by any holder, read-only ones too) and the
 * RESIZEs that changed the size.  Every region file (each CREATE and OPEN
 * makes one, with its own cursor; dup(2), fork(2) and SCM_RIGHTS share
 * it, as they share a file offset) remembers the count it last
 * acknowledged, starting from the count when it was made.  The file is
 * readable (poll(2), select(2), epoll(7): EPOLLIN | EPOLLRDNORM) while
 * the count is past its cursor.  Acknowledging (SHMDEV_NOTIFY_ACK, or a
 * read(2)) returns how many events were missed and moves the cursor to
 * the count, atomically with respect to every ring: no ring is lost, and
 * each is seen by every file once.  The count and the cursor both live in
 * the kernel with the region, so a doorbell works across processes, IPC
 * namespaces and fd passing, follows the region's permissions (whoever
 * can open it can ring it), and goes when the region goes.
 *
 * read(2) of a region fd takes a buffer of at least 8 bytes (else
 * -EINVAL) and returns 8: a __u64, the number of events since the file
 * last acknowledged, never 0; it blocks until there is one, or gives
 * -EAGAIN with O_NONBLOCK (fcntl(2) F_SETFL), as an eventfd does.
 *
 * Errors: -EINVAL (flags, pad, reserved), -EFAULT.
 */
struct shmdev_notify {
	__u32 flags;
	__u32 pad;
	__u64 events;
	__u64 pending;
	__u64 reserved[4];
};

#define SHMDEV_NOTIFY_SIZE_VER0	56

#define SHMDEV_NOTIFY_RING	(1U << 0)	/* count one event, wake waiters */
#define SHMDEV_NOTIFY_ACK	(1U << 1)	/* move this file's cursor to the count */
#define SHMDEV_NOTIFY_VALID_FLAGS (SHMDEV_NOTIFY_RING | SHMDEV_NOTIFY_ACK)

#define SHMDEV_IOC_NOTIFY	_IOWR(SHMDEV_IOC_MAGIC, 0x14, struct shmdev_notify)

/*
 * struct shmdev_park - SHMDEV_IOC_PARK and SHMDEV_IOC_UNPARK on a region fd
 * @flags:	in: must be 0
 * @pad:	in: must be 0
 * @addr:	in: the start of one mapping of the region in the caller, or 0
 * @len:	in: that mapping's length; 0 (with @addr 0) for the fd alone
 * @size:	out (UNPARK): the region's size now
 * @generation:	out (UNPARK): its generation now (see STAT)
 * @reserved:	in: must be 0
 *
 * A region lives while it has users: its region files and its mappings
 * (and a linked PERSIST name).  PARK makes the fd's file and, with @len,
 * the mapping [@addr, @addr + @len) no users, while keeping both: when the
 * last user goes, the region goes as it would had they been closed and
 * unmapped (its name, its memory, its usage), and the parked mapping then
 * gives SIGBUS.  While the region lives, the parked mapping still maps its
 * memory.  UNPARK makes them users again, in one call, if the region is
 * still the live region that its name names in the caller's IPC namespace
 * and the caller may open it with the fd's mode as SHMDEV_IOC_OPEN would
 * (permissions; a read-write fd, no write seal): a process that kept both
 * after it was done with a region attaches again without an OPEN, a
 * mmap(2) or a page fault, and can never reach another region that took
 * the name meanwhile.
 *
 * Only a named region's fd parks.  The mapping is the whole of what one
 * mmap(2) of a region fd made, wherever it still is (split, moved,
 * forked): [@addr, @addr + @len) must be covered by parts of it in the
 * caller, without a gap, from the start of one; for PARK, every part
 * must lie there (UNPARK unparks the parts a child forked after PARK has
 * too).  Parking is a state of the file and of that mapping, so dup(2),
 * fork(2) and SCM_RIGHTS share it; a child forked after PARK inherits
 * parked copies.  A parked fd takes only STAT (its
 * state has SHMDEV_STATE_PARKED) and UNPARK: other commands, mmap(2) and
 * read(2) give -EBADFD, poll(2) EPOLLERR.  Parked fds and mappings are
 * still counted in STAT's @nfds and @nmaps, and a parked mapping that
 * could write still keeps SHMDEV_SEAL_WRITE out (-EBUSY), as any does.
 *
 * Errors, both: -EINVAL (flags, pad, reserved; @addr or @len not
 * page-aligned; the range is not such a mapping of this region, or
 * that mapping is parked (PARK) or not (UNPARK)), -EINTR, -EFAULT.
 * PARK: -EINVAL (an unnamed region), -EBADFD (the fd is parked
 * already), -EBUSY (part of the mapping lies outside the range: another
 * process's copy).
 * UNPARK: -EINVAL (the fd is not parked), -ESTALE (the region is gone,
 * or its name is unlinked or names another region now), -EACCES
 * (permissions: write too for a read-write fd, or a mapping one made),
 * -EPERM (such a fd or mapping, and SHMDEV_SEAL_WRITE or
 * SHMDEV_SEAL_FUTURE_WRITE is in force).  On any error nothing changed.
 */
struct shmdev_park {
	__u32 flags;
	__u32 pad;
	__u64 addr;
	__u64 len;
	__u64 size;
	__u64 generation;
	__u64 reserved[4];
};

#define SHMDEV_PARK_SIZE_VER0	72

#define SHMDEV_IOC_PARK		_IOW(SHMDEV_IOC_MAGIC, 0x15, struct shmdev_park)
#define SHMDEV_IOC_UNPARK	_IOWR(SHMDEV_IOC_MAGIC, 0x16, struct shmdev_park)

/*
 * Device commands (GET_INFO, CREATE, OPEN, UNLINK, REMOVE) on a region
 * fd, and region commands (STAT, SET, RESIZE, SEAL, NOTIFY, PARK,
 * UNPARK) on the device, give -ENOTTY.
 */

#endif /* _UAPI_LINUX_SHMDEV_H */
