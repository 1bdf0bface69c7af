/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev: the region and what each of the module's files offers the others.
 *
 * The files, and whom each calls (no call runs back up this list):
 *   main.c    module setup, the misc device     -> ops proc reap shmem names
 *                                                  limits
 *   ops.c     /dev/shmlist's commands           -> regfd reap region shmem names
 *                                                  perm limits ioctl
 *   proc.c    /proc/shmdev, the listing         -> region shmem perm limits
 *   regfd.c   a region fd: STAT, SET, release;  -> park resize seal bell
 *             the seals' check on read-write       region mmap shmem perm
 *             opens                                ioctl
 *   park.c    PARK, UNPARK                      -> mmap region names perm
 *   resize.c  RESIZE                            -> bell shmem limits
 *   seal.c    SEAL                              -> mmap shmem
 *   reap.c    the names of dead namespaces      -> region names
 *   mmap.c    map files, writable mappings      -> region shmem
 *   region.c  a region's life: ids, references, -> bell shmem names limits
 *             pins
 *   bell.c    the doorbell: NOTIFY, poll, read
 *   shmem.c   the private tmpfs, the memory
 *   names.c   names, namespace scopes           -> perm
 *   perm.c    who may open and control a region
 *   limits.c  limits, usage per uid, counters
 *   ioctl.c   the command-table dispatcher
 */
#ifndef _SHMDEV_INTERNAL_H
#define _SHMDEV_INTERNAL_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/nsproxy.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <uapi/linux/shmdev.h>

#define SHMDEV_MAY_READ		4
#define SHMDEV_MAY_WRITE	2

struct shmdev_scope;

/*
 * A region.  It lives while ref > 0, the count of its users: one per
 * region fd's file, one per map file (each mmap(2) of a region fd makes
 * one; its mappings hold it) and one for a linked PERSIST name.  When the
 * last goes, the region dies: it leaves the id table and the name table,
 * gives back its usage and drops a pin.  @pins keeps the struct and its
 * shmem file: one for the users together, one per parked file (a region
 * file or a map file that PARK made no user, kmod/park.c).  With no
 * parked file left, the shmem file goes with the last pin, and the
 * region is freed after an RCU grace period (lookups by name and id run
 * under RCU and take references with kref_get_unless_zero()); a region
 * that dies with parked files has its memory truncated first, so that
 * they keep only the struct.  Region and map files pin the module; so
 * does the PERSIST reference.
 *
 * Locking; no lock is held across copy_{to,from}_user() or anything
 * that takes mmap_lock:
 *  - names.c's mutex: @linked, @persist_ref, @reap_node, the name table's
 *    membership;
 *  - the scope's spinlock (names.c): @ns, @scope and @scope_node, which
 *    the reaper clears when the namespace dies;
 *  - @lock (spinlock): uid, gid and mode, which SET changes;
 *  - limits.c's mutex: @charged, @charged_bytes and the usage counters;
 *    @live is written under it and read without it (smp_load_acquire());
 *  - @resize_lock (mutex): changes of @size, @generation and @seals, which
 *    are read without it (READ_ONCE(); @generation with acquire, after
 *    which @size is the new one), and RESIZE's use of @charged_bytes;
 *    read-write opens (no seal lands between their check and their file);
 *  - @bell's wait-queue lock: @events and every handle's @seen.
 * Nesting, outer first: names mutex -> scope lock -> rhashtable bucket
 * and xarray locks (the reaper); names mutex -> @lock (UNLINK's check);
 * @resize_lock -> sb_writers -> the shmem inode's lock (populate), or
 * limits.c's mutex, or @bell's lock (a resize rings).  mmap(2)
 * takes no @resize_lock, and RESIZE and SEAL take no mmap_lock.
 * limits.c's mutex holds nothing.  Everything else is fixed once the
 * region is published.
 */
