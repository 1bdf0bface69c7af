// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime: a region lives while an fd or a mapping holds it (across fork,
 * SCM_RIGHTS and opens by name) and is freed, name and memory, when the
 * last goes: also when the holder dies by SIGKILL.  PERSIST keeps it until
 * unlink.  Module unload is refused while a region exists.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#include "kt.h"

#define MiB (1024ull * 1024)

static int dev;

static void *map(int fd, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return NULL;
	}
	return p;
}

static void create_close(void)
{
	struct shmdev_info a, b;
	struct shmdev_stat st;
	struct timespec now;
	int fd;

	a = kt_info(dev);
	fd = kt_create(dev, "cc", 5000, SHMDEV_CREATE_EXCL, 0640);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	kt_eq(kt_listed("cc"), 1);
	kt_ok(kt_stat(fd, &st));
	clock_gettime(CLOCK_REALTIME, &now);
	kt_eq(st.size, 8192);
	kt_eq(st.mode, 0640);
	kt_eq(st.uid, geteuid());
	kt_eq(st.cuid, geteuid());
	kt_eq(st.gid, getegid());
	kt_eq(st.nfds, 1);
	kt_eq(st.nmaps, 0);
	kt_eq(st.cpid, getpid());
	kt_eq(st.fd_mode, SHMDEV_OPEN_RDWR);
	kt_eq(st.state, SHMDEV_STATE_NAMED | SHMDEV_STATE_LINKED);
	kt_true(!strcmp((char *)st.name, "cc"));
	kt_true(st.ctime_ns <= (uint64_t)now.tv_sec * 1000000000ull + now.tv_nsec);
	kt_true(st.ctime_ns + 60ull * 1000000000ull >
		(uint64_t)now.tv_sec * 1000000000ull);
	b = kt_info(dev);
	kt_eq(b.created, a.created + 1);
	kt_eq(b.cur_regions, a.cur_regions + 1);
	kt_eq(b.cur_bytes, a.cur_bytes + 8192);
	kt_true(b.peak_bytes >= b.cur_bytes);
	close(fd);
	kt_eq(kt_wait_listed("cc", 0, 2000), 0);
	kt_eq(kt_open(dev, "cc", 0), -ENOENT);
	b = kt_info(dev);
	kt_eq(b.destroyed, a.destroyed + 1);
	kt_eq(b.cur_regions, a.cur_regions);
	kt_eq(b.cur_bytes, a.cur_bytes);
}

/* Memory comes zeroed, and a mapping alone keeps the region. */
static void mapping_holds(void)
{
	struct shmdev_stat st;
	unsigned char *p;
	size_t i, len = 4 * MiB;
	int fd, nonzero = 0;

	fd = kt_create(dev, "maphold", len, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = map(fd, len, PROT_READ | PROT_WRITE);
	if (!p)
		return;
	for (i = 0; i < len; i += 512)
		nonzero |= p[i];
	kt_eq(nonzero, 0);
	memset(p, 0xa5, len);
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.nmaps, 1);
	close(fd);
	/* No fd left, the mapping holds it. */
	kt_eq(kt_listed("maphold"), 1);
	fd = kt_open(dev, "maphold", 0);
	kt_true(fd >= 0);
	if (fd >= 0) {
		kt_ok(kt_stat(fd, &st));
		kt_eq(st.nfds, 1);
		kt_eq(st.nmaps, 1);
		close(fd);
	}
	/* Split the mapping in two: two VMAs, still one region. */
	kt_ok(munmap(p + MiB, MiB));
	kt_eq(kt_listed("maphold"), 1);
	kt_eq(p[0], 0xa5);
	kt_eq(p[3 * MiB], 0xa5);
	munmap(p, MiB);
	kt_eq(kt_listed("maphold"), 1);
	munmap(p + 2 * MiB, 2 * MiB);
	kt_eq(kt_wait_listed("maphold", 0, 2000), 0);
}

