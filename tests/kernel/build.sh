#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a guest kernel from any Linux source tree: tinyconfig, then
# guest.config (what the guest tests need, NUMA included), then each extra
# fragment named (e.g. debug.config).  The tree is never written to: a
# tarball is unpacked into the cache and the build goes to O=, cached in
# $SHMDEV_CACHE (default /var/cache/shmdev) and keyed by the tree, its
# version and the fragments, so a second run reuses it.
#
# usage: build.sh KSRC [FRAGMENT...]
# KSRC is a source directory or a tarball (.tar, .tar.gz, .tar.xz, ...).
# Prints the build directory (a tree external modules build against, with
# arch/x86/boot/bzImage) on success.
set -eu
ksrc=${1:?usage: build.sh KSRC [FRAGMENT...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
cache=${SHMDEV_CACHE:-/var/cache/shmdev}
frags=("$here/guest.config")
for f in "$@"; do
	case $f in
	*/*) frags+=("$f") ;;
	*) frags+=("$here/${f%.config}.config") ;;
	esac
done
for f in "${frags[@]}"; do
	[ -f "$f" ] || { echo "shmdev: could not find config fragment $f" >&2; exit 1; }
done
mkdir -p "$cache"

if [ -f "$ksrc" ]; then
	# A tarball: unpack once, keyed by its name, size and time.
	key=$(stat -c '%n %s %Y' "$(realpath "$ksrc")" | sha256sum | cut -c1-12)
	src=$cache/src-$key
	if [ ! -f "$src/.shmdev-unpacked" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		echo "unpacking $ksrc" >&2
		tar -C "$src" -xf "$ksrc" --strip-components=1 ||
			{ echo "shmdev: could not unpack $ksrc" >&2; exit 1; }
		touch "$src/.shmdev-unpacked"
	fi
elif [ -d "$ksrc" ]; then
	src=$(realpath "$ksrc")
else
	echo "shmdev: could not find kernel source $ksrc (a directory or a tarball)" >&2
	exit 1
fi
[ -f "$src/Makefile" ] && [ -d "$src/kernel" ] ||
	{ echo "shmdev: $src is not a Linux source tree" >&2; exit 1; }
# An O= build needs a clean source tree.  A tree configured or built in
# place is copied into the cache (without its build output) and cleaned
# there, so that it is still never written to.
if [ -f "$src/.config" ] || [ -d "$src/include/config" ]; then
	copy=$cache/src-$(echo "$src" | sha256sum | cut -c1-12)-clean
	if [ ! -f "$copy/.shmdev-copied" ]; then
		echo "$src is configured in place: copying it to $copy" >&2
		rm -rf "$copy"
		mkdir -p "$copy"
		tar -C "$src" --exclude=.git --exclude='*.o' --exclude='*.ko' \
			--exclude='*.cmd' --exclude='*.a' -cf - . | tar -C "$copy" -xf - &&
			make -s -C "$copy" mrproper ||
			{ echo "shmdev: could not copy and clean $src" >&2; exit 1; }
		touch "$copy/.shmdev-copied"
	fi
	src=$copy
fi

kv=$(make -s -C "$src" kernelversion)
key=$( { echo "$src $kv"; cat "${frags[@]}"; } | sha256sum | cut -c1-12)
out=$cache/kernel-$kv-$key
if [ -f "$out/.shmdev-built" ] && [ -f "$out/arch/x86/boot/bzImage" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$out"
start=$(date +%s)
echo "building Linux $kv from $src into $out" >&2
make -s -C "$src" O="$out" tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >&2
make -s -C "$src" O="$out" olddefconfig >&2
# What the fragments asked for must have stuck.
bad=
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=y) grep -qx "$line" "$out/.config" || bad="$bad ${line%=y}" ;;
		esac
	done < "$f"
done
[ -z "$bad" ] || { echo "shmdev: did not stick in $kv's config:$bad" >&2; exit 1; }
make -s -C "$src" O="$out" -j"$(nproc)" bzImage modules >&2
make -s -C "$src" O="$out" modules_prepare >&2
touch "$out/.shmdev-built"
echo "Linux $kv built in $(( $(date +%s) - start ))s" >&2
echo "$out"
