# SPDX-License-Identifier: LGPL-2.1-or-later
"""A kernel block attached by name is kept parked at close() (no user of
the region: SHMDEV_IOC_PARK) and reused by the next attach of the name
if the name still names that region (SHMDEV_IOC_UNPARK), in C and in
pure Python (shmdev._attached): the region still goes with its last
user; a region made again under the name, or resized, is mapped afresh;
read-only opens are not kept; unlink() and the write seal drop this
process's kept one, and another's holds the write seal off (EBUSY); a
child drops what it inherited."""

import errno
import os
import signal
import subprocess
import sys
import unittest
from unittest import mock

import common
from shmdev import ShareableList, SharedMemory, _attached

KERNEL = "kernel" in common.BACKENDS
PY = {"reuse": _attached._py_reuse, "keep": _attached._py_keep,
      "attach": _attached._py_attach, "attach_list": _attached._py_attach_list}


def listed(name):
    """Whether /proc/shmdev lists a region named @name."""
    with open("/proc/shmdev") as f:
        return any(line.split()[1:2] == [name] for line in f
                   if not line.startswith("#"))


def drop_kept(key):
    kept = _attached._kept.pop(key, None)
    if kept is not None:
        _attached._drop(_attached._lib, kept)


@unittest.skipUnless(KERNEL, "the kernel backend is not under test "
                     "(SHMDEV_TEST_BACKENDS; /dev/shmlist in the guest)")
