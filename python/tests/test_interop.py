# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev next to plain CPython processes: blocks and ShareableLists made
on either side are opened by name, read and written on the other, with
every item kind and every store CPython allows, for Debian's python3 and
a pyenv CPython 3.13 (run with -I, so that they cannot import shmdev).
Plus: a block made by CPython survives shmdev processes that attached to
it, exited or were killed; where the kernel backend is the default,
SharedMemory(name) opens a block that only CPython made."""

import glob
import os
import signal
import subprocess
import sys
import unittest

import common  # noqa: F401
from shmdev import SharedMemory, ShareableList

PYENV = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
NEIGHBOURS = ["/usr/bin/python3"] + sorted(glob.glob(
    os.path.join(PYENV, "versions/3.13.*/bin/python3.13")))[-1:]

# The plain CPython side.  Reads its orders as Python literals on stdin,
# one per line; writes its answers the same way.  A block it attaches to
# is left alone at its exit (track=False, or unregister before 3.13), as
# CPython's own rule wants of a process that did not create it.
NEIGHBOUR = r'''
import ast, sys
from multiprocessing import resource_tracker, shared_memory as sm

def attach(name):
    if sys.version_info >= (3, 13):
        return sm.SharedMemory(name, track=False)
    shm = sm.SharedMemory(name)
    resource_tracker.unregister(shm._name, "shared_memory")
    return shm

def attach_list(name):
    sl = sm.ShareableList(name=name)
    resource_tracker.unregister(sl.shm._name, "shared_memory")
    return sl

def store(sl, stores):
    refused = []
    for k, v in stores:
        try:
            sl[k] = v
        except ValueError:
            refused.append(k)
    return refused

def say(x):
    print(repr(x), flush=True)

def order():
    return ast.literal_eval(sys.stdin.readline())

op = order()
if op == "block-attach":
    name, data, write = order()
    shm = attach(name)
    say(bytes(shm.buf[:len(data)]) == data)
    shm.buf[:len(write)] = write
    shm.close()
elif op == "block-create":
    data, n = order()
    shm = sm.SharedMemory(create=True, size=4096)
    shm.buf[:len(data)] = data
    say(shm.name)
    order()                                 # the other side is done
    say(bytes(shm.buf[:n]))
    shm.close()
    shm.unlink()
elif op == "list-attach":
    name, stores = order()
    sl = attach_list(name)
    say((list(sl), sl.format, sl.shm.size))
    say(store(sl, stores))
    sl.shm.close()
elif op == "list-create":
    items, = order()
    sl = sm.ShareableList(items)
    say((sl.shm.name, sl.format, sl.shm.size))
    order()                                 # the other side stored
    say(list(sl))
    sl.shm.close()
    sl.shm.unlink()
say("shmdev" in sys.modules)
'''

# Every item kind, at sizes where slots differ; ShareableList as CPython
# makes it (a str's slot sized by its characters).
ITEMS = [0, -2**63, 2**63 - 1, 1.5, -0.0, 1e308, True, False, None, "",
         "howdy", "encod\u00e9s", b"", b"HoWdY", "x" * 20, b"\x00y"]
# Every kind of value CPython stores, short enough for every slot but
# the last, which only fits a 24-byte slot; NULs at the end are stripped.
VALUES = [7, -2**63, 2.5, True, False, None, "", "ab", "encod\u00e9s",
          b"", b"z", b"12345678", "ab\x00", b"z\x00\x00", "y" * 20]


def room(item):
    if isinstance(item, (str, bytes)):
        return 8 * (len(item) // 8 + 1)
    return 8


def stripped(v):
    return v.rstrip("\x00" if isinstance(v, str) else b"\x00") \
        if isinstance(v, (str, bytes)) else v


def plan():
    """The list, the stores (position, value), and what each position
    then holds, and the positions whose store is refused."""
    items, stores, after, refused = [], [], [], []
    for item in ITEMS:
        for v in VALUES:
            k = len(items)
            items.append(item)
            stores.append((k, v))
            raw = v.encode() if isinstance(v, str) else v
            if isinstance(v, (str, bytes)) and len(raw) > room(item):
                refused.append(k)
                after.append(item)
            else:
                after.append(stripped(v))
    return items, stores, after, refused


class Neighbour:
    def __init__(self, python, op):
        self.p = subprocess.Popen([python, "-I", "-c", NEIGHBOUR],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.send(op)

    def send(self, x):
        self.p.stdin.write(repr(x) + "\n")
        self.p.stdin.flush()

    def read(self):
        import ast
        line = self.p.stdout.readline()
        if not line:
            raise AssertionError("neighbour died: %s" % self.p.stderr.read())
        return ast.literal_eval(line)

    def finish(self, test):
        test.assertFalse(self.read(), "the neighbour imported shmdev")
        self.p.stdin.close()
        err = self.p.stderr.read()
        self.p.stdout.close()
        self.p.stderr.close()
        test.assertEqual(self.p.wait(timeout=60), 0, err)
        test.assertNotIn("resource_tracker", err)


class Interop(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(self.PYTHON):
            self.skipTest("%s is not installed" % self.PYTHON)

    def test_block_made_by_shmdev(self):
        shm = SharedMemory(create=True, size=4096, backend="posix")
        self.addCleanup(shm.unlink)
        self.addCleanup(shm.close)
        shm.buf[:5] = b"howdy"
        n = Neighbour(self.PYTHON, "block-attach")
        n.send((shm.name, b"howdy", b"HELLO"))
        self.assertTrue(n.read())
        n.finish(self)
        self.assertEqual(bytes(shm.buf[:5]), b"HELLO")
        SharedMemory(shm.name, backend="posix").close()    # still there

    def test_block_made_by_cpython(self):
        n = Neighbour(self.PYTHON, "block-create")
        n.send((b"howdy", 5))
        name = n.read()
        shm = SharedMemory(name, backend="posix")
        self.assertEqual(bytes(shm.buf[:5]), b"howdy")
        shm.buf[:5] = b"HELLO"
        shm.close()
        n.send("done")
        self.assertEqual(n.read(), b"HELLO")
        n.finish(self)
        with self.assertRaises(FileNotFoundError):
            SharedMemory(name, backend="posix")

    def test_shmdev_users_never_unlink_a_cpython_block(self):
        # Exited or killed, a shmdev process that only attached leaves
        # the block to its creator.
        n = Neighbour(self.PYTHON, "block-create")
        n.send((b"keep", 4))
        name = n.read()
        code = ("import os, signal, sys, shmdev\n"
                "s = shmdev.SharedMemory(sys.argv[1], backend='posix')\n"
                "sl = shmdev.SharedMemory(create=True, size=8)\n"
                "s.buf[0] = ord('K')\n"
                "if sys.argv[2] == 'kill': os.kill(os.getpid(), signal.SIGKILL)\n")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        for how in ("exit", "kill"):
            r = subprocess.run([sys.executable, "-c", code, name, how],
                               env=env, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(r.returncode, 0 if how == "exit" else -signal.SIGKILL,
                             r.stderr)
        SharedMemory(name, backend="posix").close()         # still there
        n.send("done")
        self.assertEqual(n.read(), b"Keep")
        n.finish(self)

    def test_list_made_by_shmdev(self):
        items, stores, after, refused = plan()
        items.append("\u00e9" * 5)      # shmdev: a slot sized by the bytes
        after.append(items[-1])
        sl = ShareableList(items, backend="posix")
        self.addCleanup(sl.shm.unlink)
        self.addCleanup(sl.shm.close)
        before = sl.format          # the neighbour stores as it answers
        n = Neighbour(self.PYTHON, "list-attach")
        n.send((sl.shm.name, stores))
        seen, fmt, size = n.read()
        self.assertEqual(repr(seen), repr(items))
        self.assertEqual(fmt, before)
        self.assertEqual(size, sl.shm.size)
        self.assertEqual(n.read(), refused)
        n.finish(self)
        self.assertEqual(repr(list(sl)), repr(after))

    def test_list_made_by_cpython(self):
        items, stores, after, refused = plan()
        n = Neighbour(self.PYTHON, "list-create")
        n.send((items,))
        name, fmt, size = n.read()
        sl = ShareableList(name=name, backend="posix")
        self.assertEqual(repr(list(sl)), repr(items))
        self.assertEqual(sl.format, fmt)
        # The same layout shmdev makes of these items.
        mine = ShareableList(items, backend="posix")
        self.assertEqual((mine.format, mine.shm.size), (fmt, size))
        mine.shm.close()
        mine.shm.unlink()
        got = []
        for k, v in stores:
            try:
                sl[k] = v
            except ValueError:
                got.append(k)
        self.assertEqual(got, refused)
        self.assertEqual(repr(list(sl)), repr(after))
        sl.shm.close()
        n.send("done")
        self.assertEqual(repr(n.read()), repr(after))
        n.finish(self)


class KernelDefault(unittest.TestCase):
    def test_default_attach_finds_a_cpython_block(self):
        if not os.path.exists("/dev/shmlist"):
            self.skipTest("/dev/shmlist is missing: the kernel is not the default")
        saved = os.environ.pop("SHMDEV_BACKEND", None)
        self.addCleanup(lambda: saved is None or
                        os.environ.__setitem__("SHMDEV_BACKEND", saved))
        n = Neighbour(NEIGHBOURS[0], "block-create")
        n.send((b"kern", 4))
        name = n.read()
        shm = SharedMemory(name)
        self.assertEqual(shm.backend, "posix")
        self.assertEqual(bytes(shm.buf[:4]), b"kern")
        shm.close()
        with self.assertRaises(FileNotFoundError):
            SharedMemory(name, backend="kernel")    # chosen: no fallback
        n.send("done")
        n.read()
        n.finish(self)
        with self.assertRaises(FileNotFoundError):
            SharedMemory(name)


for _python in NEIGHBOURS:
    _label = "debian" if _python.startswith("/usr/") else \
        "py" + os.path.basename(_python)[len("python"):].replace(".", "")
    globals()["Interop_" + _label] = type(
        "Interop_" + _label, (Interop, unittest.TestCase), {"PYTHON": _python})
del Interop

if __name__ == "__main__":
    unittest.main()
