// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping tricks that must not break a region's accounting or its bounds:
 * remap_file_pages(2), mremap(2) growth and moves, MADV_REMOVE, msync, and
 * a listing long enough to be read in several pieces.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "kt.h"

#define MiB (1024ull * 1024)

static int dev;

static void balanced(const struct shmdev_info *a)
{
	struct shmdev_info b;

	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	b = kt_info(dev);
	kt_eq(b.cur_regions, a->cur_regions);
	kt_eq(b.cur_bytes, a->cur_bytes);
	kt_eq(b.created - a->created, b.destroyed - a->destroyed);
}

static void remap_pages(void)
{
	struct shmdev_info a = kt_info(dev);
	struct shmdev_stat st;
	unsigned char *p;
	int fd, fd2;

	fd = kt_create(dev, "remap", 4 * MiB, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	p[2 * MiB] = 9;
	/* Remap the first 2 MiB onto the region's last 2 MiB. */
	kt_ok(remap_file_pages(p, 2 * MiB, 0, 512, 0));
	kt_eq(p[0], 9);
	close(fd);
	/* The remapped range still holds the region and counts as mapped. */
	fd2 = kt_open(dev, "remap", 0);
	kt_true(fd2 >= 0);
	if (fd2 >= 0) {
		kt_ok(kt_stat(fd2, &st));
		kt_eq(st.nmaps, 2);
		close(fd2);
	}
	munmap(p + 2 * MiB, 2 * MiB);
	kt_eq(kt_listed("remap"), 1);
	kt_eq(p[0], 9);
	munmap(p, 2 * MiB);
	balanced(&a);

	/* The only holder remapped: the region may go, accounting must agree. */
	fd = kt_create(dev, "remap2", 4 * MiB, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	if (remap_file_pages(p, 4 * MiB, 0, 0, 0) == 0)
		munmap(p, 4 * MiB);
	balanced(&a);

	/* A read-only mapping has nothing to remap writable. */
	fd = kt_create(dev, "remap3", MiB, 0, 0644);
	fd2 = kt_open(dev, "remap3", 0);
	if (fd >= 0 && fd2 >= 0) {
		p = mmap(NULL, MiB, PROT_READ, MAP_SHARED, fd2, 0);
		if (p != MAP_FAILED) {
			kt_errno(remap_file_pages(p, MiB, 0, 0, 0), EINVAL);
			kt_errno(mprotect(p, MiB, PROT_READ | PROT_WRITE),
				 EACCES);
			munmap(p, MiB);
		}
	}
	if (fd >= 0)
		close(fd);
	if (fd2 >= 0)
		close(fd2);
	balanced(&a);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* 1 if reading @p raises SIGBUS. */
static int sigbus_at(volatile unsigned char *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	int bus = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = 1;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

static void remap_grow_move(void)
{
	struct shmdev_info a = kt_info(dev);
	struct shmdev_stat st;
	unsigned char *p, *q;
	int fd;

	fd = kt_create(dev, NULL, 4 * MiB, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	p[1] = 11;
	/* mlock works on region memory. */
	kt_ok(mlock(p, 2 * MiB));
	kt_ok(munlock(p, 2 * MiB));
	/* Moving is fine and keeps one mapping. */
	q = mremap(p, 2 * MiB, 2 * MiB, MREMAP_MAYMOVE | MREMAP_FIXED,
		   p + 64 * MiB);
	if (q == MAP_FAILED) {
		kt_fail("mremap move: %s", strerror(errno));
		return;
	}
	kt_eq(q[1], 11);
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.nmaps, 1);
	/* msync and MADV_REMOVE reach shmem through the region. */
	kt_ok(msync(q, 2 * MiB, MS_SYNC));
	kt_ok(madvise(q, 2 * MiB, MADV_REMOVE));
	kt_eq(q[1], 0);
	kt_ok(mremap(q, 2 * MiB, MiB, 0) == MAP_FAILED ? -1 : 0);
	/* Grown past the region: still one mapping, freed with it. */
	q = mremap(q, MiB, 8 * MiB, MREMAP_MAYMOVE);
	if (q == MAP_FAILED) {
		kt_fail("mremap grow: %s", strerror(errno));
		return;
	}
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.nmaps, 1);
	kt_eq(sigbus_at(q + 6 * MiB), 1);
	kt_eq(sigbus_at(q + MiB), 0);
	munmap(q, 8 * MiB);
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.nmaps, 0);
	close(fd);
	balanced(&a);
}

/* More regions than one read of /proc/shmdev returns. */
static void long_listing(void)
{
	enum { N = 300 };
	struct shmdev_info a = kt_info(dev);
	int fd[N], i, made = 0;

	for (i = 0; i < N; i++) {
		fd[i] = kt_create(dev, NULL, 4096, 0, 0600);
		if (fd[i] >= 0)
			made++;
	}
	kt_eq(made, N);
	kt_eq(kt_listed(NULL), made);
	kt_eq(kt_info(dev).cur_regions, a.cur_regions + made);
	for (i = 0; i < N; i += 2)
		if (fd[i] >= 0)
			close(fd[i]);
	kt_eq(kt_listed(NULL), made - (N + 1) / 2);
	for (i = 1; i < N; i += 2)
		if (fd[i] >= 0)
			close(fd[i]);
	balanced(&a);
}

int main(void)
{
	dev = kt_open_dev();
	remap_pages();
	remap_grow_move();
	long_listing();
	close(dev);
	return kt_exit();
}
