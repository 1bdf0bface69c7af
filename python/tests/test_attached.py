# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev._attached: a posix block attached by name stays mapped after
close(), and an attach by the same name reuses it only while the name
still names that very file; what it keeps gets in nobody's way."""

import fcntl
import os
import signal
import subprocess
import sys
import time
import unittest

import common
from shmdev import ShareableList, SharedMemory, _attached

# A plain CPython process (no shmdev) that replaces a block: unlinks the
# name and makes a new block of the same name and size, holding BYTE.
REPLACE = """
import sys
from multiprocessing import resource_tracker, shared_memory
name, size, byte = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
old = shared_memory.SharedMemory(name)
old.unlink(); old.close()
new = shared_memory.SharedMemory(name, create=True, size=size)
resource_tracker.unregister(new._name, "shared_memory")   # outlive us
new.buf[0] = byte
new.close()
"""

# The same for a list: unlinked, and made again with the same layout and
# size, holding VALUE first.
REPLACE_LIST = """
import sys
from multiprocessing import resource_tracker, shared_memory
name, value = sys.argv[1], int(sys.argv[2])
old = shared_memory.ShareableList(name=name)
old.shm.unlink(); old.shm.close()
new = shared_memory.ShareableList([value, 0, 0], name=name)
resource_tracker.unregister(new.shm._name, "shared_memory")   # outlive us
new.shm.close()
"""

# A shmdev creator, registered with shmdev's tracker, that waits to be
# killed: a block or a list (KIND) on posix.
CREATE_AND_WAIT = """
import sys, shmdev
if sys.argv[1] == "list":
    name = shmdev.ShareableList([1, 2, 3], backend="posix").shm.name
else:
    name = shmdev.SharedMemory(create=True, size=4096, backend="posix").name
print(name, flush=True)
sys.stdin.read()
"""


