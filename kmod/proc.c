// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: /proc/shmdev, the listing.  A counters line for the whole module,
 * a header line, then one line per live region of the reader's IPC
 * namespace.  Names of regions the reader could not open read-only show as
 * "?".
 */
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/time64.h>

#include "shmdev.h"

#define SHMDEV_PROC_NAME "shmdev"

static void *shmdev_seq_start(struct seq_file *m, loff_t *pos)
{
	mutex_lock(&shmdev_lock);
	return seq_list_start_head(&shmdev_regions, *pos);
}

static void *shmdev_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &shmdev_regions, pos);
}

static void shmdev_seq_stop(struct seq_file *m, void *v)
{
	mutex_unlock(&shmdev_lock);
}

static int shmdev_seq_show(struct seq_file *m, void *v)
{
	struct user_namespace *uns = seq_user_ns(m);
	struct shmdev_stats *s = &shmdev_stats;
	struct shmdev_region *r;
	const char *sep = "";

	lockdep_assert_held(&shmdev_lock);
	if (v == &shmdev_regions) {
		seq_printf(m, "# shmdev %s created %llu destroyed %llu regions %llu bytes %llu peak_bytes %llu\n",
			   SHMDEV_VERSION_STRING, s->created, s->destroyed,
			   s->cur_regions, s->cur_bytes, s->peak_bytes);
		seq_puts(m, "# id name size uid gid cuid cgid mode nfds nmaps huge_bytes resident_bytes cpid ctime state\n");
		return 0;
	}
	r = list_entry(v, struct shmdev_region, node);
	if (!r->live || r->ns != current->nsproxy->ipc_ns)
		return 0;

	seq_printf(m, "%llu %s %llu %u %u %u %u %04o %d %d %llu %llu %d %lld ",
		   r->id,
		   !r->name[0] ? "-" :
		   shmdev_may_access(r, 4, false) ? r->name : "?",
		   r->size,
		   from_kuid_munged(uns, r->uid), from_kgid_munged(uns, r->gid),
		   from_kuid_munged(uns, r->cuid),
		   from_kgid_munged(uns, r->cgid), r->mode,
		   atomic_read(&r->nfds), atomic_read(&r->nmaps),
		   shmdev_region_huge_bytes(r),
		   (u64)READ_ONCE(r->shmem->f_mapping->nrpages) << PAGE_SHIFT,
		   pid_vnr(r->cpid), div_u64(r->ctime_ns, NSEC_PER_SEC));
	if (r->state & SHMDEV_STATE_NAMED) {
		seq_puts(m, "named");
		sep = ",";
	}
	if (r->linked) {
		seq_printf(m, "%slinked", sep);
		sep = ",";
	}
	if (r->state & SHMDEV_STATE_PERSIST) {
		seq_printf(m, "%spersist", sep);
		sep = ",";
	}
	seq_printf(m, "%s\n", *sep ? "" : "-");
	return 0;
}

static const struct seq_operations shmdev_seq_ops = {
	.start	= shmdev_seq_start,
	.next	= shmdev_seq_next,
	.stop	= shmdev_seq_stop,
	.show	= shmdev_seq_show,
};

int shmdev_proc_init(void)
{
	if (!proc_create_seq(SHMDEV_PROC_NAME, 0444, NULL, &shmdev_seq_ops))
		return -ENOMEM;
	return 0;
}

void shmdev_proc_exit(void)
{
	remove_proc_entry(SHMDEV_PROC_NAME, NULL);
}
