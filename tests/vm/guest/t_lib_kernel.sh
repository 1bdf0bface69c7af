#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The library's unit tests (regions, list, pool) over the kernel backend.
# They live in ../unit next to this script, in the guest and in build/.
dir=$(cd "$(dirname "$0")/../unit" 2>/dev/null && pwd)
[ -x "$dir/test_region" ] || { echo "SKIP: no unit tests in $dir"; exit 77; }
[ -e /dev/shmlist ] || { echo "SKIP: /dev/shmlist is missing: module not loaded"; exit 77; }
rc=0
for t in test_region test_list test_pool; do
	SHMDEV_TEST_BACKENDS=kernel "$dir/$t" || rc=1
done
exit $rc
