// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile users: alice (1001) owns a region; bob (1002) tries every mode.
 * For all 512 modes, bob in alice's group and not, his read-only and
 * read-write opens succeed exactly when the mode grants it; he can never
 * unlink, chmod or chown it, nor map it writable from a read-only fd, nor
 * see its name in the listing without read access.  Then bob exhausts his
 * quota (bytes and regions) and stops there with EDQUOT while alice can
 * still create.
 */
#include <grp.h>
#include <sys/mman.h>

#include "kt.h"

#define ALICE	1001
#define BOB	1002
#define SHARED	1003

static int dev;

static void become(uid_t uid, gid_t gid, int in_shared)
{
	gid_t groups[] = { SHARED };

	if (setgroups(in_shared ? 1 : 0, groups) || setgid(gid) || setuid(uid))
		_exit(100);
}

/* bob, in the shared group or not, against mode @m. */
static int bob_checks(unsigned int m, int in_group)
{
	unsigned int bits = in_group ? (m >> 3) & 7 : m & 7;
	int ro = kt_open(dev, "victim", 0), rw = kt_open(dev, "victim",
							   SHMDEV_OPEN_RDWR);
	int bad = 0;

	if ((ro >= 0) != !!(bits & 4))
		bad |= 1;
	if ((rw >= 0) != ((bits & 6) == 6))
		bad |= 2;
	if (ro >= 0) {
		if (mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, ro, 0) != MAP_FAILED)
			bad |= 4;
		if (kt_set(ro, SHMDEV_SET_MODE, 0777, 0, 0) != -EPERM)
			bad |= 8;
		if (kt_set(ro, SHMDEV_SET_OWNER, 0, BOB, BOB) != -EPERM)
			bad |= 8;
		close(ro);
	}
	if (rw >= 0)
		close(rw);
	if (kt_unlink(dev, "victim") != -EPERM)
		bad |= 16;
	/* The listing shows the name only with read access. */
	if (kt_listed("victim") != !!(bits & 4))
		bad |= 32;
	/* The name cannot be taken over. */
	if (kt_create(dev, "victim", 4096, SHMDEV_CREATE_EXCL, 0666) != -EEXIST)
		bad |= 64;
	return bad;
}

static void every_mode(void)
{
	unsigned int m;
	int in_group, fd;

	fd = kt_create(dev, "victim", 4096, SHMDEV_CREATE_EXCL, 0600);
	if (fd < 0) {
		kt_fail("create: %s", strerror(-fd));
		return;
	}
	kt_eq(kt_set(fd, SHMDEV_SET_OWNER, 0, ALICE, SHARED), 0);
	for (m = 0; m <= 0777; m++) {
		kt_eq(kt_set(fd, SHMDEV_SET_MODE, m, 0, 0), 0);
		for (in_group = 0; in_group < 2; in_group++) {
			pid_t pid = fork();
			int st;

			if (pid == 0) {
				become(BOB, BOB, in_group);
				_exit(bob_checks(m, in_group));
			}
			waitpid(pid, &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st)) {
				kt_fail("mode %04o, bob %sin the group: failures 0x%x",
					m, in_group ? "" : "not ", WEXITSTATUS(st));
			}
		}
	}
	kt_eq(kt_unlink(dev, "victim"), 0);
	close(fd);
}

/* bob exhausts his quota; alice is not touched. */
static void quota(void)
{
	unsigned long long uid_bytes = 0;
	pid_t pid;
	int st, fd;

	if (kt_read_param("max_uid_bytes", &uid_bytes) ||
	    kt_write_param("max_uid_bytes", 64ull << 20) ||
	    kt_write_param("max_uid_regions", 16)) {
		kt_fail("set the quota parameters");
		return;
	}
	pid = fork();
	if (pid == 0) {
		int n = 0, err = 0, keep[64];

		become(BOB, BOB, 0);
		/* Regions: the 17th fails. */
		for (n = 0; n < 64; n++) {
			keep[n] = kt_create(dev, NULL, 4096, 0, 0600);
			if (keep[n] < 0) {
				err = keep[n];
				break;
			}
		}
		if (n != 16 || err != -EDQUOT)
			_exit(1);
		while (n--)
			close(keep[n]);
		/* Bytes: 4 x 16 MiB fit, the next MiB does not. */
		for (n = 0; n < 4; n++)
			if ((keep[n] = kt_create(dev, NULL, 16 << 20, 0, 0600)) < 0)
				_exit(2);
		if (kt_create(dev, NULL, 1 << 20, 0, 0600) != -EDQUOT)
			_exit(3);
		/* Hold them while alice works. */
		if (write(1, "", 0) < 0)
			_exit(4);
		sleep(2);
		_exit(0);
	}
	usleep(500000);
	pid_t a = fork();

	if (a == 0) {
		become(ALICE, ALICE, 0);
		fd = kt_create(dev, NULL, 32 << 20, 0, 0600);
		_exit(fd >= 0 ? 0 : 1);
	}
	kt_wait_child(a, "alice creates while bob is at his quota");
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		kt_fail("bob's quota: step %d", WEXITSTATUS(st));
	kt_write_param("max_uid_bytes", uid_bytes);
	kt_write_param("max_uid_regions", 1024);
}

int main(void)
{
	dev = kt_open_dev();
	if (geteuid() != 0)
		kt_skip("needs root to switch to the test users");
	every_mode();
	quota();
	kt_eq(kt_wait_listed(NULL, 0, 3000), 0);
	close(dev);
	return kt_exit();
}
