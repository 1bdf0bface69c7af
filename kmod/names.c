// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: names and their scopes.
 *
 * Linked names sit in one rhashtable keyed by (IPC namespace, name), which
 * grows and shrinks with its contents.  OPEN looks a name up under RCU and
 * takes a reference with kref_get_unless_zero(), so it waits on nobody.
 * Changes to the table (create, unlink, a region's death) take
 * shmdev_names_lock for the insert or removal alone.
 *
 * A region holds its IPC namespace from its creation until it is freed
 * or the namespace is dead: nothing holds the namespace but its regions,
 * so no task is in it and no nsfs file or mount names it.  Then the
 * reaper unlinks the namespace's names and detaches its regions, which
 * keep of it only its user namespace (for CAP_IPC_OWNER) and its inode
 * number (for /proc/shmdev-all), so that it dies at once.  Nothing, not
 * even open_by_handle_at() of its nsfs file handle (6.18 on), can enter
 * it again and find its names gone (but see shmdev_names_take_dead() on
 * 6.18's window).
 *
 * A scope is what the module knows of one IPC namespace that regions
 * hold: how many and which, so that the reaper can tell a dead namespace
 * and detach its regions without a walk of everything.  Scopes sit in an
 * xarray keyed by the namespace's inode number, unique among live
 * namespaces (the regions hold theirs), and are freed after a grace
 * period: a region finds its scope under RCU.
 */
#include <linux/ipc_namespace.h>
#include <linux/jhash.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/xarray.h>

#include "compat.h"
#include "shmdev.h"

struct shmdev_scope {
	spinlock_t lock;		/* the fields below, members' scope, ns */
	struct ipc_namespace *ns;
	unsigned long nregions;		/* regions holding ns */
	struct list_head regions;	/* those regions, by scope_node */
	unsigned long npersist;		/* PERSIST names, under the names lock */
	bool dead;			/* out of shmdev_scopes */
	struct rcu_head rcu;
};

/*
 * Protects the name table's membership, every region's linked and
 * persist_ref, and the insertion of scopes.  It is held for one table
 * insert, lookup or removal, for a new scope, or by the reaper.  A
 * scope's own lock nests inside it.
 */
static DEFINE_MUTEX(shmdev_names_lock);
static struct rhashtable shmdev_names;
/* ns inode number -> struct shmdev_scope, while regions hold the ns. */
static DEFINE_XARRAY(shmdev_scopes);
/*
 * The initial namespace never dies and holds most regions: its scope is
 * static, outside the xarray, and never freed, so that creating and
 * freeing regions there allocates nothing for it.
 */
static struct shmdev_scope shmdev_init_scope = {
	.lock		= __SPIN_LOCK_UNLOCKED(shmdev_init_scope.lock),
	.regions	= LIST_HEAD_INIT(shmdev_init_scope.regions),
};

struct shmdev_name_key {
	const struct ipc_namespace *ns;
	const char *name;
};

static u32 shmdev_name_hash(const struct ipc_namespace *ns, const char *name,
			    u32 seed)
{
	return jhash_1word(full_name_hash(ns, name, strlen(name)), seed);
}

static u32 shmdev_key_hashfn(const void *data, u32 len, u32 seed)
{
	const struct shmdev_name_key *key = data;

	return shmdev_name_hash(key->ns, key->name, seed);
}

static u32 shmdev_obj_hashfn(const void *data, u32 len, u32 seed)
{
	const struct shmdev_region *r = data;

	return shmdev_name_hash(r->ns, r->name, seed);
}

static int shmdev_obj_cmpfn(struct rhashtable_compare_arg *arg,
			    const void *obj)
{
	const struct shmdev_name_key *key = arg->key;
	const struct shmdev_region *r = obj;

	return READ_ONCE(r->ns) != key->ns || strcmp(r->name, key->name);
}

static const struct rhashtable_params shmdev_name_params = {
	.head_offset		= offsetof(struct shmdev_region, hnode),
	.hashfn			= shmdev_key_hashfn,
	.obj_hashfn		= shmdev_obj_hashfn,
	.obj_cmpfn		= shmdev_obj_cmpfn,
	.automatic_shrinking	= true,
};

int shmdev_names_init(void)
{
	return rhashtable_init(&shmdev_names, &shmdev_name_params);
}

/* Module exit: regions pin the module, so the table and scopes are empty. */
void shmdev_names_exit(void)
{
	WARN_ON_ONCE(!xa_empty(&shmdev_scopes));
	rhashtable_destroy(&shmdev_names);
}

/*
 * Names: 1 to SHMDEV_NAME_MAX printable ASCII bytes but '/', terminated,
 * zero after the terminator.  Returns the length or -EINVAL.
 */
int shmdev_name_check(const u8 *name, bool allow_empty)
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

/* @r joins the live scope @s and holds its namespace. */
static void shmdev_scope_join(struct shmdev_scope *s, struct shmdev_region *r)
{
	lockdep_assert_held(&s->lock);
	s->nregions++;
	list_add_tail(&r->scope_node, &s->regions);
	WRITE_ONCE(r->scope, s);
	WRITE_ONCE(r->ns, get_ipc_ns(s->ns));
}

/*
 * @r joins the live scope keyed @key, if there is one.  Returns whether a
 * scope was there, live or dying (its last region takes it out of the
 * xarray and frees it under its own lock and RCU).
 */
static bool shmdev_scope_try_join(struct shmdev_region *r, unsigned long key)
{
	struct shmdev_scope *s;

	rcu_read_lock();
	s = xa_load(&shmdev_scopes, key);
	if (s) {
		spin_lock(&s->lock);
		if (!s->dead)
			shmdev_scope_join(s, r);
		spin_unlock(&s->lock);
	}
	rcu_read_unlock();
	return s;
}

/* The new region @r holds @ns, the caller's namespace. */
int shmdev_scope_attach(struct shmdev_region *r, struct ipc_namespace *ns)
{
	unsigned long key = ns->ns.inum;
	struct shmdev_scope *s, *new;
	bool found;
	int ret = 0;

	if (shmdev_ipc_ns_is_init(ns)) {
		s = &shmdev_init_scope;
		spin_lock(&s->lock);
		s->ns = ns;
		shmdev_scope_join(s, r);
		spin_unlock(&s->lock);
		return 0;
	}
	shmdev_scope_try_join(r, key);
	if (r->scope)
		return 0;

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	spin_lock_init(&new->lock);
	new->ns = ns;
	INIT_LIST_HEAD(&new->regions);

	/* The mutex keeps other inserters out; a dying scope, look again. */
	mutex_lock(&shmdev_names_lock);
	for (;;) {
		found = shmdev_scope_try_join(r, key);
		if (r->scope)
			break;
		if (found)
			continue;
		/* @r is in the new scope before anyone can find it. */
		spin_lock(&new->lock);
		shmdev_scope_join(new, r);
		spin_unlock(&new->lock);
		ret = xa_insert(&shmdev_scopes, key, new, GFP_KERNEL_ACCOUNT);
		if (ret) {
			list_del_init(&r->scope_node);
			WRITE_ONCE(r->scope, NULL);
			WRITE_ONCE(r->ns, NULL);
			shmdev_put_ipc_ns(ns);
		} else {
			new = NULL;
		}
		break;
	}
	mutex_unlock(&shmdev_names_lock);
	kfree(new);
	return ret;
}

/*
 * Take @r out of @s; returns the namespace reference the caller drops,
 * once no spinlock is held.  The last region out frees the scope.
 */
static struct ipc_namespace *shmdev_scope_leave(struct shmdev_scope *s,
						struct shmdev_region *r)
{
	struct ipc_namespace *ns = r->ns;

	lockdep_assert_held(&s->lock);
	list_del_init(&r->scope_node);
	WRITE_ONCE(r->scope, NULL);
	/* RCU readers of the name table compare r->ns; NULL matches none. */
	WRITE_ONCE(r->ns, NULL);
	if (!--s->nregions && s != &shmdev_init_scope) {
		s->dead = true;
		xa_erase(&shmdev_scopes, s->ns->ns.inum);
		kfree_rcu(s, rcu);
	}
	return ns;
}

/* @r is being freed: it lets go of its namespace, if it still holds it. */
void shmdev_scope_detach(struct shmdev_region *r)
{
	struct ipc_namespace *ns = NULL;
	struct shmdev_scope *s;

	rcu_read_lock();
	s = READ_ONCE(r->scope);
	if (s) {
		spin_lock(&s->lock);
		/* The reaper may have detached it meanwhile. */
		if (r->scope == s)
			ns = shmdev_scope_leave(s, r);
		spin_unlock(&s->lock);
	}
	rcu_read_unlock();
	if (ns)
		shmdev_put_ipc_ns(ns);
}

static struct shmdev_region *shmdev_name_lookup(const struct ipc_namespace *ns,
						const char *name)
{
	struct shmdev_name_key key = { .ns = ns, .name = name };

	return rhashtable_lookup(&shmdev_names, &key, shmdev_name_params);
}

/* Take @r's name out of the table; its PERSIST reference is the caller's. */
static bool shmdev_unname(struct shmdev_region *r)
{
	bool persist = r->persist_ref;

	lockdep_assert_held(&shmdev_names_lock);
	rhashtable_remove_fast(&shmdev_names, &r->hnode, shmdev_name_params);
	WRITE_ONCE(r->linked, false);
	if (persist)
		r->scope->npersist--;
	r->persist_ref = false;
	return persist;
}

/*
 * Link the new region @r's name in its namespace, unless it is taken.
 * Returns NULL when linked, the region that has the name (referenced)
 * when taken, or an ERR_PTR.  A region whose last reference is gone but
 * whose release has not yet taken its name out gives the name up here.
 */
struct shmdev_region *shmdev_name_link(struct shmdev_region *r)
{
	struct shmdev_region *old;
	int ret;

	mutex_lock(&shmdev_names_lock);
	rcu_read_lock();
	old = shmdev_name_lookup(r->ns, r->name);
	rcu_read_unlock();
	if (old && kref_get_unless_zero(&old->ref)) {
		mutex_unlock(&shmdev_names_lock);
		return old;
	}
	if (old)
		shmdev_unname(old);
	ret = rhashtable_insert_fast(&shmdev_names, &r->hnode,
				     shmdev_name_params);
	if (!ret)
		WRITE_ONCE(r->linked, true);
	mutex_unlock(&shmdev_names_lock);
	return ret ? ERR_PTR(ret) : NULL;
}

/* @r is being freed: its name goes, if it still has one. */
void shmdev_name_drop(struct shmdev_region *r)
{
	mutex_lock(&shmdev_names_lock);
	if (r->linked)
		shmdev_unname(r);
	mutex_unlock(&shmdev_names_lock);
}

/* The live region named @name in @ns, referenced, or NULL. */
struct shmdev_region *shmdev_name_find(struct ipc_namespace *ns,
				       const char *name)
{
	struct shmdev_region *r;

	rcu_read_lock();
	r = shmdev_name_lookup(ns, name);
	if (r && (!shmdev_region_is_live(r) || !kref_get_unless_zero(&r->ref)))
		r = NULL;
	rcu_read_unlock();
	return r;
}

/*
 * UNLINK: take @name out of @ns if the caller controls its region.  When
 * the region held a PERSIST reference, *@persist is set to the region,
 * whose reference the caller drops (shmdev_region_drop_persist()).
 */
int shmdev_name_unlink(struct ipc_namespace *ns, const char *name,
		       struct shmdev_region **persist)
{
	struct shmdev_region *r;
	int ret = 0;

	*persist = NULL;
	mutex_lock(&shmdev_names_lock);
	rcu_read_lock();
	r = shmdev_name_lookup(ns, name);
	rcu_read_unlock();
	/* Under the lock a linked region is freed only after it leaves. */
	if (!r || !shmdev_region_is_live(r) || !kref_read(&r->ref))
		ret = -ENOENT;
	else if (!shmdev_may_control(r))
		ret = -EPERM;
	else if (shmdev_unname(r))
		*persist = r;
	mutex_unlock(&shmdev_names_lock);
	return ret;
}

/*
 * REMOVE: unlink the live, referenced region @r's name if it has one.
 * *@persist says whether the caller now owns its PERSIST reference.
 */
int shmdev_name_unlink_region(struct shmdev_region *r, bool *persist)
{
	int ret = -ENOENT;

	*persist = false;
	mutex_lock(&shmdev_names_lock);
	if (r->linked && shmdev_region_is_live(r)) {
		*persist = shmdev_unname(r);
		ret = 0;
	}
	mutex_unlock(&shmdev_names_lock);
	return ret;
}

/*
 * A PERSIST region is being published: its name takes the reference the
 * caller took for it.  Nobody could unlink the name before (OPEN and
 * UNLINK see only live regions).  Returns false, and the reference stays
 * the caller's, if the name is gone all the same.
 */
bool shmdev_name_persist(struct shmdev_region *r)
{
	bool linked;

	mutex_lock(&shmdev_names_lock);
	linked = r->linked;
	if (!WARN_ON_ONCE(!linked)) {
		r->persist_ref = true;
		r->scope->npersist++;
	}
	mutex_unlock(&shmdev_names_lock);
	return linked;
}

/*
 * The reaper's pass.  A namespace is dead for good when nothing holds it
 * but its regions: no task is in it, no nsfs file or mount names it, and
 * nothing can take a new reference but through those.  Its names are
 * unlinked and its regions detached, so that it dies now.  The regions
 * whose PERSIST reference went with their name move to @victims (through
 * reap_node) for the caller to drop.  Linear in the scopes and the dead
 * namespaces' regions.  Returns whether PERSIST names of live namespaces
 * other than the initial one remain, to look at again later.
 *
 * Races only make the namespace's count larger than the regions' (a
 * region being created takes its reference before it joins), which
 * defers the verdict; but on 6.18 alone, open_by_handle_at() of the
 * namespace's nsfs handle takes a reference on any namespace still
 * referenced, so a reopen between the count's read and the regions'
 * detach (under the scope's lock, microseconds) would find the names
 * gone.  From 6.19 a handle opens only a namespace with active holders,
 * which the verdict also asks for.
 */
bool shmdev_names_take_dead(struct list_head *victims)
{
	unsigned long key, n, nrefs;
	struct shmdev_region *r;
	struct ipc_namespace *ns;
	struct shmdev_scope *s;
	bool candidates = false;

	mutex_lock(&shmdev_names_lock);
	/* A scope is freed after a grace period, by its last region out. */
	rcu_read_lock();
	xa_for_each(&shmdev_scopes, key, s) {
		spin_lock(&s->lock);
		if (shmdev_ipc_ns_is_init(s->ns) || !s->npersist) {
			spin_unlock(&s->lock);
			continue;
		}
		ns = s->ns;
		nrefs = s->nregions;
		if (s->dead || shmdev_ipc_ns_refs(ns) != nrefs ||
		    shmdev_ipc_ns_active(ns)) {
			candidates |= !s->dead;
			nrefs = 0;
		}
		for (n = nrefs; n; n--) {
			r = list_first_entry(&s->regions, struct shmdev_region,
					     scope_node);
			if (r->linked && shmdev_unname(r))
				list_add_tail(&r->reap_node, victims);
			shmdev_scope_leave(s, r);
		}
		spin_unlock(&s->lock);
		/* Each region held one; the last frees ns, without sleeping. */
		while (nrefs--)
			shmdev_put_ipc_ns(ns);
	}
	rcu_read_unlock();
	mutex_unlock(&shmdev_names_lock);
	return candidates;
}
