// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: mapping a region, after ipc/shm.c.
 *
 * The memory is a shmem file on the private tmpfs (region->shmem).  It is
 * never handed out.  Each mmap(2) of a region fd makes a "map file": a
 * second file on the same shmem inode, with shmdev's operations, made by
 * alloc_file_pseudo() as SysV's do_shmat() makes its file with
 * alloc_file_clone().  The map file becomes the VMA's vm_file, and its
 * mmap hands the VMA to shmem through vfs_mmap(), which also serves
 * kernels whose shmem has only ->mmap_prepare (6.19 on).  The vm_ops shmem
 * installs are saved in the map file (as struct shm_file_data does) and
 * wrapped, so that every mapping is counted.
 *
 * Every way back to the memory comes through shmdev:
 *  - fork, split and mremap copy the VMA: vm_ops->open counts them;
 *  - remap_file_pages(2) mmaps vm_file again: that is the map file, whose
 *    mmap checks bounds and counts the mapping as a region fd's would;
 *  - /proc/PID/map_files opens the inode by path, which would make a new
 *    file with the inode's own (shmem's) operations.  The inode has no
 *    permission bits and no owner or group that any user namespace maps
 *    (kmod/shmem.c), so generic_permission() refuses everyone:
 *    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH apply only to inodes whose
 *    ids are mapped.  The private tmpfs is mounted read-only, so nothing
 *    can give the inode an owner or bits again (chown(2) of an unowned
 *    inode is otherwise open to CAP_CHOWN), and truncate(2) and write
 *    opens get EROFS.  With no open file there is no ftruncate(2) or
 *    fallocate(2).  Region fds are anonymous inodes, which no open takes.
 * A map file holds a region reference, or a pin once parked
 * (kmod/park.c); mappings live no longer than their vm_file, so the
 * region outlives every mapping of it (a parked one: its struct does).
 *
 * Seeing every mapping also lets shmdev seal writes as memfd does
 * (mm/memfd.c): shared mappings that could write are counted in
 * region->writers, as i_mmap_writable counts them for a file, and
 * SHMDEV_SEAL_WRITE denies new ones by making the count negative
 * (shmdev_writers_deny()).  The inode's own i_mmap_writable cannot
 * serve: before 6.7, mmap(2) counts a mapping there only after ->mmap (on
 * vm_file, our map file), unconditionally, so a deny would be undone.
 * Parked mappings (kmod/park.c) are counted too: they still map the
 * region's memory, and could write to it.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/falloc.h>	/* after fs.h, for its types */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "compat.h"
#include "shmdev.h"

struct shmdev_map *shmdev_vma_map(struct vm_area_struct *vma)
{
	return vma->vm_file->private_data;
}

static const struct vm_operations_struct *
shmdev_shmem_ops(struct vm_area_struct *vma)
{
	return READ_ONCE(shmdev_vma_map(vma)->vm_ops);
}

/*
 * A shared mapping that can write now or after mprotect(2).  A read-only
 * fd's MAP_SHARED has VM_MAYSHARE but neither flag.
 */
static bool shmdev_vma_may_write(struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) ==
	       (VM_SHARED | VM_MAYWRITE);
}

/*
 * Count @vma, @delta 1 or -1, in its map file, and as a writer of the
 * region if it could write, parked or not (kmod/park.c).  A copy of a
 * mapping (fork, split, mremap) is counted as its original was: a
 * writable original exists, so the write seal is not in force and the
 * count is not negative.
 */
static void shmdev_vma_count(struct vm_area_struct *vma, int delta)
{
	struct shmdev_map *m = shmdev_vma_map(vma);
	struct shmdev_region *r = m->region;

	spin_lock(&m->lock);
	m->nvmas += delta;
	spin_unlock(&m->lock);
	if (shmdev_vma_may_write(vma))
		atomic_add(delta, &r->writers);
	atomic_add(delta, &r->nmaps);
}

