# SPDX-License-Identifier: LGPL-2.1-or-later
"""No name reaches another name's memory, on any backend, and a name
never created gives FileNotFoundError (issue 21).  sysv maps names to
32-bit keys: pc2_282fc and pc2_6c280 share one, and attaching the second
used to return the first's bytes."""

import errno
import os
import secrets
import struct
import unittest

import common
from shmdev import SharedMemory

SYSV_PAIR = ("pc2_282fc", "pc2_6c280")


class Collisions(unittest.TestCase):
    def _made(self, name, tag):
        shm = SharedMemory(name, create=True, size=4096, backend=self.BACKEND)
        self.addCleanup(self._gone, shm)
        struct.pack_into("q", shm.buf, 0, tag)
        return shm

    def _gone(self, shm):
        shm.close()
        try:
            shm.unlink()
        except FileNotFoundError:
            pass

    def _tag(self, name):
        shm = SharedMemory(name, backend=self.BACKEND)
        try:
            return struct.unpack_from("q", shm.buf, 0)[0]
        finally:
            shm.close()

    def test_colliding_pair(self):
        a, b = SYSV_PAIR
        self._made(a, 1)
        with self.assertRaises(FileNotFoundError):
            SharedMemory(b, backend=self.BACKEND)
        self._made(b, 2)
        self.assertEqual((self._tag(a), self._tag(b)), (1, 2))
        SharedMemory(a, backend=self.BACKEND).unlink()
        with self.assertRaises(FileNotFoundError):
            SharedMemory(a, backend=self.BACKEND)
        self.assertEqual(self._tag(b), 2)

    def test_many_names_each_its_own(self):
        names = ["c%d_%s" % (os.getpid(), secrets.token_hex(3))
                 for _ in range(150)]
        for k, name in enumerate(names):
            self._made(name, k)
        for k, name in enumerate(names):
            self.assertEqual(self._tag(name), k, name)
        for name in names[:20]:
            with self.assertRaises(FileNotFoundError):
                SharedMemory(name + "_never", backend=self.BACKEND)
            with self.assertRaises(FileNotFoundError):
                SharedMemory("x" + name, backend=self.BACKEND)


class Memfd(unittest.TestCase):
    def test_blocks_are_distinct_and_nameless(self):
        blocks = [SharedMemory(create=True, size=64, backend="memfd")
                  for _ in range(20)]
        for k, b in enumerate(blocks):
            b.buf[0] = k
        self.assertEqual([b.buf[0] for b in blocks], list(range(20)))
        for b in blocks:
            self.assertIsNone(b.name)
            b.close()
        # memfd has no names: a name is refused, never another's memory.
        for kw in ({"create": True, "size": 8}, {}):
            with self.assertRaises(OSError) as cm:
                SharedMemory("memfd_name", backend="memfd", **kw)
            self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)


common.per_backend(Collisions, globals())
del Collisions

if __name__ == "__main__":
    unittest.main()
