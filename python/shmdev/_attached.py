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
when it is reused affect no other process.  At most MAX blocks are kept,
the oldest dropped first; unlink() through this process drops the name's
block at once; a fork()ed child drops what it inherited.
"""

import collections
import os

MAX = 8

# name -> (region, fd, mmap, addr, size, identity): a closed block still
# mapped, with its region handle and descriptor (whose flock every user
# holds).  Single dict operations only, each atomic, so no lock.
_kept = collections.OrderedDict()
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
            _drop(lib, _kept.popitem(last=False)[1])
        except KeyError:
            break


def forget(lib, name):
    """Drop the kept block of @name, if any (it is being unlinked)."""
    kept = _kept.pop(name, None)
    if kept is not None:
        _drop(lib, kept)


def _before_fork():
    global _generation
    _generation += 1


def _in_child():
    global _kept
    # The parent's kept blocks are the parent's: their descriptors share
    # its flocks.  Closing our copies releases nothing of the parent's.
    kept, _kept = _kept, collections.OrderedDict()
    from . import _lib
    for k in kept.values():
        try:
            _drop(_lib, k)
        except (OSError, ValueError, BufferError):
            pass


os.register_at_fork(before=_before_fork, after_in_child=_in_child)
