// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Typed lists that grow: shmdev_list_append() and _extend() resize the
 * region geometrically, and readers (another mapping, another process)
 * see the new length.  Over the backends of SHMDEV_TEST_BACKENDS; sysv
 * cannot grow and says -ENOSPC when full.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "shmdev.h"

static enum shmdev_backend backends[8];
static int nbackends;
static int name_seq;

static int can_grow(enum shmdev_backend b)
{
	return b != SHMDEV_BACKEND_SYSV;
}

static void test_extend_errors(void **state)
{
	struct shmdev_list *l, *m;
	int64_t v[4] = { 1, 2, 3, 4 };
	unsigned char buf[4096];

	(void)state;
	assert_int_equal(shmdev_list_extend(NULL, v, 1), -EINVAL);
	assert_int_equal(shmdev_list_append(NULL, v), -EINVAL);
	assert_int_equal(shmdev_list_create(backends[0], NULL, SHMDEV_T_INT64, 4,
					    0, 0, 0600, &l), 0);
	assert_int_equal(shmdev_list_append(l, NULL), -EINVAL);
	assert_int_equal(shmdev_list_extend(l, NULL, 1), -EINVAL);
	assert_int_equal(shmdev_list_extend(l, NULL, 0), 0);
	assert_int_equal(shmdev_list_extend(l, v, 0), 0);
	assert_int_equal(shmdev_list_len(l), 0);
	assert_int_equal(shmdev_list_extend(l, v, SIZE_MAX), -EOVERFLOW);
	assert_int_equal(shmdev_list_extend(l, v, SIZE_MAX / 2), -EOVERFLOW);
	assert_int_equal(shmdev_list_len(l), 0);
	shmdev_list_detach(l);
	/* A mixed list has no typed elements to append. */
	assert_int_equal(shmdev_list_create(backends[0], NULL, SHMDEV_T_MIXED, 4,
					    64, 0, 0600, &m), 0);
	assert_int_equal(shmdev_list_append(m, v), -EINVAL);
	assert_int_equal(shmdev_list_extend(m, v, 2), -EINVAL);
	shmdev_list_detach(m);
	/* A list over a buffer cannot grow: -ENOSPC when full. */
	assert_int_equal(shmdev_list_format(buf, sizeof(buf), SHMDEV_T_INT64, 2,
					    0), 0);
	assert_int_equal(shmdev_list_attach_buffer(buf, sizeof(buf), &l), 0);
	assert_int_equal(shmdev_list_extend(l, v, 2), 0);
	assert_int_equal(shmdev_list_append(l, v), -ENOSPC);
	assert_int_equal(shmdev_list_extend(l, v, 3), -ENOSPC);
	assert_int_equal(shmdev_list_len(l), 2);
	assert_int_equal(shmdev_list_capacity(l), 2);
	shmdev_list_detach(l);
}

/* 100000 appends from capacity 1: all kept, the capacity geometric. */
static void test_append_grows(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_list *l;
		size_t k, grows = 0, cap, last = 1;
		int64_t v, *data;
		int ret;

		assert_int_equal(shmdev_list_create(backends[i], NULL,
						    SHMDEV_T_INT64, 1, 0, 0, 0600,
						    &l), 0);
		for (k = 0; k < 100000; k++) {
			v = (int64_t)k * 3;
			ret = shmdev_list_append(l, &v);
			/* sysv: up to what its segment holds, then full. */
			if (!can_grow(backends[i]) && ret) {
				assert_int_equal(ret, -ENOSPC);
				assert_true(k * 8 <= shmdev_region_size(
					shmdev_list_region(l)));
				break;
			}
			assert_int_equal(ret, 0);
			cap = shmdev_list_capacity(l);
			if (cap != last)
				grows++;
			last = cap;
		}
		if (!can_grow(backends[i])) {
			shmdev_list_detach(l);
			continue;
		}
		assert_int_equal(shmdev_list_len(l), 100000);
		/* Doubling: about log2(100000 / 512) steps, never one per append. */
		assert_true(grows <= 20);
		data = shmdev_list_data(l);
		for (k = 0; k < 100000; k++)
			assert_int_equal(data[k], (int64_t)k * 3);
		assert_int_equal(shmdev_list_get(l, 99999, &v), 0);
		assert_int_equal(v, 99999 * 3);
		shmdev_list_detach(l);
	}
}

