// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Region API over every backend named in SHMDEV_TEST_BACKENDS (default:
 * the user-space ones, memfd sysv posix; the kernel one runs in the guest).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "shmdev.h"

static enum shmdev_backend backends[8];
static int nbackends;
static int name_seq;

static void unique_name(char *buf, size_t len)
{
	snprintf(buf, len, "shmdevtest-%d-%d", getpid(), name_seq++);
}

static int named_ok(enum shmdev_backend b)
{
	return b != SHMDEV_BACKEND_MEMFD;
}

/* Named regions of sysv and posix must be PERSIST. */
static unsigned int named_flags(enum shmdev_backend b)
{
	return b == SHMDEV_BACKEND_KERNEL ? 0 : SHMDEV_REGION_PERSIST;
}

static void test_backend_names(void **state)
{
	enum shmdev_backend b;

	(void)state;
	assert_string_equal(shmdev_backend_name(SHMDEV_BACKEND_KERNEL), "kernel");
	assert_string_equal(shmdev_backend_name(SHMDEV_BACKEND_MEMFD), "memfd");
	assert_string_equal(shmdev_backend_name(SHMDEV_BACKEND_SYSV), "sysv");
	assert_string_equal(shmdev_backend_name(SHMDEV_BACKEND_POSIX), "posix");
	assert_null(shmdev_backend_name((enum shmdev_backend)99));
	assert_int_equal(shmdev_backend_parse("posix", &b), 0);
	assert_int_equal(b, SHMDEV_BACKEND_POSIX);
	assert_int_equal(shmdev_backend_parse("nope", &b), -EINVAL);
	assert_int_equal(shmdev_backend_parse(NULL, &b), -EINVAL);
	assert_int_equal(shmdev_backend_parse("sysv", NULL), -EINVAL);
}

static void test_backend_resolve(void **state)
{
	enum shmdev_backend b;
	char *old = getenv("SHMDEV_BACKEND");
	char *saved = old ? strdup(old) : NULL;

	(void)state;
	assert_int_equal(shmdev_backend_resolve(SHMDEV_BACKEND_SYSV, &b), 0);
	assert_int_equal(b, SHMDEV_BACKEND_SYSV);
	setenv("SHMDEV_BACKEND", "posix", 1);
	assert_int_equal(shmdev_backend_resolve(SHMDEV_BACKEND_DEFAULT, &b), 0);
	assert_int_equal(b, SHMDEV_BACKEND_POSIX);
	setenv("SHMDEV_BACKEND", "bogus", 1);
	assert_int_equal(shmdev_backend_resolve(SHMDEV_BACKEND_DEFAULT, &b),
			 -EINVAL);
	setenv("SHMDEV_BACKEND", "default", 1);
	assert_int_equal(shmdev_backend_resolve(SHMDEV_BACKEND_DEFAULT, &b),
			 -EINVAL);
	unsetenv("SHMDEV_BACKEND");
	assert_int_equal(shmdev_backend_resolve(SHMDEV_BACKEND_DEFAULT, &b), 0);
	assert_int_equal(b, access("/dev/shmlist", F_OK) == 0 ?
			 SHMDEV_BACKEND_KERNEL : SHMDEV_BACKEND_MEMFD);
	assert_int_equal(shmdev_backend_resolve((enum shmdev_backend)42, &b),
			 -EINVAL);
	assert_int_equal(shmdev_backend_resolve(SHMDEV_BACKEND_SYSV, NULL),
			 -EINVAL);
	if (saved) {
		setenv("SHMDEV_BACKEND", saved, 1);
		free(saved);
	}
}

