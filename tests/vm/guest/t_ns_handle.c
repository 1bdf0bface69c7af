// SPDX-License-Identifier: GPL-2.0
/*
 * A namespace whose names were reaped cannot be entered again.  From 6.18
 * a namespace can be reopened by its nsfs file handle (open_by_handle_at()
 * on FD_NSFS_ROOT) for as long as it lives.  A child makes an IPC
 * namespace, links a PERSIST name and a plain name there, hands out the
 * plain region's fd and the namespace's handle, and exits.  The fd keeps
 * its region alive, but not the namespace: once the reaper has unlinked
 * the names (the PERSIST region goes), the handle must not open, or, if
 * it does, the namespace entered must still have its names.  Before 6.18
 * there are no namespace handles: skip.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include "kt.h"

#ifndef FD_NSFS_ROOT
#define FD_NSFS_ROOT	-10003
#endif

struct handle {
	struct file_handle fh;
	unsigned char bytes[MAX_HANDLE_SZ];
};

/* In a new IPC namespace: two names, then the fd and the handle out. */
static void __attribute__((noreturn)) maker(int dev, int sock, int out)
{
	struct handle h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int fd, nsfd, mnt;

	if (unshare(CLONE_NEWIPC))
		_exit(3);
	if (kt_create(dev, "kept", 65536, SHMDEV_CREATE_PERSIST, 0600) < 0)
		_exit(4);
	fd = kt_create(dev, "held", 65536, 0, 0600);
	if (fd < 0)
		_exit(5);
	nsfd = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		_exit(6);
	if (name_to_handle_at(nsfd, "", &h.fh, &mnt, AT_EMPTY_PATH))
		_exit(7);
	if (kt_send_fd(sock, fd, 0) != 1 ||
	    write(out, &h, sizeof(h)) != sizeof(h))
		_exit(8);
	_exit(0);
}

/* In the namespace @nsfd names: whether both names are there. */
static int names_there(int nsfd)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0) {
		int dev;

		if (setns(nsfd, CLONE_NEWIPC))
			_exit(2);
		dev = kt_open_dev();
		_exit(kt_open(dev, "kept", 0) >= 0 && kt_open(dev, "held", 0) >= 0 ?
		      0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		kt_fail("the child in the reopened namespace failed");
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	int dev = kt_open_dev(), sv[2], pfd[2], fd, nsfd, st = 0;
	struct shmdev_info before = kt_info(dev);
	unsigned long long n;
	struct handle h;
	pid_t pid;
	int ms;

	if (geteuid() != 0)
		kt_skip("needs root to make an IPC namespace");
	nsfd = open("/proc/self/ns/ipc", O_RDONLY | O_CLOEXEC);
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (nsfd < 0 || name_to_handle_at(nsfd, "", &h.fh, &st, AT_EMPTY_PATH))
		kt_skip("no nsfs file handles in this kernel (6.18 has them)");
	close(nsfd);
	kt_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	kt_ok(pipe(pfd));
	pid = fork();
	if (pid == 0)
		maker(dev, sv[1], pfd[1]);
	close(sv[1]);
	close(pfd[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		kt_fail("the maker did not exit");
	if (WEXITSTATUS(st))
		kt_fail("the maker failed at step %d", WEXITSTATUS(st));
	fd = kt_recv_fd(sv[0]);
	kt_true(fd >= 0);
	kt_eq(read(pfd[0], &h, sizeof(h)), (ssize_t)sizeof(h));

	/* The PERSIST region goes with its name; the held one stays. */
	for (ms = 10000, n = kt_info(dev).cur_regions;
	     n != before.cur_regions + 1 && ms > 0; ms -= 50) {
		usleep(50000);
		n = kt_info(dev).cur_regions;
	}
	kt_eq(n, before.cur_regions + 1);

	nsfd = open_by_handle_at(FD_NSFS_ROOT, &h.fh, O_RDONLY | O_CLOEXEC);
	if (nsfd >= 0) {
		/* Alive after all: then nothing may have gone from it. */
		kt_true(names_there(nsfd));
		close(nsfd);
	} else {
		printf("ns_handle: reopening the reaped namespace: %s\n",
		       strerror(errno));
	}

	/* The held region still works, and goes with its fd. */
	if (fd >= 0) {
		struct shmdev_stat stt;

		kt_ok(kt_stat(fd, &stt));
		kt_eq(stt.state & SHMDEV_STATE_LINKED, 0);
		close(fd);
	}
	kt_balanced(dev, &before);
	return kt_exit();
}
