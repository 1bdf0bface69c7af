#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libshmdev-mpi under Debian's Open MPI (mpirun --oversubscribe), several
# nodes simulated on this machine with SHMDEV_MPI_RANKS_PER_NODE: results
# verified, one region and one copy per node, a bad setting refused on
# every rank, a killed rank ending the job with an error instead of a
# hang, no region left; the bench's three ways once, verified; and the
# Python binding (shmdev.mpi over mpi4py).
#
# usage: mpi.sh RESULTS
set -u
results=$1
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
T=$B/tests/mpi/t_mpi_list
log=$B/mpi-tests.log
: > "$log"
res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; echo "$1: $2 ($3)"; }
# Root in a container or CI: Open MPI refuses it unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --oversubscribe --bind-to none)
shm_before=$(ls /dev/shm | grep -c '^shmdev\.mpi\.')

# run NAME RANKS RANKS_PER_NODE WANT ARGS...: one mpirun, WANT in its output
run() {
	local name=$1 n=$2 per=$3 want=$4 out rc
	shift 4
	out=$(timeout 300 "${MPIRUN[@]}" -n "$n" ${per:+-x SHMDEV_MPI_RANKS_PER_NODE=$per} \
		"$@" 2>&1)
	rc=$?
	echo "=== $name" >> "$log"
	echo "$out" >> "$log"
	if [ "$rc" -eq 0 ] && echo "$out" | grep -q -- "$want"; then
		res PASS "mpi/$name" "$(echo "$out" | grep -- "$want" | head -n 1)"
	else
		echo "$out" | tail -n 5
		res FAIL "mpi/$name" "exit $rc, want '$want', see $log"
	fi
}

run two-nodes 4 2 "ok nodes=2 regions=2 ranks=4" "$T" 1000000 3
run one-node 3 "" "ok nodes=1 regions=1 ranks=3" "$T" 999999 5
run four-nodes 4 1 "ok nodes=4 regions=4 ranks=4" "$T" 1000003 2
run uneven-nodes 5 2 "ok nodes=3 regions=3 ranks=5" "$T" 10007 4
run tiny-list 4 2 "ok nodes=2 regions=2 ranks=4" "$T" 1 6
run bad-root 4 2 "ok: gather to rank 4" "$T" 100 1 badroot

# Every rank refuses a bad node size, with the same error.
out=$(SHMDEV_MPI_RANKS_PER_NODE=two timeout 120 "${MPIRUN[@]}" -n 2 \
	-x SHMDEV_MPI_RANKS_PER_NODE "$T" 100 1 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && echo "$out" | grep -q "could not create the list: Invalid argument"; then
	res PASS mpi/bad-ranks-per-node "SHMDEV_MPI_RANKS_PER_NODE=two: Invalid argument, exit $rc"
else
	echo "$out" | tail -n 5
	res FAIL mpi/bad-ranks-per-node "exit $rc: $(echo "$out" | head -n 1)"
fi

# A rank killed inside apply: mpirun ends the job and says so, in seconds.
start=$(date +%s)
out=$(timeout 120 "${MPIRUN[@]}" -n 4 -x SHMDEV_MPI_RANKS_PER_NODE=2 "$T" 1000000 1 kill 2>&1)
rc=$?
secs=$(( $(date +%s) - start ))
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo "$out" | grep -q 'rank 1 .*signal 9'; then
	res PASS mpi/killed-rank "exit $rc in ${secs}s: rank 1 exited on signal 9"
else
	echo "$out" | tail -n 5
	res FAIL mpi/killed-rank "exit $rc after ${secs}s (124: hung)"
fi

shm_after=$(ls /dev/shm | grep -c '^shmdev\.mpi\.')
if [ "$shm_after" -le "$shm_before" ]; then
	res PASS mpi/nothing-left "no /dev/shm/shmdev.mpi.* left, also after the kill"
else
	res FAIL mpi/nothing-left "$((shm_after - shm_before)) regions left in /dev/shm"
fi

# mpi4py: shmdev.mpi over the same library.
PY=(-x SHMDEV_LIB="$B/libshmdev.so.0" -x PYTHONPATH="$top/python" /usr/bin/python3
    "$top/tests/mpi/t_mpi_python.py")
run python-two-nodes 4 2 "ok nodes=2 n=100003" "${PY[@]}" 100003
run python-one-node 3 "" "ok nodes=1 n=5" "${PY[@]}" 5

run bench 4 2 "shmdev .* yes" "$B/shmdev-mpi-bench" --sizes 100000,1M -i 3
if grep -A8 '^=== bench' "$log" | grep -q ' NO$'; then
	res FAIL mpi/bench-verified "a method's result was wrong, see $log"
fi
