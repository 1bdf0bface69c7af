# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench_seed.py refuses what it cannot run, and says why, before it
starts a pool (sizes that do not parse, counts below one), and runs any
number of rounds, though each doubles every int64 item; bench_task.py
refuses what it cannot run too, and prints its three rows."""

import importlib.util
import multiprocessing as mp
import os
import subprocess
import sys
import unittest

import common
from common import HERE

BENCH = os.path.join(os.path.dirname(HERE), "bench_seed.py")
TASK = os.path.join(os.path.dirname(HERE), "bench_task.py")


def run(*args, script=BENCH):
    p = subprocess.run([sys.executable, script] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    return p.returncode, p.stderr


class BenchArgs(unittest.TestCase):
    def refused(self, args, words, script=BENCH):
        rc, err = run(*args, script=script)
        self.assertEqual(rc, 2, err)
        last = err.strip().splitlines()[-1]
        for w in words:
            self.assertIn(w, last)

    def test_sizes_not_a_list_of_ints(self):
        self.refused(["--sizes", "99,x"], ["could not parse --sizes", "99,x"])

    def test_counts_below_one(self):
        for args in (["--sizes", "0"], ["--workers", "0"],
                     ["--iterations", "0"]):
            with self.subTest(args=args):
                self.refused(args, ["must be positive"])

    def test_more_rounds_than_int64_doublings(self):
        # 99 items take 56 doublings: past them the items are checked
        # and set back, so 60 rounds (and the 3 warm-up ones) still end
        # with every path right.
        spec = importlib.util.spec_from_file_location("bench_seed", BENCH)
        bench = importlib.util.module_from_spec(spec)
        # The pool pickles its functions by module and name.
        sys.modules["bench_seed"] = bench
        self.addCleanup(sys.modules.pop, "bench_seed", None)
        spec.loader.exec_module(bench)
        self.assertEqual(bench.max_doublings(99), 56)
        backend = common.NAMED[0] if common.NAMED else None
        if backend is None:
            self.skipTest("no named backend under test (SHMDEV_TEST_BACKENDS)")
        names = ["plain", "shmdev-item", "shmdev-bulk"]
        with mp.get_context("fork").Pool(2) as pool:
            meds, ok = bench.measure(pool, 99, 2, backend, 60, names)
        self.assertEqual(ok, dict.fromkeys(names, True))
        self.assertEqual(sorted(meds), sorted(names))

    def test_task_refuses_what_it_cannot_run(self):
        for args, words in ((["--size", "1"], ["--size must be 2 or more"]),
                            (["--loops", "0"], ["--loops 1 or more"]),
                            (["--backend", "memfd"],
                             ["--backend 'memfd'", "attaches by name"]),
                            (["--size", "x"], ["invalid int value"])):
            with self.subTest(args=args):
                self.refused(args, words, script=TASK)

    def test_task_runs(self):
        if not common.NAMED:
            self.skipTest("no named backend under test (SHMDEV_TEST_BACKENDS)")
        p = subprocess.run([sys.executable, TASK, "--size", "5", "--loops",
                            "3", "--backend", common.NAMED[0]],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [line.split() for line in p.stdout.splitlines()[1:]]
        self.assertEqual([r[0] for r in rows], ["plain", "item", "attach"])
        # 0.00 is a time too: a guest kernel whose clock ticks by
        # jiffies times three short tasks as nothing.
        for r in rows:
            self.assertGreaterEqual(float(r[1]), 0, p.stdout)
            self.assertEqual(r[2], "us", p.stdout)


if __name__ == "__main__":
    unittest.main()
