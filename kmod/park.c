// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: PARK and UNPARK, keeping a region file and a mapping of it
 * without being its user.
 *
 * A process done with a named region, which will likely attach it again
 * by name soon (each task of a pool worker), may keep its fd and its
 * mapping parked rather than close and unmap them: the region still dies
 * with its last user, and UNPARK later attaches it again in one call,
 * with no OPEN, mmap(2) or page fault, if the name still names that very
 * region and the caller may still open it.
 *
 * A user holds a reference on the region's ref; a parked file holds a pin
 * instead (kmod/region.c), which keeps the struct and its shmem file but
 * not the region's life: a region that dies with parked files has its
 * memory truncated, and their mappings SIGBUS.  Each change of a file's
 * SHMDEV_PARKED bit trades a reference for a pin or back.  PARK and
 * UNPARK change them under the region's resize_lock, so that a command
 * parks or unparks its fd and its mapping together, or neither, however
 * other threads (or a parent and a child sharing the files) race it, and
 * so that UNPARK's seal check holds as OPEN's does (no seal lands between
 * the check and a read-write file); resize_lock nests outside mmap_lock,
 * which neither mmap(2) nor a fault hold when they take it (they never
 * do).  The commands look at the caller's mappings under mmap_lock for
 * reading, which keeps them as they are and keeps any new copy of them
 * (fork, remap) out, and drop users' references only after both locks are
 * released: the last one truncates under the shmem inode's lock.
 *
 * A parked mapping still maps the region's memory while the region
 * lives, so one that could write still counts as a writer: the write
 * seal waits for it (-EBUSY) as for any.  Taking its pages away at the
 * seal instead was tried and given up: MADV_COLLAPSE maps a writable
 * huge page without a fault, and pins or /proc/PID/mem writes taken
 * through the mapping outlive the sweep, and no interface exported to
 * modules takes write access from one mapping of another process.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>

#include "compat.h"
#include "shmdev.h"

/*
 * The map file of @r whose mappings in the caller cover [@addr, @addr +
 * @len) with no gap, the first starting at @addr; *@nvmas is how many
 * there are.  ERR_PTR(-EINVAL) when the range is anything else.  The
 * caller holds current's mmap_lock, for reading at least: its mappings
 * stay as they are, and no new copy of them (a fork, a remap) appears.
 */
static struct shmdev_map *shmdev_map_find(struct shmdev_region *r,
					  unsigned long addr,
					  unsigned long len, int *nvmas)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct shmdev_map *m = NULL;
	unsigned long end = addr + len;
	int n = 0;

	mmap_assert_locked(mm);
	while (addr < end) {
		vma = vma_lookup(mm, addr);
		if (!vma || vma->vm_start != addr || vma->vm_end > end ||
		    !shmdev_vma_is_map(vma))
			return ERR_PTR(-EINVAL);
		if (m && shmdev_vma_map(vma) != m)
			return ERR_PTR(-EINVAL);
		m = shmdev_vma_map(vma);
		if (m->region != r)
			return ERR_PTR(-EINVAL);
		addr = vma->vm_end;
		n++;
	}
	*nvmas = n;
	return m ? m : ERR_PTR(-EINVAL);
}

/*
 * PARK: @m, whose mappings all lie where the caller found them (the
 * caller's user reference is then @m's to drop).  Under the region's
 * resize_lock; @m's lock orders it with mmap(2) counting a new mapping
 * of @m (shmdev_map_mmap()).
 */
static int shmdev_map_park(struct shmdev_map *m, int nvmas)
{
	int ret = 0;

	spin_lock(&m->lock);
	if (m->nvmas != nvmas)
		ret = -EBUSY;
	else if (test_and_set_bit(SHMDEV_PARKED, &m->flags))
		ret = -EINVAL;
	spin_unlock(&m->lock);
	if (!ret)
		shmdev_region_pin(m->region);
	return ret;
}

/*
 * UNPARK: the parked @m is a user again, with a new reference (the
 * caller holds one, so the region lives), under resize_lock.
 */
static void shmdev_map_unpark(struct shmdev_map *m)
{
	spin_lock(&m->lock);
	clear_bit(SHMDEV_PARKED, &m->flags);
	spin_unlock(&m->lock);
	shmdev_region_get(m->region);
	shmdev_region_unpin(m->region);
}

static int shmdev_park_check(const struct shmdev_park *p)
{
	if (p->flags || p->pad)
		return -EINVAL;
	if (!p->len)
		return p->addr ? -EINVAL : 0;
	if (!PAGE_ALIGNED(p->addr) || !PAGE_ALIGNED(p->len) ||
	    p->addr + p->len < p->addr || p->addr + p->len > TASK_SIZE)
		return -EINVAL;
	return 0;
}