static void shmdev_vm_open(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	shmdev_vma_count(vma, 1);
	if (ops->open)
		ops->open(vma);
}

static void shmdev_vm_close(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	if (ops->close)
		ops->close(vma);
	shmdev_vma_count(vma, -1);
}

static vm_fault_t shmdev_vm_fault(struct vm_fault *vmf)
{
	return shmdev_shmem_ops(vmf->vma)->fault(vmf);
}

/* shmem's fault-around, which ipc/shm.c does not forward. */
static vm_fault_t shmdev_vm_map_pages(struct vm_fault *vmf, pgoff_t start,
				      pgoff_t end)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vmf->vma);

	if (!ops->map_pages)
		return 0;
	return ops->map_pages(vmf, start, end);
}

static int shmdev_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	if (!ops->may_split)
		return 0;
	return ops->may_split(vma, addr);
}

static unsigned long shmdev_vm_pagesize(struct vm_area_struct *vma)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	if (!ops->pagesize)
		return PAGE_SIZE;
	return ops->pagesize(vma);
}

#ifdef CONFIG_NUMA
static int shmdev_vm_set_policy(struct vm_area_struct *vma,
				struct mempolicy *mpol)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	if (!ops->set_policy)
		return 0;
	return ops->set_policy(vma, mpol);
}

#ifdef SHMDEV_HAVE_GET_POLICY_ILX
static struct mempolicy *shmdev_vm_get_policy(struct vm_area_struct *vma,
					      unsigned long addr, pgoff_t *ilx)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	if (!ops->get_policy)
		return NULL;
	return ops->get_policy(vma, addr, ilx);
}
#else
static struct mempolicy *shmdev_vm_get_policy(struct vm_area_struct *vma,
					      unsigned long addr)
{
	const struct vm_operations_struct *ops = shmdev_shmem_ops(vma);

	if (!ops->get_policy)
		return NULL;
	return ops->get_policy(vma, addr);
}
#endif
#endif /* CONFIG_NUMA */

/*
 * shmem's operations forwarded, open and close counting.  shmem has no
 * page_mkwrite: defining one would make the core write-protect shared
 * mappings.  Its userfaultfd operations (7.1's uffd_ops) are not forwarded:
 * region memory cannot be registered with userfaultfd.
 */
static const struct vm_operations_struct shmdev_vm_ops = {
	.open		= shmdev_vm_open,
	.close		= shmdev_vm_close,
	.fault		= shmdev_vm_fault,
	.map_pages	= shmdev_vm_map_pages,
	.may_split	= shmdev_vm_may_split,
	.pagesize	= shmdev_vm_pagesize,
#ifdef CONFIG_NUMA
	.set_policy	= shmdev_vm_set_policy,
	.get_policy	= shmdev_vm_get_policy,
#endif
};

/* Whether @vma maps a region, through one of its map files. */
bool shmdev_vma_is_map(struct vm_area_struct *vma)
{
	return vma->vm_ops == &shmdev_vm_ops;
}

/*
 * Admit a new mapping past the write seals, as memfd_check_seals_mmap()
 * does: once SHMDEV_SEAL_WRITE or SHMDEV_SEAL_FUTURE_WRITE is in force,
 * PROT_WRITE gives -EPERM and a read-only shared mapping loses
 * VM_MAYWRITE, so that mprotect(2) cannot make it writable.  Otherwise a
 * mapping that could write is counted, which the write seal waits for.
 * A seal racing this call either finds the count raised (the write seal
 * fails, or the future-write seal leaves a mapping that began before
 * it) or denies it first.  Returns whether the mapping was counted.
 */
static int shmdev_map_admit(struct shmdev_region *r, struct vm_area_struct *vma)
{
	if (!shmdev_vma_may_write(vma))
		return 0;
	if (atomic_inc_unless_negative(&r->writers)) {
		if (!(READ_ONCE(r->seals) & SHMDEV_SEAL_FUTURE_WRITE))
			return 1;
		atomic_dec(&r->writers);
	}
	if (vma->vm_flags & VM_WRITE)
		return -EPERM;
	shmdev_vm_flags_clear(vma, VM_MAYWRITE);
	return 0;
}

