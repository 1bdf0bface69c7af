# SPDX-License-Identifier: LGPL-2.1-or-later
"""SharedMemoryManager: multiprocessing.managers.SharedMemoryManager making
shmdev blocks.  Its server process keeps the names of the blocks made
through it and unlinks them at shutdown(); the blocks themselves are
shmdev's (kernel regions when the module is loaded)."""

import os
from multiprocessing import managers, util

from ._memory import SharedMemory
from ._sharable import ShareableList


class _SegmentTracker:
    "The blocks made through one manager, with their backends."

    def __init__(self, name, segments=None):
        self.shared_memory_context_name = name
        self.segments = dict(segments or {})

    @property
    def segment_names(self):
        return list(self.segments)

    def register_segment(self, segment_name, backend=None):
        util.debug(f"Register segment {segment_name!r} in pid {os.getpid()}")
        self.segments[segment_name] = backend

    def destroy_segment(self, segment_name):
        util.debug(f"Destroy segment {segment_name!r} in pid {os.getpid()}")
        backend = self.segments.pop(segment_name)
        try:
            segment = SharedMemory(segment_name, backend=backend)
        except FileNotFoundError:
            return      # unlinked already, by a user or with its last user
        segment.close()
        segment.unlink()

    def unlink(self):
        for segment_name in self.segment_names:
            self.destroy_segment(segment_name)

    def __del__(self):
        self.unlink()

    def __getstate__(self):
        return (self.shared_memory_context_name, self.segments)

    def __setstate__(self, state):
        self.__init__(*state)


class SharedMemoryServer(managers.SharedMemoryServer):
    "The manager's server: CPython's, keeping shmdev blocks."

    def __init__(self, *args, **kwargs):
        managers.Server.__init__(self, *args, **kwargs)
        address = self.address
        if isinstance(address, bytes):
            address = os.fsdecode(address)
        self.shared_memory_context = _SegmentTracker(
            f"shm_{address}_{os.getpid()}")

    def track_segment(self, c, segment_name, backend=None):
        "Adds the block of this name (and backend) to the server's tracker."
        self.shared_memory_context.register_segment(segment_name, backend)


class SharedMemoryManager(managers.BaseManager):
    """SharedMemoryManager(address=None, authkey=None, ...)

    multiprocessing.managers.SharedMemoryManager for shmdev blocks:
    start() or a with block starts the server; SharedMemory(size) and
    ShareableList(sequence) make blocks it unlinks at shutdown()."""

    _Server = SharedMemoryServer

    def __del__(self):
        pass

    get_server = managers.SharedMemoryManager.get_server

    def _made(self, make, name_of):
        """make(), registered with the server: the connection first, as
        CPython's, so that a manager not started (ValueError) or gone
        creates nothing."""
        with self._Client(self._address, authkey=self._authkey) as conn:
            obj = make()
            shm = name_of(obj)
            try:
                managers.dispatch(conn, None, 'track_segment',
                                  (shm.name, shm.backend))
            except BaseException:
                shm.close()
                try:
                    shm.unlink()
                except FileNotFoundError:
                    pass        # the kernel freed it with its last user
                raise
            return obj

    def SharedMemory(self, size, *, backend=None):
        """Returns a new SharedMemory instance with the specified size in
        bytes, to be tracked by the manager."""
        return self._made(lambda: SharedMemory(None, create=True, size=size,
                                               backend=backend),
                          lambda sms: sms)

    def ShareableList(self, sequence, *, backend=None):
        """Returns a new ShareableList instance populated with the values
        from the input sequence, to be tracked by the manager."""
        return self._made(lambda: ShareableList(sequence, backend=backend),
                          lambda sl: sl.shm)