/*
 * PARK: the file, and with @len the mapping, no users.  Each gives up its
 * user's reference for a pin; the last user's reference dropped ends the
 * region here.
 */
long shmdev_cmd_park(struct file *file, void *karg, struct shmdev_newfd *nfd)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;
	struct mm_struct *mm = current->mm;
	struct shmdev_park *p = karg;
	struct shmdev_map *m = NULL;
	int nvmas, ret;

	ret = shmdev_park_check(p);
	if (ret)
		return ret;
	if (!(r->state & SHMDEV_STATE_NAMED))
		return -EINVAL;

	if (mutex_lock_killable(&r->resize_lock))
		return -EINTR;
	/* Another thread's PARK of the file won the race. */
	if (shmdev_handle_parked(file)) {
		ret = -EBADFD;
		goto out_unlock;
	}
	if (p->len) {
		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			goto out_unlock;
		}
		m = shmdev_map_find(r, p->addr, p->len, &nvmas);
		/* -EBUSY: a copy outside the range, such as a child's. */
		ret = IS_ERR(m) ? PTR_ERR(m) : shmdev_map_park(m, nvmas);
		mmap_read_unlock(mm);
		if (ret)
			goto out_unlock;
	}
	set_bit(SHMDEV_PARKED, &h->flags);
	shmdev_region_pin(r);
	mutex_unlock(&r->resize_lock);

	shmdev_bell_park(file);
	if (m)
		shmdev_region_put(r);
	shmdev_region_put(r);
	return 0;

out_unlock:
	mutex_unlock(&r->resize_lock);
	return ret;
}

/*
 * May the caller open @r read-write if @rdwr, else read-only, as OPEN
 * would?  Under resize_lock, as shmdev_region_file_rdwr() checks the
 * seals.
 */
static int shmdev_unpark_allowed(bool rdwr, struct shmdev_region *r)
{
	int want = SHMDEV_MAY_READ;

	if (rdwr)
		want |= SHMDEV_MAY_WRITE;
	if (!shmdev_may_access(r, want))
		return -EACCES;
	if (rdwr && READ_ONCE(r->seals) &
		    (SHMDEV_SEAL_WRITE | SHMDEV_SEAL_FUTURE_WRITE))
		return -EPERM;
	return 0;
}

/*
 * UNPARK: the file, and with @len the mapping, users again, if the name
 * still names this region here and the caller may open it.  The name's
 * lookup takes the user's reference the file gets back.
 */
long shmdev_cmd_unpark(struct file *file, void *karg,
		       struct shmdev_newfd *nfd)
{
	struct shmdev_handle *h = file->private_data;
	struct shmdev_region *r = h->region;
	struct mm_struct *mm = current->mm;
	struct shmdev_park *p = karg;
	struct shmdev_region *found;
	struct shmdev_map *m;
	int nvmas, ret;

	ret = shmdev_park_check(p);
	if (ret)
		return ret;
	if (!shmdev_handle_parked(file))
		return -EINVAL;
	/* r->name is fixed; a dead or unlinked region is not found. */
	found = shmdev_name_find(shmdev_current_ns(), r->name);
	if (found != r) {
		ret = -ESTALE;
		goto out_put;
	}
	if (mutex_lock_killable(&r->resize_lock)) {
		ret = -EINTR;
		goto out_put;
	}
	/* Another thread's UNPARK of the file won the race. */
	ret = shmdev_handle_parked(file) ?
	      shmdev_unpark_allowed(file->f_mode & FMODE_WRITE, r) : -EINVAL;
	if (ret)
		goto out_unlock;
	if (p->len) {
		if (mmap_read_lock_killable(mm)) {
			ret = -EINTR;
			goto out_unlock;
		}
		m = shmdev_map_find(r, p->addr, p->len, &nvmas);
		if (IS_ERR(m) || !test_bit(SHMDEV_PARKED, &m->flags))
			ret = -EINVAL;
		/* A mapping that may write, through a read-only fd too. */
		else if (m->rdwr)
			ret = shmdev_unpark_allowed(true, r);
		if (!ret)
			shmdev_map_unpark(m);
		mmap_read_unlock(mm);
		if (ret)
			goto out_unlock;
	}
	/* The found reference becomes the file's. */
	clear_bit(SHMDEV_PARKED, &h->flags);
	found = NULL;
	shmdev_region_unpin(r);

	/* The generation first: see shmdev_cmd_resize(). */
	p->generation = smp_load_acquire(&r->generation);
	p->size = READ_ONCE(r->size);
out_unlock:
	mutex_unlock(&r->resize_lock);
out_put:
	if (found)
		shmdev_region_put(found);
	return ret;
}
