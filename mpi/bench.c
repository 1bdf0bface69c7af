// SPDX-License-Identifier: GPL-2.0
/*
 * shmdev-mpi-bench: the doubling workload over the ranks of an MPI job,
 * three ways, at each size:
 *
 *   scatter  what MPI users do today: rank 0 holds the list, scatters it,
 *            every rank doubles its block, rank 0 gathers it back
 *   win      MPI_Win_allocate_shared: one window per node, each rank
 *            doubling its share in place
 *   shmdev   libshmdev-mpi: one shmdev region per node, in place
 *
 * A shared machine drifts: a neighbour's load comes and goes within
 * seconds.  So, as `shmdev bench` does, the runs of one size are split
 * into rounds, and each round runs the three ways in turn, starting one
 * further along each time, so that a neighbour's load falls on each way
 * alike; each way is set up anew in every round and timed warm (one
 * untimed run first).  A way's figure is the median over all its rounds'
 * runs, with the min and max; "x win" is its median over the window's.
 *
 * Memory per node: the sum of the Pss of the node's ranks, less what they
 * held before (so a page that a node's ranks share counts once), the
 * largest over the nodes and the rounds.  Nodes are MPI's, or simulated
 * by $SHMDEV_MPI_RANKS_PER_NODE.
 *
 *   mpirun -n 4 -x SHMDEV_MPI_RANKS_PER_NODE=2 shmdev-mpi-bench [--sizes 1M,10M]
 *          [-i ITERATIONS] [-r ROUNDS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmdev-mpi.h"

#define MAX_SIZES 8

static int rank, size;

static void doubler(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems;
	size_t i;

	(void)arg;
	for (i = first; i < first + count; i++)
		x[i] *= 2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* This process's Pss in kB (/proc/self/smaps_rollup). */
static long pss_kb(void)
{
	char line[256];
	long v = 0;
	FILE *f = fopen("/proc/self/smaps_rollup", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* The largest node's memory since @base, in MB. */
static double node_mb(MPI_Comm node, long base)
{
	long mine = pss_kb() - base, sum = 0, most = 0;

	MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, node);
	MPI_Allreduce(&sum, &most, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
	return (double)most / 1024.0;
}

static void block(uint64_t n, int i, int parts, uint64_t *first, uint64_t *len)
{
	uint64_t per = n / (uint64_t)parts, extra = n % (uint64_t)parts;

	*first = per * (uint64_t)i + ((uint64_t)i < extra ? (uint64_t)i : extra);
	*len = per + ((uint64_t)i < extra ? 1 : 0);
}

static int check(const int64_t *x, uint64_t first, uint64_t len, int times)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		if (x[i] != (int64_t)((first + i) << times))
			return 0;
	return 1;
}

enum method { M_SCATTER, M_WIN, M_SHMDEV, NMETHODS };
static const char *const method_names[NMETHODS] = { "scatter", "win", "shmdev" };

/* One way's runs at one size, over all rounds. */
struct result {
	double *t;		/* timed runs of all rounds */
	int nt;
	double mb;		/* the largest of the rounds */
	int ok;			/* every round verified */
};

/* One untimed run, then @runs timed ones, each between barriers. */
#define TIMED(runs, r, body) do {					\
	int _k;								\
	for (_k = 0; _k <= (runs); _k++) {				\
		double _t0;						\
		MPI_Barrier(MPI_COMM_WORLD);				\
		_t0 = MPI_Wtime();					\
		body;							\
		MPI_Barrier(MPI_COMM_WORLD);				\
		if (_k)							\
			(r)->t[(r)->nt++] = MPI_Wtime() - _t0;		\
	}								\
} while (0)

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* A round's memory and verdict, agreed over the job, into @r. */
static void round_done(struct result *r, MPI_Comm node, long base, int ok)
{
	double mb = node_mb(node, base);
	int all = 0;

	MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	r->ok = r->ok && all;
	if (mb > r->mb)
		r->mb = mb;
}

static void run_scatter(MPI_Comm node, uint64_t n, int runs, struct result *r)
{
	int *counts = calloc((size_t)size, sizeof(int));
	int *displs = calloc((size_t)size, sizeof(int));
	uint64_t first, len, i;
	int64_t *all = NULL, *mine;
	long base = pss_kb();
	int p, ok;

	for (p = 0; counts && displs && p < size; p++) {
		block(n, p, size, &first, &len);
		counts[p] = (int)len;
		displs[p] = (int)first;
	}
	block(n, rank, size, &first, &len);
	mine = malloc(len * sizeof(*mine) + 8);
	if (!rank)
		all = malloc(n * sizeof(*all));
	ok = counts && displs && mine && (rank || all);
	MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	if (!ok) {
		r->ok = 0;
		goto out;
	}
	for (i = 0; !rank && i < n; i++)
		all[i] = (int64_t)i;
	TIMED(runs, r, {
		MPI_Scatterv(all, counts, displs, MPI_INT64_T, mine, (int)len,
			     MPI_INT64_T, 0, MPI_COMM_WORLD);
		doubler(mine, 0, len, NULL);
		MPI_Gatherv(mine, (int)len, MPI_INT64_T, all, counts, displs,
			    MPI_INT64_T, 0, MPI_COMM_WORLD);
	});
	round_done(r, node, base, !rank ? check(all, 0, n, runs + 1) : 1);
out:
	free(all);
	free(mine);
	free(counts);
	free(displs);
}

