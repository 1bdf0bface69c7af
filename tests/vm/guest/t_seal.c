// SPDX-License-Identifier: GPL-2.0
/*
 * SEAL: memfd's seals on a named region.  Grow and shrink seals refuse
 * RESIZE; the write seal waits for no mapping that could write (mprotect
 * included) and then leaves the memory unchangeable: no PROT_WRITE map,
 * no mprotect to write, no read-write open; the future-write seal leaves
 * existing writable mappings and refuses new ones; the seal seal ends
 * sealing.  Seals only grow, show in STAT and /proc/shmdev, and every
 * invalid argument gives its error.  A write seal racing processes that
 * map and mprotect leaves no writable mapping once it succeeds.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kt.h"

#define PG 4096ull
#define MiB (1024ull * 1024)

static unsigned int seals_of(int fd)
{
	struct shmdev_stat st;

	if (kt_stat(fd, &st))
		kt_fail("STAT: %s", strerror(errno));
	return st.seals;
}

/*
 * The seals field of @name's line in /proc/shmdev (the 16th, before the
 * generation), or "" when missing.
 */
static void listed_seals(const char *name, char *out, size_t len)
{
	char line[1024], n[SHMDEV_NAME_SIZE + 1], seals[64];
	FILE *f = fopen("/proc/shmdev", "r");

	*out = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || sscanf(line, "%*u %256s", n) != 1 ||
		    strcmp(n, name))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %63s %*u",
			   seals) == 1)
			snprintf(out, len, "%s", seals);
	}
	fclose(f);
}

static void grow_shrink(int dev)
{
	char s[64];
	int fd, ro;

	fd = kt_create(dev, "sl-size", 4 * PG, SHMDEV_CREATE_EXCL, 0600);
	ro = kt_open(dev, "sl-size", 0);
	kt_true(fd >= 0 && ro >= 0);
	/* Reading needs no write access. */
	kt_eq(kt_seal(ro, 0), 0);
	listed_seals("sl-size", s, sizeof(s));
	kt_true(!strcmp(s, "-"));

	kt_eq(kt_seal(fd, SHMDEV_SEAL_GROW), SHMDEV_SEAL_GROW);
	kt_eq(kt_resize(fd, 8 * PG), -EPERM);
	kt_eq(kt_resize(fd, 2 * PG), 1);
	kt_eq(kt_seal(fd, SHMDEV_SEAL_SHRINK),
	      SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK);
	kt_eq(kt_resize(fd, PG), -EPERM);
	kt_eq(kt_resize(fd, 2 * PG), 1);	/* no change: allowed */
	/* Adding a seal already in force succeeds. */
	kt_eq(kt_seal(fd, SHMDEV_SEAL_GROW),
	      SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK);
	kt_eq(seals_of(ro), SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK);
	listed_seals("sl-size", s, sizeof(s));
	kt_true(!strcmp(s, "grow,shrink"));

	kt_eq(kt_seal(fd, SHMDEV_SEAL_SEAL),
	      SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK | SHMDEV_SEAL_SEAL);
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), -EPERM);
	kt_eq(kt_seal(fd, SHMDEV_SEAL_SEAL), -EPERM);
	kt_eq(kt_seal(fd, 0),
	      SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK | SHMDEV_SEAL_SEAL);
	close(ro);
	close(fd);
}

