// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: region lifetime, naming, permissions and limits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "shmdev.h"

#define SHMDEV_MAY_READ		4
#define SHMDEV_MAY_WRITE	2

/* Linked names, keyed by (IPC namespace, name); under shmdev_lock. */
static DEFINE_HASHTABLE(shmdev_names, 8);
static atomic64_t shmdev_next_id = ATOMIC64_INIT(0);

static u32 shmdev_name_hash(const struct ipc_namespace *ns, const char *name)
{
	return full_name_hash(ns, name, strlen(name));
}

static struct shmdev_region *shmdev_name_lookup(struct ipc_namespace *ns,
						const char *name)
{
	struct shmdev_region *r;

	lockdep_assert_held(&shmdev_lock);
	hash_for_each_possible(shmdev_names, r, hnode,
			       shmdev_name_hash(ns, name))
		if (r->ns == ns && !strcmp(r->name, name))
			return r;
	return NULL;
}

/*
 * Names: 1 to SHMDEV_NAME_MAX printable ASCII bytes but '/', terminated,
 * zero after the terminator.  Returns the length or -EINVAL.
 */
static int shmdev_name_check(const u8 *name, bool allow_empty)
{
	size_t len = strnlen((const char *)name, SHMDEV_NAME_SIZE);
	size_t i;

	if (len == SHMDEV_NAME_SIZE)
		return -EINVAL;
	if (!len && !allow_empty)
		return -EINVAL;
	if (memchr_inv(name + len, 0, SHMDEV_NAME_SIZE - len))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/')
			return -EINVAL;
	return len;
}

static struct ipc_namespace *shmdev_current_ns(void)
{
	return current->nsproxy->ipc_ns;
}

/* in_group_p() for any credentials (groups_search() is not exported). */
static bool shmdev_cred_in_group(const struct cred *cred, kgid_t gid)
{
	const struct group_info *gi = cred->group_info;
	int i;

	if (gid_eq(gid, cred->fsgid))
		return true;
	for (i = 0; gi && i < gi->ngroups; i++)
		if (gid_eq(gid, gi->gid[i]))
			return true;
	return false;
}

/*
 * The ipcperms() model without its capability: owner or creator, then
 * group, then other, for @cred.
 */
bool shmdev_mode_grants(const struct shmdev_region *r, int want,
			const struct cred *cred)
{
	int granted = r->mode;

	lockdep_assert_held(&shmdev_lock);
	if (uid_eq(cred->euid, r->cuid) || uid_eq(cred->euid, r->uid))
		granted >>= 6;
	else if (shmdev_cred_in_group(cred, r->cgid) ||
		 shmdev_cred_in_group(cred, r->gid))
		granted >>= 3;
	return !(want & ~granted & 0007);
}

/* ipcperms(): the mode for the caller, then CAP_IPC_OWNER. */
bool shmdev_may_access(const struct shmdev_region *r, int want, bool audit)
{
	if (shmdev_mode_grants(r, want, current_cred()))
		return true;
	if (audit)
		return ns_capable(r->ns->user_ns, CAP_IPC_OWNER);
	return ns_capable_noaudit(r->ns->user_ns, CAP_IPC_OWNER);
}

/* Unlink and SET: owner or creator, or CAP_IPC_OWNER. */
static bool shmdev_may_control(const struct shmdev_region *r)
{
	kuid_t euid = current_euid();

	lockdep_assert_held(&shmdev_lock);
	return uid_eq(euid, r->uid) || uid_eq(euid, r->cuid) ||
	       ns_capable(r->ns->user_ns, CAP_IPC_OWNER);
}

static bool shmdev_over(u64 used, u64 add, u64 max)
{
	return max && (used > max || add > max - used);
}

/*
 * The last 1/SHMDEV_RESERVE_SHARE of max_regions and max_total_bytes (at
 * least one region) is kept for CAP_SYS_ADMIN and CAP_IPC_OWNER in the
 * initial user namespace, so that an administrator can still create and
 * clean up when many uids (a user's subordinate range, say) have filled
 * the rest.
 */
