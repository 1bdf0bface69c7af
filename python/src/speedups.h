/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * shmdev._speedups: what its files share.  list_view.c has ListView
 * (ShareableList's items, CPython's layout), typed_view.c TypedView
 * (TypedList's elements, through libshmdev), _speedups.c the module.
 */
#ifndef SHMDEV_SPEEDUPS_H
#define SHMDEV_SPEEDUPS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

extern PyTypeObject ListViewType, ListIterType, TypedViewType, TypedIterType;

/* ValueError("shmdev: the @what is closed"); returns NULL. */
PyObject *closed_error(const char *what);

static inline int64_t load64(const unsigned char *p)
{
	int64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif /* SHMDEV_SPEEDUPS_H */
