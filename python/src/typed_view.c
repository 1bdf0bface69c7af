// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stddef.h>

#include <shmdev.h>

#include "speedups.h"

/*
 * TypedView: the elements of a libshmdev typed list, through libshmdev:
 * the length and the elements' address at every access (shmdev_list_len()
 * checks the length against the capacity, and a list that another
 * process grew is mapped anew, at another address).
 */
typedef struct {
	PyObject_HEAD
	struct shmdev_list *list;	/* NULL once unbound */
	char code;			/* 'q', 'Q', 'd', 'i', 'f' or 'B' */
	Py_ssize_t itemsize;
	PyObject *weakrefs;
} TypedView;

static Py_ssize_t typed_len(TypedView *self)
{
	int64_t len;

	if (!self->list) {
		closed_error("TypedList");
		return -1;
	}
	len = shmdev_list_len(self->list);
	if (len < 0) {
		errno = (int)-len;
		PyErr_SetFromErrno(PyExc_OSError);
		return -1;
	}
	return (Py_ssize_t)len;
}

/* _bind_typed(list): the elements of the struct shmdev_list at @list. */
static PyObject *typed_bind(TypedView *self, PyObject *arg)
{
	static const struct { enum shmdev_type t; char code; Py_ssize_t size; } types[] = {
		{ SHMDEV_T_INT64, 'q', 8 }, { SHMDEV_T_UINT64, 'Q', 8 },
		{ SHMDEV_T_DOUBLE, 'd', 8 }, { SHMDEV_T_INT32, 'i', 4 },
		{ SHMDEV_T_FLOAT, 'f', 4 }, { SHMDEV_T_UINT8, 'B', 1 },
	};
	struct shmdev_list *l = PyLong_AsVoidPtr(arg);
	enum shmdev_type t;
	size_t i;

	if (!l) {
		if (!PyErr_Occurred())
			PyErr_SetString(PyExc_ValueError, "shmdev: no list");
		return NULL;
	}
	t = shmdev_list_type(l);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (types[i].t != t)
			continue;
		self->list = l;
		self->code = types[i].code;
		self->itemsize = types[i].size;
		Py_RETURN_NONE;
	}
	PyErr_Format(PyExc_ValueError, "shmdev: a list of type %d is no TypedList",
		     (int)t);
	return NULL;
}

static PyObject *typed_unbind(TypedView *self, PyObject *Py_UNUSED(unused))
{
	self->list = NULL;
	Py_RETURN_NONE;
}

/* As list_position(): the index first, then the list. */
static Py_ssize_t typed_position(TypedView *self, PyObject *key)
{
	Py_ssize_t i, n;

	if (!PyIndex_Check(key)) {
		PyErr_Format(PyExc_TypeError,
			     "TypedList indices must be integers, not %.200s",
			     Py_TYPE(key)->tp_name);
		return -1;
	}
	i = PyNumber_AsSsize_t(key, PyExc_IndexError);
	if (i == -1 && PyErr_Occurred())
		return -1;
	n = typed_len(self);
	if (n < 0)
		return -1;
	if (i < 0)
		i += n;
	if (i < 0 || i >= n) {
		PyErr_SetString(PyExc_IndexError, "index out of range");
		return -1;
	}
	return i;
}

static PyObject *typed_item(TypedView *self, Py_ssize_t i)
{
	/* Asked at each access: a list that grew is mapped anew. */
	const unsigned char *p = (unsigned char *)shmdev_list_data(self->list) +
				 i * self->itemsize;

	switch (self->code) {
	case 'q': {
		int64_t v;

		memcpy(&v, p, 8);
		return PyLong_FromLongLong(v);
	}
	case 'Q': {
		uint64_t v;

		memcpy(&v, p, 8);
		return PyLong_FromUnsignedLongLong(v);
	}
	case 'd': {
		double v;

		memcpy(&v, p, 8);
		return PyFloat_FromDouble(v);
	}
	case 'i': {
		int32_t v;

		memcpy(&v, p, 4);
		return PyLong_FromLong(v);
	}
	case 'f': {
		float v;

		memcpy(&v, p, 4);
		return PyFloat_FromDouble(v);
	}
	default:
		return PyLong_FromLong(*p);
	}
}