static void write_seal(int dev)
{
	struct shmdev_info a = kt_info(dev);
	char *w, *r, *r2, s[64];
	pid_t pid;
	int fd, ro, sock[2];

	fd = kt_create(dev, "sl-write", 2 * PG, SHMDEV_CREATE_EXCL, 0666);
	ro = kt_open(dev, "sl-write", 0);
	kt_true(fd >= 0 && ro >= 0);
	w = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	kt_true(w != MAP_FAILED);
	strcpy(w, "sealed");

	/* A writable mapping, then a read-only one of a read-write fd. */
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), -EBUSY);
	kt_eq(kt_seal(ro, SHMDEV_SEAL_WRITE), -EBADF);
	munmap(w, 2 * PG);
	r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	kt_true(r != MAP_FAILED);
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), -EBUSY);
	munmap(r, PG);
	/* A writable mapping in a child, made by fork. */
	w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	kt_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sock));
	pid = fork();
	if (pid == 0) {
		char c;

		if (read(sock[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	munmap(w, PG);
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), -EBUSY);
	kt_ok(write(sock[0], "x", 1));
	kt_wait_child(pid, "holding a writable mapping");
	close(sock[0]);
	close(sock[1]);
	/* A read-only fd's mapping never could write. */
	r2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	kt_true(r2 != MAP_FAILED);

	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), SHMDEV_SEAL_WRITE);
	kt_eq(seals_of(ro), SHMDEV_SEAL_WRITE);
	listed_seals("sl-write", s, sizeof(s));
	kt_true(!strcmp(s, "write"));

	/* No new way to write. */
	kt_true(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
		MAP_FAILED);
	kt_eq(errno, EPERM);
	r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	kt_true(r != MAP_FAILED);
	kt_errno(mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES);
	kt_true(!strcmp(r, "sealed"));
	kt_eq(kt_open(dev, "sl-write", SHMDEV_OPEN_RDWR), -EPERM);
	kt_eq(kt_create(dev, "sl-write", PG, 0, 0600), -EPERM);
	close(ro);
	ro = kt_open(dev, "sl-write", 0);
	kt_true(ro >= 0);
	kt_true(!strcmp(r2, "sealed"));
	/* Other seals can still be added, and resizing is not a write. */
	kt_eq(kt_seal(fd, SHMDEV_SEAL_FUTURE_WRITE),
	      SHMDEV_SEAL_WRITE | SHMDEV_SEAL_FUTURE_WRITE);
	kt_eq(kt_resize(fd, 3 * PG), 1);
	munmap(r, PG);
	munmap(r2, PG);
	close(ro);
	close(fd);
	kt_balanced(dev, &a);
}

static void future_write(int dev)
{
	char *w, *r;
	int fd;

	fd = kt_create(dev, "sl-future", PG, SHMDEV_CREATE_EXCL, 0600);
	kt_true(fd >= 0);
	w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	kt_true(w != MAP_FAILED);
	/* A hole punched through a mapping is a write. */
	w[0] = 'x';
	kt_ok(madvise(w, PG, MADV_REMOVE));
	kt_eq(w[0], 0);
	/* Never -EBUSY: existing writers stay. */
	kt_eq(kt_seal(fd, SHMDEV_SEAL_FUTURE_WRITE), SHMDEV_SEAL_FUTURE_WRITE);
	strcpy(w, "still");
	/* ...but no punch, as memfd's shmem_fallocate() refuses it. */
	kt_errno(madvise(w, PG, MADV_REMOVE), EPERM);
	kt_true(!strcmp(w, "still"));
	r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	kt_true(r != MAP_FAILED);
	kt_true(!strcmp(r, "still"));
	kt_errno(mprotect(r, PG, PROT_READ | PROT_WRITE), EACCES);
	kt_true(mmap(NULL, PG, PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	kt_eq(errno, EPERM);
	kt_eq(kt_open(dev, "sl-future", SHMDEV_OPEN_RDWR), -EPERM);
	/* The write seal still waits for the old writable mapping. */
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), -EBUSY);
	munmap(w, PG);
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE),
	      SHMDEV_SEAL_FUTURE_WRITE | SHMDEV_SEAL_WRITE);
	munmap(r, PG);
	close(fd);
}

static void invalid(int dev)
{
	struct shmdev_seal sl;
	int fd;

	fd = kt_create(dev, NULL, PG, 0, 0600);
	kt_true(fd >= 0);
	kt_eq(kt_seal(fd, 0x20), -EINVAL);
	kt_eq(kt_seal(fd, 1u << 31), -EINVAL);
	memset(&sl, 0, sizeof(sl));
	sl.flags = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_SEAL, &sl), EINVAL);
	sl.flags = 0;
	sl.pad = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_SEAL, &sl), EINVAL);
	sl.pad = 0;
	sl.reserved[0] = 1;
	kt_errno(ioctl(fd, SHMDEV_IOC_SEAL, &sl), EINVAL);
	sl.reserved[0] = 0;
	kt_errno(ioctl(dev, SHMDEV_IOC_SEAL, &sl), ENOTTY);
	kt_errno(ioctl(fd, SHMDEV_IOC_SEAL, NULL), EFAULT);
	kt_eq(seals_of(fd), 0);
	close(fd);
}

