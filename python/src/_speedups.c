// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * shmdev._speedups: item access of ShareableList and TypedList in C
 * (list_view.c, typed_view.c) and the attach by name of a kept posix
 * block or a kernel region (attach.c, kept.c), with the pure-Python
 * fallback in the package when this module is absent.
 */
#include "speedups.h"

PyObject *closed_error(const char *what)
{
	PyErr_Format(PyExc_ValueError, "shmdev: the %s is closed", what);
	return NULL;
}

typedef struct {
	PyObject_HEAD
	PyObject *view;
	view_count_fn count;
	view_item_fn item;
	Py_ssize_t next;
} ViewIter;

PyObject *view_iter(PyObject *view, view_count_fn count, view_item_fn item)
{
	ViewIter *it = PyObject_New(ViewIter, &ViewIterType);

	if (!it)
		return NULL;
	Py_INCREF(view);
	it->view = view;
	it->count = count;
	it->item = item;
	it->next = 0;
	return (PyObject *)it;
}

static PyObject *viewiter_next(ViewIter *it)
{
	Py_ssize_t n = it->count(it->view);

	if (n < 0 || it->next >= n)
		return NULL;
	return it->item(it->view, it->next++);
}

static void viewiter_dealloc(ViewIter *it)
{
	Py_DECREF(it->view);
	PyObject_Free(it);
}

PyTypeObject ViewIterType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "shmdev._speedups.ViewIter",
	.tp_basicsize = sizeof(ViewIter),
	.tp_dealloc = (destructor)viewiter_dealloc,
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_iter = PyObject_SelfIter,
	.tp_iternext = (iternextfunc)viewiter_next,
};

void view_dealloc(PyObject *self)
{
	PyObject_ClearWeakRefs(self);
	Py_TYPE(self)->tp_free(self);
}

static int speedups_exec(PyObject *m)
{
	static PyTypeObject *const types[] = {
		&ListViewType, &TypedViewType, &ViewIterType,
	};
	size_t i;

	if (kept_init() ||
	    PyModule_AddFunctions(m, attach_methods))
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (PyType_Ready(types[i]))
			return -1;
	if (PyModule_AddObjectRef(m, "ListView", (PyObject *)&ListViewType) ||
	    PyModule_AddObjectRef(m, "TypedView", (PyObject *)&TypedViewType))
		return -1;
	return 0;
}

static PyModuleDef_Slot speedups_slots[] = {
	{ Py_mod_exec, speedups_exec },
	{ 0, NULL }
};

static struct PyModuleDef speedups_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "shmdev._speedups",
	.m_doc = "Item access of ShareableList and TypedList in C.",
	.m_size = 0,
	.m_methods = kept_methods,
	.m_slots = speedups_slots,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
	return PyModuleDef_Init(&speedups_module);
}
