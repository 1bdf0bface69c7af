// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection (debug kernel): step the N-th allocation failure
 * (/proc/thread-self/fail-nth, with failslab and fail_page_alloc set to
 * also fail sleeping allocations) through create, populate, open and mmap
 * until each call gets through.  Every injected failure must give a clean
 * negative errno and leave nothing behind; kmemleak then checks for leaks
 * (the guest's init scans it last).
 */
#include <sys/mman.h>

#include "kt.h"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int fail_nth(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	return write_str("/proc/thread-self/fail-nth", buf);
}

/* Whether the last armed failure fired (fail-nth reads back 0). */
static int fired(void)
{
	char buf[16] = "";
	int fd = open("/proc/thread-self/fail-nth", O_RDONLY);

	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	write_str("/proc/thread-self/fail-nth", "0");
	return atoi(buf) == 0;
}

/* Step failures through @op until it succeeds; returns the steps. */
static int step(const char *what, int (*op)(int dev), int dev)
{
	struct shmdev_info a = kt_info(dev);
	int n, ret;

	for (n = 1; n < 2000; n++) {
		fail_nth(n);
		ret = op(dev);
		if (!fired()) {
			if (ret < 0)
				kt_fail("%s: failed with %d without an injected fault",
					what, ret);
			break;
		}
		if (ret >= 0) {
			/* Some failures are absorbed (fallbacks): fine. */
			continue;
		}
		if (ret != -ENOMEM && ret != -EFAULT && ret != -EINTR &&
		    ret != -ENOSPC && ret != -EMFILE && ret != -ENFILE)
			kt_fail("%s: fault %d gave %d (%s)", what, n, ret,
				strerror(-ret));
		kt_eq(kt_listed(NULL), (int)a.cur_regions);
		kt_balanced(dev, &a);
	}
	printf("%s: %d allocation points failed in turn\n", what, n - 1);
	kt_eq(kt_wait_listed(NULL, (int)a.cur_regions, 3000), (int)a.cur_regions);
	kt_balanced(dev, &a);
	return n - 1;
}

static int op_create(int dev)
{
	int fd = kt_create(dev, "fi", 8 << 20, SHMDEV_CREATE_EXCL, 0600);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static int op_populate(int dev)
{
	int fd = kt_create(dev, NULL, 4 << 20, SHMDEV_CREATE_POPULATE, 0600);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

/* Opens "fi-open", which main() keeps alive (and listed) meanwhile. */
static int op_open(int dev)
{
	int fd = kt_open(dev, "fi-open", SHMDEV_OPEN_RDWR);

	if (fd >= 0)
		close(fd);
	return fd < 0 ? fd : 0;
}

static int op_mmap(int dev)
{
	int fd = kt_create(dev, NULL, 4 << 20, 0, 0600), ret = 0;
	unsigned char *p;

	if (fd < 0)
		return fd;
	p = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
	} else {
		munmap(p, 4 << 20);
	}
	close(fd);
	return ret;
}

int main(void)
{
	int dev = kt_open_dev();

	if (access("/proc/thread-self/fail-nth", F_OK))
		kt_skip("no fault injection in this kernel (needs CONFIG_FAULT_INJECTION, the debug kernel has it)");
	if (write_str("/sys/kernel/debug/failslab/ignore-gfp-wait", "N") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N") ||
	    write_str("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N"))
		kt_skip("cannot set up failslab/fail_page_alloc in debugfs");
	write_str("/sys/kernel/debug/fail_page_alloc/min-order", "0");
	step("create", op_create, dev);
	step("populate", op_populate, dev);
	{
		int keep = kt_create(dev, "fi-open", 4096, SHMDEV_CREATE_EXCL, 0600);

		kt_true(keep >= 0);
		step("open", op_open, dev);
		if (keep >= 0)
			close(keep);
	}
	step("mmap", op_mmap, dev);
	close(dev);
	return kt_exit();
}
