#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the one test command.  Installs what it needs (as root), builds
# with -Werror, lints, runs the unit tests (plain and under ASan/UBSan),
# builds and installs the module with DKMS, boots it in a QEMU guest, runs
# the kernel tests there and proves the harness catches faults and each
# reliability suite its mutant (tests/mutants.sh).  Ends with
# "N passed, N failed, N skipped".
#
# GUEST_KVER picks the guest kernel (default: the newest installed
# /boot/vmlinuz-* with matching headers); GUEST_KERNEL, GUEST_MODDIR and KDIR
# may point elsewhere.  SHMDEV_SKIP_SELFTEST=1 leaves out the harness
# self-test and SHMDEV_SKIP_MUTANTS=1 the mutants (each counted as skipped).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=build
C=$B/check
mkdir -p "$C"
R=$C/results.txt
T=$C/times.txt
: > "$R"
: > "$T"

phase() {
	local name=$1 start rc
	shift
	echo "=== $name"
	start=$(date +%s)
	"$@"
	rc=$?
	printf '%-10s %4ds\n' "$name" $(( $(date +%s) - start )) >> "$T"
	return $rc
}

summary() {
	local p f s
	echo
	echo "=== phase times"
	cat "$T"
	if grep -q '^SKIP' "$R"; then
		echo "=== skipped"
		grep '^SKIP' "$R" | cut -f2- | tr '\t' ' '
	fi
	if grep -q '^FAIL' "$R"; then
		echo "=== failed"
		grep '^FAIL' "$R" | cut -f2- | tr '\t' ' '
	fi
	p=$(grep -c '^PASS' "$R")
	f=$(grep -c '^FAIL' "$R")
	s=$(grep -c '^SKIP' "$R")
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
}

res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$R"; }

phase deps tests/deps.sh || { res FAIL deps "missing packages"; summary; exit 1; }

GUEST_KVER=$(tests/guest-kver.sh)
if [ -z "${GUEST_KVER:-}" ]; then
	res FAIL guest "no kernel image with matching headers (linux-image-amd64, linux-headers-amd64)"
	summary
	exit 1
fi
export GUEST_KVER
KDIR=${KDIR:-/lib/modules/$GUEST_KVER/build}
echo "guest kernel: $GUEST_KVER, headers: $KDIR"

if phase build make -s -j2 KDIR="$KDIR" all tests; then
	res PASS build/werror "module, library, tool and tests built (-Wall -Wextra -Werror)"
else
	res FAIL build/werror "build failed"
	summary
	exit 1
fi
phase lint tests/lint.sh "$KDIR" "$R"
phase install tests/install.sh "$R"
phase unit tests/unit.sh "$R"
phase tool tests/tool.sh "$R"
phase python tests/python.sh "$R"
phase fuzz tests/fuzz.sh "${FUZZ_SECONDS:-20}" "$R"

work=$(pwd)/$C/guest-$GUEST_KVER
if phase dkms tests/dkms.sh "$GUEST_KVER" "$C/dkms" "$R"; then
	export MODTREE=$(pwd)/$C/dkms/inst
	phase guest tests/vm/run-guest.sh "$work" "$R"
	if [ -n "${SHMDEV_SKIP_SELFTEST:-}" ]; then
		res SKIP selftest "SHMDEV_SKIP_SELFTEST is set"
	else
		phase selftest tests/vm/selftest.sh "$work" "$R"
	fi
	if [ -n "${SHMDEV_SKIP_MUTANTS:-}" ]; then
		res SKIP mutants "SHMDEV_SKIP_MUTANTS is set"
	else
		phase mutants tests/mutants.sh "$GUEST_KVER" "$(pwd)/$C/mutants" "$R"
	fi
else
	res SKIP guest "no module from DKMS, guest not booted"
fi

summary
