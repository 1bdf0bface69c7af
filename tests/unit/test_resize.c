// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Resize, seals, the doorbell, the status and parking, over every backend
 * named in SHMDEV_TEST_BACKENDS (default: memfd sysv posix; the kernel one
 * runs in the guest).  What a backend cannot do must say -EOPNOTSUPP, as
 * the table in shmdev.h has it; every invalid argument has its error here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "shmdev.h"

static enum shmdev_backend backends[8];
static int nbackends;
static int name_seq;

/* What the table in shmdev.h promises (the kernel: what its module has). */
static unsigned int expected_caps(struct shmdev_region *r)
{
	struct shmdev_region_status st;

	switch (shmdev_region_backend(r)) {
	case SHMDEV_BACKEND_MEMFD:
		return SHMDEV_CAP_RESIZE | SHMDEV_CAP_SEAL;
	case SHMDEV_BACKEND_POSIX:
		return SHMDEV_CAP_RESIZE;
	case SHMDEV_BACKEND_SYSV:
		return 0;
	default:
		assert_int_equal(shmdev_region_status(r, &st), 0);
		return st.caps;
	}
}

/*
 * A region of @size on backend @b and a second handle on it (@two):
 * opened by name where there are names (a file of its own, with its own
 * doorbell cursor), received over a socket for memfd.
 */
static void make_pair(enum shmdev_backend b, size_t size,
		      struct shmdev_region **one, struct shmdev_region **two,
		      char *name, size_t len)
{
	int sv[2];

	name[0] = 0;
	if (b == SHMDEV_BACKEND_MEMFD) {
		assert_int_equal(shmdev_region_create(b, NULL, size, 0, 0600, one), 0);
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		assert_int_equal(shmdev_region_send(sv[0], *one), 0);
		assert_int_equal(shmdev_region_recv(sv[1], two), 0);
		close(sv[0]);
		close(sv[1]);
		return;
	}
	snprintf(name, len, "shmdevtest-rs-%d-%d", getpid(), name_seq++);
	assert_int_equal(shmdev_region_create(b, name, size, SHMDEV_REGION_EXCL |
					      (b == SHMDEV_BACKEND_KERNEL ? 0 :
					       SHMDEV_REGION_PERSIST), 0600, one), 0);
	assert_int_equal(shmdev_region_open(b, name, 0, two), 0);
}

static void drop_pair(struct shmdev_region *one, struct shmdev_region *two,
		      const char *name)
{
	if (name[0])
		assert_int_equal(shmdev_region_unlink(shmdev_region_backend(one),
						      name), 0);
	shmdev_region_close(two);
	shmdev_region_close(one);
}

static void test_resize(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r, *o;
		unsigned char *p, *q;
		char name[64];
		size_t k;

		make_pair(backends[i], 8192, &r, &o, name, sizeof(name));
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		assert_int_equal(shmdev_region_map(o, (void **)&q), 0);
		memset(p, 0x11, 8192);
		if (!(expected_caps(r) & SHMDEV_CAP_RESIZE)) {
			assert_int_equal(shmdev_region_resize(r, 16384), -EOPNOTSUPP);
			assert_true(shmdev_region_size(r) >= 8192);
			assert_ptr_equal(shmdev_region_addr(r), p);
			assert_int_equal(shmdev_region_refresh(o), 0);
			drop_pair(r, o, name);
			continue;
		}
		/* Growth: zeros after the old bytes, the mapping follows. */
		assert_int_equal(shmdev_region_resize(r, 5u << 20), 0);
		assert_true(shmdev_region_size(r) >= 5u << 20);
		p = shmdev_region_addr(r);
		assert_non_null(p);
		for (k = 0; k < 8192; k++)
			assert_int_equal(p[k], 0x11);
		for (k = 8192; k < (5u << 20); k += 4096)
			assert_int_equal(p[k], 0);
		p[(5u << 20) - 1] = 0x22;
		/* The other handle learns of it and maps again. */
		assert_int_equal(shmdev_region_size(o), 8192);
		assert_int_equal(shmdev_region_refresh(o), 1);
		assert_int_equal(shmdev_region_refresh(o), 0);
		assert_true(shmdev_region_size(o) >= 5u << 20);
		q = shmdev_region_addr(o);
		assert_int_equal(q[(5u << 20) - 1], 0x22);
		/* Shrinking: the bytes before the end stay. */
		assert_int_equal(shmdev_region_resize(r, 4096), 0);
		assert_int_equal(shmdev_region_size(r), 4096);
		p = shmdev_region_addr(r);
		assert_int_equal(p[4095], 0x11);
		assert_int_equal(shmdev_region_refresh(o), 1);
		assert_int_equal(shmdev_region_size(o), 4096);
		/* The same size again changes nothing. */
		assert_int_equal(shmdev_region_resize(r, 4096), 0);
		assert_ptr_equal(shmdev_region_addr(r), p);
		/* Unmapped, a resize leaves it unmapped. */
		assert_int_equal(shmdev_region_unmap(o), 0);
		assert_int_equal(shmdev_region_resize(o, 12288), 0);
		assert_null(shmdev_region_addr(o));
		assert_int_equal(shmdev_region_size(o), 12288);
		drop_pair(r, o, name);
	}
}

