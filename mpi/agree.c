// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev-mpi: agreement before collectives (agree.h).
 *
 * A rank that decides alone (a setting only it has, an argument only it
 * got wrong) makes a different collective call from the others, and both
 * wait for ever.  So each decision is taken from what every rank
 * contributed, and every rank computes the same outcome from the same
 * data: the same error, and the same message.  Rank 0 of the
 * communicator prints the message on stderr (once per job, not once per
 * rank); every rank can read it with shmdev_mpi_last_error().
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agree.h"

#define MSG_MAX 512
#define VAL_MAX 40
#define MAX_VALUES 4	/* distinct values named in one message */

static __thread char last_error[MSG_MAX];

const char *shmdev_mpi_last_error(void)
{
	return last_error;
}

void agree_reset(void)
{
	last_error[0] = 0;
}

/* The same @msg on every rank of @comm; rank 0 prints it. */
static void set_message(MPI_Comm comm, const char *msg)
{
	int rank = 0;

	snprintf(last_error, sizeof(last_error), "%s", msg);
	MPI_Comm_rank(comm, &rank);
	if (rank == 0) {
		fprintf(stderr, "shmdev-mpi: %s\n", msg);
		fflush(stderr);
	}
}

int agree(MPI_Comm comm, int err)
{
	int all = 0;

	if (MPI_Allreduce(&err, &all, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS)
		return -EIO;
	return all;
}

int agree_why(MPI_Comm comm, int err, const char *why, ...)
{
	struct { int err, rank; } mine, first;
	char msg[MSG_MAX] = "", text[MSG_MAX] = "";
	va_list ap;

	MPI_Comm_rank(comm, &mine.rank);
	mine.err = err;
	if (MPI_Allreduce(&mine, &first, 1, MPI_2INT, MPI_MINLOC, comm) !=
	    MPI_SUCCESS)
		return -EIO;
	if (!first.err)
		return 0;
	if (mine.rank == first.rank) {
		if (why) {
			va_start(ap, why);
			vsnprintf(text, sizeof(text), why, ap);
			va_end(ap);
		}
		snprintf(msg, sizeof(msg), "rank %d: %s%s%s", mine.rank, text,
			 *text ? ": " : "", strerror(-first.err));
	}
	MPI_Bcast(msg, sizeof(msg), MPI_CHAR, first.rank, comm);
	set_message(comm, msg);
	return first.err;
}

/* Appends printf-style to @buf of @size; "..." when it is full. */
static __attribute__((format(printf, 3, 4)))
void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	int n;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - used)
		memcpy(buf + size - 4, "...", 4);
}

/*
 * "@what differs between ranks: A on ranks 0-1,3; B on rank 2", where
 * value(i) renders rank i's value (the same text means the same value).
 */
static void describe(char *msg, const char *what, int size,
		     void (*value)(const void *all, int i, char *buf),
		     const void *all)
{
	char vi[VAL_MAX + 8], vj[VAL_MAX + 8];
	char *done = calloc((size_t)size, 1);
	int i, j, shown = 0, start, n;

	snprintf(msg, MSG_MAX, "%s differs between ranks:", what);
	for (i = 0; i < size && done; i++) {
		if (done[i])
			continue;
		if (shown++ == MAX_VALUES) {
			append(msg, MSG_MAX, " and other values");
			break;
		}
		value(all, i, vi);
		for (j = i, n = 0; j < size; j++) {
			value(all, j, vj);
			done[j] = done[j] || !strcmp(vi, vj);
			n += !strcmp(vi, vj);
		}
		append(msg, MSG_MAX, "%s %s on rank%s ", shown > 1 ? ";" : "",
		       vi, n > 1 ? "s" : "");
		/* The ranks with this value, as ranges. */
		for (j = i, n = 0; j < size; j++) {
			value(all, j, vj);
			if (strcmp(vi, vj))
				continue;
			for (start = j; j + 1 < size; j++) {
				value(all, j + 1, vj);
				if (strcmp(vi, vj))
					break;
			}
			append(msg, MSG_MAX, "%s%d", n++ ? "," : "", start);
			if (j > start)
				append(msg, MSG_MAX, "-%d", j);
		}
	}
	if (!done)
		snprintf(msg, MSG_MAX, "%s differs between ranks", what);
	free(done);
}

