# SPDX-License-Identifier: LGPL-2.1-or-later
"""unittest suite of the shmdev Python binding (python3 -m unittest)."""

import errno
import multiprocessing as mp
import os
import pickle
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import shmdev  # noqa: E402

# Named lists need a backend with names: the kernel one when loaded.
BACKENDS = [b for b in os.environ.get("SHMDEV_TEST_BACKENDS",
                                      "memfd sysv posix").split()]
NAMED = [b for b in BACKENDS if b != "memfd"]
ITEMS = [1, -2**63, 2**63 - 1, 2.5, True, False, "h\u00e9\x00llo \U0001f600",
         b"\x00\xff\x00", None, "", b""]


def _child_reads(name, backend, q):
    sl = shmdev.ShareableList(name=name, backend=backend)
    q.put(list(sl))
    sl[0] = 42
    sl.close()


class TestShareableList(unittest.TestCase):
    def test_roundtrip_every_kind(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                sl = shmdev.ShareableList(ITEMS, backend=b)
                try:
                    self.assertEqual(len(sl), len(ITEMS))
                    got = list(sl)
                    self.assertEqual(got, ITEMS)
                    self.assertEqual([type(v) for v in got],
                                     [type(v) for v in ITEMS])
                    self.assertEqual(sl[-1], b"")
                    self.assertEqual(sl[2:5], ITEMS[2:5])
                finally:
                    if sl.name:
                        sl.unlink()
                    sl.close()

    def test_utf8_sizes_and_nul(self):
        s = "\u00e9\x00\u20ac"
        sl = shmdev.ShareableList([s, b"a\x00b"], backend=BACKENDS[0])
        try:
            self.assertEqual(sl.format, "%ds3s" % len(s.encode("utf-8")))
            self.assertEqual(sl[0], s)
            self.assertEqual(sl[1], b"a\x00b")
            sl[0] = "\u00e9"            # shorter: fits in place
            self.assertEqual(sl[0], "\u00e9")
            with self.assertRaises(OSError) as cm:
                sl[1] = b"x" * 100      # longer than every byte left
            self.assertEqual(cm.exception.errno, errno.ENOSPC)
        finally:
            sl.close()

    def test_count_index_format(self):
        sl = shmdev.ShareableList([1, 1.0, True, 1, None], backend=BACKENDS[0])
        try:
            self.assertEqual(sl.count(1), 2)     # not 1.0, not True
            self.assertEqual(sl.index(True), 2)
            self.assertEqual(sl.index(None), 4)
            self.assertEqual(sl.format, "qd?qx")
            with self.assertRaises(ValueError):
                sl.index("absent")
        finally:
            sl.close()

    def test_errors(self):
        sl = shmdev.ShareableList([1, 2], backend=BACKENDS[0])
        try:
            with self.assertRaises(IndexError):
                sl[2]
            with self.assertRaises(IndexError):
                sl[-3] = 1
            with self.assertRaises(TypeError):
                sl[0] = [1, 2]
            with self.assertRaises(OverflowError):
                sl[0] = 2**63
        finally:
            sl.close()
        with self.assertRaises(ValueError):
            sl[0]                       # closed
        with self.assertRaises(ValueError):
            shmdev.ShareableList()
        for b in NAMED:
            with self.assertRaises(FileNotFoundError):
                shmdev.ShareableList(name="shmdev-py-absent", backend=b)
        with self.assertRaises(OSError) as cm:
            shmdev.ShareableList([1], name="named", backend="memfd")
        self.assertEqual(cm.exception.errno, errno.EOPNOTSUPP)

    def test_child_attach_and_exit_keeps_it(self):
        """gh-82300: a child that attaches and exits must not destroy it."""
        ctx = mp.get_context("fork")
        for b in NAMED:
            with self.subTest(backend=b):
                sl = shmdev.ShareableList([7, "x"], backend=b)
                try:
                    q = ctx.Queue()
                    p = ctx.Process(target=_child_reads, args=(sl.name, b, q))
                    p.start()
                    self.assertEqual(q.get(timeout=30), [7, "x"])
                    p.join(30)
                    self.assertEqual(p.exitcode, 0)
                    self.assertEqual(sl[0], 42)
                    again = shmdev.ShareableList(name=sl.name, backend=b)
                    self.assertEqual(list(again), [42, "x"])
                    again.close()
                finally:
                    sl.unlink()
                    sl.close()

    def test_no_resource_tracker(self):
        """No 'leaked shared_memory' warnings: nothing is registered."""
        for b in NAMED:
            code = ("import sys; sys.path.insert(0, %r); import shmdev\n"
                    "sl = shmdev.ShareableList([1, 'a'], backend=%r)\n"
                    "c = shmdev.ShareableList(name=sl.name, backend=%r)\n"
                    "c.close(); sl.unlink(); sl.close()\n"
                    "import multiprocessing.resource_tracker as rt\n"
                    "assert rt._resource_tracker._pid is None\n"
                    % (os.path.dirname(HERE), b, b))
            r = subprocess.run([sys.executable, "-c", code],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "")

    def test_pickle_by_name(self):
        for b in NAMED:
            sl = shmdev.ShareableList([1, "two"], backend=b)
            try:
                c = pickle.loads(pickle.dumps(sl))
                self.assertEqual(list(c), [1, "two"])
                c.close()
            finally:
                sl.unlink()
                sl.close()
        if "memfd" in BACKENDS:
            sl = shmdev.ShareableList([1], backend="memfd")
            with self.assertRaises(TypeError):
                pickle.dumps(sl)
            sl.close()


class TestTypedList(unittest.TestCase):
    def test_buffer_protocol(self):
        for b in BACKENDS:
            for code, vals in (("q", [1, -2, 3]), ("d", [0.5, 1.5]),
                               ("B", [0, 255]), ("i", [-1, 7]),
                               ("f", [0.25]), ("Q", [2**64 - 1])):
                with self.subTest(backend=b, typecode=code):
                    t = shmdev.TypedList(code, vals, backend=b)
                    try:
                        m = t.buffer
                        self.assertEqual(m.format, code)
                        self.assertEqual(m.tolist(), vals)
                        m[0] = vals[-1]
                        self.assertEqual(t[0], vals[-1])
                        self.assertEqual(len(t), len(vals))
                        del m
                    finally:
                        if t.name:
                            t.unlink()
                        t.close()
        with self.assertRaises(ValueError):
            shmdev.TypedList("z", [1])

    def test_numpy(self):
        try:
            import numpy
        except ImportError:
            self.skipTest("numpy is not installed")
        t = shmdev.TypedList("d", [1.0, 2.0], backend=BACKENDS[0])
        a = t.numpy()
        a *= 3
        self.assertEqual(t.tolist(), [3.0, 6.0])
        del a
        t.close()


def _times_ten(view, first, count):
    for i in range(first, first + count):
        view[i] = view[i] * 10


class TestPool(unittest.TestCase):
    def test_ops_and_callable(self):
        for b in BACKENDS:
            with self.subTest(backend=b):
                t = shmdev.TypedList("q", range(1000), backend=b)
                with shmdev.Pool(t, 2) as p:
                    self.assertEqual(p.workers, 2)
                    p.map("mul", 3)
                    p.map("add")
                    p.map("mul")
                self.assertEqual(t.tolist(), [(3 * i + 1) * 2 for i in range(1000)])
                p2 = shmdev.Pool(t, 3, dynamic=True, func=_times_ten)
                p2.map(chunk=7)
                p2.close()
                self.assertEqual(t[999], (3 * 999 + 1) * 20)
                with self.assertRaises(ValueError):
                    p2.map("mul")
                with self.assertRaises(ValueError):
                    shmdev.Pool(t, 1).map("divide")
                if t.name:
                    t.unlink()
                t.close()

    def test_double_list(self):
        d = shmdev.TypedList("d", [1.5] * 10, backend=BACKENDS[0])
        with shmdev.Pool(d, 2) as p:
            p.map("fmul", 4.0)
        self.assertEqual(d.tolist(), [6.0] * 10)
        d.close()


class TestKernelBackend(unittest.TestCase):
    def test_freed_with_last_user(self):
        if not os.path.exists("/dev/shmlist"):
            self.skipTest("/dev/shmlist is missing: module not loaded")
        sl = shmdev.ShareableList([1, 2, 3], backend="kernel")
        name = sl.name
        sl.close()
        with self.assertRaises(FileNotFoundError):
            shmdev.ShareableList(name=name, backend="kernel")


if __name__ == "__main__":
    unittest.main()