static void test_resize_errors(void **state)
{
	struct shmdev_region *r, *ro;
	char name[64];
	int i;

	(void)state;
	assert_int_equal(shmdev_region_resize(NULL, 4096), -EINVAL);
	assert_int_equal(shmdev_region_refresh(NULL), -EINVAL);
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];
		unsigned int caps;

		assert_int_equal(shmdev_region_create(b, NULL, 4096, 0, 0600, &r), 0);
		caps = expected_caps(r);
		assert_int_equal(shmdev_region_resize(r, 0), -EINVAL);
		assert_int_equal(shmdev_region_resize(r, SIZE_MAX), -EINVAL);
		assert_int_equal(shmdev_region_resize(r, (size_t)INT64_MAX / 2 + 1),
				 -EINVAL);
		if (!(caps & SHMDEV_CAP_RESIZE))
			assert_int_equal(shmdev_region_resize(r, 8192), -EOPNOTSUPP);
		shmdev_region_close(r);
		if (b == SHMDEV_BACKEND_MEMFD || !(caps & SHMDEV_CAP_RESIZE))
			continue;
		/* A read-only handle cannot resize. */
		snprintf(name, sizeof(name), "shmdevtest-rse-%d-%d", getpid(),
			 name_seq++);
		assert_int_equal(shmdev_region_create(b, name, 4096,
						      b == SHMDEV_BACKEND_KERNEL ? 0 :
						      SHMDEV_REGION_PERSIST, 0600, &r), 0);
		assert_int_equal(shmdev_region_open(b, name, SHMDEV_REGION_RDONLY,
						    &ro), 0);
		assert_int_equal(shmdev_region_resize(ro, 8192), -EBADF);
		assert_int_equal(shmdev_region_size(ro), 4096);
		assert_int_equal(shmdev_region_unlink(b, name), 0);
		shmdev_region_close(ro);
		shmdev_region_close(r);
	}
}