#define SHMDEV_RESERVE_SHARE	16

static u64 shmdev_unprivileged_max(u64 max)
{
	if (!max)
		return 0;
	return max - max_t(u64, max / SHMDEV_RESERVE_SHARE, 1);
}

static bool shmdev_privileged(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) ||
	       ns_capable_noaudit(&init_user_ns, CAP_IPC_OWNER);
}

/* Over @max for everyone, or over the unprivileged share of it. */
static bool shmdev_over_global(u64 used, u64 add, u64 max)
{
	if (shmdev_over(used, add, max))
		return true;
	return shmdev_over(used, add, shmdev_unprivileged_max(max)) &&
	       !shmdev_privileged();
}

/*
 * Check every limit for a new region of @size and reserve it.  Sizes go
 * up to 2^63, so every sum is checked: a total that would not fit in 64
 * bits is over any limit, and with no limit set it is refused too, so
 * that the counters stay true for a limit set later.
 */
static int shmdev_charge(struct shmdev_region *r)
{
	struct shmdev_stats *s = &shmdev_stats;
	u64 max_uid = READ_ONCE(shmdev_max_uid_bytes);
	u64 max_uid_regions = READ_ONCE(shmdev_max_uid_regions);
	struct shmdev_region *o;
	u64 uid_bytes = 0, uid_regions = 0, total;

	lockdep_assert_held(&shmdev_lock);
	if (shmdev_over_global(s->cur_regions + s->pending_regions, 1,
			       READ_ONCE(shmdev_max_regions)))
		return -ENOSPC;
	if (check_add_overflow(s->cur_bytes, s->pending_bytes, &total) ||
	    check_add_overflow(total, r->size, &total) ||
	    shmdev_over_global(total - r->size, r->size,
			       READ_ONCE(shmdev_max_total_bytes)))
		return -ENOSPC;
	if (max_uid || max_uid_regions) {
		list_for_each_entry(o, &shmdev_regions, node) {
			if (uid_eq(o->cuid, r->cuid)) {
				/* Saturates: U64_MAX is over any limit. */
				if (check_add_overflow(uid_bytes, o->size,
						       &uid_bytes))
					uid_bytes = U64_MAX;
				uid_regions++;
			}
		}
		if (shmdev_over(uid_bytes, r->size, max_uid) ||
		    shmdev_over(uid_regions, 1, max_uid_regions))
			return -EDQUOT;
	}
	s->pending_bytes += r->size;
	s->pending_regions++;
	return 0;
}

/* Take @r out of the list and name table and give back its usage. */
static void shmdev_unlist(struct shmdev_region *r)
{
	struct shmdev_stats *s = &shmdev_stats;

	lockdep_assert_held(&shmdev_lock);
	list_del(&r->node);
	if (r->linked) {
		hash_del(&r->hnode);
		r->linked = false;
	}
	if (r->live) {
		s->cur_bytes -= r->size;
		s->cur_regions--;
		s->destroyed++;
	} else {
		s->pending_bytes -= r->size;
		s->pending_regions--;
	}
}

/* Free @r, which has no shmem file or has given it back. */
static void shmdev_region_destroy(struct shmdev_region *r)
{
	shmdev_put_ipc_ns(r->ns);
	put_pid(r->cpid);
	kfree(r);
}

/*
 * The last reference went.  Map files hold references, so no mapping is
 * left: the shmem file is the inode's last holder, and its memory goes
 * with it.
 */
static void shmdev_region_release(struct kref *ref)
{
	struct shmdev_region *r = container_of(ref, struct shmdev_region, ref);

	shmdev_unlist(r);
	mutex_unlock(&shmdev_lock);
	fput(r->shmem);
	shmdev_region_destroy(r);
}

/*
 * Take @r's name out of the table.  Returns whether the caller now owns
 * the PERSIST reference, to give to shmdev_drop_persist() once unlocked.
 */