static void i64_value(const void *all, int i, char *buf)
{
	snprintf(buf, VAL_MAX, "%" PRId64, ((const int64_t *)all)[i]);
}

int agree_fail(MPI_Comm comm, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_message(comm, msg);
	return -EINVAL;
}

int agree_same_why(MPI_Comm comm, const char *what, int64_t v, int err,
		   const char *why, ...)
{
	/* The minimum of v and of ~v: all equal when min == ~max. */
	int64_t mine[3] = { v, ~v, err }, agreed[3], *all;
	char msg[MSG_MAX], text[MSG_MAX] = "";
	va_list ap;
	int size;

	if (MPI_Allreduce(mine, agreed, 3, MPI_INT64_T, MPI_MIN, comm) !=
	    MPI_SUCCESS)
		return -EIO;
	if (agreed[0] == ~agreed[1] && !agreed[2])
		return 0;
	if (agreed[0] == ~agreed[1]) {
		if (err && why) {
			va_start(ap, why);
			vsnprintf(text, sizeof(text), why, ap);
			va_end(ap);
		}
		return agree_why(comm, err, "%s", text);
	}
	/* They differ: every rank learns who passed what, to say so. */
	MPI_Comm_size(comm, &size);
	all = malloc(sizeof(*all) * (size_t)size);
	err = agree(comm, all ? 0 : -ENOMEM);
	if (!err) {
		MPI_Allgather(&v, 1, MPI_INT64_T, all, 1, MPI_INT64_T, comm);
		describe(msg, what, size, i64_value, all);
	} else {
		snprintf(msg, sizeof(msg), "%s differs between ranks", what);
	}
	set_message(comm, msg);
	free(all);
	return -EINVAL;
}

/* One rank's arguments and environment, as every rank sees them. */
struct rank_settings {
	uint64_t len;
	int32_t type, backend;
	char ranks_per_node[VAL_MAX];	/* "" unset, else the value */
	char env_backend[VAL_MAX];
};

static void env_value(char *dst, const char *name)
{
	const char *v = getenv(name);
	size_t n = v ? strlen(v) : 0;

	/* Unset and empty are the same to libshmdev. */
	if (n < VAL_MAX)
		snprintf(dst, VAL_MAX, "%s", v ? v : "");
	else
		snprintf(dst, VAL_MAX, "%.*s...", VAL_MAX - 4, v);
}

static void quoted(const char *v, char *buf)
{
	if (*v)
		snprintf(buf, VAL_MAX + 8, "'%s'", v);
	else
		snprintf(buf, VAL_MAX + 8, "unset");
}

static void rpn_value(const void *all, int i, char *buf)
{
	quoted(((const struct rank_settings *)all)[i].ranks_per_node, buf);
}

static void env_backend_value(const void *all, int i, char *buf)
{
	quoted(((const struct rank_settings *)all)[i].env_backend, buf);
}

static void len_value(const void *all, int i, char *buf)
{
	snprintf(buf, VAL_MAX, "%" PRIu64, ((const struct rank_settings *)all)[i].len);
}

static void type_value(const void *all, int i, char *buf)
{
	snprintf(buf, VAL_MAX, "%" PRId32, ((const struct rank_settings *)all)[i].type);
}

static void backend_value(const void *all, int i, char *buf)
{
	int32_t b = ((const struct rank_settings *)all)[i].backend;
	const char *name = shmdev_backend_name((enum shmdev_backend)b);

	if (name)
		snprintf(buf, VAL_MAX, "%s", name);
	else
		snprintf(buf, VAL_MAX, "%" PRId32, b);
}

