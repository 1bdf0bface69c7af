// SPDX-License-Identifier: GPL-2.0
/*
 * The default limits against a few hostile uids (any user with a
 * subordinate uid range has many): four uids fill max_regions with
 * PERSIST regions they leave behind, then two fill max_total_bytes.  Each
 * stops at its own quota or at the share kept from root, and root still
 * creates and removes; afterwards every counter is back where it was.
 */
#include <grp.h>

#include "kt.h"

#define UIDS	4
#define UID0	2001

static unsigned long long param(const char *name)
{
	unsigned long long v = 0;

	if (kt_read_param(name, &v))
		kt_fail("read %s", name);
	return v;
}

/*
 * As @uid, create PERSIST regions of @size named "<tag><uid>-N" until
 * refused; the child's exit status is the count, written with the errno
 * to @res.
 */
static void fill(int dev, uid_t uid, const char *tag, unsigned long long size,
		 int res[2])
{
	pid_t pid = fork();
	char name[64];
	int n = 0, fd;

	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			_exit(255);
		for (;;) {
			snprintf(name, sizeof(name), "%s%u-%d", tag, uid, n);
			fd = kt_create(dev, name, size, SHMDEV_CREATE_PERSIST,
				       0600);
			if (fd < 0) {
				res[1] = -fd;
				break;
			}
			close(fd);
			n++;
		}
		printf("%s: uid %u created %d, then %s\n", tag, uid, n,
		       strerror(res[1]));
		_exit(res[1] == EDQUOT ? 1 : res[1] == ENOSPC ? 2 : 3);
	}
	if (waitpid(pid, &fd, 0) != pid || !WIFEXITED(fd))
		kt_fail("fill as %u", uid);
	res[1] = WEXITSTATUS(fd);
	res[0] = kt_listed(NULL);
}

/* Unlink every "<tag>*" name as root (CAP_IPC_OWNER). */
static void remove_all(int dev, const char *tag, int counts[])
{
	char name[64];
	int u, i;

	for (u = 0; u < UIDS; u++)
		for (i = 0; i < counts[u]; i++) {
			snprintf(name, sizeof(name), "%s%u-%d", tag, UID0 + u, i);
			kt_eq(kt_unlink(dev, name), 0);
		}
}

int main(void)
{
	int dev = kt_open_dev();
	struct shmdev_info before = kt_info(dev);
	unsigned long long max_regions, uid_regions, total, uid_bytes, size;
	int res[2], counts[UIDS], listed, u, fd;
	long long memtotal = kt_meminfo("MemTotal");

	if (geteuid() != 0)
		kt_skip("needs root to act as other users");
	max_regions = param("max_regions");
	uid_regions = param("max_uid_regions");
	total = param("max_total_bytes");
	uid_bytes = param("max_uid_bytes");
	/* The defaults, as the module computed them at load. */
	kt_eq(max_regions, 4096);
	kt_eq(uid_regions, 1024);
	kt_eq(total, (unsigned long long)memtotal * 1024 / 2);
	kt_eq(uid_bytes, (unsigned long long)memtotal * 1024 / 4);

	/* Regions: three uids stop at their quota, the fourth at root's share. */
	listed = kt_listed(NULL);
	for (u = 0; u < UIDS; u++) {
		fill(dev, UID0 + u, "r", 4096, res);
		counts[u] = res[0] - listed;
		listed = res[0];
		kt_eq(res[1], u < 3 ? 1 : 2);
	}
	kt_eq(counts[0], uid_regions);
	kt_eq(counts[3], max_regions - max_regions / 16 - 3 * uid_regions -
	      before.cur_regions);
	fd = kt_create(dev, "root-r", 4096, 0, 0600);
	kt_true(fd >= 0);
	if (fd >= 0)
		close(fd);
	remove_all(dev, "r", counts);
	kt_eq(kt_info(dev).cur_regions, before.cur_regions);

	/* Bytes: sparse regions of 1/16 of the total, never touched. */
	size = (total / 16) & ~4095ULL;
	listed = kt_listed(NULL);
	for (u = 0; u < UIDS; u++) {
		fill(dev, UID0 + u, "b", size, res);
		counts[u] = res[0] - listed;
		listed = res[0];
	}
	kt_eq(counts[0], uid_bytes / size);
	kt_true((counts[0] + counts[1] + counts[2] + counts[3]) * size <=
		total - total / 16);
	kt_true(kt_info(dev).cur_bytes + size > total - total / 16);
	fd = kt_create(dev, "root-b", size, 0, 0600);
	kt_true(fd >= 0);
	if (fd >= 0)
		close(fd);
	remove_all(dev, "b", counts);
	kt_eq(kt_wait_listed(NULL, before.cur_regions, 2000), before.cur_regions);
	kt_balanced(dev, &before);
	return kt_exit();
}
