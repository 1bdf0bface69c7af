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
#include <linux/string.h>
#ifdef SHMDEV_HAVE_FC_MOUNT_LONGTERM
#include <linux/fs_context.h>
#endif

/*
 * 6.3 made vma->vm_flags read-only behind vm_flags_set()/vm_flags_clear().
 * Probed, as stable trees may carry the accessors.
 */
static inline void shmdev_vm_flags_clear(struct vm_area_struct *vma,
					 vm_flags_t flags)
{
#ifdef SHMDEV_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

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

#ifdef SHMDEV_HAVE_FC_MOUNT_LONGTERM
/* 6.18 dropped vfs_parse_fs_string()'s length argument. */
static inline int shmdev_parse_fs_string(struct fs_context *fc,
					 const char *key, const char *val)
{
#ifdef SHMDEV_PARSE_FS_STRING_NO_LEN
	return vfs_parse_fs_string(fc, key, val);
#else
	return vfs_parse_fs_string(fc, key, val, val ? strlen(val) : 0);
#endif
}
#endif

/*
 * The private tmpfs mount: vfs_kern_mount() with legacy option data until
 * 6.17, which wants fs_context and fc_mount_longterm().  @opts is parsed
 * in place, so it must be writable.
 */
static inline struct vfsmount *shmdev_mount_tmpfs(char *opts)
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

		fc = fs_context_for_mount(type, SB_KERNMOUNT);
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
	return vfs_kern_mount(type, SB_KERNMOUNT, type->name, opts);
#endif
}

#endif /* _SHMDEV_COMPAT_H */
