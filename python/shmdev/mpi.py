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
$SHMDEV_MPI_RANKS_PER_NODE.  Needs Debian's python3-mpi4py and Open MPI,
whose communicator handles are pointers.
"""

import ctypes
import ctypes.util
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


def _handle(comm):
    if not isinstance(comm, MPI.Comm):
        raise TypeError("shmdev.mpi: want an mpi4py communicator, not %s" %
                        type(comm).__name__)
    return _P(MPI._handleof(comm))


class DistributedList:
    """DistributedList(comm, typecode, length, *, backend=None)

    A list of @length elements of one C type ('q', 'Q', 'd', 'i', 'f', 'B')
    over the ranks of @comm, one copy per node.  Every method is collective
    over @comm."""

    def __init__(self, comm, typecode, length, *, backend=None):
        if typecode not in _lib.TYPECODES:
            raise ValueError("shmdev.mpi: typecode must be one of %s" %
                             "".join(_lib.TYPECODES))
        if length < 0:
            raise ValueError("shmdev.mpi: length must be 0 or more")
        self._l = None
        self.comm = comm
        self.typecode = typecode
        out = _P()
        ret = _create(_handle(comm), _lib.BACKENDS[backend or "default"],
                      _lib.TYPECODES[typecode][0], length, ctypes.byref(out))
        _lib.check(ret, "create the distributed list")
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

    def apply(self, op, arg=None, chunk=0):
        """Each rank runs the library's C function @op ('mul', 'add' on
        int64, 'fmul' on double) on its chunks of its node's part."""
        if op not in _lib.OPS:
            raise ValueError("shmdev.mpi: op must be one of %s" %
                             ", ".join(_lib.OPS))
        fn, ctype = _lib.OPS[op]
        a = None if arg is None else ctype(arg)
        _lib.check(_apply(self._live(), fn,
                          None if a is None else ctypes.addressof(a), chunk),
                   "apply %s" % op)

    def scatter(self, root, data=None):
        """The whole list from @data (anything with the buffer protocol and
        len(self) elements of this type) on rank @root into every node."""
        ptr = None
        keep = None
        if self.comm.Get_rank() == root:
            import numpy
            keep = numpy.ascontiguousarray(data, dtype=self.typecode)
            if keep.size != len(self):
                raise ValueError("shmdev.mpi: scatter wants %d elements, "
                                 "not %d" % (len(self), keep.size))
            ptr = keep.ctypes.data
        _lib.check(_scatter(self._live(), root, ptr), "scatter")
        del keep

    def gather(self, root):
        """The whole list, as a numpy array on rank @root (None elsewhere)."""
        import numpy
        out = None
        ptr = None
        if self.comm.Get_rank() == root:
            out = numpy.empty(len(self), dtype=self.typecode)
            ptr = out.ctypes.data
        _lib.check(_gather(self._live(), root, ptr), "gather")
        return out

    def free(self):
        if self._l:
            l, self._l = self._l, None
            _free(l)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.free()
