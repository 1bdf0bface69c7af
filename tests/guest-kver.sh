#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest kernel release: GUEST_KVER, else the release of KDIR, else the
# newest /boot/vmlinuz-* with matching headers.  Prints it, or fails.
if [ -n "${GUEST_KVER:-}" ]; then
	echo "$GUEST_KVER"
	exit 0
fi
if [ -n "${KDIR:-}" ]; then
	sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$KDIR/include/generated/utsrelease.h"
	exit 0
fi
kver=
for img in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V); do
	v=${img#/boot/vmlinuz-}
	[ -d "/lib/modules/$v/build" ] && kver=$v
done
[ -n "$kver" ] || exit 1
echo "$kver"
