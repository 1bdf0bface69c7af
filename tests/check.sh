#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the one test command.  Installs what it needs (as root), builds
# with -Werror, lints, runs the unit tests (plain and under ASan/UBSan),
# builds and installs the module with DKMS by hand and as the Debian
# packages (tests/deb.sh, installed and purged), boots it in a QEMU guest, runs
# the kernel tests there and proves the harness catches faults and each
# reliability suite its mutant (tests/mutants.sh).  Ends with
# "N passed, N failed, N skipped".
#
# The guest suite runs on every installed /boot/vmlinuz-* with matching
# headers (tests/deps.sh installs Debian's 6.1 and 6.12), or on the
# space-separated releases in GUEST_KVER.  SHMDEV_SKIP_SELFTEST=1 leaves out the harness
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
rm -f "$C/huge.txt"

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
	[ -f "$C/huge.txt" ] && cat "$C/huge.txt"
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

# Every installed kernel with headers gets the module built and the guest
# suite run: Debian 12's 6.1 and 6.12 as tests/deps.sh installs them.
KVERS=$(tests/guest-kver.sh --all)
if [ -z "$KVERS" ]; then
	res FAIL guest "no kernel image with matching headers (linux-image-amd64, linux-headers-amd64)"
	summary
	exit 1
fi
echo "guest kernels: $(echo $KVERS)"

build_all() {
	local k ok=0
	make -s -j2 all tests python mpi || return 1
	for k in $KVERS; do
		if make -s KDIR="/lib/modules/$k/build" shmdev > "$C/module-$k.log" 2>&1; then
			res PASS "build/module-$k" "shmdev.ko built against $k with -Werror"
		else
			cat "$C/module-$k.log"
			res FAIL "build/module-$k" "see $C/module-$k.log"
			ok=1
		fi
	done
	return $ok
}
if phase build build_all; then
	res PASS build/werror "library, tool and tests built (-Wall -Wextra -Werror)"
else
	res FAIL build/werror "build failed"
	summary
	exit 1
fi
phase lint tests/lint.sh "$R" $(for k in $KVERS; do echo "/lib/modules/$k/build"; done)
phase install tests/install.sh "$R"
# The Debian packages, installed and purged on this machine; the guest
# suite below boots the module that the shmdev-dkms package built.
phase deb tests/deb.sh "$C/deb" "$R" $KVERS
phase unit tests/unit.sh "$R"
phase tool tests/tool.sh "$R"
phase python tests/python.sh "$R"
phase mpi tests/mpi.sh "$R"
phase fuzz tests/fuzz.sh "${FUZZ_SECONDS:-20}" "$R"

# The guest suite on each kernel; the harness self-test and the mutants on
# the first (Debian 12's own).
first=1
for GUEST_KVER in $KVERS; do
	export GUEST_KVER
	short=${GUEST_KVER%%-*}
	short=${short%%+*}
	work=$(pwd)/$C/guest-$GUEST_KVER
	before=$(grep -c . "$R")
	if ! phase "dkms-$short" tests/dkms.sh "$GUEST_KVER" "$C/dkms-$GUEST_KVER" "$R"; then
		res SKIP "guest" "no module from DKMS for $GUEST_KVER, guest not booted"
		sed -i "$((before + 1)),\$ s/^\([A-Z]*\)\t/\1\t$short:/" "$R"
		continue
	fi
	export MODTREE=$(pwd)/$C/dkms-$GUEST_KVER/inst
	if ls "$C/deb/inst/$GUEST_KVER/updates/dkms/"shmdev.ko* > /dev/null 2>&1; then
		MODTREE=$(pwd)/$C/deb/inst
		res PASS "guest/module" "booting the module that the shmdev-dkms package built"
	fi
	phase "guest-$short" tests/vm/run-guest.sh "$work" "$R"
	grep -h '64 MiB touched' "$work/tests.log" | sed "s/^/huge pages on $GUEST_KVER: /" >> "$C/huge.txt"
	# Each kernel's results carry its release.
	sed -i "$((before + 1)),\$ s/^\([A-Z]*\)\t/\1\t$short:/" "$R"
	[ -n "$first" ] || continue
	first=
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
done

summary
