// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev: a region's memory.  Each region's memory is a shmem file on the
 * module's private tmpfs, made here, never handed out (mappings go
 * through kmod/mmap.c's map files).  Here too is what acts on that memory
 * as a whole: its size (RESIZE), allocating it now (POPULATE), and walks
 * of its page cache (STAT's huge_bytes, the write seal's pin check).
 */
#include <linux/fs.h>
#include <linux/falloc.h>	/* after fs.h, for its types */
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/xarray.h>

#include "compat.h"
#include "shmdev.h"

/* The private tmpfs every region's memory lives on. */
static struct vfsmount *shmdev_mnt;

struct vfsmount *shmdev_shmem_mnt(void)
{
	return shmdev_mnt;
}

int shmdev_mnt_init(void)
{
	/* Parsed in place by tmpfs. */
	char opts[] = "huge=within_size";

	/*
	 * Read-only, so that no path can change an inode's attributes or
	 * open it for writing (see above).  shmem itself never checks:
	 * faults, fallocate() and swap write to it as to any tmpfs.
	 */
	shmdev_mnt = shmdev_mount_tmpfs(opts, SB_RDONLY);
	if (IS_ERR(shmdev_mnt))
		return PTR_ERR(shmdev_mnt);
	return 0;
}

void shmdev_mnt_exit(void)
{
	kern_unmount(shmdev_mnt);
}

/*
 * Make a new shmem inode unopenable by path: no permission bits, and
 * owner and group INVALID_UID/INVALID_GID, which no user namespace maps,
 * so that no capability applies to it (capable_wrt_inode_uidgid()).
 * shmem's own checks (MADV_PAGEOUT, mincore(2)) then see a file nobody
 * owns or may write.  The inode is new and reachable by nobody yet; this
 * is how ipc/shm.c's newseg() sets i_ino on its fresh shmem inode.
 */
static void shmdev_shmem_seal(struct file *shmem)
{
	struct inode *inode = file_inode(shmem);

	inode_lock(inode);
	inode->i_mode = S_IFREG;
	inode->i_uid = INVALID_UID;
	inode->i_gid = INVALID_GID;
	inode_unlock(inode);
}

/* A new region's memory: @size bytes on the private tmpfs, sealed. */
struct file *shmdev_shmem_new(loff_t size)
{
	struct file *shmem = shmdev_shmem_setup(shmdev_mnt, "shmdev", size);

	if (!IS_ERR(shmem))
		shmdev_shmem_seal(shmem);
	return shmem;
}

/*
 * Call @fn on each folio of @r's page cache until it returns true; returns
 * the sum of what @fn added to *@sum.  Under the xarray lock a folio can be
 * neither split nor removed from the file; the lock is dropped every
 * SHMDEV_WALK_BATCH entries.
 */
#define SHMDEV_WALK_BATCH	1024

static void shmdev_walk(struct shmdev_region *r,
			bool (*fn)(struct folio *folio, u64 *sum), u64 *sum)
{
	XA_STATE(xas, &r->shmem->f_mapping->i_pages, 0);
	struct folio *folio;
	unsigned int n = 0;

	xas_lock_irq(&xas);
	xas_for_each(&xas, folio, ULONG_MAX) {
		if (xa_is_value(folio))
			continue;
		if (fn(folio, sum))
			break;
		if (++n % SHMDEV_WALK_BATCH == 0) {
			xas_pause(&xas);
			xas_unlock_irq(&xas);
			cond_resched();
			xas_lock_irq(&xas);
		}
	}
	xas_unlock_irq(&xas);
}

static bool shmdev_walk_huge(struct folio *folio, u64 *bytes)
{
	if (folio_test_large(folio) && folio_entire_mapcount(folio) > 0)
		*bytes += folio_size(folio);
	return false;
}

/* Bytes of @r's page cache that are mapped by a PMD somewhere now. */
u64 shmdev_region_huge_bytes(struct shmdev_region *r)
{
	u64 bytes = 0;

	shmdev_walk(r, shmdev_walk_huge, &bytes);
	return bytes;
}