struct shmdev_region {
	struct kref ref;		/* users */
	struct kref pins;		/* the struct, the shmem file */
	struct rhash_head hnode;	/* in the name table while linked */
	struct list_head scope_node;	/* in its scope, while it holds ns */
	struct list_head reap_node;	/* on the reaper's list */
	struct rcu_head rcu;
	spinlock_t lock;		/* uid, gid, mode */
	bool live;			/* published: openable and counted */
	bool charged;			/* holds its usage (limits.c) */
	bool linked;			/* the name is in the name table */
	bool persist_ref;		/* holds the PERSIST reference */
	u32 state;			/* SHMDEV_STATE_NAMED/PERSIST, fixed */
	u64 id;
	u64 size;			/* page-rounded; RESIZE changes it */
	u64 charged_bytes;		/* what limits.c counts for it */
	u64 generation;			/* RESIZEs that changed @size */
	u32 seals;			/* SHMDEV_SEAL_*, only ever added */
	bool populate;			/* growth is populated (CREATE_POPULATE) */
	struct mutex resize_lock;	/* see above */
	/*
	 * Shared mappings that could write (VM_SHARED and VM_MAYWRITE), or
	 * -1 once SHMDEV_SEAL_WRITE denies them (kmod/mmap.c), as a
	 * mapping's i_mmap_writable counts.
	 */
	atomic_t writers;
	wait_queue_head_t bell;		/* the doorbell's waiters */
	u64 events;			/* rings and resizes, under bell.lock */
	struct file *shmem;		/* the memory, never handed out */
	struct ipc_namespace *ns;	/* referenced until detached */
	struct shmdev_scope *scope;	/* ns's, until detached */
	struct user_namespace *user_ns;	/* ns's owner, referenced */
	unsigned int ns_inum;		/* ns's inode number, for listings */
	kuid_t uid, cuid;
	kgid_t gid, cgid;
	umode_t mode;
	struct pid *cpid;
	u64 ctime_ns;
	atomic_t nfds;
	atomic_t nmaps;
	char name[SHMDEV_NAME_SIZE];
};

/*
 * A region fd's file (kmod/regfd.c): its region, whether PARK made it no
 * user (kmod/park.c), and the doorbell's count when this file last
 * acknowledged it (kmod/bell.c).
 */
struct shmdev_handle {
	struct shmdev_region *region;	/* a user's reference, or pinned */
	unsigned long flags;		/* SHMDEV_PARKED */
	u64 seen;			/* under region->bell.lock */
};

/* The bit, in a handle's or a map file's flags, of a parked file. */
#define SHMDEV_PARKED	0

/*
 * A map file's private data (kmod/mmap.c), one per mmap(2) of a region
 * fd.  PARK (kmod/park.c) counts its mappings, which must all be the
 * caller's, and changes its SHMDEV_PARKED bit under @lock, as mmap(2)
 * checks the bit and counts a new one.
 */
struct shmdev_map {
	struct shmdev_region *region;	/* a user's reference, or pinned */
	/* What shmem installed; written by each mmap, always the same value. */
	const struct vm_operations_struct *vm_ops;
	unsigned long flags;		/* SHMDEV_PARKED, changed under @lock */
	spinlock_t lock;		/* @nvmas, and @flags' changes */
	int nvmas;			/* its mappings, all processes */
	bool rdwr;			/* made from a read-write region fd */
};

/* The region of one of our region fds' files. */
static inline struct shmdev_region *shmdev_region_of(struct file *file)
{
	return ((struct shmdev_handle *)file->private_data)->region;
}

/* A region fd's file that PARK made no user (kmod/park.c). */
static inline bool shmdev_handle_parked(struct file *file)
{
	return test_bit(SHMDEV_PARKED,
			&((struct shmdev_handle *)file->private_data)->flags);
}

/* The caller's IPC namespace, where its names are looked up. */
static inline struct ipc_namespace *shmdev_current_ns(void)
{
	return current->nsproxy->ipc_ns;
}

/* Published: openable and counted (see shmdev_account_publish()). */
static inline bool shmdev_region_is_live(const struct shmdev_region *r)
{
	/* Pairs with shmdev_account_publish(): a live region is whole. */
	return smp_load_acquire(&r->live);
}

/* ioctl.c: a command table and its dispatcher. */
struct shmdev_newfd {
	struct file *file;	/* out: a file to give the caller as a fd */
	unsigned int flags;	/* out: O_CLOEXEC or 0 */
};

struct shmdev_cmd {
	unsigned int cmd;	/* the _IO* number, with the newest size */
	size_t ver0;		/* the oldest struct size accepted */
	size_t reserved_off;	/* the reserved words, which must be 0 */
	size_t reserved_len;
	size_t fd_off;		/* where the new fd's number goes */
	long (*fn)(struct file *file, void *karg, struct shmdev_newfd *nfd);
	/* After the struct is copied out, before the fd is installed. */
	void (*commit)(struct file *newfile);
};

/*
 * A table entry, at index _IOC_NR(@_cmd), for command @_cmd, whose struct
 * @_type has a reserved field; further designated initializers (fd_off,
 * commit) may follow.
 */
#define SHMDEV_CMD(_cmd, _type, _ver0, _fn, ...)			\
	{								\
		.cmd = _cmd,						\
		.ver0 = _ver0,						\
		.reserved_off = offsetof(_type, reserved),		\
		.reserved_len = sizeof_field(_type, reserved),		\
		.fn = _fn,						\
		__VA_ARGS__						\
	}

long shmdev_ioctl_dispatch(const struct shmdev_cmd *table, size_t n,
			   struct file *file, unsigned int cmd,
			   unsigned long arg);

/* limits.c */
extern unsigned long shmdev_max_region_bytes;

struct shmdev_counters {
	u64 cur_bytes;
	u64 cur_regions;
	u64 peak_bytes;
	u64 created;
	u64 destroyed;
};

