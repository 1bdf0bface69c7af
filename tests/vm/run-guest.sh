#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a packaged kernel under QEMU (TCG), load shmdev with modprobe and run
# the in-guest kernel tests.  The guest kernel is a parameter:
#
#   GUEST_KVER     kernel release (default: the release of GUEST_KDIR)
#   GUEST_KERNEL   its image (default /boot/vmlinuz-$GUEST_KVER)
#   GUEST_MODDIR   its modules (default /lib/modules/$GUEST_KVER)
#   MODTREE        a tree holding $GUEST_KVER/updates/dkms/shmdev.ko (or
#                  .ko.xz, as dkms compresses it for a kernel whose modules
#                  are) as "dkms install" left it (tests/dkms.sh makes one)
#   GUEST_TIMEOUT  seconds for the whole guest (default 1200)
#   GUEST_MEM      guest memory (default 2G)
#   GUEST_SMP      -smp argument (default 2)
#   GUEST_APPEND   more kernel command line (e.g. acpi=off for the debug kernel)
#   SHMDEV_INJECT  a harness fault to inject (tests/vm/selftest.sh), default off
#   SHMDEV_ONLY    run only the tests whose names match this glob
#   GUEST_CMD      a script to run instead of the tests (its output is
#                  WORKDIR/tests.log); used by make bench
#
# usage: run-guest.sh WORKDIR RESULTS
# Appends "PASS|FAIL|SKIP<TAB>name<TAB>reason" lines to RESULTS; exits 1 when
# anything failed, the guest hung or crashed, or its log shows a splat.
set -u
work=$1
results=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=${B:-$top/build}

: "${GUEST_KVER:?GUEST_KVER is not set}"
GUEST_KERNEL=${GUEST_KERNEL:-/boot/vmlinuz-$GUEST_KVER}
GUEST_MODDIR=${GUEST_MODDIR:-/lib/modules/$GUEST_KVER}
: "${MODTREE:?MODTREE is not set}"
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1200}
GUEST_MEM=${GUEST_MEM:-2G}
GUEST_SMP=${GUEST_SMP:-2}
GUEST_APPEND=${GUEST_APPEND:-}
SHMDEV_INJECT=${SHMDEV_INJECT:-}
SHMDEV_ONLY=${SHMDEV_ONLY:-}
SPLAT=$(cat "$here/splat.re")

fail() {
	printf 'FAIL\t%s\t%s\n' "$1" "$2" >> "$results"
	echo "FAIL: $1 ($2)" >&2
}

root=$work/root
initrd=$work/initramfs.cpio.gz
mkdir -p "$work"

# Copy a file and the shared libraries it needs, at the same paths.
copy_with_libs() {
	local f lib
	for f in "$@"; do
		for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	done
}

