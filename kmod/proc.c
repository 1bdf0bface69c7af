// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: /proc/shmdev, the listing.  A counters line for the whole module,
 * a header line, then one line per live region of the reader's IPC
 * namespace.  Names of regions the reader could not open read-only show as
 * "?".  The reader is whoever opened the file, as for /proc/sysvipc: its
 * IPC namespace is taken at open and its credentials are the file's, so a
 * privileged process handed the fd sees no more than the opener.
 * /proc/shmdev-all lists every namespace's regions for an administrator.
 */
#include <linux/capability.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/time64.h>

#include "compat.h"
#include "shmdev.h"

#define SHMDEV_PROC_NAME "shmdev"

#define SHMDEV_PROC_ALL_NAME "shmdev-all"

/* What the opener brings to the listing, and where a read resumes. */
struct shmdev_seq_priv {
	struct ipc_namespace *ns;	/* referenced; NULL: every namespace */
	bool ipc_owner;			/* CAP_IPC_OWNER over ns at open */
	loff_t next_pos;		/* the position next() last returned */
	u64 next_id;			/* the id of the region it returned */
};

/*
 * The walk holds a reference on the region being shown, no lock, so that
 * counting its huge pages stalls nobody.  A region detached from its
 * dead namespace (kmod/names.c) belongs to no namespace's listing any
 * more, only to /proc/shmdev-all's.  Returns the first live region
 * of the reader's namespace with an id at or above @id, referenced.
 */
static struct shmdev_region *shmdev_seq_find(struct seq_file *m, u64 id)
{
	struct shmdev_seq_priv *priv = m->private;
	struct shmdev_region *r;

	while ((r = shmdev_region_next(&id))) {
		if (!priv->ns || READ_ONCE(r->ns) == priv->ns)
			return r;
		shmdev_region_put(r);
		id++;
	}
	return NULL;
}

/*
 * A read resumes from the id next() reached, so n regions read over any
 * number of read() calls cost O(n).  Only a seek elsewhere walks from the
 * start.
 */
static void *shmdev_seq_start(struct seq_file *m, loff_t *pos)
{
	struct shmdev_seq_priv *priv = m->private;
	struct shmdev_region *r = NULL;
	loff_t n = *pos;
	u64 id = 0;

	if (!n)
		return SEQ_START_TOKEN;
	if (n == priv->next_pos)
		return shmdev_seq_find(m, priv->next_id);
	while (n--) {
		if (r) {
			id = r->id + 1;
			shmdev_region_put(r);
		}
		r = shmdev_seq_find(m, id);
		if (!r)
			break;
	}
	return r;
}

static void *shmdev_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct shmdev_seq_priv *priv = m->private;
	struct shmdev_region *r = v, *next;
	u64 from = v == SEQ_START_TOKEN ? 0 : r->id + 1;

	++*pos;
	next = shmdev_seq_find(m, from);
	if (v != SEQ_START_TOKEN)
		shmdev_region_put(r);
	/* At the end, a later read resumes where regions may come. */
	priv->next_pos = *pos;
	priv->next_id = next ? next->id : from;
	return next;
}

static void shmdev_seq_stop(struct seq_file *m, void *v)
{
	if (v && v != SEQ_START_TOKEN)
		shmdev_region_put(v);
}

/*
 * The seals as a comma-separated list, or "-".  The columns after state
 * (and ipcns) came with ABI revision 2, at the end, so that parsers of
 * the older lines keep working: seals first, as text, so that 0.1.0's
 * "shmdev ls", whose last conversion after state is a number, fails on it
 * and still counts its fifteen fields.
 */
static void shmdev_seq_seals(struct seq_file *m, u32 seals)
{
	static const struct {
		u32 bit;
		const char *name;
	} names[] = {
		{ SHMDEV_SEAL_WRITE, "write" },
		{ SHMDEV_SEAL_FUTURE_WRITE, "future-write" },
		{ SHMDEV_SEAL_GROW, "grow" },
		{ SHMDEV_SEAL_SHRINK, "shrink" },
		{ SHMDEV_SEAL_SEAL, "seal" },
	};
	const char *sep = "";
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (seals & names[i].bit) {
			seq_printf(m, "%s%s", sep, names[i].name);
			sep = ",";
		}
	}
	if (!*sep)
		seq_putc(m, '-');
}