static void run_win(MPI_Comm node, uint64_t n, int runs, struct result *r)
{
	int nrank, nranks, nodes = 0, index = 0, disp;
	uint64_t nfirst, nlen, first, len, i;
	long base = pss_kb();
	MPI_Comm leaders;
	int64_t *x;
	MPI_Aint sz;
	MPI_Win win;

	MPI_Comm_rank(node, &nrank);
	MPI_Comm_size(node, &nranks);
	MPI_Comm_split(MPI_COMM_WORLD, nrank ? MPI_UNDEFINED : 0, rank, &leaders);
	if (!nrank) {
		MPI_Comm_rank(leaders, &index);
		MPI_Comm_size(leaders, &nodes);
		MPI_Comm_free(&leaders);
	}
	MPI_Bcast(&index, 1, MPI_INT, 0, node);
	MPI_Bcast(&nodes, 1, MPI_INT, 0, node);
	block(n, index, nodes, &nfirst, &nlen);
	MPI_Win_allocate_shared(nrank ? 0 : (MPI_Aint)(nlen * sizeof(int64_t)),
				sizeof(int64_t), MPI_INFO_NULL, node, &x, &win);
	MPI_Win_shared_query(win, 0, &sz, &disp, &x);
	block(nlen, nrank, nranks, &first, &len);
	for (i = first; i < first + len; i++)
		x[i] = (int64_t)(nfirst + i);
	TIMED(runs, r, {
		doubler(x, first, len, NULL);
	});
	round_done(r, node, base, check(x + first, nfirst + first, len, runs + 1));
	MPI_Win_free(&win);
}

static void run_shmdev(uint64_t n, int runs, struct result *r)
{
	struct shmdev_mpi_list *l;
	long base = pss_kb();
	uint64_t i, first, len;
	int64_t *x;
	int nrank, nranks;

	if (shmdev_mpi_list_create(MPI_COMM_WORLD, SHMDEV_BACKEND_DEFAULT,
				   SHMDEV_T_INT64, n, &l)) {
		r->ok = 0;
		return;
	}
	x = shmdev_mpi_list_node_data(l);
	MPI_Comm_rank(shmdev_mpi_list_node_comm(l), &nrank);
	MPI_Comm_size(shmdev_mpi_list_node_comm(l), &nranks);
	block(shmdev_mpi_list_node_len(l), nrank, nranks, &first, &len);
	for (i = first; i < first + len; i++)
		x[i] = (int64_t)(shmdev_mpi_list_node_first(l) + i);
	TIMED(runs, r, {
		shmdev_mpi_list_apply(l, doubler, NULL, 0);
	});
	round_done(r, shmdev_mpi_list_node_comm(l), base,
		   check(x + first, shmdev_mpi_list_node_first(l) + first, len,
			 runs + 1));
	shmdev_mpi_list_free(l);
}

/* One size: every way, in @rounds interleaved rounds; rank 0 reports. */
static void measure(MPI_Comm node, uint64_t n, int iters, int rounds)
{
	int per = (iters + rounds - 1) / rounds, round, j, m, ok = 1;
	struct result r[NMETHODS];
	double med[NMETHODS];

	memset(r, 0, sizeof(r));
	for (m = 0; m < NMETHODS; m++) {
		r[m].t = calloc((size_t)(per * rounds), sizeof(double));
		r[m].ok = 1;
		ok = ok && r[m].t;
	}
	MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	for (round = 0; ok && round < rounds; round++) {
		for (j = 0; j < NMETHODS; j++) {
			m = (j + round) % NMETHODS;
			if (m == M_SCATTER)
				run_scatter(node, n, per, &r[m]);
			else if (m == M_WIN)
				run_win(node, n, per, &r[m]);
			else
				run_shmdev(n, per, &r[m]);
		}
	}
	for (m = 0; m < NMETHODS; m++)
		med[m] = r[m].nt ? median(r[m].t, r[m].nt) : 0;
	for (m = 0; !rank && m < NMETHODS; m++) {
		if (!ok || !r[m].nt) {
			printf("%12llu  %-8s %12s\n", (unsigned long long)n,
			       method_names[m], ok ? "failed" : "out of memory");
			continue;
		}
		printf("%12llu  %-8s %12.3f %10.3f %10.3f %7.2fx %10.1f %5d %s\n",
		       (unsigned long long)n, method_names[m], med[m] * 1e3,
		       r[m].t[0] * 1e3, r[m].t[r[m].nt - 1] * 1e3,
		       med[M_WIN] > 0 ? med[m] / med[M_WIN] : 0, r[m].mb,
		       r[m].nt, r[m].ok ? "yes" : "NO");
	}
	if (!rank)
		fflush(stdout);
	for (m = 0; m < NMETHODS; m++)
		free(r[m].t);
}

