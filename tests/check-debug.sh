#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the whole in-guest suite, trinity and the
# fault-injection pass (t_faultinject) included, on a debug kernel (KASAN,
# lockdep, DEBUG_VM, kmemleak, fault injection, NUMA) built from Debian's
# linux-source-6.12: make check-kernel with the debug fragment.  The build
# takes a while once; later runs reuse it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tests/deps.sh || exit 1
if ! dpkg-query -W -f='${Status}' linux-source-6.12 2>/dev/null | grep -q 'install ok installed'; then
	[ "$(id -u)" -eq 0 ] || { echo "shmdev: could not build the debug kernel: install linux-source-6.12" >&2; exit 1; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-source-6.12 > /dev/null || exit 1
fi
# trinity exits slowly on this kernel (its main process reads /proc/N/fd
# for minutes after the end); t_trinity then kills it.
SHMDEV_TEST_TIMEOUT=1200 GUEST_TIMEOUT=5400 \
	SHMDEV_TRINITY_SECONDS=${SHMDEV_TRINITY_SECONDS:-180} \
	exec tests/check-kernel.sh /usr/src/linux-source-6.12.tar.xz debug
