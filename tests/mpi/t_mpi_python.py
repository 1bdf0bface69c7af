# SPDX-License-Identifier: GPL-2.0
"""shmdev.mpi under mpirun: scatter, apply, gather, verified; one region
per node, shared by its ranks (their arrays see each other's writes)."""

import sys

import numpy
from mpi4py import MPI

from shmdev.mpi import DistributedList

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
n = int(sys.argv[1]) if len(sys.argv) > 1 else 100003
with DistributedList(comm, "q", n) as dl:
    node, nodes = dl.node
    dl.scatter(0, numpy.arange(n, dtype="q") if rank == 0 else None)
    for _ in range(3):
        dl.apply("mul", 2)
    dl.apply("add", 1)
    # The node's ranks share one array: a write by one is seen by all.
    ncomm = comm.Split(node, rank)
    if ncomm.Get_rank() == 0 and dl.node_len:
        dl.array[0] = -7
    ncomm.Barrier()
    seen = dl.array[0] if dl.node_len else -7
    ok = comm.allreduce(int(seen == -7), op=MPI.MIN)
    if ncomm.Get_rank() == 0 and dl.node_len:
        dl.array[0] = dl.node_first * 8 + 1
    ncomm.Free()
    whole = dl.gather(0)
    if rank == 0:
        want = numpy.arange(n, dtype="q") * 8 + 1
        good = ok and numpy.array_equal(whole, want)
        print("%s nodes=%d n=%d" % ("ok" if good else "FAIL", nodes, n))
        sys.exit(0 if good else 1)
