#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CPython's own tests of multiprocessing.shared_memory, run on shmdev.

_TestSharedMemory (and TestSharedMemoryNames where this CPython has it)
from this interpreter's Lib/test/_test_multiprocessing.py, with shmdev's
SharedMemory, ShareableList and SharedMemoryManager put in place of
CPython's, once per start method (fork, spawn, forkserver), as
test_multiprocessing_{fork,spawn,forkserver} run them.  Child processes
that those tests start with plain "python -c" still use CPython's module:
that is the interop the tests then check.

Tests that patch CPython's private functions (_make_filename,
_posixshmem), which shmdev does not call, run all the same: a failure
of one of them is a SKIP that names the patched function, a pass is a
PASS.  Every other failure is a FAIL.  A test that failed for patching
_make_filename runs once more, as Class.test+names-drawn-by-cpython,
with shmdev drawing its names through CPython's function, so that the
rest of it is checked too (a PASS or FAIL like any other).

usage: cpython-shm.py RESULTS LABEL
Each test appends "PASS|FAIL|SKIP<TAB>LABEL-METHOD/Class.test<TAB>why"
to RESULTS; the exit status is 1 if any FAIL, else 0.
"""

import inspect
import os
import sys
import types
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "python"))

import multiprocessing.managers  # noqa: E402
import shmdev  # noqa: E402
import shmdev._memory  # noqa: E402
from test import _test_multiprocessing as tm  # noqa: E402

# What the tests use of multiprocessing.shared_memory, from shmdev.  At
# module level, so that spawned children (which import this file as
# __mp_main__) get it too.
shim = types.ModuleType("shmdev as multiprocessing.shared_memory")
shim.SharedMemory = shmdev.SharedMemory
shim.ShareableList = shmdev.ShareableList
shim._USE_POSIX = True
shim._SHM_NAME_PREFIX = shmdev._memory._SHM_NAME_PREFIX
shim._make_filename = shmdev._memory._make_filename
tm.shared_memory = shim
multiprocessing.managers.SharedMemoryManager = shmdev.SharedMemoryManager

PRIVATE = ("_make_filename", "_posixshmem")


def private_patched(test):
    """The CPython private function that @test patches, or None."""
    try:
        src = inspect.getsource(getattr(test, test._testMethodName))
    except (OSError, TypeError):
        return None
    for name in PRIVATE:
        if "patch(" in src and name in src:
            return name
    return None


class Result(unittest.TestResult):
    """One outcome per test (a failing subtest fails its test)."""

    def __init__(self):
        super().__init__()
        self.outcome = {}

    def _set(self, test, status, why=""):
        if self.outcome.get(test, ("",))[0] != "FAIL":
            self.outcome[test] = (status, why)

    def _err(self, test, err):
        exc = err[1]
        self._set(test, "FAIL", ("%s: %s" % (type(exc).__name__, exc))
                  .replace("\n", " ").replace("\t", " ")[:300])

    def addSuccess(self, test):
        self._set(test, "PASS")

    def addFailure(self, test, err):
        self._err(test, err)

    def addError(self, test, err):
        self._err(test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            self._err(test, err)

    def addSkip(self, test, reason):
        self._set(test, "SKIP", reason)


def run(method, label, out):
    globs = {"__name__": "cpython_shm_" + method}
    tm.install_tests_in_module_dict(globs, method, only_type="processes")
    classes = [globs["WithProcessesTestSharedMemory"]]
    if hasattr(tm, "TestSharedMemoryNames"):
        classes.append(tm.TestSharedMemoryNames)
    suite = unittest.TestSuite(unittest.defaultTestLoader.loadTestsFromTestCase(c)
                               for c in classes)
    result = Result()
    globs["setUpModule"]()
    try:
        suite.run(result)
    finally:
        globs["tearDownModule"]()
    outcomes = list(result.outcome.items())
    # The tests that patch _make_filename once more, with shmdev's drawing
    # its names through CPython's: the rest of each test then runs too.
    again = [t for t, (status, _) in outcomes
             if status == "FAIL" and private_patched(t) == "_make_filename"]
    if again:
        import multiprocessing.shared_memory as cpython_shm
        saved = shmdev._memory._make_filename
        shmdev._memory._make_filename = lambda: cpython_shm._make_filename()
        rerun = Result()
        globs["setUpModule"]()
        try:
            for t in again:
                t2 = type(t)(t._testMethodName)
                t2.run(rerun)
                t2.forwarded = True
        finally:
            globs["tearDownModule"]()
            shmdev._memory._make_filename = saved
        outcomes += list(rerun.outcome.items())
    failed = 0
    for test, (status, why) in outcomes:
        patched = private_patched(test)
        forwarded = getattr(test, "forwarded", False)
        if status == "FAIL" and patched and not forwarded:
            status, why = "SKIP", ("patches CPython's private %s, which "
                                   "shmdev does not call (ran and failed: %s)"
                                   % (patched, why))
        failed += status == "FAIL"
        name = "%s-%s/%s.%s%s" % (label, method, type(test).__name__,
                                  test._testMethodName,
                                  "+names-drawn-by-cpython" if forwarded else "")
        out.write("%s\t%s\t%s\n" % (status, name, why))
        print("%s %s %s" % (status, name, why), flush=True)
    return failed


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: cpython-shm.py RESULTS LABEL")
    failed = 0
    with open(sys.argv[1], "a") as out:
        for method in ("fork", "spawn", "forkserver"):
            failed += run(method, sys.argv[2], out)
            out.flush()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
