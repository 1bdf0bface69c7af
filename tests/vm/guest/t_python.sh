#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Python binding's unittest suite over the kernel backend.  In the
# guest Python comes from the host's root, shared read-only at /host by
# 9p, entered with chroot; on a real machine it runs where it stands.
[ -e /dev/shmlist ] || { echo "SKIP: /dev/shmlist is missing: module not loaded"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
top=${SHMDEV_TOP:-$(cd "$here/../../.." && pwd)}
export SHMDEV_TEST_BACKENDS=kernel PYTHONDONTWRITEBYTECODE=1 SHMDEV_TEST_SOURCE=1
if [ -d /host/usr/bin ] && [ ! -x /usr/bin/python3 ]; then
	# Guest: the tree is on the host at the path recorded at build time.
	top=$(cat "$here/../srcdir" 2>/dev/null)
	[ -n "$top" ] && [ -d "/host$top/python" ] ||
		{ echo "SKIP: the source tree is not visible at /host$top"; exit 77; }
	for d in dev proc sys; do
		mount --bind /$d /host/$d || { echo "SKIP: cannot bind /$d into /host"; exit 77; }
	done
	# (No tmpfs over /host/tmp: the tree may live there.)
	mount -t tmpfs tmpfs /host/dev/shm 2>/dev/null
	TMPDIR=/dev/shm chroot /host /usr/bin/python3 -m unittest discover -s "$top/python/tests" -v
	rc=$?
	umount /host/dev/shm 2>/dev/null
	umount /host/sys /host/proc /host/dev
	exit $rc
fi
command -v python3 > /dev/null || { echo "SKIP: no python3 (in the guest: no /host share)"; exit 77; }
SHMDEV_LIB=$top/build/libshmdev.so.0 exec python3 -m unittest discover -s "$top/python/tests" -v
