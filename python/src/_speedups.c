// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * shmdev._speedups: item access of ShareableList and TypedList in C
 * (list_view.c, typed_view.c), with the pure-Python fallback in the
 * package when this module is absent.
 */
#include "speedups.h"

PyObject *closed_error(const char *what)
{
	PyErr_Format(PyExc_ValueError, "shmdev: the %s is closed", what);
	return NULL;
}

static int speedups_exec(PyObject *m)
{
	static PyTypeObject *const types[] = {
		&ListViewType, &ListIterType, &TypedViewType, &TypedIterType,
	};
	size_t i;

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
	.m_slots = speedups_slots,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
	return PyModuleDef_Init(&speedups_module);
}