/*
 * Every mapping of a map file: the first, from shmdev_region_mmap(), and
 * any remap_file_pages(2) makes of it.
 */
static int shmdev_map_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_map *m = file->private_data;
	struct shmdev_region *r = m->region;
	unsigned long pages = READ_ONCE(r->size) >> PAGE_SHIFT;
	int counted, ret;

	/* MAP_SHARED only; a read-only fd's MAP_SHARED has VM_MAYSHARE. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	/*
	 * Within the size now.  A shrink racing this call leaves the part
	 * past the new end to SIGBUS, as it does for existing mappings.
	 */
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;

	counted = shmdev_map_admit(r, vma);
	if (counted < 0)
		return counted;
	ret = shmdev_vfs_mmap(r->shmem, vma);
	if (ret)
		goto out_uncount;
	/* shmem's vm_ops always fault; anything else is a kernel we do not know. */
	if (WARN_ON_ONCE(!vma->vm_ops || !vma->vm_ops->fault ||
			 vma->vm_ops->page_mkwrite)) {
		ret = -EINVAL;
		goto out_uncount;
	}
	/*
	 * remap_file_pages(2) of a parked mapping, whose region may be dead:
	 * refused, also when a PARK in another process (a parent's) counted
	 * this mapping's gone original and parked meanwhile.
	 */
	spin_lock(&m->lock);
	if (test_bit(SHMDEV_PARKED, &m->flags)) {
		spin_unlock(&m->lock);
		ret = -EBADFD;
		goto out_uncount;
	}
	m->nvmas++;
	spin_unlock(&m->lock);
	WRITE_ONCE(m->vm_ops, vma->vm_ops);
	vma->vm_ops = &shmdev_vm_ops;
	atomic_inc(&r->nmaps);
	return 0;

out_uncount:
	if (counted)
		atomic_dec(&r->writers);
	return ret;
}

/*
 * SHMDEV_SEAL_WRITE: deny new shared mappings that could write, as
 * mapping_deny_writable() does; -EBUSY while one exists.  Undone by
 * shmdev_writers_allow() when the seal fails after all.
 */
int shmdev_writers_deny(struct shmdev_region *r)
{
	return atomic_dec_unless_positive(&r->writers) ? 0 : -EBUSY;
}

void shmdev_writers_allow(struct shmdev_region *r)
{
	atomic_inc(&r->writers);
}

/*
 * Addresses as shmem picks them for its own files (2 MiB-aligned where a
 * huge page fits), asked of the shmem file as ipc/shm.c does.
 */
static unsigned long shmdev_shmem_area(struct shmdev_region *r,
				       unsigned long addr, unsigned long len,
				       unsigned long pgoff, unsigned long flags)
{
	struct file *shmem = r->shmem;

	return shmem->f_op->get_unmapped_area(shmem, addr, len, pgoff, flags);
}

static unsigned long shmdev_map_get_unmapped_area(struct file *file,
						  unsigned long addr,
						  unsigned long len,
						  unsigned long pgoff,
						  unsigned long flags)
{
	struct shmdev_map *m = file->private_data;

	return shmdev_shmem_area(m->region, addr, len, pgoff, flags);
}

/*
 * madvise(MADV_REMOVE) on a shared mapping that may write (VM_MAYWRITE
 * is all it asks) punches a hole; that is the only fallocate a map file
 * takes (it is never an fd, so it has no other caller), and it never
 * changes the size.  A punch zeroes memory, so it is a write: madvise()
 * drops mmap_lock before it gets here, so the mapping it checked may be
 * gone and the write seal in force.  As shmem_fallocate() checks memfd's
 * seals, the punch counts as a writer while it runs (a write seal
 * racing it gets -EBUSY) and is refused once either write seal holds.
 */
