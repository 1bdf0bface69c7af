#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every kernel test program in a directory, each under its own timeout,
# and fail a test that leaves a kernel splat in the log.  The same script runs
# inside the QEMU guest (busybox sh) and on a real machine (make check-host).
#
# usage: runner.sh BINDIR [RESULTS]
# RESULTS gets one line per test: "PASS|FAIL|SKIP<TAB>guest/NAME<TAB>reason".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# SHMDEV_TEST_TIMEOUT   seconds per test (default 300)
# SHMDEV_INJECT         harness self-test faults, off by default (see
#                       tests/vm/selftest.sh); never set it in normal runs

dir=$1
results=${2:-/dev/stdout}
timeout_s=${SHMDEV_TEST_TIMEOUT:-300}
inject=${SHMDEV_INJECT:-}
here=$(cd "$(dirname "$0")" && pwd)
SPLAT=$(cat "$here/splat.re")

failed=0
tmp=${TMPDIR:-/tmp}/shmdev-runner.$$
mkdir -p "$tmp" || exit 1

# Kernel messages since the last "begin" marker of test $1.
since_marker() {
	dmesg 2>/dev/null | sed -n "/shmdev-test: begin $1\$/,\$p"
}

result() {
	printf '%s\tguest/%s\t%s\n' "$1" "$2" "$3" >> "$results"
	echo "$1: $2${3:+ ($3)}"
}

# t_python runs the binding's whole suite (subprocesses of several
# CPythons, over 9p): about 140 s here, and twice that on a busy machine.
test_timeout() {
	case $1 in
	t_python) echo $(( timeout_s * 3 )) ;;
	*) echo "$timeout_s" ;;
	esac
}

run_one() {
	name=$1
	shift
	limit=$(test_timeout "$name")
	echo "shmdev-test: begin $name" > /dev/kmsg
	echo "=== $name"
	start=$(date +%s)
	timeout -s KILL "$limit" "$@" > "$tmp/out" 2>&1
	rc=$?
	elapsed=$(( $(date +%s) - start ))
	cat "$tmp/out"
	echo "shmdev-test: end $name" > /dev/kmsg
	splat=$(since_marker "$name" | grep -E "$SPLAT" | head -n 3)
	if [ -n "$splat" ]; then
		echo "$splat"
		result FAIL "$name" "kernel splat: $(echo "$splat" | head -n 1 | tr '\t' ' ')"
		failed=1
	elif [ "$rc" -ne 0 ] && [ "$elapsed" -ge "$limit" ]; then
		result FAIL "$name" "timed out after ${limit}s"
		failed=1
	elif [ "$rc" -eq 0 ]; then
		result PASS "$name" "${elapsed}s"
	elif [ "$rc" -eq 77 ]; then
		result SKIP "$name" "$(grep -i skip "$tmp/out" | tail -n 1)"
	else
		# The first failed check names the cause in the summary,
		# which is often all that a CI log keeps.
		why=$(grep -m 1 -E '^(FAIL|FAILED|ERROR)' "$tmp/out" |
		      tr '\t' ' ' | cut -c 1-200)
		result FAIL "$name" "exit status $rc${why:+: $why}"
		failed=1
	fi
}

for t in "$dir"/t_*; do
	[ -x "$t" ] || continue
	if [ -n "${SHMDEV_ONLY:-}" ]; then
		# Globs, separated by commas.
		want=0
		for g in $(echo "$SHMDEV_ONLY" | tr ',' ' '); do
			case ${t##*/} in
			$g) want=1 ;;
			esac
		done
		[ "$want" = 1 ] || continue
	fi
	run_one "${t##*/}" "$t"
done

# Harness self-test faults.  Each makes the run fail in its own way.
emit() { echo "$1" > /dev/kmsg; }
case $inject in
'') ;;
test-fail)	run_one inject_fail false ;;
test-hang)	timeout_s=5 run_one inject_hang sleep 100000 ;;
bug)		run_one inject_bug sh -c 'echo "BUG: kernel NULL pointer dereference, address: 0000000000000000" > /dev/kmsg' ;;
warning)	run_one inject_warning sh -c 'echo "WARNING: CPU: 0 PID: 1 at kmod/main.c:1 shmdev_inject+0x0/0x10 [shmdev]" > /dev/kmsg' ;;
lockdep)	run_one inject_lockdep sh -c 'echo "WARNING: possible circular locking dependency detected" > /dev/kmsg' ;;
rcu)		run_one inject_rcu sh -c 'echo "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:" > /dev/kmsg' ;;
hung-task)	run_one inject_hung sh -c 'echo "INFO: task t_region:123 blocked for more than 120 seconds." > /dev/kmsg' ;;
*)		;;	# the guest's init handles the others
esac

rm -rf "$tmp"
exit $failed
