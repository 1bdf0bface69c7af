// SPDX-License-Identifier: GPL-2.0
/*
 * Memory policy through a region's mapping: mbind(2) reaches shmem's
 * set_policy and get_mempolicy(2) its get_policy (whose signature changed
 * in 6.7), through shmdev's wrappers.  Needs a kernel with CONFIG_NUMA,
 * as every distribution kernel and the check-kernel config have.
 */
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kt.h"

#define MPOL_DEFAULT	0
#define MPOL_BIND	2
#define MPOL_F_ADDR	(1 << 1)
#define SIZE		(4UL << 20)

int main(void)
{
	int dev = kt_open_dev();
	unsigned long node0 = 1, mask = 0;
	int fd, mode = -1;
	char *p;

	fd = kt_create(dev, "", SIZE, 0, 0600);
	if (fd < 0) {
		kt_fail("CREATE: %s", strerror(-fd));
		return kt_exit();
	}
	p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return kt_exit();
	}
	if (syscall(SYS_get_mempolicy, &mode, NULL, 0, p, MPOL_F_ADDR) &&
	    errno == ENOSYS)
		kt_skip("no CONFIG_NUMA in this kernel");
	kt_eq(mode, MPOL_DEFAULT);
	/* Bind the second half to node 0; the first keeps the default. */
	kt_ok(syscall(SYS_mbind, p + SIZE / 2, SIZE / 2, MPOL_BIND, &node0,
		      sizeof(node0) * 8, 0));
	memset(p, 1, SIZE);
	kt_ok(syscall(SYS_get_mempolicy, &mode, &mask, sizeof(mask) * 8,
		      p + SIZE / 2, MPOL_F_ADDR));
	kt_eq(mode, MPOL_BIND);
	kt_eq(mask, 1);
	kt_ok(syscall(SYS_get_mempolicy, &mode, NULL, 0, p, MPOL_F_ADDR));
	kt_eq(mode, MPOL_DEFAULT);
	/* The policy is the region's, as shmem keeps it: a second mapping sees it. */
	{
		char *q = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);

		if (q == MAP_FAILED) {
			kt_fail("second mmap: %s", strerror(errno));
		} else {
			kt_ok(syscall(SYS_get_mempolicy, &mode, NULL, 0,
				      q + SIZE - 4096, MPOL_F_ADDR));
			kt_eq(mode, MPOL_BIND);
			munmap(q, SIZE);
		}
	}
	munmap(p, SIZE);
	close(fd);
	return kt_exit();
}
