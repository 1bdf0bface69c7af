/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmdev: every kernel-version shim, one comment per shim.  Probes (see
 * Kbuild) are preferred where distributions backport.
 */
#ifndef _SHMDEV_COMPAT_H
#define _SHMDEV_COMPAT_H

#include <linux/fs.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/proc_ns.h>
#include <linux/shmem_fs.h>
#include <linux/string.h>
#ifdef SHMDEV_HAVE_FC_MOUNT_LONGTERM
#include <linux/fs_context.h>
#endif

/*
 * SHMDEV_HAVE_GET_POLICY_ILX: 6.7 gave vm_operations_struct.get_policy a
 * third argument, the interleave index (pgoff_t *ilx), to be passed on to
 * shmem's.  Distribution kernels have CONFIG_NUMA, so they all compile
 * it.  kmod/mmap.c has shmdev_vm_get_policy() in both forms.
 */

/*
 * Mapping through another file's mmap: call_mmap() became vfs_mmap() in
 * 6.17, which also runs an ->mmap_prepare-only file (shmem from 6.19)
 * through the kernel's compat_vma_mmap().
 */
static inline int shmdev_vfs_mmap(struct file *file, struct vm_area_struct *vma)
{
#ifdef SHMDEV_HAVE_VFS_MMAP
	return vfs_mmap(file, vma);
#else
	return call_mmap(file, vma);
#endif
}

/*
 * A shmem file on our mount, without a memory commitment (VM_NORESERVE):
 * 7.1 passes the flag as a vma_flags_t bit instead of a vm_flags_t.
 */
static inline struct file *shmdev_shmem_setup(struct vfsmount *mnt,
					      const char *name, loff_t size)
{
#ifdef SHMDEV_HAVE_SHMEM_VMA_FLAGS
	return shmem_file_setup_with_mnt(mnt, name, size,
					 mk_vma_flags(VMA_NORESERVE_BIT));
#else
	return shmem_file_setup_with_mnt(mnt, name, size, VM_NORESERVE);
#endif
}

/*
 * vm_flags_clear() (6.3) replaced writing vma->vm_flags directly, which
 * 6.1 still does.
 */
static inline void shmdev_vm_flags_clear(struct vm_area_struct *vma,
					 unsigned long flags)
{
#ifdef SHMDEV_HAVE_VM_FLAGS_CLEAR
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

/*
 * The identity mapping for ->setattr(): idmapped mounts made it a
 * struct mnt_idmap in 6.3 (SHMDEV_HAVE_MNT_IDMAP); 6.1 passes the
 * initial user namespace.
 */
#ifdef SHMDEV_HAVE_MNT_IDMAP
#define SHMDEV_NOP_IDMAP	(&nop_mnt_idmap)
#else
#define SHMDEV_NOP_IDMAP	(&init_user_ns)
#endif

/*
 * 6.12 removed no_llseek: a NULL ->llseek (with nonseekable_open() or an
 * anon file without FMODE_LSEEK) refuses seeks the same way.
 */
#ifdef SHMDEV_HAVE_NO_LLSEEK
#define SHMDEV_NO_LLSEEK	no_llseek
#else
#define SHMDEV_NO_LLSEEK	NULL
#endif

/*
 * put_ipc_ns() is not exported; the namespace's own proc_ns operations
 * drop the reference the same way nsfs does.  Without CONFIG_IPC_NS there is
 * only init_ipc_ns and get_ipc_ns() takes no reference.
 */
static inline void shmdev_put_ipc_ns(struct ipc_namespace *ns)
{
#ifdef CONFIG_IPC_NS
	ns->ns.ops->put(&ns->ns);
#endif
}

/*
 * References on an IPC namespace (SHMDEV_HAVE_NS_REF_READ): ns.count until
 * 6.18 made it __ns_ref behind ns_ref_read().  Without CONFIG_IPC_NS there
 * is only init_ipc_ns, which never dies.
 */
static inline unsigned int shmdev_ipc_ns_refs(struct ipc_namespace *ns)
{
#ifdef SHMDEV_HAVE_NS_REF_READ
	return ns_ref_read(ns);
#else
	return refcount_read(&ns->ns.count);
#endif
}

/*
 * Active references (SHMDEV_HAVE_NS_REF_ACTIVE, 6.19): tasks, nsfs files
 * and mounts hold a namespace active, and open_by_handle_at() of its nsfs
 * file handle refuses one that is not.  Before 6.19 there is no such
 * count: every holder but shmdev's regions is then an active one.
 */
static inline bool shmdev_ipc_ns_active(struct ipc_namespace *ns)
{
#ifdef SHMDEV_HAVE_NS_REF_ACTIVE
	return ns_ref_active_read(ns) > 0;
#else
	return false;
#endif
}

static inline bool shmdev_ipc_ns_is_init(const struct ipc_namespace *ns)
{
	return !IS_ENABLED(CONFIG_IPC_NS) || ns->ns.inum == PROC_IPC_INIT_INO;
}

#ifdef SHMDEV_HAVE_FC_MOUNT_LONGTERM
/* 6.18 dropped vfs_parse_fs_string()'s length argument. */
static inline int shmdev_parse_fs_string(struct fs_context *fc,
					 const char *key, const char *val)
{
#ifdef SHMDEV_PARSE_FS_STRING_HAS_LEN
	return vfs_parse_fs_string(fc, key, val, val ? strlen(val) : 0);
#else
	return vfs_parse_fs_string(fc, key, val);
#endif
}
#endif

/*
 * The private tmpfs mount: vfs_kern_mount() with legacy option data until
 * 6.17, which wants fs_context and fc_mount_longterm().  @opts is parsed
 * in place, so it must be writable.  @sb_flags are added to SB_KERNMOUNT.
 */
static inline struct vfsmount *
shmdev_mount_tmpfs(char *opts, unsigned long sb_flags)
{
	struct file_system_type *type = get_fs_type("tmpfs");

	/* tmpfs is built in: get_fs_type() took no module reference. */
	if (!type)
		return ERR_PTR(-ENODEV);
#ifdef SHMDEV_HAVE_FC_MOUNT_LONGTERM
	{
		struct fs_context *fc;
		struct vfsmount *mnt;
		char *opt;
		int ret = 0;

		fc = fs_context_for_mount(type, SB_KERNMOUNT | sb_flags);
		if (IS_ERR(fc))
			return ERR_CAST(fc);
		while (!ret && (opt = strsep(&opts, ",")) != NULL) {
			char *val = strchr(opt, '=');

			if (val)
				*val++ = '\0';
			ret = shmdev_parse_fs_string(fc, opt, val);
		}
		mnt = ret ? ERR_PTR(ret) : fc_mount_longterm(fc);
		put_fs_context(fc);
		return mnt;
	}
#else
	return vfs_kern_mount(type, SB_KERNMOUNT | sb_flags, type->name, opts);
#endif
}

#endif /* _SHMDEV_COMPAT_H */