def _locked(name):
    """Whether some descriptor of /dev/shm/NAME holds a flock."""
    fd = os.open("/dev/shm/" + name, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


class Attached(unittest.TestCase):
    def setUp(self):
        self.made = SharedMemory(create=True, size=4096, backend="posix")
        self.name = self.made.name
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        self.made.close()
        try:
            SharedMemory(self.name, backend="posix").unlink()
        except FileNotFoundError:
            pass

    def _attach(self):
        return SharedMemory(self.name, backend="posix")

    def test_reattach_reuses_the_mapping(self):
        a = self._attach()
        addr = a._addr
        a.buf[0] = 7
        a.close()
        self.assertIn(self.name, _attached._kept)
        b = self._attach()
        self.assertEqual(b._addr, addr)
        self.assertEqual(b.buf[0], 7)
        self.assertNotIn(self.name, _attached._kept)
        b.close()

    def test_created_block_is_not_kept(self):
        self.made.close()
        self.assertNotIn(self.name, _attached._kept)

    def test_name_made_again_elsewhere_is_not_fooled(self):
        a = self._attach()
        a.buf[0] = 1
        a.close()
        self.assertIn(self.name, _attached._kept)
        for byte in (2, 3):
            r = subprocess.run([sys.executable, "-c", REPLACE, self.name,
                                "4096", str(byte)], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            b = self._attach()
            self.assertEqual(b.buf[0], byte)     # the new block, not ours
            b.close()

    def test_kept_block_holds_no_lock(self):
        # The tracker removes a dead creator's block once it can lock it
        # alone: a kept mapping must not stop it.
        self.made.close()                       # the creator's lock
        a = self._attach()
        fd = os.open("/dev/shm/" + self.name, os.O_RDWR)
        try:
            with self.assertRaises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            a.close()
            self.assertIn(self.name, _attached._kept)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            b = self._attach()                   # a user again: locked
            with self.assertRaises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            b.close()
        finally:
            os.close(fd)

    def test_kept_block_being_removed(self):
        # The tracker holds the lock alone while it removes a block: an
        # attach that would reuse the kept mapping gives FileNotFoundError,
        # as a fresh one does, and keeps nothing.
        self.made.close()
        self._attach().close()
        self.assertIn(self.name, _attached._kept)
        fd = os.open("/dev/shm/" + self.name, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with self.assertRaises(FileNotFoundError):
                self._attach()
            self.assertNotIn(self.name, _attached._kept)
            with self.assertRaises(FileNotFoundError):
                self._attach()
        finally:
            os.close(fd)
        self._attach().close()                  # lock gone: attaches

    def test_reattached_block_is_unlocked_at_close(self):
        # Closed means no longer a user, however often the block was
        # reused from its kept mapping (a pool worker's tasks): every
        # close() releases the tracker's lock, every reuse takes it again.
        self.made.close()
        self._attach().close()
        self.assertFalse(_locked(self.name))    # attached once: unlocked
        for _ in range(3):
            mm = _attached._kept[self.name][_attached.MMAP]
            a = self._attach()
            reused = a._mmap is mm
            del mm                              # or close() would refuse
            self.assertTrue(reused)
            self.assertTrue(_locked(self.name))     # a user: locked
            a.close()
            self.assertIn(self.name, _attached._kept)
            self.assertFalse(_locked(self.name))    # closed: unlocked

    def test_killed_creator_removed_despite_reattached_kept_block(self):
        # The study's pool worker: it attaches a block by name again and
        # again, so the second attach reuses the kept mapping, and closes
        # it.  Then the creator is killed.  Closed means no longer a user:
        # the tracker removes the block while this process, which still
        # keeps the mapping, lives on.
        for kind in ("block", "list"):
            with self.subTest(kind=kind):
                p = subprocess.Popen(
                    [sys.executable, "-c", CREATE_AND_WAIT, kind],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                    env=dict(os.environ,
                             PYTHONPATH=os.pathsep.join(sys.path)))
                self.addCleanup(p.wait)
                self.addCleanup(p.kill)
                self.addCleanup(p.stdout.close)
                self.addCleanup(p.stdin.close)
                name = p.stdout.readline().strip()
                self.assertTrue(name)
                path = "/dev/shm/" + name
                mm = None       # the kept mapping of the first attach
                for i in range(2):
                    if kind == "list":
                        sl = ShareableList(name=name, backend="posix")
                        self.assertEqual(sl[0], 1)
                        shm = sl.shm
                    else:
                        shm = SharedMemory(name, backend="posix")
                    if i:
                        reused = shm._mmap is mm
                        del mm                  # or close() would refuse
                        self.assertTrue(reused)
                    shm.close()
                    if kind == "list":
                        del sl
                    mm = _attached._kept[name][_attached.MMAP]
                del mm
                self.assertIn(name, _attached._kept)
                p.send_signal(signal.SIGKILL)
                p.wait()
                end = time.monotonic() + common.GONE_TIMEOUT
                while os.path.exists(path) and time.monotonic() < end:
                    time.sleep(0.05)
                self.assertFalse(os.path.exists(path),
                                 "the tracker left %s behind" % name)
                with self.assertRaises(FileNotFoundError):
                    SharedMemory(name, backend="posix")
                self.assertNotIn(name, _attached._kept)

    def test_reattached_block_made_again_is_not_fooled(self):
        # A block kept again after a reuse is no more trusted than one
        # kept once: the name is checked at every attach.
        a = self._attach()
        a.buf[0] = 1
        a.close()
        self._attach().close()                  # reused, kept again
        mm = _attached._kept[self.name][_attached.MMAP]
        r = subprocess.run([sys.executable, "-c", REPLACE, self.name,
                            "4096", "5"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        b = self._attach()
        self.assertIsNot(b._mmap, mm)           # mapped afresh
        self.assertEqual(b.buf[0], 5)
        b.close()

    def test_other_backend_chosen_misses(self):
        # A kept posix block is reused only by a posix attach: the same
        # name under another backend is another block (none here).
        self._attach().close()
        self.assertIn(self.name, _attached._kept)
        saved = os.environ.get("SHMDEV_BACKEND")
        os.environ["SHMDEV_BACKEND"] = "sysv"
        try:
            with self.assertRaises(FileNotFoundError):
                SharedMemory(self.name)
            with self.assertRaises(FileNotFoundError):
                SharedMemory(self.name, backend="sysv")
        finally:
            if saved is None:
                os.environ.pop("SHMDEV_BACKEND")
            else:
                os.environ["SHMDEV_BACKEND"] = saved
        self.assertIn(self.name, _attached._kept)

    def test_unlink_drops_it(self):
        a = self._attach()
        a.close()
        self.assertIn(self.name, _attached._kept)
        self._attach().unlink()
        self.assertNotIn(self.name, _attached._kept)
        with self.assertRaises(FileNotFoundError):
            self._attach()

    def test_opened_before_a_fork_is_not_kept(self):
        # Its descriptor, and so its flock, is shared with the child:
        # releasing the lock would release the child's too.
        a = self._attach()
        pid = os.fork()
        if pid == 0:
            os._exit(0 if self.name not in _attached._kept else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(status, 0)
        a.close()
        self.assertNotIn(self.name, _attached._kept)

    def test_child_drops_what_it_inherits(self):
        a = self._attach()
        a.close()
        self.assertIn(self.name, _attached._kept)
        pid = os.fork()
        if pid == 0:
            ok = self.name not in _attached._kept
            b = self._attach()                  # maps afresh
            ok = ok and b.buf is not None
            b.close()
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(status, 0)
        self.assertIn(self.name, _attached._kept)   # the parent's, intact

    def test_list_made_again_is_not_fooled(self):
        # The study's path: ShareableList(name=...) per task.  A list made
        # again under the name by CPython, same layout and size, is read,
        # not the kept mapping of the old one.
        sl = ShareableList([1, 0, 0], backend="posix")
        name = sl.shm.name
        try:
            for _ in range(2):                  # kept, then reused
                a = ShareableList(name=name, backend="posix")
                self.assertEqual(a[0], 1)
                a.shm.close()
            self.assertIn(name, _attached._kept)
            for value in (7, 8):
                r = subprocess.run([sys.executable, "-c", REPLACE_LIST, name,
                                    str(value)], capture_output=True,
                                   text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stderr)
                b = ShareableList(name=name, backend="posix")
                self.assertEqual(b[0], value)   # the new list, not ours
                b[1] = value
                b.shm.close()
                c = ShareableList(name=name)    # default backend: posix here
                self.assertEqual(list(c), [value, value, 0])
                c.shm.close()
        finally:
            sl.shm.close()
            try:
                SharedMemory(name, backend="posix").unlink()
            except FileNotFoundError:
                pass

    def test_bounded(self):
        made = [SharedMemory(create=True, size=64, backend="posix")
                for _ in range(_attached.MAX + 3)]
        try:
            for m in made:
                SharedMemory(m.name, backend="posix").close()
            self.assertLessEqual(len(_attached._kept), _attached.MAX)
            self.assertNotIn(made[0].name, _attached._kept)
            self.assertIn(made[-1].name, _attached._kept)
        finally:
            for m in made:
                m.close()
                m.unlink()


if __name__ == "__main__":
    unittest.main()
