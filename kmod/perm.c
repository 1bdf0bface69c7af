// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: who may open and control a region, after ipc/util.c's ipcperms().
 * The owner, group and mode are read under the region's spinlock, which
 * SET takes to change them; capability checks do not sleep, as ipcperms()
 * runs them under RCU.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/spinlock.h>

#include "shmdev.h"

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
bool shmdev_mode_grants(struct shmdev_region *r, int want,
			const struct cred *cred)
{
	int granted;

	spin_lock(&r->lock);
	granted = r->mode;
	if (uid_eq(cred->euid, r->cuid) || uid_eq(cred->euid, r->uid))
		granted >>= 6;
	else if (shmdev_cred_in_group(cred, r->cgid) ||
		 shmdev_cred_in_group(cred, r->gid))
		granted >>= 3;
	spin_unlock(&r->lock);
	return !(want & ~granted & 0007);
}

/* ipcperms(): the mode for the caller, then CAP_IPC_OWNER. */
bool shmdev_may_access(struct shmdev_region *r, int want)
{
	if (shmdev_mode_grants(r, want, current_cred()))
		return true;
	return ns_capable(r->user_ns, CAP_IPC_OWNER);
}

static bool shmdev_controls(struct shmdev_region *r)
{
	kuid_t euid = current_euid();

	lockdep_assert_held(&r->lock);
	return uid_eq(euid, r->uid) || uid_eq(euid, r->cuid) ||
	       ns_capable(r->user_ns, CAP_IPC_OWNER);
}

/* Unlink: owner or creator, or CAP_IPC_OWNER. */
bool shmdev_may_control(struct shmdev_region *r)
{
	bool ret;

	spin_lock(&r->lock);
	ret = shmdev_controls(r);
	spin_unlock(&r->lock);
	return ret;
}

/*
 * SET: the same check, and the change under the same lock, so that the
 * owner checked is the owner changed.  @set was validated by the caller.
 */
int shmdev_perm_set(struct shmdev_region *r, const struct shmdev_set *set,
		    kuid_t uid, kgid_t gid)
{
	int ret = 0;

	spin_lock(&r->lock);
	if (!shmdev_controls(r)) {
		ret = -EPERM;
		goto out_unlock;
	}
	if (set->flags & SHMDEV_SET_OWNER) {
		r->uid = uid;
		r->gid = gid;
	}
	if (set->flags & SHMDEV_SET_MODE)
		r->mode = set->mode;
out_unlock:
	spin_unlock(&r->lock);
	return ret;
}
