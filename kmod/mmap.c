// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: mapping a region.  The VMA is switched to the region's shmem
 * file and set up by shmem itself, so faults, huge pages, get_user_pages
 * and memcg accounting are shmem's; shmem's vm_ops are wrapped only to
 * count mappings and hold the region while it is mapped.
 *
 * The shmem file is reachable from the VMA (vm_file), and remap_file_pages
 * mmaps vm_file again; so the file gets shmdev's operations: its mmap is
 * the region's, and its release frees the region.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/xarray.h>

#include "compat.h"
#include "shmdev.h"

/*
 * shmem's vm_ops, learnt at the first mmap (shmem does not export them);
 * set once, read-only after.
 */
static const struct vm_operations_struct *shmdev_shmem_vm_ops;

static void shmdev_vm_open(struct vm_area_struct *vma)
{
	struct shmdev_region *r = vma->vm_private_data;

	shmdev_region_get(r);
	atomic_inc(&r->nmaps);
	if (shmdev_shmem_vm_ops->open)
		shmdev_shmem_vm_ops->open(vma);
}

static void shmdev_vm_close(struct vm_area_struct *vma)
{
	struct shmdev_region *r = vma->vm_private_data;

	if (shmdev_shmem_vm_ops->close)
		shmdev_shmem_vm_ops->close(vma);
	atomic_dec(&r->nmaps);
	shmdev_region_put(r);
}

static vm_fault_t shmdev_vm_fault(struct vm_fault *vmf)
{
	return shmdev_shmem_vm_ops->fault(vmf);
}

static vm_fault_t shmdev_vm_map_pages(struct vm_fault *vmf, pgoff_t start,
				      pgoff_t end)
{
	if (!shmdev_shmem_vm_ops->map_pages)
		return 0;
	return shmdev_shmem_vm_ops->map_pages(vmf, start, end);
}

#ifdef CONFIG_NUMA
static int shmdev_vm_set_policy(struct vm_area_struct *vma,
				struct mempolicy *mpol)
{
	if (!shmdev_shmem_vm_ops->set_policy)
		return 0;
	return shmdev_shmem_vm_ops->set_policy(vma, mpol);
}

static struct mempolicy *shmdev_vm_get_policy(struct vm_area_struct *vma,
					      unsigned long addr)
{
	if (!shmdev_shmem_vm_ops->get_policy)
		return NULL;
	return shmdev_shmem_vm_ops->get_policy(vma, addr);
}
#endif

/*
 * shmem's operations forwarded, open/close added.  shmem has no
 * page_mkwrite or pagesize: defining them here would change behaviour
 * (a page_mkwrite makes the core write-protect shared mappings).
 */
static const struct vm_operations_struct shmdev_vm_ops = {
	.open		= shmdev_vm_open,
	.close		= shmdev_vm_close,
	.fault		= shmdev_vm_fault,
	.map_pages	= shmdev_vm_map_pages,
#ifdef CONFIG_NUMA
	.set_policy	= shmdev_vm_set_policy,
	.get_policy	= shmdev_vm_get_policy,
#endif
};

/*
 * shmem's file operations, learnt from the first region's file (shmem does
 * not export them); set once, read-only after.
 */
static const struct file_operations *shmdev_shmem_fops_orig;

static int shmdev_shmem_mmap(struct file *file, struct vm_area_struct *vma);

/* Populate, and madvise(MADV_REMOVE) through a writable mapping. */
static long shmdev_shmem_fallocate(struct file *file, int mode, loff_t offset,
				   loff_t len)
{
	return shmdev_shmem_fops_orig->fallocate(file, mode, offset, len);
}

/* msync(2) of a mapping. */
static int shmdev_shmem_fsync(struct file *file, loff_t start, loff_t end,
			      int datasync)
{
	if (!shmdev_shmem_fops_orig->fsync)
		return 0;
	return shmdev_shmem_fops_orig->fsync(file, start, end, datasync);
}

static int shmdev_shmem_release(struct inode *inode, struct file *file)
{
	shmdev_region_destroy(file->private_data);
	return 0;
}

/*
 * The file is never opened by path: no read, write or seek.  Only what
 * mappings and shmdev itself use is forwarded to shmem.
 */
