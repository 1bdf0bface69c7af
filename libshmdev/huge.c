// SPDX-License-Identifier: LGPL-2.1-or-later
/* libshmdev: how much of some memory is mapped with huge pages. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * Sum smaps fields over the mappings that overlap [addr, addr + size):
 * bytes mapped with huge pages, and the kernel page size.
 */
int shmdev__smaps_scan(const void *addr, size_t size, uint64_t *huge,
		       size_t *kpage)
{
	uintptr_t start, end, lo = (uintptr_t)addr, hi = lo + size;
	char line[256];
	int in = 0;
	unsigned long long kb;
	FILE *f = fopen("/proc/self/smaps", "re");

	*huge = 0;
	*kpage = 4096;
	if (!f)
		return -errno;
	if (hi < lo)
		hi = UINTPTR_MAX;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start < hi && end > lo;
			continue;
		}
		if (!in)
			continue;
		if (sscanf(line, "ShmemPmdMapped: %llu", &kb) == 1 ||
		    sscanf(line, "FilePmdMapped: %llu", &kb) == 1 ||
		    sscanf(line, "AnonHugePages: %llu", &kb) == 1)
			*huge += kb * 1024;
		else if (sscanf(line, "KernelPageSize: %llu", &kb) == 1)
			*kpage = kb * 1024;
	}
	fclose(f);
	return 0;
}

int shmdev_huge_bytes(const void *addr, size_t len, uint64_t *bytes)
{
	size_t kpage;

	if (!bytes)
		return -EINVAL;
	*bytes = 0;
	if (!len)
		return 0;
	return shmdev__smaps_scan(addr, len, bytes, &kpage);
}