static PyObject *typed_subscript(TypedView *self, PyObject *key)
{
	Py_ssize_t i;

	if (PySlice_Check(key)) {
		PyObject *buf = PyObject_GetAttrString((PyObject *)self, "buffer"), *r;

		if (!buf)
			return NULL;
		r = PyObject_GetItem(buf, key);
		Py_DECREF(buf);
		return r;
	}
	i = typed_position(self, key);
	return i < 0 ? NULL : typed_item(self, i);
}

/* As memoryview: TypeError for another type, ValueError out of range. */
static int typed_store(TypedView *self, Py_ssize_t i, PyObject *v)
{
	unsigned char *p = (unsigned char *)shmdev_list_data(self->list) +
			   i * self->itemsize;
	int overflow = 0;

	if (self->code == 'd' || self->code == 'f') {
		double d;

		if (!PyFloat_Check(v) && !PyLong_Check(v))
			goto bad_type;
		d = PyFloat_AsDouble(v);
		if (d == -1.0 && PyErr_Occurred())
			return -1;
		if (self->code == 'd') {
			memcpy(p, &d, 8);
		} else {
			float f = (float)d;

			memcpy(p, &f, 4);
		}
		return 0;
	}
	if (!PyLong_Check(v))
		goto bad_type;
	if (self->code == 'Q') {
		unsigned long long u = PyLong_AsUnsignedLongLong(v);

		if (u == (unsigned long long)-1 && PyErr_Occurred())
			goto bad_value;
		memcpy(p, &u, 8);
		return 0;
	} else {
		long long x = PyLong_AsLongLongAndOverflow(v, &overflow);

		if (x == -1 && PyErr_Occurred())
			return -1;
		if (overflow)
			goto bad_value;
		if (self->code == 'q') {
			memcpy(p, &x, 8);
		} else if (self->code == 'i') {
			int32_t y = (int32_t)x;

			if (x < INT32_MIN || x > INT32_MAX)
				goto bad_value;
			memcpy(p, &y, 4);
		} else {
			if (x < 0 || x > 255)
				goto bad_value;
			*p = (unsigned char)x;
		}
		return 0;
	}
bad_value:
	PyErr_Clear();
	PyErr_Format(PyExc_ValueError, "TypedList: invalid value for format '%c'",
		     self->code);
	return -1;
bad_type:
	PyErr_Format(PyExc_TypeError, "TypedList: invalid type for format '%c'",
		     self->code);
	return -1;
}

static int typed_ass_subscript(TypedView *self, PyObject *key, PyObject *v)
{
	Py_ssize_t i;

	if (!v) {
		PyErr_SetString(PyExc_TypeError, "TypedList items cannot be deleted");
		return -1;
	}
	i = typed_position(self, key);
	return i < 0 ? -1 : typed_store(self, i, v);
}

static Py_ssize_t typed_count(PyObject *self)
{
	return typed_len((TypedView *)self);
}

static PyObject *typed_next_item(PyObject *self, Py_ssize_t i)
{
	return typed_item((TypedView *)self, i);
}

static PyObject *typed_iter(TypedView *self)
{
	if (typed_len(self) < 0)
		return NULL;
	return view_iter((PyObject *)self, typed_count, typed_next_item);
}

static PyMethodDef typed_methods[] = {
	{ "_bind_typed", (PyCFunction)typed_bind, METH_O,
	  "_bind_typed(list): the struct shmdev_list at this address" },
	{ "_unbind", (PyCFunction)typed_unbind, METH_NOARGS,
	  "_unbind(): the list is going away" },
	{ NULL }
};

static PyMappingMethods typed_as_mapping = {
	.mp_length = (lenfunc)typed_len,
	.mp_subscript = (binaryfunc)typed_subscript,
	.mp_ass_subscript = (objobjargproc)typed_ass_subscript,
};

static PySequenceMethods typed_as_sequence = {
	.sq_length = (lenfunc)typed_len,
};

PyTypeObject TypedViewType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "shmdev._speedups.TypedView",
	.tp_doc = "The elements of a TypedList, in C.",
	.tp_basicsize = sizeof(TypedView),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_new = PyType_GenericNew,
	.tp_dealloc = view_dealloc,
	.tp_weaklistoffset = offsetof(TypedView, weakrefs),
	.tp_as_mapping = &typed_as_mapping,
	.tp_as_sequence = &typed_as_sequence,
	.tp_iter = (getiterfunc)typed_iter,
	.tp_methods = typed_methods,
};
