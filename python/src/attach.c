// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SharedMemory(name) and ShareableList(name=...) made in C: the 2019
 * study's per-task attach by name, where a line of Python costs about
 * what a system call does.  Two cases:
 *
 * - posix: a block this process keeps mapped since an earlier close()
 *   (kept.c, and shmdev/_attached.py which says why that is safe);
 * - kernel: a region this process keeps parked since an earlier close()
 *   (kept.c: no user, so the module still frees it with its last user),
 *   if UNPARK finds the name still names it; else the region opened by
 *   name and mapped afresh, which is what SharedMemory.__init__ does for
 *   it, with no Python and no ctypes in between.
 *
 * Anything else, or anything unusual (an odd name or size, a subclass
 * without the leading slash, an open that fails), returns False without
 * touching the object, and __init__ does it all in Python: its errors
 * (FileNotFoundError, PermissionError), the read-only open of a
 * write-sealed block and the fallback to a CPython block in /dev/shm
 * are its own.
 *
 *   fast_setup(c_void_p, mmap)
 *	ctypes.c_void_p, the type of a SharedMemory's _region, and the
 *	mmap type, once.
 *   fast_attach(shm, name, size, track, backend) -> bool
 *	the whole of SharedMemory(name, size=size, track=track,
 *	backend=backend) into @shm, made but not initialized.
 *   fast_attach_list(sl, cls, name, backend) -> bool
 *	the same for ShareableList(name=name, backend=backend) into @sl, a
 *	ListView being initialized: its SharedMemory a @cls.
 */
#include <sys/mman.h>

#include <shmdev.h>

#include "speedups.h"

static PyObject *void_p_type;	/* ctypes.c_void_p */
static PyObject *mmap_type;	/* mmap.mmap */

/*
 * A list's block up to this size is mapped with MAP_POPULATE: its creator
 * wrote every page (header, items, formats), so populating allocates
 * nothing and saves a page fault per page that a task would touch, which
 * is most of them.  A bigger one is faulted in by what each task touches
 * (a chunk of it), and a plain SharedMemory never populates (an untouched
 * page of shmem would be allocated by it).
 */
#define LIST_POPULATE_MAX (1 << 20)

/* Which backend @backend (a backend= argument) names, resolved as
 * _lib.backend() does; -1 when it is not plainly one (a subclass of str,
 * an unknown name: __init__ says what is wrong). */
int plain_backend(PyObject *backend)
{
	static const char *const names[] = {
		[SHMDEV_BACKEND_DEFAULT] = "default",
		[SHMDEV_BACKEND_KERNEL] = "kernel",
		[SHMDEV_BACKEND_MEMFD] = "memfd",
		[SHMDEV_BACKEND_SYSV] = "sysv",
		[SHMDEV_BACKEND_POSIX] = "posix",
	};
	enum shmdev_backend b = SHMDEV_BACKEND_DEFAULT;
	size_t i;

	if (backend != Py_None) {
		if (!PyUnicode_CheckExact(backend))
			return -1;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!PyUnicode_CompareWithASCIIString(backend, names[i]))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return -1;
		b = (enum shmdev_backend)i;
	}
	if (b == SHMDEV_BACKEND_DEFAULT &&
	    shmdev_backend_resolve(SHMDEV_BACKEND_DEFAULT, &b))
		return -1;
	return (int)b;
}

/* 1 if @name and @size are what the fast cases take: a str with no
 * leading slash and no NUL, and an int of 0 or more. */
int plain_name(PyObject *name, PyObject *size)
{
	Py_ssize_t len;

	if (!PyUnicode_CheckExact(name) || !PyLong_CheckExact(size))
		return 0;
	if (PyLong_AsLong(size) < 0) {
		PyErr_Clear();
		return 0;
	}
	len = PyUnicode_GET_LENGTH(name);
	return len && PyUnicode_READ_CHAR(name, 0) != '/' &&
	       PyUnicode_FindChar(name, 0, 0, len, 1) == -1;
}

/* What __init__ sets before it opens: track, the fork generation,
 * backend, no views, and under which name close() keeps the mapping
 * (None: not kept). */