static bool shmdev_unname(struct shmdev_region *r)
{
	bool persist = r->persist_ref;

	lockdep_assert_held(&shmdev_lock);
	hash_del(&r->hnode);
	r->linked = false;
	r->persist_ref = false;
	return persist;
}

/*
 * Drop a PERSIST reference and its pin on the module.  The caller's
 * /dev/shmlist fd, or module exit's wait for the reaper, keeps the module
 * here until it returns.
 */
static void shmdev_drop_persist(struct shmdev_region *r)
{
	shmdev_region_put(r);
	module_put(THIS_MODULE);
}

/*
 * PERSIST regions of a dead IPC namespace.  Each region holds one
 * reference on its namespace.  When the regions' references are all the
 * namespace has, no task is in it and no nsfs file or mount names it, so
 * no one can reach its names again, nor take a new reference: then each of
 * its PERSIST names is unlinked, as free_ipc_ns() removes a dying
 * namespace's SysV segments.  A region still held by a fd or a mapping
 * lives until those go; the namespace goes with the last region.
 *
 * Nothing tells a module that a namespace lost its last task, so a
 * delayed work looks every SHMDEV_REAP_PERIOD while a PERSIST region of
 * another namespace than the initial one exists, and CREATE looks before
 * it reports a limit.  Races only ever make the namespace's count larger
 * than the regions' (a region being created or destroyed holds a
 * reference outside the list), which defers the reaping.
 */
#define SHMDEV_REAP_PERIOD	HZ

static void shmdev_reap_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(shmdev_reap_work, shmdev_reap_work_fn);
/* Marks regions whose namespace was counted in this pass. */
static unsigned int shmdev_reap_pass;

static bool shmdev_reapable(struct shmdev_region *r)
{
	return r->persist_ref && !shmdev_ipc_ns_is_init(r->ns);
}

/* Whether @ns has no references but the listed regions'. */
static bool shmdev_ns_orphaned(struct ipc_namespace *ns, unsigned int pass)
{
	struct shmdev_region *o;
	unsigned int n = 0;

	lockdep_assert_held(&shmdev_lock);
	list_for_each_entry(o, &shmdev_regions, node) {
		if (o->ns == ns) {
			o->reap_pass = pass;
			n++;
		}
	}
	return shmdev_ipc_ns_refs(ns) == n;
}

/*
 * Unlink the PERSIST names of every orphaned namespace.  @candidates tells
 * whether reapable regions of live namespaces remain.  Returns how many
 * names went.
 */
static unsigned int shmdev_reap(bool *candidates)
{
	struct shmdev_region *r, *victim;
	unsigned int reaped = 0, pass;

	for (;;) {
		victim = NULL;
		*candidates = false;
		mutex_lock(&shmdev_lock);
		pass = ++shmdev_reap_pass;
		list_for_each_entry(r, &shmdev_regions, node) {
			if (!shmdev_reapable(r) || r->reap_pass == pass)
				continue;
			if (shmdev_ns_orphaned(r->ns, pass)) {
				victim = r;
				break;
			}
			*candidates = true;
		}
		if (victim)
			shmdev_unname(victim);
		mutex_unlock(&shmdev_lock);
		if (!victim)
			return reaped;
		/* Module exit cancels this work and waits for it first. */
		shmdev_drop_persist(victim);
		reaped++;
	}
}

static void shmdev_reap_work_fn(struct work_struct *work)
{
	bool candidates;

	shmdev_reap(&candidates);
	if (candidates)
		schedule_delayed_work(&shmdev_reap_work, SHMDEV_REAP_PERIOD);
}

/* Module exit: no region is left, and the work must not run again. */
void shmdev_reap_stop(void)
{
	cancel_delayed_work_sync(&shmdev_reap_work);
}

void shmdev_region_get(struct shmdev_region *r)
{
	kref_get(&r->ref);
}

void shmdev_region_put(struct shmdev_region *r)
{
	kref_put_mutex(&r->ref, shmdev_region_release, &shmdev_lock);
}

