# SPDX-License-Identifier: GPL-2.0
"""shmdev.mpi's argument errors under mpirun: every rank must raise the
same exception, none may hang.  Each rank prints one line,
"rank R: ExceptionType: message" (or "rank R: no error"), and exits 0;
tests/mpi.sh compares the lines of all ranks.

usage: t_mpi_errors.py create N | huge | huge7 | lendiffers | nodata |
       shortdata | badroot | badchunk"""

import sys

import numpy
from mpi4py import MPI

from shmdev.mpi import DistributedList

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
case = sys.argv[1]


def run():
    if case == "create":
        DistributedList(comm, "q", int(sys.argv[2])).free()
    elif case == "huge":
        DistributedList(comm, "q", 2**64)
    elif case == "huge7":
        DistributedList(comm, "q", 2**64 + 7)
    elif case == "lendiffers":  # 10 + rank elements: a different list each
        DistributedList(comm, "q", 10 + rank)
    else:
        with DistributedList(comm, "q", 10) as dl:
            if case == "nodata":      # None on the root only
                dl.scatter(0, None)
            elif case == "shortdata":  # 3 elements for 10, on the root
                dl.scatter(0, numpy.arange(3) if rank == 0 else None)
            elif case == "badroot":   # rank 1 names another root
                dl.gather(1 if rank == 1 else 0)
            elif case == "badchunk":  # a bad chunk on the last rank only
                dl.apply("mul", 2, chunk=-1 if rank == comm.size - 1 else 0)


try:
    run()
    line = "rank %d: no error\n" % rank
except Exception as e:  # noqa: BLE001: the test reports any exception
    line = "rank %d: %s: %s\n" % (rank, type(e).__name__, e)
# One write: mpirun must not mix two ranks' lines.
sys.stdout.write(line)
sys.stdout.flush()
