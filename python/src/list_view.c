// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ListView: the items of a ShareableList, in CPython's layout (described
 * in shmdev/_sharable.py, which has the same in pure Python).  It points
 * into a mapping that shmdev.SharedMemory owns and unmaps: it holds no
 * buffer export, so that close() works as CPython's does, and the owner
 * calls _unbind() before it unmaps.  Every offset read from shared
 * memory, which another process may write, is checked against the layout
 * computed at bind time before it is used.
 */
#include <stddef.h>

#include "speedups.h"

#define KIND_NUMBER	0
#define KIND_STR	1
#define KIND_BYTES	2
#define KIND_NONE	3
#define FMT_BOOL	"xxxxxxx?"
#define FMT_NONE	"xxxxxx?x"

typedef struct {
	PyObject_HEAD
	unsigned char *base;		/* the block; NULL once unbound */
	Py_ssize_t n;			/* items */
	Py_ssize_t end;			/* bytes of the data area */
	Py_ssize_t data, formats, kinds;
	PyObject *weakrefs;
} ListView;

/* The layout after the item count and the offsets table (see _sharable). */
static int list_layout(ListView *self, Py_ssize_t size)
{
	Py_ssize_t n = (Py_ssize_t)load64(self->base), end;

	if (n < 0 || n > (size - 16) / 8)
		return -1;
	end = (Py_ssize_t)load64(self->base + 8 * (n + 1));
	self->n = n;
	self->end = end;
	self->data = (n + 2) * 8;
	if (end < 0 || end > size - self->data)
		return -1;
	self->formats = self->data + end;
	self->kinds = self->formats + 8 * n;
	if (n > size - self->kinds)
		return -1;
	return 0;
}

/* _bind(shm): point at the list in @shm's mapping and ask @shm to unbind
 * us before it unmaps. */
static PyObject *list_bind(ListView *self, PyObject *shm)
{
	PyObject *addr, *size, *views, *ref;
	Py_ssize_t sz;
	void *p;

	addr = PyObject_GetAttrString(shm, "_addr");
	if (!addr)
		return NULL;
	p = PyLong_AsVoidPtr(addr);
	Py_DECREF(addr);
	if (!p && PyErr_Occurred())
		return NULL;
	size = PyObject_GetAttrString(shm, "_size");
	if (!size)
		return NULL;
	sz = PyLong_AsSsize_t(size);
	Py_DECREF(size);
	if (sz < 0 && PyErr_Occurred())
		return NULL;
	self->base = p;
	if (!p || sz < 16 || list_layout(self, sz)) {
		PyObject *name = PyObject_GetAttrString(shm, "name");

		self->base = NULL;
		if (!name)
			return NULL;
		PyErr_Format(PyExc_ValueError, "shmdev: %R holds no ShareableList",
			     name);
		Py_DECREF(name);
		return NULL;
	}
	/* shm._add_view(self), without the call: a weak reference in the
	 * list shm._views. */
	views = PyObject_GetAttrString(shm, "_views");
	ref = views ? PyWeakref_NewRef((PyObject *)self, NULL) : NULL;
	if (!ref || !PyList_Check(views) || PyList_Append(views, ref)) {
		if (ref && !PyList_Check(views))
			PyErr_SetString(PyExc_TypeError, "shmdev: _views is not a list");
		Py_XDECREF(ref);
		Py_XDECREF(views);
		self->base = NULL;
		return NULL;
	}
	Py_DECREF(ref);
	Py_DECREF(views);
	Py_RETURN_NONE;
}

PyObject *list_view_bind(PyObject *self, PyObject *shm)
{
	return list_bind((ListView *)self, shm);
}

void list_view_unbind(PyObject *self)
{
	((ListView *)self)->base = NULL;
}

static PyObject *list_unbind(ListView *self, PyObject *Py_UNUSED(unused))
{
	list_view_unbind((PyObject *)self);
	Py_RETURN_NONE;
}

/*
 * The index first: __index__ may run any Python, closing the list too;
 * only then is the list checked, and nothing runs after that.
 */
static Py_ssize_t list_position(ListView *self, PyObject *key)
{
	Py_ssize_t i;

	if (PyLong_CheckExact(key)) {
		/* An int runs no Python: the common case, without
		 * PyNumber_Index()'s round trip, and its error. */
		i = PyLong_AsSsize_t(key);
		if (i == -1 && PyErr_Occurred()) {
			PyErr_Clear();
			PyErr_Format(PyExc_IndexError,
				     "cannot fit 'int' into an index-sized integer");
			return -1;
		}
	} else if (PyIndex_Check(key)) {
		i = PyNumber_AsSsize_t(key, PyExc_IndexError);
		if (i == -1 && PyErr_Occurred())
			return -1;
	} else {
		PyErr_Format(PyExc_TypeError,
			     "ShareableList indices must be integers, not %.200s",
			     Py_TYPE(key)->tp_name);
		return -1;
	}
	if (!self->base) {
		closed_error("ShareableList");
		return -1;
	}
	if (i < 0)
		i += self->n;
	if (i < 0 || i >= self->n) {
		PyErr_SetString(PyExc_IndexError, "index out of range");
		return -1;
	}
	return i;
}

