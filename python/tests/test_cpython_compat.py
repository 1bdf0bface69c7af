# SPDX-License-Identifier: LGPL-2.1-or-later
"""What CPython's documentation and test suite expect of
multiprocessing.shared_memory, asked of shmdev's classes, once per named
backend under test (SHMDEV_BACKEND set, as a user would)."""

import multiprocessing as mp
import os
import pickle
import types
import unittest

import common
from shmdev import SharedMemory, ShareableList, SharedMemoryManager


def _attach_and_write(name, data):
    shm = SharedMemory(name)
    shm.buf[:len(data)] = data
    shm.close()


def _attach_list_and_set(name, index, value):
    sl = ShareableList(name=name)
    sl[index] = value
    sl.shm.close()


def _sum_block(name):
    shm = SharedMemory(name)
    total = sum(shm.buf[:8])
    shm.close()
    return total


class SharedMemoryCase(unittest.TestCase):
    def test_basics(self):
        sms = SharedMemory("shmdev_test_basics", create=True, size=512)
        self.addCleanup(sms.unlink)
        self.addCleanup(sms.close)
        self.assertEqual(sms.name, "shmdev_test_basics")
        self.assertGreaterEqual(sms.size, 512)
        self.assertGreaterEqual(len(sms.buf), sms.size)
        self.assertIn(sms.name, repr(sms))
        self.assertIn(str(sms.size), repr(sms))
        sms.buf[0] = 42
        also = SharedMemory("shmdev_test_basics")
        self.assertEqual(also.buf[0], 42)
        also.close()
        # A size given when attaching is ignored.
        same = SharedMemory("shmdev_test_basics", size=20 * sms.size)
        self.assertLess(same.size, 20 * sms.size)
        same.close()
        with self.assertRaises(FileExistsError):
            SharedMemory("shmdev_test_basics", create=True, size=512)
        with self.assertRaises(FileNotFoundError):
            SharedMemory("shmdev_test_not_there")

    def test_argument_errors(self):
        with self.assertRaises(ValueError):
            SharedMemory(create=True, size=-2)
        with self.assertRaises(ValueError):
            SharedMemory(create=True, size=0)
        with self.assertRaises(ValueError):
            SharedMemory(create=False)

    def test_bad_names(self):
        with self.assertRaises(ValueError):
            SharedMemory("shmdev\0test", create=True, size=8)
        with self.assertRaises(OSError):
            SharedMemory("shmdev/test", create=True, size=8)
        with self.assertRaises(TypeError):
            SharedMemory(42, create=True, size=8)

    def test_unlink_twice(self):
        sms = SharedMemory(create=True, size=5000)
        duo = SharedMemory(sms.name)
        duo.unlink()
        with self.assertRaises(FileNotFoundError):
            duo.unlink()
        duo.close()
        sms.close()
        if self.BACKEND == "kernel":
            sms.unlink()        # gone with its last user: not an error
        else:
            with self.assertRaises(FileNotFoundError):
                sms.unlink()

    def test_random_names_retry(self):
        # CPython's hook: a name that is taken is skipped.
        import shmdev._memory as m
        taken = SharedMemory(create=True, size=1)
        self.addCleanup(taken.unlink)
        self.addCleanup(taken.close)
        names = iter(["/" + taken.name, "/psm_shmdev_ok"])
        saved = m._make_filename
        m._make_filename = lambda: next(names)
        try:
            fresh = SharedMemory(create=True, size=1)
        finally:
            m._make_filename = saved
        self.assertEqual(fresh.name, "psm_shmdev_ok")
        fresh.close()
        fresh.unlink()

    def test_optional_attach_subclass(self):
        sms = SharedMemory(create=True, size=512)
        self.addCleanup(sms.unlink)
        self.addCleanup(sms.close)

        class OptionalAttach(SharedMemory):
            _flags = os.O_CREAT | os.O_RDWR
        ok = OptionalAttach(sms.name)
        self.assertEqual(ok.size, sms.size)
        ok.close()

    def test_pickle(self):
        sms = SharedMemory(create=True, size=512)
        self.addCleanup(sms.unlink)
        self.addCleanup(sms.close)
        sms.buf[0:6] = b"pickle"
        copy = pickle.loads(pickle.dumps(sms))
        self.assertIsInstance(copy, SharedMemory)
        self.assertEqual(copy.name, sms.name)
        self.assertEqual(copy.size, sms.size)
        self.assertEqual(bytes(copy.buf[:6]), b"pickle")
        copy.buf[0:6] = b"newval"
        self.assertEqual(bytes(sms.buf[:6]), b"newval")
        copy.close()

    def test_across_processes(self):
        for method in ("fork", "spawn", "forkserver"):
            with self.subTest(start_method=method):
                ctx = mp.get_context(method)
                sms = SharedMemory(create=True, size=64)
                try:
                    p = ctx.Process(target=_attach_and_write,
                                    args=(sms.name, b"howdy"))
                    p.start()
                    p.join(60)
                    self.assertEqual(p.exitcode, 0)
                    self.assertEqual(bytes(sms.buf[:5]), b"howdy")
                finally:
                    sms.close()
                    sms.unlink()

    def test_pool_workers(self):
        sms = SharedMemory(create=True, size=8)
        self.addCleanup(sms.unlink)
        self.addCleanup(sms.close)
        sms.buf[:8] = bytes(range(1, 9))
        with mp.get_context("spawn").Pool(2) as pool:
            self.assertEqual(pool.map(_sum_block, [sms.name] * 4), [36] * 4)

    def test_numpy_documentation_example(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed")
        a = np.array([1, 1, 2, 3, 5, 8])
        shm = SharedMemory(create=True, size=a.nbytes)
        b = np.ndarray(a.shape, dtype=a.dtype, buffer=shm.buf)
        b[:] = a[:]
        existing = SharedMemory(name=shm.name)
        c = np.ndarray((6,), dtype=np.int64, buffer=existing.buf)
        c[-1] = 888
        self.assertEqual(b[-1], 888)
        del c
        existing.close()
        del b
        shm.close()
        shm.unlink()


class ShareableListCase(unittest.TestCase):
    def test_indices_as_a_list_takes_them(self):
        # Each key raises the error that a list of the same length
        # raises, or reaches the same item: ints past Py_ssize_t,
        # negative ones, bool and __index__, and what is no index.
        class Idx:
            def __index__(self):
                return 1
        items = [10, 20, 30]
        sl = ShareableList(items)
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        for key in (2 ** 70, -2 ** 70, 2 ** 63, 3, -3, -4, True, Idx(),
                    1.0, "1", None):
            with self.subTest(key=key):
                try:
                    want = items[key]
                except Exception as e:
                    with self.assertRaises(type(e)):
                        sl[key]
                    with self.assertRaises(type(e)):
                        sl[key] = 1
                else:
                    self.assertEqual(sl[key], want)
        self.assertEqual(list(sl), items)

    def test_basics(self):
        sl = ShareableList(["howdy", b"HoWdY", -273.154, 100, None, True, 42])
        self.addCleanup(sl.shm.unlink)
        self.assertIn(sl.shm.name, str(sl))
        self.assertIn(str(list(sl)), str(sl))
        with self.assertRaises(IndexError):
            sl[7]
        with self.assertRaises(IndexError):
            sl[7] = 2
        fmt = sl._get_packing_format(0)
        sl[0] = "howdy"
        self.assertEqual(fmt, sl._get_packing_format(0))
        self.assertEqual(sl.format, "8s8sdqxxxxxx?xxxxxxxx?q")
        self.assertEqual(len(sl), 7)
        with self.assertRaises(ValueError):
            sl.index("100")
        self.assertEqual(sl.index(100), 3)
        self.assertEqual(sl[0], "howdy")
        self.assertEqual(sl[-2], True)
        self.assertEqual(tuple(sl),
                         ("howdy", b"HoWdY", -273.154, 100, None, True, 42))
        sl[3] = 42
        self.assertEqual(sl[3], 42)
        sl[4] = "some"
        self.assertEqual(sl[4], "some")
        self.assertEqual(sl.format, "8s8sdq8sxxxxxxx?q")
        with self.assertRaisesRegex(ValueError, "exceeds available storage"):
            sl[4] = "far too many"
        self.assertEqual(sl[4], "some")
        sl[0] = "encodés"               # exactly 8 bytes of UTF-8
        self.assertEqual(sl[0], "encodés")
        self.assertEqual(sl[1], b"HoWdY")
        with self.assertRaisesRegex(ValueError, "exceeds available storage"):
            sl[0] = "encodées"          # 9 bytes
        with self.assertRaisesRegex(ValueError, "exceeds available storage"):
            sl[1] = b"123456789"
        self.assertEqual(sl[1], b"HoWdY")
        self.assertEqual(sl.count(42), 2)
        self.assertEqual(sl.count(b"HoWdY"), 1)
        self.assertEqual(sl.count(b"adios"), 0)
        dup = ShareableList(sl, name="shmdev_test_dup")
        try:
            self.assertEqual(dup.shm.name, "shmdev_test_dup")
            self.assertEqual(list(sl), list(dup))
            self.assertEqual(sl.format, dup.format)
            dup[-1] = 77
            self.assertNotEqual(sl[-1], 77)
            dup.shm.close()
        finally:
            dup.shm.unlink()
        tethered = ShareableList(name=sl.shm.name)
        tethered[-1] = 880
        self.assertEqual(sl[-1], 880)
        tethered.shm.close()
        sl.shm.close()

    def test_empty(self):
        empty = ShareableList()
        try:
            self.assertEqual(len(empty), 0)
            self.assertEqual(empty.format, "")
            self.assertEqual(empty.count("any"), 0)
            with self.assertRaises(ValueError):
                empty.index(None)
            empty.shm.close()
        finally:
            empty.shm.unlink()

    def test_documentation_example(self):
        a = ShareableList(["howdy", b"HoWdY", -273.154, 100, None, True, 42])
        self.addCleanup(a.shm.unlink)
        self.assertEqual([type(e) for e in a],
                         [str, bytes, float, int, type(None), bool, int])
        self.assertEqual(a[2], -273.154)
        a[2] = -78.5
        self.assertEqual(a[2], -78.5)
        a[2] = "dry ice"                # a str where a float was
        self.assertEqual(a[2], "dry ice")
        with self.assertRaises(ValueError):
            a[2] = "larger than previously allowed storage space"
        self.assertEqual(a[2], "dry ice")
        self.assertEqual(len(a), 7)
        self.assertEqual(a.index(42), 6)
        self.assertEqual(a.count(b"howdy"), 0)
        self.assertEqual(a.count(b"HoWdY"), 1)
        a.shm.close()

    def test_slots_as_cpython(self):
        sl = ShareableList(["a", None, 1.5, "abcdefgh"])
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        self.assertEqual(sl.format, "8sxxxxxx?xd16s")
        sl[0] = "howdy"                 # 'a' then 'howdy': the 8-byte slot
        sl[1] = "abc"                   # None then 'abc'
        sl[3] = "x" * 16
        self.assertEqual(list(sl), ["howdy", "abc", 1.5, "x" * 16])
        with self.assertRaises(ValueError):
            sl[2] = "123456789"

    def test_count_index_compare_equal(self):
        sl = ShareableList([1, True, 1.0])
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        self.assertEqual(sl.count(1), 3)
        self.assertEqual(sl.index(1.0), 0)

    def test_pickling(self):
        sl = ShareableList(range(10))
        self.addCleanup(sl.shm.unlink)
        data = pickle.dumps(sl)
        back = pickle.loads(data)
        self.assertIsInstance(back, ShareableList)
        self.assertEqual(back[-1], 9)
        self.assertIsNot(sl, back)
        back[4] = "changed"
        self.assertEqual(sl[4], "changed")
        larger = ShareableList(range(400))
        self.addCleanup(larger.shm.unlink)
        self.assertEqual(len(data), len(pickle.dumps(larger)))
        larger.shm.close()
        back.shm.close()
        sl.shm.close()

    def test_across_processes(self):
        for method in ("fork", "spawn", "forkserver"):
            with self.subTest(start_method=method):
                sl = ShareableList([0, "x"])
                try:
                    p = mp.get_context(method).Process(
                        target=_attach_list_and_set, args=(sl.shm.name, 0, 5))
                    p.start()
                    p.join(60)
                    self.assertEqual(p.exitcode, 0)
                    self.assertEqual(sl[0], 5)
                finally:
                    sl.shm.close()
                    sl.shm.unlink()

    def test_generic_alias(self):
        self.assertIsInstance(ShareableList[int], types.GenericAlias)

    def test_errors(self):
        sl = ShareableList([1, "a"])
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        with self.assertRaises(TypeError):
            sl["0"]
        with self.assertRaises(TypeError):
            ShareableList(5)
        with self.assertRaises(FileNotFoundError):
            ShareableList(name="shmdev_test_absent_list")
        with self.assertRaises(FileExistsError):
            ShareableList([1], name=sl.shm.name)


class ManagerCase(unittest.TestCase):
    def test_basics(self):
        smm = SharedMemoryManager()
        smm.start()
        lom = [smm.SharedMemory(size=128) for _ in range(5)]
        lol = [smm.ShareableList([1, "two"]) for _ in range(3)]
        names = [m.name for m in lom] + [sl.shm.name for sl in lol]
        for m in lom:
            m.buf[0] = 7
        twin = SharedMemory(lom[0].name)
        self.assertEqual(twin.buf[0], 7)
        twin.close()
        for m in lom:
            m.close()
        for sl in lol:
            sl.shm.close()
        smm.shutdown()
        for name in names:
            with self.assertRaises(FileNotFoundError):
                SharedMemory(name)

    def test_with_block(self):
        with SharedMemoryManager() as smm:
            sl = smm.ShareableList("howdy")
            shm = smm.SharedMemory(size=128)
            name = shm.name
            sl.shm.close()
            shm.close()
        with self.assertRaises(FileNotFoundError):
            SharedMemory(name)


for _case in (SharedMemoryCase, ShareableListCase, ManagerCase):
    common.per_backend(_case, globals())
del _case
del SharedMemoryCase, ShareableListCase, ManagerCase

if __name__ == "__main__":
    unittest.main()
