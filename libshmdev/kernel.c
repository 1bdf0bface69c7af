// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: access to the kernel module's /dev/shmlist.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shmdev.h"

const char *shmdev_version(void)
{
	return SHMDEV_VERSION_STRING;
}

int shmdev_kernel_open(void)
{
	int fd = open(SHMDEV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int shmdev_kernel_get_info(int devfd, struct shmdev_info *info)
{
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (ioctl(devfd, SHMDEV_IOC_GET_INFO, info) < 0)
		return -errno;
	return 0;
}
