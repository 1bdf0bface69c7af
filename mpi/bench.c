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
 * Reports the median time per iteration and the memory per node: the sum
 * of the Pss of the node's ranks, less what they held before (so a page
 * that a node's ranks share counts once), the largest over the nodes.
 * Nodes are MPI's, or simulated by $SHMDEV_MPI_RANKS_PER_NODE.
 *
 *   mpirun -n 4 -x SHMDEV_MPI_RANKS_PER_NODE=2 shmdev-mpi-bench [--sizes 1M,10M] [-i R]
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

struct result {
	double secs, mb;
	int ok;
};

static void report(const char *method, uint64_t n, int iters, struct result r)
{
	if (rank)
		return;
	printf("%12llu  %-8s %12.3f ms %12.1f %6d %s\n", (unsigned long long)n,
	       method, r.secs * 1e3, r.mb, iters, r.ok ? "yes" : "NO");
	fflush(stdout);
}

/* Times @iters runs of @run (after one untimed), median, on rank 0. */
#define TIMED(iters, t, body) do {					\
	int _k;								\
	for (_k = 0; _k <= (iters); _k++) {				\
		double _t0;						\
		MPI_Barrier(MPI_COMM_WORLD);				\
		_t0 = MPI_Wtime();					\
		body;							\
		MPI_Barrier(MPI_COMM_WORLD);				\
		if (_k)							\
			(t)[_k - 1] = MPI_Wtime() - _t0;		\
	}								\
} while (0)

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static struct result run_scatter(MPI_Comm node, uint64_t n, int iters, double *t)
{
	int *counts = calloc((size_t)size, sizeof(int));
	int *displs = calloc((size_t)size, sizeof(int));
	uint64_t first, len, i;
	int64_t *all = NULL, *mine;
	struct result r = { 0 };
	long base = pss_kb();
	int p, ok;

	for (p = 0; p < size; p++) {
		block(n, p, size, &first, &len);
		counts[p] = (int)len;
		displs[p] = (int)first;
	}
	block(n, rank, size, &first, &len);
	mine = malloc(len * sizeof(*mine) + 8);
	if (!rank) {
		all = malloc(n * sizeof(*all));
		for (i = 0; i < n; i++)
			all[i] = (int64_t)i;
	}
	TIMED(iters, t, {
		MPI_Scatterv(all, counts, displs, MPI_INT64_T, mine, (int)len,
			     MPI_INT64_T, 0, MPI_COMM_WORLD);
		doubler(mine, 0, len, NULL);
		MPI_Gatherv(mine, (int)len, MPI_INT64_T, all, counts, displs,
			    MPI_INT64_T, 0, MPI_COMM_WORLD);
	});
	r.mb = node_mb(node, base);
	ok = !rank ? check(all, 0, n, iters + 1) : 1;
	MPI_Allreduce(&ok, &r.ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	r.secs = median(t, iters);
	free(all);
	free(mine);
	free(counts);
	free(displs);
	return r;
}

static struct result run_win(MPI_Comm node, uint64_t n, int iters, double *t)
{
	int nrank, nranks, nodes = 0, index = 0, ok, disp;
	uint64_t nfirst, nlen, first, len, i;
	struct result r = { 0 };
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
	TIMED(iters, t, {
		doubler(x, first, len, NULL);
	});
	r.mb = node_mb(node, base);
	ok = check(x + first, nfirst + first, len, iters + 1);
	MPI_Allreduce(&ok, &r.ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	r.secs = median(t, iters);
	MPI_Win_free(&win);
	return r;
}

static struct result run_shmdev(uint64_t n, int iters, double *t)
{
	struct shmdev_mpi_list *l;
	struct result r = { 0 };
	long base = pss_kb();
	uint64_t i, first, len;
	int64_t *x;
	int nrank, nranks, ok;

	if (shmdev_mpi_list_create(MPI_COMM_WORLD, SHMDEV_BACKEND_DEFAULT,
				   SHMDEV_T_INT64, n, &l))
		return r;
	x = shmdev_mpi_list_node_data(l);
	MPI_Comm_rank(shmdev_mpi_list_node_comm(l), &nrank);
	MPI_Comm_size(shmdev_mpi_list_node_comm(l), &nranks);
	block(shmdev_mpi_list_node_len(l), nrank, nranks, &first, &len);
	for (i = first; i < first + len; i++)
		x[i] = (int64_t)(shmdev_mpi_list_node_first(l) + i);
	TIMED(iters, t, {
		shmdev_mpi_list_apply(l, doubler, NULL, 0);
	});
	r.mb = node_mb(shmdev_mpi_list_node_comm(l), base);
	ok = check(x + first, shmdev_mpi_list_node_first(l) + first, len,
		   iters + 1);
	MPI_Allreduce(&ok, &r.ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
	r.secs = median(t, iters);
	shmdev_mpi_list_free(l);
	return r;
}

static int parse_sizes(const char *arg, uint64_t *sizes, int *n)
{
	char *copy = strdup(arg), *tok, *save, *end;

	*n = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned long long v = strtoull(tok, &end, 10);

		if (*end == 'k' || *end == 'K')
			v *= 1000, end++;
		else if (*end == 'M')
			v *= 1000000, end++;
		if (*end || !v || v > (1ull << 31) || *n == MAX_SIZES) {
			free(copy);
			return -EINVAL;
		}
		sizes[(*n)++] = v;
	}
	free(copy);
	return *n ? 0 : -EINVAL;
}

int main(int argc, char *argv[])
{
	uint64_t sizes[MAX_SIZES] = { 1000000, 10000000, 100000000 };
	int nsizes = 3, iters = 5, i, nodes = 0, nrank;
	const char *rpn = getenv("SHMDEV_MPI_RANKS_PER_NODE");
	struct shmdev_mpi_list *probe;
	MPI_Comm node;
	double *t;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
			if (parse_sizes(argv[++i], sizes, &nsizes))
				goto usage;
		} else if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			iters = atoi(argv[++i]);
			if (iters < 1 || iters > 1000)
				goto usage;
		} else {
			goto usage;
		}
	}
	/* The nodes, as libshmdev-mpi sees them (and the bad settings). */
	if (shmdev_mpi_list_create(MPI_COMM_WORLD, SHMDEV_BACKEND_DEFAULT,
				   SHMDEV_T_INT64, 1, &probe)) {
		if (!rank)
			fprintf(stderr, "shmdev-mpi-bench: could not split the job into nodes (SHMDEV_MPI_RANKS_PER_NODE='%s')\n",
				rpn ? rpn : "");
		MPI_Finalize();
		return 1;
	}
	shmdev_mpi_list_node(probe, &nodes);
	MPI_Comm_dup(shmdev_mpi_list_node_comm(probe), &node);
	shmdev_mpi_list_free(probe);
	MPI_Comm_rank(node, &nrank);
	t = calloc((size_t)iters, sizeof(*t));
	if (!rank) {
		printf("shmdev-mpi-bench: double N int64, %d ranks on %d node%s%s%s%s, median of %d iterations\n",
		       size, nodes, nodes > 1 ? "s" : "",
		       rpn ? " (simulated: SHMDEV_MPI_RANKS_PER_NODE=" : "",
		       rpn ? rpn : "", rpn ? ")" : "", iters);
		printf("%12s  %-8s %15s %12s %6s %s\n", "N", "method",
		       "time/iteration", "MB/node", "iters", "verified");
	}
	for (i = 0; i < nsizes; i++) {
		report("scatter", sizes[i], iters, run_scatter(node, sizes[i], iters, t));
		report("win", sizes[i], iters, run_win(node, sizes[i], iters, t));
		report("shmdev", sizes[i], iters, run_shmdev(sizes[i], iters, t));
	}
	if (!rank)
		printf("MB/node: the largest node's Pss growth (pages its ranks share count once)\n");
	free(t);
	MPI_Comm_free(&node);
	MPI_Finalize();
	return 0;
usage:
	if (!rank)
		fprintf(stderr, "usage: shmdev-mpi-bench [--sizes N,N,...] [-i ITERATIONS]\n");
	MPI_Finalize();
	return 1;
}
