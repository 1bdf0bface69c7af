// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sysv names that share a key never reach each other's memory.  The key
 * function is swapped (an internal hook: this test links the static
 * library) so that every name of a test hashes to the same key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "internal.h"

#define PROBES 8	/* sysv.c's SYSV_PROBES */

static key_t base_key;
static key_t fixed_key(const char *name)
{
	(void)name;
	return base_key;
}

static key_t zero_key(const char *name)
{
	(void)name;
	return IPC_PRIVATE;
}

/* A run of PROBES + 1 free keys for this test, the hook pointing at it. */
static int setup(void **state)
{
	unsigned int tries, i;

	(void)state;
	srand((unsigned int)getpid());
	for (tries = 0; tries < 100; tries++) {
		base_key = (key_t)(0x5d000000u | ((unsigned int)rand() & 0xfffff0u));
		for (i = 0; i <= PROBES; i++)
			if (shmget(base_key + (key_t)i, 0, 0) >= 0)
				break;
		if (i > PROBES) {
			shmdev__sysv_key = fixed_key;
			return 0;
		}
	}
	return -1;
}

/* Remove whatever a test left at the keys. */
static int teardown(void **state)
{
	unsigned int i;
	int id;

	(void)state;
	for (i = 0; i <= PROBES; i++) {
		id = shmget(base_key + (key_t)i, 0, 0);
		if (id >= 0)
			shmctl(id, IPC_RMID, NULL);
	}
	return 0;
}

static struct shmdev_region *make(const char *name, size_t size,
				  unsigned int flags, unsigned int mode,
				  int want)
{
	struct shmdev_region *r = NULL;

	assert_int_equal(shmdev_region_create(SHMDEV_BACKEND_SYSV, name, size,
					      SHMDEV_REGION_PERSIST | flags,
					      mode, &r), want);
	return r;
}

static unsigned char *map(struct shmdev_region *r)
{
	void *p;

	assert_int_equal(shmdev_region_map(r, &p), 0);
	return p;
}

static void expect_byte(const char *name, unsigned char want)
{
	struct shmdev_region *r;

	assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_SYSV, name,
					    SHMDEV_REGION_RDONLY, &r), 0);
	assert_int_equal(map(r)[0], want);
	shmdev_region_close(r);
}

static void test_collision(void **state)
{
	struct shmdev_region *a, *b, *r = (void *)1;
	uint64_t ida, idb;

	(void)state;
	a = make("coll-A", 10000, SHMDEV_REGION_EXCL, 0600, 0);
	assert_int_equal(shmdev_region_size(a), 10000);
	map(a)[0] = 'a';
	/* B was never made: its key holds A, which is not B. */
	assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_SYSV, "coll-B", 0, &r),
			 -ENOENT);
	assert_null(r);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "coll-B"),
			 -ENOENT);
	/* Made too, B gets memory of its own, at the next key. */
	b = make("coll-B", 4096, SHMDEV_REGION_EXCL, 0600, 0);
	map(b)[0] = 'b';
	assert_int_equal(map(a)[0], 'a');
	assert_int_equal(shmdev_region_id(a, &ida), 0);
	assert_int_equal(shmdev_region_id(b, &idb), 0);
	assert_true(ida != idb);
	assert_int_equal(shmget(base_key, 0, 0), (int)ida);
	assert_int_equal(shmget(base_key + 1, 0, 0), (int)idb);
	expect_byte("coll-A", 'a');
	expect_byte("coll-B", 'b');
	make("coll-B", 4096, SHMDEV_REGION_EXCL, 0600, -EEXIST);
	/* Without EXCL each name opens its own. */
	r = make("coll-A", 100, 0, 0600, 0);
	assert_int_equal(map(r)[0], 'a');
	shmdev_region_close(r);

	/* Unlinking A leaves B reachable behind the freed key. */
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "coll-A"), 0);
	assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_SYSV, "coll-A", 0, &r),
			 -ENOENT);
	expect_byte("coll-B", 'b');
	/* And B is found there before a new B could take the freed key. */
	make("coll-B", 4096, SHMDEV_REGION_EXCL, 0600, -EEXIST);
	assert_int_equal(shmget(base_key, 0, 0), -1);
	r = make("coll-B", 4096, 0, 0600, 0);
	assert_int_equal(map(r)[0], 'b');
	shmdev_region_close(r);
	/* A new A takes the freed key. */
	shmdev_region_close(a);
	a = make("coll-A", 4096, SHMDEV_REGION_EXCL, 0600, 0);
	assert_int_equal(map(a)[0], 0);
	assert_int_equal(shmdev_region_id(a, &ida), 0);
	assert_int_equal(shmget(base_key, 0, 0), (int)ida);
	expect_byte("coll-B", 'b');

	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "coll-B"), 0);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "coll-B"),
			 -ENOENT);
	expect_byte("coll-A", 0);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "coll-A"), 0);
	shmdev_region_close(a);
	shmdev_region_close(b);
}