/* extend() of many at once, and a pointer taken before stays valid. */
static void test_extend(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_list *l;
		static double in[50000];
		double *before, d;
		size_t k;
		int ret;

		if (!can_grow(backends[i]))
			continue;
		for (k = 0; k < 50000; k++)
			in[k] = (double)k / 2;
		assert_int_equal(shmdev_list_create(backends[i], NULL,
						    SHMDEV_T_DOUBLE, 10, 0, 0,
						    0600, &l), 0);
		assert_int_equal(shmdev_list_extend(l, in, 10), 0);
		before = shmdev_list_data(l);
		ret = shmdev_list_extend(l, in + 10, 49990);
		assert_int_equal(ret, 0);
		assert_int_equal(shmdev_list_len(l), 50000);
		assert_true(shmdev_list_capacity(l) >= 50000);
		/* The old mapping still reads the same memory. */
		assert_true(before[9] == 4.5);
		assert_int_equal(shmdev_list_get(l, 49999, &d), 0);
		assert_true(d == 49999.0 / 2);
		assert_int_equal(shmdev_list_set_len(l, 50000), 0);
		shmdev_list_detach(l);
	}
}

/*
 * A reader attached before the growth, in another process: it sees the
 * new length and the elements at its next access.  And a second handle
 * in this process, through its own mapping.
 */
static void test_reader_sees_growth(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		enum shmdev_backend b = backends[i];
		struct shmdev_region *r2;
		struct shmdev_list *l, *reader;
		int go[2], done[2], sv[2], st;
		char name[64], c;
		int64_t v;
		size_t k;
		pid_t pid;

		if (!can_grow(b))
			continue;
		name[0] = 0;
		if (b == SHMDEV_BACKEND_MEMFD) {
			assert_int_equal(shmdev_list_create(b, NULL, SHMDEV_T_INT64,
							    4, 0, 0, 0600, &l), 0);
			assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
			assert_int_equal(shmdev_region_send(sv[0],
							    shmdev_list_region(l)), 0);
			assert_int_equal(shmdev_region_recv(sv[1], &r2), 0);
			close(sv[0]);
			close(sv[1]);
		} else {
			snprintf(name, sizeof(name), "shmdevtest-gr-%d-%d", getpid(),
				 name_seq++);
			assert_int_equal(shmdev_list_create(b, name, SHMDEV_T_INT64,
							    4, 0,
							    b == SHMDEV_BACKEND_KERNEL ?
							    0 : SHMDEV_REGION_PERSIST,
							    0600, &l), 0);
			assert_int_equal(shmdev_region_open(b, name, 0, &r2), 0);
		}
		assert_int_equal(shmdev_list_attach(r2, &reader), 0);
		v = 5;
		assert_int_equal(shmdev_list_append(l, &v), 0);
		assert_int_equal(shmdev_list_len(reader), 1);
		assert_int_equal(pipe(go), 0);
		assert_int_equal(pipe(done), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int64_t w, n;

			/* Attached (inherited) before the growth. */
			if (read(go[0], &c, 1) != 1)
				_exit(1);
			n = shmdev_list_len(reader);
			if (n != 20000)
				_exit(2);
			for (k = 0; k < 20000; k++)
				if (shmdev_list_get(reader, k, &w) ||
				    w != (int64_t)k + 5)
					_exit(3);
			if (shmdev_list_capacity(reader) < 20000)
				_exit(4);
			_exit(0);
		}
		for (k = 1; k < 20000; k++) {
			v = (int64_t)k + 5;
			assert_int_equal(shmdev_list_append(l, &v), 0);
		}
		assert_int_equal(write(go[1], "g", 1), 1);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
		/* This process's second handle sees it too. */
		assert_int_equal(shmdev_list_len(reader), 20000);
		assert_int_equal(shmdev_list_get(reader, 19999, &v), 0);
		assert_int_equal(v, 19999 + 5);
		/* And can append in turn (one writer at a time). */
		v = -1;
		assert_int_equal(shmdev_list_append(reader, &v), 0);
		assert_int_equal(shmdev_list_len(l), 20001);
		assert_int_equal(shmdev_list_get(l, 20000, &v), 0);
		assert_int_equal(v, -1);
		close(go[0]);
		close(go[1]);
		close(done[0]);
		close(done[1]);
		shmdev_list_detach(reader);
		shmdev_region_close(r2);
		if (name[0])
			assert_int_equal(shmdev_region_unlink(b, name), 0);
		shmdev_list_detach(l);
	}
}

