# SPDX-License-Identifier: LGPL-2.1-or-later
"""Removing what a dead creator left on posix and sysv.

A process that creates a named posix or sysv block registers it here; the
first registration starts one tracker process per creator, which reads "R backend name id" and
"U backend name" lines on a pipe.  When the pipe closes (the creator, and
every child that inherited the pipe, has exited or been killed), it
removes each block still registered:

- posix: once nobody holds the block open.  Every SharedMemory holds a
  shared flock on its descriptor; the tracker waits for an exclusive one,
  then unlinks.
- sysv: at once with IPC_RMID, which the kernel carries out at the last
  detach.

and in both only if the name still names the block it registered
(shmdev_region_id(): the inode, the shmid), never one made again since.

Only creators register, never processes that attach, so a child's exit
never destroys a block that others use (CPython's gh-82300), and nothing
is reported at exit: a block that its creator did not unlink is the
expected way to hand memory to processes that outlive it briefly.
"""

import ctypes
import errno
import fcntl
import os
import signal
import sys
import threading

_lock = threading.Lock()
_fd = None
_owner = None


def _start():
    """The write end of this process's tracker's pipe, starting it first."""
    global _fd, _owner
    if _fd is not None and _owner == os.getpid():
        return _fd
    # A forked child keeps its parent's pipe open (so the parent's blocks
    # wait for it too) and gets a tracker of its own for what it creates.
    # posix_spawn, not subprocess: no Popen object to warn at exit that
    # its process still runs, which is the point of this one.
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [pkg_parent] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        os.posix_spawn(sys.executable,
                       [sys.executable, "-c",
                        "from shmdev._tracker import main; main()"], env,
                       file_actions=[(os.POSIX_SPAWN_DUP2, r, 0)],
                       setsid=True)
    finally:
        os.close(r)
    _fd, _owner = w, os.getpid()
    return _fd


def _send(line):
    data = line.encode() + b"\n"
    fd = _start()
    while data:
        data = data[os.write(fd, data):]


def register(backend, name, ident):
    with _lock:
        _send("R %s %s %d" % (backend, name, ident))


def unregister(backend, name):
    with _lock:
        if _fd is not None and _owner == os.getpid():
            _send("U %s %s" % (backend, name))


def hold(fd, name):
    """Take the shared lock that every user of a posix block holds on its
    descriptor while attached; FileNotFoundError if the tracker is
    removing it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        raise FileNotFoundError(errno.ENOENT,
                                "shmdev: the block is being removed",
                                name) from None


def _remove(lib, backend, name, ident):
    """Remove @name if it is still the block that was registered: posix
    once nobody holds it open, sysv at once (IPC_RMID: the memory goes at
    the last detach)."""
    r = ctypes.c_void_p()
    if lib.region_open(lib.BACKENDS[backend], name.encode(), 0,
                       ctypes.byref(r)) < 0:
        return
    try:
        if lib.ident(r) != ident:
            return      # unlinked, and the name reused by someone else
        if backend == "posix":
            fd = lib.region_fd(r)
            fcntl.flock(fd, fcntl.LOCK_EX)      # until the last user closes
            if not os.fstat(fd).st_nlink:
                return
        lib.region_unlink(lib.BACKENDS[backend], name.encode())
    finally:
        lib.region_close(r)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import _lib as lib
    blocks = {}
    for raw in sys.stdin.buffer:
        f = raw.decode(errors="replace").split()
        if len(f) == 4 and f[0] == "R":
            blocks[(f[1], f[2])] = int(f[3])
        elif len(f) == 3 and f[0] == "U":
            blocks.pop((f[1], f[2]), None)
    threads = []
    for (backend, name), ident in blocks.items():
        if backend in ("posix", "sysv"):
            t = threading.Thread(target=_remove, args=(lib, backend, name, ident))
            t.start()
            threads.append(t)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
