#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What one task of bench_seed.py costs a worker, in one process, with
no pool: the floor under item/plain at small N.

  plain    a chunk of the list pickled, unpickled, doubled, and the
           result pickled and unpickled (what the pool does with it)
  item     the task's arguments pickled and unpickled, then
           ShareableList(name=...), each item read and written, close()
  attach   the same without the items: the attach by name and close()

The list has N items and a task takes the first half, as each of
bench_seed's two workers does.  The first attach maps the block, as a
worker's first task does; the loops then reuse what close() kept.
Items are multiplied by 1, so that any number of loops fits in int64.
Prints the best of five loops of --loops tasks, in microseconds.

  python3 python/bench_task.py [--size N] [--loops L] [--backend B]
"""

import argparse
import os
import pickle
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shmdev  # noqa: E402


def item_task(args):
    name, backend, lo, hi = args
    sl = shmdev.ShareableList(name=name, backend=backend)
    for i in range(lo, hi):
        sl[i] = sl[i] * 1
    sl.shm.close()


def attach_task(args):
    name, backend, lo, hi = args
    sl = shmdev.ShareableList(name=name, backend=backend)
    sl.shm.close()


def through(obj):
    return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=99)
    ap.add_argument("--loops", type=int, default=2000)
    ap.add_argument("--backend", default=None,
                    help="kernel if /dev/shmlist, else posix")
    a = ap.parse_args()
    if a.size < 2 or a.loops < 1:
        ap.error("--size must be 2 or more and --loops 1 or more")
    backend = a.backend or ("kernel" if os.path.exists("/dev/shmlist") else "posix")
    if backend not in ("kernel", "posix", "sysv"):
        ap.error("--backend %r: a task attaches by name, so kernel, posix "
                 "or sysv" % backend)
    data = list(range(a.size))
    sl = shmdev.ShareableList(data, backend=backend)
    try:
        half = (a.size + 1) // 2
        args = (sl.shm.name, backend, 0, half)
        tasks = {
            "plain": lambda: through([x * 1 for x in through(data[:half])]),
            "item": lambda: item_task(through(args)),
            "attach": lambda: attach_task(through(args)),
        }
        item_task(args)
        print("one task of %d items of %d, backend %s, Python %s" %
              (half, a.size, backend, sys.version.split()[0]))
        for label, task in tasks.items():
            best = float("inf")
            for _ in range(5):
                t0 = time.perf_counter()
                for _ in range(a.loops):
                    task()
                best = min(best, (time.perf_counter() - t0) / a.loops)
            print("%8s %8.2f us" % (label, best * 1e6))
    finally:
        sl.shm.close()
        sl.shm.unlink()


if __name__ == "__main__":
    main()
