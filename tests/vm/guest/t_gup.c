// SPDX-License-Identifier: GPL-2.0
/*
 * Region memory is ordinary page cache, so get_user_pages works through a
 * mapping: process_vm_readv/writev from another process, and O_DIRECT
 * reads and writes of a block device (a loop device) into and out of it.
 */
#include <linux/loop.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "kt.h"

#define MiB (1024ull * 1024)

static void vm_readv(int dev)
{
	unsigned char *p, buf[4096];
	int fd, ready[2], done[2];
	struct iovec local, remote;
	pid_t pid;
	char c;
	size_t i;

	fd = kt_create(dev, NULL, 4 * MiB, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	kt_ok(pipe(ready));
	kt_ok(pipe(done));
	pid = fork();
	if (pid == 0) {
		unsigned char *q = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE,
					MAP_SHARED, fd, 0);

		if (q == MAP_FAILED)
			_exit(2);
		for (i = 0; i < 4 * MiB; i++)
			q[i] = (unsigned char)(i * 7);
		if (write(ready[1], &q, sizeof(q)) != sizeof(q))
			_exit(3);
		if (read(done[0], &c, 1) != 1)
			_exit(4);
		/* The parent wrote into our mapping. */
		_exit(q[3 * MiB] == 0xee ? 0 : 5);
	}
	if (read(ready[0], &p, sizeof(p)) != sizeof(p)) {
		kt_fail("child did not report its mapping");
		return;
	}
	/* Read the child's mapping across the 2 MiB boundary. */
	local.iov_base = buf;
	local.iov_len = sizeof(buf);
	remote.iov_base = p + 2 * MiB - 2048;
	remote.iov_len = sizeof(buf);
	kt_eq(process_vm_readv(pid, &local, 1, &remote, 1, 0), sizeof(buf));
	for (i = 0; i < sizeof(buf); i++)
		if (buf[i] != (unsigned char)((2 * MiB - 2048 + i) * 7)) {
			kt_fail("process_vm_readv byte %zu differs", i);
			break;
		}
	buf[0] = 0xee;
	local.iov_len = 1;
	remote.iov_base = p + 3 * MiB;
	remote.iov_len = 1;
	kt_eq(process_vm_writev(pid, &local, 1, &remote, 1, 0), 1);
	kt_ok(write(done[1], "d", 1));
	kt_wait_child(pid, "vm_readv");
	close(fd);
}

/* Attach @file to a free loop device; returns the open device or -1. */
static int loop_attach(int file, char *path, size_t len)
{
	int ctl, n, lfd;

	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0)
		return -1;
	n = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (n < 0)
		return -1;
	snprintf(path, len, "/dev/loop%d", n);
	lfd = open(path, O_RDWR);
	if (lfd < 0)
		return -1;
	if (ioctl(lfd, LOOP_SET_FD, file) < 0) {
		close(lfd);
		return -1;
	}
	return lfd;
}

static void o_direct(int dev)
{
	char tmpl[] = "/tmp/shmdev-loop-XXXXXX", path[64];
	unsigned char *p, *src;
	int fd, file, lfd, dfd;
	size_t len = 4 * MiB, i;

	if (system("modprobe loop 2>/dev/null")) {
		/* built in, or not there: loop-control tells */
	}
	file = mkstemp(tmpl);
	if (file < 0) {
		kt_fail("mkstemp: %s", strerror(errno));
		return;
	}
	unlink(tmpl);
	src = malloc(len);
	for (i = 0; i < len; i++)
		src[i] = (unsigned char)(i * 13 + 1);
	kt_eq(write(file, src, len), len);
	lfd = loop_attach(file, path, sizeof(path));
	if (lfd < 0) {
		kt_fail("no loop device for O_DIRECT: %s", strerror(errno));
		return;
	}
	dfd = open(path, O_RDWR | O_DIRECT);
	if (dfd < 0) {
		kt_fail("open %s O_DIRECT: %s", path, strerror(errno));
		goto out_detach;
	}
	fd = kt_create(dev, NULL, len, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		goto out_close;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		goto out_region;
	}
	/* Device -> region (the device writes into our pages). */
	kt_eq(pread(dfd, p, len, 0), len);
	kt_true(!memcmp(p, src, len));
	/* Region -> device (the device reads our pages). */
	for (i = 0; i < len; i++)
		p[i] ^= 0xff;
	kt_eq(pwrite(dfd, p + MiB, 2 * MiB, MiB), 2 * MiB);
	kt_ok(fsync(dfd));
	memset(src, 0, len);
	kt_eq(pread(dfd, p, len, 0), len);
	for (i = MiB; i < 3 * MiB; i++)
		if (p[i] != (unsigned char)((i * 13 + 1) ^ 0xff)) {
			kt_fail("O_DIRECT write: byte %zu differs", i);
			break;
		}
	munmap(p, len);
out_region:
	close(fd);
out_close:
	close(dfd);
out_detach:
	ioctl(lfd, LOOP_CLR_FD, 0);
	close(lfd);
	close(file);
	free(src);
}

int main(void)
{
	int dev = kt_open_dev();

	vm_readv(dev);
	o_direct(dev);
	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	close(dev);
	return kt_exit();
}
