// SPDX-License-Identifier: GPL-2.0
/*
 * The doorbell: any holder rings a region; each region file is readable
 * (poll, select, epoll) while it has events it has not acknowledged, and
 * read(2) or NOTIFY's ACK returns how many and acknowledges them.  A new
 * file starts at the count; dup'd and passed fds share a cursor; it works
 * across processes and IPC namespaces; resizes ring it; 10^5 rings from
 * several processes reach several waiters with none lost; every invalid
 * argument gives its error.
 */
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include "kt.h"

#define PG 4096ull

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, ms);

	return n == 1 && (p.revents & POLLIN);
}

static unsigned long long read_count(int fd)
{
	unsigned long long n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n))
		kt_fail("read: %s", strerror(errno));
	return n;
}

static void basics(int dev)
{
	struct shmdev_notify n;
	struct shmdev_stat st;
	int fd, ro, late, flags;
	unsigned char buf[8];

	fd = kt_create(dev, "bell", PG, SHMDEV_CREATE_EXCL, 0644);
	ro = kt_open(dev, "bell", 0);
	kt_true(fd >= 0 && ro >= 0);
	kt_eq(readable(fd, 0), 0);
	kt_eq(readable(ro, 0), 0);

	/* A read-only holder rings too; the ringer's own file sees it. */
	kt_eq(kt_notify(ro, SHMDEV_NOTIFY_RING, &n), 0);
	kt_eq(n.events, 1);
	kt_eq(n.pending, 1);
	kt_eq(readable(fd, 0), 1);
	kt_eq(readable(ro, 0), 1);
	/* A file made now starts at the count. */
	late = kt_open(dev, "bell", 0);
	kt_true(late >= 0);
	kt_eq(readable(late, 0), 0);

	kt_eq(kt_notify(ro, SHMDEV_NOTIFY_RING, &n), 0);
	kt_eq(kt_notify(ro, 0, &n), 0);
	kt_eq(n.events, 2);
	kt_eq(n.pending, 2);
	kt_eq(read_count(fd), 2);
	kt_eq(readable(fd, 0), 0);
	kt_eq(read_count(late), 1);
	/* ACK acknowledges; the count is in STAT. */
	kt_eq(kt_notify(ro, SHMDEV_NOTIFY_ACK, &n), 0);
	kt_eq(n.pending, 2);
	kt_eq(readable(ro, 0), 0);
	kt_eq(kt_notify(ro, SHMDEV_NOTIFY_ACK, &n), 0);
	kt_eq(n.pending, 0);
	kt_eq(kt_stat(ro, &st), 0);
	kt_eq(st.events, 2);
	kt_eq(st.seen, 2);
	/* Ring and acknowledge at once. */
	kt_eq(kt_notify(ro, SHMDEV_NOTIFY_RING | SHMDEV_NOTIFY_ACK, &n), 0);
	kt_eq(n.events, 3);
	kt_eq(n.pending, 1);
	kt_eq(readable(ro, 0), 0);
	kt_eq(readable(fd, 0), 1);
	kt_eq(read_count(fd), 1);

	/* Non-blocking read of nothing, and a short buffer. */
	flags = fcntl(fd, F_GETFL);
	kt_ok(fcntl(fd, F_SETFL, flags | O_NONBLOCK));
	kt_errno(read(fd, buf, sizeof(buf)), EAGAIN);
	kt_errno(read(fd, buf, sizeof(buf) - 1), EINVAL);
	kt_ok(fcntl(fd, F_SETFL, flags));

	/* A resize rings. */
	kt_eq(kt_resize(fd, 2 * PG), 1);
	kt_eq(read_count(late), 2);
	kt_eq(read_count(fd), 1);
	close(late);
	close(ro);
	close(fd);
}

