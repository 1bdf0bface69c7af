// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: a region's life.  Ids index an xarray (as ipc/util.c's ipc_ids
 * index an IDR): lookups by id and the listing's walk run under RCU and
 * take a reference only on a region whose count is not yet zero.  The
 * last user's reference ends the region: its name, its id, its usage,
 * its memory; the last pin frees the region itself, after a grace period
 * (a parked file pins a region that may be dead, kmod/park.c).  A region's
 * fields and locks are set up here, the doorbell's too (kmod/bell.c).
 */
#include <linux/file.h>
#include <linux/ipc_namespace.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "compat.h"
#include "shmdev.h"

/* id -> region, from CREATE until the region is freed. */
static DEFINE_XARRAY(shmdev_regions);
static atomic64_t shmdev_next_id = ATOMIC64_INIT(0);

/*
 * A new region for CREATE's @c, of @size bytes, with one reference for
 * the caller: not yet charged, named, listed or backed.  It holds the
 * caller's IPC namespace until it is freed or the namespace is dead
 * (kmod/names.c), and its user namespace, for CAP_IPC_OWNER, for life.
 * shmdev_region_put() undoes whatever was done since.
 */
struct shmdev_region *shmdev_region_alloc(const struct shmdev_create *c,
					  u64 size)
{
	struct ipc_namespace *ns;
	struct shmdev_region *r;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	ns = current->nsproxy->ipc_ns;
	INIT_LIST_HEAD(&r->scope_node);
	INIT_LIST_HEAD(&r->reap_node);
	kref_init(&r->ref);
	kref_init(&r->pins);
	spin_lock_init(&r->lock);
	mutex_init(&r->resize_lock);
	atomic_set(&r->writers, 0);
	shmdev_bell_init(r);
	r->size = size;
	r->populate = c->flags & SHMDEV_CREATE_POPULATE;
	r->id = atomic64_inc_return(&shmdev_next_id);
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
	ret = shmdev_scope_attach(r, ns);
	if (ret) {
		put_pid(r->cpid);
		kfree(r);
		return ERR_PTR(ret);
	}
	r->user_ns = get_user_ns(ns->user_ns);
	r->ns_inum = ns->ns.inum;
	return r;
}

/* List @r under its id, for REMOVE and the listing. */
int shmdev_region_add(struct shmdev_region *r)
{
	return xa_insert(&shmdev_regions, r->id, r, GFP_KERNEL_ACCOUNT);
}

/*
 * The last pin went: no file refers to the region.  Map files hold pins,
 * so no mapping is left: the shmem file is the inode's last holder, and
 * its memory goes with it.
 */
static void shmdev_region_free(struct kref *pins)
{
	struct shmdev_region *r = container_of(pins, struct shmdev_region,
					       pins);

	if (r->shmem)
		fput(r->shmem);
	put_pid(r->cpid);
	put_user_ns(r->user_ns);
	mutex_destroy(&r->resize_lock);
	kfree_rcu(r, rcu);
}

/*
 * The last user went: the region dies, and nothing finds it again.  Its
 * memory goes now even if parked files still map it: a shrink to 0
 * unmaps it from every mapping (SIGBUS there) and frees it, as RESIZE's
 * does.  Only the users' own pin left means no parked file (PARK pins
 * with a user's reference, and a map file born parked is made from a
 * region fd that holds one or a pin), so nothing maps the memory and
 * the last pin's fput() frees it.  No caller holds mmap_lock (see
 * kmod/park.c).
 */
static void shmdev_region_release(struct kref *ref)
{
	struct shmdev_region *r = container_of(ref, struct shmdev_region, ref);

	if (r->state & SHMDEV_STATE_NAMED)
		shmdev_name_drop(r);
	xa_erase(&shmdev_regions, r->id);
	if (r->shmem && kref_read(&r->pins) > 1)
		shmdev_shmem_set_size(r->shmem, 0);
	shmdev_uncharge(r);
	shmdev_scope_detach(r);
	kref_put(&r->pins, shmdev_region_free);
}

void shmdev_region_get(struct shmdev_region *r)
{
	kref_get(&r->ref);
}

void shmdev_region_put(struct shmdev_region *r)
{
	kref_put(&r->ref, shmdev_region_release);
}

/* A user's reference on @r, unless @r is dead (a parked file's region). */
bool shmdev_region_tryget(struct shmdev_region *r)
{
	return kref_get_unless_zero(&r->ref);
}

/* A pin on @r, for a file that a user's reference made a parked one. */
void shmdev_region_pin(struct shmdev_region *r)
{
	kref_get(&r->pins);
}

void shmdev_region_unpin(struct shmdev_region *r)
{
	kref_put(&r->pins, shmdev_region_free);
}

/* The live region with id @id, referenced, or NULL. */
struct shmdev_region *shmdev_region_find(u64 id)
{
	struct shmdev_region *r;

	rcu_read_lock();
	r = xa_load(&shmdev_regions, id);
	if (r && (!shmdev_region_is_live(r) || !kref_get_unless_zero(&r->ref)))
		r = NULL;
	rcu_read_unlock();
	return r;
}

/*
 * The live region with the smallest id at or above *@id, referenced, with
 * its id in *@id; NULL when there is none.  Resuming from the last id seen
 * makes a walk of n regions O(n) over any number of calls.
 */
struct shmdev_region *shmdev_region_next(u64 *id)
{
	unsigned long index = *id;
	struct shmdev_region *r;

	rcu_read_lock();
	for (r = xa_find(&shmdev_regions, &index, ULONG_MAX, XA_PRESENT); r;
	     r = xa_find_after(&shmdev_regions, &index, ULONG_MAX,
			       XA_PRESENT)) {
		if (shmdev_region_is_live(r) && kref_get_unless_zero(&r->ref))
			break;
	}
	rcu_read_unlock();
	if (r)
		*id = index;
	return r;
}

/*
 * Make a new region live: counted, openable, and holding its PERSIST
 * reference, just before its first fd appears.  Returns whether it became
 * live now (false when it already was).
 */
bool shmdev_region_publish(struct shmdev_region *r)
{
	if (shmdev_region_is_live(r))
		return false;
	if (r->state & SHMDEV_STATE_PERSIST) {
		/*
		 * A PERSIST region may outlive every file; it pins the
		 * module itself.  The caller's /dev/shmlist fd pins it now.
		 */
		__module_get(THIS_MODULE);
		kref_get(&r->ref);
		if (!shmdev_name_persist(r))
			shmdev_region_drop_persist(r);
	}
	shmdev_account_publish(r);
	return true;
}

/*
 * Drop a PERSIST reference and its pin on the module.  The caller's
 * /dev/shmlist fd, or module exit's wait for the reaper, keeps the module
 * here until it returns.
 */
void shmdev_region_drop_persist(struct shmdev_region *r)
{
	shmdev_region_put(r);
	module_put(THIS_MODULE);
}
