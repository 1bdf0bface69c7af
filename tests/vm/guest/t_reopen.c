// SPDX-License-Identifier: GPL-2.0
/*
 * Every way back to a region's memory that does not go through a region
 * fd: /proc/self/map_files (as root, and as an unprivileged user holding
 * CAP_CHECKPOINT_RESTORE, which is what that directory asks for),
 * /proc/self/fd, an O_PATH reopen, remap_file_pages(2), mprotect(2),
 * ftruncate(2) and fallocate(2).  None may give a writable mapping to a
 * read-only holder, an uncounted mapping, a size or accounting change, or
 * a region freed while it is mapped; nor may the kernel's "owner or
 * writer" checks count a read-only holder as either.
 */
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <grp.h>

#include "kt.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE	40
#endif

#define MiB		(1024UL * 1024)
#define SIZE		(4 * MiB)
#define ALICE		1001

/* Become uid/gid @uid with only CAP_CHECKPOINT_RESTORE; 0 or -1. */
static int become_restorer(uid_t uid)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	unsigned int bit = CAP_CHECKPOINT_RESTORE;

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) || setgid(uid) ||
	    setuid(uid))
		return -1;
	memset(data, 0, sizeof(data));
	data[bit / 32].effective = 1U << (bit % 32);
	data[bit / 32].permitted = 1U << (bit % 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

static unsigned int nmaps(int fd)
{
	struct shmdev_stat st;

	if (kt_stat(fd, &st)) {
		kt_fail("STAT: %s", strerror(errno));
		return 0;
	}
	return st.nmaps;
}

/* The uid that stat(2) shows for one no namespace maps. */
static unsigned int overflowuid(void)
{
	unsigned int v = 65534;
	FILE *f = fopen("/proc/sys/kernel/overflowuid", "r");

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 65534;
		fclose(f);
	}
	return v;
}

/*
 * Open @path in each way that could lead to the memory: all refused,
 * reads for want of permission, writes and attribute changes because the
 * private tmpfs is read-only.
 */
static void refused(const char *path)
{
	char proc[64];
	struct stat sb;
	int fd;

	kt_errno(open(path, O_RDONLY), EACCES);
	kt_errno(open(path, O_RDWR), EROFS);
	kt_errno(open(path, O_WRONLY), EROFS);
	kt_errno(open(path, O_RDONLY | O_TRUNC), EROFS);
	kt_errno(truncate(path, 64 * MiB), EROFS);
	kt_errno(chmod(path, 0666), EROFS);
	kt_errno(chown(path, getuid(), getgid()), EROFS);
	/* The inode can be named but gives nothing: no mode bits, no owner. */
	if (kt_ok(stat(path, &sb)) == 0) {
		kt_eq(sb.st_mode & 07777, 0);
		kt_eq(sb.st_uid, overflowuid());
		kt_eq(sb.st_size, SIZE);
	}
	fd = kt_ok(open(path, O_PATH));
	if (fd >= 0) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		kt_errno(open(proc, O_RDWR), EROFS);
		kt_errno(open(proc, O_RDONLY), EACCES);
		kt_errno(ftruncate(fd, 64 * MiB), EBADF);
		kt_errno(mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0), EBADF);
		close(fd);
	}
}

static void map_files_path(char *buf, size_t len, const void *p)
{
	snprintf(buf, len, "/proc/self/map_files/%lx-%lx",
		 (unsigned long)p, (unsigned long)p + SIZE);
}

/*
 * In a child as @uid (0: root with every capability): open the region
 * read-only, map it, and try every other way to it.  @w is the writer's
 * region fd and @pw its mapping, both inherited.
 */
