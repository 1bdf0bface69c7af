/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shmdev: named, hugepage-backed shared memory regions from /dev/shmlist.
 *
 * This is the one ABI header, shared by the module, libshmdev and the tests.
 * A client can be written from this file alone.
 *
 * Conventions for every ioctl here:
 *
 *  - Commands are _IOR/_IOW/_IOWR of the struct they carry, with type
 *    SHMDEV_IOC_MAGIC.  A command the file does not know gives -ENOTTY.
 *  - Structs contain only __u8..__u64 fields with explicit padding.  Every
 *    field documented "in: must be 0" (flags not listed in the matching
 *    *_VALID_FLAGS mask, padding, reserved) gives -EINVAL when nonzero.
 *  - Structs only ever grow at the end.  The size is taken from the ioctl
 *    number, so an older binary keeps working against a newer module and
 *    vice versa: the module accepts any size from the first published size
 *    (SHMDEV_*_SIZE_VER0) upwards; bytes it does not know must be zero
 *    (else -E2BIG), bytes the caller did not pass read as zero, and on
 *    output the module writes at most the caller's size.  A size below
 *    the first published size gives -EINVAL.
 *  - Bad user pointers give -EFAULT.
 */
#ifndef _UAPI_LINUX_SHMDEV_H
#define _UAPI_LINUX_SHMDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * The project's one version: module (MODULE_VERSION), dkms.conf, library
 * and tool all report this.
 */
#define SHMDEV_VERSION_MAJOR	0
#define SHMDEV_VERSION_MINOR	1
#define SHMDEV_VERSION_PATCH	0
#define SHMDEV_VERSION_STRING	"0.1.0"
#define SHMDEV_VERSION_CODE	((SHMDEV_VERSION_MAJOR << 16) | \
				 (SHMDEV_VERSION_MINOR << 8) | \
				 SHMDEV_VERSION_PATCH)

/* Bumped only on an incompatible ABI change (never so far). */
#define SHMDEV_ABI_VERSION	1

/* The misc device's name, as in /dev/shmlist. */
#define SHMDEV_DEVICE_NAME	"shmlist"

#define SHMDEV_IOC_MAGIC	0xB9

/*
 * struct shmdev_info - SHMDEV_IOC_GET_INFO on /dev/shmlist
 * @flags:		in: must be 0 (no flags defined yet)
 * @abi_version:	out: SHMDEV_ABI_VERSION of the module
 * @version:		out: SHMDEV_VERSION_CODE of the module
 * @info_size:		out: sizeof(struct shmdev_info) as the module knows it
 * @features:		out: SHMDEV_FEAT_* bits this module supports
 * @max_region_bytes:	out: limit on one region's size (0: no limit)
 * @max_total_bytes:	out: limit on all regions' bytes together (0: no limit)
 * @max_regions:	out: limit on the number of live regions (0: no limit)
 * @max_uid_bytes:	out: limit on the bytes owned by one uid (0: no limit)
 * @cur_bytes:		out: bytes of all live regions now
 * @cur_regions:	out: live regions now
 * @peak_bytes:		out: highest @cur_bytes since the module loaded
 * @created:		out: regions created since the module loaded
 * @destroyed:		out: regions destroyed since the module loaded
 * @reserved:		in: must be 0; out: 0
 *
 * Limits are the module parameters of the same names, read at the time of
 * the call.  A live region is counted from create until its memory is freed.
 */
struct shmdev_info {
	__u32 flags;
	__u32 abi_version;
	__u32 version;
	__u32 info_size;
	__u64 features;
	__u64 max_region_bytes;
	__u64 max_total_bytes;
	__u64 max_regions;
	__u64 max_uid_bytes;
	__u64 cur_bytes;
	__u64 cur_regions;
	__u64 peak_bytes;
	__u64 created;
	__u64 destroyed;
	__u64 reserved[4];
};

#define SHMDEV_INFO_SIZE_VER0	128	/* first published size */

#define SHMDEV_IOC_GET_INFO	_IOWR(SHMDEV_IOC_MAGIC, 0x00, struct shmdev_info)

#endif /* _UAPI_LINUX_SHMDEV_H */
