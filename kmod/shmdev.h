/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev: declarations shared by the module's source files.
 */
#ifndef _SHMDEV_INTERNAL_H
#define _SHMDEV_INTERNAL_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <uapi/linux/shmdev.h>

/* Limits, module parameters; 0 means no limit.  Read with READ_ONCE(). */
extern unsigned long shmdev_max_region_bytes;
extern unsigned long shmdev_max_total_bytes;
extern unsigned int shmdev_max_regions;
extern unsigned long shmdev_max_uid_bytes;

/* Module-wide usage counters. */
struct shmdev_stats {
	spinlock_t lock;	/* protects every field below */
	u64 cur_bytes;
	u64 cur_regions;
	u64 peak_bytes;
	u64 created;
	u64 destroyed;
};

extern struct shmdev_stats shmdev_stats;

#endif /* _SHMDEV_INTERNAL_H */