/* The first field on which some rank differs from rank 0, described. */
static int differs(const struct rank_settings *all, int size, char *msg)
{
	static const struct {
		const char *what;
		void (*value)(const void *, int, char *);
	} fields[] = {
		{ "SHMDEV_MPI_RANKS_PER_NODE", rpn_value },
		{ "SHMDEV_BACKEND", env_backend_value },
		{ "the backend argument", backend_value },
		{ "the type argument", type_value },
		{ "the length argument", len_value },
	};
	char v0[VAL_MAX + 8], vi[VAL_MAX + 8];
	size_t f;
	int i;

	for (f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		/* SHMDEV_BACKEND matters only to the default backend. */
		if (fields[f].value == env_backend_value &&
		    all[0].backend != SHMDEV_BACKEND_DEFAULT)
			continue;
		fields[f].value(all, 0, v0);
		for (i = 1; i < size; i++) {
			fields[f].value(all, i, vi);
			if (strcmp(v0, vi)) {
				describe(msg, fields[f].what, size,
					 fields[f].value, all);
				return 1;
			}
		}
	}
	return 0;
}

/* The agreed settings, checked: 0, or -EINVAL and @msg. */
static int check(const struct rank_settings *s, struct mpi_settings *out,
		 char *msg)
{
	enum shmdev_backend b = (enum shmdev_backend)s->backend;
	size_t elsize = shmdev_type_size((enum shmdev_type)s->type);
	const char *rpn = s->ranks_per_node;
	long per = 0;
	char *end;

	if (!elsize || s->type == SHMDEV_T_MIXED) {
		snprintf(msg, MSG_MAX, "type %" PRId32 ": not a fixed-size type (int64, uint64, double, int32, float, uint8)",
			 s->type);
		return -EINVAL;
	}
	if (s->len > (uint64_t)INT64_MAX / 8) {
		snprintf(msg, MSG_MAX, "length %" PRIu64 ": more than %" PRIu64 " elements",
			 s->len, (uint64_t)INT64_MAX / 8);
		return -EINVAL;
	}
	if (*rpn) {
		errno = 0;
		per = strtol(rpn, &end, 10);
		if (errno || *end || end == rpn || per < 1 || per > INT_MAX) {
			snprintf(msg, MSG_MAX, "SHMDEV_MPI_RANKS_PER_NODE='%s': not a number of ranks from 1 to %d",
				 rpn, INT_MAX);
			return -EINVAL;
		}
	}
	out->ranks_per_node = (int)per;
	if (!shmdev_backend_name(b)) {
		snprintf(msg, MSG_MAX, "backend %" PRId32 ": not a backend", s->backend);
		return -EINVAL;
	}
	if (b == SHMDEV_BACKEND_MEMFD) {
		snprintf(msg, MSG_MAX, "backend memfd: a memfd has no name that the node's other ranks could open (use posix, sysv or kernel)");
		return -EINVAL;
	}
	if (b == SHMDEV_BACKEND_DEFAULT && shmdev_backend_resolve(b, &b)) {
		snprintf(msg, MSG_MAX, "SHMDEV_BACKEND='%s': not one of kernel, memfd, sysv, posix",
			 s->env_backend);
		return -EINVAL;
	}
	/* Ranks are separate processes: the default memfd becomes posix. */
	out->backend = b == SHMDEV_BACKEND_MEMFD ? SHMDEV_BACKEND_POSIX : b;
	return 0;
}

int agree_settings(MPI_Comm comm, enum shmdev_backend backend,
		   enum shmdev_type type, uint64_t len,
		   struct mpi_settings *out)
{
	struct rank_settings mine, *all;
	char msg[MSG_MAX] = "";
	int size, err;

	memset(&mine, 0, sizeof(mine));
	mine.len = len;
	mine.type = (int32_t)type;
	mine.backend = (int32_t)backend;
	env_value(mine.ranks_per_node, "SHMDEV_MPI_RANKS_PER_NODE");
	env_value(mine.env_backend, "SHMDEV_BACKEND");
	MPI_Comm_size(comm, &size);
	all = calloc((size_t)size, sizeof(*all));
	err = agree_why(comm, all ? 0 : -ENOMEM, "the settings of %d ranks", size);
	if (err) {
		free(all);
		return err;
	}
	if (MPI_Allgather(&mine, sizeof(mine), MPI_BYTE, all, sizeof(mine),
			  MPI_BYTE, comm) != MPI_SUCCESS) {
		free(all);
		return -EIO;
	}
	/* From here on every rank decides on the same data, alike. */
	err = differs(all, size, msg) ? -EINVAL : check(all, out, msg);
	if (err)
		set_message(comm, msg);
	free(all);
	return err;
}
