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

extern PyTypeObject ListViewType, TypedViewType, ViewIterType;

/*
 * An iterator over a view by index: item(view, i) for i = 0, 1, ... while
 * i < count(view), re-read at every step; either returns -1 or NULL with
 * an error set.  Both view types iterate this way.
 */
typedef Py_ssize_t (*view_count_fn)(PyObject *view);
typedef PyObject *(*view_item_fn)(PyObject *view, Py_ssize_t i);
PyObject *view_iter(PyObject *view, view_count_fn count, view_item_fn item);

/* tp_dealloc of both views: their weak references, then the object. */
void view_dealloc(PyObject *self);

/* ListView's _bind(shm) and _unbind(), for kept.c. */
PyObject *list_view_bind(PyObject *self, PyObject *shm);
void list_view_unbind(PyObject *self);

/*
 * The attach by name made in C: attach.c (fast_attach, kept posix blocks
 * and kernel regions) and kept.c (the kept posix blocks); their
 * *_init() once.  The attribute names of a SharedMemory they set are
 * interned by kept_init().
 */
extern PyMethodDef kept_methods[], attach_methods[];
int kept_init(void);
extern PyObject *s_region, *s_fd, *s_mmap, *s_addr, *s_size, *s_ident,
	*s_name, *s_buf, *s_views, *s_unbind, *s_prepend, *s_slash,
	*s_generation, *s_track, *s_backend, *s_posix, *s_kernel, *s_keep_as,
	*s_shm, *s_close, *empty_tuple, *zero;
extern PyObject *attached_mod;	/* shmdev._attached */
int kept_has(PyObject *name);
int kept_attach(PyObject *shm, PyObject *name, PyObject *slash,
		PyObject *track, int kernel);
int shm_adopt(PyObject *shm, PyObject *k, PyObject *name);
int shm_made(PyObject *shm, PyObject *track, PyObject *backend,
	     PyObject *keep_as);
int plain_name(PyObject *name, PyObject *size);
int plain_backend(PyObject *backend);

/* ValueError("shmdev: the @what is closed"); returns NULL. */
PyObject *closed_error(const char *what);

static inline int64_t load64(const unsigned char *p)
{
	int64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif /* SHMDEV_SPEEDUPS_H */
