# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev's extensions beyond CPython's SharedMemory: resize(), seal(),
notify(), wait(), fileno(); TypedList.append() and extend().  On every
backend under test: what one cannot do raises OSError(EOPNOTSUPP)."""

import errno
import mmap
import multiprocessing
import os
import selectors
import unittest

import common
from common import BACKENDS
import shmdev

# What each backend has (the kernel's: when its module has the features).
RESIZE = {"kernel", "memfd", "posix"}
SEAL = {"kernel", "memfd"}
NOTIFY = {"kernel"}


def _ring(name, backend):
    m = shmdev.SharedMemory(name, backend=backend)
    try:
        m.notify()
    finally:
        m.close()


def _read_grown(name, backend, q):
    t = shmdev.TypedList(name=name, backend=backend)
    try:
        q.put((len(t), t[len(t) - 1]))
    finally:
        t.close()


class TestSharedMemoryExtensions(unittest.TestCase):
    def _new(self, backend, size=4096):
        m = shmdev.SharedMemory(create=True, size=size, backend=backend)
        self.addCleanup(self._drop, m)
        return m

    @staticmethod
    def _drop(m):
        m.close()
        if m.name is not None and m.backend != "memfd":
            try:
                m.unlink()
            except FileNotFoundError:
                pass

    def test_resize(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                m = self._new(b)
                m.buf[:3] = b"abc"
                if b not in RESIZE:
                    with self.assertRaises(OSError) as cm:
                        m.resize(8192)
                    self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)
                    continue
                m.resize(3 << 20)
                self.assertGreaterEqual(m.size, 3 << 20)
                self.assertEqual(len(m.buf), m.size)
                self.assertEqual(bytes(m.buf[:3]), b"abc")
                self.assertEqual(m.buf[m.size - 1], 0)
                m.buf[m.size - 1] = 7
                if m.name is not None:
                    o = shmdev.SharedMemory(m.name, backend=b)
                    self.assertEqual(o.size, m.size)
                    self.assertEqual(o.buf[o.size - 1], 7)
                    o.close()
                m.resize(4096)
                self.assertEqual(m.size, 4096)
                self.assertEqual(bytes(m.buf[:3]), b"abc")

    def test_resize_with_views(self):
        for b in sorted(RESIZE & set(BACKENDS)):
            with self.subTest(backend=b):
                m = self._new(b)
                view = m.buf[:10]
                with self.assertRaises(BufferError):
                    m.resize(8192)
                # Nothing changed, and the block still works.
                self.assertEqual(m.size, 4096)
                m.buf[0] = 1
                self.assertEqual(view[0], 1)
                view.release()
                m.resize(8192)
                self.assertEqual(m.size, 8192)

    def test_resize_errors(self):
        m = self._new(BACKENDS[0])
        for bad in (0, -1):
            with self.assertRaises(ValueError):
                m.resize(bad)
        for bad in (1.5, "10", None, True):
            with self.assertRaises(TypeError):
                m.resize(bad)
        m.close()
        with self.assertRaises(ValueError):
            m.resize(8192)
        with self.assertRaises(ValueError):
            m.seal()
        with self.assertRaises(ValueError):
            m.notify()
        with self.assertRaises(ValueError):
            m.wait(0)
        with self.assertRaises(ValueError):
            m.fileno()

    def test_seal(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                m = self._new(b, 12288)
                if b not in SEAL:
                    for kw in ({}, {"grow": True}):
                        with self.assertRaises(OSError) as cm:
                            m.seal(**kw)
                        self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)
                    continue
                self.assertEqual(m.seal(), frozenset())
                self.assertEqual(m.seal(grow=True), {"grow"})
                with self.assertRaises(PermissionError):
                    m.resize(1 << 20)
                m.resize(8192)
                self.assertEqual(m.seal(shrink=True), {"grow", "shrink"})
                with self.assertRaises(PermissionError):
                    m.resize(4096)
                # A view of buf stops the write seal, and nothing changes.
                m.buf[0] = 7
                view = m.buf[:4]
                with self.assertRaises(BufferError):
                    m.seal(write=True)
                self.assertEqual(m.seal(), {"grow", "shrink"})
                view.release()
                m.buf[1] = 8
                # Then buf is remapped read-only and the seal holds.
                self.assertEqual(m.seal(write=True),
                                 {"grow", "shrink", "write"})
                self.assertEqual(bytes(m.buf[:2]), b"\x07\x08")
                with self.assertRaises(TypeError):
                    m.buf[0] = 5
                if b == "kernel":
                    # Opened by name, it comes read-only, unchangeable.
                    o = shmdev.SharedMemory(m.name, backend=b)
                    self.addCleanup(o.close)
                    self.assertEqual(bytes(o.buf[:2]), b"\x07\x08")
                    with self.assertRaises(TypeError):
                        o.buf[0] = 5
                self.assertEqual(m.seal(seal=True),
                                 {"grow", "shrink", "write", "seal"})
                with self.assertRaises(PermissionError):
                    m.seal(future_write=True)

    def test_future_write(self):
        for b in SEAL & set(BACKENDS):
            with self.subTest(backend=b):
                m = self._new(b)
                self.assertEqual(m.seal(future_write=True), {"future_write"})
                m.buf[0] = 5        # a writable mapping stays writable
                self.assertEqual(m.buf[0], 5)
                # The write seal still waits for it (EBUSY), and buf
                # stays as it was.
                m2 = self._new(b)
                with self.assertRaises(OSError) as cm:
                    mm = mmap.mmap(m2.fileno(), 4096)
                    self.addCleanup(mm.close)
                    m2.seal(write=True)
                self.assertEqual(cm.exception.errno, errno.EBUSY)
                m2.buf[0] = 1

    def test_notify_wait(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                m = self._new(b)
                if b not in NOTIFY:
                    for call in (m.notify, lambda: m.wait(0), m.wait):
                        with self.assertRaises(OSError) as cm:
                            call()
                        self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)
                    continue
                o = shmdev.SharedMemory(m.name, backend=b)
                self.addCleanup(o.close)
                self.assertEqual(o.wait(0), 0)
                self.assertEqual(o.wait(0.05), 0)
                m.notify()
                m.notify()
                self.assertEqual(o.wait(), 2)
                self.assertEqual(o.wait(0), 0)
                with self.assertRaises(ValueError):
                    o.wait(-1)
                # Another process rings; a selector on fileno() wakes.
                sel = selectors.DefaultSelector()
                sel.register(o.fileno(), selectors.EVENT_READ)
                p = multiprocessing.get_context("fork").Process(
                    target=_ring, args=(m.name, b))
                p.start()
                self.assertTrue(sel.select(timeout=10))
                self.assertEqual(o.wait(0), 1)
                p.join()
                self.assertEqual(p.exitcode, 0)
                sel.close()

    def test_fileno(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                m = self._new(b)
                if b == "sysv":
                    with self.assertRaises(OSError) as cm:
                        m.fileno()
                    self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)
                elif b == "kernel":
                    # An anonymous-inode fd: a map of it is the region.
                    with mmap.mmap(m.fileno(), m.size) as view:
                        view[:4] = b"fno!"
                    self.assertEqual(bytes(m.buf[:4]), b"fno!")
                else:
                    self.assertEqual(os.fstat(m.fileno()).st_size, m.size)


class TestTypedListGrowth(unittest.TestCase):
    def test_append_extend(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                t = shmdev.TypedList("q", [1], backend=b)
                try:
                    view = t.buffer
                    n = 1
                    try:
                        for k in range(2, 5001):
                            t.append(k)
                            n += 1
                    except OSError as e:
                        # sysv: up to what its segment holds.
                        self.assertEqual(b, "sysv")
                        self.assertEqual(e.errno, errno.ENOSPC)
                    self.assertEqual(len(t), n)
                    self.assertEqual(t[n - 1], n)
                    self.assertEqual(view[0], 1)     # still valid
                    if b != "sysv":
                        t.extend(range(10))
                        t.extend([])
                        self.assertEqual(t.tolist()[-10:], list(range(10)))
                        self.assertEqual(len(t), 5010)
                    with self.assertRaises(TypeError):
                        t.append("x")
                    with self.assertRaises(TypeError):
                        t.extend(["x"])
                    del view
                finally:
                    if t.name:
                        t.unlink()
                    t.close()

    def test_reader_sees_growth(self):
        for b in common.NAMED:
            if b == "sysv":
                continue
            with self.subTest(backend=b):
                t = shmdev.TypedList("d", [0.5], backend=b)
                r = shmdev.TypedList(name=t.name, backend=b)
                try:
                    t.extend(float(k) for k in range(100000))
                    self.assertEqual(len(r), 100001)
                    self.assertEqual(r[100000], 99999.0)
                    q = multiprocessing.get_context("fork").Queue()
                    p = multiprocessing.get_context("fork").Process(
                        target=_read_grown, args=(t.name, b, q))
                    p.start()
                    self.assertEqual(q.get(timeout=30), (100001, 99999.0))
                    p.join()
                finally:
                    r.close()
                    t.unlink()
                    t.close()


if __name__ == "__main__":
    unittest.main()
