// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The shareable list: typed and mixed lists, bulk access, apply, and
 * attaching to corrupted or hostile headers.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"
#include "shmdev.h"

/* Header field offsets, from docs/list-format.md. */
#define H_MAGIC		0
#define H_VERSION	8
#define H_HDRSIZE	10
#define H_TYPE		12
#define H_LENGTH	16
#define H_CAPACITY	24
#define H_DATA		32
#define H_HEAPOFF	40
#define H_HEAPSIZE	48
#define H_HEAPUSED	56

static enum shmdev_backend backend(void)
{
	enum shmdev_backend b[8];

	return unit_backends(b, 8) ? b[0] : SHMDEV_BACKEND_MEMFD;
}

static void put64(unsigned char *mem, size_t off, uint64_t v)
{
	memcpy(mem + off, &v, sizeof(v));
}

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(shmdev_type_size(SHMDEV_T_INT64), 8);
	assert_int_equal(shmdev_type_size(SHMDEV_T_UINT64), 8);
	assert_int_equal(shmdev_type_size(SHMDEV_T_DOUBLE), 8);
	assert_int_equal(shmdev_type_size(SHMDEV_T_INT32), 4);
	assert_int_equal(shmdev_type_size(SHMDEV_T_FLOAT), 4);
	assert_int_equal(shmdev_type_size(SHMDEV_T_UINT8), 1);
	assert_int_equal(shmdev_type_size(SHMDEV_T_MIXED), 16);
	assert_int_equal(shmdev_type_size((enum shmdev_type)7), 0);
	assert_int_equal(shmdev_list_bytes(SHMDEV_T_INT64, 10, 0), 64 + 128);
	assert_int_equal(shmdev_list_bytes(SHMDEV_T_INT64, 10, 5), 0);
	assert_int_equal(shmdev_list_bytes((enum shmdev_type)9, 10, 0), 0);
	assert_int_equal(shmdev_list_bytes(SHMDEV_T_INT64, SIZE_MAX / 4, 0), 0);
	assert_int_equal(shmdev_list_bytes(SHMDEV_T_MIXED, 2, 100), 64 + 64 + 100);
}

static void test_typed_roundtrip(void **state)
{
	static const enum shmdev_type types[] = {
		SHMDEV_T_INT64, SHMDEV_T_UINT64, SHMDEV_T_DOUBLE,
		SHMDEV_T_INT32, SHMDEV_T_FLOAT, SHMDEV_T_UINT8,
	};
	unsigned int t;

	(void)state;
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		struct shmdev_list *l;
		unsigned char in[8 * 100], out[8 * 100], e[8];
		size_t es = shmdev_type_size(types[t]), i;

		assert_int_equal(shmdev_list_create(backend(), NULL, types[t], 100,
						    0, 0, 0600, &l), 0);
		assert_int_equal(shmdev_list_type(l), types[t]);
		assert_int_equal(shmdev_list_capacity(l), 100);
		assert_int_equal(shmdev_list_len(l), 0);
		assert_int_equal(shmdev_list_get(l, 0, e), -ERANGE);
		for (i = 0; i < sizeof(in); i++)
			in[i] = (unsigned char)(i * 7 + t);
		assert_int_equal(shmdev_list_set_len(l, 100), 0);
		assert_int_equal(shmdev_list_set_len(l, 101), -EINVAL);
		assert_int_equal(shmdev_list_set_range(l, 0, 100, in), 0);
		assert_int_equal(shmdev_list_get_range(l, 0, 100, out), 0);
		assert_memory_equal(in, out, 100 * es);
		assert_int_equal(shmdev_list_get(l, 99, e), 0);
		assert_memory_equal(e, in + 99 * es, es);
		assert_int_equal(shmdev_list_set(l, 5, in + 50 * es), 0);
		assert_int_equal(shmdev_list_get(l, 5, e), 0);
		assert_memory_equal(e, in + 50 * es, es);
		assert_memory_equal((unsigned char *)shmdev_list_data(l) + 5 * es,
				    in + 50 * es, es);
		/* Ranges past the length. */
		assert_int_equal(shmdev_list_get(l, 100, e), -ERANGE);
		assert_int_equal(shmdev_list_set(l, 100, e), -ERANGE);
		assert_int_equal(shmdev_list_get_range(l, 90, 11, out), -ERANGE);
		assert_int_equal(shmdev_list_set_range(l, 101, 0, in), -ERANGE);
		assert_int_equal(shmdev_list_get_range(l, SIZE_MAX, 2, out),
				 -ERANGE);
		assert_int_equal(shmdev_list_get_range(l, 100, 0, NULL), 0);
		assert_int_equal(shmdev_list_get(l, 1, NULL), -EINVAL);
		/* Full: a region that can resize grows (test_growth.c). */
		if (backend() == SHMDEV_BACKEND_SYSV) {
			assert_int_equal(shmdev_list_append(l, e), -ENOSPC);
			assert_int_equal(shmdev_list_capacity(l), 100);
		} else {
			assert_int_equal(shmdev_list_append(l, e), 0);
			assert_true(shmdev_list_capacity(l) >= 200);
		}
		assert_int_equal(shmdev_list_set_len(l, 98), 0);
		assert_int_equal(shmdev_list_append(l, e), 0);
		assert_int_equal(shmdev_list_len(l), 99);
		shmdev_list_detach(l);
	}
}

