// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libshmdev: ready-made apply functions for typed lists, usable from
 * bindings that cannot hand a C function to the worker pool.
 */
#include "shmdev.h"

void shmdev_apply_mul_i64(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems, k = arg ? *(const int64_t *)arg : 2;
	size_t i;

	for (i = first; i < first + count; i++)
		x[i] = (int64_t)((uint64_t)x[i] * (uint64_t)k);
}

void shmdev_apply_add_i64(void *elems, size_t first, size_t count, void *arg)
{
	int64_t *x = elems, k = arg ? *(const int64_t *)arg : 1;
	size_t i;

	for (i = first; i < first + count; i++)
		x[i] = (int64_t)((uint64_t)x[i] + (uint64_t)k);
}

void shmdev_apply_mul_f64(void *elems, size_t first, size_t count, void *arg)
{
	double *x = elems, k = arg ? *(const double *)arg : 2.0;
	size_t i;

	for (i = first; i < first + count; i++)
		x[i] *= k;
}