static void test_create_map_unnamed(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r = NULL;
		struct shmdev_region_info info;
		unsigned char *p;
		void *addr;
		size_t k;

		assert_int_equal(shmdev_region_create(backends[i], NULL, 10000, 0,
						      0600, &r), 0);
		assert_non_null(r);
		assert_int_equal(shmdev_region_backend(r), backends[i]);
		assert_true(shmdev_region_size(r) >= 10000);
		assert_int_equal(shmdev_region_map(r, &addr), 0);
		assert_ptr_equal(shmdev_region_addr(r), addr);
		/* Mapping again gives the same mapping. */
		assert_int_equal(shmdev_region_map(r, NULL), 0);
		p = addr;
		for (k = 0; k < 10000; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0x5a, 10000);
		assert_int_equal(shmdev_region_stat(r, &info), 0);
		assert_int_equal(info.backend, backends[i]);
		assert_int_equal(info.writable, 1);
		assert_true(info.size >= 10000);
		assert_true(info.page_size == 4096 || info.page_size == 2u << 20);
		assert_string_equal(info.name, "");
		assert_int_equal(shmdev_region_unmap(r), 0);
		assert_null(shmdev_region_addr(r));
		assert_int_equal(shmdev_region_unmap(r), 0);
		assert_int_equal(shmdev_region_stat(r, &info), 0);
		assert_int_equal(info.page_size, 0);
		if (backends[i] == SHMDEV_BACKEND_SYSV)
			assert_int_equal(shmdev_region_fd(r), -EOPNOTSUPP);
		else
			assert_true(shmdev_region_fd(r) >= 0);
		shmdev_region_close(r);
	}
}

static void test_create_errors(void **state)
{
	static const char *const bad[] = { "", "a/b", "sp ace", "\x01x" };
	struct shmdev_region *r = (void *)1;
	char name[64], longname[300];
	unsigned int k;
	int i;

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];

		assert_int_equal(shmdev_region_create(b, NULL, 0, 0, 0600, &r),
				 -EINVAL);
		assert_null(r);
		assert_int_equal(shmdev_region_create(b, NULL, 4096, 0, 0600, NULL),
				 -EINVAL);
		assert_int_equal(shmdev_region_create(b, NULL, 4096, 1u << 20,
						      0600, &r), -EINVAL);
		assert_int_equal(shmdev_region_create(b, NULL, 4096,
						      SHMDEV_REGION_RDONLY, 0600,
						      &r), -EINVAL);
		assert_int_equal(shmdev_region_create(b, NULL, 4096, 0, 01000,
						      &r), -EINVAL);
		assert_int_equal(shmdev_region_create(b, NULL, (size_t)-1, 0,
						      0600, &r), -EINVAL);
		/* PERSIST needs a name. */
		assert_int_equal(shmdev_region_create(b, NULL, 4096,
						      SHMDEV_REGION_PERSIST, 0600,
						      &r), -EINVAL);
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			assert_int_equal(shmdev_region_create(b, bad[k], 4096,
							      named_flags(b),
							      0600, &r),
					 -EINVAL);
		assert_int_equal(shmdev_region_create(b, longname, 4096,
						      named_flags(b), 0600, &r),
				 -EINVAL);
		unique_name(name, sizeof(name));
		if (b == SHMDEV_BACKEND_MEMFD) {
			/* memfd has no names and cannot persist. */
			assert_int_equal(shmdev_region_create(b, name, 4096, 0,
							      0600, &r),
					 -EOPNOTSUPP);
			assert_int_equal(shmdev_region_create(b, name, 4096,
							      SHMDEV_REGION_PERSIST,
							      0600, &r),
					 -EOPNOTSUPP);
		} else if (b != SHMDEV_BACKEND_KERNEL) {
			/* A name there outlives its users: PERSIST says so. */
			assert_int_equal(shmdev_region_create(b, name, 4096, 0,
							      0600, &r),
					 -EOPNOTSUPP);
		}
		assert_int_equal(shmdev_region_create((enum shmdev_backend)77,
						      NULL, 4096, 0, 0600, &r),
				 -EINVAL);
	}
}

