// SPDX-License-Identifier: GPL-2.0
/*
 * Huge pages: a 64 MiB region is mapped 2 MiB-aligned and PMD-mapped
 * (ShmemPmdMapped/FilePmdMapped in smaps), STAT's huge_bytes agrees, and
 * touching all of it takes at most 64 minor faults (4 KiB pages: 16,384).
 * Populate allocates everything at create.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "kt.h"

#define MiB (1024ull * 1024)
#define LEN (64 * MiB)

/* Sum of @key (kB) over the smaps entry that starts at @addr, in bytes. */
static long long smaps_bytes(void *addr, const char *key)
{
	char line[512];
	unsigned long start, end;
	long long kb, total = -1;
	int in = 0;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start == (unsigned long)addr;
			continue;
		}
		if (in && !strncmp(line, key, len) && line[len] == ':' &&
		    sscanf(line + len + 1, "%lld", &kb) == 1)
			total = (total < 0 ? 0 : total) + kb * 1024;
	}
	fclose(f);
	return total;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void touch_pmd(int dev)
{
	struct shmdev_stat st;
	long long pmd, shmem_pmd, file_pmd;
	unsigned char *p;
	long before, faults;
	size_t i;
	int fd;

	fd = kt_create(dev, "huge", LEN, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	kt_eq((uintptr_t)p % (2 * MiB), 0);

	before = minflt();
	for (i = 0; i < LEN; i += 4096)
		p[i] = (unsigned char)i;
	faults = minflt() - before;

	shmem_pmd = smaps_bytes(p, "ShmemPmdMapped");
	file_pmd = smaps_bytes(p, "FilePmdMapped");
	pmd = (shmem_pmd > 0 ? shmem_pmd : 0) + (file_pmd > 0 ? file_pmd : 0);
	kt_ok(kt_stat(fd, &st));
	printf("64 MiB touched: %ld minor faults, ShmemPmdMapped %lld, FilePmdMapped %lld, STAT huge_bytes %llu, resident %llu\n",
	       faults, shmem_pmd, file_pmd, (unsigned long long)st.huge_bytes,
	       (unsigned long long)st.resident_bytes);
	kt_true(pmd > 0);
	kt_eq(st.huge_bytes, pmd);
	kt_true(faults <= 64);
	kt_eq(st.resident_bytes, LEN);

	/* Unmapped: nothing is PMD-mapped any more. */
	munmap(p, LEN);
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.huge_bytes, 0);
	kt_eq(st.resident_bytes, LEN);
	close(fd);
}

/* Populate: the memory is there before anyone touches it. */
static void populate(int dev)
{
	struct shmdev_stat st;
	unsigned char *p;
	long before, faults;
	size_t i;
	int fd, nonzero = 0;

	fd = kt_create(dev, NULL, 16 * MiB, SHMDEV_CREATE_POPULATE, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.resident_bytes, 16 * MiB);
	p = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	before = minflt();
	for (i = 0; i < 16 * MiB; i += 4096)
		nonzero |= p[i];
	faults = minflt() - before;
	printf("16 MiB populated, read: %ld minor faults\n", faults);
	kt_eq(nonzero, 0);
	kt_true(faults <= 16);
	munmap(p, 16 * MiB);
	close(fd);
}

/* A small region falls back to 4 KiB pages and works. */
static void small(int dev)
{
	struct shmdev_stat st;
	unsigned char *p;
	int fd;

	fd = kt_create(dev, NULL, 12288, 0, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	p = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return;
	}
	memset(p, 3, 12288);
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.huge_bytes, 0);
	kt_eq(st.resident_bytes, 12288);
	munmap(p, 12288);
	close(fd);
}

int main(void)
{
	int dev = kt_open_dev();

	touch_pmd(dev);
	populate(dev);
	small(dev);
	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	close(dev);
	return kt_exit();
}
