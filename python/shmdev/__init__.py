# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev: shared lists for Python that are fast and never lose a region.

A thin ctypes binding over libshmdev:

- ShareableList: a drop-in for multiprocessing.shared_memory.ShareableList
  (same element kinds: int, float, bool, str, bytes, None), with strings
  sized in UTF-8 bytes and embedded NULs preserved; O(1) access; nothing
  registered with multiprocessing.resource_tracker, so a process that
  attaches and exits never destroys the list.
- TypedList: one C type ('q' int64, 'Q' uint64, 'd' double, 'i' int32,
  'f' float, 'B' uint8) exposing the buffer protocol (memoryview, numpy)
  for zero-copy bulk work.
- Pool: forked worker processes attached once to a TypedList, applying a
  function to it by chunks.

The backend is the environment's SHMDEV_BACKEND, else the kernel module's
/dev/shmlist when present, else memfd.  With the kernel backend a list is
freed when its last user is gone, also when processes die.
"""

import ctypes
import ctypes.util
import errno as _errno
import os
import secrets

__all__ = ["ShareableList", "TypedList", "Pool", "backend", "version",
           "BACKENDS"]

BACKENDS = {"default": 0, "kernel": 1, "memfd": 2, "sysv": 3, "posix": 4}
_BACKEND_NAMES = {v: k for k, v in BACKENDS.items()}

_REGION_EXCL = 1 << 0
_REGION_PERSIST = 1 << 1
_REGION_RDONLY = 1 << 3
_POOL_DYNAMIC = 1 << 0

_T_INT64, _T_UINT64, _T_DOUBLE, _T_INT32, _T_FLOAT, _T_UINT8, _T_MIXED = \
    1, 2, 3, 4, 5, 6, 16
_TYPECODES = {"q": (_T_INT64, ctypes.c_int64), "Q": (_T_UINT64, ctypes.c_uint64),
              "d": (_T_DOUBLE, ctypes.c_double), "i": (_T_INT32, ctypes.c_int32),
              "f": (_T_FLOAT, ctypes.c_float), "B": (_T_UINT8, ctypes.c_uint8)}
_TYPE_TO_CODE = {v[0]: k for k, v in _TYPECODES.items()}

_K_NONE, _K_INT, _K_FLOAT, _K_BOOL, _K_STR, _K_BYTES = range(6)


def _load():
    """libshmdev: $SHMDEV_LIB, the build tree next to this package, or the
    system's."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [os.environ.get("SHMDEV_LIB"),
                  os.path.join(here, "..", "..", "build", "libshmdev.so.0"),
                  ctypes.util.find_library("shmdev"), "libshmdev.so.0"]
    last = None
    for c in candidates:
        if not c:
            continue
        try:
            return ctypes.CDLL(c, use_errno=True)
        except OSError as e:
            last = e
    raise ImportError("shmdev: could not load libshmdev: %s" % last)


_lib = _load()


class _Value(ctypes.Structure):
    _fields_ = [("kind", ctypes.c_int), ("i", ctypes.c_int64),
                ("f", ctypes.c_double), ("b", ctypes.c_int),
                ("ptr", ctypes.c_void_p), ("len", ctypes.c_size_t)]


_APPLY = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t,
                          ctypes.c_size_t, ctypes.c_void_p)
_P = ctypes.c_void_p
_PP = ctypes.POINTER(ctypes.c_void_p)