static int parse_sizes(const char *arg, uint64_t *sizes, int *n)
{
	char *copy = strdup(arg), *tok, *save, *end;

	*n = 0;
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long v;

		errno = 0;
		v = strtoull(tok, &end, 10);
		if (*end == 'k' || *end == 'K')
			v *= 1000, end++;
		else if (*end == 'M')
			v *= 1000000, end++;
		if (errno || end == tok || *end || !v || v > (1ull << 31) ||
		    *n == MAX_SIZES) {
			free(copy);
			return -EINVAL;
		}
		sizes[(*n)++] = v;
	}
	free(copy);
	return *n ? 0 : -EINVAL;
}

/* A whole number in [lo, hi] from @arg, else -1. */
static int number(const char *arg, int lo, int hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	return errno || end == arg || *end || v < lo || v > hi ? -1 : (int)v;
}

int main(int argc, char *argv[])
{
	uint64_t sizes[MAX_SIZES] = { 1000000, 10000000, 100000000 };
	int nsizes = 3, iters = 15, rounds = 5, i, nodes = 0;
	const char *rpn = getenv("SHMDEV_MPI_RANKS_PER_NODE");
	const char *why = NULL, *opt = "";
	struct shmdev_mpi_list *probe;
	MPI_Comm node;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	for (i = 1; i < argc && !why; i++) {
		opt = argv[i];
		if (strcmp(opt, "--sizes") && strcmp(opt, "-i") && strcmp(opt, "-r"))
			why = "unknown option";
		else if (i + 1 == argc)
			why = "needs a value";
		else if (!strcmp(opt, "--sizes") && parse_sizes(argv[++i], sizes, &nsizes))
			why = "want N,N,... (each 1 to 2^31, with k or M)";
		else if (!strcmp(opt, "-i") && (iters = number(argv[++i], 1, 1000)) < 0)
			why = "want a number of iterations from 1 to 1000";
		else if (!strcmp(opt, "-r") && (rounds = number(argv[++i], 1, 100)) < 0)
			why = "want a number of rounds from 1 to 100";
	}
	if (why) {
		if (!rank)
			fprintf(stderr, "shmdev-mpi-bench: %s: %s\n"
				"usage: shmdev-mpi-bench [--sizes N,N,...] [-i ITERATIONS] [-r ROUNDS]\n",
				opt, why);
		MPI_Finalize();
		return 1;
	}
	/* The nodes, as libshmdev-mpi sees them (and the bad settings). */
	if (shmdev_mpi_list_create(MPI_COMM_WORLD, SHMDEV_BACKEND_DEFAULT,
				   SHMDEV_T_INT64, 1, &probe)) {
		if (!rank)
			fprintf(stderr, "shmdev-mpi-bench: could not split the job into nodes: %s\n",
				shmdev_mpi_last_error());
		MPI_Finalize();
		return 1;
	}
	shmdev_mpi_list_node(probe, &nodes);
	MPI_Comm_dup(shmdev_mpi_list_node_comm(probe), &node);
	shmdev_mpi_list_free(probe);
	if (iters < rounds)
		rounds = iters;
	if (!rank) {
		printf("shmdev-mpi-bench: double N int64, %d ranks on %d node%s%s%s%s; median of %d runs in %d interleaved rounds\n",
		       size, nodes, nodes > 1 ? "s" : "",
		       rpn ? " (simulated: SHMDEV_MPI_RANKS_PER_NODE=" : "",
		       rpn ? rpn : "", rpn ? ")" : "",
		       (iters + rounds - 1) / rounds * rounds, rounds);
		printf("%12s  %-8s %12s %10s %10s %8s %10s %5s %s\n", "N", "method",
		       "median ms", "min ms", "max ms", "x win", "MB/node",
		       "runs", "verified");
	}
	for (i = 0; i < nsizes; i++)
		measure(node, sizes[i], iters, rounds);
	if (!rank)
		printf("MB/node: the largest node's Pss growth (pages its ranks share count once)\n");
	MPI_Comm_free(&node);
	MPI_Finalize();
	return 0;
}