/* Region fds: STAT and SET. */

static long shmdev_ioctl_stat(struct file *file, void __user *uarg,
			      size_t usize)
{
	struct shmdev_region *r = file->private_data;
	struct user_namespace *uns = current_user_ns();
	struct shmdev_stat st;
	int ret;

	ret = shmdev_copy_in(&st, sizeof(st), SHMDEV_STAT_SIZE_VER0,
			     uarg, usize);
	if (ret)
		return ret;
	if (st.flags || memchr_inv(st.reserved, 0, sizeof(st.reserved)))
		return -EINVAL;

	memset(&st, 0, sizeof(st));
	st.id = r->id;
	st.size = r->size;
	st.cuid = from_kuid_munged(uns, r->cuid);
	st.cgid = from_kgid_munged(uns, r->cgid);
	st.fd_mode = (file->f_mode & FMODE_WRITE) ? SHMDEV_OPEN_RDWR : 0;
	st.nfds = atomic_read(&r->nfds);
	st.nmaps = atomic_read(&r->nmaps);
	st.huge_bytes = shmdev_region_huge_bytes(r);
	st.resident_bytes = (u64)READ_ONCE(r->shmem->f_mapping->nrpages)
			    << PAGE_SHIFT;
	st.ctime_ns = r->ctime_ns;
	st.cpid = pid_vnr(r->cpid);
	memcpy(st.name, r->name, sizeof(st.name));

	mutex_lock(&shmdev_lock);
	st.state = r->state | (r->linked ? SHMDEV_STATE_LINKED : 0);
	st.uid = from_kuid_munged(uns, r->uid);
	st.gid = from_kgid_munged(uns, r->gid);
	st.mode = r->mode;
	mutex_unlock(&shmdev_lock);

	return shmdev_copy_out(uarg, usize, &st, sizeof(st));
}

static long shmdev_ioctl_set(struct file *file, void __user *uarg,
			     size_t usize)
{
	struct shmdev_region *r = file->private_data;
	struct user_namespace *uns = current_user_ns();
	struct shmdev_set set;
	kuid_t uid;
	kgid_t gid;
	int ret;

	ret = shmdev_copy_in(&set, sizeof(set), SHMDEV_SET_SIZE_VER0,
			     uarg, usize);
	if (ret)
		return ret;
	if (set.flags & ~SHMDEV_SET_VALID_FLAGS ||
	    memchr_inv(set.reserved, 0, sizeof(set.reserved)))
		return -EINVAL;
	if (set.flags & SHMDEV_SET_MODE && set.mode & ~0777)
		return -EINVAL;
	uid = make_kuid(uns, set.uid);
	gid = make_kgid(uns, set.gid);
	if (set.flags & SHMDEV_SET_OWNER && (!uid_valid(uid) || !gid_valid(gid)))
		return -EINVAL;

	mutex_lock(&shmdev_lock);
	if (!shmdev_may_control(r)) {
		ret = -EPERM;
		goto out_unlock;
	}
	if (set.flags & SHMDEV_SET_OWNER) {
		r->uid = uid;
		r->gid = gid;
	}
	if (set.flags & SHMDEV_SET_MODE)
		r->mode = set.mode;
out_unlock:
	mutex_unlock(&shmdev_lock);
	return ret;
}

static long shmdev_region_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (shmdev_cmd_is(cmd, SHMDEV_IOC_STAT))
		return shmdev_ioctl_stat(file, uarg, _IOC_SIZE(cmd));
	if (shmdev_cmd_is(cmd, SHMDEV_IOC_SET))
		return shmdev_ioctl_set(file, uarg, _IOC_SIZE(cmd));
	return -ENOTTY;
}

static int shmdev_region_release_file(struct inode *inode, struct file *file)
{
	struct shmdev_region *r = file->private_data;

	atomic_dec(&r->nfds);
	shmdev_region_put(r);
	return 0;
}

