# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev.mpi: libshmdev-mpi for mpi4py users.

    from mpi4py import MPI
    from shmdev.mpi import DistributedList

    dl = DistributedList(MPI.COMM_WORLD, "q", 10**7)  # collective
    dl.scatter(0, numpy.arange(10**7) if rank == 0 else None)
    dl.apply("mul", 2)                    # each node's ranks, in place
    whole = dl.gather(0)                  # a numpy array on rank 0
    dl.free()

One shmdev region per node holds the node's part (dl.array: a numpy view
of it, zero copies), shared by the node's ranks; only scatter() and
gather() cross nodes.  Nodes are MPI's, or simulated by
$SHMDEV_MPI_RANKS_PER_NODE (set on every rank or on none, the same value).
An argument that is wrong on any rank raises the same exception on every
rank, so that no rank is left waiting in a collective.  Needs Debian's python3-mpi4py and Open MPI,
whose communicator handles are pointers.
"""

import array
import ctypes
import ctypes.util
import errno
import operator
import os

from mpi4py import MPI

from . import _lib

__all__ = ["DistributedList"]


def _load():
    """libshmdev-mpi: $SHMDEV_MPI_LIB, beside the libshmdev in use, or the
    system's."""
    here = os.path.dirname(_lib.lib._name) if "/" in _lib.lib._name else ""
    return _lib.load_first([os.environ.get("SHMDEV_MPI_LIB"),
                            here and os.path.join(here, "libshmdev-mpi.so.0"),
                            ctypes.util.find_library("shmdev-mpi"),
                            "libshmdev-mpi.so.0"], "libshmdev-mpi")


_m = _load()
_P = ctypes.c_void_p


def _proto(name, res, *args):
    f = getattr(_m, name)
    f.restype, f.argtypes = res, list(args)
    return f


_create = _proto("shmdev_mpi_list_create", ctypes.c_int, _P, ctypes.c_int,
                 ctypes.c_int, ctypes.c_uint64, ctypes.POINTER(_P))
_free = _proto("shmdev_mpi_list_free", ctypes.c_int, _P)
_len = _proto("shmdev_mpi_list_len", ctypes.c_uint64, _P)
_first = _proto("shmdev_mpi_list_node_first", ctypes.c_uint64, _P)
_node_len = _proto("shmdev_mpi_list_node_len", ctypes.c_uint64, _P)
_data = _proto("shmdev_mpi_list_node_data", _P, _P)
_node = _proto("shmdev_mpi_list_node", ctypes.c_int, _P,
               ctypes.POINTER(ctypes.c_int))
_apply = _proto("shmdev_mpi_list_apply", ctypes.c_int, _P, _P, _P,
                ctypes.c_size_t)
_scatter = _proto("shmdev_mpi_list_scatter", ctypes.c_int, _P, ctypes.c_int,
                  _P)
_gather = _proto("shmdev_mpi_list_gather", ctypes.c_int, _P, ctypes.c_int, _P)


_last_error = _proto("shmdev_mpi_last_error", ctypes.c_char_p)

# The C limit: a list's bytes must fit in an int64.
MAX_LENGTH = (2**63 - 1) // 8
_EXCEPTIONS = {"TypeError": TypeError, "ValueError": ValueError,
               "OverflowError": OverflowError, "MemoryError": MemoryError}
_CAUGHT = tuple(_EXCEPTIONS.values())


def _handle(comm):
    if not isinstance(comm, MPI.Comm):
        raise TypeError("shmdev.mpi: want an mpi4py communicator, not %s" %
                        type(comm).__name__)
    return _P(MPI._handleof(comm))


def _agree(comm, exc):
    """Collective: every rank's argument error (an exception or None) made
    every rank's.  The lowest failing rank's exception is raised on every
    rank, of its type and naming that rank, so that no rank goes on into a
    collective the others have left."""
    # A buffer Allreduce: a quarter of the pickled one's cost, every call.
    mine = array.array("i", [0 if exc is None else 1])
    anyone = array.array("i", [0])
    comm.Allreduce(mine, anyone, op=MPI.MAX)
    if not anyone[0]:
        return
    errs = comm.allgather(None if exc is None else
                          (type(exc).__name__, str(exc)))
    rank, (kind, text) = next((r, e) for r, e in enumerate(errs) if e)
    raise _EXCEPTIONS.get(kind, ValueError)("shmdev.mpi: rank %d: %s" %
                                            (rank, text))


def _check(ret, what):
    """A C call's result, the same on every rank: ValueError for -EINVAL
    (a bad or differing argument or setting), else OSError, with the
    library's reason (shmdev_mpi_last_error())."""
    if ret >= 0:
        return
    why = (_last_error() or b"").decode("utf-8", "replace")
    msg = "shmdev.mpi: could not %s: %s" % (what, why or os.strerror(-ret))
    if -ret == errno.EINVAL:
        raise ValueError(msg)
    raise OSError(-ret, msg)


def _index(value, what, low, high):
    """@value as an int in [low, high]: TypeError, ValueError or
    OverflowError (never wrapped, as ctypes would)."""
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError("%s must be an int, not %s" %
                        (what, type(value).__name__)) from None
    if v < low:
        raise ValueError("%s %d: less than %d" % (what, v, low))
    if v > high:
        raise OverflowError("%s %d: more than %d" % (what, v, high))
    return v


