// SPDX-License-Identifier: GPL-2.0
/*
 * No PERSIST region outlives its IPC namespace unless someone holds it.
 * An unprivileged user makes a user and IPC namespace of its own, creates
 * persistent, populated regions there and exits: nothing can name them
 * again, so the module must free them (they used to stay until reboot,
 * with the namespace, and keep the module loaded).  A region of a dead
 * namespace whose fd was passed out lives until that fd closes; one of a
 * namespace with a task left lives on.
 */
#include <sched.h>
#include <signal.h>
#include <grp.h>

#include "kt.h"

#define ALICE	1001
#define MiB	(1024UL * 1024)

/*
 * A child as alice in namespaces of its own: creates @n PERSIST regions
 * of 8 MiB, sends the first one's fd over @sock when asked, then lives
 * on until killed when @stay.
 */
static void strander(int dev, int n, int sock, int stay)
{
	char name[16];
	int i, fd, first = -1;

	if (setgroups(0, NULL) || setgid(ALICE) || setuid(ALICE) ||
	    unshare(CLONE_NEWUSER | CLONE_NEWIPC))
		_exit(3);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "leak%d", i);
		fd = kt_create(dev, name, 8 * MiB,
			       SHMDEV_CREATE_PERSIST | SHMDEV_CREATE_POPULATE, 0600);
		if (fd < 0)
			_exit(4);
		if (first < 0)
			first = fd;
		else
			close(fd);
	}
	if (sock >= 0 && kt_send_fd(sock, first, 0) != 1)
		_exit(5);
	close(first);
	if (stay) {
		if (write(sock, "r", 1) != 1)
			_exit(6);
		for (;;)
			pause();
	}
	_exit(0);
}

/* Wait up to @ms for cur_regions to be @want; returns what it was. */
static unsigned long long wait_regions(int dev, unsigned long long want,
				       int ms)
{
	unsigned long long n = kt_info(dev).cur_regions;

	while (n != want && ms > 0) {
		usleep(50000);
		ms -= 50;
		n = kt_info(dev).cur_regions;
	}
	return n;
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info before;
	int sv[2], fd;
	pid_t pid;
	char c;

	if (geteuid() != 0)
		kt_skip("needs root to act as another user");
	before = kt_info(dev);

	/* Three stranded regions: gone soon after their namespace. */
	pid = fork();
	if (pid == 0)
		strander(dev, 3, -1, 0);
	kt_wait_child(pid, "strander");
	kt_eq(wait_regions(dev, before.cur_regions, 10000), before.cur_regions);
	kt_balanced(dev, &before);

	/* A fd passed out of the dead namespace keeps its region alone. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		kt_fail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		strander(dev, 2, sv[1], 0);
	}
	close(sv[1]);
	fd = kt_recv_fd(sv[0]);
	close(sv[0]);
	kt_wait_child(pid, "strander with a fd out");
	kt_true(fd >= 0);
	kt_eq(wait_regions(dev, before.cur_regions + 1, 10000),
	      before.cur_regions + 1);
	sleep(2);
	kt_eq(kt_info(dev).cur_regions, before.cur_regions + 1);
	if (fd >= 0)
		close(fd);
	kt_eq(wait_regions(dev, before.cur_regions, 5000), before.cur_regions);

	/* A namespace with a task left keeps its names. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		kt_fail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		strander(dev, 1, sv[1], 1);
	}
	close(sv[1]);
	fd = kt_recv_fd(sv[0]);
	if (fd >= 0)
		close(fd);
	if (read(sv[0], &c, 1) != 1)
		kt_fail("strander did not settle");
	sleep(3);
	kt_eq(kt_info(dev).cur_regions, before.cur_regions + 1);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(sv[0]);
	kt_eq(wait_regions(dev, before.cur_regions, 10000), before.cur_regions);
	kt_balanced(dev, &before);
	return kt_exit();
}
