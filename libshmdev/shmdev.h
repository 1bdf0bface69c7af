/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev: shared memory regions, a typed shareable list and a chunked
 * parallel workload.  Every function returns 0 or a positive value on
 * success and a negative errno on failure; errno is never the channel.
 * The library never prints.
 */
#ifndef SHMDEV_H
#define SHMDEV_H

#include <linux/shmdev.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef SHMDEV_BUILDING_LIB
#define SHMDEV_EXPORT __attribute__((visibility("default")))
#else
#define SHMDEV_EXPORT
#endif

/* Path of the kernel module's device. */
#define SHMDEV_DEVICE_PATH "/dev/" SHMDEV_DEVICE_NAME

/*
 * shmdev_version - the library's version string, equal to
 * SHMDEV_VERSION_STRING of the header it was built with.  Never NULL.
 */
SHMDEV_EXPORT const char *shmdev_version(void);

/*
 * shmdev_kernel_open - open /dev/shmlist, close-on-exec.
 *
 * Returns the file descriptor (caller closes it), or -ENOENT when the
 * module is not loaded, -EACCES when the caller may not open the device,
 * or another negative errno from open(2).
 */
SHMDEV_EXPORT int shmdev_kernel_open(void);

/*
 * shmdev_kernel_get_info - ask the module for ABI version, features,
 * limits and usage (SHMDEV_IOC_GET_INFO).
 * @devfd: a descriptor from shmdev_kernel_open()
 * @info:  filled on success
 *
 * Returns 0, -EINVAL when @info is NULL, -EBADF when @devfd is not open,
 * -ENOTTY when @devfd is not /dev/shmlist, or another negative errno.
 */
SHMDEV_EXPORT int shmdev_kernel_get_info(int devfd, struct shmdev_info *info);

#ifdef __cplusplus
}
#endif

#endif /* SHMDEV_H */