class DistributedList:
    """DistributedList(comm, typecode, length, *, backend=None)

    A list of @length elements of one C type ('q', 'Q', 'd', 'i', 'f', 'B')
    over the ranks of @comm, one copy per node.  Every method is collective
    over @comm, and checks its arguments on every rank first: a wrong
    argument on any rank raises the same exception (TypeError, ValueError,
    OverflowError, MemoryError) on every rank, naming that rank.  Settings
    that differ between ranks ($SHMDEV_MPI_RANKS_PER_NODE, $SHMDEV_BACKEND)
    raise ValueError on every rank, naming them and the ranks."""

    def __init__(self, comm, typecode, length, *, backend=None):
        self._l = None
        handle = _handle(comm)
        self.comm = comm
        self.typecode = typecode
        err = None
        try:
            if typecode not in _lib.TYPECODES:
                raise ValueError("typecode %r: not one of %s" %
                                 (typecode, ", ".join(_lib.TYPECODES)))
            length = _index(length, "length", 0, MAX_LENGTH)
            if backend is not None and backend not in _lib.BACKENDS:
                raise ValueError("backend %r: not one of %s" %
                                 (backend, ", ".join(_lib.BACKENDS)))
        except _CAUGHT as e:
            err = e
        _agree(comm, err)
        out = _P()
        ret = _create(handle, _lib.BACKENDS[backend or "default"],
                      _lib.TYPECODES[typecode][0], length, ctypes.byref(out))
        _check(ret, "create the distributed list")
        self._l = out

    def _live(self):
        if not self._l:
            raise ValueError("shmdev.mpi: the list is freed")
        return self._l

    def __len__(self):
        return _len(self._live())

    @property
    def node_first(self):
        "The global index of this node's first element."
        return _first(self._live())

    @property
    def node_len(self):
        return _node_len(self._live())

    @property
    def node(self):
        "(this node's number, the number of nodes)."
        n = ctypes.c_int()
        return _node(self._live(), ctypes.byref(n)), n.value

    @property
    def array(self):
        """This node's part, shared by the node's ranks: a numpy array over
        the region (no copy), valid until free()."""
        import numpy
        ctype = _lib.TYPECODES[self.typecode][1]
        n = self.node_len
        if not n:
            return numpy.zeros(0, dtype=self.typecode)
        buf = (ctype * n).from_address(_data(self._live()))
        return numpy.frombuffer(buf, dtype=self.typecode)

    def _root(self, root):
        return _index(root, "root", 0, self.comm.Get_size() - 1)

    def apply(self, op, arg=None, chunk=0):
        """Each rank runs the library's C function @op ('mul', 'add' on
        int64, 'fmul' on double) on its chunks of its node's part."""
        err = a = None
        try:
            self._live()
            if op not in _lib.OPS:
                raise ValueError("op %r: not one of %s" %
                                 (op, ", ".join(_lib.OPS)))
            fn, ctype = _lib.OPS[op]
            if arg is not None and ctype is ctypes.c_int64:
                a = ctype(_index(arg, "arg", -2**63, 2**63 - 1))
            elif arg is not None:
                a = ctype(float(arg))
            chunk = _index(chunk, "chunk", 0, 2**63 - 1)
        except _CAUGHT as e:
            err = e
        _agree(self.comm, err)
        _check(_apply(self._l, fn,
                      None if a is None else ctypes.addressof(a), chunk),
               "apply %s" % op)

    def scatter(self, root, data=None):
        """The whole list from @data (anything with the buffer protocol and
        len(self) elements of this type) on rank @root into every node;
        @data is ignored elsewhere."""
        err = ptr = keep = None
        try:
            n = len(self)
            root = self._root(root)
            if self.comm.Get_rank() == root:
                import numpy
                if data is None:
                    raise TypeError("scatter: no data on the root")
                keep = numpy.ascontiguousarray(data, dtype=self.typecode)
                if keep.size != n:
                    raise ValueError("scatter wants %d elements, not %d" %
                                     (n, keep.size))
                ptr = keep.ctypes.data
        except _CAUGHT as e:
            err = e
        _agree(self.comm, err)
        _check(_scatter(self._l, root, ptr), "scatter")
        del keep

    def gather(self, root):
        """The whole list, as a numpy array on rank @root (None elsewhere)."""
        err = out = ptr = None
        try:
            n = len(self)
            root = self._root(root)
            if self.comm.Get_rank() == root:
                import numpy
                out = numpy.empty(n, dtype=self.typecode)
                ptr = out.ctypes.data
        except _CAUGHT as e:
            err = e
        _agree(self.comm, err)
        _check(_gather(self._l, root, ptr), "gather")
        return out

    def free(self):
        """Collective: unmap and free on every rank (again: nothing)."""
        live = self.comm.allreduce(1 if self._l else 0, op=MPI.SUM)
        if not live:
            return
        if live != self.comm.Get_size():
            raise ValueError("shmdev.mpi: free: the list is freed on %d of "
                             "%d ranks only" % (self.comm.Get_size() - live,
                                                self.comm.Get_size()))
        l, self._l = self._l, None
        _free(l)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()