static void test_seal(void **state)
{
	int i;

	(void)state;
	assert_int_equal(shmdev_region_seal(NULL, 0), -EINVAL);
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r;
		struct shmdev_region_status st;
		unsigned char *p;

		assert_int_equal(shmdev_region_create(backends[i], NULL, 12288, 0,
						      0600, &r), 0);
		assert_int_equal(shmdev_region_seal(r, 0x20), -EINVAL);
		assert_int_equal(shmdev_region_seal(r, ~0u), -EINVAL);
		if (!(expected_caps(r) & SHMDEV_CAP_SEAL)) {
			assert_int_equal(shmdev_region_seal(r, 0), -EOPNOTSUPP);
			assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_GROW),
					 -EOPNOTSUPP);
			assert_int_equal(shmdev_region_status(r, &st), 0);
			assert_int_equal(st.seals, 0);
			shmdev_region_close(r);
			continue;
		}
		assert_int_equal(shmdev_region_seal(r, 0), 0);
		/* Grow and shrink seals stop resize, one way each. */
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_GROW),
				 SHMDEV_SEAL_GROW);
		assert_int_equal(shmdev_region_resize(r, 16384), -EPERM);
		assert_int_equal(shmdev_region_resize(r, 8192), 0);
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_SHRINK),
				 SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK);
		assert_int_equal(shmdev_region_resize(r, 4096), -EPERM);
		assert_int_equal(shmdev_region_resize(r, 8192), 0);
		/* Adding one in force again is fine. */
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_GROW),
				 SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK);
		/* The write seal waits for writable mappings to go. */
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		p[0] = 7;
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_WRITE), -EBUSY);
		assert_int_equal(shmdev_region_unmap(r), 0);
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_WRITE),
				 SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK |
				 SHMDEV_SEAL_WRITE);
		assert_int_equal(shmdev_region_status(r, &st), 0);
		assert_int_equal(st.seals, SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK |
				 SHMDEV_SEAL_WRITE);
		/* Mapping again gives a read-only mapping of the same bytes. */
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		assert_int_equal(p[0], 7);
		assert_int_equal(shmdev_region_unmap(r), 0);
		/* Then the seal on seals: nothing more. */
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_SEAL),
				 SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK |
				 SHMDEV_SEAL_WRITE | SHMDEV_SEAL_SEAL);
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_FUTURE_WRITE),
				 -EPERM);
		assert_int_equal(shmdev_region_seal(r, 0),
				 SHMDEV_SEAL_GROW | SHMDEV_SEAL_SHRINK |
				 SHMDEV_SEAL_WRITE | SHMDEV_SEAL_SEAL);
		shmdev_region_close(r);

		/* Future-write: a mapping that was writable stays so. */
		assert_int_equal(shmdev_region_create(backends[i], NULL, 8192, 0,
						      0600, &r), 0);
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_FUTURE_WRITE),
				 SHMDEV_SEAL_FUTURE_WRITE);
		p[1] = 9;
		shmdev_region_close(r);
	}
}

/* A read-only handle reads the seals and may not add any. */
static void test_seal_readonly(void **state)
{
	struct shmdev_region *r, *ro;
	char name[64];
	int i, sv[2];

	(void)state;
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];

		if (b != SHMDEV_BACKEND_KERNEL && b != SHMDEV_BACKEND_MEMFD)
			continue;
		name[0] = 0;
		if (b == SHMDEV_BACKEND_MEMFD) {
			/*
			 * A read-only memfd handle is one received with a
			 * read-only fd: r's fd number briefly made one (its
			 * /proc/self/fd entry reopened) while r is sent.
			 */
			char path[64];
			int fd, rfd, saved;

			assert_int_equal(shmdev_region_create(b, NULL, 4096, 0, 0600,
							      &r), 0);
			rfd = shmdev_region_fd(r);
			snprintf(path, sizeof(path), "/proc/self/fd/%d", rfd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			assert_true(fd >= 0);
			saved = dup(rfd);
			assert_true(saved >= 0);
			assert_int_equal(dup3(fd, rfd, O_CLOEXEC), rfd);
			assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
			assert_int_equal(shmdev_region_send(sv[0], r), 0);
			assert_int_equal(shmdev_region_recv(sv[1], &ro), 0);
			assert_int_equal(dup3(saved, rfd, O_CLOEXEC), rfd);
			close(saved);
			close(fd);
			close(sv[0]);
			close(sv[1]);
			assert_int_equal(shmdev_region_seal(ro, SHMDEV_SEAL_GROW),
					 -EBADF);
			assert_int_equal(shmdev_region_resize(ro, 8192), -EBADF);
			assert_int_equal(shmdev_region_seal(ro, 0), 0);
			assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_GROW),
					 SHMDEV_SEAL_GROW);
			assert_int_equal(shmdev_region_seal(ro, 0), SHMDEV_SEAL_GROW);
			shmdev_region_close(ro);
			shmdev_region_close(r);
			continue;
		}
		snprintf(name, sizeof(name), "shmdevtest-sro-%d-%d", getpid(),
			 name_seq++);
		assert_int_equal(shmdev_region_create(b, name, 4096, 0, 0600, &r), 0);
		if (!(expected_caps(r) & SHMDEV_CAP_SEAL)) {
			assert_int_equal(shmdev_region_unlink(b, name), 0);
			shmdev_region_close(r);
			continue;
		}
		assert_int_equal(shmdev_region_open(b, name, SHMDEV_REGION_RDONLY,
						    &ro), 0);
		assert_int_equal(shmdev_region_seal(ro, SHMDEV_SEAL_GROW), -EBADF);
		assert_int_equal(shmdev_region_seal(ro, 0), 0);
		assert_int_equal(shmdev_region_seal(r, SHMDEV_SEAL_GROW),
				 SHMDEV_SEAL_GROW);
		assert_int_equal(shmdev_region_seal(ro, 0), SHMDEV_SEAL_GROW);
		assert_int_equal(shmdev_region_unlink(b, name), 0);
		shmdev_region_close(ro);
		shmdev_region_close(r);
	}
}

