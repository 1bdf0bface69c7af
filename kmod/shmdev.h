/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev: declarations shared by the module's source files.
 */
#ifndef _SHMDEV_INTERNAL_H
#define _SHMDEV_INTERNAL_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/shmdev.h>

/* Limits, module parameters; 0 means no limit.  Read with READ_ONCE(). */
extern unsigned long shmdev_max_region_bytes;
extern unsigned long shmdev_max_total_bytes;
extern unsigned int shmdev_max_regions;
extern unsigned long shmdev_max_uid_bytes;
extern unsigned int shmdev_max_uid_regions;

/*
 * Protects the list of regions, the name table, every region's live,
 * linked, uid, gid and mode fields, and shmdev_stats.  Never held across
 * copy_{to,from}_user() or anything that takes mmap_lock, so that it never
 * orders against mm locks; region references are dropped by file release
 * and ioctls, never by vm_ops under mmap_lock.
 */
extern struct mutex shmdev_lock;

/* Module-wide usage counters, under shmdev_lock. */
struct shmdev_stats {
	u64 cur_bytes;		/* live regions */
	u64 cur_regions;
	u64 pending_bytes;	/* regions being created */
	u64 pending_regions;
	u64 peak_bytes;
	u64 created;
	u64 destroyed;
};

extern struct shmdev_stats shmdev_stats;
extern struct list_head shmdev_regions;
extern struct vfsmount *shmdev_mnt;

/*
 * A region.  It lives while ref > 0: one reference per region fd's file,
 * one per map file (each mmap(2) of a region fd makes one; its mappings
 * hold it) and one for a linked PERSIST name.  When the last goes, the
 * region leaves the list and name table (under shmdev_lock), its shmem
 * file is put and it is freed.  Region and map files pin the module; so
 * does the PERSIST reference.
 */
struct shmdev_region {
	struct kref ref;
	struct list_head node;		/* in shmdev_regions */
	struct hlist_node hnode;	/* in the name table while linked */
	bool live;			/* false while being created */
	bool linked;			/* the name is in the name table */
	bool persist_ref;		/* holds the PERSIST reference */
	u32 state;			/* SHMDEV_STATE_NAMED/PERSIST, fixed */
	u64 id;
	u64 size;			/* page-rounded, fixed */
	struct file *shmem;		/* the memory, never handed out */
	struct ipc_namespace *ns;	/* the name's scope, referenced */
	kuid_t uid, cuid;
	kgid_t gid, cgid;
	umode_t mode;
	struct pid *cpid;
	u64 ctime_ns;
	atomic_t nfds;
	atomic_t nmaps;
	unsigned int reap_pass;		/* under shmdev_lock, see region.c */
	char name[SHMDEV_NAME_SIZE];
};

/* region.c */
long shmdev_ioctl_create(void __user *uarg, size_t usize);
long shmdev_ioctl_open(void __user *uarg, size_t usize);
long shmdev_ioctl_unlink(void __user *uarg, size_t usize);
long shmdev_ioctl_remove(void __user *uarg, size_t usize);
void shmdev_reap_stop(void);
void shmdev_region_get(struct shmdev_region *r);
void shmdev_region_put(struct shmdev_region *r);
bool shmdev_mode_grants(const struct shmdev_region *r, int want,
			const struct cred *cred);
bool shmdev_may_access(const struct shmdev_region *r, int want, bool audit);

/* main.c */
bool shmdev_cmd_is(unsigned int cmd, unsigned int want);
int shmdev_copy_in(void *karg, size_t ksize, size_t ver0,
		   const void __user *uarg, size_t usize);
int shmdev_copy_out(void __user *uarg, size_t usize,
		    const void *karg, size_t ksize);

/* mmap.c */
void shmdev_shmem_seal(struct shmdev_region *r);
int shmdev_region_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long shmdev_region_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags);
u64 shmdev_region_huge_bytes(struct shmdev_region *r);

/* proc.c */
int shmdev_proc_init(void);
void shmdev_proc_exit(void);

#endif /* _SHMDEV_INTERNAL_H */
