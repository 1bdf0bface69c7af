// SPDX-License-Identifier: GPL-2.0
/*
 * An administrator sees and removes what a container keeps: alice, in
 * user and IPC namespaces of her own, holds a PERSIST region there.  Root
 * does not see it in /proc/shmdev, but /proc/shmdev-all lists it with the
 * namespace's inode, and SHMDEV_IOC_REMOVE by id takes it away.  Every
 * invalid argument of REMOVE gets its error; alice gets none of this.
 */
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <grp.h>

#include "kt.h"

#define ALICE	1001

static int remove_raw(int dev, unsigned long cmd, struct shmdev_remove *rm)
{
	return ioctl(dev, cmd, rm) ? -errno : 0;
}

static int remove_id(int dev, unsigned long long id)
{
	struct shmdev_remove rm;

	memset(&rm, 0, sizeof(rm));
	rm.id = id;
	return remove_raw(dev, SHMDEV_IOC_REMOVE, &rm);
}

/* The last field of @file's line for region @id, or 0 if not listed. */
static unsigned long long listed_ns(const char *file, unsigned long long id)
{
	char line[1024], field[32];
	unsigned long long rid, ns = 0;
	FILE *f = fopen(file, "r");
	int n;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%llu", &rid) != 1 || rid != id)
			continue;
		/* The 16th field: ipcns in /proc/shmdev-all, seals in the other. */
		n = sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %31s",
			   field);
		ns = 1;	/* listed, without a namespace field */
		if (n == 1 && !strcmp(file, "/proc/shmdev-all"))
			ns = strtoull(field, NULL, 10);
	}
	fclose(f);
	return ns;
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info before = kt_info(dev);
	struct shmdev_remove rm;
	unsigned long long id = 0;
	char path[64];
	struct stat nsst;
	int pipefd[2];
	pid_t pid, p;

	if (geteuid() != 0)
		kt_skip("needs root to act as the administrator");
	if (!(before.features & SHMDEV_FEAT_ADMIN))
		kt_skip("module without SHMDEV_FEAT_ADMIN");
	if (pipe(pipefd))
		kt_fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		struct shmdev_stat st;
		int fd;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setgid(ALICE) || setuid(ALICE) ||
		    unshare(CLONE_NEWUSER | CLONE_NEWIPC))
			_exit(2);
		fd = kt_create(dev, "boxed", 1 << 20, SHMDEV_CREATE_PERSIST, 0600);
		if (fd < 0 || kt_stat(fd, &st))
			_exit(3);
		close(fd);
		if (write(pipefd[1], &st.id, sizeof(st.id)) != sizeof(st.id))
			_exit(4);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	if (read(pipefd[0], &id, sizeof(id)) != sizeof(id))
		kt_fail("no region id from the container");
	close(pipefd[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", pid);
	kt_ok(stat(path, &nsst));

	kt_eq(listed_ns("/proc/shmdev", id), 0);
	kt_eq(listed_ns("/proc/shmdev-all", id), nsst.st_ino);

	/* Invalid arguments, one each. */
	memset(&rm, 0, sizeof(rm));
	rm.id = id;
	rm.flags = 1;
	kt_eq(remove_raw(dev, SHMDEV_IOC_REMOVE, &rm), -EINVAL);
	rm.flags = 0;
	rm.pad = 1;
	kt_eq(remove_raw(dev, SHMDEV_IOC_REMOVE, &rm), -EINVAL);
	rm.pad = 0;
	rm.reserved[3] = 1;
	kt_eq(remove_raw(dev, SHMDEV_IOC_REMOVE, &rm), -EINVAL);
	rm.reserved[3] = 0;
	kt_eq(remove_raw(dev, _IOW(SHMDEV_IOC_MAGIC, 0x04, __u64), &rm),
	      -EINVAL);
	kt_eq(remove_id(dev, ~0ULL), -ENOENT);
	kt_eq(remove_id(dev, 0), -ENOENT);

	/* alice, outside the container too, may do none of it. */
	p = fork();
	if (p == 0) {
		if (setgroups(0, NULL) || setgid(ALICE) || setuid(ALICE))
			_exit(2);
		kt_errno(open("/proc/shmdev-all", O_RDONLY), EACCES);
		kt_eq(remove_id(dev, id), -EPERM);
		_exit(kt_failed);
	}
	kt_wait_child(p, "alice");

	/* Root removes it; the container's task is still alive. */
	kt_eq(remove_id(dev, id), 0);
	kt_eq(listed_ns("/proc/shmdev-all", id), 0);
	kt_eq(remove_id(dev, id), -ENOENT);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	kt_balanced(dev, &before);
	return kt_exit();
}