static void test_named_lifecycle(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];
		struct shmdev_region *r, *r2, *ro;
		struct shmdev_region_info info;
		char name[64];
		unsigned char *p, *q;

		if (!named_ok(b))
			continue;
		unique_name(name, sizeof(name));
		assert_int_equal(shmdev_region_create(b, name, 8192,
						      named_flags(b) |
						      SHMDEV_REGION_EXCL,
						      0600, &r), 0);
		assert_int_equal(shmdev_region_create(b, name, 8192,
						      named_flags(b) |
						      SHMDEV_REGION_EXCL,
						      0600, &r2), -EEXIST);
		/* Without EXCL the existing one is opened; bigger does not fit. */
		assert_int_equal(shmdev_region_create(b, name, 4096,
						      named_flags(b), 0600, &r2), 0);
		assert_int_equal(shmdev_region_create(b, name, 1 << 20,
						      named_flags(b), 0600, &ro),
				 -EINVAL);
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		assert_int_equal(shmdev_region_map(r2, (void **)&q), 0);
		p[100] = 7;
		assert_int_equal(q[100], 7);
		shmdev_region_close(r2);

		assert_int_equal(shmdev_region_open(b, name, SHMDEV_REGION_RDONLY,
						    &ro), 0);
		assert_true(shmdev_region_size(ro) >= 8192);
		assert_int_equal(shmdev_region_map(ro, (void **)&q), 0);
		assert_int_equal(q[100], 7);
		assert_int_equal(shmdev_region_stat(ro, &info), 0);
		assert_int_equal(info.writable, 0);
		assert_string_equal(info.name, name);
		shmdev_region_close(ro);

		assert_int_equal(shmdev_region_unlink(b, name), 0);
		assert_int_equal(shmdev_region_unlink(b, name), -ENOENT);
		assert_int_equal(shmdev_region_open(b, name, 0, &ro), -ENOENT);
		/* Still usable by who has it. */
		p[101] = 8;
		assert_int_equal(p[101], 8);
		shmdev_region_close(r);
	}
}

static void test_open_unlink_errors(void **state)
{
	struct shmdev_region *r = (void *)1;
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];
		int want = named_ok(b) ? -ENOENT : -EOPNOTSUPP;

		assert_int_equal(shmdev_region_open(b, NULL, 0, &r), -EINVAL);
		assert_int_equal(shmdev_region_open(b, "x", 0, NULL), -EINVAL);
		assert_int_equal(shmdev_region_open(b, "x", 1u << 9, &r), -EINVAL);
		assert_int_equal(shmdev_region_open(b, "a/b", 0, &r), -EINVAL);
		assert_int_equal(shmdev_region_open(b, "", 0, &r), -EINVAL);
		assert_int_equal(shmdev_region_open(b, "shmdevtest-none", 0, &r),
				 want);
		assert_null(r);
		assert_int_equal(shmdev_region_unlink(b, NULL), -EINVAL);
		assert_int_equal(shmdev_region_unlink(b, "a/b"), -EINVAL);
		assert_int_equal(shmdev_region_unlink(b, ""), -EINVAL);
		assert_int_equal(shmdev_region_unlink(b, "shmdevtest-none"), want);
	}
	assert_int_equal(shmdev_region_map(NULL, NULL), -EINVAL);
	assert_int_equal(shmdev_region_unmap(NULL), -EINVAL);
	assert_int_equal(shmdev_region_stat(NULL, NULL), -EINVAL);
	assert_int_equal(shmdev_region_fd(NULL), -EINVAL);
	assert_null(shmdev_region_addr(NULL));
	assert_int_equal(shmdev_region_size(NULL), 0);
	assert_int_equal(shmdev_region_backend(NULL), SHMDEV_BACKEND_DEFAULT);
	shmdev_region_close(NULL);
}