build_initramfs() {
	local ko a t
	ko=$(ls "$MODTREE/$GUEST_KVER"/updates/dkms/shmdev.ko* 2>/dev/null | head -n 1)
	if [ ! -f "$ko" ]; then
		ko=$MODTREE/$GUEST_KVER/updates/dkms/shmdev.ko
		fail guest/initramfs "no module at $ko (run tests/dkms.sh)"
		return 1
	fi
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root,tests/bin,home/alice,home/bob}
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		case $a in
		busybox|modprobe|insmod|rmmod|lsmod|modinfo|depmod) ;;
		*) ln -s busybox "$root/bin/$a" ;;
		esac
	done
	cp /bin/kmod "$root/sbin/kmod"
	for a in modprobe insmod rmmod lsmod modinfo depmod; do
		ln -s kmod "$root/sbin/$a"
	done
	copy_with_libs /bin/kmod

	# The module where "dkms install" puts it, plus the kernel's own
	# modules the tests use, then depmod as the package would.
	local md=$root/lib/modules/$GUEST_KVER
	mkdir -p "$md/updates/dkms" "$md/kernel/drivers/block"
	cp "$ko" "$md/updates/dkms/"
	cp "$GUEST_MODDIR"/modules.{order,builtin} "$md/"
	cp "$GUEST_MODDIR"/modules.builtin.modinfo "$md/" 2>/dev/null || true
	# Each as the kernel ships it, plain or compressed (.ko.xz from 6.12).
	cp "$GUEST_MODDIR"/kernel/drivers/block/loop.ko* "$md/kernel/drivers/block/" 2>/dev/null
	# virtio-pci and 9p, to mount this machine's root read-only at /host
	# (Python and its stdlib are too big for the initramfs).
	for m in drivers/virtio/virtio.ko drivers/virtio/virtio_ring.ko \
		 drivers/virtio/virtio_pci.ko drivers/virtio/virtio_pci_legacy_dev.ko \
		 drivers/virtio/virtio_pci_modern_dev.ko net/9p/9pnet.ko \
		 net/9p/9pnet_virtio.ko fs/netfs/netfs.ko fs/fscache/fscache.ko \
		 fs/9p/9p.ko; do
		for f in "$GUEST_MODDIR/kernel/$m"*; do
			[ -f "$f" ] || continue
			mkdir -p "$md/kernel/$(dirname "$m")"
			cp "$f" "$md/kernel/$(dirname "$m")/"
		done
	done
	depmod -b "$root" "$GUEST_KVER" || return 1

	cp "$here/init" "$root/init"
	mkdir -p "$root/usr/bin"
	if [ -x "$B/shmdev" ]; then
		cp "$B/shmdev" "$root/usr/bin/shmdev"
		copy_with_libs "$B/shmdev"
	fi
	if [ -n "${GUEST_CMD:-}" ]; then
		cp "$GUEST_CMD" "$root/tests/guest-cmd"
		chmod 755 "$root/tests/guest-cmd"
	fi
	cp "$here/runner.sh" "$here/splat.re" "$root/tests/"
	for t in "$B"/tests/vm/t_*; do
		cp "$t" "$root/tests/bin/"
		copy_with_libs "$t"
	done
	# The tree's own library also where the loader looks by default: the
	# rpath into the build tree may sit under a path the guest mounts over
	# (/tmp).
	mkdir -p "$root/usr/lib/x86_64-linux-gnu"
	cp -L "$B"/libshmdev.so.? "$root/usr/lib/x86_64-linux-gnu/"
	echo "$top" > "$root/tests/srcdir"
	mkdir -p "$root/tests/unit"
	for t in "$B"/tests/unit/test_*; do
		cp "$t" "$root/tests/unit/"
		copy_with_libs "$t"
	done
	cat > "$root/etc/passwd" <<-PW
	root:x:0:0:root:/root:/bin/sh
	alice:x:1001:1001:alice:/home/alice:/bin/sh
	bob:x:1002:1002:bob:/home/bob:/bin/sh
	nobody:x:65534:65534:nobody:/:/bin/sh
	PW
	cat > "$root/etc/group" <<-GR
	root:x:0:
	alice:x:1001:
	bob:x:1002:
	shared:x:1003:alice,bob
	nogroup:x:65534:
	GR
	chown 1001:1001 "$root/home/alice"
	chown 1002:1002 "$root/home/bob"
	chmod 755 "$root"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$initrd"
}

if [ -z "${REUSE_INITRAMFS:-}" ] || [ ! -f "$initrd" ]; then
	build_initramfs || exit 1
fi

console=$work/console.log
out=$work/results.log
tlog=$work/tests.log
rm -f "$console" "$out" "$tlog"
append="console=ttyS0 loglevel=5 panic=-1 oops=panic $GUEST_APPEND"
[ -n "$SHMDEV_INJECT" ] && append="$append SHMDEV_INJECT=$SHMDEV_INJECT"
[ -n "$SHMDEV_ONLY" ] && append="$append SHMDEV_ONLY=$SHMDEV_ONLY"
# Lengths of the long suites, passed to the guest's environment.
for v in SHMDEV_TRINITY_SECONDS SHMDEV_CHAOS_SECONDS SHMDEV_LOAD_SECONDS \
	 SHMDEV_FUZZ_SECONDS SHMDEV_CHAOS_SEED SHMDEV_TEST_TIMEOUT; do
	eval "val=\${$v:-}"
	[ -n "$val" ] && append="$append $v=$val"
done

echo "guest: booting $GUEST_KERNEL (timeout ${GUEST_TIMEOUT}s)"
timeout --foreground -s KILL "$GUEST_TIMEOUT" \
	qemu-system-x86_64 -accel tcg -cpu max -smp "$GUEST_SMP" -m "$GUEST_MEM" \
	-nodefaults -no-reboot -display none \
	-serial "file:$console" -serial "file:$out" -serial "file:$tlog" \
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
	-kernel "$GUEST_KERNEL" -initrd "$initrd" -append "$append"
qrc=$?

rc=0
if [ -f "$out" ]; then
	tr -d '\r' < "$out" | grep -E '^(PASS|FAIL|SKIP)	' >> "$results"
	grep -q '^FAIL	' <(tr -d '\r' < "$out") && rc=1
fi
if [ "$qrc" -eq 137 ]; then
	fail guest/boot "guest did not finish within ${GUEST_TIMEOUT}s (hang)"
	rc=1
elif ! grep -q SHMDEV-GUEST-DONE "$out" 2>/dev/null; then
	fail guest/boot "guest stopped before its tests finished (panic or crash; qemu status $qrc)"
	rc=1
fi
splat=$(grep -aE "$SPLAT" "$console" 2>/dev/null | head -n 5)
if [ -n "$splat" ]; then
	fail guest/kernel-log "splat in guest log: $(echo "$splat" | head -n 1 | tr -d '\r' | tr '\t' ' ')"
	echo "$splat" >&2
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "guest: logs in $work (console.log, results.log, tests.log)" >&2
	tail -n 40 "$tlog" 2>/dev/null >&2
fi
exit $rc