static void dbl(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems;
	size_t i;

	for (i = first; i < first + count; i++)
		x[i] = x[i] * 2 + (arg ? *(int64_t *)arg : 0);
}

static void test_apply(void **state)
{
	struct shmdev_list *l;
	int64_t v, add = 1;
	size_t i;

	(void)state;
	assert_int_equal(shmdev_list_create(backend(), NULL, SHMDEV_T_INT64, 1000,
					    0, 0, 0600, &l), 0);
	for (i = 0; i < 1000; i++) {
		v = (int64_t)i;
		assert_int_equal(shmdev_list_append(l, &v), 0);
	}
	assert_int_equal(shmdev_list_apply(l, 10, 20, dbl, &add), 0);
	assert_int_equal(shmdev_list_get(l, 9, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(shmdev_list_get(l, 10, &v), 0);
	assert_int_equal(v, 21);
	assert_int_equal(shmdev_list_get(l, 29, &v), 0);
	assert_int_equal(v, 59);
	assert_int_equal(shmdev_list_get(l, 30, &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(shmdev_list_apply(l, 990, 11, dbl, NULL), -ERANGE);
	assert_int_equal(shmdev_list_apply(l, 0, 1, NULL, NULL), -EINVAL);
	assert_int_equal(shmdev_list_apply(NULL, 0, 1, dbl, NULL), -EINVAL);
	shmdev_list_detach(l);
}

static void test_mixed(void **state)
{
	static const char s1[] = "caf\xc3\xa9 \x00 nul";	/* UTF-8 with a NUL */
	struct shmdev_list *l;
	struct shmdev_value v, g;
	int64_t e = 0;

	(void)state;
	assert_int_equal(shmdev_list_create(backend(), NULL, SHMDEV_T_MIXED, 8,
					    64, 0, 0600, &l), 0);
	assert_null(shmdev_list_data(l));
	assert_int_equal(shmdev_list_set_len(l, 6), 0);
	/* Fresh slots are None. */
	assert_int_equal(shmdev_list_get_value(l, 0, &g), 0);
	assert_int_equal(g.kind, SHMDEV_KIND_NONE);

	memset(&v, 0, sizeof(v));
	v.kind = SHMDEV_KIND_INT;
	v.i = -5;
	assert_int_equal(shmdev_list_set_value(l, 0, &v), 0);
	v.kind = SHMDEV_KIND_FLOAT;
	v.f = 2.5;
	assert_int_equal(shmdev_list_set_value(l, 1, &v), 0);
	v.kind = SHMDEV_KIND_BOOL;
	v.b = 7;
	assert_int_equal(shmdev_list_set_value(l, 2, &v), 0);
	v.kind = SHMDEV_KIND_STR;
	v.ptr = s1;
	v.len = sizeof(s1) - 1;
	assert_int_equal(shmdev_list_set_value(l, 3, &v), 0);
	v.kind = SHMDEV_KIND_BYTES;
	v.ptr = "\xff\x00\x01";
	v.len = 3;
	assert_int_equal(shmdev_list_set_value(l, 4, &v), 0);
	v.kind = SHMDEV_KIND_NONE;
	assert_int_equal(shmdev_list_set_value(l, 5, &v), 0);

	assert_int_equal(shmdev_list_get_value(l, 0, &g), 0);
	assert_int_equal(g.kind, SHMDEV_KIND_INT);
	assert_int_equal(g.i, -5);
	assert_int_equal(shmdev_list_get_value(l, 1, &g), 0);
	assert_true(g.kind == SHMDEV_KIND_FLOAT && g.f == 2.5);
	assert_int_equal(shmdev_list_get_value(l, 2, &g), 0);
	assert_true(g.kind == SHMDEV_KIND_BOOL && g.b == 1);
	assert_int_equal(shmdev_list_get_value(l, 3, &g), 0);
	assert_int_equal(g.kind, SHMDEV_KIND_STR);
	assert_int_equal(g.len, sizeof(s1) - 1);	/* bytes, NUL kept */
	assert_memory_equal(g.ptr, s1, sizeof(s1) - 1);
	assert_int_equal(shmdev_list_get_value(l, 4, &g), 0);
	assert_true(g.kind == SHMDEV_KIND_BYTES && g.len == 3);
	assert_memory_equal(g.ptr, "\xff\x00\x01", 3);
	assert_int_equal(shmdev_list_get_value(l, 5, &g), 0);
	assert_int_equal(g.kind, SHMDEV_KIND_NONE);

	/* A shorter str reuses its bytes; invalid UTF-8 is refused. */
	v.kind = SHMDEV_KIND_STR;
	v.ptr = "ab";
	v.len = 2;
	assert_int_equal(shmdev_list_set_value(l, 3, &v), 0);
	assert_int_equal(shmdev_list_get_value(l, 3, &g), 0);
	assert_true(g.len == 2 && !memcmp(g.ptr, "ab", 2));
	v.ptr = "\xc3\x28";
	assert_int_equal(shmdev_list_set_value(l, 3, &v), -EILSEQ);
	v.ptr = "\xed\xa0\x80";	/* a surrogate */
	v.len = 3;
	assert_int_equal(shmdev_list_set_value(l, 3, &v), -EILSEQ);
	v.ptr = "\xe0\x80\x80";	/* overlong */
	assert_int_equal(shmdev_list_set_value(l, 3, &v), -EILSEQ);
	/* The heap fills up. */
	v.kind = SHMDEV_KIND_BYTES;
	v.ptr = calloc(1, 100);
	v.len = 100;
	assert_int_equal(shmdev_list_set_value(l, 5, &v), -ENOSPC);
	free((void *)v.ptr);
	/* Bad calls. */
	v.kind = (enum shmdev_kind)9;
	assert_int_equal(shmdev_list_set_value(l, 0, &v), -EINVAL);
	v.kind = SHMDEV_KIND_STR;
	v.ptr = NULL;
	v.len = 1;
	assert_int_equal(shmdev_list_set_value(l, 0, &v), -EINVAL);
	assert_int_equal(shmdev_list_set_value(l, 6, &v), -ERANGE);
	assert_int_equal(shmdev_list_get_value(l, 6, &g), -ERANGE);
	assert_int_equal(shmdev_list_get_value(l, 0, NULL), -EINVAL);
	assert_int_equal(shmdev_list_get(l, 0, &e), -EINVAL);
	assert_int_equal(shmdev_list_append(l, &e), -EINVAL);
	shmdev_list_detach(l);
}

/* Another process attaches the same list by name and sees the data. */
static void test_attach_shared(void **state)
{
	enum shmdev_backend b = backend();
	struct shmdev_list *l;
	char name[64];
	int64_t v = 77;
	pid_t pid;
	int st;

	(void)state;
	if (b == SHMDEV_BACKEND_MEMFD)
		b = SHMDEV_BACKEND_POSIX;	/* needs a name */
	snprintf(name, sizeof(name), "shmdevtest-list-%d", getpid());
	assert_int_equal(shmdev_list_create(b, name, SHMDEV_T_INT64, 4, 0,
					    b == SHMDEV_BACKEND_KERNEL ? 0 :
					    SHMDEV_REGION_PERSIST, 0600, &l), 0);
	assert_int_equal(shmdev_list_append(l, &v), 0);
	pid = fork();
	if (pid == 0) {
		struct shmdev_region *r;
		struct shmdev_list *c;
		int64_t w;

		if (shmdev_region_open(b, name, 0, &r) ||
		    shmdev_list_attach(r, &c) || shmdev_list_get(c, 0, &w) ||
		    w != 77)
			_exit(1);
		w = 78;
		if (shmdev_list_append(c, &w))
			_exit(2);
		shmdev_list_detach(c);
		shmdev_region_close(r);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(shmdev_list_len(l), 2);
	assert_int_equal(shmdev_list_get(l, 1, &v), 0);
	assert_int_equal(v, 78);
	assert_int_equal(shmdev_region_unlink(b, name), 0);
	shmdev_list_detach(l);
}

/* Build a valid typed list in @mem, then let the caller break it. */
static void fresh(unsigned char *mem, size_t size)
{
	memset(mem, 0xee, size);
	assert_int_equal(shmdev_list_format(mem, size, SHMDEV_T_INT64, 8, 0), 0);
	put64(mem, H_LENGTH, 8);
}

static void expect_bad(unsigned char *mem, size_t size)
{
	struct shmdev_list *l = (void *)1;

	assert_int_equal(shmdev_list_attach_buffer(mem, size, &l), -EBADMSG);
	assert_null(l);
}

static void test_corrupt_header(void **state)
{
	unsigned char mem[4096];
	struct shmdev_list *l;
	uint16_t u16;
	uint32_t u32;
	int64_t v;

	(void)state;
	fresh(mem, sizeof(mem));
	assert_int_equal(shmdev_list_attach_buffer(mem, sizeof(mem), &l), 0);
	shmdev_list_detach(l);

	expect_bad(mem, 63);				/* no room for a header */
	fresh(mem, sizeof(mem));
	mem[H_MAGIC] ^= 1;
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	u16 = 2;
	memcpy(mem + H_VERSION, &u16, 2);
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	u16 = 128;
	memcpy(mem + H_HDRSIZE, &u16, 2);
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	u32 = 99;
	memcpy(mem + H_TYPE, &u32, 4);
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_CAPACITY, 1ull << 62);		/* overflows */
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_CAPACITY, 600);			/* past the region */
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_DATA, 32);				/* inside the header */
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_DATA, 100);			/* unaligned */
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_DATA, UINT64_MAX - 63);
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_LENGTH, 9);			/* over capacity */
	expect_bad(mem, sizeof(mem));
	fresh(mem, sizeof(mem));
	put64(mem, H_HEAPSIZE, 10);			/* heap on a typed list */
	expect_bad(mem, sizeof(mem));

	/* Mixed: heap bounds. */
	memset(mem, 0, sizeof(mem));
	assert_int_equal(shmdev_list_format(mem, sizeof(mem), SHMDEV_T_MIXED, 4,
					    256), 0);
	assert_int_equal(shmdev_list_attach_buffer(mem, sizeof(mem), &l), 0);
	shmdev_list_detach(l);
	put64(mem, H_HEAPOFF, 64);			/* overlaps the slots */
	expect_bad(mem, sizeof(mem));
	put64(mem, H_HEAPOFF, 4000);			/* runs past the end */
	expect_bad(mem, sizeof(mem));
	put64(mem, H_HEAPOFF, 128);
	put64(mem, H_HEAPUSED, 257);			/* used > size */
	expect_bad(mem, sizeof(mem));

	/* Changed after attach: every access re-checks. */
	fresh(mem, sizeof(mem));
	assert_int_equal(shmdev_list_attach_buffer(mem, sizeof(mem), &l), 0);
	put64(mem, H_LENGTH, 1000);
	assert_int_equal(shmdev_list_len(l), -EBADMSG);
	assert_int_equal(shmdev_list_get(l, 0, &v), -EBADMSG);
	assert_int_equal(shmdev_list_append(l, &v), -EBADMSG);
	shmdev_list_detach(l);

	assert_int_equal(shmdev_list_attach_buffer(NULL, 10, &l), -EINVAL);
	assert_int_equal(shmdev_list_attach_buffer(mem, 10, NULL), -EINVAL);
	assert_int_equal(shmdev_list_format(mem, 100, SHMDEV_T_INT64, 8, 0),
			 -ENOSPC);
	assert_int_equal(shmdev_list_format(NULL, 100, SHMDEV_T_INT64, 8, 0),
			 -EINVAL);
}