class KeptParked(unittest.TestCase):
    pure = False

    def setUp(self):
        if self.pure:
            patcher = mock.patch.multiple(_attached, **PY)
            patcher.start()
            self.addCleanup(patcher.stop)
        self.made = SharedMemory(create=True, size=8192, backend="kernel")
        self.name = self.made.name
        self.key = "/" + self.name
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        drop_kept(self.key)
        self.made.close()
        try:
            self.made.unlink()
        except FileNotFoundError:
            pass

    def attach(self):
        return SharedMemory(self.name, backend="kernel")

    def test_reused_while_the_name_names_it(self):
        a = self.attach()
        addr = a._addr
        a.buf[:3] = b"one"
        a.close()
        self.assertIn(self.key, _attached._kept)
        self.assertIsNone(a.buf)
        self.made.buf[3:6] = b"two"
        b = self.attach()
        self.assertNotIn(self.key, _attached._kept)
        self.assertEqual(b._addr, addr)
        self.assertEqual(bytes(b.buf[:6]), b"onetwo")
        self.assertEqual(b.size, self.made.size)
        b.buf[:3] = b"ONE"
        self.assertEqual(bytes(self.made.buf[:3]), b"ONE")
        b.close()
        self.assertIn(self.key, _attached._kept)

    def test_region_goes_with_its_last_user(self):
        a = self.attach()
        a.close()
        self.assertTrue(listed(self.name))
        self.made.close()
        self.assertFalse(listed(self.name))
        with self.assertRaises(FileNotFoundError):
            self.attach()
        self.assertNotIn(self.key, _attached._kept)

    def test_name_made_again_is_another_region(self):
        a = self.attach()
        a.buf[:3] = b"old"
        a.close()
        self.made.close()
        self.made.unlink()
        again = SharedMemory(self.name, create=True, size=8192,
                             backend="kernel")
        self.addCleanup(again.close)
        again.buf[:3] = b"new"
        b = self.attach()
        self.addCleanup(b.close)
        self.assertEqual(bytes(b.buf[:3]), b"new")
        b.buf[3] = 1
        self.assertEqual(again.buf[3], 1)

    def test_resized_is_mapped_afresh(self):
        a = self.attach()
        a.close()
        self.made.resize(5 * 4096)
        b = self.attach()
        self.addCleanup(b.close)
        self.assertEqual(b.size, 5 * 4096)
        self.assertEqual(len(b.buf), 5 * 4096)
        b.buf[-1] = 7
        self.assertEqual(self.made.buf[-1], 7)

    def test_unlink_drops_it(self):
        a = self.attach()
        a.close()
        self.assertIn(self.key, _attached._kept)
        self.made.unlink()
        self.assertNotIn(self.key, _attached._kept)

    def test_write_seal_drops_ours(self):
        a = self.attach()
        a.close()
        self.assertEqual(self.made.seal(write=True), frozenset({"write"}))
        self.assertNotIn(self.key, _attached._kept)
        # Write-sealed: opened read-only, and not kept.
        b = self.attach()
        self.assertTrue(b.buf.readonly)
        b.close()
        self.assertNotIn(self.key, _attached._kept)

    def test_another_process_kept_one_holds_the_write_seal_off(self):
        # A parked mapping that can write is a writable mapping: as
        # documented, the write seal waits for it (EBUSY).  It goes with
        # the process, or when that process drops it (unlink() there).
        code = ("import sys\n"
                "sys.path[:0] = sys.argv[2:]\n"
                "import shmdev\n"
                "s = shmdev.SharedMemory(sys.argv[1], backend='kernel')\n"
                "s.close()\n"
                "print('kept', flush=True)\n"
                "sys.stdin.readline()\n"
                "shmdev._attached.forget(shmdev._lib, sys.argv[1])\n"
                "print('dropped', flush=True)\n"
                "sys.stdin.readline()\n")
        child = subprocess.Popen([sys.executable, "-c", code, self.name] +
                                 sys.path, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(child.stdout.readline().strip(), "kept")
            with self.assertRaises(OSError) as cm:
                self.made.seal(write=True)
            self.assertEqual(cm.exception.errno, errno.EBUSY)
            child.stdin.write("drop\n")
            child.stdin.flush()
            self.assertEqual(child.stdout.readline().strip(), "dropped")
            self.assertEqual(self.made.seal(write=True), frozenset({"write"}))
        finally:
            child.stdin.close()
            self.assertEqual(child.wait(timeout=120), 0)
            child.stdout.close()

    def test_list_reused(self):
        sl = ShareableList([1, "two", None, 4.5], backend="kernel")
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        key = "/" + sl.shm.name
        a = ShareableList(name=sl.shm.name, backend="kernel")
        addr = a.shm._addr
        a[0] = 10
        a.shm.close()
        self.assertIn(key, _attached._kept)
        b = ShareableList(name=sl.shm.name, backend="kernel")
        self.assertEqual(b.shm._addr, addr)
        self.assertEqual(list(b), [10, "two", None, 4.5])
        b[1] = "owt"
        self.assertEqual(sl[1], "owt")
        b.shm.close()
        drop_kept(key)

    def test_child_drops_what_it_inherited(self):
        a = self.attach()
        a.close()
        self.assertIn(self.key, _attached._kept)
        pid = os.fork()
        if pid == 0:
            ok = self.key not in _attached._kept
            try:
                c = self.attach()
                c.buf[0] = 9
                c.close()
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(status, 0)
        self.assertEqual(self.made.buf[0], 9)
        b = self.attach()
        self.addCleanup(b.close)
        self.assertEqual(b.buf[0], 9)

    def test_killed_holder_leaks_nothing(self):
        # A process killed with a kept block: its parked files go with it,
        # and the region with its creator.
        code = ("import os, signal, sys\n"
                "sys.path[:0] = sys.argv[2:]\n"
                "import shmdev\n"
                "s = shmdev.SharedMemory(sys.argv[1], backend='kernel')\n"
                "s.close()\n"
                "os.kill(os.getpid(), signal.SIGKILL)\n")
        out = subprocess.run([sys.executable, "-c", code, self.name] +
                             sys.path, timeout=120)
        self.assertEqual(out.returncode, -signal.SIGKILL)
        self.made.close()
        self.assertFalse(listed(self.name))


class KeptParkedPurePython(KeptParked):
    pure = True


if __name__ == "__main__":
    unittest.main()