/* A header claiming more capacity than the region holds is corrupt. */
static void test_grown_capacity_checked(void **state)
{
	struct shmdev_list *l;
	unsigned char *mem;
	uint64_t cap, len;
	int64_t v = 1;

	(void)state;
	if (!can_grow(backends[0]))
		skip();
	assert_int_equal(shmdev_list_create(backends[0], NULL, SHMDEV_T_INT64, 4,
					    0, 0, 0600, &l), 0);
	assert_int_equal(shmdev_list_append(l, &v), 0);
	mem = shmdev_region_addr(shmdev_list_region(l));
	cap = 1u << 30;
	len = 1u << 29;
	memcpy(mem + 24, &cap, 8);
	memcpy(mem + 16, &len, 8);
	assert_int_equal(shmdev_list_len(l), -EBADMSG);
	assert_int_equal(shmdev_list_get(l, 0, &v), -EBADMSG);
	/* A length past the capacity, whatever the region holds. */
	cap = 4;
	len = 5;
	memcpy(mem + 24, &cap, 8);
	memcpy(mem + 16, &len, 8);
	assert_int_equal(shmdev_list_len(l), -EBADMSG);
	len = 1;
	memcpy(mem + 16, &len, 8);
	assert_int_equal(shmdev_list_len(l), 1);
	shmdev_list_detach(l);
}

static void add_one(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems;
	size_t k;

	(void)arg;
	for (k = first; k < first + count; k++)
		x[k]++;
}

/* A pool maps the list as it was: a list grown past it is refused. */
static void test_pool_after_growth(void **state)
{
	struct shmdev_pool *p;
	struct shmdev_list *l;
	int64_t v = 1;
	size_t k, cap;

	(void)state;
	if (!can_grow(backends[0]))
		skip();
	assert_int_equal(shmdev_list_create(backends[0], NULL, SHMDEV_T_INT64, 8,
					    0, 0, 0600, &l), 0);
	for (k = 0; k < 8; k++)
		assert_int_equal(shmdev_list_append(l, &v), 0);
	assert_int_equal(shmdev_pool_create(l, 2, 0, &p), 0);
	assert_int_equal(shmdev_pool_run(p, add_one, NULL, 0, 0), 0);
	cap = shmdev_list_capacity(l);
	for (k = 8; k <= cap; k++)
		assert_int_equal(shmdev_list_append(l, &v), 0);
	assert_int_equal(shmdev_pool_run(p, add_one, NULL, 0, 0), -ESTALE);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	assert_int_equal(shmdev_pool_create(l, 2, 0, &p), 0);
	assert_int_equal(shmdev_pool_run(p, add_one, NULL, 0, 0), 0);
	assert_int_equal(shmdev_list_get(l, 0, &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(shmdev_list_get(l, cap, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(shmdev_pool_destroy(p), 0);
	shmdev_list_detach(l);
}

/* A seal against growth stops it, with the seal's -EPERM. */
static void test_growth_sealed(void **state)
{
	struct shmdev_list *l;
	int64_t v = 1;
	size_t k, cap;
	int i, ret = 0;

	(void)state;
	for (i = 0; i < nbackends; i++) {
		struct shmdev_region_status st;

		assert_int_equal(shmdev_list_create(backends[i], NULL,
						    SHMDEV_T_INT64, 4, 0, 0, 0600,
						    &l), 0);
		assert_int_equal(shmdev_region_status(shmdev_list_region(l), &st), 0);
		if (!(st.caps & SHMDEV_CAP_SEAL)) {
			shmdev_list_detach(l);
			continue;
		}
		assert_int_equal(shmdev_region_seal(shmdev_list_region(l),
						    SHMDEV_SEAL_GROW),
				 SHMDEV_SEAL_GROW);
		/* Until the region is full; then the seal's word. */
		for (k = 0; k < 100000; k++) {
			ret = shmdev_list_append(l, &v);
			if (ret)
				break;
		}
		assert_int_equal(ret, -EPERM);
		cap = shmdev_region_size(shmdev_list_region(l));
		assert_true(k < 100000 && k <= cap / 8);
		assert_int_equal((size_t)shmdev_list_len(l), k);
		shmdev_list_detach(l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extend_errors),
		cmocka_unit_test(test_append_grows),
		cmocka_unit_test(test_extend),
		cmocka_unit_test(test_reader_sees_growth),
		cmocka_unit_test(test_grown_capacity_checked),
		cmocka_unit_test(test_pool_after_growth),
		cmocka_unit_test(test_growth_sealed),
	};

	nbackends = unit_backends(backends, 8);
	if (!nbackends)
		return 1;
	return cmocka_run_group_tests_name("growth", tests, NULL, NULL);
}