static void test_corrupt_slots(void **state)
{
	unsigned char mem[4096];
	struct shmdev_list *l;
	struct shmdev_value g;
	unsigned char *slot = mem + 64;

	(void)state;
	memset(mem, 0, sizeof(mem));
	assert_int_equal(shmdev_list_format(mem, sizeof(mem), SHMDEV_T_MIXED, 4,
					    256), 0);
	put64(mem, H_LENGTH, 4);
	assert_int_equal(shmdev_list_attach_buffer(mem, sizeof(mem), &l), 0);
	slot[0] = 9;					/* unknown kind */
	assert_int_equal(shmdev_list_get_value(l, 0, &g), -EBADMSG);
	slot[0] = SHMDEV_KIND_STR;			/* past the heap */
	memcpy(slot + 4, &(uint32_t){ 16 }, 4);
	put64(slot, 8, 250);
	assert_int_equal(shmdev_list_get_value(l, 0, &g), -EBADMSG);
	put64(slot, 8, UINT64_MAX - 4);			/* wraps */
	assert_int_equal(shmdev_list_get_value(l, 0, &g), -EBADMSG);
	put64(slot, 8, 240);				/* just fits */
	assert_int_equal(shmdev_list_get_value(l, 0, &g), 0);
	assert_int_equal(g.len, 16);
	slot[0] = SHMDEV_KIND_BOOL;
	put64(slot, 8, 2);
	assert_int_equal(shmdev_list_get_value(l, 0, &g), -EBADMSG);
	/* heap_used corrupted: allocation refuses. */
	put64(mem, H_HEAPUSED, 1000);
	g.kind = SHMDEV_KIND_BYTES;
	g.ptr = "x";
	g.len = 1;
	assert_int_equal(shmdev_list_set_value(l, 1, &g), -EBADMSG);
	shmdev_list_detach(l);
}

