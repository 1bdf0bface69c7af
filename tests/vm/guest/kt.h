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
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/shmdev.h>

#define KT_SKIP 77

static int kt_failed;

/* Whether the checks of a forked child passed: its exit status. */
static inline void kt_wait_child(pid_t pid, const char *what)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		printf("FAIL: child %s (status 0x%x)\n", what, status);
		kt_failed = 1;
	}
}

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
	int fd;

	/* Children's output must not be lost or doubled. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/dev/" SHMDEV_DEVICE_NAME, O_RDWR | O_CLOEXEC);

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

/* SHMDEV_IOC_CREATE; returns the fd or -errno. */
static inline int kt_create(int dev, const char *name, unsigned long long size,
			    unsigned int flags, unsigned int mode)
{
	struct shmdev_create c;

	memset(&c, 0, sizeof(c));
	c.size = size;
	c.flags = flags;
	c.mode = mode;
	if (name)
		snprintf((char *)c.name, sizeof(c.name), "%s", name);
	if (ioctl(dev, SHMDEV_IOC_CREATE, &c) < 0)
		return -errno;
	return (int)c.fd;
}

/* SHMDEV_IOC_OPEN; returns the fd or -errno. */
static inline int kt_open(int dev, const char *name, unsigned int flags)
{
	struct shmdev_open o;

	memset(&o, 0, sizeof(o));
	o.flags = flags;
	snprintf((char *)o.name, sizeof(o.name), "%s", name);
	if (ioctl(dev, SHMDEV_IOC_OPEN, &o) < 0)
		return -errno;
	return (int)o.fd;
}

/* SHMDEV_IOC_UNLINK; returns 0 or -errno. */
static inline int kt_unlink(int dev, const char *name)
{
	struct shmdev_unlink u;

	memset(&u, 0, sizeof(u));
	snprintf((char *)u.name, sizeof(u.name), "%s", name);
	if (ioctl(dev, SHMDEV_IOC_UNLINK, &u) < 0)
		return -errno;
	return 0;
}

/* SHMDEV_IOC_STAT; returns 0 or -errno. */
static inline int kt_stat(int fd, struct shmdev_stat *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, SHMDEV_IOC_STAT, st) < 0)
		return -errno;
	return 0;
}

/* SHMDEV_IOC_RESIZE; returns the new generation or -errno. */
static inline long long kt_resize(int fd, unsigned long long size)
{
	struct shmdev_resize rs;

	memset(&rs, 0, sizeof(rs));
	rs.size = size;
	if (ioctl(fd, SHMDEV_IOC_RESIZE, &rs) < 0)
		return -errno;
	return (long long)rs.generation;
}

/* SHMDEV_IOC_SEAL adding @add; returns the seals in force or -errno. */
static inline int kt_seal(int fd, unsigned int add)
{
	struct shmdev_seal sl;

	memset(&sl, 0, sizeof(sl));
	sl.add = add;
	if (ioctl(fd, SHMDEV_IOC_SEAL, &sl) < 0)
		return -errno;
	return (int)sl.seals;
}

/* SHMDEV_IOC_NOTIFY with @flags; returns 0 or -errno, fills @n. */
static inline int kt_notify(int fd, unsigned int flags,
			    struct shmdev_notify *n)
{
	memset(n, 0, sizeof(*n));
	n->flags = flags;
	return ioctl(fd, SHMDEV_IOC_NOTIFY, n) ? -errno : 0;
}

/* Skip the program unless the module has every feature in @feat. */
static inline void kt_need_features(int dev, unsigned long long feat)
{
	struct shmdev_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(dev, SHMDEV_IOC_GET_INFO, &info) < 0 ||
	    (info.features & feat) != feat)
		kt_skip("the module lacks a feature this test needs");
}

/* SHMDEV_IOC_GET_INFO, failing the test if it fails. */
static inline struct shmdev_info kt_info(int dev)
{
	struct shmdev_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(dev, SHMDEV_IOC_GET_INFO, &info) < 0)
		kt_fail("GET_INFO: %s", strerror(errno));
	return info;
}

/* Write a module parameter; returns 0 or -1. */
static inline int kt_write_param(const char *name, unsigned long long val)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/module/shmdev/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ok = fprintf(f, "%llu\n", val) > 0;
	ok = (fclose(f) == 0) && ok;
	return ok ? 0 : -1;
}

/*
 * Count lines of /proc/shmdev (regions of this namespace) whose name
 * field is @name, or all region lines when @name is NULL.
 */
static inline int kt_listed(const char *name)
{
	char line[1024], field[SHMDEV_NAME_SIZE + 1];
	unsigned long long id;
	FILE *f = fopen("/proc/shmdev", "r");
	int n = 0;

	if (!f) {
		kt_fail("open /proc/shmdev: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%llu %256s", &id, field) != 2)
			continue;
		if (!name || !strcmp(field, name))
			n++;
	}
	fclose(f);
	return n;
}

/* Wait up to @ms for kt_listed(@name) to equal @want; returns the count. */
static inline int kt_wait_listed(const char *name, int want, int ms)
{
	int n = kt_listed(name);

	while (n != want && ms > 0) {
		usleep(10000);
		ms -= 10;
		n = kt_listed(name);
	}
	return n;
}

/* Shmem: line of /proc/meminfo, in kB. */
static inline long long kt_meminfo(const char *key)
{
	char line[256];
	long long v = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			sscanf(line + len + 1, "%lld", &v);
	fclose(f);
	return v;
}

/* SHMDEV_IOC_SET; returns 0 or -errno. */
static inline int kt_set(int fd, unsigned int flags, unsigned int mode,
			 unsigned int uid, unsigned int gid)
{
	struct shmdev_set s;

	memset(&s, 0, sizeof(s));
	s.flags = flags;
	s.mode = mode;
	s.uid = uid;
	s.gid = gid;
	return ioctl(fd, SHMDEV_IOC_SET, &s) ? -errno : 0;
}

/* Send @fd over the Unix socket @sock with SCM_RIGHTS; sendmsg's result. */
static inline long kt_send_fd(int sock, int fd, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	char byte = 'x';

	memset(cbuf, 0, sizeof(cbuf));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &byte;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, flags);
}

/* Receive one fd sent by kt_send_fd() over @sock; the fd or -1. */
static inline int kt_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd = -1;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The module's counters now match @a: nothing live beyond, all destroyed. */
static inline void kt_balanced(int dev, const struct shmdev_info *a)
{
	struct shmdev_info b = kt_info(dev);

	kt_eq(b.cur_regions, a->cur_regions);
	kt_eq(b.cur_bytes, a->cur_bytes);
	kt_eq(b.created - a->created, b.destroyed - a->destroyed);
}

static inline int kt_exit(void)
{
	printf("%s\n", kt_failed ? "some checks failed" : "all checks passed");
	return kt_failed ? 1 : 0;
}

#endif /* SHMDEV_KT_H */
