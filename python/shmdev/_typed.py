# SPDX-License-Identifier: LGPL-2.1-or-later
"""TypedList (one C type, with the buffer protocol) and Pool (worker
processes over a TypedList), over libshmdev's typed lists."""

import ctypes
import errno
import os
import secrets
import weakref

from . import _lib, _tracker
from ._lib import check as _check


def _persist_flag(backend_name):
    # sysv and posix names outlive their users, which they must say.
    return _lib.REGION_PERSIST if backend_name in ("sysv", "posix") else 0


class _Attached:
    """A list attached to its region; owns both."""

    def __init__(self, name, backend_name):
        self._region = None
        self._list = None
        self.name = name
        self._backend = backend_name

    def _create(self, typ, capacity, heap, name, mode):
        b = _lib.backend(self._backend)
        if name is None and b != "memfd":
            name = "psm_" + secrets.token_hex(8)
        lst = ctypes.c_void_p()
        _check(_lib.list_create(_lib.BACKENDS[b], name.encode() if name else None, typ,
                            capacity, heap, _persist_flag(b) if name else 0,
                            mode, ctypes.byref(lst)),
               "create list %s" % (name or "(unnamed)"))
        self._list = lst
        self.name = name
        self._backend = b
        try:
            self._hold()
            if name and b in ("posix", "sysv"):
                _tracker.register(b, name,
                                  _lib.ident(_lib.list_region(self._list)))
        except BaseException:
            self.close()
            if name:
                _lib.region_unlink(_lib.BACKENDS[b], name.encode())
                _tracker.unregister(b, name)
            raise

    def _hold(self):
        """As SharedMemory: a shared lock on a posix list's descriptor while
        it is attached (see shmdev._tracker)."""
        fd = _lib.region_fd(_lib.list_region(self._list))
        if self._backend == "posix" and fd >= 0:
            _tracker.hold(fd, self.name)

    def _attach(self, name, readonly):
        b = _lib.backend(self._backend)
        reg, lst = ctypes.c_void_p(), ctypes.c_void_p()
        _check(_lib.region_open(_lib.BACKENDS[b], name.encode(),
                            _lib.REGION_RDONLY if readonly else 0,
                            ctypes.byref(reg)), "open list %s" % name)
        ret = _lib.list_attach(reg, ctypes.byref(lst))
        if ret < 0:
            _lib.region_close(reg)
            _check(ret, "attach list %s" % name)
        self._region, self._list, self.name, self._backend = reg, lst, name, b
        try:
            self._hold()
        except BaseException:
            self.close()
            raise

    def close(self):
        """Detach this process; the list stays for its other users."""
        if self._list:
            _lib.list_detach(self._list)
            self._list = None
        if self._region:
            _lib.region_close(self._region)
            self._region = None

    def unlink(self):
        """Remove the name (the kernel backend frees the memory with its
        last user; sysv and posix at once once all detach)."""
        if not self.name:
            raise OSError(errno.EOPNOTSUPP, "shmdev: an unnamed list has no name to unlink")
        _check(_lib.region_unlink(_lib.BACKENDS[self._backend], self.name.encode()),
               "unlink list %s" % self.name)
        if self._backend in ("posix", "sysv"):
            _tracker.unregister(self._backend, self.name)

    def _l(self):
        if not self._list:
            raise ValueError("shmdev: the list is closed")
        return self._list

    def __len__(self):
        return _check(_lib.list_len(self._l()), "read the length")

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        # Pickled by name: the receiver attaches (and never unlinks).
        if not self.name:
            raise TypeError("shmdev: an unnamed list travels only by fork")
        return (_rebuild, (self.__class__, self.name, self._backend))


def _rebuild(cls, name, backend_name):
    return cls(name=name, backend=backend_name)


class _PyTypedView:
    """Element access through the buffer, in pure Python; the C extension
    shmdev._speedups has the same, faster."""

    def _bind_typed(self, lst):
        pass

    def _unbind(self):
        pass

    def __getitem__(self, i):
        return self.buffer[i]

    def __setitem__(self, i, v):
        self.buffer[i] = v

    def __iter__(self):
        return iter(self.buffer.tolist())


try:
    if os.environ.get("SHMDEV_NO_SPEEDUPS"):
        raise ImportError("SHMDEV_NO_SPEEDUPS is set")
    from ._speedups import TypedView as _TypedBase
except ImportError:
    _TypedBase = _PyTypedView


