#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the whole in-guest suite on a debug kernel (KASAN,
# lockdep, DEBUG_VM, kmemleak, fault injection) built from Debian's
# linux-source-6.12 and cached in $SHMDEV_CACHE (tests/debug-kernel/), plus
# the fault-injection pass (t_faultinject).  The second kernel of the
# compatibility matrix.  The build takes a while once; later runs reuse it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tests/deps.sh || exit 1
if ! dpkg-query -W -f='${Status}' linux-source-6.12 2>/dev/null | grep -q 'install ok installed'; then
	[ "$(id -u)" -eq 0 ] || { echo "shmdev: could not build the debug kernel: install linux-source-6.12" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.12 > /dev/null || exit 1
fi
start=$(date +%s)
tree=$(tests/debug-kernel/build.sh) || exit 1
echo "debug kernel: $tree ($(( $(date +%s) - start ))s)"
kver=$(make -s -C "$tree" kernelrelease)
R=build/check-debug/results.txt
mkdir -p build/check-debug
: > "$R"
make -s -C "$tree" M="$top" modules > build/check-debug/module.log 2>&1 ||
	{ cat build/check-debug/module.log; echo "shmdev: could not build the module for $kver" >&2; exit 1; }
make -s all tests > /dev/null || exit 1
KDIR=$tree tests/dkms.sh "$kver" build/check-debug/dkms "$R" || exit 1
# trinity exits slowly on this kernel (its main process reads /proc/N/fd
# for minutes after the end); t_trinity then kills it, which is why the
# suite runs here as in make check.
# The debug kernel needs acpi=off to boot fast under TCG, and then
# sockets=2 to keep two CPUs; everything is built in, so GUEST_MODDIR is
# the tree.
GUEST_KVER=$kver GUEST_KERNEL=$tree/arch/x86/boot/bzImage GUEST_MODDIR=$tree \
	GUEST_APPEND="acpi=off" GUEST_SMP="2,sockets=2,cores=1,threads=1" \
	MODTREE=$top/build/check-debug/dkms/inst SHMDEV_TEST_TIMEOUT=1200 \
	SHMDEV_TRINITY_SECONDS=${SHMDEV_TRINITY_SECONDS:-120} \
	GUEST_TIMEOUT=5400 tests/vm/run-guest.sh "$top/build/check-debug/guest" "$R"
grep -hE "allocation points|chaos:|load:|fuzz:|trinity:" build/check-debug/guest/tests.log
cut -f1,2,3 "$R"
echo "$(grep -c ^PASS "$R") passed, $(grep -c ^FAIL "$R") failed, $(grep -c ^SKIP "$R") skipped"
! grep -q ^FAIL "$R"
