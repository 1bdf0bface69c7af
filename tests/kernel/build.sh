#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (KASAN, lockdep, DEBUG_VM, kmemleak, fault
# injection) from Debian's linux-source-6.12, cached outside the
# repository in $SHMDEV_CACHE (default /var/cache/shmdev).  Prints the
# build tree on success; a second run reuses it.
set -eu
cache=${SHMDEV_CACHE:-/var/cache/shmdev}
here=$(cd "$(dirname "$0")" && pwd)
src=$cache/linux-source-6.12
stamp=$cache/debug-kernel.stamp
frag=$here/debug.config
want=$(sha256sum "$frag" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$src/arch/x86/boot/bzImage" ]; then
	echo "$src"
	exit 0
fi
mkdir -p "$cache"
if [ ! -d "$src" ]; then
	[ -f /usr/src/linux-source-6.12.tar.xz ] || {
		echo "shmdev: could not find /usr/src/linux-source-6.12.tar.xz (apt-get install linux-source-6.12)" >&2
		exit 1
	}
	tar -C "$cache" -xf /usr/src/linux-source-6.12.tar.xz
fi
cd "$src"
start=$(date +%s)
make -s tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "$frag" >&2
make -s olddefconfig >&2
# What the fragment asked for must have stuck.
for opt in KASAN PROVE_LOCKING DEBUG_VM DEBUG_KMEMLEAK FAILSLAB FAIL_PAGE_ALLOC \
	   9P_FS VIRTIO_PCI MEMCG TRANSPARENT_HUGEPAGE ADVISE_SYSCALLS \
	   CROSS_MEMORY_ATTACH; do
	grep -q "^CONFIG_$opt=y" .config || { echo "shmdev: CONFIG_$opt did not stick" >&2; exit 1; }
done
make -s -j"$(nproc)" bzImage modules >&2
make -s modules_prepare >&2
echo "$want" > "$stamp"
echo "debug kernel built in $(( $(date +%s) - start ))s" >&2
echo "$src"