static const struct file_operations shmdev_shmem_fops = {
	.owner			= THIS_MODULE,
	.mmap			= shmdev_shmem_mmap,
	.get_unmapped_area	= thp_get_unmapped_area,
	.fallocate		= shmdev_shmem_fallocate,
	.fsync			= shmdev_shmem_fsync,
	.release		= shmdev_shmem_release,
};

/*
 * Give @r's new shmem file shmdev's operations.  Nothing fails after the
 * switch: from then on the file's release frees @r.
 */
int shmdev_shmem_adopt(struct shmdev_region *r)
{
	const struct file_operations *orig = r->shmem->f_op;
	const struct file_operations *old;

	/* shmem whose mmap is ->mmap_prepare only (6.16+) is not handled. */
	if (!orig->mmap || !orig->fallocate)
		return -EOPNOTSUPP;
	old = cmpxchg(&shmdev_shmem_fops_orig, NULL, orig);
	if (old && old != orig)
		return -EOPNOTSUPP;
	/*
	 * The file's reference on this module, dropped by the VFS after the
	 * release; the caller's /dev/shmlist file keeps the module live now.
	 */
	__module_get(THIS_MODULE);
	r->shmem->private_data = r;
	replace_fops(r->shmem, &shmdev_shmem_fops);
	return 0;
}

/* Learn shmem's vm_ops; false if they are not what the wrapper expects. */
static bool shmdev_learn_vm_ops(const struct vm_operations_struct *ops)
{
	const struct vm_operations_struct *old;

	if (!ops || !ops->fault || ops->page_mkwrite || ops->pagesize)
		return false;
	old = cmpxchg(&shmdev_shmem_vm_ops, NULL, ops);
	return !old || old == ops;
}

/*
 * Every mapping of the shmem file: from a region fd (below) or from
 * remap_file_pages() on an existing mapping.  It holds a region reference.
 */
static int shmdev_shmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_region *r = file->private_data;
	unsigned long pages = r->size >> PAGE_SHIFT;
	int ret;

	/* MAP_SHARED only; a read-only fd's MAP_SHARED has VM_MAYSHARE. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;
	/* Zero only when remap_file_pages() unmapped the last user. */
	if (!kref_get_unless_zero(&r->ref))
		return -EINVAL;

	ret = shmdev_shmem_fops_orig->mmap(file, vma);
	if (ret)
		goto out_put;
	if (WARN_ON_ONCE(!shmdev_learn_vm_ops(vma->vm_ops))) {
		ret = -EINVAL;
		goto out_put;
	}
	vma->vm_ops = &shmdev_vm_ops;
	vma->vm_private_data = r;
	atomic_inc(&r->nmaps);
	return 0;

out_put:
	shmdev_region_put(r);
	return ret;
}

int shmdev_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_region *r = file->private_data;

	if (!(file->f_mode & FMODE_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		/* Never upgradable by mprotect(PROT_WRITE). */
		shmdev_vm_flags_clear(vma, VM_MAYWRITE);
	}
	vma_set_file(vma, r->shmem);
	return shmdev_shmem_mmap(r->shmem, vma);
}

/*
 * 2 MiB-aligned addresses, as shmem gives its own files (shmem's
 * get_unmapped_area insists on shmem's file operations, so not that).
 */
unsigned long shmdev_region_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags)
{
	return thp_get_unmapped_area(file, addr, len, pgoff, flags);
}

/*
 * Bytes of @r's page cache that are mapped by a PMD somewhere now.  Under
 * the xarray lock a folio can be neither split nor removed from the file;
 * the lock is dropped every SHMDEV_WALK_BATCH entries.
 */
#define SHMDEV_WALK_BATCH	1024

u64 shmdev_region_huge_bytes(struct shmdev_region *r)
{
	XA_STATE(xas, &r->shmem->f_mapping->i_pages, 0);
	struct folio *folio;
	unsigned int n = 0;
	u64 bytes = 0;

	xas_lock_irq(&xas);
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xa_is_value(folio))
			continue;
		if (folio_test_large(folio) && folio_entire_mapcount(folio) > 0)
			bytes += folio_size(folio);
		if (++n % SHMDEV_WALK_BATCH == 0) {
			xas_pause(&xas);
			xas_unlock_irq(&xas);
			cond_resched();
			xas_lock_irq(&xas);
		}
	}
	xas_unlock_irq(&xas);
	return bytes;
}