int shm_made(PyObject *shm, PyObject *track, PyObject *backend,
	     PyObject *keep_as)
{
	PyObject *gen = PyObject_GetAttr(attached_mod, s_generation);
	PyObject *views = PyList_New(0);
	int ret = -1;

	if (gen && views &&
	    !PyObject_SetAttr(shm, s_track, track) &&
	    !PyObject_SetAttr(shm, s_generation, gen) &&
	    !PyObject_SetAttr(shm, s_backend, backend) &&
	    !PyObject_SetAttr(shm, s_views, views) &&
	    !PyObject_SetAttr(shm, s_keep_as, keep_as))
		ret = 0;
	Py_XDECREF(gen);
	Py_XDECREF(views);
	return ret;
}

/* shm.close(), keeping the error being raised. */
static void close_quietly(PyObject *shm)
{
	PyObject *type, *value, *tb, *r;

	PyErr_Fetch(&type, &value, &tb);
	r = PyObject_CallMethodNoArgs(shm, s_close);
	Py_XDECREF(r);
	PyErr_Restore(type, value, tb);
}

/*
 * The kernel region @name opened read-write and mapped into @shm (for a
 * list: @list), populated when a small list's: 1, or 0 with @shm untouched
 * when the open fails (__init__ does it again and says why, or falls
 * back), or -1 with an error.
 */
static int kernel_attach(PyObject *shm, PyObject *name, PyObject *slash,
			 PyObject *track, int list)
{
	struct shmdev_region *r = NULL;
	PyObject *mm = NULL, *region = NULL, *k = NULL;
	const char *cname = PyUnicode_AsUTF8(name);
	Py_buffer view;
	void *addr;
	size_t size;
	int ret;

	if (!cname)
		return -1;
	ret = kept_attach(shm, name, slash, track, 1);
	if (ret)
		return ret;
	Py_BEGIN_ALLOW_THREADS
	ret = shmdev_region_open(SHMDEV_BACKEND_KERNEL, cname, 0, &r);
	Py_END_ALLOW_THREADS
	if (ret < 0)
		return 0;
	ret = -1;
	/* A mmap, as __init__ makes: it counts the views of buf. */
	size = shmdev_region_size(r);
	mm = PyObject_CallFunction(mmap_type, "inii", shmdev_region_fd(r),
				   (Py_ssize_t)size,
				   MAP_SHARED | (list && size <= LIST_POPULATE_MAX ?
						 MAP_POPULATE : 0),
				   PROT_READ | PROT_WRITE);
	if (!mm)
		goto close_region;
	if (PyObject_GetBuffer(mm, &view, PyBUF_WRITABLE))
		goto close_region;
	addr = view.buf;
	PyBuffer_Release(&view);
	region = PyObject_CallFunction(void_p_type, "K",
				       (unsigned long long)(uintptr_t)r);
	if (!region || PyObject_SetAttr(shm, s_region, region))
		goto close_region;
	/* @shm owns the region now: close() tidies up from here on. */
	k = Py_BuildValue("(OiOKnO)", region, shmdev_region_fd(r), mm,
			  (unsigned long long)(uintptr_t)addr,
			  (Py_ssize_t)size, Py_None);
	/* Kept parked at close() under "/name" (kept.c). */
	if (k && !shm_made(shm, track, s_kernel, slash) &&
	    !shm_adopt(shm, k, slash))
		ret = 1;
	else
		close_quietly(shm);
	Py_XDECREF(k);
	Py_DECREF(region);
	Py_DECREF(mm);
	return ret;
close_region:
	Py_XDECREF(region);
	Py_XDECREF(mm);		/* its dealloc unmaps */
	shmdev_region_close(r);
	return -1;
}

/*
 * Whether the fast case may take @name on backend @b (plain_backend()):
 * a kernel region always, a posix block only when one is kept, so that
 * nothing is made for nothing.  1 or 0, or -1 on error.
 */
static int fast_case(PyObject *name, int b)
{
	if (b == SHMDEV_BACKEND_KERNEL)
		return 1;
	if (b == SHMDEV_BACKEND_POSIX)
		return kept_has(name);
	return 0;
}

/*
 * SharedMemory(@name, track=@track, backend=@b) into @shm, for a
 * ShareableList if @list, once the caller checked @name (plain_name())
 * and that fast_case() takes it: 1 if made, 0 if __init__ has to, -1 on
 * error.
 */
