// SPDX-License-Identifier: GPL-2.0
/*
 * Populate: all memory at create or -ENOMEM then, never SIGBUS later; the
 * memory is charged to the creator's memory cgroup, and a cgroup whose
 * memory.max is below the size fails the create without OOM-killing and
 * without leaking.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include "kt.h"

#define MiB (1024ull * 1024)
#define CG "/sys/fs/cgroup/shmdev-test"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static long long read_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void over_available(int dev)
{
	struct shmdev_info a, b;
	long long avail = kt_meminfo("MemAvailable");
	long long shmem0 = kt_meminfo("Shmem");
	int fd;

	unsigned long long total = 0, uid = 0;

	/* Past the byte limits' defaults (shares of RAM): lift them here. */
	if (geteuid() != 0)
		kt_skip("needs root to lift the byte limits");
	if (kt_read_param("max_total_bytes", &total) ||
	    kt_read_param("max_uid_bytes", &uid) ||
	    kt_write_param("max_total_bytes", 0) ||
	    kt_write_param("max_uid_bytes", 0))
		kt_fail("could not lift the byte limits");
	a = kt_info(dev);
	fd = kt_create(dev, "toobig", (avail + 256 * 1024) * 1024,
		       SHMDEV_CREATE_POPULATE | SHMDEV_CREATE_EXCL, 0600);
	kt_eq(fd, -ENOMEM);
	if (kt_write_param("max_total_bytes", total) ||
	    kt_write_param("max_uid_bytes", uid))
		kt_fail("could not restore the byte limits");
	if (fd >= 0)
		close(fd);
	b = kt_info(dev);
	kt_eq(b.cur_bytes, a.cur_bytes);
	kt_eq(b.cur_regions, a.cur_regions);
	kt_eq(b.created, a.created);
	kt_eq(kt_listed("toobig"), 0);
	/* The name was not taken. */
	kt_eq(kt_open(dev, "toobig", 0), -ENOENT);
	kt_true(kt_meminfo("Shmem") - shmem0 < 1024);
}

static long long memory_event(const char *key)
{
	char k[64];
	long long v, found = -1;
	FILE *f = fopen(CG "/memory.events", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			found = v;
	fclose(f);
	return found;
}

/* In a child inside the cgroup: the create that must fail, then one that fits. */
static int in_cgroup(int dev)
{
	long long cur0, cur1, cur2;
	struct shmdev_stat st;
	unsigned char *p;
	int fd;

	cur0 = read_ll(CG "/memory.current");
	fd = kt_create(dev, NULL, 64 * MiB, SHMDEV_CREATE_POPULATE, 0600);
	kt_eq(fd, -ENOMEM);
	if (fd >= 0)
		close(fd);
	cur1 = read_ll(CG "/memory.current");
	printf("memory.current: %lld before, %lld after the failed 64 MiB populate\n",
	       cur0, cur1);
	kt_true(cur1 - cur0 < (long long)MiB);

	fd = kt_create(dev, NULL, 16 * MiB, SHMDEV_CREATE_POPULATE, 0600);
	if (fd < 0) {
		kt_fail("16 MiB populate in a 32 MiB cgroup: %s", strerror(-fd));
		return 1;
	}
	cur2 = read_ll(CG "/memory.current");
	printf("memory.current: %lld after a 16 MiB populate\n", cur2);
	/* The region is charged here (other charges move by a few pages). */
	kt_true(cur2 - cur1 >= (long long)(15 * MiB));
	kt_true(cur2 - cur1 < (long long)(20 * MiB));
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.resident_bytes, 16 * MiB);
	p = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED) {
		memset(p, 1, 16 * MiB);
		munmap(p, 16 * MiB);
	}
	close(fd);
	kt_true(read_ll(CG "/memory.current") - cur1 < (long long)MiB);
	return kt_failed;
}

static void memcg(int dev)
{
	char pid[32];
	pid_t child;

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		kt_skip("no cgroup2 hierarchy at /sys/fs/cgroup");
	if (write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory")) {
		kt_fail("enable the memory controller: %s", strerror(errno));
		return;
	}
	rmdir(CG);
	if (mkdir(CG, 0755)) {
		kt_fail("mkdir " CG ": %s", strerror(errno));
		return;
	}
	kt_ok(write_file(CG "/memory.max", "33554432"));
	kt_ok(write_file(CG "/memory.swap.max", "0") == 0 ||
	      errno == ENOENT ? 0 : -1);
	child = fork();
	if (child == 0) {
		snprintf(pid, sizeof(pid), "%d", getpid());
		if (write_file(CG "/cgroup.procs", pid))
			_exit(100);
		exit(in_cgroup(dev));
	}
	kt_wait_child(child, "in_cgroup");
	/* The failed populate hit the limit without an OOM kill. */
	kt_eq(memory_event("oom_kill"), 0);
	kt_true(memory_event("max") > 0);
	rmdir(CG);
}

int main(void)
{
	int dev = kt_open_dev();

	over_available(dev);
	memcg(dev);
	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	close(dev);
	return kt_exit();
}