/*
 * A hostile peer rewrites the header, slots and heap at random while this
 * process uses the list: every call answers (errors allowed), nothing
 * reads or writes outside the region (ASan watches in the -san build).
 * A heap offset the library failed to check is read here, so it crashes.
 */
static void test_hostile_peer(void **state)
{
	struct shmdev_list *l, *t;
	struct shmdev_value v;
	unsigned char *mem, *tmem;
	size_t size, tsize, i;
	int64_t e;
	pid_t pid, parent;
	int st, errors = 0;

	(void)state;
	assert_int_equal(shmdev_list_create(SHMDEV_BACKEND_MEMFD, NULL,
					    SHMDEV_T_MIXED, 64, 4096, 0, 0600,
					    &l), 0);
	assert_int_equal(shmdev_list_create(SHMDEV_BACKEND_MEMFD, NULL,
					    SHMDEV_T_INT64, 64, 0, 0, 0600, &t),
			 0);
	mem = shmdev_region_addr(shmdev_list_region(l));
	size = shmdev_region_size(shmdev_list_region(l));
	tmem = shmdev_region_addr(shmdev_list_region(t));
	tsize = shmdev_region_size(shmdev_list_region(t));
	shmdev_list_set_len(l, 64);
	shmdev_list_set_len(t, 64);
	parent = getpid();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t x = 88172645463325252ull;
		unsigned char hdr[64], thdr[64];
		size_t k;

		/* Not past this test program, even if it crashes. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(1);
		memcpy(hdr, mem, sizeof(hdr));
		memcpy(thdr, tmem, sizeof(thdr));
		/*
		 * Until this process is done with the list and kills it.  Now
		 * and then the headers come back, so that the reader also meets
		 * a valid header over scribbled slots, not only a dead list.
		 */
		for (k = 0;; k++) {
			if (!(k & 0xfff)) {
				memcpy(mem, hdr, sizeof(hdr));
				memcpy(tmem, thdr, sizeof(thdr));
			}
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Mostly the header and slots, sometimes anywhere. */
			mem[(k & 3) ? x % 1088 : x % size] = (unsigned char)(x >> 32);
			tmem[(k & 3) ? x % 64 : x % tsize] = (unsigned char)(x >> 40);
		}
	}
	for (i = 0; i < 20000; i++) {
		size_t k = i % 70, j;

		/* Every slot (and some past the end) between two writes. */
		for (j = 0; j < 70; j++) {
			if (shmdev_list_get_value(l, j, &v) == 0 &&
			    (v.kind == SHMDEV_KIND_STR ||
			     v.kind == SHMDEV_KIND_BYTES) && v.len)
				e = ((const unsigned char *)v.ptr)[v.len - 1];
			else
				errors++;
		}
		v.kind = SHMDEV_KIND_BYTES;
		v.ptr = "peer";
		v.len = 4;
		shmdev_list_set_value(l, k, &v);
		if (shmdev_list_get(t, k, &e))
			errors++;
		shmdev_list_set(t, k, &e);
		shmdev_list_len(l);
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	assert_true(errors > 0);	/* the peer did get noticed */
	shmdev_list_detach(l);
	shmdev_list_detach(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_typed_roundtrip),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_attach_shared),
		cmocka_unit_test(test_corrupt_header),
		cmocka_unit_test(test_corrupt_slots),
		cmocka_unit_test(test_hostile_peer),
	};

	return cmocka_run_group_tests_name("list", tests, NULL, NULL);
}
