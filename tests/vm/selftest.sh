#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that the guest harness fails when it should: boot the guest once per
# fault, with the fault injected through SHMDEV_INJECT (off in normal runs),
# and check that the run fails for the right reason.
#
# usage: selftest.sh WORKDIR RESULTS   (environment as for run-guest.sh; the
# initramfs in WORKDIR is reused)
set -u
work=$1
results=$2
here=$(cd "$(dirname "$0")" && pwd)
failed=0

# fault -> what the failing run must report
faults=(
	"test-fail|FAIL	guest/inject_fail	exit status 1"
	"test-hang|FAIL	guest/inject_hang	timed out"
	"guest-hang|FAIL	guest/boot	.*hang"
	"panic|FAIL	guest/boot	.*panic or crash"
	"bug|FAIL	guest/inject_bug	kernel splat: .*BUG:"
	"warning|FAIL	guest/inject_warning	kernel splat: .*WARNING:"
	"lockdep|FAIL	guest/inject_lockdep	kernel splat: .*circular locking"
	"rcu|FAIL	guest/inject_rcu	kernel splat: .*detected stalls"
	"hung-task|FAIL	guest/inject_hung	kernel splat: .*blocked for more than"
)
for f in "${faults[@]}"; do
	fault=${f%%|*}
	want=${f#*|}
	scratch=$work/selftest-$fault.txt
	: > "$scratch"
	timeout=180
	[ "$fault" = guest-hang ] && timeout=30
	REUSE_INITRAMFS=1 SHMDEV_ONLY=t_info SHMDEV_INJECT=$fault \
		GUEST_TIMEOUT=$timeout "$here/run-guest.sh" "$work" "$scratch" \
		> "$work/selftest-$fault.log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -qE "^$want" "$scratch"; then
		printf 'PASS\tselftest/%s\tharness failed the run as it should\n' "$fault" >> "$results"
		echo "PASS: selftest/$fault"
	else
		printf 'FAIL\tselftest/%s\tharness missed the fault (exit %d)\n' "$fault" "$rc" >> "$results"
		echo "FAIL: selftest/$fault (exit $rc); it reported:"
		cat "$scratch"
		failed=1
	fi
done
exit $failed
