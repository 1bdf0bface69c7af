/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev-mpi: a typed list distributed over the nodes of an MPI job,
 * held once per node in a shmdev region shared by that node's ranks.
 *
 * The ranks of a node are those of MPI_Comm_split_type(MPI_COMM_TYPE_SHARED),
 * or, to simulate several nodes on one machine, consecutive groups of
 * $SHMDEV_MPI_RANKS_PER_NODE ranks (the same value on every rank).  The
 * list is partitioned in contiguous blocks, one per node; within a node
 * every rank maps the same region, so work on it copies nothing.  Data
 * crosses nodes only in shmdev_mpi_list_gather() and _scatter().
 *
 * Every function taking @l or @comm is collective over the communicator
 * the list was created on, and returns the same value on every rank.
 * Before any collective that depends on them, the ranks compare their
 * arguments and settings ($SHMDEV_MPI_RANKS_PER_NODE, and $SHMDEV_BACKEND
 * for the default backend: set on every rank or on none, with the same
 * value): one rank's mistake fails every rank alike, never a hang.  Such
 * a failure's reason (the setting or argument, and the ranks that differ)
 * is printed once, by rank 0 of the communicator, on stderr, as
 * "shmdev-mpi: SHMDEV_MPI_RANKS_PER_NODE differs between ranks: '2' on
 * ranks 0-1; unset on ranks 2-3", and every rank can read it from
 * shmdev_mpi_last_error().  A
 * region's name is removed as soon as every rank of its node has it
 * mapped, so the memory goes with the last process that maps it, also
 * when the job is killed.  A rank that dies makes MPI end the job (its
 * default error handler): the others never wait for it for ever.
 */
#ifndef SHMDEV_MPI_H
#define SHMDEV_MPI_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include <shmdev.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SHMDEV_MPI_BUILDING_LIB)
#define SHMDEV_MPI_EXPORT __attribute__((visibility("default")))
#else
#define SHMDEV_MPI_EXPORT
#endif

struct shmdev_mpi_list;

/*
 * shmdev_mpi_list_create - a list of @len elements of @type (not MIXED)
 * over @comm, zero-filled, on @backend (DEFAULT: the kernel module if
 * loaded, else posix; memfd, which has no name to open by, is refused).
 * Returns 0 and *@out on every rank, or the same negative errno on every
 * rank: -EINVAL (a bad type, a length over INT64_MAX / 8, a bad backend,
 * a bad $SHMDEV_MPI_RANKS_PER_NODE or $SHMDEV_BACKEND, or any of these
 * differing between ranks), -ENOMEM, or the region's errors.
 */
SHMDEV_MPI_EXPORT int shmdev_mpi_list_create(MPI_Comm comm,
					     enum shmdev_backend backend,
					     enum shmdev_type type,
					     uint64_t len,
					     struct shmdev_mpi_list **out);

/*
 * shmdev_mpi_last_error - why this thread's last failed shmdev_mpi call
 * failed, the same text on every rank (e.g. "SHMDEV_BACKEND='foo': not
 * one of kernel, memfd, sysv, posix"), or "".  Not collective.
 */
SHMDEV_MPI_EXPORT const char *shmdev_mpi_last_error(void);

/* shmdev_mpi_list_free - unmap and free; collective.  NULL is fine. */
SHMDEV_MPI_EXPORT int shmdev_mpi_list_free(struct shmdev_mpi_list *l);

/* The whole list's length, this node's part [first, first + len), the
 * node's elements (local index 0 is global index first), this node's
 * number and the number of nodes, and the node's communicator. */
SHMDEV_MPI_EXPORT uint64_t shmdev_mpi_list_len(const struct shmdev_mpi_list *l);
SHMDEV_MPI_EXPORT uint64_t shmdev_mpi_list_node_first(const struct shmdev_mpi_list *l);
SHMDEV_MPI_EXPORT uint64_t shmdev_mpi_list_node_len(const struct shmdev_mpi_list *l);
SHMDEV_MPI_EXPORT void *shmdev_mpi_list_node_data(const struct shmdev_mpi_list *l);
SHMDEV_MPI_EXPORT int shmdev_mpi_list_node(const struct shmdev_mpi_list *l,
					   int *nodes);
SHMDEV_MPI_EXPORT MPI_Comm shmdev_mpi_list_node_comm(const struct shmdev_mpi_list *l);
SHMDEV_MPI_EXPORT struct shmdev_list *shmdev_mpi_list_local(const struct shmdev_mpi_list *l);

/*
 * shmdev_mpi_list_apply - every rank runs @fn on its chunks of its node's
 * part: chunks of @chunk elements (0: an even split among the node's
 * ranks), chunk k to node rank k % ranks; @fn gets the node's elements
 * and local indexes.  Returns when the whole list is done: 0, or -EINVAL
 * (a NULL @fn, or @chunk differing between ranks).
 */
SHMDEV_MPI_EXPORT int shmdev_mpi_list_apply(struct shmdev_mpi_list *l,
					    shmdev_apply_fn fn, void *arg,
					    size_t chunk);

/*
 * shmdev_mpi_list_scatter - the whole list from @buf on rank @root into
 * every node's part; shmdev_mpi_list_gather - every node's part into @buf
 * on @root (len elements).  Only other nodes' parts cross the network;
 * @root's own node is copied in memory.  0, or -EINVAL (@root not the
 * same on every rank or not a rank, @buf NULL on @root).
 */
SHMDEV_MPI_EXPORT int shmdev_mpi_list_scatter(struct shmdev_mpi_list *l,
					      int root, const void *buf);
SHMDEV_MPI_EXPORT int shmdev_mpi_list_gather(struct shmdev_mpi_list *l,
					     int root, void *buf);

#ifdef __cplusplus
}
#endif

#endif /* SHMDEV_MPI_H */
