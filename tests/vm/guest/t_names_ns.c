// SPDX-License-Identifier: GPL-2.0
/*
 * Names are scoped per IPC namespace: a process in a new IPC namespace
 * neither sees nor collides with the names of another, and the listing
 * shows it only its own regions.
 */
#include <sched.h>

#include "kt.h"

static int dev;

static void in_new_ns(void)
{
	int fd;

	if (unshare(CLONE_NEWIPC))
		exit(100);
	kt_eq(kt_open(dev, "scoped", 0), -ENOENT);
	kt_eq(kt_unlink(dev, "scoped"), -ENOENT);
	kt_eq(kt_listed(NULL), 0);
	/* The same name is free here. */
	fd = kt_create(dev, "scoped", 8192, SHMDEV_CREATE_EXCL, 0600);
	kt_true(fd >= 0);
	kt_eq(kt_listed("scoped"), 1);
	kt_eq(kt_listed(NULL), 1);
	if (fd >= 0)
		close(fd);
	kt_eq(kt_wait_listed("scoped", 0, 2000), 0);
	exit(kt_failed);
}

int main(void)
{
	struct shmdev_stat st;
	pid_t pid;
	int fd;

	dev = kt_open_dev();
	if (geteuid() != 0)
		kt_skip("needs root (CAP_SYS_ADMIN) for unshare(CLONE_NEWIPC)");
	fd = kt_create(dev, "scoped", 4096, SHMDEV_CREATE_EXCL, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return kt_exit();
	}
	pid = fork();
	if (pid == 0)
		in_new_ns();
	kt_wait_child(pid, "in_new_ns");
	/* Ours was not touched. */
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.size, 4096);
	kt_eq(kt_listed("scoped"), 1);
	close(fd);
	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	close(dev);
	return kt_exit();
}
