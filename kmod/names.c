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
 * A scope is what the module knows of one IPC namespace that regions hold:
 * how many regions hold it, and its linked PERSIST regions, so that the
 * reaper can tell a dead namespace and unlink its names without a walk of
 * everything.  Scopes sit in an xarray keyed by the namespace's inode
 * number, unique among live namespaces (regions hold theirs).
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
	struct ipc_namespace *ns;	/* held by the regions counted */
	atomic_t nregions;		/* regions holding ns */
	struct list_head persist;	/* linked PERSIST regions */
	struct rcu_head rcu;
};

/*
 * Protects the name table's and the scopes' membership, every region's
 * linked, persist_ref and scope_node, and each scope's persist list.  It
 * is held for one table insert, lookup or removal, or by the reaper for
 * the scopes of dead namespaces.
 */
static DEFINE_MUTEX(shmdev_names_lock);
static struct rhashtable shmdev_names;
/* ns inode number -> struct shmdev_scope, while a region holds the ns. */
static DEFINE_XARRAY(shmdev_scopes);

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

	return r->ns != key->ns || strcmp(r->name, key->name);
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

/*
 * Count one more region holding @ns (the caller's reference on @ns comes
 * first, so that the namespace's references never fall below the count).
 */
struct shmdev_scope *shmdev_scope_get(struct ipc_namespace *ns)
{
	unsigned long key = ns->ns.inum;
	struct shmdev_scope *s, *new;
	int ret;

	rcu_read_lock();
	s = xa_load(&shmdev_scopes, key);
	if (s && atomic_inc_not_zero(&s->nregions)) {
		rcu_read_unlock();
		return s;
	}
	rcu_read_unlock();

	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->ns = ns;
	atomic_set(&new->nregions, 1);
	INIT_LIST_HEAD(&new->persist);

	mutex_lock(&shmdev_names_lock);
	/* Under the lock a scope's count reaches 0 only as it leaves. */
	s = xa_load(&shmdev_scopes, key);
	if (s) {
		atomic_inc(&s->nregions);
		kfree(new);
	} else {
		ret = xa_insert(&shmdev_scopes, key, new, GFP_KERNEL_ACCOUNT);
		s = ret ? ERR_PTR(ret) : new;
		if (ret)
			kfree(new);
	}
	mutex_unlock(&shmdev_names_lock);
	return s;
}

/* One region less holds the scope's namespace (put after this). */
void shmdev_scope_put(struct shmdev_scope *s)
{
	if (!atomic_dec_and_mutex_lock(&s->nregions, &shmdev_names_lock))
		return;
	WARN_ON_ONCE(!list_empty(&s->persist));
	xa_erase(&shmdev_scopes, s->ns->ns.inum);
	mutex_unlock(&shmdev_names_lock);
	kfree_rcu(s, rcu);
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
		list_del_init(&r->scope_node);
	r->persist_ref = false;
	return persist;
}

/*
 * Link the new region @r's name, unless the name is taken.  Returns NULL
 * when linked, the region that has the name (referenced) when taken, or
 * an ERR_PTR.  A region whose last reference is gone but whose release
 * has not yet taken its name out gives the name up here.
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
 * A PERSIST region was just published with a new reference for its name:
 * the name holds it now.  Nobody could unlink the name before (OPEN and
 * UNLINK see only live regions).
 */
void shmdev_name_persist(struct shmdev_region *r)
{
	mutex_lock(&shmdev_names_lock);
	WARN_ON_ONCE(!r->linked);
	r->persist_ref = true;
	list_add_tail(&r->scope_node, &r->scope->persist);
	mutex_unlock(&shmdev_names_lock);
}

/*
 * Whether @s's namespace is dead for good: nothing holds it but its
 * regions, so no task is in it, and no nsfs file or mount names it (on
 * 6.1 to 6.18 a namespace is reached again only through such a holder).
 * From 6.19 (SHMDEV_HAVE_NS_REF_ACTIVE) the namespace must also have no
 * active reference: open_by_handle_at() of its nsfs file handle refuses
 * an inactive namespace, so a dead one stays dead.  Races only make the
 * namespace's count larger than the regions' (a region being created or
 * freed holds its reference outside the count), which defers the verdict.
 */
static bool shmdev_scope_dead(struct shmdev_scope *s)
{
	if (shmdev_ipc_ns_is_init(s->ns))
		return false;
	if (shmdev_ipc_ns_active(s->ns))
		return false;
	return shmdev_ipc_ns_refs(s->ns) == atomic_read(&s->nregions);
}

/*
 * The reaper's pass: unlink the PERSIST names of every dead namespace and
 * move their regions to @victims (through scope_node), each with its
 * PERSIST reference for the caller to drop.  Linear in the scopes and the
 * victims.  Returns whether PERSIST names of live namespaces other than
 * the initial one remain, to look at again later.
 */
bool shmdev_names_take_dead(struct list_head *victims)
{
	struct shmdev_region *r, *tmp;
	struct shmdev_scope *s;
	unsigned long key;
	bool candidates = false;

	mutex_lock(&shmdev_names_lock);
	xa_for_each(&shmdev_scopes, key, s) {
		if (list_empty(&s->persist) || shmdev_ipc_ns_is_init(s->ns))
			continue;
		if (!shmdev_scope_dead(s)) {
			candidates = true;
			continue;
		}
		list_for_each_entry_safe(r, tmp, &s->persist, scope_node) {
			shmdev_unname(r);
			list_add_tail(&r->scope_node, victims);
		}
	}
	mutex_unlock(&shmdev_names_lock);
	return candidates;
}
