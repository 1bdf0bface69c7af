// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: mapping a region.  The VMA is switched to the region's shmem
 * file and set up by shmem itself, so faults, huge pages, get_user_pages
 * and memcg accounting are shmem's; shmem's vm_ops are wrapped only to
 * count mappings and hold the region while it is mapped.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
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

/* Learn shmem's vm_ops; false if they are not what the wrapper expects. */
static bool shmdev_learn_vm_ops(const struct vm_operations_struct *ops)
{
	const struct vm_operations_struct *old;

	if (!ops || !ops->fault || ops->page_mkwrite || ops->pagesize)
		return false;
	old = cmpxchg(&shmdev_shmem_vm_ops, NULL, ops);
	return !old || old == ops;
}

int shmdev_region_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct shmdev_region *r = file->private_data;
	unsigned long pages = r->size >> PAGE_SHIFT;
	int ret;

	/* MAP_SHARED only; a read-only fd's MAP_SHARED has VM_MAYSHARE. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!(file->f_mode & FMODE_WRITE)) {
		if (vma->vm_flags & VM_WRITE)
			return -EACCES;
		/* Never upgradable by mprotect(PROT_WRITE). */
		shmdev_vm_flags_clear(vma, VM_MAYWRITE);
	}
	if (vma->vm_pgoff >= pages || vma_pages(vma) > pages - vma->vm_pgoff)
		return -EINVAL;

	vma_set_file(vma, r->shmem);
	ret = shmdev_call_mmap(r->shmem, vma);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(!shmdev_learn_vm_ops(vma->vm_ops)))
		return -EINVAL;
	vma->vm_ops = &shmdev_vm_ops;
	vma->vm_private_data = r;
	shmdev_region_get(r);
	atomic_inc(&r->nmaps);
	return 0;
}

/* shmem aligns to 2 MiB when the mount allows huge pages. */
unsigned long shmdev_region_get_unmapped_area(struct file *file,
					      unsigned long addr,
					      unsigned long len,
					      unsigned long pgoff,
					      unsigned long flags)
{
	struct shmdev_region *r = file->private_data;
	struct file *shmem = r->shmem;

	return shmem->f_op->get_unmapped_area(shmem, addr, len, pgoff, flags);
}

/* Bytes of @r's page cache that are mapped by a PMD somewhere now. */
u64 shmdev_region_huge_bytes(struct shmdev_region *r)
{
	XA_STATE(xas, &r->shmem->f_mapping->i_pages, 0);
	struct folio *folio;
	u64 bytes = 0;

	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		if (folio_test_large(folio) && folio_entire_mapcount(folio) > 0)
			bytes += folio_size(folio);
		if (need_resched()) {
			xas_pause(&xas);
			cond_resched_rcu();
		}
	}
	rcu_read_unlock();
	return bytes;
}