/* The longest name works on every backend with names; one more does not. */
static void test_name_limits(void **state)
{
	char name[SHMDEV_NAME_SIZE + 1];
	struct shmdev_region *r;
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];

		if (!named_ok(b))
			continue;
		memset(name, 'L', SHMDEV_NAME_MAX);
		snprintf(name, 16, "t%d-%d", getpid(), i);
		name[strlen(name)] = 'L';
		name[SHMDEV_NAME_MAX] = 0;
		assert_int_equal(shmdev_region_create(b, name, 4096,
						      named_flags(b) |
						      SHMDEV_REGION_EXCL,
						      0600, &r), 0);
		shmdev_region_close(r);
		assert_int_equal(shmdev_region_open(b, name, 0, &r), 0);
		shmdev_region_close(r);
		assert_int_equal(shmdev_region_unlink(b, name), 0);
		name[SHMDEV_NAME_MAX] = 'L';
		name[SHMDEV_NAME_MAX + 1] = 0;
		assert_int_equal(shmdev_region_create(b, name, 4096,
						      named_flags(b), 0600, &r),
				 -EINVAL);
		assert_int_equal(shmdev_region_open(b, name, 0, &r), -EINVAL);
		assert_int_equal(shmdev_region_unlink(b, name), -EINVAL);
	}
}

/*
 * A posix block named N is CPython's /dev/shm/N (shm_open("/N")), both
 * ways; "." and ".." would name the directory and are refused.
 */
static void test_posix_names(void **state)
{
	static const char *const dots[] = { ".", ".." };
	struct shmdev_region *r = (void *)1;
	char name[64], path[80];
	unsigned char *p, *q;
	struct stat st;
	unsigned int k;
	int fd, i;

	(void)state;
	for (i = 0; i < nbackends && backends[i] != SHMDEV_BACKEND_POSIX; i++)
		;
	if (i == nbackends)
		skip();	/* posix is not among SHMDEV_TEST_BACKENDS */
	unique_name(name, sizeof(name));
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	assert_int_equal(shmdev_region_create(SHMDEV_BACKEND_POSIX, name, 4096,
					      SHMDEV_REGION_PERSIST, 0600, &r),
			 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4096);
	assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
	p[0] = 'c';
	fd = shm_open(path + 8, O_RDWR, 0);
	assert_true(fd >= 0);
	q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(q != MAP_FAILED);
	assert_int_equal(q[0], 'c');
	munmap(q, 4096);
	close(fd);
	shmdev_region_close(r);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_POSIX, name), 0);
	assert_int_equal(access(path, F_OK), -1);

	/* Made the way CPython makes it, opened by name. */
	fd = shm_open(path + 8, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 8192), 0);
	assert_int_equal(pwrite(fd, "p", 1, 100), 1);
	close(fd);
	assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_POSIX, name, 0, &r), 0);
	assert_int_equal(shmdev_region_size(r), 8192);
	assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
	assert_int_equal(p[100], 'p');
	shmdev_region_close(r);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_POSIX, name), 0);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_POSIX, name),
			 -ENOENT);

	for (k = 0; k < sizeof(dots) / sizeof(dots[0]); k++) {
		assert_int_equal(shmdev_region_create(SHMDEV_BACKEND_POSIX, dots[k],
						      4096, SHMDEV_REGION_PERSIST,
						      0600, &r), -EINVAL);
		assert_null(r);
		assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_POSIX, dots[k],
						    0, &r), -EINVAL);
		assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_POSIX,
						      dots[k]), -EINVAL);
	}
}

static void test_populate(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r;
		unsigned char *p;

		assert_int_equal(shmdev_region_create(backends[i], NULL, 1 << 20,
						      SHMDEV_REGION_POPULATE, 0600,
						      &r), 0);
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		assert_int_equal(p[12345], 0);
		shmdev_region_close(r);
	}
}

/* A forked child sees the region; sending it over a socket works. */
/*
 * shmdev_huge_bytes agrees with the region's own stat on every backend,
 * counts nothing where nothing is mapped, and reports anonymous memory in
 * whole 2 MiB pages.
 */
