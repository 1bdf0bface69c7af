#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: run "shmdev bench" for real on this machine.  With
# /dev/shmlist present every path runs here.  Without it, the other paths
# run here and the shmlist path runs in the QEMU guest of the test harness
# (with the others beside it, for comparison), every guest figure labelled
# as emulated: emulated times compare only with each other.
#
# Then "shmdev bench --ops": what create, open, map and unlink cost
# against the number of live regions, here and (for the kernel backend)
# in the guest; and "shmdev bench --bell": the doorbell's wake-up latency
# against eventfd and futex, where the module is (the guest here).
#
# BENCH_ARGS     extra arguments for both runs (e.g. --sizes 99,999)
# GUEST_BENCH_ARGS  extra arguments for the guest run
# OPS_ARGS       arguments for both --ops runs (e.g. --live 0,3500)
# BELL_ARGS      arguments for the --bell run (e.g. --trips 2000)
# Results: build/bench/{native,guest}.{txt,csv,svg}, ops-{native,guest}.txt,
# bell-guest.txt (bell-native.txt with the module)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
BENCH_ARGS=${BENCH_ARGS:-}

echo "=== bench on this machine ($(nproc) CPUs)"
# shellcheck disable=SC2086
build/shmdev bench --plot "$out/native.svg" --csv-file "$out/native.csv" \
	$BENCH_ARGS | tee "$out/native.txt"
echo "=== bench --ops on this machine"
# shellcheck disable=SC2086
build/shmdev bench --ops ${OPS_ARGS:-} | tee "$out/ops-native.txt"

if [ -e /dev/shmlist ]; then
	echo "=== bench --bell on this machine"
	build/shmdev bench --bell ${BELL_ARGS:-} | tee "$out/bell-native.txt"
	echo "bench: /dev/shmlist is here; the shmlist path ran natively above"
	exit 0
fi

echo "=== /dev/shmlist is missing here: the shmlist path runs in the QEMU guest"
kver=$(tests/guest-kver.sh) || { echo "shmdev: could not find a guest kernel (linux-image-amd64 and linux-headers-amd64)" >&2; exit 1; }
make -s KDIR="/lib/modules/$kver/build" all tests
work=$top/build/bench/guest-work
r=$work/results.txt
mkdir -p "$work"
: > "$r"
tests/dkms.sh "$kver" "$work/dkms" "$r" > /dev/null
label="emulated: QEMU TCG guest, compare only within this run"
cat > "$work/cmd" <<CMD
#!/bin/sh
set -e
# stderr is a terminal there: keep the progress line out of the results.
shmdev bench --label "$label" --setup-bytes 64M --plot /tmp/guest.svg \
	--csv-file /tmp/guest.csv ${GUEST_BENCH_ARGS:-$BENCH_ARGS} 2>/tmp/err
shmdev bench --ops ${OPS_ARGS:-} > /tmp/ops.txt 2>>/tmp/err
shmdev bench --bell ${BELL_ARGS:-} > /tmp/bell.txt 2>>/tmp/err
echo "=== csv"
cat /tmp/guest.csv
echo "=== svg"
cat /tmp/guest.svg
echo "=== ops"
cat /tmp/ops.txt
echo "=== bell"
cat /tmp/bell.txt
echo "=== stderr"
tr '\r' '\n' < /tmp/err | grep -v '^ *\[' || true
CMD
GUEST_KVER=$kver MODTREE=$work/dkms/inst GUEST_CMD=$work/cmd \
	GUEST_TIMEOUT=${GUEST_TIMEOUT:-3000} tests/vm/run-guest.sh "$work/vm" "$r" ||
	{ echo "shmdev: could not run the bench in the guest; see $work/vm" >&2; exit 1; }
tr -d '\r' < "$work/vm/tests.log" > "$work/log"
sed -n '1,/^=== csv$/p' "$work/log" | sed '$d' | tee "$out/guest.txt"
sed -n '/^=== csv$/,/^=== svg$/p' "$work/log" | sed '1d;$d' > "$out/guest.csv"
sed -n '/^=== svg$/,/^=== ops$/p' "$work/log" | sed '1d;$d' > "$out/guest.svg"
sed -n '/^=== ops$/,/^=== bell$/p' "$work/log" | sed '1d;$d' | tee "$out/ops-guest.txt"
sed -n '/^=== bell$/,/^=== stderr$/p' "$work/log" | sed '1d;$d' | tee "$out/bell-guest.txt"
sed -n '/^=== stderr$/,$p' "$work/log" | sed '1d' >&2
echo "bench: results in $out (native.*, guest.*)"
