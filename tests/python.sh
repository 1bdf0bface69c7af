#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Python binding's unittest suite, with Debian's python3, over the
# user-space backends (SHMDEV_TEST_BACKENDS) and, when /dev/shmlist is
# here, the kernel one.  Each test is one result.
#
# usage: python.sh RESULTS
set -u
results=$1
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
backends=${SHMDEV_TEST_BACKENDS:-memfd sysv posix}
[ -e /dev/shmlist ] && backends="kernel $backends"
log=$top/build/python-tests.log
mkdir -p "$top/build"
SHMDEV_LIB=$top/build/libshmdev.so.0 SHMDEV_TEST_BACKENDS=$backends \
	timeout 600 "$py" -m unittest discover -s "$top/python/tests" -v > "$log" 2>&1
rc=$?
name=
n=0
while IFS= read -r line; do
	case $line in
	test_*" ("*) name=${line%% (*} ;;
	esac
	case $line in
	*"... ok")
		printf 'PASS\tpython/%s\t\n' "$name" >> "$results"; n=$((n+1)) ;;
	*"... skipped "*)
		printf 'SKIP\tpython/%s\t%s\n' "$name" "${line##*... skipped }" >> "$results"; n=$((n+1)) ;;
	*"... FAIL"|*"... ERROR")
		printf 'FAIL\tpython/%s\tsee %s\n' "$name" "$log" >> "$results"; n=$((n+1)) ;;
	esac
done < "$log"
tail -n 3 "$log"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL	python/' "$results"; then
	printf 'FAIL\tpython/unittest\texit status %d, see %s\n' "$rc" "$log" >> "$results"
	exit 1
fi
[ "$n" -gt 0 ] || { printf 'FAIL\tpython/unittest\tno test ran\n' >> "$results"; exit 1; }
exit $rc
