#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and install shmdev with DKMS exactly as a user would, but into
# private trees so the machine's own /usr/src and /lib/modules stay clean.
#
# usage: dkms.sh KVER WORKDIR RESULTS
# Leaves WORKDIR/inst/KVER/updates/dkms/shmdev.ko (.ko.xz where the
# kernel compresses its modules); appends results.
set -u
kver=$1
mkdir -p "$2" && work=$(cd "$2" && pwd)
results=$3
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^#define SHMDEV_VERSION_STRING[[:space:]]*"\(.*\)"/\1/p' \
	"$top/include/uapi/linux/shmdev.h")

res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; echo "$1: $2 ($3)"; }

rm -rf "$work"
mkdir -p "$work/src/shmdev-$version" "$work/tree" "$work/inst/$kver"
# The package source as it would sit in /usr/src: the tree without build output.
tar -C "$top" --exclude=./build --exclude=./.git --exclude='*.o' \
	--exclude='*.ko' --exclude='*.cmd' --exclude='*.mod*' -cf - . |
	tar -C "$work/src/shmdev-$version" -xf -
D=(dkms --dkmstree "$work/tree" --sourcetree "$work/src" --installtree "$work/inst")
# A kernel tree outside /lib/modules (the debug kernel) comes as KDIR.
[ -n "${KDIR:-}" ] && D+=(--kernelsourcedir "$KDIR")
log=$work/dkms.log
# dkms install runs depmod on /lib/modules/KVER: a kernel that is not
# installed there (the debug kernel) gets the built module copied where
# dkms install would put it instead.
install_step() {
	if [ -d "/lib/modules/$kver" ]; then
		"${D[@]}" install -m shmdev -v "$version" -k "$kver"
	else
		mkdir -p "$work/inst/$kver/updates/dkms" &&
		cp "$work/tree/shmdev/$version/$kver/$(uname -m)/module"/shmdev.ko* \
			"$work/inst/$kver/updates/dkms/"
	fi
}
if "${D[@]}" add -m shmdev -v "$version" > "$log" 2>&1 &&
   "${D[@]}" build -m shmdev -v "$version" -k "$kver" >> "$log" 2>&1 &&
   install_step >> "$log" 2>&1; then
	res PASS dkms/build-install "dkms $version for $kver"
else
	cat "$log"
	cat "$work/tree/shmdev/$version/build/make.log" 2>/dev/null
	res FAIL dkms/build-install "dkms failed for $kver, see $log"
	exit 1
fi
ko=$(ls "$work/inst/$kver"/updates/dkms/shmdev.ko* 2>/dev/null | head -n 1)
modver=$(modinfo -F version "$ko" 2>/dev/null)
pkgver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
if [ "$modver" = "$version" ] && [ "$pkgver" = "$version" ]; then
	res PASS dkms/version "modinfo $modver = dkms.conf $pkgver = header $version"
else
	res FAIL dkms/version "modinfo '$modver', dkms.conf '$pkgver', header '$version' differ"
	exit 1
fi
# Below the supported range dkms refuses before the compiler (exit 77,
# which autoinstall skips) and says why.
old=5.15.0-91-generic
out=$("${D[@]}" build -m shmdev -v "$version" -k "$old" \
	--kernelsourcedir "${KDIR:-/lib/modules/$kver/build}" 2>&1)
rc=$?
if [ "$rc" -eq 77 ] && echo "$out" | grep -q 'BUILD_EXCLUSIVE'; then
	res PASS dkms/build-exclusive "$old refused before the build (exit 77, BUILD_EXCLUSIVE)"
else
	echo "$out"
	res FAIL dkms/build-exclusive "dkms build for $old gave exit $rc"
	exit 1
fi
# The DKMS build makes only the module: its log compiles nothing else.
mlog=$(find "$work/tree/shmdev/$version/$kver" -name make.log | head -n 1)
extra=$(grep -E 'libshmdev|tools/|tests/' "$mlog" 2>/dev/null | head -n 1)
if [ -n "$mlog" ] && [ -z "$extra" ] && grep -q 'shmdev.ko' "$mlog"; then
	res PASS dkms/module-only "dkms built nothing but shmdev.ko"
else
	res FAIL dkms/module-only "dkms built userspace too: $extra"
	exit 1
fi
