# SPDX-License-Identifier: LGPL-2.1-or-later
"""SharedMemory: multiprocessing.shared_memory.SharedMemory over libshmdev
regions.

With the kernel module loaded a block is a /dev/shmlist region: freed by
the kernel when its last user is gone (closed, exited or killed), on huge
pages.  Without it the default is posix, as CPython's; a block created
there is removed when its creator is gone and its last user has closed it,
by a small process (shmdev._tracker) that only the creator registers with,
so that no process that merely attached can destroy it (gh-82300).
"""

import ctypes
import errno
import functools
import mmap
import os
import secrets
import time
import weakref

from . import _attached, _lib, _tracker

_O_CREX = os.O_CREAT | os.O_EXCL

# CPython's names: "psm_" and 8 hex digits, short enough for every system.
_SHM_SAFE_NAME_LENGTH = 14
_SHM_NAME_PREFIX = "/psm_"
_USE_POSIX = True


def _make_filename():
    """A random name for a new block."""
    nbytes = (_SHM_SAFE_NAME_LENGTH - len(_SHM_NAME_PREFIX)) // 2
    return _SHM_NAME_PREFIX + secrets.token_hex(nbytes)


def _persist_flag(backend):
    # sysv and posix names outlive their users, which libshmdev makes the
    # caller say; the tracker then removes what a dead creator left.
    return _lib.REGION_PERSIST if backend in ("sysv", "posix") else 0


