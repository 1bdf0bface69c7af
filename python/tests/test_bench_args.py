# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench_seed.py refuses what it cannot run, and says why, before it
starts a pool: sizes that do not parse, counts below one, and more
iterations than int64 items can be doubled."""

import os
import subprocess
import sys
import unittest

from common import HERE

BENCH = os.path.join(os.path.dirname(HERE), "bench_seed.py")


def run(*args):
    p = subprocess.run([sys.executable, BENCH] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    return p.returncode, p.stderr


class BenchArgs(unittest.TestCase):
    def refused(self, args, words):
        rc, err = run(*args)
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

    def test_iterations_past_int64(self):
        # 98 << 53 still fits, with the 3 warm-up doublings: 54 does not.
        self.refused(["--sizes", "99", "--iterations", "54"],
                     ["--iterations 54", "N=99", "int64", "at most 53"])
        # The largest size sets the limit: 10**7 - 1 takes 24 bits.
        self.refused(["--sizes", "99,10000000", "--iterations", "39"],
                     ["N=10000000", "at most 38"])


if __name__ == "__main__":
    unittest.main()
