# SPDX-License-Identifier: LGPL-2.1-or-later
"""ShareableList: multiprocessing.shared_memory.ShareableList over a shmdev
SharedMemory, in CPython's own layout, so that format, slot sizes and
which stores succeed are CPython's:

    8 bytes          number of items N (int64)
    (N + 1) * 8      offset of each item's slot in the data area (int64),
                     fixed for the list's life
    data area        the slots: 8 bytes for int, float, bool and None; a
                     str or bytes gets 8 * (len // 8 + 1) bytes
    N * 8            each item's struct format, NUL-padded ("q", "d",
                     "xxxxxxx?" bool, "xxxxxx?x" None, "16s" str/bytes)
    N                each item's kind: 0 number, 1 str, 2 bytes, 3 None

and nothing more, so that a list either side makes, the other reads and
writes.  A str or bytes item is its format's count of bytes with the
trailing NULs stripped, as CPython reads it: a value that ends in NULs
loses them, as in CPython.  (Keeping them would need a length stored
somewhere; but a CPython store of 'abc' over shmdev's 'abc\0' writes the
very bytes that were there, so nothing CPython leaves alone could tell
which of the two the slot holds.)

A str's slot is sized as CPython sizes it, by its length in characters,
unless its UTF-8 bytes would not fit there: CPython then truncates them
silently, and shmdev sizes the slot by the bytes (a layout CPython reads).
"""

import functools
import operator
import os
import struct
import types

from . import _attached
from ._memory import SharedMemory

_NUMBER, _STR, _BYTES, _NONE = 0, 1, 2, 3
_FMT_BOOL = "xxxxxxx?"
_FMT_NONE = "xxxxxx?x"
_SLOT_MAX = 9999999     # "9999999s" is the longest format that fits 8 bytes


class IntRangeError(struct.error, OverflowError):
    """An int outside int64: struct.error as CPython raises, and an
    OverflowError as Python's own int conversions do."""


def _layout(n, data_bytes):
    """Offsets of the data area, formats and kinds, and the size: exactly
    what CPython's struct.calcsize() gives it."""
    data = (n + 2) * 8
    formats = data + data_bytes
    kinds = formats + n * 8
    return data, formats, kinds, kinds + n


def _encode(value):
    """(format, kind, stored value) of an item to store, or raise; a str
    or bytes has no format yet (its slot gives it)."""
    if value is None:
        return _FMT_NONE, _NONE, None
    if isinstance(value, bool):
        return _FMT_BOOL, _NUMBER, value
    if isinstance(value, int):
        if not -2**63 <= value < 2**63:
            raise IntRangeError("shmdev: int %d is outside int64" % value)
        return "q", _NUMBER, int(value)
    if isinstance(value, float):
        return "d", _NUMBER, float(value)
    if isinstance(value, str):
        return None, _STR, value.encode("utf-8")
    if isinstance(value, bytes):
        return None, _BYTES, bytes(value)
    raise TypeError("shmdev: a ShareableList holds int, float, bool, str, "
                    "bytes or None, not %s" % type(value).__name__)


class _PyView:
    """The items of a list in a block, in pure Python (struct); the C
    extension shmdev._speedups has the same, faster."""

    _shm = None
    _n = 0

    def _bind(self, shm):
        buf = shm.buf
        (n,) = struct.unpack_from("q", buf, 0)
        if n < 0 or (n + 2) * 8 > len(buf):
            raise ValueError("shmdev: %r holds no ShareableList" % shm.name)
        (end,) = struct.unpack_from("q", buf, (n + 1) * 8)
        lay = _layout(n, end)
        if end < 0 or lay[-1] > len(buf):
            raise ValueError("shmdev: %r holds no ShareableList" % shm.name)
        self._shm, self._n, self._end = shm, n, end
        self._data, self._formats, self._kinds = lay[:3]
        shm._add_view(self)

    def _unbind(self):
        self._shm = None

    def _buf(self):
        shm = self._shm
        if shm is None or shm.buf is None:
            raise ValueError("shmdev: the ShareableList is closed")
        return shm.buf

    def _position(self, position):
        position = operator.index(position)
        if position < 0:
            position += self._n
        if not 0 <= position < self._n:
            raise IndexError("index out of range")
        return position

    def _slot(self, buf, i):
        a, b = struct.unpack_from("qq", buf, 8 + 8 * i)
        if not 0 <= a <= b <= self._end:
            raise ValueError("shmdev: the ShareableList is corrupted")
        return self._data + a, b - a

    def __len__(self):
        self._buf()
        return self._n

    def _get_packing_format(self, position):
        i = self._position(position)
        raw = bytes(self._buf()[self._formats + 8 * i:self._formats + 8 * i + 8])
        return raw.rstrip(b"\x00").decode("ascii", "replace")

    def __getitem__(self, position):
        i = self._position(position)
        buf = self._buf()
        off, room = self._slot(buf, i)
        kind = struct.unpack_from("b", buf, self._kinds + i)[0]
        fmt = self._get_packing_format(i)
        if kind == _NONE:
            return None
        if kind in (_STR, _BYTES):
            # CPython's read: the format's count, NULs stripped.
            count = int(fmt[:-1]) if fmt[-1:] == "s" and fmt[:-1].isdigit() else -1
            if not 0 <= count <= room:
                raise ValueError("shmdev: the ShareableList is corrupted")
            raw = bytes(buf[off:off + count]).rstrip(b"\x00")
            return raw.decode("utf-8") if kind == _STR else raw
        if fmt in ("q", "d", _FMT_BOOL):
            return struct.unpack_from(fmt, buf, off)[0]
        raise ValueError("shmdev: the ShareableList is corrupted")

    def __setitem__(self, position, value):
        i = self._position(position)
        buf = self._buf()
        off, room = self._slot(buf, i)
        fmt, kind, stored = _encode(value)
        if fmt is None:
            if len(stored) > room:
                raise ValueError("bytes/str item exceeds available storage")
            fmt = "%ds" % room
        struct.pack_into(fmt, buf, off, stored)
        struct.pack_into("8s", buf, self._formats + 8 * i, fmt.encode())
        struct.pack_into("b", buf, self._kinds + i, kind)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


