// SPDX-License-Identifier: GPL-2.0
/*
 * Permissions, System V style, with two non-root users: alice (1001) and
 * bob (1002), both in group "shared" (1003).  Runs as root and drops to
 * each user in a child.
 */
#include <grp.h>
#include <sys/mman.h>

#include "kt.h"

#define ALICE	1001
#define BOB	1002
#define SHARED	1003

static int dev;

/* Run @fn as @uid (groups: own + shared) in a child; its result is ours. */
static void as_user(uid_t uid, void (*fn)(void), const char *what)
{
	gid_t groups[] = { SHARED };
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(1, groups) || setgid(uid) || setuid(uid))
			_exit(100);
		fn();
		exit(kt_failed);
	}
	kt_wait_child(pid, what);
}

/* alice makes her regions, persistent so they outlive her process. */
static void alice_creates(void)
{
	static const struct { const char *name; unsigned int mode; } r[] = {
		{ "a600", 0600 }, { "a640", 0640 }, { "a666", 0666 },
		{ "a604", 0604 }, { "a060", 0060 },
	};
	unsigned int i;
	int fd;

	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		fd = kt_create(dev, r[i].name, 4096,
			       SHMDEV_CREATE_EXCL | SHMDEV_CREATE_PERSIST,
			       r[i].mode);
		if (fd < 0) {
			kt_fail("alice create %s: %s", r[i].name, strerror(-fd));
			continue;
		}
		/* Group "shared" so that bob is in the owner group. */
		kt_eq(kt_set(fd, SHMDEV_SET_OWNER, 0, ALICE, SHARED), 0);
		close(fd);
	}
}

static void expect_open(const char *name, unsigned int flags, int want)
{
	int fd = kt_open(dev, name, flags);

	if (want == 0 && fd < 0)
		kt_fail("open %s flags %u: %s", name, flags, strerror(-fd));
	else if (want != 0 && fd != want)
		kt_fail("open %s flags %u: got %d, want %d", name, flags, fd,
			want);
	if (fd >= 0)
		close(fd);
}

static void bob_opens(void)
{
	/* 0600: nothing for bob. */
	expect_open("a600", 0, -EACCES);
	expect_open("a600", SHMDEV_OPEN_RDWR, -EACCES);
	/* 0640, bob in the group: read only. */
	expect_open("a640", 0, 0);
	expect_open("a640", SHMDEV_OPEN_RDWR, -EACCES);
	/* 0666: both. */
	expect_open("a666", 0, 0);
	expect_open("a666", SHMDEV_OPEN_RDWR, 0);
	/* 0604: bob is in the group, which has nothing; "other" is not asked. */
	expect_open("a604", 0, -EACCES);
	/* 0060: the group may read and write. */
	expect_open("a060", SHMDEV_OPEN_RDWR, 0);
}

static void bob_cannot_control(void)
{
	int fd = kt_open(dev, "a666", SHMDEV_OPEN_RDWR);

	if (fd < 0) {
		kt_fail("open a666: %s", strerror(-fd));
		return;
	}
	kt_eq(kt_set(fd, SHMDEV_SET_MODE, 0777, 0, 0), -EPERM);
	kt_eq(kt_set(fd, SHMDEV_SET_OWNER, 0, BOB, BOB), -EPERM);
	close(fd);
	kt_eq(kt_unlink(dev, "a666"), -EPERM);
	kt_eq(kt_unlink(dev, "a600"), -EPERM);
	/*
	 * CREATE of a name bob may not open: the permission is checked
	 * before the size (as shmget does), so bob learns nothing of it.
	 */
	kt_eq(kt_create(dev, "a600", 1 << 20, 0, 0600), -EACCES);
	kt_eq(kt_create(dev, "a600", 4096, 0, 0600), -EACCES);
	kt_eq(kt_create(dev, "a600", 1 << 20, SHMDEV_CREATE_EXCL, 0600),
	      -EEXIST);
	kt_eq(kt_create(dev, "a666", 1 << 20, 0, 0600), -EINVAL);
	/* The name of a region bob cannot read is hidden from the listing. */
	kt_eq(kt_listed("a600"), 0);
	kt_eq(kt_listed("a640"), 1);
}

