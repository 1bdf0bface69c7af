# SPDX-License-Identifier: LGPL-2.1-or-later
"""TypedList (one C type, the buffer protocol) and Pool, on every backend
under test."""

import unittest

import common
from common import BACKENDS
import shmdev


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
                        self.assertEqual(list(t), t.tolist())
                        del m
                    finally:
                        if t.name:
                            t.unlink()
                        t.close()

    def test_errors(self):
        with self.assertRaises(ValueError):
            shmdev.TypedList("z", [1])
        with self.assertRaises(ValueError):
            shmdev.TypedList("q", [1, 2, 3], size=2)
        t = shmdev.TypedList("q", [1, 2], backend=BACKENDS[0])
        try:
            with self.assertRaises(IndexError):
                t[2]
            with self.assertRaises(IndexError):
                t[-3] = 0
            with self.assertRaises(TypeError):
                t[0] = "x"
        finally:
            if t.name:
                t.unlink()
            t.close()
        with self.assertRaises(ValueError):
            t[0]

    def test_close_with_a_view(self):
        t = shmdev.TypedList("q", [1, 2, 3], backend=BACKENDS[0])
        view = t.buffer[1:]
        with self.assertRaises(BufferError):
            t.close()
        self.assertEqual(view[0], 2)        # still mapped
        del view
        if t.name:
            t.unlink()
        t.close()

    def test_numpy(self):
        try:
            import numpy
        except ImportError:
            self.skipTest("numpy is not installed")
        t = shmdev.TypedList("d", [1.0, 2.0], backend=BACKENDS[0])
        a = t.numpy()
        a *= 3
        self.assertEqual(t.tolist(), [3.0, 6.0])
        self.assertIsInstance(a, numpy.ndarray)
        del a
        if t.name:
            t.unlink()
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
        if d.name:
            d.unlink()
        d.close()


if __name__ == "__main__":
    unittest.main()
