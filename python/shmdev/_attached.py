# SPDX-License-Identifier: LGPL-2.1-or-later
"""The posix blocks this process attached by name and closed, kept mapped
so that attaching to one of them again costs no mmap(), munmap() and page
faults (~55 us each time on a virtual machine), which is what made the
2019 study's per-task attach by name slower than pickling small lists.

A kept block is reused only if its name still names the very same file:
the device, inode, ctime and size of /dev/shm/NAME now (libshmdev's
posix block NAME is shm_open("/NAME"), that file on Linux) equal those
of the kept one's descriptor.  The kept mapping holds the old file
alive, so a block made again under the name has another inode (tmpfs
numbers inodes from a counter, 64-bit on 64-bit kernels by default, and
does not hand a live one out again), and its ctime is that of its own
creation besides.  A block changed in place (chmod, ftruncate) merely
misses: it is mapped afresh.

Only a block opened in this process since its last fork() is kept: its
descriptor shares its flock with nobody, so that releasing the lock when
it is kept (the tracker may then remove the name) and taking it again
when it is reused affect no other process.  Every kept block is
unlocked when it is kept, however often it was reused: closed means no
longer a user, so the tracker removes a killed creator's block once its
users have closed it, kept mappings or not.  A reuse takes the lock
again, so such an attach costs one fstatat() and one flock(), and its
close() one flock().  At most MAX blocks are kept, the oldest dropped
first; unlink() through this process drops the name's block at once; a
fork()ed child drops what it inherited.

A kernel region attached by name read-write is kept too, parked
(SHMDEV_IOC_PARK, libshmdev's shmdev_region_park()): its descriptor and
mapping are then no users, so the module still frees the region, name
and memory, with its last user, as if they were closed.  The reuse is
one UNPARK, which succeeds only if the name still names that very
region here and this process may still open it read-write; otherwise
the kept one is dropped and the region opened afresh.  Kernel regions
are kept under "/NAME" (a posix key never starts with a slash).  A
mapping with a copy in a child (forked since) does not park, and is
closed as usual.

With the C extension, SharedMemory(name) and ShareableList(name=...)
over a kept block, and the attach by name of a kernel region, are made
in C whole (shmdev._speedups: fast_attach, fast_attach_list, kept_keep;
python/src/attach.c and kept.c): this is the 2019 study's per-task path,
where a line of Python costs about what a system call does.
_py_reuse() and _py_keep() below are the same in Python.
"""

import ctypes
import errno
import fcntl
import mmap
import os
import sys

from . import _lib

MAX = 8

# name -> (region, fd, mmap, addr, size, identity): a closed block still
# mapped, with its region handle and descriptor (whose flock every user
# holds, and a kept block has released), oldest first (a dict keeps the
# order of insertion, and put() always inserts).  Single dict operations
# only, each atomic, so no lock.
_kept = {}
# Forks so far: a block is kept only if opened in the generation in
# which it is closed.
_generation = 0
REGION, FD, MMAP, ADDR, SIZE, IDENT = range(6)


SHM_DIR = "/dev/shm"
_dir_fd = None          # SHM_DIR, opened once: a lookup of one component


def identity(fd_or_path):
    """What says that a descriptor and a name reach the same posix block."""
    st = os.stat(fd_or_path)
    return (st.st_dev, st.st_ino, st.st_ctime_ns, st.st_size)


def key(backend, name):
    """The key a block of @backend named @name is kept under."""
    return "/" + name if backend == "kernel" else name


def _drop(lib, kept):
    kept[MMAP].close()
    lib.region_close(kept[REGION])


