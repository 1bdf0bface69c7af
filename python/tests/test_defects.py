# SPDX-License-Identifier: LGPL-2.1-or-later
"""Defects found by trying shmdev as a drop-in (issue 21), each with the
test that showed it: pickling a memfd list, a manager not started, the
empty name, and the name limits the README promises (1 to 255 printable
ASCII characters other than '/', others OSError EINVAL) on every named
backend."""

import errno
import os
import pickle
import unittest
from unittest import mock

from common import NAMED
from shmdev import SharedMemory, ShareableList, SharedMemoryManager


class MemfdPickling(unittest.TestCase):
    def test_list_pickling_raises_type_error(self):
        # As SharedMemory's: a block without a name cannot be found again.
        sl = ShareableList([1, "a"], backend="memfd")
        self.addCleanup(sl.shm.close)
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            with self.subTest(proto=proto), self.assertRaises(TypeError):
                pickle.dumps(sl, protocol=proto)
        with self.assertRaises(TypeError):
            pickle.dumps(sl.shm)


class ManagerNotStarted(unittest.TestCase):
    def test_creates_nothing(self):
        # CPython connects to the server first; nothing is made before.
        smm = SharedMemoryManager()
        for backend in NAMED:
            for make in (lambda: smm.SharedMemory(9, backend=backend),
                         lambda: smm.ShareableList([1], backend=backend)):
                name = "shmdev_test_unstarted_%d" % os.getpid()
                # One name: a second draw (the name taken) raises.
                with self.subTest(backend=backend), \
                        mock.patch("shmdev._memory._make_filename",
                                   side_effect=["/" + name]):
                    with self.assertRaises(ValueError):
                        make()
                    with self.assertRaises(FileNotFoundError):
                        leak = SharedMemory(name, backend=backend)
                        leak.close()
                        leak.unlink()


class Names(unittest.TestCase):
    def _refused(self, name, backend):
        for kw in ({"create": True, "size": 8}, {}):
            with self.subTest(name=name[:8], len=len(name), **kw):
                with self.assertRaises(OSError) as cm:
                    SharedMemory(name, backend=backend, **kw)
                self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_empty_name_refused_as_cpython(self):
        # CPython: shm_open("/") fails, OSError(EINVAL, ..., "/").
        for backend in NAMED:
            for kw in ({"create": True, "size": 8}, {}):
                with self.subTest(backend=backend, **kw):
                    with self.assertRaises(OSError) as cm:
                        SharedMemory("", backend=backend, **kw)
                    self.assertEqual(cm.exception.errno, errno.EINVAL)
                    self.assertEqual(cm.exception.filename, "/")
            with self.subTest(backend=backend, list=True):
                with self.assertRaises(OSError):
                    ShareableList([1], name="", backend=backend)

    def test_limits_as_documented(self):
        for backend in NAMED:
            for n in (1, 14, 248, 249, 254, 255):
                name = ("n%d_%d_" % (os.getpid(), n) + "x" * n)[:n]
                with self.subTest(backend=backend, length=n):
                    a = SharedMemory(name, create=True, size=64,
                                     backend=backend)
                    try:
                        a.buf[0] = n
                        self.assertEqual(a.name, name)
                        b = SharedMemory(name, backend=backend)
                        self.assertEqual(b.buf[0], n)
                        b.close()
                    finally:
                        a.close()
                        a.unlink()
                    with self.assertRaises(FileNotFoundError):
                        SharedMemory(name, backend=backend)
            for bad in ("x" * 256, "x" * 1000, "a/b", "/", "a b", "a\x01",
                        "a\x7f"):
                self._refused(bad, backend)
            if backend == "posix":
                for bad in (".", ".."):         # directories in /dev/shm
                    self._refused(bad, backend)

    def test_unlink_with_embedded_null(self):
        # CPython 3.13: ValueError, and the block is left alone (ctypes
        # would have passed the name cut at the NUL).
        for backend in NAMED:
            with self.subTest(backend=backend):
                shm = SharedMemory("shmdev_null_%d" % os.getpid(),
                                   create=True, size=8, backend=backend)
                name = shm._name
                try:
                    shm._name = name + "\0a"
                    with self.assertRaises(ValueError):
                        shm.unlink()
                finally:
                    shm._name = name
                SharedMemory(shm.name, backend=backend).close()   # still there
                shm.close()
                shm.unlink()

    def test_non_ascii_refused(self):
        for backend in NAMED:
            with self.subTest(backend=backend):
                with self.assertRaises((OSError, UnicodeEncodeError)):
                    SharedMemory("\u00e9t\u00e9", create=True, size=8,
                                 backend=backend)


if __name__ == "__main__":
    unittest.main()
