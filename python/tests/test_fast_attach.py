# SPDX-License-Identifier: LGPL-2.1-or-later
"""The attach by name of a kernel region made in C (shmdev._speedups'
fast_attach, python/src/attach.c): the same object as __init__ makes,
kept parked at close() and reused, and every case it does not take left
to __init__ whole."""

import ctypes
import errno
import os
import subprocess
import sys
import unittest
from unittest import mock

import common
from shmdev import ShareableList, SharedMemory, _attached

try:
    from shmdev import _speedups
except ImportError:
    _speedups = None

KERNEL = "kernel" in common.BACKENDS
C = _speedups is not None and _attached.attach is getattr(_speedups, "fast_attach", None)


def _rss_kib(addr):
    """Rss of this process's mapping that starts at @addr, in KiB."""
    start = None
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()[0]
            if "-" in head and ":" not in head:
                start = int(head.split("-")[0], 16)
            elif head == "Rss:" and start == addr:
                return int(line.split()[1])
    raise AssertionError("no mapping at %#x" % addr)


def _fail_open(*args, **kwargs):
    raise AssertionError("SharedMemory._open ran: not attached in C")


@unittest.skipUnless(KERNEL, "the kernel backend is not under test "
                     "(SHMDEV_TEST_BACKENDS; /dev/shmlist in the guest)")
