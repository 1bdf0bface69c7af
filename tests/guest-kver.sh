#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest kernel release: GUEST_KVER, else the release of KDIR, else the
# newest /boot/vmlinuz-* with matching headers.  Prints it, or fails.
# With --all: every installed kernel with headers, oldest first (make
# check runs the guest suite on each), or GUEST_KVER's list if set.
release() {
	sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$1/include/generated/utsrelease.h"
}
all=
[ "${1:-}" = --all ] && all=1
if [ -n "${GUEST_KVER:-}" ]; then
	if [ -n "$all" ]; then
		echo "$GUEST_KVER" | tr ' ' '\n'
	else
		echo "${GUEST_KVER%% *}"
	fi
	exit 0
fi
if [ -n "${KDIR:-}" ]; then
	release "$KDIR"
	exit 0
fi
kvers=
for img in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V); do
	v=${img#/boot/vmlinuz-}
	[ -d "/lib/modules/$v/build" ] && kvers="$kvers $v"
done
[ -n "$kvers" ] || exit 1
if [ -n "$all" ]; then
	echo $kvers | tr ' ' '\n'
else
	echo "${kvers##* }"
fi
