// SPDX-License-Identifier: GPL-2.0
/*
 * Limits: each module parameter, when exceeded, gives its documented error
 * before anything is allocated; GET_INFO reports them; usage returns to
 * zero once everything is closed.
 */
#include "kt.h"

#define MiB (1024ull * 1024)

static int dev;

static void set_param(const char *name, unsigned long long v)
{
	if (kt_write_param(name, v))
		kt_fail("set %s=%llu", name, v);
}

static const char *const params[] = {
	"max_region_bytes", "max_total_bytes", "max_regions",
	"max_uid_bytes", "max_uid_regions",
};
static unsigned long long saved[5];

/* The module's limits as loaded, put back at the end for the next test. */
static void save_params(void)
{
	unsigned int i;

	for (i = 0; i < 5; i++)
		if (kt_read_param(params[i], &saved[i]))
			kt_fail("read %s", params[i]);
}

static void restore_params(void)
{
	unsigned int i;

	for (i = 0; i < 5; i++)
		set_param(params[i], saved[i]);
}

static void region_bytes(void)
{
	struct shmdev_info info;
	int fd;

	set_param("max_region_bytes", 4 * MiB);
	info = kt_info(dev);
	kt_eq(info.max_region_bytes, 4 * MiB);
	kt_eq(kt_create(dev, "big", 4 * MiB + 1, 0, 0600), -EFBIG);
	kt_eq(kt_listed("big"), 0);
	fd = kt_create(dev, "big", 4 * MiB, 0, 0600);
	kt_true(fd >= 0);
	if (fd >= 0)
		close(fd);
	set_param("max_region_bytes", 0);
}

static void regions(void)
{
	struct shmdev_info info = kt_info(dev);
	int fd[3], i;

	set_param("max_regions", info.cur_regions + 2);
	kt_eq(kt_info(dev).max_regions, info.cur_regions + 2);
	fd[0] = kt_create(dev, NULL, 4096, 0, 0600);
	fd[1] = kt_create(dev, NULL, 4096, 0, 0600);
	fd[2] = kt_create(dev, NULL, 4096, 0, 0600);
	kt_true(fd[0] >= 0 && fd[1] >= 0);
	kt_eq(fd[2], -ENOSPC);
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	/* Room again once one is gone. */
	fd[0] = kt_create(dev, NULL, 4096, 0, 0600);
	kt_true(fd[0] >= 0);
	if (fd[0] >= 0)
		close(fd[0]);
	set_param("max_regions", 4096);
}

