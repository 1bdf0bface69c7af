// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kept half of the attach by name made in C (attach.c has the
 * rest): reusing a block kept mapped since an earlier close() in this
 * process (shmdev/_attached.py, which has the same in pure Python and
 * says why it is safe), and keeping one at close().  A posix reuse is
 * one fstatat() (is the name still that very file?), the tracker's
 * flock() taken again (a user again; kept_keep() releases it, as a
 * closed block is no user), and the attributes that
 * SharedMemory.__init__ would set, with no Python run in between.  A
 * kernel region is kept parked (kept under "/NAME"): its reuse is one
 * UNPARK, which checks that the name still names it.
 *
 *   kept_attach(shm, name, slash, track, kernel)	(C, for attach.c)
 *	SharedMemory(name, track=track, backend="posix" or "kernel") into
 *	@shm when a block is kept under @name (@slash, "/" + @name: kernel).
 *   kept_reuse(shm, key, name) -> bool
 *	the same from within __init__ (the backend resolved to posix):
 *	@shm takes the block kept under @key, named @name.
 *   kept_keep(shm, key) -> bool
 *	close() of @shm: its mapping kept under @key, if it can be (a
 *	kernel region's parks).
 *
 * The dict of kept blocks, the function that drops one, the limit and
 * the module whose _generation counts forks are _attached's, given once
 * by kept_setup(kept, drop, max, module).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <shmdev.h>

#include "speedups.h"

static PyObject *kept_dict;	/* _attached._kept: key -> kept tuple */
PyObject *attached_mod;		/* shmdev._attached, for its _generation */
static PyObject *drop_fn;	/* _attached._drop1(kept) */
static Py_ssize_t kept_max = 8;
static int shm_dir = -1;	/* /dev/shm, opened once */

/* The fields of a kept tuple (_attached: REGION, FD, MMAP, ADDR, SIZE,
 * IDENT). */
enum { K_REGION, K_FD, K_MMAP, K_ADDR, K_SIZE, K_IDENT, K_LEN };

/* The attributes of a SharedMemory that kept.c and attach.c read and
 * set (speedups.h). */
PyObject *s_region, *s_fd, *s_mmap, *s_addr, *s_size, *s_ident, *s_name,
	 *s_buf, *s_views, *s_unbind, *s_prepend, *s_slash, *s_generation,
	 *s_track, *s_backend, *s_posix, *s_kernel, *s_keep_as, *s_shm,
	 *s_close, *empty_tuple, *zero;

static PyObject *ident_of(const struct stat *st)
{
	long long ctime_ns = (long long)st->st_ctim.tv_sec * 1000000000LL +
			     st->st_ctim.tv_nsec;

	return Py_BuildValue("(KKLL)", (unsigned long long)st->st_dev,
			     (unsigned long long)st->st_ino, ctime_ns,
			     (long long)st->st_size);
}

/* 1 if @st is the file that @ident (a tuple of ident_of) describes, 0 if
 * not, -1 on error. */
static int same_file(PyObject *ident, const struct stat *st)
{
	PyObject *now = ident_of(st);
	int same;

	if (!now)
		return -1;
	same = PyObject_RichCompareBool(ident, now, Py_EQ);
	Py_DECREF(now);
	return same;
}

/* Whether @key is a kernel region's ("/NAME"). */
static int kernel_key(PyObject *key)
{
	return PyUnicode_GET_LENGTH(key) && PyUnicode_READ_CHAR(key, 0) == '/';
}

/* The libshmdev handle that @region, a ctypes.c_void_p, holds; NULL with
 * an error. */
static struct shmdev_region *region_ptr(PyObject *region)
{
	PyObject *v = PyObject_GetAttrString(region, "value");
	void *p = NULL;

	if (!v)
		return NULL;
	if (v != Py_None)
		p = PyLong_AsVoidPtr(v);
	Py_DECREF(v);
	if (!p && !PyErr_Occurred())
		PyErr_SetString(PyExc_ValueError, "shmdev: no region");
	return p;
}

/*
 * PARK (@park) or UNPARK the region @region's mapping at @addr of @size
 * bytes: 1 if done (an unpark: and the region is still that size), 0
 * if not, -1 on error.  A park may end the region (its last user), which
 * frees its memory: without the GIL.
 */
static int park_kept(PyObject *region, PyObject *addr, PyObject *size,
		     int park)
{
	struct shmdev_region *r = region_ptr(region);
	void *a;
	size_t n;
	int ret;

	if (!r)
		return -1;
	a = PyLong_AsVoidPtr(addr);
	n = PyLong_AsSize_t(size);
	if (PyErr_Occurred())
		return -1;
	if (!park)
		return !shmdev_region_unpark(r, a, n) &&
		       shmdev_region_size(r) == n;
	Py_BEGIN_ALLOW_THREADS
	ret = shmdev_region_park(r, a, n);
	Py_END_ALLOW_THREADS
	return !ret;
}

static int drop(PyObject *kept)
{
	PyObject *r = PyObject_CallOneArg(drop_fn, kept);

	Py_XDECREF(r);
	return r ? 0 : -1;
}

/* Set @shm's attributes from @k, a tuple as kept, and @name. */
int shm_adopt(PyObject *shm, PyObject *k, PyObject *name)
{
	PyObject *buf;
	int ret;

	if (PyObject_SetAttr(shm, s_region, PyTuple_GET_ITEM(k, K_REGION)) ||
	    PyObject_SetAttr(shm, s_fd, PyTuple_GET_ITEM(k, K_FD)) ||
	    PyObject_SetAttr(shm, s_mmap, PyTuple_GET_ITEM(k, K_MMAP)) ||
	    PyObject_SetAttr(shm, s_addr, PyTuple_GET_ITEM(k, K_ADDR)) ||
	    PyObject_SetAttr(shm, s_size, PyTuple_GET_ITEM(k, K_SIZE)) ||
	    PyObject_SetAttr(shm, s_ident, PyTuple_GET_ITEM(k, K_IDENT)) ||
	    PyObject_SetAttr(shm, s_name, name))
		return -1;
	buf = PyMemoryView_FromObject(PyTuple_GET_ITEM(k, K_MMAP));
	if (!buf)
		return -1;
	ret = PyObject_SetAttr(shm, s_buf, buf);
	Py_DECREF(buf);
	return ret;
}

/*
 * After adopt(): the kept block, unlocked since its close(), is locked
 * again, as every user holds it (_tracker.hold()).  If the tracker holds
 * it alone, removing it, @shm is closed, not to be kept again, and
 * FileNotFoundError raised.
 */
static int relock(PyObject *shm, PyObject *k, PyObject *name)
{
	PyObject *r, *e;
	long fd;
	int err;

	fd = PyLong_AsLong(PyTuple_GET_ITEM(k, K_FD));
	if (fd == -1 && PyErr_Occurred())
		return -1;
	if (!flock((int)fd, LOCK_SH | LOCK_NB))
		return 0;
	err = errno;
	if (PyObject_SetAttr(shm, s_generation, Py_None))
		return -1;
	r = PyObject_CallMethodNoArgs(shm, s_close);
	if (!r)
		return -1;
	Py_DECREF(r);
	if (err != EWOULDBLOCK) {
		errno = err;
		PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, name);
		return -1;
	}
	e = Py_BuildValue("(isO)", ENOENT, "shmdev: the block is being removed",
			  name);
	if (e) {
		PyErr_SetObject(PyExc_FileNotFoundError, e);
		Py_DECREF(e);
	}
	return -1;
}