static void holder(int dev, int w, unsigned char *pw, uid_t uid)
{
	struct shmdev_info before = kt_info(dev);
	char path[96], proc[64];
	unsigned int n0;
	unsigned char *pr;
	int r;

	if (uid && become_restorer(uid)) {
		kt_fail("could not become uid %u with CAP_CHECKPOINT_RESTORE: %s",
			uid, strerror(errno));
		return;
	}
	r = kt_open(dev, "reopen", 0);
	if (r < 0) {
		kt_fail("OPEN read-only: %s", strerror(-r));
		return;
	}
	kt_errno(mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, r, 0),
		 EACCES);
	pr = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, r, 0);
	if (pr == MAP_FAILED) {
		kt_fail("mmap read-only: %s", strerror(errno));
		return;
	}
	kt_eq(pr[12345], 0xab);

	/* The read-only mapping's memory and the writer's, by path. */
	map_files_path(path, sizeof(path), pr);
	refused(path);
	map_files_path(path, sizeof(path), pw);
	refused(path);
	/* The region fds themselves. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", r);
	kt_true(open(proc, O_RDWR) < 0);
	kt_true(open(proc, O_RDONLY) < 0);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w);
	kt_true(open(proc, O_RDWR) < 0);

	/*
	 * Never writable.  remap_file_pages(2) takes only VM_SHARED
	 * mappings, which a read-only one is not; on the writer's it maps
	 * the region's file again, and that mapping is counted.
	 */
	kt_errno(mprotect(pr, SIZE, PROT_READ | PROT_WRITE), EACCES);
	kt_errno(remap_file_pages(pr, 2 * MiB, 0, 512, 0), EINVAL);
	n0 = nmaps(r);
	kt_ok(remap_file_pages(pw, 2 * MiB, 0, 512, 0));
	kt_eq(nmaps(r), n0 + 1);
	pw[7] = 0xcd;
	kt_eq(pr[2 * MiB + 7], 0xcd);
	pw[7] = 0xab;
	kt_errno(mprotect(pr, SIZE, PROT_READ | PROT_WRITE), EACCES);

	/* No size change through either fd, and the accounts unchanged. */
	kt_errno(ftruncate(r, 64 * MiB), EINVAL);
	kt_errno(ftruncate(w, 64 * MiB), EINVAL);
	kt_true(fallocate(w, 0, 0, 64 * MiB) < 0);
	kt_true(fallocate(r, 0, 0, 64 * MiB) < 0);
	{
		struct shmdev_stat st;
		struct shmdev_info after = kt_info(dev);

		kt_ok(kt_stat(r, &st));
		kt_eq(st.size, SIZE);
		kt_eq(after.cur_bytes, before.cur_bytes);
		kt_eq(after.cur_regions, before.cur_regions);
	}
	munmap(pr, SIZE);
	close(r);
}

/*
 * The kernel lets the owner of a file, or whoever may write it, see which
 * of its pages are resident (mincore) and page them out (MADV_PAGEOUT).
 * The region's inode has no owner and no mode bits, so a read-only holder
 * passes neither test: mincore tells it every page is resident, though
 * the writer touched only the first of two huge pages.
 */
static void readonly_learns_nothing(int dev)
{
	unsigned char vec[SIZE / 4096];
	unsigned char *pw, *pr;
	unsigned int i, resident = 0;
	pid_t pid;
	int w, r;

	w = kt_create(dev, "sparse", SIZE, 0, 0644);
	if (w < 0) {
		kt_fail("CREATE sparse: %s", strerror(-w));
		return;
	}
	pw = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, w, 0);
	if (pw == MAP_FAILED) {
		kt_fail("mmap sparse: %s", strerror(errno));
		close(w);
		return;
	}
	pw[0] = 1;
	pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(ALICE) || setuid(ALICE))
			_exit(2);
		r = kt_open(dev, "sparse", 0);
		pr = r < 0 ? MAP_FAILED :
		     mmap(NULL, SIZE, PROT_READ, MAP_SHARED, r, 0);
		if (pr == MAP_FAILED)
			_exit(2);
		kt_ok(madvise(pr, SIZE, MADV_PAGEOUT));
		kt_ok(mincore(pr, SIZE, vec));
		for (i = 0; i < sizeof(vec); i++)
			resident += vec[i] & 1;
		kt_eq(resident, sizeof(vec));
		_exit(kt_failed);
	}
	kt_wait_child(pid, "read-only holder");
	kt_eq(pw[0], 1);
	munmap(pw, SIZE);
	close(w);
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info before;
	unsigned char *pw;
	uid_t uids[] = { 0, ALICE };
	unsigned int i;
	int w;

	if (geteuid() != 0)
		kt_skip("needs root, to act as root and as another user");
	before = kt_info(dev);
	w = kt_create(dev, "reopen", SIZE, 0, 0644);
	if (w < 0) {
		kt_fail("CREATE: %s", strerror(-w));
		return kt_exit();
	}
	pw = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, w, 0);
	if (pw == MAP_FAILED) {
		kt_fail("mmap: %s", strerror(errno));
		return kt_exit();
	}
	memset(pw, 0xab, SIZE);
	for (i = 0; i < sizeof(uids) / sizeof(uids[0]); i++) {
		pid_t pid = fork();

		if (pid == 0) {
			holder(dev, w, pw, uids[i]);
			_exit(kt_failed);
		}
		kt_wait_child(pid, uids[i] ? "unprivileged restorer" : "root");
		/* Only the writer's own mapping is left. */
		kt_eq(nmaps(w), 1);
	}

	/* Closed and unnamed, a mapped region stays until its munmap. */
	close(w);
	kt_eq(kt_listed("reopen"), 1);
	kt_eq(kt_info(dev).cur_regions, before.cur_regions + 1);
	kt_eq(pw[SIZE - 1], 0xab);
	munmap(pw, SIZE);
	kt_eq(kt_wait_listed("reopen", 0, 2000), 0);
	readonly_learns_nothing(dev);
	kt_eq(kt_wait_listed("sparse", 0, 2000), 0);
	kt_balanced(dev, &before);
	return kt_exit();
}