class TypedList(_TypedBase, _Attached):
    """TypedList(typecode, data=None, *, size=None, name=None, backend=None)

    A list of one C type with the buffer protocol: memoryview(t) or
    numpy.frombuffer(t, dtype) share its memory, no copy.
    """

    def __init__(self, typecode=None, data=None, *, size=None, name=None,
                 backend=None, mode=0o600):
        super().__init__(name, backend)
        if typecode is None:
            if name is None:
                raise ValueError("shmdev: give a typecode or a name")
            self._attach(name, False)
            self._bind_view()
        else:
            if typecode not in _lib.TYPECODES:
                raise ValueError("shmdev: typecode must be one of %s" %
                                 "".join(_lib.TYPECODES))
            items = None
            if data is not None:
                # Converted first: a bad item leaves nothing behind.
                ctype = _lib.TYPECODES[typecode][1]
                items = (ctype * len(data))(*data)
            n = size if size is not None else len(items)
            if n < 0 or (items is not None and len(items) > n):
                raise ValueError("shmdev: size %d cannot hold %d items" %
                                 (n, len(items)))
            self._create(_lib.TYPECODES[typecode][0], max(n, 1), 0, name, mode)
            try:
                _check(_lib.list_set_len(self._list, n), "set the length")
                self._bind_view()
                if items is not None:
                    self.buffer[:len(items)] = memoryview(items).cast(
                        "B").cast(self.typecode)
            except BaseException:
                self.close()
                if self.name:
                    _lib.region_unlink(_lib.BACKENDS[self._backend],
                                       self.name.encode())
                raise


    def _bind_view(self):
        self._bind_typed(self._list.value)

    def append(self, x):
        """Add @x at the end.  A full list grows (its region doubles), which
        other processes see at their next access; views of buffer taken
        before stay valid, for the elements there were then.  OSError
        (ENOSPC) where the region cannot grow (sysv)."""
        item = self._ctype(x)
        _check(_lib.list_append(self._l(), ctypes.addressof(item)),
               "append to list %s" % (self.name or "(unnamed)"))

    def extend(self, items):
        """Add every item of @items at the end, growing as append()."""
        ctype = self._ctype
        items = list(items)
        arr = (ctype * len(items))(*items)
        _check(_lib.list_extend(self._l(), ctypes.addressof(arr), len(items)),
               "extend list %s" % (self.name or "(unnamed)"))

    def close(self):
        """Detach this process; the list stays for its other users.
        BufferError while a view of buffer (a slice, a numpy array) exists:
        detaching would leave it pointing at unmapped memory."""
        if any(r() is not None for r in getattr(self, "_exports", ())):
            raise BufferError("shmdev: cannot close the TypedList: a view of "
                              "its buffer still exists")
        self._unbind()
        _Attached.close(self)

    @property
    def typecode(self):
        return _lib.TYPE_TO_CODE[_lib.list_type(self._l())]

    @property
    def _ctype(self):
        return _lib.TYPECODES[self.typecode][1]

    @property
    def buffer(self):
        """A memoryview of the elements (length len(self)), no copy."""
        n = len(self)
        arr = (self._ctype * n).from_address(_lib.list_data(self._l()))
        # Every view made from it keeps arr alive: close() checks.  (A
        # list of weak references: ctypes arrays are unhashable.)
        self._exports = [r for r in getattr(self, "_exports", ())
                         if r() is not None] + [weakref.ref(arr)]
        return memoryview(arr).cast("B").cast(self.typecode)

    def __buffer__(self, flags):  # Python 3.12 buffer protocol hook
        return self.buffer

    def tolist(self):
        return self.buffer.tolist()

    def numpy(self):
        """A numpy array over the same memory (needs numpy)."""
        import numpy
        return numpy.frombuffer(self.buffer, dtype=self.typecode)


class Pool:
    """Pool(tlist, workers=None, dynamic=False, func=None)

    Worker processes forked once, attached to a TypedList, applying a
    function to all its elements by chunks.  map(op, arg) runs one of the
    library's C functions ('mul', 'add' on int64 lists, 'fmul' on double
    lists) with an optional factor or addend; map() runs func(view, first,
    count) in the workers, view being a memoryview of the elements.  func
    must be given here: the workers are forked now.
    """

    def __init__(self, tlist, workers=None, dynamic=False, func=None):
        self._pool = None
        self._list = tlist
        self._func = None
        if func is not None:
            typecode, ctype = tlist.typecode, tlist._ctype

            def trampoline(elems, first, count, _arg):
                view = memoryview((ctype * (first + count)).from_address(
                    elems)).cast("B").cast(typecode)
                func(view, first, count)
            self._func = _lib.APPLY(trampoline)
        p = ctypes.c_void_p()
        n = workers or os.cpu_count() or 1
        _check(_lib.pool_create(tlist._l(), n, _lib.POOL_DYNAMIC if dynamic else 0,
                            ctypes.byref(p)), "start %d workers" % n)
        self._pool = p
        self.workers = n

    def map(self, op=None, arg=None, chunk=0):
        if self._pool is None:
            raise ValueError("shmdev: the pool is closed")
        if op is None:
            if self._func is None:
                raise ValueError("shmdev: no func was given to Pool()")
            _check(_lib.pool_run(self._pool, ctypes.cast(self._func, _lib.P), None, 0,
                             chunk), "run the job")
            return
        if op not in _lib.OPS:
            raise ValueError("shmdev: op must be a callable or one of %s" %
                             ", ".join(_lib.OPS))
        fn, ctype = _lib.OPS[op]
        if arg is None:
            _check(_lib.pool_run(self._pool, fn, None, 0, chunk), "run the job")
        else:
            a = ctype(arg)
            _check(_lib.pool_run(self._pool, fn, ctypes.addressof(a),
                             ctypes.sizeof(a), chunk), "run the job")

    def close(self):
        if self._pool:
            p, self._pool = self._pool, None
            _check(_lib.pool_destroy(p), "stop the workers")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