/* A create by uid 1001 in a child: its result. */
static int create_as_user(unsigned long long size)
{
	int st = 0, fd;
	pid_t pid = fork();

	if (pid == 0) {
		if (setgid(1001) || setuid(1001))
			_exit(100);
		fd = kt_create(dev, NULL, size, 0, 0600);
		_exit(fd >= 0 ? 0 : -fd);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -EIO;
	return -WEXITSTATUS(st);
}

/*
 * The reserve for root survives the smallest limits: with room for one
 * more region, or one more page, only root gets it (the unprivileged
 * share is none then, never "no limit").
 */
static void tiny_limits(void)
{
	struct shmdev_info info = kt_info(dev);
	int fd;

	set_param("max_regions", info.cur_regions + 1);
	kt_eq(create_as_user(4096), -ENOSPC);
	fd = kt_create(dev, NULL, 4096, 0, 0600);
	kt_true(fd >= 0);
	if (fd >= 0)
		close(fd);
	set_param("max_regions", 1);
	if (!info.cur_regions)
		kt_eq(create_as_user(4096), -ENOSPC);
	set_param("max_regions", 4096);

	set_param("max_total_bytes", info.cur_bytes + 4096);
	kt_eq(create_as_user(4096), -ENOSPC);
	fd = kt_create(dev, NULL, 4096, 0, 0600);
	kt_true(fd >= 0);
	if (fd >= 0)
		close(fd);
	set_param("max_total_bytes", 0);
}

static void total_bytes(void)
{
	struct shmdev_info info = kt_info(dev);
	int a, b;

	set_param("max_total_bytes", info.cur_bytes + 8 * MiB);
	kt_eq(kt_info(dev).max_total_bytes, info.cur_bytes + 8 * MiB);
	a = kt_create(dev, NULL, 6 * MiB, 0, 0600);
	kt_true(a >= 0);
	b = kt_create(dev, NULL, 4 * MiB, 0, 0600);
	kt_eq(b, -ENOSPC);
	if (b >= 0)
		close(b);
	b = kt_create(dev, NULL, 2 * MiB, 0, 0600);
	kt_true(b >= 0);
	if (b >= 0)
		close(b);
	if (a >= 0)
		close(a);
	/* Lowered below what is in use: every create fails. */
	a = kt_create(dev, NULL, 8 * MiB, 0, 0600);
	set_param("max_total_bytes", 4096);
	kt_eq(kt_create(dev, NULL, 4096, 0, 0600), -ENOSPC);
	if (a >= 0)
		close(a);
	set_param("max_total_bytes", 0);
}

static void uid_bytes(void)
{
	int a, b;

	set_param("max_uid_bytes", 8 * MiB);
	kt_eq(kt_info(dev).max_uid_bytes, 8 * MiB);
	a = kt_create(dev, "quota", 6 * MiB, SHMDEV_CREATE_PERSIST, 0600);
	kt_true(a >= 0);
	if (a >= 0)
		close(a);
	/* The persistent region still counts against the creator. */
	b = kt_create(dev, NULL, 4 * MiB, 0, 0600);
	kt_eq(b, -EDQUOT);
	if (b >= 0)
		close(b);
	kt_eq(kt_unlink(dev, "quota"), 0);
	b = kt_create(dev, NULL, 4 * MiB, 0, 0600);
	kt_true(b >= 0);
	if (b >= 0)
		close(b);
	set_param("max_uid_bytes", 0);
}

static void uid_regions(void)
{
	struct shmdev_info info = kt_info(dev);
	int fd[3], i;

	set_param("max_uid_regions", 2);
	kt_eq(kt_info(dev).max_uid_regions, 2);
	(void)info;
	fd[0] = kt_create(dev, NULL, 4096, 0, 0600);
	fd[1] = kt_create(dev, NULL, 4096, 0, 0600);
	fd[2] = kt_create(dev, NULL, 4096, 0, 0600);
	kt_true(fd[0] >= 0 && fd[1] >= 0);
	kt_eq(fd[2], -EDQUOT);
	for (i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	set_param("max_uid_regions", 1024);
}

/*
 * Sizes up to 2^63 must not wrap the byte counters.  With no limits,
 * three regions of 2^62 bytes fit (nothing is allocated: the memory is
 * reserved lazily) and a fourth, which would take the total to 2^64, is
 * refused.  A limit set afterwards then sees the true total.
 */
static void huge_sums(void)
{
	const unsigned long long q = 1ULL << 62;
	int fd[4], small, i;

	set_param("max_uid_bytes", 0);
	set_param("max_total_bytes", 0);
	for (i = 0; i < 3; i++) {
		fd[i] = kt_create(dev, NULL, q, 0, 0600);
		kt_true(fd[i] >= 0);
	}
	fd[3] = kt_create(dev, NULL, q, 0, 0600);
	kt_eq(fd[3], -ENOSPC);
	kt_eq(kt_info(dev).cur_bytes, 3 * q);
	/* A total limit of 2^63, set now: the 3 * 2^62 live are over it. */
	set_param("max_total_bytes", 2 * q);
	small = kt_create(dev, NULL, 4096, 0, 0600);
	kt_eq(small, -ENOSPC);
	if (small >= 0)
		close(small);
	set_param("max_total_bytes", 0);
	/* The per-uid limit, set now, counts them too. */
	set_param("max_uid_bytes", 2 * q);
	small = kt_create(dev, NULL, 4096, 0, 0600);
	kt_eq(small, -EDQUOT);
	set_param("max_uid_bytes", 0);
	for (i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	if (small >= 0)
		close(small);
	kt_eq(kt_info(dev).cur_bytes, 0);
}

int main(void)
{
	struct shmdev_info info;

	dev = kt_open_dev();
	if (geteuid() != 0)
		kt_skip("needs root to set module parameters");
	save_params();
	/* The cases below start from no byte limits. */
	set_param("max_total_bytes", 0);
	set_param("max_uid_bytes", 0);
	region_bytes();
	regions();
	tiny_limits();
	total_bytes();
	uid_bytes();
	uid_regions();
	huge_sums();
	restore_params();
	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	info = kt_info(dev);
	kt_eq(info.cur_bytes, 0);
	kt_eq(info.cur_regions, 0);
	kt_eq(info.created, info.destroyed);
	close(dev);
	return kt_exit();
}
