# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev's own promises beyond CPython's: what each backend leaves behind
when a constructor fails, when a child that attached exits (gh-82300),
when the creator is killed; trailing NULs stripped as CPython does;
nothing reported by
multiprocessing's resource tracker."""

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
import unittest

import common
from common import NAMED, blocks
from shmdev import SharedMemory, ShareableList, TypedList

CREATE_AND_WAIT = """
import sys, shmdev
kind, backend = sys.argv[1], sys.argv[2]
if kind == "list":
    obj = shmdev.ShareableList([1, "x"], backend=backend)
    name = obj.shm.name
else:
    obj = shmdev.SharedMemory(create=True, size=4096, backend=backend)
    name = obj.name
print(name, flush=True)
sys.stdin.read()
"""


def _child_attaches_and_exits(name, backend):
    sl = ShareableList(name=name, backend=backend)
    sl[0] = 42
    sl.shm.close()


def _wait_gone(backend, before, timeout=common.GONE_TIMEOUT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if blocks(backend) <= before:
            return True
        time.sleep(0.05)
    return False


class Lifetime(unittest.TestCase):
    def _killed_creator(self, kind):
        before = blocks(self.BACKEND)
        p = subprocess.Popen([sys.executable, "-c", CREATE_AND_WAIT, kind,
                              self.BACKEND], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True,
                             env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stdin.close)
        name = p.stdout.readline().strip()
        self.assertTrue(name)
        return p, name, before

    def test_killed_creator_is_cleaned_up(self):
        # kernel: freed with its last user; posix, sysv: by the tracker.
        for kind in ("block", "list"):
            with self.subTest(kind=kind):
                p, name, before = self._killed_creator(kind)
                self.assertTrue(blocks(self.BACKEND) - before)
                p.send_signal(signal.SIGKILL)
                p.wait()
                self.assertTrue(_wait_gone(self.BACKEND, before),
                                "%s left behind" % name)
                with self.assertRaises(FileNotFoundError):
                    SharedMemory(name)

    def test_tracker_spares_a_block_made_again(self):
        """A dead creator's name, unlinked and made again by someone else:
        the tracker leaves the new block alone."""
        p, name, before = self._killed_creator("block")
        SharedMemory(name).unlink()
        again = SharedMemory(name, create=True, size=4096, track=False)
        p.send_signal(signal.SIGKILL)
        p.wait()
        time.sleep(1)
        try:
            SharedMemory(name).close()      # still there
        finally:
            again.close()
            try:
                again.unlink()
            except FileNotFoundError:
                pass                        # kernel: gone with its last user

    def test_killed_creator_waits_for_last_user(self):
        p, name, before = self._killed_creator("block")
        user = SharedMemory(name)
        user.buf[0] = 9
        p.send_signal(signal.SIGKILL)
        p.wait()
        time.sleep(0.5)
        if self.BACKEND == "sysv":
            # IPC_RMID at once: the name goes, the memory at the last detach.
            with self.assertRaises(FileNotFoundError):
                SharedMemory(name)
            self.assertTrue(blocks(self.BACKEND) - before)
        else:
            again = SharedMemory(name)     # still there while used
            self.assertEqual(again.buf[0], 9)
            again.close()
        self.assertEqual(user.buf[0], 9)
        user.close()
        self.assertTrue(_wait_gone(self.BACKEND, before))

    def test_child_exit_keeps_list(self):
        """gh-82300: a child that attaches and exits never destroys it."""
        for method in ("fork", "spawn"):
            with self.subTest(start_method=method):
                sl = ShareableList([7, "x"])
                try:
                    ctx = mp.get_context(method)
                    c = ctx.Process(target=_child_attaches_and_exits,
                                    args=(sl.shm.name, self.BACKEND))
                    c.start()
                    c.join(60)
                    self.assertEqual(c.exitcode, 0)
                    again = ShareableList(name=sl.shm.name)
                    self.assertEqual(list(again), [42, "x"])
                    again.shm.close()
                finally:
                    sl.shm.close()
                    sl.shm.unlink()

    def test_failed_constructor_leaves_nothing(self):
        before = blocks(self.BACKEND)
        for bad in ([[1, 2]], [2**63], [-2**63 - 1], [object()],
                    ["x" * 10**7]):
            with self.assertRaises((TypeError, OverflowError, ValueError)):
                ShareableList(bad)
        with self.assertRaises(TypeError):
            TypedList("q", [1, "two"])
        with self.assertRaises(ValueError):
            SharedMemory(create=True, size=0)
        self.assertEqual(blocks(self.BACKEND) - before, set())

    def test_int_range_error_is_both(self):
        import struct
        with self.assertRaises(struct.error):
            ShareableList([2**63])
        sl = ShareableList([0])
        try:
            with self.assertRaises(OverflowError):
                sl[0] = -2**63 - 1
            self.assertEqual(sl[0], 0)
        finally:
            sl.shm.close()
            sl.shm.unlink()

    def test_trailing_nuls_stripped_as_cpython(self):
        # CPython's layout has no room for a length: trailing NULs go, as
        # in CPython (see _sharable's docstring), leading ones stay.
        sl = ShareableList(["ab\x00\x00", b"\x00\x00", "h\u00e9\x00", b"\x00y"])
        try:
            self.assertEqual(list(sl), ["ab", b"", "h\u00e9", b"\x00y"])
            sl[1] = b"z\x00"
            self.assertEqual(sl[1], b"z")
            self.assertEqual(sl.format, "8s8s8s8s")
        finally:
            sl.shm.close()
            sl.shm.unlink()

    def test_utf8_sized_slots(self):
        s = "\u20ac" * 5                     # 5 characters, 15 bytes
        sl = ShareableList([s])
        try:
            self.assertEqual(sl[0], s)
            self.assertEqual(sl.format, "16s")
        finally:
            sl.shm.close()
            sl.shm.unlink()

    def test_negative_out_of_range_raises(self):
        sl = ShareableList([1, 2, 3])
        try:
            with self.assertRaises(IndexError):
                sl[-4]
            with self.assertRaises(IndexError):
                sl[-4] = 0
            self.assertEqual(sl[-3], 1)
        finally:
            sl.shm.close()
            sl.shm.unlink()

    def test_no_resource_tracker(self):
        code = ("import shmdev\n"
                "sl = shmdev.ShareableList([1, 'a'])\n"
                "c = shmdev.ShareableList(name=sl.shm.name)\n"
                "c.shm.close(); sl.shm.close(); sl.shm.unlink()\n"
                "s = shmdev.SharedMemory(create=True, size=10)\n"
                "import multiprocessing.resource_tracker as rt\n"
                "assert rt._resource_tracker._pid is None\n")
        r = subprocess.run([sys.executable, "-W", "error", "-c", code],
                           capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")

    def test_index_that_closes(self):
        sl = ShareableList([1, 2])

        class Closer:
            def __index__(self):
                sl.shm.close()
                return 0
        with self.assertRaises(ValueError):
            sl[Closer()]
        sl.shm.unlink()

    def test_view_of_buf_outlives_close(self):
        shm = SharedMemory(create=True, size=64)
        view = shm.buf[:8]
        if self.BACKEND == "sysv":
            shm.close()             # detached when the view goes
        else:
            with self.assertRaises(BufferError):
                shm.close()
        view[0] = 7                 # still mapped either way
        del view
        shm.close()
        shm.unlink()

    def test_closed_list(self):
        sl = ShareableList([1])
        sl.shm.close()
        with self.assertRaises(ValueError):
            sl[0]
        sl.shm.unlink()


class KernelOnly(unittest.TestCase):
    def test_freed_with_last_user(self):
        if "kernel" not in NAMED:
            self.skipTest("/dev/shmlist is missing: module not loaded")
        sl = ShareableList([1, 2, 3], backend="kernel")
        name = sl.shm.name
        sl.shm.close()
        with self.assertRaises(FileNotFoundError):
            ShareableList(name=name, backend="kernel")

    def test_default_is_kernel_else_posix(self):
        import shmdev
        saved = os.environ.pop("SHMDEV_BACKEND", None)
        try:
            want = "kernel" if os.path.exists("/dev/shmlist") else "posix"
            self.assertEqual(shmdev.backend(), want)
        finally:
            if saved is not None:
                os.environ["SHMDEV_BACKEND"] = saved


common.per_backend(Lifetime, globals())
del Lifetime

if __name__ == "__main__":
    unittest.main()
