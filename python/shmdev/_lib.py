# SPDX-License-Identifier: LGPL-2.1-or-later
"""libshmdev through ctypes: loading it, the prototypes, errors."""

import ctypes
import ctypes.util
import os

BACKENDS = {"default": 0, "kernel": 1, "memfd": 2, "sysv": 3, "posix": 4}
BACKEND_NAMES = {v: k for k, v in BACKENDS.items()}

REGION_EXCL = 1 << 0
REGION_PERSIST = 1 << 1
REGION_RDONLY = 1 << 3
POOL_DYNAMIC = 1 << 0

T_INT64, T_UINT64, T_DOUBLE, T_INT32, T_FLOAT, T_UINT8 = 1, 2, 3, 4, 5, 6
TYPECODES = {"q": (T_INT64, ctypes.c_int64), "Q": (T_UINT64, ctypes.c_uint64),
             "d": (T_DOUBLE, ctypes.c_double), "i": (T_INT32, ctypes.c_int32),
             "f": (T_FLOAT, ctypes.c_float), "B": (T_UINT8, ctypes.c_uint8)}
TYPE_TO_CODE = {v[0]: k for k, v in TYPECODES.items()}


def load_first(candidates, what):
    """The first of @candidates (paths or names; None skipped) that loads."""
    last = None
    for c in candidates:
        if not c:
            continue
        try:
            return ctypes.CDLL(c, use_errno=True)
        except OSError as e:
            last = e
    raise ImportError("shmdev: could not load %s: %s" % (what, last))


def _load():
    """libshmdev: $SHMDEV_LIB, the one this package was built against (pip
    install), the build tree next to this package, or the system's."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        # pip install: the library the extension was built against.
        from ._build_config import LIBDIR as built
    except ImportError:
        built = None
    return load_first([os.environ.get("SHMDEV_LIB"),
                       built and os.path.join(built, "libshmdev.so.0"),
                       os.path.join(here, "..", "..", "build", "libshmdev.so.0"),
                       ctypes.util.find_library("shmdev"), "libshmdev.so.0"],
                      "libshmdev")


lib = _load()

APPLY = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t,
                         ctypes.c_size_t, ctypes.c_void_p)
P = ctypes.c_void_p
PP = ctypes.POINTER(ctypes.c_void_p)


def _proto(name, res, *args):
    f = getattr(lib, name)
    f.restype = res
    f.argtypes = list(args)
    return f


version = _proto("shmdev_version", ctypes.c_char_p)
resolve = _proto("shmdev_backend_resolve", ctypes.c_int, ctypes.c_int,
                 ctypes.POINTER(ctypes.c_int))
region_create = _proto("shmdev_region_create", ctypes.c_int, ctypes.c_int,
                       ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                       ctypes.c_uint, PP)
region_open = _proto("shmdev_region_open", ctypes.c_int, ctypes.c_int,
                     ctypes.c_char_p, ctypes.c_uint, PP)
region_map = _proto("shmdev_region_map", ctypes.c_int, P, PP)
region_close = _proto("shmdev_region_close", None, P)
region_unlink = _proto("shmdev_region_unlink", ctypes.c_int, ctypes.c_int,
                       ctypes.c_char_p)
region_size = _proto("shmdev_region_size", ctypes.c_size_t, P)
region_fd = _proto("shmdev_region_fd", ctypes.c_int, P)
region_id = _proto("shmdev_region_id", ctypes.c_int, P,
                   ctypes.POINTER(ctypes.c_uint64))
region_resize = _proto("shmdev_region_resize", ctypes.c_int, P,
                       ctypes.c_size_t)
region_seal = _proto("shmdev_region_seal", ctypes.c_int, P, ctypes.c_uint)
region_notify = _proto("shmdev_region_notify", ctypes.c_int, P)
region_wait = _proto("shmdev_region_wait", ctypes.c_int64, P, ctypes.c_int)
try:
    # SHMDEV_0.3: a libshmdev before it has none (nothing is kept then).
    region_park = _proto("shmdev_region_park", ctypes.c_int, P, P,
                         ctypes.c_size_t)
    region_unpark = _proto("shmdev_region_unpark", ctypes.c_int, P, P,
                           ctypes.c_size_t)
except AttributeError:
    region_park = region_unpark = None
list_append = _proto("shmdev_list_append", ctypes.c_int, P, P)
list_extend = _proto("shmdev_list_extend", ctypes.c_int, P, P,
                     ctypes.c_size_t)

# SHMDEV_SEAL_*: fcntl's F_SEAL_* values, by SharedMemory.seal()'s names.
SEALS = {"seal": 0x1, "shrink": 0x2, "grow": 0x4, "write": 0x8,
         "future_write": 0x10}


def ident(r):
    """The identity of region @r's memory (shmdev_region_id()), or 0."""
    out = ctypes.c_uint64()
    return out.value if region_id(r, ctypes.byref(out)) == 0 else 0
list_create = _proto("shmdev_list_create", ctypes.c_int, ctypes.c_int,
                     ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t,
                     ctypes.c_size_t, ctypes.c_uint, ctypes.c_uint, PP)
list_attach = _proto("shmdev_list_attach", ctypes.c_int, P, PP)
list_detach = _proto("shmdev_list_detach", None, P)
list_region = _proto("shmdev_list_region", P, P)
list_type = _proto("shmdev_list_type", ctypes.c_int, P)
list_len = _proto("shmdev_list_len", ctypes.c_int64, P)
list_set_len = _proto("shmdev_list_set_len", ctypes.c_int, P, ctypes.c_size_t)
list_data = _proto("shmdev_list_data", P, P)
pool_create = _proto("shmdev_pool_create", ctypes.c_int, P, ctypes.c_uint,
                     ctypes.c_uint, PP)
pool_run = _proto("shmdev_pool_run", ctypes.c_int, P, P, P, ctypes.c_size_t,
                  ctypes.c_size_t)
pool_destroy = _proto("shmdev_pool_destroy", ctypes.c_int, P)
OPS = {"mul": (ctypes.cast(lib.shmdev_apply_mul_i64, P), ctypes.c_int64),
       "add": (ctypes.cast(lib.shmdev_apply_add_i64, P), ctypes.c_int64),
       "fmul": (ctypes.cast(lib.shmdev_apply_mul_f64, P), ctypes.c_double)}


def check(ret, what, filename=None):
    """Raise the OSError subclass of a negative errno (FileNotFoundError,
    FileExistsError, PermissionError...), naming @filename if given."""
    if ret < 0:
        err = -ret
        msg = "shmdev: could not %s: %s" % (what, os.strerror(err))
        if filename is not None:
            raise OSError(err, msg, filename)
        raise OSError(err, msg)
    return ret


def backend(name=None):
    """The backend a name resolves to.  The default is $SHMDEV_BACKEND, else
    the kernel module's /dev/shmlist when it is there, else posix (as
    CPython's SharedMemory): a backend with names, unlike memfd."""
    if name is not None and name not in BACKENDS:
        raise ValueError("shmdev: backend must be one of %s, not %r" %
                         (", ".join(BACKENDS), name))
    if name is not None and name != "default":
        return name     # libshmdev resolves a backend named to itself
    out = ctypes.c_int()
    check(resolve(BACKENDS[name or "default"], ctypes.byref(out)),
          "resolve the backend")
    return BACKEND_NAMES[out.value]
