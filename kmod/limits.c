// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: limits, usage per uid and the module's counters.
 *
 * Usage is kept as counters, updated when a region is charged and when it
 * is freed, never summed by a walk (ipc/shm.c keeps shm_tot the same
 * way): the module's totals, and per creating kuid a small entry in an
 * xarray keyed by the kuid's value, freed when the uid has no region left.
 * One mutex covers them all; it is held for a few additions, and
 * allocates only the first time a uid creates.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "shmdev.h"

unsigned long shmdev_max_region_bytes;
module_param_named(max_region_bytes, shmdev_max_region_bytes, ulong, 0644);
MODULE_PARM_DESC(max_region_bytes,
		 "Largest region in bytes, 0 for no limit (default: 0)");

/*
 * The byte limits default to shares of RAM set at load (SHMDEV_LIMIT_AUTO
 * until then): half for all regions, as tmpfs's default size and shmall
 * bound what shared memory may pin, and a quarter for one uid, so that no
 * single user takes it all.  0 still means no limit.  The module needs a
 * 64-bit kernel (Kbuild), so that these fit RAM above 4 GiB.
 */
#define SHMDEV_LIMIT_AUTO	ULONG_MAX

static unsigned long shmdev_max_total_bytes = SHMDEV_LIMIT_AUTO;
module_param_named(max_total_bytes, shmdev_max_total_bytes, ulong, 0644);
MODULE_PARM_DESC(max_total_bytes,
		 "Bytes of all live regions together, 0 for no limit (default: half of RAM)");

static unsigned int shmdev_max_regions = 4096;
module_param_named(max_regions, shmdev_max_regions, uint, 0644);
MODULE_PARM_DESC(max_regions,
		 "Number of live regions, 0 for no limit (default: 4096)");

static unsigned long shmdev_max_uid_bytes = SHMDEV_LIMIT_AUTO;
module_param_named(max_uid_bytes, shmdev_max_uid_bytes, ulong, 0644);
MODULE_PARM_DESC(max_uid_bytes,
		 "Bytes of live regions created by one uid, 0 for no limit (default: a quarter of RAM)");

static unsigned int shmdev_max_uid_regions = 1024;
module_param_named(max_uid_regions, shmdev_max_uid_regions, uint, 0644);
MODULE_PARM_DESC(max_uid_regions,
		 "Live regions created by one uid, 0 for no limit (default: 1024)");

/* What one creating uid holds, charged or live. */
struct shmdev_usage {
	u64 bytes;
	u64 regions;
};

/*
 * Protects shmdev_stats, shmdev_uids and every region's charged flag and
 * charged_bytes.
 */
static DEFINE_MUTEX(shmdev_acct_lock);
/* kuid value -> struct shmdev_usage, present while the uid holds regions. */
static DEFINE_XARRAY(shmdev_uids);

static struct {
	u64 cur_bytes;		/* live regions */
	u64 cur_regions;
	u64 pending_bytes;	/* regions being created */
	u64 pending_regions;
	u64 peak_bytes;
	u64 created;
	u64 destroyed;
} shmdev_stats;

void shmdev_limits_init(void)
{
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;

	if (shmdev_max_total_bytes == SHMDEV_LIMIT_AUTO)
		shmdev_max_total_bytes = ram / 2;
	if (shmdev_max_uid_bytes == SHMDEV_LIMIT_AUTO)
		shmdev_max_uid_bytes = ram / 4;
}

static bool shmdev_over(u64 used, u64 add, u64 max)
{
	return max && (used > max || add > max - used);
}

/*
 * The last 1/SHMDEV_RESERVE_SHARE of max_regions and max_total_bytes (at
 * least one region, or one byte) is kept for CAP_SYS_ADMIN and
 * CAP_IPC_OWNER in the initial user namespace, so that an administrator
 * can still create and clean up when many uids (a user's subordinate
 * range, say) have filled the rest.  With a limit of one, the unprivileged
 * share is none at all, never "no limit".
 */
#define SHMDEV_RESERVE_SHARE	16

static bool shmdev_privileged(void)
{
	return ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN) ||
	       ns_capable_noaudit(&init_user_ns, CAP_IPC_OWNER);
}