static const struct file_operations shmdev_region_fops = {
	.owner			= THIS_MODULE,
	.release		= shmdev_region_release_file,
	.mmap			= shmdev_region_mmap,
	.get_unmapped_area	= shmdev_region_get_unmapped_area,
	.unlocked_ioctl		= shmdev_region_ioctl,
	.compat_ioctl		= compat_ptr_ioctl,
	.llseek			= SHMDEV_NO_LLSEEK,
};

/* Make @r live: counted, openable, and holding its PERSIST reference. */
static void shmdev_publish(struct shmdev_region *r)
{
	struct shmdev_stats *s = &shmdev_stats;

	mutex_lock(&shmdev_lock);
	s->pending_bytes -= r->size;
	s->pending_regions--;
	s->cur_bytes += r->size;
	s->cur_regions++;
	s->created++;
	if (s->cur_bytes > s->peak_bytes)
		s->peak_bytes = s->cur_bytes;
	r->live = true;
	if (r->state & SHMDEV_STATE_PERSIST) {
		/*
		 * A PERSIST region may outlive every file; it pins the
		 * module itself.  The caller's /dev/shmlist fd pins it now.
		 */
		__module_get(THIS_MODULE);
		kref_get(&r->ref);
		r->persist_ref = true;
	}
	mutex_unlock(&shmdev_lock);
	if (shmdev_reapable(r))
		schedule_delayed_work(&shmdev_reap_work, SHMDEV_REAP_PERIOD);
}

/*
 * Give the caller a new fd for @r, consuming one reference the caller holds
 * (dropped on failure).  The fd number is copied out with the ioctl's
 * struct before the fd is installed, so nothing fails after install.
 * @publish: make a new region live just before its first fd appears.
 */
static int shmdev_region_fd(struct shmdev_region *r, int oflags, bool cloexec,
			    bool publish, __u32 *fdp, void __user *uarg,
			    size_t usize, const void *karg, size_t ksize)
{
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(cloexec ? O_CLOEXEC : 0);
	if (fd < 0) {
		ret = fd;
		goto out_put_region;
	}
	*fdp = fd;
	ret = shmdev_copy_out(uarg, usize, karg, ksize);
	if (ret)
		goto out_put_fd;
	file = anon_inode_getfile("[shmdev]", &shmdev_region_fops, r, oflags);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out_put_fd;
	}
	atomic_inc(&r->nfds);
	if (publish)
		shmdev_publish(r);
	fd_install(fd, file);
	return 0;

out_put_fd:
	put_unused_fd(fd);
out_put_region:
	shmdev_region_put(r);
	return ret;
}

/*
 * Allocate everything now, failing with -ENOMEM rather than SIGBUS later.
 * __GFP_RETRY_MAYFAIL keeps both the page allocator and the memory cgroup
 * from OOM-killing: a charge over memory.max fails instead.
 */
