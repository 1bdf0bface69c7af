# SPDX-License-Identifier: LGPL-2.1-or-later
"""shmdev: shared memory for Python that is fast and never loses a block.

A drop-in for multiprocessing.shared_memory: change

    from multiprocessing.shared_memory import SharedMemory, ShareableList

to

    from shmdev import SharedMemory, ShareableList

- SharedMemory, ShareableList and SharedMemoryManager behave as CPython's
  (3.11 to 3.13), with the differences listed in the README.
- With the kernel module loaded, every block is a /dev/shmlist region: on
  huge pages, and freed by the kernel when its last user is gone, also when
  processes are killed.  Without it, blocks are POSIX shared memory, as
  CPython's, and what a killed creator leaves is removed once nobody uses
  it (shmdev._tracker).  $SHMDEV_BACKEND or backend= chooses: kernel,
  posix, sysv, memfd (no names).
- TypedList: one C type ('q', 'Q', 'd', 'i', 'f', 'B') with the buffer
  protocol (memoryview, numpy) for zero-copy bulk work, and Pool: worker
  processes attached once to a TypedList, applying a function by chunks.
"""

from . import _lib
from ._lib import BACKENDS
from ._memory import SharedMemory
from ._sharable import ShareableList
from ._typed import TypedList, Pool
from .managers import SharedMemoryManager

__all__ = ["SharedMemory", "ShareableList", "SharedMemoryManager",
           "TypedList", "Pool", "backend", "version", "BACKENDS"]


def version():
    """The library's version string."""
    return _lib.version().decode()


def backend(name=None):
    """The backend a name (or the default) resolves to, as a string."""
    return _lib.backend(name)
