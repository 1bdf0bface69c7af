// SPDX-License-Identifier: GPL-2.0
/* shmdev bench: the limit path. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

/* limit: P threads over pre-faulted private memory, two barriers a run. */
struct limit_ctx {
	pthread_barrier_t start, done;
	uint64_t *x;
	size_t n;
	unsigned int workers;
	int stop;
};

struct limit_thread {
	struct limit_ctx *c;
	unsigned int id;
};

static void *limit_main(void *arg)
{
	struct limit_thread *lt = arg;
	struct limit_ctx *c = lt->c;
	size_t per = (c->n + c->workers - 1) / c->workers;

	for (;;) {
		size_t first = lt->id * per;

		pthread_barrier_wait(&c->start);
		if (c->stop)
			return NULL;
		if (first < c->n)
			doubler(c->x, first, c->n - first < per ? c->n - first : per,
				NULL);
		pthread_barrier_wait(&c->done);
	}
}

void run_limit(const struct opts *o, struct result *r, int runs)
{
	int k;
	struct limit_ctx c = { .n = r->n, .workers = o->workers };
	struct limit_thread *lt = calloc(o->workers, sizeof(*lt));
	pthread_t *th = calloc(o->workers, sizeof(*th));
	double t0;
	long f0 = faults_now();
	unsigned int i;

	/* Private, huge pages where the system gives them, pre-faulted. */
	c.x = mmap(NULL, r->n * sizeof(*c.x), PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c.x == MAP_FAILED) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "mmap: %s", strerror(errno));
		free(th);
		free(lt);
		return;
	}
	madvise(c.x, r->n * sizeof(*c.x), MADV_HUGEPAGE);
	fill(c.x, r->n);
	pthread_barrier_init(&c.start, NULL, o->workers + 1);
	pthread_barrier_init(&c.done, NULL, o->workers + 1);
	for (i = 0; i < o->workers; i++) {
		lt[i].c = &c;
		lt[i].id = i;
		pthread_create(&th[i], NULL, limit_main, &lt[i]);
	}
	for (k = 0; k <= runs; k++) {
		t0 = now();
		pthread_barrier_wait(&c.start);
		pthread_barrier_wait(&c.done);
		record(r, k, now() - t0);
		if (!verify(c.x, r->n, k + 1)) {
			r->verified = 0;
			snprintf(r->why, sizeof(r->why), "wrong values");
			break;
		}
	}
	c.stop = 1;
	pthread_barrier_wait(&c.start);
	for (i = 0; i < o->workers; i++)
		pthread_join(th[i], NULL);
	r->huge_bytes = huge_in(c.x, r->n * sizeof(*c.x));
	r->minflt += faults_now() - f0;
	pthread_barrier_destroy(&c.start);
	pthread_barrier_destroy(&c.done);
	munmap(c.x, r->n * sizeof(*c.x));
	free(th);
	free(lt);
}