static int shmdev_populate(struct shmdev_region *r)
{
	struct address_space *mapping = r->shmem->f_mapping;
	gfp_t gfp = mapping_gfp_mask(mapping);
	int ret;

	if (r->size >> PAGE_SHIFT > si_mem_available())
		return -ENOMEM;
	mapping_set_gfp_mask(mapping, gfp | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	ret = vfs_fallocate(r->shmem, 0, 0, r->size);
	mapping_set_gfp_mask(mapping, gfp);
	if (ret == -ENOSPC)
		ret = -ENOMEM;
	return ret;
}

static struct shmdev_region *shmdev_region_alloc(const struct shmdev_create *c,
						 u64 size)
{
	struct shmdev_region *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	kref_init(&r->ref);
	INIT_LIST_HEAD(&r->node);
	INIT_HLIST_NODE(&r->hnode);
	r->size = size;
	r->id = atomic64_inc_return(&shmdev_next_id);
	r->ns = get_ipc_ns(shmdev_current_ns());
	r->uid = current_euid();
	r->cuid = r->uid;
	r->gid = current_egid();
	r->cgid = r->gid;
	r->mode = c->mode;
	r->cpid = get_pid(task_tgid(current));
	r->ctime_ns = ktime_get_real_ns();
	atomic_set(&r->nfds, 0);
	atomic_set(&r->nmaps, 0);
	memcpy(r->name, c->name, sizeof(r->name));
	if (r->name[0])
		r->state |= SHMDEV_STATE_NAMED;
	if (c->flags & SHMDEV_CREATE_PERSIST)
		r->state |= SHMDEV_STATE_PERSIST;
	return r;
}

/*
 * The name exists and the caller did not ask for EXCL: open it read-write.
 * Called with shmdev_lock held; returns with it released.
 */
static long shmdev_create_existing(struct shmdev_region *old,
				   struct shmdev_create *c, u64 size,
				   void __user *uarg, size_t usize)
{
	int ret = 0;

	lockdep_assert_held(&shmdev_lock);
	if (c->flags & SHMDEV_CREATE_EXCL)
		ret = -EEXIST;
	else if (!old->live)
		ret = -EAGAIN;
	else if (old->size < size)
		ret = -EINVAL;
	else if (!shmdev_may_access(old, SHMDEV_MAY_READ | SHMDEV_MAY_WRITE,
				    true))
		ret = -EACCES;
	else
		kref_get(&old->ref);
	mutex_unlock(&shmdev_lock);
	if (ret)
		return ret;
	c->out_flags = 0;
	return shmdev_region_fd(old, O_RDWR, c->flags & SHMDEV_CREATE_CLOEXEC,
				false, &c->fd, uarg, usize, c, sizeof(*c));
}

long shmdev_ioctl_create(void __user *uarg, size_t usize)
{
	struct shmdev_region *r, *old;
	struct shmdev_create c;
	bool reaped = false, live_left;
	u64 size, max;
	int len, ret;

	ret = shmdev_copy_in(&c, sizeof(c), SHMDEV_CREATE_SIZE_VER0,
			     uarg, usize);
	if (ret)
		return ret;
	if (c.flags & ~SHMDEV_CREATE_VALID_FLAGS || c.mode & ~0777 ||
	    memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	len = shmdev_name_check(c.name, true);
	if (len < 0)
		return len;
	if (c.flags & SHMDEV_CREATE_PERSIST && !len)
		return -EINVAL;
	if (!c.size || c.size > MAX_LFS_FILESIZE - PAGE_SIZE)
		return -EINVAL;
	size = PAGE_ALIGN(c.size);
	max = READ_ONCE(shmdev_max_region_bytes);
	if (max && size > max)
		return -EFBIG;

	r = shmdev_region_alloc(&c, size);
	if (!r)
		return -ENOMEM;

retry:
	mutex_lock(&shmdev_lock);
	if (len) {
		old = shmdev_name_lookup(r->ns, r->name);
		if (old) {
			ret = shmdev_create_existing(old, &c, size, uarg, usize);
			shmdev_region_destroy(r);
			return ret;
		}
	}
	ret = shmdev_charge(r);
	if (ret) {
		mutex_unlock(&shmdev_lock);
		/* Stranded regions give their room back before a limit says no. */
		if (!reaped && shmdev_reap(&live_left)) {
			reaped = true;
			goto retry;
		}
		goto out_destroy;
	}
	list_add_tail(&r->node, &shmdev_regions);
	if (len) {
		hash_add(shmdev_names, &r->hnode,
			 shmdev_name_hash(r->ns, r->name));
		r->linked = true;
	}
	mutex_unlock(&shmdev_lock);

	r->shmem = shmdev_shmem_setup(shmdev_mnt, "shmdev", size);
	if (IS_ERR(r->shmem)) {
		ret = PTR_ERR(r->shmem);
		goto out_unlist;
	}
	shmdev_shmem_seal(r);
	if (c.flags & SHMDEV_CREATE_POPULATE) {
		ret = shmdev_populate(r);
		if (ret)
			goto out_put_shmem;
	}
	c.out_flags = SHMDEV_CREATED;
	return shmdev_region_fd(r, O_RDWR, c.flags & SHMDEV_CREATE_CLOEXEC,
				true, &c.fd, uarg, usize, &c, sizeof(c));

out_put_shmem:
	fput(r->shmem);
out_unlist:
	mutex_lock(&shmdev_lock);
	shmdev_unlist(r);
	mutex_unlock(&shmdev_lock);
out_destroy:
	shmdev_region_destroy(r);
	return ret;
}

long shmdev_ioctl_open(void __user *uarg, size_t usize)
{
	struct shmdev_region *r;
	struct shmdev_open o;
	int want, ret;

	ret = shmdev_copy_in(&o, sizeof(o), SHMDEV_OPEN_SIZE_VER0, uarg, usize);
	if (ret)
		return ret;
	if (o.flags & ~SHMDEV_OPEN_VALID_FLAGS ||
	    memchr_inv(o.reserved, 0, sizeof(o.reserved)))
		return -EINVAL;
	ret = shmdev_name_check(o.name, false);
	if (ret < 0)
		return ret;
	want = SHMDEV_MAY_READ;
	if (o.flags & SHMDEV_OPEN_RDWR)
		want |= SHMDEV_MAY_WRITE;

	mutex_lock(&shmdev_lock);
	r = shmdev_name_lookup(shmdev_current_ns(), (const char *)o.name);
	if (!r || !r->live)
		ret = -ENOENT;
	else if (!shmdev_may_access(r, want, true))
		ret = -EACCES;
	else
		kref_get(&r->ref);
	mutex_unlock(&shmdev_lock);
	if (ret < 0)
		return ret;

	return shmdev_region_fd(r, o.flags & SHMDEV_OPEN_RDWR ? O_RDWR : O_RDONLY,
				o.flags & SHMDEV_OPEN_CLOEXEC, false, &o.fd,
				uarg, usize, &o, sizeof(o));
}

long shmdev_ioctl_unlink(void __user *uarg, size_t usize)
{
	struct shmdev_region *r;
	struct shmdev_unlink u;
	bool drop = false;
	int ret;

	ret = shmdev_copy_in(&u, sizeof(u), SHMDEV_UNLINK_SIZE_VER0,
			     uarg, usize);
	if (ret)
		return ret;
	if (u.flags || u.pad || memchr_inv(u.reserved, 0, sizeof(u.reserved)))
		return -EINVAL;
	ret = shmdev_name_check(u.name, false);
	if (ret < 0)
		return ret;

	mutex_lock(&shmdev_lock);
	r = shmdev_name_lookup(shmdev_current_ns(), (const char *)u.name);
	if (!r || !r->live) {
		ret = -ENOENT;
	} else if (!shmdev_may_control(r)) {
		ret = -EPERM;
	} else {
		drop = shmdev_unname(r);
		ret = 0;
	}
	mutex_unlock(&shmdev_lock);
	if (drop)
		shmdev_drop_persist(r);
	return ret;
}

/* An administrator's unlink of any namespace's region, by id. */
long shmdev_ioctl_remove(void __user *uarg, size_t usize)
{
	struct shmdev_region *r, *found = NULL;
	struct shmdev_remove rm;
	bool drop = false;
	int ret;

	ret = shmdev_copy_in(&rm, sizeof(rm), SHMDEV_REMOVE_SIZE_VER0,
			     uarg, usize);
	if (ret)
		return ret;
	if (rm.flags || rm.pad || memchr_inv(rm.reserved, 0, sizeof(rm.reserved)))
		return -EINVAL;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&shmdev_lock);
	list_for_each_entry(r, &shmdev_regions, node) {
		if (r->id == rm.id && r->live && r->linked) {
			found = r;
			break;
		}
	}
	if (found)
		drop = shmdev_unname(found);
	mutex_unlock(&shmdev_lock);
	if (!found)
		return -ENOENT;
	if (drop)
		shmdev_drop_persist(found);
	return 0;
}
