#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libshmdev-mpi under Debian's Open MPI (mpirun --oversubscribe), several
# nodes simulated on this machine with SHMDEV_MPI_RANKS_PER_NODE: results
# verified, one region and one copy per node, a bad or differing setting
# and a bad argument on some ranks refused alike on every rank (C and
# Python), within seconds, a killed rank ending the job with an error instead of a
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

# same NAME RANKS WANT CMD...: one mpirun where every rank must print the
# same error line ("rank R: ..."), containing WANT, within 60 s: a wrong
# setting or argument on some ranks only must fail them all, never hang.
same() {
	local name=$1 n=$2 want=$3 out rc start secs lines distinct
	shift 3
	start=$(date +%s)
	out=$(timeout 60 "${MPIRUN[@]}" -n "$n" "$@" 2>&1)
	rc=$?
	secs=$(( $(date +%s) - start ))
	echo "=== $name" >> "$log"
	echo "$out" >> "$log"
	lines=$(echo "$out" | grep -cE '^rank [0-9]+: ')
	distinct=$(echo "$out" | grep -E '^rank [0-9]+: ' | sed -E 's/^rank [0-9]+: //' |
		sort -u | wc -l)
	if [ "$rc" -ne 124 ] && [ "$lines" -eq "$n" ] && [ "$distinct" -eq 1 ] &&
	   echo "$out" | grep -qF -- "$want"; then
		res PASS "mpi/$name" "${secs}s, on all $n ranks: $(echo "$out" |
			grep -E '^rank 0: ' | sed -E 's/^rank 0: //' | cut -c1-150)"
	else
		echo "$out" | tail -n 8
		res FAIL "mpi/$name" "exit $rc after ${secs}s (124: hung), $lines of $n ranks answered, $distinct different answers, want '$want'"
	fi
}

T_ENV=("$top/tests/mpi/rank-env.sh")
same bad-ranks-per-node 2 "SHMDEV_MPI_RANKS_PER_NODE='two': not a number of ranks" \
	-x SHMDEV_MPI_RANKS_PER_NODE=two "$T" 100 1
same ranks-per-node-on-some-ranks 4 \
	"SHMDEV_MPI_RANKS_PER_NODE differs between ranks: '2' on ranks 0-1; unset on ranks 2-3" \
	"${T_ENV[@]}" SHMDEV_MPI_RANKS_PER_NODE 2,2,, "$T" 100 1
same ranks-per-node-differs 4 \
	"SHMDEV_MPI_RANKS_PER_NODE differs between ranks: '2' on ranks 0,2; '1' on ranks 1,3" \
	"${T_ENV[@]}" SHMDEV_MPI_RANKS_PER_NODE 2,1,2,1 "$T" 100 1
same ranks-per-node-2211 4 \
	"SHMDEV_MPI_RANKS_PER_NODE differs between ranks: '2' on ranks 0-1; '1' on ranks 2-3" \
	"${T_ENV[@]}" SHMDEV_MPI_RANKS_PER_NODE 2,2,1,1 "$T" 100 1
same backend-on-one-rank 3 "SHMDEV_BACKEND differs between ranks: unset on ranks 0-1; 'posix' on rank 2" \
	"${T_ENV[@]}" SHMDEV_BACKEND ,,posix "$T" 100 1
same bad-backend 2 "SHMDEV_BACKEND='nosuch': not one of kernel, memfd, sysv, posix" \
	-x SHMDEV_BACKEND=nosuch "$T" 100 1
same huge-length 2 "length 18446744073709551615: more than 1152921504606846975 elements" \
	"$T" 18446744073709551615 1
same null-root-buffer 3 "rank 0: scatter: the root's buffer is NULL" "$T" 100 1 nullbuf

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
PYENV=(-x SHMDEV_LIB="$B/libshmdev.so.0" -x SHMDEV_MPI_LIB="$B/libshmdev-mpi.so.0"
       -x PYTHONPATH="$top/python")
PY=("${PYENV[@]}" /usr/bin/python3 "$top/tests/mpi/t_mpi_python.py")
run python-two-nodes 4 2 "ok nodes=2 n=100003" "${PY[@]}" 100003
run python-one-node 3 "" "ok nodes=1 n=5" "${PY[@]}" 5

# Python: an argument wrong on one rank is the same exception on all.
PYE=(/usr/bin/python3 "$top/tests/mpi/t_mpi_errors.py")
same python-length-2**64 3 "OverflowError: shmdev.mpi: rank 0: length 18446744073709551616: more than" \
	"${PYENV[@]}" "${PYE[@]}" huge
same python-length-2**64+7 2 "OverflowError: shmdev.mpi: rank 0: length 18446744073709551623: more than" \
	"${PYENV[@]}" "${PYE[@]}" huge7
same python-length-differs 3 "ValueError: shmdev.mpi: could not create the distributed list: the length argument differs between ranks: 10 on rank 0; 11 on rank 1; 12 on rank 2" \
	"${PYENV[@]}" "${PYE[@]}" lendiffers
same python-scatter-none-on-root 3 "TypeError: shmdev.mpi: rank 0: scatter: no data on the root" \
	"${PYENV[@]}" "${PYE[@]}" nodata
same python-scatter-short-on-root 3 "ValueError: shmdev.mpi: rank 0: scatter wants 10 elements, not 3" \
	"${PYENV[@]}" "${PYE[@]}" shortdata
same python-gather-root-differs 3 "ValueError: shmdev.mpi: could not gather: the root argument of gather differs between ranks: 0 on ranks 0,2; 1 on rank 1" \
	"${PYENV[@]}" "${PYE[@]}" badroot
same python-apply-bad-chunk 3 "ValueError: shmdev.mpi: rank 2: chunk -1: less than 0" \
	"${PYENV[@]}" "${PYE[@]}" badchunk
same python-ranks-per-node-on-some-ranks 4 \
	"ValueError: shmdev.mpi: could not create the distributed list: SHMDEV_MPI_RANKS_PER_NODE differs between ranks: unset on ranks 0-1; '2' on ranks 2-3" \
	"${PYENV[@]}" "${T_ENV[@]}" SHMDEV_MPI_RANKS_PER_NODE ,,2,2 "${PYE[@]}" create 100

run bench 4 2 "shmdev .* yes" "$B/shmdev-mpi-bench" --sizes 100000,1M -i 3
if grep -A8 '^=== bench' "$log" | grep -q ' NO$'; then
	res FAIL mpi/bench-verified "a method's result was wrong, see $log"
fi

# make install-mpi into a prefix that does not exist yet.
fresh=$(mktemp -d)
if out=$(make -s -C "$top" install-mpi PREFIX="$fresh/new/prefix" 2>&1) &&
   [ -x "$fresh/new/prefix/bin/shmdev-mpi-bench" ] &&
   [ -f "$fresh/new/prefix/include/shmdev-mpi.h" ] &&
   [ -e "$fresh/new/prefix/lib/libshmdev-mpi.so.0" ]; then
	res PASS mpi/install-fresh-prefix "make install-mpi PREFIX=<new directory>: bin, include, lib made"
else
	echo "$out" | tail -n 5
	res FAIL mpi/install-fresh-prefix "make install-mpi into a new prefix: $(echo "$out" | tail -n 1)"
fi
rm -rf "$fresh"
# The .pc files name the PREFIX of the last make: not the scratch one.
make -s -C "$top" mpi > /dev/null 2>&1