/*
 * io_uring fixed buffers pin the pages of a writable mapping; unmapping
 * leaves the pin, which the write seal must refuse.
 */
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#define __NR_io_uring_register 427
#endif
struct kt_uring_params { unsigned int w[30]; };

static void pinned(int dev)
{
	struct kt_uring_params params;
	struct iovec iov;
	int fd, ring;
	char *w;

	memset(&params, 0, sizeof(params));
	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0) {
		printf("pinned: skipped, no io_uring here (%s)\n",
		       strerror(errno));
		return;
	}
	fd = kt_create(dev, NULL, 2 * PG, 0, 0600);
	kt_true(fd >= 0);
	w = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	kt_true(w != MAP_FAILED);
	w[0] = 1;
	iov.iov_base = w;
	iov.iov_len = 2 * PG;
	/* IORING_REGISTER_BUFFERS = 0 */
	if (syscall(__NR_io_uring_register, ring, 0, &iov, 1) < 0) {
		printf("pinned: skipped, io_uring cannot pin this mapping here (%s)\n",
		       strerror(errno));
		goto out;
	}
	munmap(w, 2 * PG);
	w = MAP_FAILED;
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), -EBUSY);
	/* IORING_UNREGISTER_BUFFERS = 1 */
	kt_ok(syscall(__NR_io_uring_register, ring, 1, NULL, 0));
	kt_eq(kt_seal(fd, SHMDEV_SEAL_WRITE), SHMDEV_SEAL_WRITE);
out:
	if (w != MAP_FAILED)
		munmap(w, 2 * PG);
	close(ring);
	close(fd);
}

/* Whether @pid has a writable shared mapping of a region now. */
static int writable_mapped(pid_t pid)
{
	char path[64], line[512], perms[8];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "shmdev") &&
		    sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w')
			found = 1;
	fclose(f);
	return found;
}

/*
 * Processes map writable, map read-only then mprotect to write, and write
 * what they can, while the write seal is tried until it succeeds.  From
 * then on nobody has a writable mapping and the memory stays as it was.
 */
static void race(int dev)
{
	unsigned char before[PG];
	pid_t kids[3];
	int fd, k, tries = 0, ret;
	char *view;

	fd = kt_create(dev, NULL, PG, 0, 0600);
	kt_true(fd >= 0);
	for (k = 0; k < 3; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			unsigned char n = 0;

			for (;;) {
				char *p = mmap(NULL, PG, k == 2 ? PROT_READ :
					       PROT_READ | PROT_WRITE,
					       MAP_SHARED, fd, 0);

				if (p == MAP_FAILED)
					continue;
				if (k == 2 && mprotect(p, PG, PROT_READ |
						       PROT_WRITE)) {
					munmap(p, PG);
					continue;
				}
				p[k] = ++n;
				munmap(p, PG);
			}
		}
	}
	do {
		ret = kt_seal(fd, SHMDEV_SEAL_WRITE);
		tries++;
	} while (ret == -EBUSY && tries < 1000000);
	kt_eq(ret, SHMDEV_SEAL_WRITE);
	view = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	kt_true(view != MAP_FAILED);
	memcpy(before, view, PG);
	usleep(200000);
	for (k = 0; k < 3; k++) {
		kill(kids[k], SIGSTOP);
		waitpid(kids[k], NULL, WUNTRACED);
		kt_eq(writable_mapped(kids[k]), 0);
	}
	kt_true(!memcmp(before, view, PG));
	for (k = 0; k < 3; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
	printf("race: write seal took %d tries\n", tries);
	munmap(view, PG);
	close(fd);
}

int main(void)
{
	int dev = kt_open_dev();

	kt_need_features(dev, SHMDEV_FEAT_SEAL | SHMDEV_FEAT_RESIZE);
	grow_shrink(dev);
	write_seal(dev);
	future_write(dev);
	invalid(dev);
	pinned(dev);
	race(dev);
	return kt_exit();
}