/* dup'd fds share a cursor; epoll and select see the doorbell. */
static void shared_and_loops(int dev)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct shmdev_notify n;
	struct timeval tv = { 0, 0 };
	int fd, dup_fd, ep;
	fd_set set;

	fd = kt_create(dev, NULL, PG, 0, 0600);
	kt_true(fd >= 0);
	dup_fd = dup(fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	kt_ok(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	kt_eq(epoll_wait(ep, &out, 1, 0), 0);
	kt_eq(kt_notify(fd, SHMDEV_NOTIFY_RING, &n), 0);
	kt_eq(epoll_wait(ep, &out, 1, 1000), 1);
	FD_ZERO(&set);
	FD_SET(fd, &set);
	kt_eq(select(fd + 1, &set, NULL, NULL, &tv), 1);
	kt_eq(read_count(dup_fd), 1);
	kt_eq(readable(fd, 0), 0);
	kt_eq(epoll_wait(ep, &out, 1, 0), 0);
	close(ep);
	close(dup_fd);
	close(fd);
}

/* A blocked reader in another process and another IPC namespace. */
static void across(int dev)
{
	int fd, sock[2], got;
	struct shmdev_notify n;
	pid_t pid;

	fd = kt_create(dev, NULL, PG, 0, 0600);
	kt_true(fd >= 0);
	kt_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sock));
	pid = fork();
	if (pid == 0) {
		int rfd;

		/* A ring that wakes nobody must fail the test, not hang it. */
		alarm(30);
		if (unshare(CLONE_NEWIPC))
			_exit(3);
		rfd = kt_recv_fd(sock[1]);
		if (rfd < 0)
			_exit(4);
		/* Passed: the sender's file, its cursor at 0. */
		if (kt_notify(rfd, SHMDEV_NOTIFY_RING | SHMDEV_NOTIFY_ACK,
			      &n) || n.events != 1 || n.pending != 1)
			_exit(5);
		if (write(sock[1], "r", 1) != 1)
			_exit(6);
		/* Blocks until the parent rings. */
		if (read_count(rfd) != 1 || kt_failed)
			_exit(7);
		_exit(0);
	}
	kt_true(kt_send_fd(sock[0], fd, 0) == 1);
	/* The child rang and acknowledged, for the file both hold. */
	got = read(sock[0], &got, 1);
	kt_eq(got, 1);
	kt_eq(readable(fd, 0), 0);
	usleep(100000);
	kt_eq(kt_notify(fd, SHMDEV_NOTIFY_RING, &n), 0);
	kt_wait_child(pid, "reading across namespaces");
	close(sock[1]);
	close(sock[0]);
	close(fd);
}

#define RINGERS 2
#define WAITERS 3
#define RINGS 100000

/*
 * RINGS rings from RINGERS processes; WAITERS processes, each with its own
 * file, poll and read until they have counted RINGS: every ring is seen
 * by every file exactly once, and no waiter sleeps through one.
 */
static void no_lost(int dev)
{
	pid_t ringers[RINGERS], waiters[WAITERS];
	int fd, k;

	fd = kt_create(dev, "bell-many", PG, SHMDEV_CREATE_EXCL, 0600);
	kt_true(fd >= 0);
	for (k = 0; k < WAITERS; k++) {
		waiters[k] = fork();
		if (waiters[k] == 0) {
			int w = kt_open(dev, "bell-many", 0);
			unsigned long long total = 0;

			if (w < 0)
				_exit(2);
			/* The file exists before the first ring. */
			kill(getpid(), SIGSTOP);
			while (total < RINGS) {
				if (!readable(w, 20000)) {
					printf("waiter %d: no wake-up at %llu of %d\n",
					       k, total, RINGS);
					_exit(1);
				}
				total += read_count(w);
			}
			_exit(total == RINGS && !kt_failed ? 0 : 1);
		}
		waitpid(waiters[k], NULL, WUNTRACED);
	}
	for (k = 0; k < WAITERS; k++)
		kill(waiters[k], SIGCONT);
	for (k = 0; k < RINGERS; k++) {
		ringers[k] = fork();
		if (ringers[k] == 0) {
			struct shmdev_notify n;
			int i;

			for (i = 0; i < RINGS / RINGERS; i++)
				if (kt_notify(fd, SHMDEV_NOTIFY_RING, &n))
					_exit(1);
			_exit(0);
		}
	}
	for (k = 0; k < RINGERS; k++)
		kt_wait_child(ringers[k], "ringing");
	for (k = 0; k < WAITERS; k++)
		kt_wait_child(waiters[k], "counting every ring");
	close(fd);
}

static void invalid(int dev)
{
	struct shmdev_notify n;
	int fd;

	fd = kt_create(dev, NULL, PG, 0, 0600);
	kt_true(fd >= 0);
	memset(&n, 0, sizeof(n));
	n.flags = 4;
	kt_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, &n), EINVAL);
	n.flags = 1u << 31;
	kt_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, &n), EINVAL);
	n.flags = SHMDEV_NOTIFY_RING;
	n.pad = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, &n), EINVAL);
	n.pad = 0;
	n.reserved[1] = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, &n), EINVAL);
	n.reserved[1] = 0;
	kt_errno(ioctl(dev, SHMDEV_IOC_NOTIFY, &n), ENOTTY);
	kt_errno(ioctl(fd, SHMDEV_IOC_NOTIFY, NULL), EFAULT);
	/* None of those rang. */
	kt_eq(kt_notify(fd, 0, &n), 0);
	kt_eq(n.events, 0);
	close(fd);
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info a;

	kt_need_features(dev, SHMDEV_FEAT_NOTIFY | SHMDEV_FEAT_RESIZE);
	a = kt_info(dev);
	basics(dev);
	shared_and_loops(dev);
	across(dev);
	no_lost(dev);
	invalid(dev);
	kt_balanced(dev, &a);
	return kt_exit();
}