/* Item @i's slot: its offset in the block and its size. */
static int list_slot(ListView *self, Py_ssize_t i, Py_ssize_t *off,
		     Py_ssize_t *room)
{
	int64_t a = load64(self->base + 8 + 8 * i);
	int64_t b = load64(self->base + 16 + 8 * i);

	if (a < 0 || a > b || b > self->end) {
		PyErr_SetString(PyExc_ValueError,
				"shmdev: the ShareableList is corrupted");
		return -1;
	}
	*off = self->data + (Py_ssize_t)a;
	*room = (Py_ssize_t)(b - a);
	return 0;
}

/* The count of a "%ds" format, or -1. */
static Py_ssize_t format_count(const unsigned char *fmt)
{
	Py_ssize_t n = 0;
	int k;

	for (k = 0; k < 8 && fmt[k] >= '0' && fmt[k] <= '9'; k++)
		n = n * 10 + (fmt[k] - '0');
	if (!k || k == 8 || fmt[k] != 's' || (k < 7 && fmt[k + 1]))
		return -1;
	return n;
}

static PyObject *list_item(ListView *self, Py_ssize_t i)
{
	const unsigned char *fmt = self->base + self->formats + 8 * i;
	signed char kind = (signed char)self->base[self->kinds + i];
	Py_ssize_t off, room, len;
	const unsigned char *p;

	if (list_slot(self, i, &off, &room))
		return NULL;
	p = self->base + off;
	if (kind == KIND_NONE)
		Py_RETURN_NONE;
	if (kind == KIND_STR || kind == KIND_BYTES) {
		/* CPython's read: the format's count, trailing NULs stripped. */
		len = format_count(fmt);
		if (len < 0 || len > room)
			goto corrupted;
		while (len > 0 && !p[len - 1])
			len--;
		if (kind == KIND_STR)
			return PyUnicode_DecodeUTF8((const char *)p, len, NULL);
		return PyBytes_FromStringAndSize((const char *)p, len);
	}
	if (kind == KIND_NUMBER && room >= 8) {
		if (fmt[0] == 'q' && !fmt[1])
			return PyLong_FromLongLong(load64(p));
		if (fmt[0] == 'd' && !fmt[1]) {
			double d;

			memcpy(&d, p, sizeof(d));
			return PyFloat_FromDouble(d);
		}
		if (!memcmp(fmt, FMT_BOOL, 8))
			return PyBool_FromLong(p[7]);
	}
corrupted:
	PyErr_SetString(PyExc_ValueError, "shmdev: the ShareableList is corrupted");
	return NULL;
}

static PyObject *list_subscript(ListView *self, PyObject *key)
{
	Py_ssize_t i = list_position(self, key);

	return i < 0 ? NULL : list_item(self, i);
}

/* The int64-range error of shmdev._sharable, created there. */
static PyObject *int_range_error(void)
{
	PyObject *mod = PyImport_ImportModule("shmdev._sharable"), *err;

	if (!mod)
		return NULL;
	err = PyObject_GetAttrString(mod, "IntRangeError");
	Py_DECREF(mod);
	return err;
}

/*
 * Item @i's format (NUL-padded to 8 bytes, as CPython writes it) and
 * kind, each written only if it changes: a store of the same kind again,
 * the usual case, then writes nothing but the item, and does not dirty
 * the cache lines of the tables that the other processes' items share.
 */
static void put_format(ListView *self, Py_ssize_t i, const char *fmt,
		       signed char kind)
{
	unsigned char *dst = self->base + self->formats + 8 * i;
	unsigned char word[8] = { 0 };
	size_t n = strlen(fmt);

	memcpy(word, fmt, n > 8 ? 8 : n);
	if (memcmp(dst, word, 8))
		memcpy(dst, word, 8);
	if (self->base[self->kinds + i] != (unsigned char)kind)
		self->base[self->kinds + i] = (unsigned char)kind;
}

