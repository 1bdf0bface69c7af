// SPDX-License-Identifier: GPL-2.0
/*
 * SHMDEV_IOC_GET_INFO: answers, validates its input, negotiates sizes, and
 * unknown commands get -ENOTTY.
 */
#include <sys/mman.h>

#include "kt.h"

/* The same command with another size in the ioctl number. */
#define GET_INFO_SIZED(sz) \
	_IOC(_IOC_READ | _IOC_WRITE, SHMDEV_IOC_MAGIC, 0x00, (sz))

static void test_answers(int fd)
{
	struct shmdev_info info;
	unsigned long long v;

	memset(&info, 0, sizeof(info));
	kt_ok(ioctl(fd, SHMDEV_IOC_GET_INFO, &info));
	kt_eq(info.abi_version, SHMDEV_ABI_VERSION);
	kt_eq(info.version, SHMDEV_VERSION_CODE);
	kt_eq(info.info_size, sizeof(info));
	kt_eq(info.flags, 0);
	kt_true(info.cur_bytes <= info.peak_bytes);
	kt_true(info.destroyed <= info.created);
	kt_eq(info.created - info.destroyed, info.cur_regions);
	if (kt_read_param("max_region_bytes", &v) == 0)
		kt_eq(info.max_region_bytes, v);
	else
		kt_fail("no max_region_bytes parameter");
	if (kt_read_param("max_total_bytes", &v) == 0)
		kt_eq(info.max_total_bytes, v);
	else
		kt_fail("no max_total_bytes parameter");
	if (kt_read_param("max_regions", &v) == 0)
		kt_eq(info.max_regions, v);
	else
		kt_fail("no max_regions parameter");
	if (kt_read_param("max_uid_bytes", &v) == 0)
		kt_eq(info.max_uid_bytes, v);
	else
		kt_fail("no max_uid_bytes parameter");
	if (kt_read_param("max_uid_regions", &v) == 0)
		kt_eq(info.max_uid_regions, v);
	else
		kt_fail("no max_uid_regions parameter");
}

static void test_limits_follow_params(int fd)
{
	struct shmdev_info info;
	unsigned long long old;
	FILE *f;

	if (kt_read_param("max_regions", &old)) {
		kt_fail("no max_regions parameter");
		return;
	}
	f = fopen("/sys/module/shmdev/parameters/max_regions", "w");
	if (!f)
		return;	/* not root: nothing to change */
	fprintf(f, "%llu\n", old + 7);
	fclose(f);
	memset(&info, 0, sizeof(info));
	kt_ok(ioctl(fd, SHMDEV_IOC_GET_INFO, &info));
	kt_eq(info.max_regions, old + 7);
	f = fopen("/sys/module/shmdev/parameters/max_regions", "w");
	if (f) {
		fprintf(f, "%llu\n", old);
		fclose(f);
	}
}

static void test_reserved_fields(int fd)
{
	struct shmdev_info info;
	unsigned int i;

	memset(&info, 0, sizeof(info));
	info.flags = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, &info), EINVAL);
	memset(&info, 0, sizeof(info));
	info.flags = 0x80000000u;
	kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, &info), EINVAL);
	for (i = 0; i < sizeof(info.reserved) / sizeof(info.reserved[0]); i++) {
		memset(&info, 0, sizeof(info));
		info.reserved[i] = 1;
		kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, &info), EINVAL);
	}
	/* Output fields carry nothing in: garbage there is ignored. */
	memset(&info, 0, sizeof(info));
	info.cur_bytes = ~0ull;
	info.abi_version = 12345;
	kt_ok(ioctl(fd, SHMDEV_IOC_GET_INFO, &info));
	kt_eq(info.abi_version, SHMDEV_ABI_VERSION);
}

static void test_sizes(int fd)
{
	unsigned char buf[sizeof(struct shmdev_info) + 64];
	struct shmdev_info *info = (struct shmdev_info *)buf;

	/* Smaller than the first published struct. */
	memset(buf, 0, sizeof(buf));
	kt_errno(ioctl(fd, GET_INFO_SIZED(SHMDEV_INFO_SIZE_VER0 - 8), buf),
		 EINVAL);
	kt_errno(ioctl(fd, GET_INFO_SIZED(0), buf), EINVAL);

	/* The first published size still works and gets no more bytes. */
	memset(buf, 0xa5, sizeof(buf));
	memset(buf, 0, SHMDEV_INFO_SIZE_VER0);
	kt_ok(ioctl(fd, GET_INFO_SIZED(SHMDEV_INFO_SIZE_VER0), buf));
	kt_eq(info->abi_version, SHMDEV_ABI_VERSION);
	kt_eq(buf[SHMDEV_INFO_SIZE_VER0], 0xa5);

	/* A newer caller: zero tail accepted, only known bytes written. */
	memset(buf, 0, sizeof(buf));
	kt_ok(ioctl(fd, GET_INFO_SIZED(sizeof(buf)), buf));
	kt_eq(info->abi_version, SHMDEV_ABI_VERSION);
	kt_eq(info->info_size, sizeof(*info));

	/* A newer caller asking for something this module does not know. */
	memset(buf, 0, sizeof(buf));
	buf[sizeof(buf) - 1] = 1;
	kt_errno(ioctl(fd, GET_INFO_SIZED(sizeof(buf)), buf), E2BIG);
}

static void test_bad_pointer(int fd)
{
	void *p;

	kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, NULL), EFAULT);
	kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, (void *)16), EFAULT);
	/* Readable but not writable: copy in works, copy out must fault. */
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	kt_errno(ioctl(fd, SHMDEV_IOC_GET_INFO, p), EFAULT);
	munmap(p, 4096);
}

static void test_unknown_commands(int fd)
{
	struct shmdev_info info;

	memset(&info, 0, sizeof(info));
	/* Unknown number, wrong magic, wrong direction, no-argument forms. */
	kt_errno(ioctl(fd, _IOWR(SHMDEV_IOC_MAGIC, 0x7f, struct shmdev_info),
		       &info), ENOTTY);
	kt_errno(ioctl(fd, _IOWR(SHMDEV_IOC_MAGIC + 1, 0x00,
				 struct shmdev_info), &info), ENOTTY);
	kt_errno(ioctl(fd, _IOR(SHMDEV_IOC_MAGIC, 0x00, struct shmdev_info),
		       &info), ENOTTY);
	kt_errno(ioctl(fd, _IOW(SHMDEV_IOC_MAGIC, 0x00, struct shmdev_info),
		       &info), ENOTTY);
	kt_errno(ioctl(fd, _IO(SHMDEV_IOC_MAGIC, 0x00), 0), ENOTTY);
	kt_errno(ioctl(fd, 0, 0), ENOTTY);
	kt_errno(ioctl(fd, 0xffffffffu, &info), ENOTTY);
}

int main(void)
{
	int fd = kt_open_dev();

	test_answers(fd);
	test_limits_follow_params(fd);
	test_reserved_fields(fd);
	test_sizes(fd);
	test_bad_pointer(fd);
	test_unknown_commands(fd);
	close(fd);
	return kt_exit();
}
