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

and print seconds per iteration, and how many times faster shmdev-item is
than plain (item/plain above 1: sharing item by item pays).  Then the cost
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


def run_plain(pool, n, workers, iters):
    data = list(range(n))
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        parts = [data[lo:hi] for lo, hi in chunks(n, workers)]
        data = [x for part in pool.map(double_plain, parts) for x in part]
        times.append(time.perf_counter() - t0)
    return times, data[:3] == [0, 2 << (iters - 1), 4 << (iters - 1)] or n < 3


def run_cpython(pool, n, workers, iters):
    from multiprocessing import shared_memory
    sl = shared_memory.ShareableList(range(n))
    times = []
    try:
        for _ in range(iters):
            t0 = time.perf_counter()
            pool.map(double_cpython, [(sl.shm.name, lo, hi)
                                      for lo, hi in chunks(n, workers)])
            times.append(time.perf_counter() - t0)
        ok = n < 2 or sl[1] == 1 << iters
    finally:
        sl.shm.close()
        sl.shm.unlink()
    return times, ok


def run_shmdev_item(pool, n, workers, iters, backend):
    sl = shmdev.ShareableList(range(n), backend=backend)
    times = []
    try:
        for _ in range(iters):
            t0 = time.perf_counter()
            pool.map(double_shmdev_item, [(sl.shm.name, backend, lo, hi)
                                          for lo, hi in chunks(n, workers)])
            times.append(time.perf_counter() - t0)
        ok = n < 2 or sl[1] == 1 << iters
    finally:
        sl.shm.close()
        sl.shm.unlink()
    return times, ok


def run_shmdev_bulk(n, workers, iters, backend):
    t = shmdev.TypedList("q", size=n, backend=backend)
    view = t.buffer
    for i in range(min(n, 3)):
        view[i] = i
    times = []
    with shmdev.Pool(t, workers) as p:
        for _ in range(iters):
            t0 = time.perf_counter()
            p.map("mul", 2)
            times.append(time.perf_counter() - t0)
    ok = n < 2 or t[1] == 1 << iters
    del view
    if t.name:
        t.unlink()
    t.close()
    return times, ok


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
    ap.add_argument("--iterations", type=int, default=5)
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
    last = {p: None for p in paths}
    ctx = mp.get_context("fork")
    with ctx.Pool(a.workers) as pool:
        for n in sizes:
            row = []
            meds = {}
            for p in paths:
                est = None
                if last[p] is not None:
                    est = last[p][0] * n / last[p][1]
                if est and est > a.budget:
                    row.append("skip ~%s" % fmt(est / (a.iterations + 1)))
                    continue
                t0 = time.perf_counter()
                if p == "plain":
                    times, ok = run_plain(pool, n, a.workers, a.iterations)
                elif p == "cpython-sl":
                    times, ok = run_cpython(pool, n, a.workers, a.iterations)
                elif p == "shmdev-item":
                    times, ok = run_shmdev_item(pool, n, a.workers,
                                                a.iterations, backend)
                else:
                    times, ok = run_shmdev_bulk(n, a.workers, a.iterations,
                                                backend)
                med = statistics.median(times)
                last[p] = (time.perf_counter() - t0, n)
                meds[p] = med
                row.append(fmt(med) + ("" if ok else " WRONG"))
            ratio = ("%.2fx" % (meds["plain"] / meds["shmdev-item"])
                     if meds.get("plain") and meds.get("shmdev-item") else "-")
            print("%10d" % n + "".join("%16s" % c for c in row) + "%12s" % ratio,
                  flush=True)
    print("median seconds per iteration; 'skip ~T' is the estimated time of "
          "one iteration that --budget left out")
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