static void test_notify_wait(void **state)
{
	int i;

	(void)state;
	assert_int_equal(shmdev_region_notify(NULL), -EINVAL);
	assert_int_equal(shmdev_region_wait(NULL, 0), -EINVAL);
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r, *o;
		struct shmdev_region_status st;
		struct pollfd pfd;
		char name[64];
		pid_t pid;
		int status;

		make_pair(backends[i], 4096, &r, &o, name, sizeof(name));
		assert_int_equal(shmdev_region_wait(r, -2), -EINVAL);
		assert_int_equal(shmdev_region_wait(r, INT32_MIN), -EINVAL);
		if (!(expected_caps(r) & SHMDEV_CAP_NOTIFY)) {
			assert_int_equal(shmdev_region_notify(r), -EOPNOTSUPP);
			assert_int_equal(shmdev_region_wait(r, 0), -EOPNOTSUPP);
			assert_int_equal(shmdev_region_wait(r, 10), -EOPNOTSUPP);
			assert_int_equal(shmdev_region_status(r, &st), 0);
			assert_int_equal(st.events, 0);
			assert_int_equal(st.pending, 0);
			drop_pair(r, o, name);
			continue;
		}
		/* Nothing yet: the timeout says 0. */
		assert_int_equal(shmdev_region_wait(o, 0), 0);
		assert_int_equal(shmdev_region_wait(o, 20), 0);
		/* Two rings, seen once each by each handle, counted. */
		assert_int_equal(shmdev_region_notify(r), 0);
		assert_int_equal(shmdev_region_notify(o), 0);
		assert_int_equal(shmdev_region_status(o, &st), 0);
		assert_int_equal(st.pending, 2);
		pfd.fd = shmdev_region_fd(o);
		pfd.events = POLLIN;
		assert_int_equal(poll(&pfd, 1, 0), 1);
		assert_int_equal(shmdev_region_wait(o, -1), 2);
		assert_int_equal(shmdev_region_wait(o, 0), 0);
		assert_int_equal(poll(&pfd, 1, 0), 0);
		assert_int_equal(shmdev_region_wait(r, 0), 2);
		/* A ring from another process wakes a waiter. */
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			usleep(50000);
			_exit(shmdev_region_notify(r) ? 1 : 0);
		}
		assert_int_equal(shmdev_region_wait(o, 5000), 1);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		/* A resize rings too, and moves the generation. */
		if (expected_caps(r) & SHMDEV_CAP_RESIZE) {
			uint64_t gen;

			assert_int_equal(shmdev_region_status(o, &st), 0);
			gen = st.generation;
			assert_int_equal(shmdev_region_resize(r, 8192), 0);
			assert_int_equal(shmdev_region_wait(o, 1000), 1);
			assert_int_equal(shmdev_region_status(o, &st), 0);
			assert_int_equal(st.generation, gen + 1);
			assert_int_equal(st.size, 8192);
		}
		drop_pair(r, o, name);
	}
}