static int list_store(ListView *self, Py_ssize_t i, PyObject *v)
{
	unsigned char *p;
	Py_ssize_t off, room, n = 0;
	const char *raw = NULL;
	char fmt[16];
	signed char kind;

	if (list_slot(self, i, &off, &room))
		return -1;
	p = self->base + off;
	if (v == Py_None || PyBool_Check(v) || PyLong_Check(v) ||
	    PyFloat_Check(v)) {
		unsigned char word[8] = { 0 };

		if (room < 8) {
			PyErr_SetString(PyExc_ValueError,
					"shmdev: the ShareableList is corrupted");
			return -1;
		}
		kind = KIND_NUMBER;
		if (v == Py_None) {
			kind = KIND_NONE;
			strcpy(fmt, FMT_NONE);
		} else if (PyBool_Check(v)) {
			word[7] = v == Py_True;
			strcpy(fmt, FMT_BOOL);
		} else if (PyLong_Check(v)) {
			int overflow;
			long long x = PyLong_AsLongLongAndOverflow(v, &overflow);

			if (overflow) {
				PyObject *err = int_range_error();

				if (err) {
					PyErr_Format(err, "shmdev: int %R is outside int64", v);
					Py_DECREF(err);
				}
				return -1;
			}
			if (x == -1 && PyErr_Occurred())
				return -1;
			memcpy(word, &x, 8);
			strcpy(fmt, "q");
		} else {
			double d = PyFloat_AsDouble(v);

			memcpy(word, &d, 8);
			strcpy(fmt, "d");
		}
		memcpy(p, word, 8);
		put_format(self, i, fmt, kind);
		return 0;
	}
	if (PyUnicode_Check(v)) {
		raw = PyUnicode_AsUTF8AndSize(v, &n);
		if (!raw)
			return -1;
		kind = KIND_STR;
	} else if (PyBytes_Check(v)) {
		raw = PyBytes_AS_STRING(v);
		n = PyBytes_GET_SIZE(v);
		kind = KIND_BYTES;
	} else {
		PyErr_Format(PyExc_TypeError,
			     "shmdev: a ShareableList holds int, float, bool, str, bytes or None, not %.200s",
			     Py_TYPE(v)->tp_name);
		return -1;
	}
	if (n > room) {
		PyErr_SetString(PyExc_ValueError,
				"bytes/str item exceeds available storage");
		return -1;
	}
	memcpy(p, raw, (size_t)n);
	memset(p + n, 0, (size_t)(room - n));
	snprintf(fmt, sizeof(fmt), "%zds", room);
	put_format(self, i, fmt, kind);
	return 0;
}

static int list_ass_subscript(ListView *self, PyObject *key, PyObject *v)
{
	Py_ssize_t i;

	if (!v) {
		PyErr_SetString(PyExc_TypeError,
				"ShareableList items cannot be deleted");
		return -1;
	}
	i = list_position(self, key);
	return i < 0 ? -1 : list_store(self, i, v);
}

static Py_ssize_t list_length(ListView *self)
{
	if (!self->base) {
		closed_error("ShareableList");
		return -1;
	}
	return self->n;
}

static PyObject *list_get_packing_format(ListView *self, PyObject *key)
{
	Py_ssize_t i = list_position(self, key);
	const char *fmt;

	if (i < 0)
		return NULL;
	fmt = (const char *)self->base + self->formats + 8 * i;
	return PyUnicode_DecodeASCII(fmt, strnlen(fmt, 8), "replace");
}

/* Iteration (view_iter()): ListView's count stays valid once unbound, so
 * that an iteration already at its end stops; an item needs the block. */
static Py_ssize_t list_count(PyObject *self)
{
	return ((ListView *)self)->n;
}

static PyObject *list_next_item(PyObject *self, Py_ssize_t i)
{
	ListView *v = (ListView *)self;

	return v->base ? list_item(v, i) : closed_error("ShareableList");
}

static PyObject *list_iter(ListView *self)
{
	if (!self->base)
		return closed_error("ShareableList");
	return view_iter((PyObject *)self, list_count, list_next_item);
}

static PyMethodDef list_methods[] = {
	{ "_bind", (PyCFunction)list_bind, METH_O,
	  "_bind(shm): read the list in shm's block" },
	{ "_unbind", (PyCFunction)list_unbind, METH_NOARGS,
	  "_unbind(): the block is going away" },
	{ "_get_packing_format", (PyCFunction)list_get_packing_format, METH_O,
	  "the struct format of one item" },
	{ NULL }
};

static PyMappingMethods list_as_mapping = {
	.mp_length = (lenfunc)list_length,
	.mp_subscript = (binaryfunc)list_subscript,
	.mp_ass_subscript = (objobjargproc)list_ass_subscript,
};

static PySequenceMethods list_as_sequence = {
	.sq_length = (lenfunc)list_length,
};

PyTypeObject ListViewType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "shmdev._speedups.ListView",
	.tp_doc = "The items of a ShareableList, in C.",
	.tp_basicsize = sizeof(ListView),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
	.tp_new = PyType_GenericNew,
	.tp_dealloc = view_dealloc,
	.tp_weaklistoffset = offsetof(ListView, weakrefs),
	.tp_as_mapping = &list_as_mapping,
	.tp_as_sequence = &list_as_sequence,
	.tp_iter = (getiterfunc)list_iter,
	.tp_methods = list_methods,
};
