/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small harness for the in-guest kernel tests.  Each program runs its
 * cases in order and exits 0 (all passed), 1 (a case failed) or 77
 * (skipped, with the reason on stdout).
 */
#ifndef SHMDEV_KT_H
#define SHMDEV_KT_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/shmdev.h>

#define KT_SKIP 77

static int kt_failed;

#define kt_fail(fmt, ...) do {						\
	printf("FAIL %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
	kt_failed = 1;							\
} while (0)

/* Check that a syscall-style expression returned -1 with @err in errno. */
#define kt_errno(expr, err) do {					\
	long __r;							\
	errno = 0;							\
	__r = (long)(expr);						\
	if (__r != -1 || errno != (err))				\
		kt_fail("%s: got %ld errno %d (%s), want -1 errno %d (%s)", \
			#expr, __r, errno, strerror(errno), (err),	\
			strerror(err));					\
} while (0)

/* Check that a syscall-style expression succeeded (>= 0). */
#define kt_ok(expr) ({							\
	long __r;							\
	errno = 0;							\
	__r = (long)(expr);						\
	if (__r < 0)							\
		kt_fail("%s: failed: %s", #expr, strerror(errno));	\
	__r;								\
})

#define kt_eq(a, b) do {						\
	unsigned long long __a = (a), __b = (b);			\
	if (__a != __b)							\
		kt_fail("%s == %s: %llu != %llu", #a, #b, __a, __b);	\
} while (0)

#define kt_true(cond) do {						\
	if (!(cond))							\
		kt_fail("%s", #cond);					\
} while (0)

static inline void kt_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	exit(KT_SKIP);
}

/* Open /dev/shmlist or skip the whole program when it is missing. */
static inline int kt_open_dev(void)
{
	int fd = open("/dev/" SHMDEV_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		kt_skip("/dev/shmlist is missing: module not loaded");
	if (fd < 0) {
		kt_fail("open /dev/shmlist: %s", strerror(errno));
		exit(1);
	}
	return fd;
}

/* Read a module parameter from sysfs; returns 0 on success. */
static inline int kt_read_param(const char *name, unsigned long long *val)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/shmdev/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu", val) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static inline int kt_exit(void)
{
	printf("%s\n", kt_failed ? "some checks failed" : "all checks passed");
	return kt_failed ? 1 : 0;
}

#endif /* SHMDEV_KT_H */
