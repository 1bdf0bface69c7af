// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: PERSIST names of dead IPC namespaces.
 *
 * A PERSIST name lives no longer than its namespace, as free_ipc_ns()
 * removes a dying namespace's SysV segments.  Nothing tells a module that
 * a namespace lost its last task, so a delayed work looks every
 * SHMDEV_REAP_PERIOD while PERSIST names of a namespace other than the
 * initial one exist (names.c tells when a namespace is dead for good).
 * Each pass is linear in the namespaces holding regions and the names it
 * unlinks.  A region still held by a fd or a mapping lives until those
 * go; the namespace goes with its last region.
 *
 * CREATE never runs a pass itself: when a limit refuses it, it only asks
 * for a pass soon, at most once per SHMDEV_REAP_KICK.
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/workqueue.h>

#include "shmdev.h"

#define SHMDEV_REAP_PERIOD	HZ
#define SHMDEV_REAP_KICK	(HZ / 10)

static void shmdev_reap_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(shmdev_reap_work, shmdev_reap_work_fn);
static unsigned long shmdev_reap_kicked;	/* jiffies of the last kick */

static void shmdev_reap_work_fn(struct work_struct *work)
{
	struct shmdev_region *r, *tmp;
	LIST_HEAD(victims);
	bool candidates;

	candidates = shmdev_names_take_dead(&victims);
	list_for_each_entry_safe(r, tmp, &victims, reap_node) {
		list_del_init(&r->reap_node);
		/* Module exit cancels this work and waits for it first. */
		shmdev_region_drop_persist(r);
	}
	if (candidates)
		schedule_delayed_work(&shmdev_reap_work, SHMDEV_REAP_PERIOD);
}

/*
 * Ask for a pass: within a period (a new PERSIST region of another
 * namespace), or at once but rate-limited (a limit was reached).
 */
void shmdev_reap_kick(bool now)
{
	unsigned long last = READ_ONCE(shmdev_reap_kicked);

	if (!now) {
		schedule_delayed_work(&shmdev_reap_work, SHMDEV_REAP_PERIOD);
		return;
	}
	if (time_before(jiffies, last + SHMDEV_REAP_KICK) ||
	    cmpxchg(&shmdev_reap_kicked, last, jiffies) != last)
		return;
	mod_delayed_work(system_wq, &shmdev_reap_work, 0);
}

/* Module exit: no region is left, and the work must not run again. */
void shmdev_reap_stop(void)
{
	cancel_delayed_work_sync(&shmdev_reap_work);
}
