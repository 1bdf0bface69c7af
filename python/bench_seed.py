#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The 2019 study's experiment, in one run: double every int of a list in
parallel by chunks, over

  plain        lists pickled to a multiprocessing.Pool and back
  cpython-sl   multiprocessing.shared_memory.ShareableList, each task
               attaching by name and doubling item by item (the study)
  shmdev-item  shmdev.ShareableList, the same per-task attach and per-item
               access
  shmdev-bulk  shmdev.TypedList doubled by a shmdev.Pool (workers attached
               once, C loop)

One iteration is one pool.map, timed in the parent from the call to the
result, with one task per chunk: for plain that includes slicing,
pickling both ways and joining the chunks; for the list paths each task
attaches by name, reads and writes each of its items, and closes.
Every iteration doubles every item; before they would pass int64 (what
the shared lists hold), they are checked and set back, off the clock,
so any number of rounds runs.

It prints the median seconds per iteration over interleaved rounds (in
each round every path does one iteration, in a rotating order, so that
a busy spell of the machine falls on all paths alike; after three
warm-up iterations, one from 10^6 items up), and how many
times faster shmdev-item is than plain (item/plain above 1: sharing item
by item pays).  Then the cost
of one item's get and set in one process, CPython's ShareableList against
shmdev's (its C extension, or pure Python without it).  A cell whose estimate (from the size
below it) exceeds --budget seconds is skipped and says so.

  python3 python/bench_seed.py [--sizes 99,999,...] [--workers P]