/* A read-only fd never gives a writable mapping. */
static void bob_readonly_mapping(void)
{
	unsigned char *p;
	int fd = kt_open(dev, "a640", 0);

	if (fd < 0) {
		kt_fail("open a640: %s", strerror(-fd));
		return;
	}
	kt_errno(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
		 EACCES);
	kt_errno(mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	kt_errno(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0), EINVAL);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		kt_fail("mmap read-only: %s", strerror(errno));
	} else {
		kt_eq(p[0], 0x5a);
		kt_errno(mprotect(p, 4096, PROT_READ | PROT_WRITE), EACCES);
		munmap(p, 4096);
	}
	close(fd);
}

static void alice_controls(void)
{
	int fd = kt_open(dev, "a666", SHMDEV_OPEN_RDWR);
	struct shmdev_stat st;

	if (fd < 0) {
		kt_fail("open a666: %s", strerror(-fd));
		return;
	}
	kt_eq(kt_set(fd, SHMDEV_SET_MODE, 0600, 0, 0), 0);
	kt_ok(kt_stat(fd, &st));
	kt_eq(st.mode, 0600);
	kt_eq(st.uid, ALICE);
	kt_eq(st.gid, SHARED);
	kt_eq(st.cuid, ALICE);
	close(fd);
}

static void bob_after_chmod(void)
{
	expect_open("a666", 0, -EACCES);
}

/*
 * alice gives a region to bob: bob becomes owner, alice stays creator.  (She
 * could not open a060 read-write: as its owner only the owner bits count.)
 */
static void alice_gives(void)
{
	int fd = kt_open(dev, "a600", SHMDEV_OPEN_RDWR);

	expect_open("a060", SHMDEV_OPEN_RDWR, -EACCES);
	if (fd < 0) {
		kt_fail("open a600: %s", strerror(-fd));
		return;
	}
	kt_eq(kt_set(fd, SHMDEV_SET_OWNER | SHMDEV_SET_MODE, 0600, BOB,
			 BOB), 0);
	close(fd);
}

static void bob_owns(void)
{
	expect_open("a600", SHMDEV_OPEN_RDWR, 0);
	kt_eq(kt_unlink(dev, "a600"), 0);
}

/* Unlinking needs ownership, not access: a060 too. */
static void alice_unlinks(void)
{
	kt_eq(kt_unlink(dev, "a060"), 0);
	kt_eq(kt_unlink(dev, "a640"), 0);
	kt_eq(kt_unlink(dev, "a666"), 0);
	kt_eq(kt_unlink(dev, "a604"), 0);
}

int main(void)
{
	unsigned char *p;
	int fd;

	dev = kt_open_dev();
	if (geteuid() != 0)
		kt_skip("needs root to switch to the test users");

	as_user(ALICE, alice_creates, "alice_creates");
	/* root (CAP_IPC_OWNER) opens anything, and marks a640's contents. */
	fd = kt_open(dev, "a640", SHMDEV_OPEN_RDWR);
	kt_true(fd >= 0);
	if (fd >= 0) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED) {
			p[0] = 0x5a;
			munmap(p, 4096);
		}
		close(fd);
	}
	expect_open("a600", SHMDEV_OPEN_RDWR, 0);

	as_user(BOB, bob_opens, "bob_opens");
	as_user(BOB, bob_cannot_control, "bob_cannot_control");
	as_user(BOB, bob_readonly_mapping, "bob_readonly_mapping");
	as_user(ALICE, alice_controls, "alice_controls");
	as_user(BOB, bob_after_chmod, "bob_after_chmod");
	as_user(ALICE, alice_gives, "alice_gives");
	as_user(BOB, bob_owns, "bob_owns");
	as_user(ALICE, alice_unlinks, "alice_unlinks");

	kt_eq(kt_wait_listed(NULL, 0, 2000), 0);
	close(dev);
	return kt_exit();
}