/* Over @max for everyone, or over the unprivileged share of it. */
static bool shmdev_over_global(u64 used, u64 add, u64 max)
{
	u64 share;

	if (!max)
		return false;
	if (shmdev_over(used, add, max))
		return true;
	share = max - max_t(u64, max / SHMDEV_RESERVE_SHARE, 1);
	if (used <= share && add <= share - used)
		return false;
	return !shmdev_privileged();
}

static struct shmdev_usage *shmdev_usage_get(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	struct shmdev_usage *u;
	int ret;

	lockdep_assert_held(&shmdev_acct_lock);
	u = xa_load(&shmdev_uids, key);
	if (u)
		return u;
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return ERR_PTR(-ENOMEM);
	ret = xa_insert(&shmdev_uids, key, u, GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(u);
		return ERR_PTR(ret);
	}
	return u;
}

static void shmdev_usage_put(kuid_t uid, struct shmdev_usage *u)
{
	lockdep_assert_held(&shmdev_acct_lock);
	if (!u->regions) {
		xa_erase(&shmdev_uids, __kuid_val(uid));
		kfree(u);
	}
}

/*
 * Check every limit for the new region @r and reserve its size.  Sizes go
 * up to 2^63, so every sum is checked: a total that would not fit in 64
 * bits is over any limit, and with no limit set it is refused too, so
 * that the counters stay true for a limit set later.
 */
int shmdev_charge(struct shmdev_region *r)
{
	u64 max_uid = READ_ONCE(shmdev_max_uid_bytes);
	u64 max_uid_regions = READ_ONCE(shmdev_max_uid_regions);
	struct shmdev_usage *u;
	u64 regions, total;
	int ret = -ENOSPC;

	mutex_lock(&shmdev_acct_lock);
	regions = shmdev_stats.cur_regions + shmdev_stats.pending_regions;
	if (shmdev_over_global(regions, 1, READ_ONCE(shmdev_max_regions)))
		goto out_unlock;
	if (check_add_overflow(shmdev_stats.cur_bytes,
			       shmdev_stats.pending_bytes, &total) ||
	    check_add_overflow(total, r->size, &total) ||
	    shmdev_over_global(total - r->size, r->size,
			       READ_ONCE(shmdev_max_total_bytes)))
		goto out_unlock;
	u = shmdev_usage_get(r->cuid);
	if (IS_ERR(u)) {
		ret = PTR_ERR(u);
		goto out_unlock;
	}
	if (shmdev_over(u->bytes, r->size, max_uid) ||
	    shmdev_over(u->regions, 1, max_uid_regions)) {
		shmdev_usage_put(r->cuid, u);
		ret = -EDQUOT;
		goto out_unlock;
	}
	/* Saturates: U64_MAX is over any limit. */
	if (check_add_overflow(u->bytes, r->size, &u->bytes))
		u->bytes = U64_MAX;
	u->regions++;
	shmdev_stats.pending_bytes += r->size;
	shmdev_stats.pending_regions++;
	r->charged_bytes = r->size;
	r->charged = true;
	ret = 0;
out_unlock:
	mutex_unlock(&shmdev_acct_lock);
	return ret;
}

/* Give back what @r was charged, live or still being created. */
void shmdev_uncharge(struct shmdev_region *r)
{
	struct shmdev_usage *u;

	mutex_lock(&shmdev_acct_lock);
	if (!r->charged)
		goto out_unlock;
	r->charged = false;
	if (r->live) {
		shmdev_stats.cur_bytes -= r->charged_bytes;
		shmdev_stats.cur_regions--;
		shmdev_stats.destroyed++;
	} else {
		shmdev_stats.pending_bytes -= r->charged_bytes;
		shmdev_stats.pending_regions--;
	}
	u = xa_load(&shmdev_uids, __kuid_val(r->cuid));
	if (!WARN_ON_ONCE(!u)) {
		u->bytes = u->bytes == U64_MAX ? U64_MAX :
			   u->bytes - r->charged_bytes;
		u->regions--;
		shmdev_usage_put(r->cuid, u);
	}
out_unlock:
	mutex_unlock(&shmdev_acct_lock);
}

/*
 * @r becomes live: counted as created, and openable once @live is seen
 * (smp_store_release(), after everything a holder may read).
 */
