// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: a region's doorbell, after fs/eventfd.c.
 *
 * The region counts events (rings and size changes) in @events, under
 * its wait queue's lock.  Each region file's handle remembers the count
 * it last acknowledged in @seen, under the same lock, so that reading the
 * count and moving the cursor is one step with respect to every ring: a
 * ring either lands before the acknowledgment, and is counted in what
 * it returns, or after, and leaves the file readable again.  No wake-up
 * is lost and none is seen twice by one file.
 */
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "shmdev.h"

void shmdev_bell_init(struct shmdev_region *r)
{
	init_waitqueue_head(&r->bell);
	r->events = 0;
}

/* Count one event and wake every poller and reader of @r. */
void shmdev_bell_ring(struct shmdev_region *r)
{
	unsigned long flags;

	spin_lock_irqsave(&r->bell.lock, flags);
	r->events++;
	wake_up_locked_poll(&r->bell, EPOLLIN | EPOLLRDNORM);
	spin_unlock_irqrestore(&r->bell.lock, flags);
}

/* A new file sees only what happens from now on. */
void shmdev_bell_handle_init(struct shmdev_handle *h)
{
	struct shmdev_region *r = h->region;

	spin_lock_irq(&r->bell.lock);
	h->seen = r->events;
	spin_unlock_irq(&r->bell.lock);
}

/* The region's count, and in *@seen what @h last acknowledged. */
u64 shmdev_bell_events(struct shmdev_region *r, struct shmdev_handle *h,
		       u64 *seen)
{
	u64 events;

	spin_lock_irq(&r->bell.lock);
	events = r->events;
	*seen = h->seen;
	spin_unlock_irq(&r->bell.lock);
	return events;
}

long shmdev_cmd_notify(struct file *file, void *karg,
		       struct shmdev_newfd *nfd)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;
	struct shmdev_notify *n = karg;

	if (n->flags & ~SHMDEV_NOTIFY_VALID_FLAGS || n->pad)
		return -EINVAL;
	/* Rung first, so that a file that rings and acknowledges sees it. */
	if (n->flags & SHMDEV_NOTIFY_RING)
		shmdev_bell_ring(r);
	spin_lock_irq(&r->bell.lock);
	n->events = r->events;
	n->pending = r->events - h->seen;
	if (n->flags & SHMDEV_NOTIFY_ACK)
		h->seen = r->events;
	spin_unlock_irq(&r->bell.lock);
	return 0;
}

__poll_t shmdev_bell_poll(struct file *file, struct poll_table_struct *wait)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;
	__poll_t events = 0;

	poll_wait(file, &r->bell, wait);
	spin_lock_irq(&r->bell.lock);
	if (shmdev_handle_parked(file))
		events = EPOLLERR;
	else if (r->events != h->seen)
		events = EPOLLIN | EPOLLRDNORM;
	spin_unlock_irq(&r->bell.lock);
	return events;
}

/* An event to read, or a parked file; under bell.lock. */
static bool shmdev_bell_ready(struct file *file)
{
	struct shmdev_handle *h = file->private_data;

	return h->region->events != h->seen || shmdev_handle_parked(file);
}

/*
 * read(2): the events since this file last acknowledged, as a __u64,
 * acknowledging them; blocks (interruptibly) for one unless O_NONBLOCK.
 */
ssize_t shmdev_bell_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;
	u64 n;
	int ret;

	if (shmdev_handle_parked(file))
		return -EBADFD;
	if (count < sizeof(n))
		return -EINVAL;
	spin_lock_irq(&r->bell.lock);
	if (!shmdev_bell_ready(file)) {
		if (file->f_flags & O_NONBLOCK) {
			spin_unlock_irq(&r->bell.lock);
			return -EAGAIN;
		}
		ret = wait_event_interruptible_locked_irq(r->bell,
							  shmdev_bell_ready(file));
		if (ret) {
			spin_unlock_irq(&r->bell.lock);
			return ret;
		}
	}
	/* PARK wakes the waiters of a file it parks (shmdev_bell_park()). */
	if (shmdev_handle_parked(file)) {
		spin_unlock_irq(&r->bell.lock);
		return -EBADFD;
	}
	n = r->events - h->seen;
	h->seen = r->events;
	spin_unlock_irq(&r->bell.lock);
	/*
	 * A faulting buffer loses the count, as eventfd's read does; the
	 * events stay acknowledged.
	 */
	if (put_user(n, (u64 __user *)buf))
		return -EFAULT;
	return sizeof(n);
}

/*
 * @file was just parked (kmod/park.c): its readers and pollers wake and
 * find it so.  The bit is set before the lock is taken, which orders it
 * for the waiters' checks under the lock.
 */
void shmdev_bell_park(struct file *file)
{
	struct shmdev_region *r = shmdev_region_of(file);

	spin_lock_irq(&r->bell.lock);
	wake_up_locked_poll(&r->bell, EPOLLERR);
	spin_unlock_irq(&r->bell.lock);
}