class SharedMemory:
    """SharedMemory(name=None, create=False, size=0, *, track=True,
    backend=None)

    Creates a new shared memory block or attaches to an existing one, as
    multiprocessing.shared_memory.SharedMemory does: name, size, buf,
    close(), unlink(), pickling by name.  backend is "kernel", "posix",
    "sysv" or "memfd" (whose blocks have no name and travel only by fork);
    the default is $SHMDEV_BACKEND, else the kernel module when loaded,
    else posix.  track=False leaves a block this process creates to be
    unlinked by hand even if the process dies (posix and sysv).
    """

    # Defaults, so that close() and unlink() work on a half-made object.
    _name = None
    _region = None
    _mmap = None
    _keeper = None
    _buf = None
    _views = None
    _flags = os.O_RDWR
    _mode = 0o600
    _prepend_leading_slash = True
    _track = True
    _created = False
    _ident = None
    _fd = -1
    _readonly = False       # opened or sealed so: buf is read-only
    _generation = None
    _keep_as = None         # the name to keep the mapping under at close

    def __init__(self, name=None, create=False, size=0, *, track=True,
                 backend=None):
        if not create and _attached.attach(self, name, size, track, backend):
            return      # a kept mapping reused, all in C (shmdev._attached)
        if not size >= 0:
            raise ValueError("'size' must be a positive integer")
        if create:
            self._flags = _O_CREX | os.O_RDWR
            if size == 0:
                raise ValueError("'size' must be a positive number different from zero")
        if name is None and not self._flags & os.O_EXCL:
            raise ValueError("'name' can only be None if create=True")
        self._track = track
        self._generation = _attached._generation
        self._backend = _lib.backend(backend)
        # A name that only a CPython process made lives in /dev/shm: where
        # the kernel is the default, not chosen, an attach looks there too.
        fallback = (self._backend == "kernel" and backend in (None, "default")
                    and os.environ.get("SHMDEV_BACKEND", "default") == "default")
        self._views = []
        if name is None and self._backend == "memfd":
            self._create(None, size)
        elif name is None:
            while True:
                try:
                    self._create(_make_filename(), size)
                except FileExistsError:
                    continue
                break
        else:
            if not isinstance(name, str):
                raise TypeError("shmdev: a name is a str, not %s" %
                                type(name).__name__)
            if "\0" in name:
                raise ValueError("embedded null character")
            name = "/" + name if self._prepend_leading_slash else name
            if not name.lstrip("/"):
                # CPython's error: shm_open() skips the leading slashes
                # and refuses the empty name that remains.
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL), name)
            if self._flags & os.O_CREAT and size:
                self._create(name, size)
            elif self._open(name, fallback):
                return          # a kept mapping, reused
        self._map()

    def _region_name(self):
        return self._name.lstrip("/") if self._name else None

    def _create(self, name, size):
        r = ctypes.c_void_p()
        rname = name.lstrip("/") if name else None
        flags = (_lib.REGION_EXCL if self._flags & os.O_EXCL else 0) | \
            (_persist_flag(self._backend) if rname else 0)
        ret = _lib.region_create(_lib.BACKENDS[self._backend],
                                 rname.encode() if rname else None, size,
                                 flags, self._mode, ctypes.byref(r))
        _lib.check(ret, "create shared memory", name)
        self._region, self._name = r, name
        self._created = bool(self._flags & os.O_EXCL)
        if self._created and rname and self._track and \
                self._backend in ("posix", "sysv"):
            try:
                _tracker.register(self._backend, rname,
                                  _lib.ident(self._region))
            except BaseException:
                self.close()
                self.unlink()
                raise

    def _open(self, name, fallback=False):
        """Open @name; True if that reused a kept mapping, which needs no
        _map()."""
        bare = name.lstrip("/")
        if self._backend in ("posix", "kernel"):
            # Still mapped from an earlier attach, if the same file (posix)
            # or region (kernel, parked); and kept mapped at close()
            # (shmdev._attached).
            self._keep_as = _attached.key(self._backend, bare)
            if _attached.reuse(self, self._keep_as, name):
                return True
        raw = bare.encode()
        r = ctypes.c_void_p()
        ret = _lib.region_open(_lib.BACKENDS[self._backend], raw, 0,
                               ctypes.byref(r))
        if ret == -errno.EPERM and self._backend == "kernel":
            # Write-sealed (shmdev's extension): readers open it read-only,
            # and buf is a read-only view.
            ret = _lib.region_open(_lib.BACKENDS["kernel"], raw,
                                   _lib.REGION_RDONLY, ctypes.byref(r))
            self._readonly = ret >= 0
            self._keep_as = None    # only read-write mappings are kept
        if ret == -errno.ENOENT and fallback:
            ret = _lib.region_open(_lib.BACKENDS["posix"], raw, 0,
                                   ctypes.byref(r))
            if ret >= 0:
                self._backend = "posix"
                self._keep_as = _attached.key("posix", bare)
            else:
                ret = -errno.ENOENT
        _lib.check(ret, "open shared memory", name)
        self._region, self._name = r, name
        return False

    def _map(self):
        fd = _lib.region_fd(self._region) if self._region else -1
        self._fd = fd
        try:
            if fd >= 0:
                # A mmap, as CPython's: it counts the views of buf (slices,
                # numpy arrays), and close() refuses while one exists.
                self._size = _lib.region_size(self._region)
                self._map_fd()
            else:
                self._buf = self._map_sysv()
            if self._backend == "posix":
                # The tracker takes the block away only when it can lock
                # it alone.
                _tracker.hold(fd, self._name)
        except BaseException:
            # close() releases the view of buf first: a view still held
            # here would make mmap.close() refuse (BufferError).
            created = self._created
            self._generation = None     # nothing kept of a failed attach
            self.close()
            if created:
                self.unlink()
            raise

    def _map_fd(self):
        """Map the block's fd (MAP_SHARED, as CPython's, read-only when
        self._readonly) and make buf its view."""
        if not self._readonly:
            self._mmap = mmap.mmap(self._fd, self._size)
        else:
            try:
                self._mmap = mmap.mmap(self._fd, self._size,
                                       prot=mmap.PROT_READ)
            except PermissionError:
                # A write-sealed memfd before Linux 6.7 takes no shared
                # mapping through a read-write fd; a private read-only one
                # shows the same, unchangeable, memory.
                self._mmap = mmap.mmap(self._fd, self._size,
                                       flags=mmap.MAP_PRIVATE,
                                       prot=mmap.PROT_READ)
        if self._readonly:
            self._addr = None
        else:
            probe = ctypes.c_char.from_buffer(self._mmap)
            self._addr = ctypes.addressof(probe)
            del probe
        self._buf = memoryview(self._mmap)

    def _unmap_fd(self, what):
        """Release buf and the mapping, for resize() and seal(write=True);
        BufferError, with buf as it was, while a view of buf exists."""
        if any(ref() is not None for ref in self._views or ()):
            raise BufferError("shmdev: cannot %s: a ShareableList uses this block"
                              % what)
        if self._buf is not None:
            self._buf.release()
            self._buf = None
        try:
            self._mmap.close()       # BufferError while a view exists
        except BufferError:
            self._buf = memoryview(self._mmap)
            raise
        self._mmap = None

    def _map_sysv(self):
        """sysv has no descriptor to mmap: libshmdev attaches it, and the
        detach waits until the last view of buf is gone (a finalizer on
        the buffer's owner), so no view ever points at unmapped memory."""
        addr = ctypes.c_void_p()
        _lib.check(_lib.region_map(self._region, ctypes.byref(addr)),
                   "map shared memory", self._name)
        self._size = _lib.region_size(self._region)
        self._addr = addr.value
        arr = (ctypes.c_ubyte * self._size).from_address(self._addr)
        region, self._region = self._region, None
        self._keeper = weakref.finalize(arr, _lib.region_close, region)
        return memoryview(arr).cast("B")

    def _add_view(self, view):
        """@view's memory goes away with this block's close()."""
        self._views.append(weakref.ref(view))

    def _unbind_views(self):
        views, self._views = self._views, []
        for ref in views or ():
            v = ref()
            if v is not None:
                v._unbind()

    def __del__(self):
        try:
            self.close()
        except (OSError, BufferError):
            pass

    def __reduce__(self):
        if self._name is None:
            raise TypeError("shmdev: a block without a name (memfd) travels only by fork")
        return (functools.partial(self.__class__, backend=self._backend),
                (self.name, False, self.size))

    def __repr__(self):
        return f'{self.__class__.__name__}({self.name!r}, size={self.size})'

    @property
    def buf(self):
        "A memoryview of contents of the shared memory block."
        return self._buf

    @property
    def name(self):
        "Unique name that identifies the shared memory block."
        if self._name and self._prepend_leading_slash and self._name.startswith("/"):
            return self._name[1:]
        return self._name

    @property
    def size(self):
        "Size in bytes."
        return self._size

    @property
    def backend(self):
        "The backend that holds the block: kernel, posix, sysv or memfd."
        return self._backend

    # shmdev's extensions beyond CPython's SharedMemory: resize, seals and
    # the doorbell (docs/python.md).  What the backend cannot do raises
    # OSError(EOPNOTSUPP), as libshmdev says it.

    def _ext_region(self, what):
        """The libshmdev region for an extension; ValueError when closed,
        OSError(EOPNOTSUPP) for sysv (which has no fd, and none of them)."""
        if self._mmap is None and self._keeper is None:
            raise ValueError("shmdev: the shared memory block is closed")
        if self._region is None:
            raise OSError(errno.EOPNOTSUPP, "shmdev: could not %s: %s" %
                          (what, os.strerror(errno.EOPNOTSUPP)), self._name)
        return self._region

    def fileno(self):
        """The block's file descriptor, for selectors and asyncio: a kernel
        block's is readable when its doorbell rang (see wait()).  OSError
        (EOPNOTSUPP) for sysv, which has none."""
        return _lib.check(_lib.region_fd(self._ext_region("get the fd")),
                          "get the fd", self._name)

    def resize(self, size):
        """Change the size of the block for every holder to @size bytes
        (the kernel rounds up to its page size); buf is then a view of the
        new size.  Growth reads as zeros; shrinking frees the memory past
        the new end.  BufferError while a view of buf exists (a slice, a
        numpy array), as close(); OSError(EOPNOTSUPP) on sysv; OSError
        (EPERM) when a seal forbids it."""
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError("shmdev: size must be an int")
        if size <= 0:
            raise ValueError("'size' must be a positive number different from zero")
        region = self._ext_region("resize shared memory")
        self._unmap_fd("resize")
        ret = _lib.region_resize(region, size)
        # Mapped again either way: at the new size, or the old on error.
        self._ident = None
        self._size = _lib.region_size(region)
        self._map_fd()
        _lib.check(ret, "resize shared memory", self._name)

    def seal(self, write=False, future_write=False, grow=False, shrink=False,
             seal=False):
        """Add seals (memfd's, see fcntl(2)): write (the memory never changes
        again; OSError(EBUSY) while a writable mapping exists, this
        block's own included, and a block that another process attached
        by name and closed, kept parked there: docs/python.md),
        future_write (no new writable
        mapping or read-write open), grow, shrink (no resize that way),
        seal (no further seals).  They are never removed.  With no
        argument, only reads them.  Returns the frozenset of the names of
        the seals in force.  OSError(EOPNOTSUPP) on posix and sysv.

        The write seal maps this block's buf read-only first (BufferError
        while a view of buf exists, as resize()); it then stays so, as in
        every process that opens the block by name afterwards."""
        want = {"write": write, "future_write": future_write, "grow": grow,
                "shrink": shrink, "seal": seal}
        add = 0
        for name, on in want.items():
            if on:
                add |= _lib.SEALS[name]
        region = self._ext_region("seal shared memory")
        if add & (_lib.SEALS["write"] | _lib.SEALS["future_write"]) and \
                self._name:
            # This process's kept (parked) mapping of the region would
            # keep the write seal out, and is no use after either seal.
            _attached.forget(_lib, self._region_name())
        remap = bool(add & _lib.SEALS["write"]) and not self._readonly
        if remap:
            # Our own writable mapping would make the seal fail (EBUSY).
            self._unmap_fd("seal")
        ret = _lib.region_seal(region, add)
        if remap:
            self._readonly = ret >= 0 and bool(ret & _lib.SEALS["write"])
            self._map_fd()
        ret = _lib.check(ret, "seal shared memory", self._name)
        return frozenset(n for n, bit in _lib.SEALS.items() if ret & bit)

    def notify(self):
        """Ring the block's doorbell: every holder's wait() (and poll of its
        fileno()) wakes, each counting one more event.  Kernel blocks only:
        OSError(EOPNOTSUPP) elsewhere."""
        _lib.check(_lib.region_notify(self._ext_region("notify shared memory")),
                   "notify shared memory", self._name)

    def wait(self, timeout=None):
        """Wait until the doorbell rang (notify(), or a resize) since this
        block last looked, for at most @timeout seconds (None: for ever).
        Returns how many events came (1 or more), or 0 when the time ran
        out.  Kernel blocks only: OSError(EOPNOTSUPP) elsewhere."""
        region = self._ext_region("wait for shared memory")
        if timeout is not None and timeout < 0:
            raise ValueError("shmdev: timeout must be None or 0 or more")
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is None:
                ms = -1
            else:
                ms = max(0, min(2 ** 31 - 1,
                                int((deadline - time.monotonic()) * 1000 + 0.999)))
            ret = _lib.region_wait(region, ms)
            if ret == -errno.EINTR:
                # As PEP 475: a signal handler that raises stops here.
                continue
            return _lib.check(ret, "wait for shared memory", self._name)

    def close(self):
        """Closes access to the shared memory from this instance but does
        not destroy the shared memory block.  BufferError while a view of
        buf (a slice, a numpy array) still exists, as CPython's."""
        if self._buf is not None:
            self._buf.release()
            self._buf = None
        if self._mmap is not None:
            if (self._keep_as is not None and self._region is not None and
                    self._generation == _attached._generation and
                    _attached.keep(self, self._keep_as)):
                # Kept mapped for the next attach (shmdev._attached).
                return
            self._mmap.close()
            self._mmap = None
        if self._views:
            self._unbind_views()
        if self._keeper is not None:
            # sysv: detached when the last view of the buffer goes.
            self._keeper = None
        if self._region is not None:
            _lib.region_close(self._region)
            self._region = None

    def unlink(self):
        """Requests that the underlying shared memory block be destroyed:
        the name goes at once, the memory with its last user."""
        if self._name is None:
            return
        if "\0" in self._name:
            raise ValueError("embedded null character")
        rname = self._region_name()
        self._keep_as = None        # nothing of an unlinked name is kept
        _attached.forget(_lib, rname)
        ret = _lib.region_unlink(_lib.BACKENDS[self._backend], rname.encode())
        if (ret == -errno.ENOENT and self._backend == "kernel" and
                self._created and self._region is None):
            # The usual close(); unlink() of a creator: a kernel region
            # went with its last user at close(), which is all unlink()
            # asks for (as CPython on Windows, whose unlink() does nothing).
            return
        _lib.check(ret, "unlink shared memory", self._name)
        if self._track and self._backend in ("posix", "sysv"):
            _tracker.unregister(self._backend, rname)