/* Names that differ only in their last of 255 bytes stay apart. */
static void test_long_names(void **state)
{
	char n1[SHMDEV_NAME_SIZE], n2[SHMDEV_NAME_SIZE];
	struct shmdev_region *a, *b, *r;

	(void)state;
	memset(n1, 'n', SHMDEV_NAME_MAX);
	n1[SHMDEV_NAME_MAX] = 0;
	memcpy(n2, n1, sizeof(n2));
	n2[SHMDEV_NAME_MAX - 1] = 'm';
	a = make(n1, 4096, SHMDEV_REGION_EXCL, 0600, 0);
	map(a)[0] = 1;
	assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_SYSV, n2, 0, &r),
			 -ENOENT);
	b = make(n2, 4096, SHMDEV_REGION_EXCL, 0600, 0);
	map(b)[0] = 2;
	expect_byte(n1, 1);
	expect_byte(n2, 2);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, n1), 0);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, n2), 0);
	shmdev_region_close(a);
	shmdev_region_close(b);
}

/* Every key of a name taken by others: refused, nothing left behind. */
static void test_all_keys_taken(void **state)
{
	struct shmdev_region *r[PROBES];
	char name[32];
	unsigned int i;

	(void)state;
	for (i = 0; i < PROBES; i++) {
		snprintf(name, sizeof(name), "full-%u", i);
		r[i] = make(name, 4096, SHMDEV_REGION_EXCL, 0600, 0);
	}
	make("full-last", 4096, 0, 0600, -ENOSPC);
	assert_int_equal(shmget(base_key + PROBES, 0, 0), -1);
	for (i = 0; i < PROBES; i++) {
		snprintf(name, sizeof(name), "full-%u", i);
		assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, name),
				 0);
		shmdev_region_close(r[i]);
	}
}

/* Segments made by other programs never match a name. */
static void test_foreign_segments(void **state)
{
	struct shmdev_region *r = NULL;
	unsigned char *p;
	int id, st;
	pid_t pid;

	(void)state;
	/* No tag at all, and a tag-sized tail of garbage. */
	id = shmget(base_key, 4096, IPC_CREAT | IPC_EXCL | 0600);
	assert_true(id >= 0);
	p = shmat(id, NULL, 0);
	assert_true(p != (void *)-1);
	memset(p, 0xff, 4096);
	shmdt(p);
	assert_int_equal(shmdev_region_open(SHMDEV_BACKEND_SYSV, "frn", 0, &r),
			 -ENOENT);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "frn"),
			 -ENOENT);
	r = make("frn", 4096, SHMDEV_REGION_EXCL, 0600, 0);
	assert_int_equal(shmget(base_key + 1, 0, 0), shmdev__region_shmid(r));
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "frn"), 0);
	shmdev_region_close(r);
	/* A segment the caller cannot read might be the name's: EACCES. */
	assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
	id = shmget(base_key, 4096, IPC_CREAT | IPC_EXCL | 0000);
	assert_true(id >= 0);
	pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && setuid(65534))
			_exit(2);
		_exit(shmdev_region_open(SHMDEV_BACKEND_SYSV, "frn", 0, &r) ==
		      -EACCES &&
		      shmdev_region_create(SHMDEV_BACKEND_SYSV, "frn", 4096,
					   SHMDEV_REGION_PERSIST, 0600, &r) ==
		      -EACCES ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(shmctl(id, IPC_RMID, NULL), 0);
}

/* A hash of IPC_PRIVATE never makes a private segment. */
static void test_private_key(void **state)
{
	struct shmdev_region *r;
	struct shmid_ds ds;

	(void)state;
	shmdev__sysv_key = zero_key;
	r = make("zero-key", 4096, SHMDEV_REGION_EXCL, 0600, 0);
	shmdev__sysv_key = fixed_key;
	assert_int_equal(shmctl(shmdev__region_shmid(r), IPC_STAT, &ds), 0);
	assert_true(ds.shm_perm.__key != IPC_PRIVATE);
	shmdev__sysv_key = zero_key;
	expect_byte("zero-key", 0);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "zero-key"),
			 0);
	shmdev__sysv_key = fixed_key;
	shmdev_region_close(r);
}

/* The mode asked for is the segment's, even one its owner cannot write. */
static void test_mode(void **state)
{
	struct shmdev_region *r;
	struct shmid_ds ds;

	(void)state;
	r = make("mode", 4096, SHMDEV_REGION_EXCL, 0440, 0);
	assert_int_equal(shmctl(shmdev__region_shmid(r), IPC_STAT, &ds), 0);
	assert_int_equal(ds.shm_perm.mode & 0777, 0440);
	shmdev_region_close(r);
	expect_byte("mode", 0);
	assert_int_equal(shmdev_region_unlink(SHMDEV_BACKEND_SYSV, "mode"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_collision, NULL, teardown),
		cmocka_unit_test_setup_teardown(test_long_names, NULL, teardown),
		cmocka_unit_test_setup_teardown(test_all_keys_taken, NULL,
						teardown),
		cmocka_unit_test_setup_teardown(test_foreign_segments, NULL,
						teardown),
		cmocka_unit_test_setup_teardown(test_private_key, NULL, teardown),
		cmocka_unit_test_setup_teardown(test_mode, NULL, teardown),
	};

	return cmocka_run_group_tests_name("sysv-names", tests, setup, NULL);
}