def _proto(name, res, *args):
    f = getattr(_lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


_version = _proto("shmdev_version", ctypes.c_char_p)
_resolve = _proto("shmdev_backend_resolve", ctypes.c_int, ctypes.c_int,
                  ctypes.POINTER(ctypes.c_int))
_region_open = _proto("shmdev_region_open", ctypes.c_int, ctypes.c_int,
                      ctypes.c_char_p, ctypes.c_uint, _PP)
_region_close = _proto("shmdev_region_close", None, _P)
_region_unlink = _proto("shmdev_region_unlink", ctypes.c_int, ctypes.c_int,
                        ctypes.c_char_p)
_region_size = _proto("shmdev_region_size", ctypes.c_size_t, _P)
_region_backend = _proto("shmdev_region_backend", ctypes.c_int, _P)
_list_bytes = _proto("shmdev_list_bytes", ctypes.c_size_t, ctypes.c_int,
                     ctypes.c_size_t, ctypes.c_size_t)
_list_create = _proto("shmdev_list_create", ctypes.c_int, ctypes.c_int,
                      ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t,
                      ctypes.c_size_t, ctypes.c_uint, ctypes.c_uint, _PP)
_list_attach = _proto("shmdev_list_attach", ctypes.c_int, _P, _PP)
_list_detach = _proto("shmdev_list_detach", None, _P)
_list_region = _proto("shmdev_list_region", _P, _P)
_list_type = _proto("shmdev_list_type", ctypes.c_int, _P)
_list_len = _proto("shmdev_list_len", ctypes.c_int64, _P)
_list_set_len = _proto("shmdev_list_set_len", ctypes.c_int, _P,
                       ctypes.c_size_t)
_list_capacity = _proto("shmdev_list_capacity", ctypes.c_size_t, _P)
_list_data = _proto("shmdev_list_data", _P, _P)
_list_get_value = _proto("shmdev_list_get_value", ctypes.c_int, _P,
                         ctypes.c_size_t, ctypes.POINTER(_Value))
_list_set_value = _proto("shmdev_list_set_value", ctypes.c_int, _P,
                         ctypes.c_size_t, ctypes.POINTER(_Value))
_pool_create = _proto("shmdev_pool_create", ctypes.c_int, _P, ctypes.c_uint,
                      ctypes.c_uint, _PP)
_pool_run = _proto("shmdev_pool_run", ctypes.c_int, _P, _P, _P,
                   ctypes.c_size_t, ctypes.c_size_t)
_pool_destroy = _proto("shmdev_pool_destroy", ctypes.c_int, _P)
_OPS = {"mul": (ctypes.cast(_lib.shmdev_apply_mul_i64, _P), ctypes.c_int64),
        "add": (ctypes.cast(_lib.shmdev_apply_add_i64, _P), ctypes.c_int64),
        "fmul": (ctypes.cast(_lib.shmdev_apply_mul_f64, _P), ctypes.c_double)}


def _check(ret, what):
    if ret < 0:
        raise OSError(-ret, "shmdev: could not %s: %s" % (what, os.strerror(-ret)))
    return ret


def version():
    """The library's version string."""
    return _version().decode()


def backend(name=None):
    """The backend a name (or the default) resolves to, as a string."""
    out = ctypes.c_int()
    _check(_resolve(BACKENDS[name or "default"], ctypes.byref(out)),
           "resolve the backend")
    return _BACKEND_NAMES[out.value]


def _persist_flag(backend_name):
    # sysv and posix names outlive their users, which they must say.
    return _REGION_PERSIST if backend_name in ("sysv", "posix") else 0


class _Attached:
    """A list attached to its region; owns both."""

    def __init__(self, name, backend_name):
        self._region = None
        self._list = None
        self.name = name
        self._backend = backend_name

    def _create(self, typ, capacity, heap, name, mode):
        b = backend(self._backend)
        if name is None and b != "memfd":
            name = "psm_" + secrets.token_hex(8)
        lst = ctypes.c_void_p()
        _check(_list_create(BACKENDS[b], name.encode() if name else None, typ,
                            capacity, heap, _persist_flag(b) if name else 0,
                            mode, ctypes.byref(lst)),
               "create list %s" % (name or "(unnamed)"))
        self._list = lst
        self.name = name
        self._backend = b

    def _attach(self, name, readonly):
        b = backend(self._backend)
        reg, lst = ctypes.c_void_p(), ctypes.c_void_p()
        _check(_region_open(BACKENDS[b], name.encode(),
                            _REGION_RDONLY if readonly else 0,
                            ctypes.byref(reg)), "open list %s" % name)
        ret = _list_attach(reg, ctypes.byref(lst))
        if ret < 0:
            _region_close(reg)
            _check(ret, "attach list %s" % name)
        self._region, self._list, self.name, self._backend = reg, lst, name, b

    def close(self):
        """Detach this process; the list stays for its other users."""
        if self._list:
            _list_detach(self._list)
            self._list = None
        if self._region:
            _region_close(self._region)
            self._region = None

    def unlink(self):
        """Remove the name (the kernel backend frees the memory with its
        last user; sysv and posix at once once all detach)."""
        if not self.name:
            raise OSError(_errno.EOPNOTSUPP, "shmdev: an unnamed list has no name to unlink")
        _check(_region_unlink(BACKENDS[self._backend], self.name.encode()),
               "unlink list %s" % self.name)

    def _l(self):
        if not self._list:
            raise ValueError("shmdev: the list is closed")
        return self._list

    def __len__(self):
        return _check(_list_len(self._l()), "read the length")

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


def _heap_need(v):
    if isinstance(v, str):
        return len(v.encode("utf-8"))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return len(bytes(v))
    return 0


class ShareableList(_Attached):
    """ShareableList(sequence=None, *, name=None, backend=None)

    With a sequence, a new list holding its items (and name, or a random
    one); with only a name, the existing list of that name.  Items are int,
    float, bool, str, bytes or None; a str or bytes item can later hold a
    value as long as its first one (in UTF-8 bytes), like CPython's.
    """

    def __init__(self, sequence=None, *, name=None, backend=None, mode=0o600):
        super().__init__(name, backend)
        if sequence is None:
            if name is None:
                raise ValueError("shmdev: give a sequence or a name")
            self._attach(name, False)
            return
        items = list(sequence)
        heap = sum(_heap_need(v) for v in items)
        self._create(_T_MIXED, max(len(items), 1), heap, name, mode)
        _check(_list_set_len(self._list, len(items)), "set the length")
        for i, v in enumerate(items):
            self[i] = v

    def _index(self, i):
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("shmdev: list index out of range")
        return i

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        v = _Value()
        _check(_list_get_value(self._l(), self._index(i), ctypes.byref(v)),
               "read item %d" % i)
        if v.kind == _K_NONE:
            return None
        if v.kind == _K_INT:
            return v.i
        if v.kind == _K_FLOAT:
            return v.f
        if v.kind == _K_BOOL:
            return bool(v.b)
        raw = ctypes.string_at(v.ptr, v.len) if v.len else b""
        return raw.decode("utf-8") if v.kind == _K_STR else raw

    def __setitem__(self, i, value):
        v = _Value()
        keep = None
        if value is None:
            v.kind = _K_NONE
        elif isinstance(value, bool):
            v.kind, v.b = _K_BOOL, int(value)
        elif isinstance(value, int):
            if not -2**63 <= value < 2**63:
                raise OverflowError("shmdev: int out of int64 range")
            v.kind, v.i = _K_INT, value
        elif isinstance(value, float):
            v.kind, v.f = _K_FLOAT, value
        elif isinstance(value, (str, bytes, bytearray, memoryview)):
            keep = value.encode("utf-8") if isinstance(value, str) else bytes(value)
            v.kind = _K_STR if isinstance(value, str) else _K_BYTES
            v.ptr = ctypes.cast(ctypes.c_char_p(keep), ctypes.c_void_p).value
            v.len = len(keep)
        else:
            raise TypeError("shmdev: cannot share a %s" % type(value).__name__)
        _check(_list_set_value(self._l(), self._index(i), ctypes.byref(v)),
               "store item %d" % i)
        del keep

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def count(self, value):
        return sum(1 for v in self if v == value and type(v) is type(value))

    def index(self, value):
        for i, v in enumerate(self):
            if v == value and type(v) is type(value):
                return i
        raise ValueError("%r not in this container" % (value,))

    @property
    def format(self):
        """A struct-like format: q int, d float, ? bool, Ns str/bytes of N
        UTF-8 bytes, x None."""
        codes = []
        for v in self:
            if v is None:
                codes.append("x")
            elif isinstance(v, bool):
                codes.append("?")
            elif isinstance(v, int):
                codes.append("q")
            elif isinstance(v, float):
                codes.append("d")
            else:
                codes.append("%ds" % _heap_need(v))
        return "".join(codes)

    def __repr__(self):
        return "%s(%r, name=%r)" % (self.__class__.__name__, list(self),
                                    self.name)


class TypedList(_Attached):
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
        else:
            if typecode not in _TYPECODES:
                raise ValueError("shmdev: typecode must be one of %s" %
                                 "".join(_TYPECODES))
            items = None if data is None else data
            n = size if size is not None else len(items)
            self._create(_TYPECODES[typecode][0], max(n, 1), 0, name, mode)
            _check(_list_set_len(self._list, n), "set the length")
            if items is not None:
                self.buffer[:len(items)] = memoryview(
                    (self._ctype * len(items))(*items)).cast("B").cast(
                        self.typecode)


    @property
    def typecode(self):
        return _TYPE_TO_CODE[_list_type(self._l())]

    @property
    def _ctype(self):
        return _TYPECODES[self.typecode][1]

    @property
    def buffer(self):
        """A memoryview of the elements (length len(self)), no copy."""
        n = len(self)
        arr = (self._ctype * n).from_address(_list_data(self._l()))
        return memoryview(arr).cast("B").cast(self.typecode)

    def __buffer__(self, flags):  # Python 3.12 buffer protocol hook
        return self.buffer

    def __getitem__(self, i):
        return self.buffer[i]

    def __setitem__(self, i, v):
        self.buffer[i] = v

    def __iter__(self):
        return iter(self.buffer.tolist())

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
            self._func = _APPLY(trampoline)
        p = ctypes.c_void_p()
        n = workers or os.cpu_count() or 1
        _check(_pool_create(tlist._l(), n, _POOL_DYNAMIC if dynamic else 0,
                            ctypes.byref(p)), "start %d workers" % n)
        self._pool = p
        self.workers = n

    def map(self, op=None, arg=None, chunk=0):
        if self._pool is None:
            raise ValueError("shmdev: the pool is closed")
        if op is None:
            if self._func is None:
                raise ValueError("shmdev: no func was given to Pool()")
            _check(_pool_run(self._pool, ctypes.cast(self._func, _P), None, 0,
                             chunk), "run the job")
            return
        if op not in _OPS:
            raise ValueError("shmdev: op must be a callable or one of %s" %
                             ", ".join(_OPS))
        fn, ctype = _OPS[op]
        if arg is None:
            _check(_pool_run(self._pool, fn, None, 0, chunk), "run the job")
        else:
            a = ctype(arg)
            _check(_pool_run(self._pool, fn, ctypes.addressof(a),
                             ctypes.sizeof(a), chunk), "run the job")

    def close(self):
        if self._pool:
            p, self._pool = self._pool, None
            _check(_pool_destroy(p), "stop the workers")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