static void fork_inherit(void)
{
	unsigned char *p;
	pid_t pid;
	int fd;

	fd = kt_create(dev, "forked", MiB, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = map(fd, MiB, PROT_READ | PROT_WRITE);
	if (!p)
		return;
	pid = fork();
	if (pid == 0) {
		unsigned char *q = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);

		if (q == MAP_FAILED)
			_exit(1);
		p[10] = 42;	/* through the inherited mapping */
		q[20] = 43;	/* through the inherited fd */
		_exit(0);
	}
	kt_wait_child(pid, "fork_inherit");
	kt_eq(p[10], 42);
	kt_eq(p[20], 43);
	munmap(p, MiB);
	close(fd);
	kt_eq(kt_wait_listed("forked", 0, 2000), 0);
}

static void scm_rights(void)
{
	int sv[2], fd;
	pid_t pid;

	kt_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	pid = fork();
	if (pid == 0) {
		unsigned char *q;
		int rfd;

		close(sv[0]);
		rfd = kt_recv_fd(sv[1]);
		if (rfd < 0)
			_exit(2);
		q = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
		if (q == MAP_FAILED || q[7] != 77)
			_exit(3);
		q[8] = 88;
		_exit(0);
	}
	close(sv[1]);
	/* Unnamed: fd passing is the only way to share it. */
	fd = kt_create(dev, NULL, MiB, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	{
		unsigned char *p = map(fd, MiB, PROT_READ | PROT_WRITE);

		if (p) {
			p[7] = 77;
			kt_ok(kt_send_fd(sv[0], fd, 0));
			kt_wait_child(pid, "scm_rights");
			kt_eq(p[8], 88);
			munmap(p, MiB);
		}
	}
	close(sv[0]);
	close(fd);
	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
}

/* A process that never had the fd opens it by name. */
static void open_by_name(void)
{
	unsigned char *p;
	pid_t pid;
	int fd;

	fd = kt_create(dev, "byname", MiB, SHMDEV_CREATE_CLOEXEC, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	kt_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	p = map(fd, MiB, PROT_READ | PROT_WRITE);
	if (!p)
		return;
	p[100] = 1;
	pid = fork();
	if (pid == 0) {
		int d, f;
		unsigned char *q;

		close(fd);
		close(dev);
		d = open("/dev/shmlist", O_RDWR);
		f = kt_open(d, "byname", SHMDEV_OPEN_RDWR);
		if (f < 0)
			_exit(2);
		if (fcntl(f, F_GETFD) & FD_CLOEXEC)
			_exit(3);
		q = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
		if (q == MAP_FAILED || q[100] != 1)
			_exit(4);
		q[101] = 2;
		_exit(0);
	}
	kt_wait_child(pid, "open_by_name");
	kt_eq(p[101], 2);
	munmap(p, MiB);
	close(fd);
	kt_eq(kt_wait_listed("byname", 0, 2000), 0);
}

/* The holder is killed while mapped: everything goes. */
static void sigkill(void)
{
	struct shmdev_info a, b;
	long long shmem0, shmem1;
	int ready[2];
	pid_t pid;
	char c;

	a = kt_info(dev);
	shmem0 = kt_meminfo("Shmem");
	kt_ok(pipe(ready));
	pid = fork();
	if (pid == 0) {
		unsigned char *q;
		int f;

		f = kt_create(dev, "killme", 32 * MiB, SHMDEV_CREATE_EXCL, 0600);
		if (f < 0)
			_exit(2);
		q = mmap(NULL, 32 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
		if (q == MAP_FAILED)
			_exit(3);
		memset(q, 1, 32 * MiB);
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		kt_fail("child did not get ready");
		return;
	}
	close(ready[0]);
	kt_eq(kt_listed("killme"), 1);
	shmem1 = kt_meminfo("Shmem");
	kt_true(shmem1 - shmem0 >= 30 * 1024);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	kt_eq(kt_wait_listed("killme", 0, 2000), 0);
	b = kt_info(dev);
	kt_eq(b.cur_regions, a.cur_regions);
	kt_eq(b.cur_bytes, a.cur_bytes);
	kt_eq(b.created - a.created, 1);
	kt_eq(b.destroyed - a.destroyed, 1);
	shmem1 = kt_meminfo("Shmem");
	kt_true(shmem1 - shmem0 < 1024);
}

static void persist_unlink(void)
{
	struct shmdev_stat st;
	unsigned char *p;
	int fd;

	fd = kt_create(dev, "keep", MiB, SHMDEV_CREATE_PERSIST, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = map(fd, MiB, PROT_READ | PROT_WRITE);
	if (p) {
		p[5] = 55;
		munmap(p, MiB);
	}
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.state, SHMDEV_STATE_NAMED | SHMDEV_STATE_LINKED |
			SHMDEV_STATE_PERSIST);
	close(fd);
	/* No user, still there, contents kept. */
	kt_eq(kt_listed("keep"), 1);
	fd = kt_open(dev, "keep", 0);
	kt_true(fd >= 0);
	if (fd < 0)
		return;
	p = map(fd, MiB, PROT_READ);
	if (p) {
		kt_eq(p[5], 55);
		/* Unlinked while in use: the name goes now, memory later. */
		kt_eq(kt_unlink(dev, "keep"), 0);
		kt_eq(kt_open(dev, "keep", 0), -ENOENT);
		kt_ok(kt_stat(fd, &st));
		kt_eq(st.state, SHMDEV_STATE_NAMED | SHMDEV_STATE_PERSIST);
		kt_eq(kt_listed("keep"), 1);
		/* The name is free for a new region. */
		{
			int fd2 = kt_create(dev, "keep", MiB, SHMDEV_CREATE_EXCL,
					    0600);

			kt_true(fd2 >= 0);
			if (fd2 >= 0)
				close(fd2);
		}
		munmap(p, MiB);
	}
	close(fd);
	kt_eq(kt_wait_listed("keep", 0, 2000), 0);

	/* Persist, close, unlink with no user: gone at once. */
	fd = kt_create(dev, "keep2", MiB, SHMDEV_CREATE_PERSIST, 0600);
	kt_true(fd >= 0);
	close(fd);
	kt_eq(kt_listed("keep2"), 1);
	kt_eq(kt_unlink(dev, "keep2"), 0);
	kt_eq(kt_wait_listed("keep2", 0, 2000), 0);
}

static void unload_refused(void)
{
	int fd = kt_create(dev, "pin", 4096, SHMDEV_CREATE_PERSIST, 0600);
	void *p;

	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	close(fd);
	/* Only a persistent name holds it now; unload must still fail. */
	errno = 0;
	if (syscall(SYS_delete_module, "shmdev", O_NONBLOCK) == 0) {
		kt_fail("module unloaded while a region existed");
		exit(1);	/* nothing after this can work */
	}
	kt_eq(errno, EWOULDBLOCK);
	kt_eq(kt_unlink(dev, "pin"), 0);
	kt_eq(kt_wait_listed("pin", 0, 2000), 0);

	/* A mapping alone, its fd closed, holds it too. */
	fd = kt_create(dev, "pinmap", 4096, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	errno = 0;
	if (syscall(SYS_delete_module, "shmdev", O_NONBLOCK) == 0) {
		kt_fail("module unloaded while a region was mapped");
		exit(1);
	}
	kt_eq(errno, EWOULDBLOCK);
	munmap(p, 4096);
	kt_eq(kt_wait_listed("pinmap", 0, 2000), 0);
}

int main(void)
{
	struct shmdev_info a;

	dev = kt_open_dev();
	a = kt_info(dev);
	create_close();
	mapping_holds();
	fork_inherit();
	scm_rights();
	open_by_name();
	sigkill();
	persist_unlink();
	unload_refused();
	kt_balanced(dev, &a);
	close(dev);
	return kt_exit();
}
