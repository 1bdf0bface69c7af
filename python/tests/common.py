# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the Python tests share: the backends under test, and counting the
blocks each backend holds, to show that nothing is left behind."""

import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The installed package, or the source tree's with SHMDEV_TEST_SOURCE=1.
if os.environ.get("SHMDEV_TEST_SOURCE"):
    sys.path.insert(0, os.path.dirname(HERE))
import shmdev  # noqa: E402,F401

BACKENDS = os.environ.get("SHMDEV_TEST_BACKENDS", "memfd sysv posix").split()

# How long a dead creator's block may take to go, in seconds.  On posix
# and sysv the tracker removes it: a Python process that imports shmdev,
# which took over 20 s in an emulated guest on a debug (KASAN) kernel.
# A test waits only until the block is gone, so a generous bound costs
# a passing run nothing.
GONE_TIMEOUT = 120
NAMED = [b for b in BACKENDS if b != "memfd"]


def blocks(backend):
    """The blocks @backend holds now, as a set of names or ids."""
    if backend == "posix":
        # CPython's names, as a posix block is /dev/shm/NAME: the random
        # ones that shmdev and CPython draw (the tests' own names are
        # removed by the tests that make them).
        return set(glob.glob("/dev/shm/psm_*"))
    if backend == "sysv":
        with open("/proc/sysvipc/shm") as f:
            return {line.split()[1] for line in f.readlines()[1:]}
    if backend == "kernel":
        with open("/proc/shmdev") as f:
            return {line.split()[0] for line in f if not line.startswith("#")}
    return set()


class WithBackend:
    """Mixin: every test of the class runs with SHMDEV_BACKEND=BACKEND, the
    way a user picks the backend without changing code."""

    BACKEND = None

    @classmethod
    def setUpClass(cls):
        cls._saved = os.environ.get("SHMDEV_BACKEND")
        os.environ["SHMDEV_BACKEND"] = cls.BACKEND
        _stop_forkserver()

    @classmethod
    def tearDownClass(cls):
        if cls._saved is None:
            os.environ.pop("SHMDEV_BACKEND", None)
        else:
            os.environ["SHMDEV_BACKEND"] = cls._saved
        _stop_forkserver()


def _stop_forkserver():
    # A forkserver keeps the environment it started with: the next class's
    # backend needs a new one.
    from multiprocessing import forkserver
    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop:
        stop()


def per_backend(base, module_globals):
    """base, once per named backend under test: FooTest_posix, ..."""
    for b in NAMED:
        name = "%s_%s" % (base.__name__, b)
        module_globals[name] = type(name, (WithBackend, base), {
            "BACKEND": b, "__module__": module_globals["__name__"]})