"""

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmdev  # noqa: E402

SIZES = [99, 999, 9999, 99999, 10**6, 10**7]


def chunks(n, parts):
    per = (n + parts - 1) // parts
    return [(i, min(n, i + per)) for i in range(0, n, per)]


def double_plain(chunk):
    return [x * 2 for x in chunk]


def double_cpython(args):
    from multiprocessing import shared_memory
    name, lo, hi = args
    sl = shared_memory.ShareableList(name=name)
    for i in range(lo, hi):
        sl[i] = sl[i] * 2
    sl.shm.close()


def double_shmdev_item(args):
    name, backend, lo, hi = args
    sl = shmdev.ShareableList(name=name, backend=backend)
    for i in range(lo, hi):
        sl[i] = sl[i] * 2
    sl.shm.close()


class Path:
    """One way of doing the job at one N: setup, one iteration (step),
    whether the result is right after k iterations, the items set back
    to what setup() made (reset), and teardown."""

    def __init__(self, pool, n, workers, backend):
        self.pool, self.n, self.workers, self.backend = pool, n, workers, backend
        self.parts = chunks(n, workers)

    def ok(self, k):
        return self.n < 2 or self.value(1) == 1 << k

    def close(self):
        pass


class Plain(Path):
    def setup(self):
        self.data = list(range(self.n))

    reset = setup

    def step(self):
        parts = [self.data[lo:hi] for lo, hi in self.parts]
        self.data = [x for part in self.pool.map(double_plain, parts)
                     for x in part]

    def value(self, i):
        return self.data[i]


class CPythonList(Path):
    def setup(self):
        from multiprocessing import shared_memory
        self.sl = shared_memory.ShareableList(range(self.n))
        self.args = [(self.sl.shm.name, lo, hi) for lo, hi in self.parts]

    def step(self):
        self.pool.map(double_cpython, self.args)

    def value(self, i):
        return self.sl[i]

    def reset(self):
        for i in range(self.n):
            self.sl[i] = i

    def close(self):
        self.sl.shm.close()
        self.sl.shm.unlink()


class ShmdevItem(CPythonList):
    def setup(self):
        self.sl = shmdev.ShareableList(range(self.n), backend=self.backend)
        self.args = [(self.sl.shm.name, self.backend, lo, hi)
                     for lo, hi in self.parts]

    def step(self):
        self.pool.map(double_shmdev_item, self.args)


class ShmdevBulk(Path):
    def setup(self):
        self.t = shmdev.TypedList("q", size=self.n, backend=self.backend)
        self.reset()
        self.p = shmdev.Pool(self.t, self.workers)
        self.p.__enter__()

    def step(self):
        self.p.map("mul", 2)

    def reset(self):
        # The first items only: the others are zeros, which stay zeros.
        view = self.t.buffer
        for i in range(min(self.n, 3)):
            view[i] = i
        del view

    def value(self, i):
        return self.t[i]

    def close(self):
        self.p.__exit__(None, None, None)
        if self.t.name:
            self.t.unlink()
        self.t.close()


PATHS = {"plain": Plain, "cpython-sl": CPythonList,
         "shmdev-item": ShmdevItem, "shmdev-bulk": ShmdevBulk}


def warm_up(n):
    """Warm-up iterations at @n items."""
    return 3 if n < 10**6 else 1


def max_doublings(n):
    """How many iterations @n items take before they are set back: each
    doubles every item, and the shared lists hold int64 (the largest
    item starts at n - 1)."""
    return 63 - (n - 1).bit_length()


def measure(pool, n, workers, backend, rounds, names):
    """Median seconds per iteration of each path in @names, over @rounds
    rounds; in each round every path does one iteration, in an order
    that rotates, so that a slow spell of the machine hits all alike."""
    paths = {p: PATHS[p](pool, n, workers, backend) for p in names}
    times = {p: [] for p in names}
    # Warm-up iterations, so that every worker has done its first task
    # (the first attach, the copy-on-write faults after fork) before the
    # clock runs: a pool hands tasks to whichever worker is free.
    # Past max_doublings() a path's items are checked and set back,
    # outside the clock, so that any number of rounds fits in int64.
    warm, most = warm_up(n), max_doublings(n)
    done = dict.fromkeys(names, warm)
    ok = dict.fromkeys(names, True)
    made = []
    try:
        for p in names:
            paths[p].setup()
            made.append(p)
            for _ in range(warm):
                paths[p].step()
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for p in order:
                if done[p] == most:
                    ok[p] = ok[p] and paths[p].ok(done[p])
                    paths[p].reset()
                    done[p] = 0
                t0 = time.perf_counter()
                paths[p].step()
                times[p].append(time.perf_counter() - t0)
                done[p] += 1
        ok = {p: ok[p] and paths[p].ok(done[p]) for p in names}
    finally:
        # Only what was made: an error in a setup is the one to see.
        for p in made:
            paths[p].close()
    return {p: statistics.median(times[p]) for p in names}, ok


def per_item(n=100000):
    """ns per get and per set over n items, CPython's list and shmdev's."""
    from multiprocessing import shared_memory
    out = {}
    for label, make in (("cpython-sl", shared_memory.ShareableList),
                        ("shmdev", shmdev.ShareableList)):
        sl = make(range(n))
        best_get = best_set = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for i in range(n):
                sl[i]
            best_get = min(best_get, time.perf_counter() - t0)
            t0 = time.perf_counter()
            for i in range(n):
                sl[i] = i
            best_set = min(best_set, time.perf_counter() - t0)
        sl.shm.close()
        sl.shm.unlink()
        out[label] = (best_get / n * 1e9, best_set / n * 1e9)
    return out


def fmt(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return "%.1f us" % (s * 1e6)
    if s < 1:
        return "%.2f ms" % (s * 1e3)
    return "%.2f s" % s


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--iterations", type=int, default=9,
                    help="rounds: each path does one iteration per round")
    ap.add_argument("--budget", type=float, default=60.0,
                    help="skip a cell estimated to take longer (seconds)")
    ap.add_argument("--backend", default=None,
                    help="shmdev backend for the named lists (default: "
                         "kernel if /dev/shmlist, else posix)")
    a = ap.parse_args()
    try:
        sizes = [int(x) for x in a.sizes.split(",")]
    except ValueError:
        ap.error("could not parse --sizes %r" % a.sizes)
    if any(s < 1 for s in sizes) or a.workers < 1 or a.iterations < 1:
        ap.error("sizes, workers and iterations must be positive")
    # Per-task attach by name needs a named backend: memfd has none.
    backend = a.backend or ("kernel" if os.path.exists("/dev/shmlist") else "posix")
    warnings.simplefilter("ignore")
    paths = ["plain", "cpython-sl", "shmdev-item", "shmdev-bulk"]
    print("seed experiment: double every int of a list, %d workers, %d "
          "iterations, shmdev backend %s, Python %s" %
          (a.workers, a.iterations, backend, sys.version.split()[0]))
    print("%10s" % "N" + "".join("%16s" % p for p in paths) + "%12s" % "item/plain")
    last = {}
    ctx = mp.get_context("fork")
    with ctx.Pool(a.workers) as pool:
        for n in sizes:
            # A path whose estimate (from the size below) exceeds the
            # budget sits this size out.
            run = [p for p in paths if p not in last or
                   last[p] * n * (a.iterations + 1) <= a.budget]
            meds, ok = measure(pool, n, a.workers, backend, a.iterations, run)
            for p in run:
                last[p] = meds[p] / n
            row = [fmt(meds[p]) + ("" if ok[p] else " WRONG") if p in meds
                   else "skip ~%s" % fmt(last[p] * n) for p in paths]
            ratio = ("%.2fx" % (meds["plain"] / meds["shmdev-item"])
                     if meds.get("plain") and meds.get("shmdev-item") else "-")
            print("%10d" % n + "".join("%16s" % c for c in row) + "%12s" % ratio,
                  flush=True)
    print("median seconds per iteration over %d interleaved rounds; 'skip ~T' "
          "is the estimated time of one iteration that --budget left out"
          % a.iterations)
    import shmdev._sharable as impl
    kind = "C extension" if impl._View.__module__ == "shmdev._speedups" else "pure Python"
    items = per_item()
    c, d = items["cpython-sl"], items["shmdev"]
    print("\nper item, one process, 100,000 items (shmdev: %s):" % kind)
    print("%12s %10s %10s" % ("", "get", "set"))
    for label, (g, st) in items.items():
        print("%12s %8.0f ns %8.0f ns" % (label, g, st))
    print("%12s %9.1fx %9.1fx" % ("speed-up", c[0] / d[0], c[1] / d[1]))


if __name__ == "__main__":
    main()