/*
 * The block kept under @key, taken out of the dict, if /dev/shm/@key
 * still names its file: a new reference; NULL without an exception if
 * there is none (a stale one is dropped), with one on error.
 */
static PyObject *take(PyObject *key)
{
	PyObject *k;
	struct stat st;
	const char *path;
	int same = 0;

	if (!kept_dict) {
		PyErr_SetString(PyExc_RuntimeError, "shmdev: kept_setup() not called");
		return NULL;
	}
	k = PyDict_GetItemWithError(kept_dict, key);
	if (!k)
		return NULL;
	Py_INCREF(k);
	if (PyDict_DelItem(kept_dict, key))
		goto error;
	if (!PyTuple_Check(k) || PyTuple_GET_SIZE(k) != K_LEN) {
		PyErr_SetString(PyExc_TypeError, "shmdev: a kept block is a tuple");
		goto error;
	}
	if (kernel_key(key)) {
		/* A user again if the name still names that region. */
		same = park_kept(PyTuple_GET_ITEM(k, K_REGION),
				 PyTuple_GET_ITEM(k, K_ADDR),
				 PyTuple_GET_ITEM(k, K_SIZE), 0);
		if (same < 0)
			goto error;
	} else {
		path = PyUnicode_AsUTF8(key);
		if (!path)
			goto error;
		if (shm_dir < 0)
			shm_dir = open("/dev/shm",
				       O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (shm_dir >= 0 && fstatat(shm_dir, path, &st, 0) == 0) {
			same = same_file(PyTuple_GET_ITEM(k, K_IDENT), &st);
			if (same < 0)
				goto error;
		}
	}
	if (same)
		return k;
	/* Another file now, or none: this one goes. */
	if (drop(k))
		goto error;
	Py_DECREF(k);
	return NULL;
error:
	Py_DECREF(k);
	return NULL;
}

static PyObject *kept_reuse(PyObject *Py_UNUSED(mod), PyObject *const *args,
			    Py_ssize_t nargs)
{
	PyObject *k;
	int ret;

	if (nargs != 3)
		return PyErr_Format(PyExc_TypeError, "kept_reuse() takes 3 arguments");
	k = take(args[1]);
	if (!k) {
		if (PyErr_Occurred())
			return NULL;
		Py_RETURN_FALSE;
	}
	ret = shm_adopt(args[0], k, args[2]) ||
	      (!kernel_key(args[1]) && relock(args[0], k, args[2]));
	Py_DECREF(k);
	if (ret)
		return NULL;
	Py_RETURN_TRUE;
}

/* 1 if a block is kept under @name, 0 if not, -1 on error. */
int kept_has(PyObject *name)
{
	if (!kept_dict || !PyDict_GET_SIZE(kept_dict))
		return 0;
	return PyDict_Contains(kept_dict, name);
}

/*
 * SharedMemory(@name, track=@track, backend="posix", or "kernel" if
 * @kernel) into @shm, made but not initialized, when a block is kept
 * under @name, or under @slash for a kernel region (@slash is "/" +
 * @name, the name @shm takes; attach.c checked the rest): what __init__
 * would set, set here.  1 if so, 0 with @shm untouched when none is (any
 * more), -1 on error.
 */
int kept_attach(PyObject *shm, PyObject *name, PyObject *slash,
		PyObject *track, int kernel)
{
	PyObject *key = kernel ? slash : name, *k;
	int ret;

	ret = kept_has(key);
	if (ret <= 0)
		return ret;
	k = take(key);
	if (!k)
		return PyErr_Occurred() ? -1 : 0;
	ret = -1;
	if (!shm_made(shm, track, kernel ? s_kernel : s_posix, key))
		ret = shm_adopt(shm, k, slash);
	if (!ret) {
		/* Made: from here on close() tidies up. */
		ret = !kernel && relock(shm, k, slash) ? -1 : 1;
	} else {
		/* Not half made: kept again as it was (a kernel one unparked:
		 * it is a user, closed when dropped). */
		PyObject *type, *value, *tb;

		PyErr_Fetch(&type, &value, &tb);
		if (PyDict_SetItem(kept_dict, key, k))
			PyErr_Clear();
		PyErr_Restore(type, value, tb);
	}
	Py_DECREF(k);
	return ret;
}

/* The object @ref refers to, a new reference, or NULL if it is gone
 * (PyWeakref_GetObject() is deprecated from 3.13, which has GetRef). */
static PyObject *weakref_target(PyObject *ref)
{
#if PY_VERSION_HEX >= 0x030D0000
	PyObject *v = NULL;

	if (PyWeakref_GetRef(ref, &v) < 0)
		PyErr_Clear();
	return v;
#else
	PyObject *v = PyWeakref_GetObject(ref);

	if (!v || v == Py_None) {
		PyErr_Clear();
		return NULL;
	}
	Py_INCREF(v);
	return v;
#endif
}

/* Unbind every live view of @shm (a ListView directly) and empty the list. */
static int unbind_views(PyObject *shm)
{
	PyObject *views = PyObject_GetAttr(shm, s_views), *fresh;
	Py_ssize_t i, n;
	int ret = -1;

	if (!views)
		return -1;
	if (!PyList_Check(views) || !PyList_GET_SIZE(views)) {
		Py_DECREF(views);
		return 0;
	}
	/* As _unbind_views(): the list is replaced first. */
	fresh = PyList_New(0);
	if (!fresh || PyObject_SetAttr(shm, s_views, fresh))
		goto out;
	n = PyList_GET_SIZE(views);
	for (i = 0; i < n; i++) {
		PyObject *ref = PyList_GET_ITEM(views, i), *v, *r;

		if (!PyWeakref_Check(ref))
			continue;
		v = weakref_target(ref);
		if (!v)
			continue;
		if (PyObject_TypeCheck(v, &ListViewType)) {
			list_view_unbind(v);
			Py_DECREF(v);
			continue;
		}
		r = PyObject_CallMethodNoArgs(v, s_unbind);
		Py_DECREF(v);
		if (!r)
			goto out;
		Py_DECREF(r);
	}
	ret = 0;
out:
	Py_XDECREF(fresh);
	Py_DECREF(views);
	return ret;
}

/* Put @k under @key, dropping what was there and the oldest beyond the
 * limit (a dict keeps the order of insertion). */
static int put(PyObject *key, PyObject *k)
{
	PyObject *old = PyDict_GetItemWithError(kept_dict, key);

	if (old) {
		Py_INCREF(old);
		if (PyDict_DelItem(kept_dict, key) || drop(old)) {
			Py_DECREF(old);
			return -1;
		}
		Py_DECREF(old);
	} else if (PyErr_Occurred()) {
		return -1;
	}
	if (PyDict_SetItem(kept_dict, key, k))
		return -1;
	while (PyDict_GET_SIZE(kept_dict) > kept_max) {
		Py_ssize_t pos = 0;
		PyObject *oldest_key, *oldest;
		int ret;

		if (!PyDict_Next(kept_dict, &pos, &oldest_key, &oldest))
			break;
		Py_INCREF(oldest_key);
		Py_INCREF(oldest);
		ret = PyDict_DelItem(kept_dict, oldest_key) || drop(oldest);
		Py_DECREF(oldest_key);
		Py_DECREF(oldest);
		if (ret)
			return -1;
	}
	return 0;
}

static PyObject *kept_keep(PyObject *Py_UNUSED(mod), PyObject *const *args,
			   Py_ssize_t nargs)
{
	PyObject *shm, *key, *mm = NULL, *k = NULL, *ident = NULL;
	PyObject *vals[K_LEN] = { NULL };
	int fd, i, kernel, parked;

	if (nargs != 2)
		return PyErr_Format(PyExc_TypeError, "kept_keep() takes 2 arguments");
	shm = args[0];
	key = args[1];
	if (!kept_dict)
		return PyErr_Format(PyExc_RuntimeError, "shmdev: kept.setup() not called");
	mm = PyObject_GetAttr(shm, s_mmap);
	if (!mm)
		return NULL;
	/* mmap.close() would refuse while a view of buf exists: such a
	 * view holds a reference to the mmap (ours and the attribute's are
	 * the other two). */
	if (Py_REFCNT(mm) > 2) {
		Py_DECREF(mm);
		PyErr_SetString(PyExc_BufferError, "cannot close exported pointers exist");
		return NULL;
	}
	vals[K_MMAP] = mm;
	vals[K_REGION] = PyObject_GetAttr(shm, s_region);
	vals[K_FD] = PyObject_GetAttr(shm, s_fd);
	vals[K_ADDR] = PyObject_GetAttr(shm, s_addr);
	vals[K_SIZE] = PyObject_GetAttr(shm, s_size);
	ident = PyObject_GetAttr(shm, s_ident);
	for (i = 0; i < K_IDENT; i++)
		if (!vals[i])
			goto error;
	if (!ident)
		goto error;
	fd = PyLong_AsLong(vals[K_FD]);
	if (fd == -1 && PyErr_Occurred())
		goto error;
	kernel = kernel_key(key);
	if (kernel) {
		/* No user from here on, or not kept: close() does it all. */
		parked = park_kept(vals[K_REGION], vals[K_ADDR], vals[K_SIZE], 1);
		if (parked <= 0) {
			for (i = 0; i < K_LEN; i++)
				Py_XDECREF(vals[i]);
			Py_DECREF(ident);
			if (parked < 0)
				return NULL;
			Py_RETURN_FALSE;
		}
	} else if (ident == Py_None) {
		struct stat st;

		Py_DECREF(ident);
		ident = NULL;
		if (fstat(fd, &st)) {
			PyErr_SetFromErrno(PyExc_OSError);
			goto error;
		}
		ident = ident_of(&st);
		if (!ident)
			goto error;
	}
	vals[K_IDENT] = ident;
	ident = NULL;
	k = PyTuple_New(K_LEN);
	if (!k)
		goto error;
	for (i = 0; i < K_LEN; i++) {
		PyTuple_SET_ITEM(k, i, vals[i]);
		vals[i] = NULL;
	}
	if (unbind_views(shm) ||
	    PyObject_SetAttr(shm, s_mmap, Py_None) ||
	    PyObject_SetAttr(shm, s_region, Py_None))
		goto error;
	/* No longer a user (_tracker): kept or not, a closed block is the
	 * tracker's to remove once its other users have closed it. */
	if (!kernel)
		flock(fd, LOCK_UN);
	if (put(key, k))
		goto error;
	Py_DECREF(k);
	Py_RETURN_TRUE;
error:
	for (i = 0; i < K_LEN; i++)
		Py_XDECREF(vals[i]);
	Py_XDECREF(ident);
	Py_XDECREF(k);
	return NULL;
}

static PyObject *kept_setup(PyObject *Py_UNUSED(mod), PyObject *const *args,
			    Py_ssize_t nargs)
{
	Py_ssize_t max;

	if (nargs != 4)
		return PyErr_Format(PyExc_TypeError, "kept_setup() takes 4 arguments");
	if (!PyDict_CheckExact(args[0]) || !PyCallable_Check(args[1]))
		return PyErr_Format(PyExc_TypeError, "shmdev: kept_setup(dict, callable, int, module)");
	max = PyLong_AsSsize_t(args[2]);
	if (max < 0)
		return PyErr_Occurred() ? NULL :
			PyErr_Format(PyExc_ValueError, "shmdev: a negative limit");
	Py_INCREF(args[0]);
	Py_XSETREF(kept_dict, args[0]);
	Py_INCREF(args[1]);
	Py_XSETREF(drop_fn, args[1]);
	kept_max = max;
	Py_INCREF(args[3]);
	Py_XSETREF(attached_mod, args[3]);
	Py_RETURN_NONE;
}

PyMethodDef kept_methods[] = {
	{ "kept_setup", (PyCFunction)(void (*)(void))kept_setup, METH_FASTCALL,
	  "kept_setup(kept, drop, max, module): the kept blocks, how one is "
	  "dropped, how many, and the module whose _generation counts forks" },
	{ "kept_reuse", (PyCFunction)(void (*)(void))kept_reuse, METH_FASTCALL,
	  "kept_reuse(shm, key, name) -> bool: attach @shm to the block kept under @key" },
	{ "kept_keep", (PyCFunction)(void (*)(void))kept_keep, METH_FASTCALL,
	  "kept_keep(shm, key) -> bool: close() of @shm, its mapping kept under @key" },
	{ NULL }
};

int kept_init(void)
{
#define INTERN(v, s) do { v = PyUnicode_InternFromString(s); if (!v) return -1; } while (0)
	INTERN(s_region, "_region");
	INTERN(s_fd, "_fd");
	INTERN(s_mmap, "_mmap");
	INTERN(s_addr, "_addr");
	INTERN(s_size, "_size");
	INTERN(s_ident, "_ident");
	INTERN(s_name, "_name");
	INTERN(s_buf, "_buf");
	INTERN(s_views, "_views");
	INTERN(s_unbind, "_unbind");
	INTERN(s_prepend, "_prepend_leading_slash");
	INTERN(s_slash, "/");
	INTERN(s_generation, "_generation");
	INTERN(s_track, "_track");
	INTERN(s_backend, "_backend");
	INTERN(s_posix, "posix");
	INTERN(s_kernel, "kernel");
	INTERN(s_keep_as, "_keep_as");
	INTERN(s_shm, "shm");
	INTERN(s_close, "close");
	empty_tuple = PyTuple_New(0);
	zero = PyLong_FromLong(0);
	if (!empty_tuple || !zero)
		return -1;
#undef INTERN
	return 0;
}
