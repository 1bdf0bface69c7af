/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libshmdev-mpi internals: how the ranks of a communicator agree on a
 * result, an argument or the settings before any collective that could
 * otherwise leave some of them waiting for the others for ever.
 */
#ifndef SHMDEV_MPI_AGREE_H
#define SHMDEV_MPI_AGREE_H

#include "shmdev-mpi.h"

/* A public call begins: no message from an earlier call stays behind. */
void agree_reset(void);

/* Every rank's @err (0 or -errno), agreed on: the first failure wins. */
int agree(MPI_Comm comm, int err);

/*
 * As agree(), and the failing rank's reason (@why, printf-style; may be
 * NULL where @err is 0) becomes every rank's message: the lowest errno
 * value wins, then the lowest rank.  Rank 0 prints it.
 */
int agree_why(MPI_Comm comm, int err, const char *why, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * One Allreduce for both: 0 when every rank passed the same @v and an
 * @err of 0; else -EINVAL on every rank and a message saying which ranks
 * passed which value of @what, or, when @v agrees, agree_why()'s result
 * for @err and @why.  Extra collectives run only on the way to an error.
 */
int agree_same_why(MPI_Comm comm, const char *what, int64_t v, int err,
		   const char *why, ...) __attribute__((format(printf, 5, 6)));

/* A failure every rank has found alike: @fmt's message, and -EINVAL. */
int agree_fail(MPI_Comm comm, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* What shmdev_mpi_list_create() runs on, agreed by every rank. */
struct mpi_settings {
	int ranks_per_node;		/* 0: the ranks that share memory */
	enum shmdev_backend backend;	/* resolved, never DEFAULT */
};

/*
 * One collective: every rank's arguments and environment, compared and
 * checked alike on every rank.  0 and *@out, or -EINVAL on every rank and
 * a message naming the setting and the ranks that differ.
 */
int agree_settings(MPI_Comm comm, enum shmdev_backend backend,
		   enum shmdev_type type, uint64_t len,
		   struct mpi_settings *out);

#endif /* SHMDEV_MPI_AGREE_H */