static int shmdev_seq_show(struct seq_file *m, void *v)
{
	struct shmdev_seq_priv *priv = m->private;
	struct user_namespace *uns = seq_user_ns(m);
	struct shmdev_region *r = v;
	struct shmdev_counters c;
	const char *sep = "", *name;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u64 gen;

	if (v == SEQ_START_TOKEN) {
		shmdev_counters_read(&c);
		seq_printf(m, "# shmdev %s created %llu destroyed %llu regions %llu bytes %llu peak_bytes %llu\n",
			   SHMDEV_VERSION_STRING, c.created, c.destroyed,
			   c.cur_regions, c.cur_bytes, c.peak_bytes);
		seq_printf(m, "# id name size uid gid cuid cgid mode nfds nmaps huge_bytes resident_bytes cpid ctime state%s seals gen\n",
			   priv->ns ? "" : " ipcns");
		return 0;
	}

	name = !r->name[0] ? "-" :
	       priv->ipc_owner ||
	       shmdev_mode_grants(r, SHMDEV_MAY_READ, m->file->f_cred) ?
	       r->name : "?";
	spin_lock(&r->lock);
	uid = r->uid;
	gid = r->gid;
	mode = r->mode;
	spin_unlock(&r->lock);

	/* The generation first: see shmdev_cmd_resize(). */
	gen = smp_load_acquire(&r->generation);
	seq_printf(m, "%llu %s %llu %u %u %u %u %04o %d %d %llu %llu %d %lld ",
		   r->id, name, READ_ONCE(r->size),
		   from_kuid_munged(uns, uid), from_kgid_munged(uns, gid),
		   from_kuid_munged(uns, r->cuid),
		   from_kgid_munged(uns, r->cgid), mode,
		   atomic_read(&r->nfds), atomic_read(&r->nmaps),
		   shmdev_region_huge_bytes(r),
		   (u64)READ_ONCE(r->shmem->f_mapping->nrpages) << PAGE_SHIFT,
		   pid_vnr(r->cpid), div_u64(r->ctime_ns, NSEC_PER_SEC));
	if (r->state & SHMDEV_STATE_NAMED) {
		seq_puts(m, "named");
		sep = ",";
	}
	if (READ_ONCE(r->linked)) {
		seq_printf(m, "%slinked", sep);
		sep = ",";
	}
	if (r->state & SHMDEV_STATE_PERSIST) {
		seq_printf(m, "%spersist", sep);
		sep = ",";
	}
	seq_puts(m, *sep ? "" : "-");
	if (!priv->ns)
		seq_printf(m, " %u", r->ns_inum);
	seq_putc(m, ' ');
	shmdev_seq_seals(m, READ_ONCE(r->seals));
	seq_printf(m, " %llu\n", gen);
	return 0;
}

static const struct seq_operations shmdev_seq_ops = {
	.start	= shmdev_seq_start,
	.next	= shmdev_seq_next,
	.stop	= shmdev_seq_stop,
	.show	= shmdev_seq_show,
};

static int shmdev_proc_open(struct inode *inode, struct file *file)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct shmdev_seq_priv *priv;

	priv = __seq_open_private(file, &shmdev_seq_ops, sizeof(*priv));
	if (!priv)
		return -ENOMEM;
	priv->ns = get_ipc_ns(ns);
	priv->ipc_owner = ns_capable_noaudit(ns->user_ns, CAP_IPC_OWNER);
	return 0;
}

/*
 * /proc/shmdev-all: every region of every namespace, with the namespace,
 * for CAP_SYS_ADMIN in the initial user namespace (names included).
 */
static int shmdev_proc_all_open(struct inode *inode, struct file *file)
{
	struct shmdev_seq_priv *priv;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	priv = __seq_open_private(file, &shmdev_seq_ops, sizeof(*priv));
	if (!priv)
		return -ENOMEM;
	priv->ipc_owner = true;
	return 0;
}

static int shmdev_proc_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct shmdev_seq_priv *priv = m->private;

	if (priv->ns)
		shmdev_put_ipc_ns(priv->ns);
	return seq_release_private(inode, file);
}

static const struct proc_ops shmdev_proc_ops = {
	.proc_open	= shmdev_proc_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= shmdev_proc_release,
};

static const struct proc_ops shmdev_proc_all_ops = {
	.proc_open	= shmdev_proc_all_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= shmdev_proc_release,
};

int shmdev_proc_init(void)
{
	if (!proc_create(SHMDEV_PROC_NAME, 0444, NULL, &shmdev_proc_ops))
		return -ENOMEM;
	if (!proc_create(SHMDEV_PROC_ALL_NAME, 0400, NULL,
			 &shmdev_proc_all_ops)) {
		remove_proc_entry(SHMDEV_PROC_NAME, NULL);
		return -ENOMEM;
	}
	return 0;
}

void shmdev_proc_exit(void)
{
	remove_proc_entry(SHMDEV_PROC_ALL_NAME, NULL);
	remove_proc_entry(SHMDEV_PROC_NAME, NULL);
}
