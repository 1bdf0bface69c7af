#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make reliability: the reliability suites at full length, in the guest:
# SIGKILL chaos 60 s, load 30 s, the ioctl fuzzer 60 s, trinity 5 min,
# hostile users; and on the host the hostile-peer list test under ASan.
# make check runs the same suites shorter (20, 10, 10, 120 s).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tests/deps.sh || exit 1
kver=$(tests/guest-kver.sh) || { echo "shmdev: could not find a guest kernel" >&2; exit 1; }
make -s KDIR="/lib/modules/$kver/build" all tests || exit 1
R=build/reliability/results.txt
mkdir -p build/reliability
: > "$R"
build/tests/unit-san/test_list > /dev/null 2>&1 &&
	printf 'PASS\thost/hostile-peer\tASan, test_list\n' >> "$R" ||
	printf 'FAIL\thost/hostile-peer\ttest_list under ASan\n' >> "$R"
tests/dkms.sh "$kver" build/reliability/dkms "$R" > /dev/null || exit 1
GUEST_KVER=$kver MODTREE=$top/build/reliability/dkms/inst \
	SHMDEV_ONLY=t_chaos,t_load,t_ioctl_fuzz,t_trinity,t_hostile_users \
	SHMDEV_CHAOS_SECONDS=${SHMDEV_CHAOS_SECONDS:-60} \
	SHMDEV_LOAD_SECONDS=${SHMDEV_LOAD_SECONDS:-30} \
	SHMDEV_FUZZ_SECONDS=${SHMDEV_FUZZ_SECONDS:-60} \
	SHMDEV_TRINITY_SECONDS=${SHMDEV_TRINITY_SECONDS:-300} \
	SHMDEV_TEST_TIMEOUT=900 GUEST_TIMEOUT=3000 \
	tests/vm/run-guest.sh "$top/build/reliability/guest" "$R"
grep -hE "chaos:|load:|fuzz:|trinity:" build/reliability/guest/tests.log
cat "$R"
echo "$(grep -c ^PASS "$R") passed, $(grep -c ^FAIL "$R") failed, $(grep -c ^SKIP "$R") skipped"
! grep -q ^FAIL "$R"