try:
    if os.environ.get("SHMDEV_NO_SPEEDUPS"):
        raise ImportError("SHMDEV_NO_SPEEDUPS is set")
    from ._speedups import ListView as _View
except ImportError:
    _View = _PyView


class ShareableList(_View):
    """ShareableList(sequence=None, *, name=None, backend=None)

    multiprocessing.shared_memory.ShareableList: a list of fixed length
    whose items (int, float, bool, str, bytes, None) live in a shared
    memory block, self.shm.  With a sequence (or nothing), a new list, named
    name or at random; with only a name, the list of that name.
    """

    def __init__(self, sequence=None, *, name=None, backend=None):
        if name is None or sequence is not None:
            self._create(sequence or (), name, backend)
        elif _attached.attach_list(self, SharedMemory, name, backend):
            pass    # a kept block reused, all in C (shmdev._attached)
        else:
            self.shm = SharedMemory(name, backend=backend)
            try:
                self._bind(self.shm)
            except BaseException:
                self.shm.close()
                raise

    def _create(self, sequence, name, backend):
        sequence = list(sequence)
        items = [_encode(v) for v in sequence]     # nothing made on error
        formats, offsets = [], [0]
        for (fmt, kind, stored), value in zip(items, sequence):
            if fmt is None:
                n = len(stored)
                # CPython's size, from the length in characters; where the
                # UTF-8 bytes would not fit (and CPython would truncate
                # them), from the bytes.
                room = 8 * (len(value) // 8 + 1)
                if n > room:
                    room = 8 * (n // 8 + 1)
                if room > _SLOT_MAX:
                    raise ValueError("shmdev: a str or bytes item of %d bytes "
                                     "is too long for a ShareableList" % n)
                fmt = "%ds" % room
            formats.append(fmt)
            offsets.append(offsets[-1] + (8 if fmt[-1] != "s" else int(fmt[:-1])))
        count = len(items)
        data, fmt_off, kind_off, size = _layout(count, offsets[-1])
        self.shm = SharedMemory(name, create=True, size=size, backend=backend)
        try:
            buf = self.shm.buf
            struct.pack_into("q" * (count + 2), buf, 0, count, *offsets)
            for k, (fmt, (_, kind, stored)) in enumerate(zip(formats, items)):
                struct.pack_into(fmt, buf, data + offsets[k], stored)
                struct.pack_into("8s", buf, fmt_off + 8 * k, fmt.encode())
                struct.pack_into("b", buf, kind_off + k, kind)
            self._bind(self.shm)
        except BaseException:
            self.shm.close()
            self.shm.unlink()
            raise

    def __reduce__(self):
        if self.shm.name is None:
            raise TypeError("shmdev: a list without a name (memfd) travels only by fork")
        return functools.partial(self.__class__, name=self.shm.name,
                                 backend=self.shm.backend), ()

    def __repr__(self):
        return f'{self.__class__.__name__}({list(self)}, name={self.shm.name!r})'

    @property
    def format(self):
        "The struct packing format used by all currently stored items."
        return "".join(self._get_packing_format(i) for i in range(len(self)))

    def count(self, value):
        "L.count(value) -> integer -- return number of occurrences of value."
        return sum(value == entry for entry in self)

    def index(self, value):
        """L.index(value) -> integer -- return first index of value.
        Raises ValueError if the value is not present."""
        for position, entry in enumerate(self):
            if value == entry:
                return position
        raise ValueError(f"{value!r} not in this container")

    __class_getitem__ = classmethod(types.GenericAlias)