static long shmdev_map_fallocate(struct file *file, int mode, loff_t offset,
				 loff_t len)
{
	struct shmdev_map *m = file->private_data;
	struct shmdev_region *r = m->region;
	struct file *shmem = r->shmem;
	long ret;

	if (mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if (!atomic_inc_unless_negative(&r->writers))
		return -EPERM;
	if (READ_ONCE(r->seals) & SHMDEV_SEAL_FUTURE_WRITE)
		ret = -EPERM;
	else
		ret = shmem->f_op->fallocate(shmem, mode, offset, len);
	atomic_dec(&r->writers);
	return ret;
}

static int shmdev_map_release(struct inode *inode, struct file *file)
{
	struct shmdev_map *m = file->private_data;

	if (test_bit(SHMDEV_PARKED, &m->flags))
		shmdev_region_unpin(m->region);
	else
		shmdev_region_put(m->region);
	kfree(m);
	return 0;
}

/* No read, write or seek: a map file is reached only through a mapping. */
static const struct file_operations shmdev_map_fops = {
	.owner			= THIS_MODULE,
	.mmap			= shmdev_map_mmap,
	.get_unmapped_area	= shmdev_map_get_unmapped_area,
	.fallocate		= shmdev_map_fallocate,
	.fsync			= noop_fsync,	/* msync(MS_SYNC), as shmem */
	.release		= shmdev_map_release,
};

/*
 * A map file on @r's inode, born parked: it holds a pin on @r, which the
 * caller's region file keeps from going meanwhile.
 */
static struct file *shmdev_map_file(struct shmdev_region *r, int oflags)
{
	struct inode *inode = file_inode(r->shmem);
	struct shmdev_map *m;
	struct file *file;

	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->region = r;
	m->flags = BIT(SHMDEV_PARKED);
	m->rdwr = oflags == O_RDWR;
	spin_lock_init(&m->lock);
	/*
	 * The new dentry owns this inode reference, and the file this
	 * module reference (its fput drops f_op->owner); both ours to drop
	 * on failure.  The caller's region fd pins the module now.
	 */
	ihold(inode);
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, shmdev_shmem_mnt(), "shmdev", oflags,
				 &shmdev_map_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);
		kfree(m);
		return file;
	}
	/* alloc_file_pseudo() gave it the inode's mapping: shmem's. */
	file->private_data = m;
	shmdev_region_pin(r);
	return file;
}

int shmdev_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_region *r = shmdev_region_of(file);
	struct shmdev_map *m;
	struct file *map;

	/* A parked file's region may be dead. */
	if (shmdev_handle_parked(file))
		return -EBADFD;
	/*
	 * The VMA flags already follow the fd's mode: do_mmap() refused
	 * PROT_WRITE and cleared VM_MAYWRITE for a read-only fd.  The map
	 * file gets the same mode, so remap_file_pages() cannot add write.
	 */
	map = shmdev_map_file(r, file->f_mode & FMODE_WRITE ? O_RDWR : O_RDONLY);
	if (IS_ERR(map))
		return PTR_ERR(map);
	/*
	 * The VMA takes its own reference; on failure mmap puts vm_file, the
	 * map file, which drops what it holds of the region.
	 */
	vma_set_file(vma, map);
	fput(map);
	/*
	 * Then a user's reference for the map file, in place of its pin.  A
	 * PARK racing this call from another thread may have left the region
	 * dead.  The map file was born parked so that no failure here drops
	 * a region's last user under mmap_lock (kmod/region.c).
	 */
	if (!shmdev_region_tryget(r))
		return -EBADFD;
	m = map->private_data;
	clear_bit(SHMDEV_PARKED, &m->flags);	/* no mapping counted yet */
	shmdev_region_unpin(r);
	return shmdev_map_mmap(map, vma);
}

unsigned long shmdev_region_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags)
{
	return shmdev_shmem_area(shmdev_region_of(file), addr, len, pgoff,
				 flags);
}