static int attach(PyObject *shm, PyObject *name, PyObject *track, int b,
		  int list)
{
	PyObject *slash;
	int ret;

	/* Only SharedMemory's own naming: a subclass that keeps the slash
	 * off (as CPython's tests do) goes the long way. */
	slash = PyObject_GetAttr(shm, s_prepend);
	Py_XDECREF(slash);
	if (slash != Py_True)
		return slash ? 0 : -1;
	/* "/" + @name: the name it takes, and a kernel region's key. */
	slash = PyUnicode_Concat(s_slash, name);
	if (!slash)
		return -1;
	if (b == SHMDEV_BACKEND_POSIX)
		ret = kept_attach(shm, name, slash, track, 0);
	else
		ret = kernel_attach(shm, name, slash, track, list);
	Py_DECREF(slash);
	return ret;
}

static PyObject *fast_attach(PyObject *Py_UNUSED(mod), PyObject *const *args,
			     Py_ssize_t nargs)
{
	int b, ret;

	if (nargs != 5)
		return PyErr_Format(PyExc_TypeError, "fast_attach() takes 5 arguments");
	if (!void_p_type || !attached_mod)
		Py_RETURN_FALSE;	/* fast_setup() or kept_setup() not called */
	if (!plain_name(args[1], args[2]))
		Py_RETURN_FALSE;
	b = plain_backend(args[4]);
	ret = fast_case(args[1], b);
	if (ret > 0)
		ret = attach(args[0], args[1], args[3], b, 0);
	if (ret < 0)
		return NULL;
	return PyBool_FromLong(ret);
}

static PyObject *fast_attach_list(PyObject *Py_UNUSED(mod),
				  PyObject *const *args, Py_ssize_t nargs)
{
	PyObject *sl, *shm, *r;
	PyTypeObject *cls;
	int b, ret;

	if (nargs != 4)
		return PyErr_Format(PyExc_TypeError, "fast_attach_list() takes 4 arguments");
	sl = args[0];
	if (!void_p_type || !attached_mod || !PyType_Check(args[1]) ||
	    !PyObject_TypeCheck(sl, &ListViewType) ||
	    !plain_name(args[2], zero))
		Py_RETURN_FALSE;
	b = plain_backend(args[3]);
	ret = fast_case(args[2], b);
	if (ret <= 0)
		return ret < 0 ? NULL : PyBool_FromLong(0);
	cls = (PyTypeObject *)args[1];
	shm = cls->tp_new(cls, empty_tuple, NULL);
	if (!shm)
		return NULL;
	ret = attach(shm, args[2], Py_True, b, 1);
	if (ret <= 0) {
		Py_DECREF(shm);
		if (ret < 0)
			return NULL;
		Py_RETURN_FALSE;
	}
	if (PyObject_SetAttr(sl, s_shm, shm))
		goto fail;
	r = list_view_bind(sl, shm);
	if (!r)
		goto fail;
	Py_DECREF(r);
	Py_DECREF(shm);
	Py_RETURN_TRUE;
fail:
	/* As ShareableList.__init__: the block closed, the error raised. */
	close_quietly(shm);
	Py_DECREF(shm);
	return NULL;
}

static PyObject *fast_setup(PyObject *Py_UNUSED(mod), PyObject *const *args,
			    Py_ssize_t nargs)
{
	if (nargs != 2 || !PyType_Check(args[0]) || !PyType_Check(args[1]))
		return PyErr_Format(PyExc_TypeError, "shmdev: fast_setup(c_void_p, mmap)");
	Py_INCREF(args[0]);
	Py_XSETREF(void_p_type, args[0]);
	Py_INCREF(args[1]);
	Py_XSETREF(mmap_type, args[1]);
	Py_RETURN_NONE;
}

PyMethodDef attach_methods[] = {
	{ "fast_setup", (PyCFunction)(void (*)(void))fast_setup, METH_FASTCALL,
	  "fast_setup(c_void_p, mmap): the types that a SharedMemory holds" },
	{ "fast_attach", (PyCFunction)(void (*)(void))fast_attach, METH_FASTCALL,
	  "fast_attach(shm, name, size, track, backend) -> bool: SharedMemory("
	  "name, size=size, track=track, backend=backend), whole, over a kept "
	  "posix block or a kernel region" },
	{ "fast_attach_list", (PyCFunction)(void (*)(void))fast_attach_list,
	  METH_FASTCALL,
	  "fast_attach_list(sl, cls, name, backend) -> bool: ShareableList("
	  "name=name, backend=backend), whole, the same way" },
	{ NULL }
};
