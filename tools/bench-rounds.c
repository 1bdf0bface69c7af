// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev bench: timing and rounds.  The runs of one size are split into
 * rounds, and each round runs every path in turn, starting one further
 * along each time, so that a neighbour's load falls on every path alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CLOCK_MONOTONIC in nanoseconds, for timing single operations. */
double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

long faults_now(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_minflt + kids.ru_minflt;
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summarize(struct result *r)
{
	double *t = r->t;
	int n = r->nt;

	if (!n)
		return;
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	r->min = t[0];
	r->max = t[n - 1];
	r->median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* Run k of a round took @secs; run 0 warms up and is not counted. */
void record(struct result *r, int k, double secs)
{
	if (k && r->nt < r->cap)
		r->t[r->nt++] = secs;
}

/*
 * About 2 * 10^6 elements doubled per path and size, and at least 45 runs:
 * with the default 9 rounds, 5 timed runs a round even at 10^7, so that
 * no figure rests on the single run that follows a round's set-up.
 */
static int iterations_for(const struct opts *o, size_t n)
{
	long it;

	if (o->iterations)
		return o->iterations;
	it = (long)(2000000 / (n ? n : 1));
	return it < 45 ? 45 : it > 1000 ? 1000 : (int)it;
}

/*
 * Measure every size over every selected path and mode (res[], *@nres),
 * then the setup figures (setup[], *@nsetup).  Returns non-zero when a
 * run could not be verified.
 */
int bench_measure(const struct opts *o, struct result *res, int *nres,
		  struct setup_result *setup, int *nsetup)
{
	int i, pth, md, nr = 0, ns = 0, bad = 0;

	for (i = 0; i < o->nsizes; i++) {
		int first = nr, ncells, per, round, j;

		for (pth = 0; pth < NPATHS; pth++) {
			for (md = 0; md < NMODES; md++) {
				if (!(o->paths & (1u << pth)) || !(o->modes & (1u << md)))
					continue;
				/*
				 * copy and the floor attach nothing: one row,
				 * whatever --mode asks, labelled persistent
				 * (their workers live through every run).
				 */
				if (PATH_ONE_MODE(pth) && md &&
				    o->modes & 1)
					continue;
				res[nr].path = pth;
				res[nr].mode = PATH_ONE_MODE(pth) ? M_PERSISTENT : md;
				res[nr].n = o->sizes[i];
				nr++;
			}
		}
		ncells = nr - first;
		per = (iterations_for(o, o->sizes[i]) + o->rounds - 1) / o->rounds;
		for (j = first; j < nr; j++) {
			res[j].cap = per * o->rounds;
			res[j].t = calloc((size_t)res[j].cap, sizeof(double));
			res[j].verified = res[j].t != NULL;
			if (!res[j].t)
				snprintf(res[j].why, sizeof(res[j].why), "%s",
					 strerror(ENOMEM));
		}
		for (round = 0; round < o->rounds; round++) {
			for (j = 0; j < ncells; j++) {
				struct result *r = &res[first + (j + round) % ncells];

				if (r->skipped || !r->verified)
					continue;
				if (o->progress)
					fprintf(stderr, "\r[N=%zu round %d/%d] %s %s        ",
						r->n, round + 1, o->rounds,
						path_names[r->path],
						mode_names[r->mode]);
				if (r->path == P_COPY)
					run_copy(o, r, per);
				else if (PATH_IS_FLOOR(r->path))
					run_limit(o, r, per);
				else
					run_shared(o, r, per);
				r->rounds++;
			}
		}
		for (j = first; j < nr; j++) {
			summarize(&res[j]);
			if (res[j].rounds)
				res[j].minflt /= res[j].rounds;
			free(res[j].t);
			res[j].t = NULL;
			if (!res[j].skipped && !res[j].verified)
				bad = 1;
		}
	}
	for (pth = 0; o->setup_bytes && pth < NPATHS; pth++) {
		if (!(o->paths & (1u << pth)) || pth == P_COPY)
			continue;
		if (o->progress)
			fprintf(stderr, "\r[setup] %s                    ",
				path_names[pth]);
		memset(&setup[ns], 0, sizeof(setup[0]));
		setup[ns].path = pth;
		run_setup(o, &setup[ns]);
		ns++;
	}
	*nres = nr;
	*nsetup = ns;
	return bad;
}
