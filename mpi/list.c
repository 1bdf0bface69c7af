// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev-mpi: one shmdev typed list per node, shared by the node's
 * ranks, the whole partitioned across nodes (shmdev-mpi.h).
 *
 * Creation: the node's first rank (its leader) creates the node's list
 * under a random name and broadcasts the name; the other ranks open and
 * attach it; once all have, the leader removes the name.  Every step's
 * result is agreed on by an Allreduce, so that every rank returns the
 * same error and nobody is left waiting in a later collective.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmdev-mpi.h"

struct shmdev_mpi_list {
	MPI_Comm comm;		/* a dup of the creator's communicator */
	MPI_Comm node;		/* the ranks of this node */
	MPI_Comm leaders;	/* each node's rank 0, or MPI_COMM_NULL */
	struct shmdev_region *region;	/* NULL on the leader: the list owns it */
	struct shmdev_list *list;
	MPI_Datatype elem;	/* one element, as bytes */
	size_t elsize;
	uint64_t len, first, node_len;
	int node_index, nodes, node_rank, node_ranks;
	int *leader_of;		/* rank in comm -> its node's leader's rank */
};

/* Every rank's @err (0 or -errno), agreed on: the first failure wins. */
static int agree(MPI_Comm comm, int err)
{
	int all = 0;

	if (MPI_Allreduce(&err, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
		return -EIO;
	return all;
}

/* The node's ranks: shared memory, or $SHMDEV_MPI_RANKS_PER_NODE ranks. */
static int split_nodes(MPI_Comm comm, MPI_Comm *node)
{
	const char *env = getenv("SHMDEV_MPI_RANKS_PER_NODE");
	int rank, bad = 0;
	long per = 0;
	char *end;

	MPI_Comm_rank(comm, &rank);
	if (env && *env) {
		errno = 0;
		per = strtol(env, &end, 10);
		bad = errno || *end || per < 1 || per > INT_MAX;
	}
	if (agree(comm, bad ? -EINVAL : 0))
		return -EINVAL;
	if (env && *env)
		return MPI_Comm_split(comm, rank / (int)per, rank, node) ==
		       MPI_SUCCESS ? 0 : -EIO;
	return MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank,
				   MPI_INFO_NULL, node) == MPI_SUCCESS ? 0 : -EIO;
}

/* Block distribution: node @i of @nodes holds [*first, *first + *len). */
static void node_part(uint64_t n, int i, int nodes, uint64_t *first,
		      uint64_t *len)
{
	uint64_t per = n / (uint64_t)nodes, extra = n % (uint64_t)nodes;
	uint64_t k = (uint64_t)i;

	*first = per * k + (k < extra ? k : extra);
	*len = per + (k < extra ? 1 : 0);
}

static enum shmdev_backend named_backend(enum shmdev_backend b)
{
	enum shmdev_backend got;

	if (shmdev_backend_resolve(b, &got))
		return b;
	/* Ranks are separate processes: a memfd has no name to open by. */
	return got == SHMDEV_BACKEND_MEMFD && b == SHMDEV_BACKEND_DEFAULT ?
	       SHMDEV_BACKEND_POSIX : got;
}

/* The leader makes the node's list; the others attach it by name. */
static int make_node_list(struct shmdev_mpi_list *l, enum shmdev_backend b,
			  enum shmdev_type type)
{
	char name[64] = "";
	unsigned int flags = SHMDEV_REGION_EXCL;
	struct timespec ts;
	int err = 0, err2;

	if (b == SHMDEV_BACKEND_POSIX || b == SHMDEV_BACKEND_SYSV)
		flags |= SHMDEV_REGION_PERSIST;	/* removed below, at once */
	if (l->node_rank == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		/* posix names are /dev/shm/NAME: the prefix says whose. */
		snprintf(name, sizeof(name), "shmdev.mpi.%d.%lx.%lx", (int)getpid(),
			 (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec);
		err = shmdev_list_create(b, name, type,
					 l->node_len ? l->node_len : 1, 0,
					 flags, 0600, &l->list);
		if (!err)
			err = shmdev_list_set_len(l->list, l->node_len);
	}
	/* The name, or the leader's error, to the node. */
	MPI_Bcast(&err, 1, MPI_INT, 0, l->node);
	if (err)
		return agree(l->comm, err);
	MPI_Bcast(name, sizeof(name), MPI_CHAR, 0, l->node);
	if (l->node_rank != 0) {
		err = shmdev_region_open(b, name, 0, &l->region);
		if (!err)
			err = shmdev_list_attach(l->region, &l->list);
		if (!err && (shmdev_list_type(l->list) != type ||
			     shmdev_list_len(l->list) != (int64_t)l->node_len))
			err = -EBADMSG;
	}
	err = agree(l->node, err);
	/* Everyone has it mapped (or gave up): the name can go. */
	if (l->node_rank == 0) {
		err2 = shmdev_region_unlink(b, name);
		if (!err)
			err = err2;
	}
	return agree(l->comm, err);
}

static void release(struct shmdev_mpi_list *l)
{
	if (l->list)
		shmdev_list_detach(l->list);
	shmdev_region_close(l->region);
	if (l->elem != MPI_DATATYPE_NULL)
		MPI_Type_free(&l->elem);
	if (l->leaders != MPI_COMM_NULL)
		MPI_Comm_free(&l->leaders);
	if (l->node != MPI_COMM_NULL)
		MPI_Comm_free(&l->node);
	if (l->comm != MPI_COMM_NULL)
		MPI_Comm_free(&l->comm);
	free(l->leader_of);
	free(l);
}

int shmdev_mpi_list_create(MPI_Comm comm, enum shmdev_backend backend,
			   enum shmdev_type type, uint64_t len,
			   struct shmdev_mpi_list **out)
{
	struct shmdev_mpi_list *l;
	size_t elsize = shmdev_type_size(type);
	int rank, size, leader, err;

	if (!out)
		return -EINVAL;
	*out = NULL;
	err = !elsize || type == SHMDEV_T_MIXED || len > (uint64_t)INT64_MAX /
	      8 ? -EINVAL : 0;
	l = calloc(1, sizeof(*l));
	if (!l && !err)
		err = -ENOMEM;
	err = agree(comm, err);
	if (err) {
		free(l);
		return err;
	}
	l->comm = l->node = l->leaders = MPI_COMM_NULL;
	l->elem = MPI_DATATYPE_NULL;
	l->elsize = elsize;
	l->len = len;
	MPI_Comm_dup(comm, &l->comm);
	MPI_Comm_rank(l->comm, &rank);
	MPI_Comm_size(l->comm, &size);
	err = split_nodes(l->comm, &l->node);
	if (err)
		goto fail;
	MPI_Comm_rank(l->node, &l->node_rank);
	MPI_Comm_size(l->node, &l->node_ranks);
	MPI_Comm_split(l->comm, l->node_rank == 0 ? 0 : MPI_UNDEFINED, rank,
		       &l->leaders);
	if (l->node_rank == 0) {
		MPI_Comm_rank(l->leaders, &l->node_index);
		MPI_Comm_size(l->leaders, &l->nodes);
	}
	MPI_Bcast(&l->node_index, 1, MPI_INT, 0, l->node);
	MPI_Bcast(&l->nodes, 1, MPI_INT, 0, l->node);
	/* Which rank leads each rank's node: gathers and scatters need it. */
	l->leader_of = calloc((size_t)size, sizeof(int));
	err = agree(l->comm, l->leader_of ? 0 : -ENOMEM);
	if (err)
		goto fail;
	leader = rank;
	MPI_Bcast(&leader, 1, MPI_INT, 0, l->node);
	MPI_Allgather(&leader, 1, MPI_INT, l->leader_of, 1, MPI_INT, l->comm);
	node_part(len, l->node_index, l->nodes, &l->first, &l->node_len);
	MPI_Type_contiguous((int)elsize, MPI_BYTE, &l->elem);
	MPI_Type_commit(&l->elem);
	err = make_node_list(l, named_backend(backend), type);
	if (err)
		goto fail;
	*out = l;
	return 0;
fail:
	release(l);
	return err;
}

int shmdev_mpi_list_free(struct shmdev_mpi_list *l)
{
	if (!l)
		return 0;
	/* Nobody unmaps while another rank may still write its chunk. */
	MPI_Barrier(l->comm);
	release(l);
	return 0;
}

uint64_t shmdev_mpi_list_len(const struct shmdev_mpi_list *l)
{
	return l ? l->len : 0;
}

uint64_t shmdev_mpi_list_node_first(const struct shmdev_mpi_list *l)
{
	return l ? l->first : 0;
}

uint64_t shmdev_mpi_list_node_len(const struct shmdev_mpi_list *l)
{
	return l ? l->node_len : 0;
}

void *shmdev_mpi_list_node_data(const struct shmdev_mpi_list *l)
{
	return l ? shmdev_list_data(l->list) : NULL;
}

int shmdev_mpi_list_node(const struct shmdev_mpi_list *l, int *nodes)
{
	if (!l)
		return -EINVAL;
	if (nodes)
		*nodes = l->nodes;
	return l->node_index;
}

MPI_Comm shmdev_mpi_list_node_comm(const struct shmdev_mpi_list *l)
{
	return l ? l->node : MPI_COMM_NULL;
}

struct shmdev_list *shmdev_mpi_list_local(const struct shmdev_mpi_list *l)
{
	return l ? l->list : NULL;
}

int shmdev_mpi_list_apply(struct shmdev_mpi_list *l, shmdev_apply_fn fn,
			  void *arg, size_t chunk)
{
	unsigned char *data;
	uint64_t n, k, nchunks;
	int err;

	if (!l)
		return -EINVAL;
	err = agree(l->comm, fn ? 0 : -EINVAL);
	if (err)
		return err;
	data = shmdev_list_data(l->list);
	n = l->node_len;
	if (!chunk)
		chunk = (size_t)((n + (uint64_t)l->node_ranks - 1) /
				 (uint64_t)l->node_ranks);
	if (!chunk)
		chunk = 1;
	nchunks = (n + chunk - 1) / chunk;
	for (k = (uint64_t)l->node_rank; k < nchunks; k += (uint64_t)l->node_ranks) {
		uint64_t off = k * chunk, cnt = n - off < chunk ? n - off : chunk;

		fn(data, (size_t)off, (size_t)cnt, arg);
	}
	/* Done when every node is: the list is whole again. */
	return MPI_Barrier(l->comm) == MPI_SUCCESS ? 0 : -EIO;
}

/*
 * The ranks taking part in a gather or scatter at @root: every node's
 * leader, and @root.  Fills counts and displacements (in elements) for
 * that communicator: a node's part comes from (or goes to) its leader,
 * except that @root's own node is copied in memory by @root itself.
 */
static int transfer_comm(struct shmdev_mpi_list *l, int root, MPI_Comm *xfer,
			 int *xroot, int **counts, int **displs)
{
	int rank, size, xsize, xrank, i, in, root_leader;
	uint64_t part[2];
	uint64_t *parts;

	MPI_Comm_rank(l->comm, &rank);
	MPI_Comm_size(l->comm, &size);
	if (agree(l->comm, root < 0 || root >= size ? -EINVAL : 0))
		return -EINVAL;
	root_leader = l->leader_of[root];
	in = l->node_rank == 0 || rank == root;
	MPI_Comm_split(l->comm, in ? 0 : MPI_UNDEFINED, rank == root ? -1 : rank,
		       xfer);
	if (!in)
		return 0;
	MPI_Comm_size(*xfer, &xsize);
	MPI_Comm_rank(*xfer, &xrank);
	*xroot = 0;			/* @root sorted first by its key */
	part[0] = l->first;
	part[1] = l->node_len;
	/* @root's node travels by memory: its leader sends nothing. */
	if (rank == root || rank == root_leader)
		part[1] = 0;
	parts = malloc(2 * sizeof(uint64_t) * (size_t)xsize);
	*counts = calloc((size_t)xsize, sizeof(int));
	*displs = calloc((size_t)xsize, sizeof(int));
	if (agree(*xfer, parts && *counts && *displs ? 0 : -ENOMEM)) {
		free(parts);
		return -ENOMEM;
	}
	MPI_Allgather(part, 2, MPI_UINT64_T, parts, 2, MPI_UINT64_T, *xfer);
	for (i = 0; i < xsize; i++) {
		if (parts[2 * i] > INT_MAX || parts[2 * i + 1] > INT_MAX) {
			free(parts);
			return -EOVERFLOW;
		}
		(*displs)[i] = (int)parts[2 * i];
		(*counts)[i] = (int)parts[2 * i + 1];
	}
	free(parts);
	return 0;
}

static int transfer(struct shmdev_mpi_list *l, int root, void *buf,
		    int gather)
{
	MPI_Comm xfer = MPI_COMM_NULL;
	int *counts = NULL, *displs = NULL, rank, xroot = 0, err, ret = 0;
	unsigned char *data = shmdev_list_data(l->list);
	size_t bytes = (size_t)l->node_len * l->elsize;

	MPI_Comm_rank(l->comm, &rank);
	err = agree(l->comm, rank == root && !buf && l->len ? -EINVAL : 0);
	if (err)
		return err;
	err = transfer_comm(l, root, &xfer, &xroot, &counts, &displs);
	err = agree(l->comm, err);
	if (!err && xfer != MPI_COMM_NULL) {
		int xrank, scount;

		MPI_Comm_rank(xfer, &xrank);
		scount = counts[xrank];
		if (rank == root && bytes) {
			unsigned char *mine = (unsigned char *)buf +
					      l->first * l->elsize;

			if (gather)
				memcpy(mine, data, bytes);
			else
				memcpy(data, mine, bytes);
		}
		if (gather)
			ret = MPI_Gatherv(rank == root ? MPI_IN_PLACE : data,
					  scount, l->elem, buf, counts, displs,
					  l->elem, xroot, xfer);
		else
			ret = MPI_Scatterv(buf, counts, displs, l->elem,
					   rank == root ? MPI_IN_PLACE : data,
					   scount, l->elem, xroot, xfer);
		err = ret == MPI_SUCCESS ? 0 : -EIO;
	}
	if (xfer != MPI_COMM_NULL)
		MPI_Comm_free(&xfer);
	free(counts);
	free(displs);
	err = agree(l->comm, err);
	/* A scatter is done when every node's ranks see their part. */
	if (!err && !gather)
		MPI_Barrier(l->comm);
	return err;
}

int shmdev_mpi_list_gather(struct shmdev_mpi_list *l, int root, void *buf)
{
	return l ? transfer(l, root, buf, 1) : -EINVAL;
}

int shmdev_mpi_list_scatter(struct shmdev_mpi_list *l, int root,
			    const void *buf)
{
	return l ? transfer(l, root, (void *)buf, 0) : -EINVAL;
}