static bool shmdev_walk_pinned(struct folio *folio, u64 *pinned)
{
	*pinned = folio_maybe_dma_pinned(folio);
	return *pinned;
}

/*
 * Whether a page of @r may be pinned (pin_user_pages(): io_uring fixed
 * buffers, RDMA, direct I/O that pins, as the block layer's does from
 * 6.5), so that it could still be written without a mapping.  Pins for
 * reading count too, and folio_maybe_dma_pinned() has false positives.
 *
 * memfd looks for every reference beyond the page cache's and the
 * mappings' (memfd_wait_for_pins(), not exported), which also catches a
 * plain get_user_pages() reference held for I/O in flight (direct I/O on
 * 6.1's block layer, FUSE's and NFS's).  That test needs the per-CPU
 * page batches drained first (lru_add_drain_all(), not exported either),
 * or every freshly faulted page would look held.  So such references go
 * unseen here; the ABI header says so.
 */
bool shmdev_region_pinned(struct shmdev_region *r)
{
	u64 pinned = 0;

	shmdev_walk(r, shmdev_walk_pinned, &pinned);
	return pinned;
}

/*
 * Allocate @len bytes of @shmem from @offset now, within its size, and
 * fail with -ENOMEM rather than SIGBUS later.  __GFP_RETRY_MAYFAIL keeps
 * both the page allocator and the memory cgroup from OOM-killing: a
 * charge over memory.max fails instead.  The mask is the mapping's, so
 * while a RESIZE populates, other holders' faults on the region fail the
 * same way rather than OOM-kill (as they would at CREATE, where nobody
 * else holds it yet).  On failure shmem frees what it allocated.
 *
 * 6.1's shmem_fallocate() stops at any pending signal (later ones at a
 * fatal one only), having freed what it allocated: a signal that does
 * not kill restarts the call.
 */
int shmdev_shmem_populate(struct file *shmem, loff_t offset, loff_t len)
{
	struct address_space *mapping = shmem->f_mapping;
	gfp_t gfp = mapping_gfp_mask(mapping);
	int ret;

	if (len >> PAGE_SHIFT > si_mem_available())
		return -ENOMEM;
	mapping_set_gfp_mask(mapping, gfp | __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
	ret = vfs_fallocate(shmem, FALLOC_FL_KEEP_SIZE, offset, len);
	mapping_set_gfp_mask(mapping, gfp);
	if (ret == -ENOSPC)
		ret = -ENOMEM;
	if (ret == -EINTR && !fatal_signal_pending(current))
		ret = -ERESTARTSYS;
	return ret;
}

/*
 * Change @shmem's size as ftruncate(2) would, through shmem's own
 * ->setattr(ATTR_SIZE): a shrink unmaps what lies past the new end from
 * every mapping (SIGBUS there) and frees it.
 *
 * The project's DESIGN.md says notify_change(); it refuses here.  notify_change() gives
 * -EOVERFLOW for an inode whose owner no namespace maps, and the inode's
 * INVALID_UID is what keeps /proc/PID/map_files out (see
 * shmdev_shmem_seal()).  What notify_change() adds around ->setattr has
 * nothing to act on for this inode: no path reaches it, so it has no
 * leases, no fsnotify watches and no LSM label anyone set; the caller's
 * right to resize was checked as the region's (a read-write fd).
 */
int shmdev_shmem_set_size(struct file *shmem, loff_t size)
{
	struct dentry *dentry = shmem->f_path.dentry;
	struct inode *inode = d_inode(dentry);
	struct iattr ia = { .ia_valid = ATTR_SIZE, .ia_size = size };
	int ret;

	inode_lock(inode);
	ret = inode->i_op->setattr(SHMDEV_NOP_IDMAP, dentry, &ia);
	inode_unlock(inode);
	return ret;
}