void shmdev_account_publish(struct shmdev_region *r)
{
	mutex_lock(&shmdev_acct_lock);
	shmdev_stats.pending_bytes -= r->charged_bytes;
	shmdev_stats.pending_regions--;
	shmdev_stats.cur_bytes += r->charged_bytes;
	shmdev_stats.cur_regions++;
	shmdev_stats.created++;
	shmdev_stats.peak_bytes = max(shmdev_stats.peak_bytes,
				      shmdev_stats.cur_bytes);
	/* Pairs with shmdev_region_is_live(): r->shmem and all else first. */
	smp_store_release(&r->live, true);
	mutex_unlock(&shmdev_acct_lock);
}

/*
 * RESIZE of the live region @r to @size bytes: check the limits for what
 * it adds, as CREATE does (max_region_bytes: -EFBIG, max_total_bytes:
 * -ENOSPC, max_uid_bytes of its creator: -EDQUOT), and count it; a shrink
 * always succeeds.  Nothing changes on failure.
 */
int shmdev_charge_resize(struct shmdev_region *r, u64 size)
{
	u64 max = READ_ONCE(shmdev_max_region_bytes);
	struct shmdev_usage *u;
	u64 old, add, total;
	int ret = 0;

	if (size > r->charged_bytes && max && size > max)
		return -EFBIG;
	mutex_lock(&shmdev_acct_lock);
	u = xa_load(&shmdev_uids, __kuid_val(r->cuid));
	if (WARN_ON_ONCE(!r->charged || !r->live || !u)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	old = r->charged_bytes;
	if (size <= old) {
		shmdev_stats.cur_bytes -= old - size;
		if (u->bytes != U64_MAX)
			u->bytes -= old - size;
		r->charged_bytes = size;
		goto out_unlock;
	}
	add = size - old;
	ret = -ENOSPC;
	if (check_add_overflow(shmdev_stats.cur_bytes,
			       shmdev_stats.pending_bytes, &total) ||
	    check_add_overflow(total, add, &total) ||
	    shmdev_over_global(total - add, add,
			       READ_ONCE(shmdev_max_total_bytes)))
		goto out_unlock;
	ret = -EDQUOT;
	if (shmdev_over(u->bytes, add, READ_ONCE(shmdev_max_uid_bytes)))
		goto out_unlock;
	if (check_add_overflow(u->bytes, add, &u->bytes))
		u->bytes = U64_MAX;
	/* The peak moves in shmdev_account_resized(), once it holds. */
	shmdev_stats.cur_bytes += add;
	r->charged_bytes = size;
	ret = 0;
out_unlock:
	mutex_unlock(&shmdev_acct_lock);
	return ret;
}

/* A RESIZE that grew a region holds: the peak may move. */
void shmdev_account_resized(void)
{
	mutex_lock(&shmdev_acct_lock);
	shmdev_stats.peak_bytes = max(shmdev_stats.peak_bytes,
				      shmdev_stats.cur_bytes);
	mutex_unlock(&shmdev_acct_lock);
}

void shmdev_counters_read(struct shmdev_counters *c)
{
	mutex_lock(&shmdev_acct_lock);
	c->cur_bytes = shmdev_stats.cur_bytes;
	c->cur_regions = shmdev_stats.cur_regions;
	c->peak_bytes = shmdev_stats.peak_bytes;
	c->created = shmdev_stats.created;
	c->destroyed = shmdev_stats.destroyed;
	mutex_unlock(&shmdev_acct_lock);
}

void shmdev_info_fill(struct shmdev_info *info)
{
	struct shmdev_counters c;

	info->max_region_bytes = READ_ONCE(shmdev_max_region_bytes);
	info->max_total_bytes = READ_ONCE(shmdev_max_total_bytes);
	info->max_regions = READ_ONCE(shmdev_max_regions);
	info->max_uid_bytes = READ_ONCE(shmdev_max_uid_bytes);
	info->max_uid_regions = READ_ONCE(shmdev_max_uid_regions);
	shmdev_counters_read(&c);
	info->cur_bytes = c.cur_bytes;
	info->cur_regions = c.cur_regions;
	info->peak_bytes = c.peak_bytes;
	info->created = c.created;
	info->destroyed = c.destroyed;
}