def take(lib, name):
    """The kept block of @name if the name still names its file, else
    None (and a kept block of another file is dropped)."""
    global _dir_fd
    kept = _kept.pop(name, None)
    if kept is None:
        return None
    if name.startswith("/"):
        # Kernel: users again if the name still names that region.
        if (lib.region_unpark(kept[REGION], kept[ADDR], kept[SIZE]) == 0 and
                lib.region_size(kept[REGION]) == kept[SIZE]):
            return kept
        _drop(lib, kept)
        return None
    try:
        if _dir_fd is None:
            _dir_fd = os.open(SHM_DIR, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        st = os.stat(name, dir_fd=_dir_fd)
        same = (st.st_dev, st.st_ino, st.st_ctime_ns, st.st_size) == kept[IDENT]
    except OSError:
        same = False
    if same:
        return kept
    _drop(lib, kept)
    return None


def put(lib, name, kept):
    """Keep @kept for @name, dropping the oldest beyond MAX."""
    old = _kept.pop(name, None)
    _kept[name] = kept
    if old is not None:
        _drop(lib, old)
    while len(_kept) > MAX:
        try:
            _drop(lib, _kept.pop(next(iter(_kept))))
        except (KeyError, StopIteration, RuntimeError):
            break


def _py_reuse(shm, key, name):
    """Make @shm, a SharedMemory being made, a user of the block kept
    under @key if /dev/shm/@key still names it, with the name @name; False
    if there is none.  FileNotFoundError if the tracker is removing it.
    (The C extension has the same: kept_reuse.)"""
    kept = take(_lib, key)
    if kept is None:
        return False
    shm._region, shm._fd, shm._mmap, shm._addr, shm._size, shm._ident = kept
    shm._name = name
    shm._buf = memoryview(shm._mmap)
    if key.startswith("/"):
        return True
    try:
        # _tracker.hold(), inline: a user again.
        fcntl.flock(shm._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BaseException as e:
        shm._generation = None      # not kept again: it is going
        shm.close()
        if isinstance(e, BlockingIOError):
            raise FileNotFoundError(errno.ENOENT,
                                    "shmdev: the block is being removed",
                                    name) from None
        raise
    return True


def _py_keep(shm, key):
    """close() of @shm, a block this process attached by name since its
    last fork: its mapping stays, kept under @key; False if it cannot be
    (a kernel region's that does not park), for close() to do.  (The C
    extension has the same: kept_keep.)"""
    # mmap.close() would refuse while a view of buf exists; a view
    # (through its buffer manager) holds a reference to the mmap.
    if sys.getrefcount(shm._mmap) > 2:
        raise BufferError("cannot close exported pointers exist")
    fd = shm._fd
    kernel = key.startswith("/")
    if kernel and (_lib.region_park is None or
                   _lib.region_park(shm._region, shm._addr, shm._size)):
        return False
    kept = (shm._region, fd, shm._mmap, shm._addr, shm._size,
            None if kernel else shm._ident or identity(fd))
    if shm._views:
        shm._unbind_views()
    shm._mmap = shm._region = None
    # No longer a user (_tracker): kept or not, reused or not, a closed
    # block is the tracker's to remove once its other users have closed it.
    if not kernel:
        fcntl.flock(fd, fcntl.LOCK_UN)
    put(_lib, key, kept)
    return True


def _py_attach(shm, name, size, track, backend):
    """SharedMemory(name, size=size, track=track, backend=backend), whole,
    when it reuses a kept posix block or opens a kernel region; False
    when __init__ has to do it.  Only the C extension has this fast case
    (fast_attach): here __init__ always does it, and reuses the kept
    block through reuse()."""
    return False


def _py_attach_list(sl, cls, name, backend):
    """The same for ShareableList(name=name, backend=backend), its
    SharedMemory a @cls (fast_attach_list in C)."""
    return False


# The C extension's, where it is; the pure Python ones above otherwise.
reuse, keep, attach, attach_list = _py_reuse, _py_keep, _py_attach, _py_attach_list
try:
    if os.environ.get("SHMDEV_NO_SPEEDUPS"):
        raise ImportError("SHMDEV_NO_SPEEDUPS is set")
    from . import _speedups
    _speedups.kept_setup(_kept, lambda kept: _drop(_lib, kept), MAX,
                         sys.modules[__name__])
    _speedups.fast_setup(ctypes.c_void_p, mmap.mmap)
    attach = _speedups.fast_attach
    attach_list = _speedups.fast_attach_list
    reuse = _speedups.kept_reuse
    keep = _speedups.kept_keep
except ImportError:
    pass


def forget(lib, name):
    """Drop the kept blocks of @name, if any (it is being unlinked)."""
    for k in (name, "/" + name):
        kept = _kept.pop(k, None)
        if kept is not None:
            _drop(lib, kept)


def _before_fork():
    global _generation
    _generation += 1


def _in_child():
    # The parent's kept blocks are the parent's: their descriptors share
    # its flocks.  Closing our copies releases nothing of the parent's.
    # (Emptied in place: the C extension holds this very dict.)
    kept = list(_kept.values())
    _kept.clear()
    for k in kept:
        try:
            _drop(_lib, k)
        except (OSError, ValueError, BufferError):
            pass


os.register_at_fork(before=_before_fork, after_in_child=_in_child)
