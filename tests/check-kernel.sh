#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-kernel KSRC=DIR|TARBALL [KFRAG=debug]: the whole in-guest
# suite on a kernel built from any Linux source tree.  tests/kernel/build.sh
# builds it (tinyconfig + guest.config with NUMA, + each fragment in
# KFRAG) into the cache; the module is built against it with -Werror and
# installed with DKMS, and the guest boots it.  Ends with the same
# "N passed, N failed, N skipped" line as make check.
#
# usage: check-kernel.sh KSRC [FRAGMENT...]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
ksrc=${1:?usage: check-kernel.sh KSRC [FRAGMENT...]}
shift
tests/deps.sh || exit 1
start=$(date +%s)
tree=$(tests/kernel/build.sh "$ksrc" "$@") || exit 1
echo "kernel: $tree ($(( $(date +%s) - start ))s)"
kver=$(make -s -C "$tree" kernelrelease) || exit 1
C=build/check-kernel/$kver
rm -rf "$C"
mkdir -p "$C"
R=$C/results.txt
: > "$R"
res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$R"; }
summary() {
	cut -f1,2,3 "$R"
	echo "kernel $kver: $(grep -c ^PASS "$R") passed, $(grep -c ^FAIL "$R") failed, $(grep -c ^SKIP "$R") skipped"
	! grep -q ^FAIL "$R" && grep -q ^PASS "$R"
}

if make -s KDIR="$tree" shmdev > "$C/module.log" 2>&1; then
	res PASS "build/module-$kver" "shmdev.ko built against $kver with -Werror"
else
	cat "$C/module.log"
	res FAIL "build/module-$kver" "see $C/module.log"
	summary
	exit 1
fi
make -s all tests > /dev/null || exit 1
KDIR=$tree tests/dkms.sh "$kver" "$C/dkms" "$R" || { summary; exit 1; }
# No ACPI in these kernels (QEMU's ACPI emulation crawls under debug
# options): acpi=off, and sockets=2 to keep two CPUs.  Everything the
# guest needs is built in, so the tree stands for /lib/modules.
GUEST_KVER=$kver GUEST_KERNEL=$tree/arch/x86/boot/bzImage GUEST_MODDIR=$tree \
	GUEST_APPEND="acpi=off" GUEST_SMP="2,sockets=2,cores=1,threads=1" \
	MODTREE=$top/$C/dkms/inst \
	SHMDEV_TEST_TIMEOUT=${SHMDEV_TEST_TIMEOUT:-600} \
	GUEST_TIMEOUT=${GUEST_TIMEOUT:-3600} \
	tests/vm/run-guest.sh "$top/$C/guest" "$R"
grep -hE "allocation points|chaos:|load:|fuzz:|trinity:|64 MiB touched" "$C/guest/tests.log"
summary