@unittest.skipUnless(C, "no C extension (SHMDEV_NO_SPEEDUPS, or not built)")
class KernelAttachInC(unittest.TestCase):
    def setUp(self):
        self.made = SharedMemory(create=True, size=8192, backend="kernel")
        self.name = self.made.name
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self.made.close()
        try:
            self.made.unlink()
        except FileNotFoundError:
            pass

    def test_same_object_as_init_makes(self):
        with mock.patch.object(SharedMemory, "_open", _fail_open):
            fast = SharedMemory(self.name, backend="kernel")
        # The reference: __init__ without the fast case.
        with mock.patch.object(_attached, "attach", lambda *args: False):
            slow = SharedMemory(self.name, backend="kernel")
        for obj in (fast, slow):
            self.addCleanup(obj.close)
        for attr in ("name", "size", "backend", "_name", "_size", "_track",
                     "_generation", "_views", "_keep_as", "_readonly",
                     "_ident", "_backend", "_keeper"):
            self.assertEqual(getattr(fast, attr), getattr(slow, attr), attr)
        self.assertEqual(fast._name, "/" + self.name)
        self.assertIsInstance(fast._region, ctypes.c_void_p)
        self.assertEqual(os.fstat(fast._fd).st_ino, os.fstat(slow._fd).st_ino)
        fast.buf[:3] = b"abc"
        self.assertEqual(bytes(self.made.buf[:3]), b"abc")
        self.assertEqual(fast._addr,
                         ctypes.addressof(ctypes.c_char.from_buffer(fast._mmap)))
        # The extensions reach the same region.
        self.assertEqual(fast.fileno() >= 0, True)
        fast.resize(3 * 4096)
        self.assertEqual(self.made.wait(timeout=0), 1)

    def test_kept_parked_region_gone_with_last_user(self):
        a = SharedMemory(self.name, backend="kernel")
        addr = a._addr
        a.close()
        self.assertIn("/" + self.name, _attached._kept)
        # Reused in C: the same mapping, no _open.
        with mock.patch.object(SharedMemory, "_open", _fail_open):
            b = SharedMemory(self.name, backend="kernel")
        self.assertEqual(b._addr, addr)
        b.buf[:2] = b"hi"
        self.assertEqual(bytes(self.made.buf[:2]), b"hi")
        b.close()
        # Parked, no user: the region goes with its creator's close().
        self.made.close()
        self.assertNotIn(self.name, common.blocks("kernel"))
        with self.assertRaises(FileNotFoundError):
            SharedMemory(self.name, backend="kernel")
        self.assertNotIn("/" + self.name, _attached._kept)

    def test_missing_name(self):
        with self.assertRaises(FileNotFoundError) as cm:
            SharedMemory(self.name + "x", backend="kernel")
        self.assertEqual(cm.exception.errno, errno.ENOENT)

    def test_view_blocks_close(self):
        a = SharedMemory(self.name, backend="kernel")
        view = a.buf[:8]
        with self.assertRaises(BufferError):
            a.close()
        view.release()
        a.close()
        self.assertIsNone(a.buf)

    def test_list(self):
        sl = ShareableList([1, "two", None], backend="kernel")
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        with mock.patch.object(SharedMemory, "_open", _fail_open):
            other = ShareableList(name=sl.shm.name, backend="kernel")
        other[0] = 41
        self.assertEqual(list(sl), [41, "two", None])
        self.assertEqual(other.shm.backend, "kernel")
        other.shm.close()
        with self.assertRaises(ValueError):
            other[0]

    def test_small_list_populated_block_not(self):
        # A list's pages were all written by its creator: mapped at once.
        # A block's may not be: populating would allocate them.
        sl = ShareableList(list(range(2000)), backend="kernel")
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        other = ShareableList(name=sl.shm.name, backend="kernel")
        self.addCleanup(other.shm.close)
        self.assertEqual(_rss_kib(other.shm._addr), other.shm.size // 1024)
        block = SharedMemory(self.name, backend="kernel")
        self.addCleanup(block.close)
        self.assertEqual(_rss_kib(block._addr), 0)
        block.buf[0] = 1
        self.assertGreater(_rss_kib(block._addr), 0)

    def test_cases_left_to_init(self):
        calls = []
        real = SharedMemory._open

        def counted(shm, *args, **kwargs):
            calls.append(args[0])
            return real(shm, *args, **kwargs)

        class Bare(SharedMemory):
            _prepend_leading_slash = False

        with mock.patch.object(SharedMemory, "_open", counted):
            # The slash kept off, as CPython's tests do; a name that is
            # no exact str; an odd backend name: each is __init__'s.
            Bare(self.name, backend="kernel").close()
            SharedMemory("/" + self.name, backend="kernel").close()

            class Name(str):
                pass

            SharedMemory(Name(self.name), backend="kernel").close()
        self.assertEqual(len(calls), 3)
        with self.assertRaises(ValueError):
            SharedMemory(self.name, backend="nonesuch")

    def test_write_sealed_opens_read_only(self):
        self.made.seal(write=True)
        a = SharedMemory(self.name, backend="kernel")
        self.addCleanup(a.close)
        self.assertTrue(a.buf.readonly)

    def test_failed_mmap_leaks_no_descriptor(self):
        # A child whose address space cannot take the block: the attach
        # raises the mmap's error and closes the region's descriptor.
        big = SharedMemory(create=True, size=128 << 20, backend="kernel")
        self.addCleanup(big.unlink)
        self.addCleanup(big.close)
        code = (
            "import os, resource, sys\n"
            "sys.path[:0] = sys.argv[2:]\n"
            "import shmdev\n"
            "fds = len(os.listdir('/proc/self/fd'))\n"
            "with open('/proc/self/status') as f:\n"
            "    vm = [int(l.split()[1]) for l in f if l.startswith('VmSize')][0]\n"
            "resource.setrlimit(resource.RLIMIT_AS, ((vm << 10) + (32 << 20),) * 2)\n"
            "try:\n"
            "    shmdev.SharedMemory(sys.argv[1], backend='kernel')\n"
            "    print('attached')\n"
            "except OSError as e:\n"
            "    print('error', e.errno)\n"
            "print(len(os.listdir('/proc/self/fd')) - fds)\n")
        out = subprocess.run([sys.executable, "-c", code, big.name] + sys.path,
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.split(), ["error", str(errno.ENOMEM), "0"])


if __name__ == "__main__":
    unittest.main()
