// SPDX-License-Identifier: GPL-2.0
/*
 * libshmdev-mpi under mpirun: scatter a list of N int64 from rank 0,
 * double it R times with shmdev_mpi_list_apply(), gather it back and
 * verify; each node holds one region (counted by the regions' inodes) and
 * one copy (the ranks' Pss of the node's mapping adds up to the node's
 * part once, not once per rank); no name is left at any time.
 *
 * usage: t_mpi_list N R [kill|badroot]
 *   kill     rank 1 dies (SIGKILL) inside the first apply: mpirun must
 *            end the job with an error, not hang
 *   badroot  gather to a rank that does not exist: -EINVAL on every rank
 * Prints "ok nodes=K regions=K ..." from rank 0 and exits 0, or 1.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmdev-mpi.h"

static int kill_rank = -1;

static void doubler(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems;
	size_t i;

	(void)arg;
	if (kill_rank >= 0)
		raise(SIGKILL);
	for (i = first; i < first + count; i++)
		x[i] *= 2;
}

/* kB of Pss of the mapping that holds @addr (/proc/self/smaps). */
static long mapping_pss_kb(const void *addr)
{
	unsigned long lo, hi, a = (unsigned long)addr;
	char line[512];
	long pss = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') <
		    strchr(line, ' ')) {
			in = a >= lo && a < hi;
			continue;
		}
		if (in && sscanf(line, "Pss: %ld kB", &pss) == 1)
			break;
	}
	fclose(f);
	return pss;
}

/* Names of regions this job could have left: posix files, kernel names. */
static int names_left(void)
{
	char line[512];
	glob_t g;
	int n = 0;
	FILE *f;

	if (!glob("/dev/shm/shmdev.mpi.*", 0, NULL, &g))
		n += (int)g.gl_pathc;
	globfree(&g);
	f = fopen("/proc/shmdev", "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			n += strstr(line, " shmdev.mpi.") != NULL;
		fclose(f);
	}
	return n;
}

int main(int argc, char *argv[])
{
	struct shmdev_mpi_list *l;
	int rank, size, nodes, node, nrank, nranks, err, fail = 0, i;
	unsigned long long n, runs, k;
	int64_t *buf = NULL;
	unsigned long long id[2], *ids = NULL;
	long pss, node_pss = 0;
	struct stat st;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc < 3) {
		if (!rank)
			fprintf(stderr, "usage: t_mpi_list N R [kill|badroot]\n");
		MPI_Finalize();
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	runs = strtoull(argv[2], NULL, 10);
	err = shmdev_mpi_list_create(MPI_COMM_WORLD, SHMDEV_BACKEND_DEFAULT,
				     SHMDEV_T_INT64, n, &l);
	if (err) {
		if (!rank)
			printf("error: could not create the list: %s\n",
			       strerror(-err));
		MPI_Finalize();
		return 3;
	}
	node = shmdev_mpi_list_node(l, &nodes);
	if (!rank) {
		buf = malloc(n * sizeof(*buf) + 1);
		for (k = 0; k < n; k++)
			buf[k] = (int64_t)k;
	}
	if (argc > 3 && !strcmp(argv[3], "badroot")) {
		err = shmdev_mpi_list_gather(l, size, buf);
		if (!rank)
			printf("%s: gather to rank %d: %s\n",
			       err == -EINVAL ? "ok" : "FAIL", size, strerror(-err));
		shmdev_mpi_list_free(l);
		MPI_Finalize();
		return err == -EINVAL ? 0 : 1;
	}
	if (argc > 3 && !strcmp(argv[3], "kill") && rank == 1)
		kill_rank = 1;
	fail |= shmdev_mpi_list_scatter(l, 0, buf) != 0;
	for (k = 0; k < runs; k++)
		fail |= shmdev_mpi_list_apply(l, doubler, NULL, 0) != 0;

	/* One region per node: count distinct (device, inode) pairs. */
	memset(&st, 0, sizeof(st));
	fstat(shmdev_region_fd(shmdev_list_region(shmdev_mpi_list_local(l))), &st);
	id[0] = st.st_dev;
	id[1] = st.st_ino;
	if (!rank)
		ids = calloc((size_t)size, sizeof(id));
	MPI_Gather(id, 2, MPI_UNSIGNED_LONG_LONG, ids, 2,
		   MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
	/* One copy per node: the node's Pss of the mapping adds up once. */
	pss = mapping_pss_kb(shmdev_mpi_list_node_data(l));
	MPI_Reduce(&pss, &node_pss, 1, MPI_LONG, MPI_SUM, 0,
		   shmdev_mpi_list_node_comm(l));
	MPI_Comm_rank(shmdev_mpi_list_node_comm(l), &nrank);
	MPI_Comm_size(shmdev_mpi_list_node_comm(l), &nranks);
	if (nrank == 0) {
		long want = (long)(shmdev_mpi_list_node_len(l) * 8 / 1024);

		/* Every page was touched (scatter, apply): the node's Pss is
		 * its part's size once, within a page per rank. */
		if (node_pss > want + 4L * nranks + 8 ||
		    node_pss < want - 4L * nranks - 8) {
			printf("FAIL: node %d: the Pss of its region adds up to %ld kB, want %ld kB\n",
			       node, node_pss, want);
			fail = 1;
		} else {
			printf("node %d: %d ranks, %llu elements, Pss %ld kB in all (one copy: %ld kB)\n",
			       node, nranks,
			       (unsigned long long)shmdev_mpi_list_node_len(l),
			       node_pss, want);
		}
	}
	fail |= names_left() != 0;
	fail |= shmdev_mpi_list_gather(l, 0, buf) != 0;
	if (!rank) {
		int regions = 0, j;

		for (i = 0; i < size; i++) {
			for (j = 0; j < i; j++)
				if (ids[2 * i] == ids[2 * j] &&
				    ids[2 * i + 1] == ids[2 * j + 1])
					break;
			regions += j == i;
		}
		for (k = 0; k < n; k++)
			if (buf[k] != (int64_t)(k << runs)) {
				printf("FAIL: element %llu is %lld, want %llu\n", k,
				       (long long)buf[k], k << runs);
				fail = 1;
				break;
			}
		if (regions != nodes) {
			printf("FAIL: %d regions for %d nodes\n", regions, nodes);
			fail = 1;
		}
		if (!fail)
			printf("ok nodes=%d regions=%d ranks=%d n=%llu runs=%llu\n",
			       nodes, regions, size, n, runs);
	}
	shmdev_mpi_list_free(l);
	if (names_left()) {
		printf("FAIL: rank %d: a region's name is left\n", rank);
		fail = 1;
	}
	MPI_Allreduce(MPI_IN_PLACE, &fail, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	free(buf);
	free(ids);
	MPI_Finalize();
	return fail;
}
