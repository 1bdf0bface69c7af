// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev bench: the floor.  What the doubling job costs when nothing but
 * the work and the cheapest possible dispatch is paid: P threads of one
 * process over private memory that is already faulted in, the caller
 * doing one chunk itself and P - 1 threads spinning on a shared generation
 * counter (no barrier, no system call, no sleep).  "limit" has huge pages
 * where THP gives them (MADV_HUGEPAGE), "limit4k" the same on 4 KiB pages
 * (MADV_NOHUGEPAGE), so that a shared path on small pages can be told
 * apart from the TLB misses that any 4 KiB mapping pays.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

struct floor_ctx {
	/* Each counter on its own cache line: a spinner's line moves only
	 * when the value it waits for changes. */
	unsigned int gen __attribute__((aligned(64)));
	unsigned int done __attribute__((aligned(64)));
	int stop;
	uint64_t *x;
	size_t n;
	unsigned int parts;
};

struct floor_thread {
	struct floor_ctx *c;
	unsigned int id;
	pthread_t th;
};

static void pause_cpu(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Chunk @id of @c's even split into parts. */
static void floor_chunk(struct floor_ctx *c, unsigned int id)
{
	size_t per = (c->n + c->parts - 1) / c->parts, first = id * per;

	if (first < c->n)
		doubler(c->x, first, c->n - first < per ? c->n - first : per,
			NULL);
}

static void *floor_main(void *arg)
{
	struct floor_thread *t = arg;
	struct floor_ctx *c = t->c;
	unsigned int seen = 0, g;

	for (;;) {
		while ((g = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE)) == seen)
			pause_cpu();
		seen = g;
		if (__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
			return NULL;
		floor_chunk(c, t->id);
		__atomic_fetch_add(&c->done, 1, __ATOMIC_RELEASE);
	}
}

void run_limit(const struct opts *o, struct result *r, int runs)
{
	size_t bytes = r->n * sizeof(uint64_t);
	unsigned int i, started = 0;
	struct floor_thread *ft;
	struct floor_ctx *c;
	long f0 = faults_now();
	double t0;
	int k;

	c = aligned_alloc(64, sizeof(*c));
	ft = calloc(o->workers, sizeof(*ft));
	if (!c || !ft) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "%s", strerror(ENOMEM));
		goto out_free;
	}
	memset(c, 0, sizeof(*c));
	c->n = r->n;
	c->parts = o->workers;
	c->x = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->x == MAP_FAILED) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "mmap: %s", strerror(errno));
		goto out_free;
	}
	madvise(c->x, bytes, r->path == P_LIMIT4K ? MADV_NOHUGEPAGE :
		MADV_HUGEPAGE);
	fill(c->x, r->n);
	for (i = 1; i < c->parts; i++) {
		ft[i].c = c;
		ft[i].id = i;
		if (pthread_create(&ft[i].th, NULL, floor_main, &ft[i]))
			break;
		started++;
	}
	if (started != c->parts - 1) {
		r->verified = 0;
		snprintf(r->why, sizeof(r->why), "could not start the threads");
	}
	for (k = 0; k <= runs && r->verified; k++) {
		unsigned int want = (unsigned int)k * started + started;

		t0 = now();
		__atomic_store_n(&c->gen, (unsigned int)k + 1, __ATOMIC_RELEASE);
		floor_chunk(c, 0);
		while (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) != want)
			pause_cpu();
		record(r, k, now() - t0);
		if (!verify(c->x, r->n, k + 1)) {
			r->verified = 0;
			snprintf(r->why, sizeof(r->why), "wrong values");
		}
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&c->gen, (unsigned int)k + 1, __ATOMIC_RELEASE);
	for (i = 1; i <= started; i++)
		pthread_join(ft[i].th, NULL);
	r->huge_bytes = huge_in(c->x, bytes);
	r->minflt += faults_now() - f0;
	munmap(c->x, bytes);
out_free:
	free(ft);
	free(c);
}