void shmdev_limits_init(void);
int shmdev_charge(struct shmdev_region *r);
void shmdev_uncharge(struct shmdev_region *r);
void shmdev_account_publish(struct shmdev_region *r);
int shmdev_charge_resize(struct shmdev_region *r, u64 size);
void shmdev_account_resized(void);
void shmdev_counters_read(struct shmdev_counters *c);
void shmdev_info_fill(struct shmdev_info *info);

/* perm.c */
bool shmdev_mode_grants(struct shmdev_region *r, int want,
			const struct cred *cred);
bool shmdev_may_access(struct shmdev_region *r, int want);
bool shmdev_may_control(struct shmdev_region *r);
int shmdev_perm_set(struct shmdev_region *r, const struct shmdev_set *set,
		    kuid_t uid, kgid_t gid);

/* names.c */
int shmdev_names_init(void);
void shmdev_names_exit(void);
int shmdev_name_check(const u8 *name, bool allow_empty);
int shmdev_scope_attach(struct shmdev_region *r, struct ipc_namespace *ns);
void shmdev_scope_detach(struct shmdev_region *r);
struct shmdev_region *shmdev_name_link(struct shmdev_region *r);
void shmdev_name_drop(struct shmdev_region *r);
struct shmdev_region *shmdev_name_find(struct ipc_namespace *ns,
				       const char *name);
int shmdev_name_unlink(struct ipc_namespace *ns, const char *name,
		       struct shmdev_region **persist);
int shmdev_name_unlink_region(struct shmdev_region *r, bool *persist);
bool shmdev_name_persist(struct shmdev_region *r);
bool shmdev_names_take_dead(struct list_head *victims);

/* region.c */
struct shmdev_region *shmdev_region_alloc(const struct shmdev_create *c,
					  u64 size);
int shmdev_region_add(struct shmdev_region *r);
void shmdev_region_get(struct shmdev_region *r);
void shmdev_region_put(struct shmdev_region *r);
bool shmdev_region_tryget(struct shmdev_region *r);
void shmdev_region_pin(struct shmdev_region *r);
void shmdev_region_unpin(struct shmdev_region *r);
struct shmdev_region *shmdev_region_find(u64 id);
struct shmdev_region *shmdev_region_next(u64 *id);
bool shmdev_region_publish(struct shmdev_region *r);
void shmdev_region_drop_persist(struct shmdev_region *r);

/* shmem.c */
int shmdev_mnt_init(void);
void shmdev_mnt_exit(void);
struct vfsmount *shmdev_shmem_mnt(void);
struct file *shmdev_shmem_new(loff_t size);
u64 shmdev_region_huge_bytes(struct shmdev_region *r);
bool shmdev_region_pinned(struct shmdev_region *r);
int shmdev_shmem_populate(struct file *shmem, loff_t offset, loff_t len);
int shmdev_shmem_set_size(struct file *shmem, loff_t size);

/* mmap.c */
int shmdev_region_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long shmdev_region_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags);
int shmdev_writers_deny(struct shmdev_region *r);
void shmdev_writers_allow(struct shmdev_region *r);
struct shmdev_map *shmdev_vma_map(struct vm_area_struct *vma);
bool shmdev_vma_is_map(struct vm_area_struct *vma);

/* park.c */
long shmdev_cmd_park(struct file *file, void *karg, struct shmdev_newfd *nfd);
long shmdev_cmd_unpark(struct file *file, void *karg,
		       struct shmdev_newfd *nfd);

/* bell.c */
void shmdev_bell_init(struct shmdev_region *r);
void shmdev_bell_ring(struct shmdev_region *r);
void shmdev_bell_handle_init(struct shmdev_handle *h);
u64 shmdev_bell_events(struct shmdev_region *r, struct shmdev_handle *h,
		       u64 *seen);
long shmdev_cmd_notify(struct file *file, void *karg,
		       struct shmdev_newfd *nfd);
__poll_t shmdev_bell_poll(struct file *file, struct poll_table_struct *wait);
ssize_t shmdev_bell_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos);
void shmdev_bell_park(struct file *file);

/* resize.c */
long shmdev_cmd_resize(struct file *file, void *karg,
		       struct shmdev_newfd *nfd);

/* seal.c */
long shmdev_cmd_seal(struct file *file, void *karg, struct shmdev_newfd *nfd);

/* reap.c */
void shmdev_reap_kick(bool now);
void shmdev_reap_stop(void);

/* regfd.c */
struct file *shmdev_region_file(struct shmdev_region *r, int oflags);
struct file *shmdev_region_file_rdwr(struct shmdev_region *r);

/* ops.c */
long shmdev_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* proc.c */
int shmdev_proc_init(void);
void shmdev_proc_exit(void);

#endif /* _SHMDEV_INTERNAL_H */