static void test_status(void **state)
{
	struct shmdev_region_status st;
	int i;

	(void)state;
	assert_int_equal(shmdev_region_status(NULL, &st), -EINVAL);
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r, *o;
		char name[64];

		make_pair(backends[i], 4096, &r, &o, name, sizeof(name));
		assert_int_equal(shmdev_region_status(r, NULL), -EINVAL);
		memset(&st, 0xff, sizeof(st));
		assert_int_equal(shmdev_region_status(r, &st), 0);
		assert_true(st.size >= 4096);
		assert_int_equal(st.caps, expected_caps(r));
		assert_int_equal(st.generation, 0);
		assert_int_equal(st.reserved[0] | st.reserved[1] |
				 st.reserved[2] | st.reserved[3], 0);
		/* The status asks the backend: another handle's resize shows. */
		if (st.caps & SHMDEV_CAP_RESIZE) {
			assert_int_equal(shmdev_region_resize(o, 3u << 20), 0);
			assert_int_equal(shmdev_region_status(r, &st), 0);
			assert_true(st.size >= 3u << 20);
			assert_int_equal(shmdev_region_size(r), 4096);
			if (backends[i] == SHMDEV_BACKEND_KERNEL)
				assert_int_equal(st.generation, 1);
		}
		drop_pair(r, o, name);
	}
}

/* memfd's hugetlb regions resize in 2 MiB steps; POPULATE allocates. */
static void test_resize_populate(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r;
		unsigned char *p;

		if (backends[i] == SHMDEV_BACKEND_SYSV)
			continue;
		assert_int_equal(shmdev_region_create(backends[i], NULL, 4096,
						      SHMDEV_REGION_POPULATE, 0600,
						      &r), 0);
		if (!(expected_caps(r) & SHMDEV_CAP_RESIZE)) {
			shmdev_region_close(r);
			continue;
		}
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		assert_int_equal(shmdev_region_resize(r, 1u << 20), 0);
		p = shmdev_region_addr(r);
		p[(1u << 20) - 1] = 1;
		shmdev_region_close(r);
	}
}

/*
 * Park and unpark: the kernel's (a parked handle and mapping are no
 * users, and a region gone with its other users gives -ESTALE); every
 * other backend says -EOPNOTSUPP.
 */
static void test_park(void **state)
{
	struct shmdev_region *one, *two;
	char name[64], *p, *q;
	int i;

	(void)state;
	assert_int_equal(shmdev_region_park(NULL, NULL, 0), -EINVAL);
	assert_int_equal(shmdev_region_unpark(NULL, NULL, 0), -EINVAL);
	for (i = 0; i < nbackends; i++) {
		if (backends[i] == SHMDEV_BACKEND_SYSV)
			continue;	/* no fd to map, nothing to park */
		make_pair(backends[i], 8192, &one, &two, name, sizeof(name));
		assert_int_equal(shmdev_region_map(one, (void **)&p), 0);
		assert_int_equal(shmdev_region_park(one, p, 0), -EINVAL);
		assert_int_equal(shmdev_region_park(one, NULL, 8192), -EINVAL);
		if (backends[i] != SHMDEV_BACKEND_KERNEL) {
			assert_int_equal(shmdev_region_park(one, p, 8192),
					 -EOPNOTSUPP);
			assert_int_equal(shmdev_region_unpark(one, p, 8192),
					 -EOPNOTSUPP);
			drop_pair(one, two, name);
			continue;
		}
		assert_int_equal(shmdev_region_map(two, (void **)&q), 0);
		assert_int_equal(shmdev_region_park(one, p, 8192), 0);
		assert_int_equal(shmdev_region_park(one, p, 8192), -EBADFD);
		assert_int_equal(shmdev_region_notify(one), -EBADFD);
		strcpy(q, "shared");
		assert_string_equal(p, "shared");
		assert_int_equal(shmdev_region_unpark(one, p, 8192), 0);
		assert_int_equal(shmdev_region_size(one), 8192);
		assert_int_equal(shmdev_region_unpark(one, p, 8192), -EINVAL);
		/* Parked again, it goes with the other handle. */
		assert_int_equal(shmdev_region_park(one, p, 8192), 0);
		shmdev_region_close(two);
		assert_int_equal(shmdev_region_unpark(one, p, 8192), -ESTALE);
		assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_KERNEL, name,
						    0, &two), -ENOENT);
		shmdev_region_close(one);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resize),
		cmocka_unit_test(test_resize_errors),
		cmocka_unit_test(test_resize_populate),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_seal_readonly),
		cmocka_unit_test(test_notify_wait),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_park),
	};

	nbackends = unit_backends(backends, 8);
	if (!nbackends)
		return 1;
	return cmocka_run_group_tests_name("resize", tests, NULL, NULL);
}