static void test_huge_bytes(void **state)
{
	const size_t len = 8u << 20;
	struct shmdev_region_info info;
	uint64_t bytes = 1;
	unsigned char *p;
	size_t j;
	int i;

	(void)state;
	assert_int_equal(shmdev_huge_bytes(NULL, 4096, NULL), -EINVAL);
	assert_int_equal(shmdev_huge_bytes(&bytes, 0, &bytes), 0);
	assert_int_equal(bytes, 0);
	bytes = 1;
	/* Page zero is never mapped. */
	assert_int_equal(shmdev_huge_bytes((void *)4096, 4096, &bytes), 0);
	assert_int_equal(bytes, 0);
	/* A range that would wrap around the address space. */
	assert_int_equal(shmdev_huge_bytes((void *)~(uintptr_t)4095, 8192,
					   &bytes), 0);
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r;

		assert_int_equal(shmdev_region_create(backends[i], NULL, 4 << 20,
						      0, 0600, &r), 0);
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		for (j = 0; j < 4u << 20; j += 4096)
			p[j] = 1;
		assert_int_equal(shmdev_region_stat(r, &info), 0);
		assert_int_equal(shmdev_huge_bytes(p, 4 << 20, &bytes), 0);
		assert_int_equal(bytes, info.huge_bytes);
		shmdev_region_close(r);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	assert_true(p != MAP_FAILED);
	madvise(p, len, MADV_HUGEPAGE);
	memset(p, 1, len);
	assert_int_equal(shmdev_huge_bytes(p + 4096, 1, &bytes), 0);
	assert_true(bytes <= len && bytes % (2u << 20) == 0);
	munmap(p, len);
}

static void test_send_recv(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r, *got;
		unsigned char *p;
		int sv[2], st;
		pid_t pid;

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		assert_int_equal(shmdev_region_create(backends[i], NULL, 65536, 0,
						      0600, &r), 0);
		assert_int_equal(shmdev_region_map(r, (void **)&p), 0);
		p[10] = 42;
		pid = fork();
		if (pid == 0) {
			struct shmdev_region *c;
			unsigned char *q;

			close(sv[0]);
			if (shmdev_region_recv(sv[1], &c))
				_exit(2);
			if (shmdev_region_map(c, (void **)&q) || q[10] != 42)
				_exit(3);
			q[11] = 43;
			shmdev_region_close(c);
			_exit(0);
		}
		close(sv[1]);
		assert_int_equal(shmdev_region_send(sv[0], r), 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		assert_int_equal(p[11], 43);
		close(sv[0]);
		shmdev_region_close(r);

		/* Garbage on the socket is refused. */
		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		assert_int_equal(write(sv[0], "junk", 4), 4);
		assert_int_equal(shmdev_region_recv(sv[1], &got), -EBADMSG);
		assert_null(got);
		close(sv[0]);
		close(sv[1]);
	}
	assert_int_equal(shmdev_region_send(-1, NULL), -EINVAL);
	assert_int_equal(shmdev_region_recv(-1, NULL), -EINVAL);
}

/* memfd and unnamed regions are gone with their last user. */
static void test_no_leak_unnamed(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region *r;
		pid_t pid;
		int st;

		pid = fork();
		if (pid == 0) {
			if (shmdev_region_create(backends[i], NULL, 1 << 20, 0,
						 0600, &r))
				_exit(2);
			shmdev_region_map(r, NULL);
			raise(SIGKILL);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
	}
	/* Nothing named shmdev.anon stays in /dev/shm. */
	assert_int_equal(system("ls /dev/shm 2>/dev/null | grep -q shmdev.anon"),
			 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_backend_resolve),
		cmocka_unit_test(test_create_map_unnamed),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_named_lifecycle),
		cmocka_unit_test(test_open_unlink_errors),
		cmocka_unit_test(test_name_limits),
		cmocka_unit_test(test_posix_names),
		cmocka_unit_test(test_populate),
		cmocka_unit_test(test_huge_bytes),
		cmocka_unit_test(test_send_recv),
		cmocka_unit_test(test_no_leak_unnamed),
	};

	nbackends = unit_backends(backends, 8);
	if (!nbackends)
		return 1;
	return cmocka_run_group_tests_name("region", tests, NULL, NULL);
}
