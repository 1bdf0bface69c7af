#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Python binding's unittest suite, with Debian's python3, over the
# user-space backends (SHMDEV_TEST_BACKENDS) and, when /dev/shmlist is
# here, the kernel one.  Each test is one result.
#
# With the C extension and without it (SHMDEV_NO_SPEEDUPS=1).
#
# usage: python.sh RESULTS
set -u
results=$1
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
backends=${SHMDEV_TEST_BACKENDS:-memfd sysv posix}
[ -e /dev/shmlist ] && backends="kernel $backends"
mkdir -p "$top/build"
status=0

# run LABEL [ENV...]: the suite once, each test one result named LABEL/...
run() {
	local label=$1 log=$top/build/$1-tests.log rc name= n=0 line
	shift
	env "$@" SHMDEV_LIB="$top/build/libshmdev.so.0" SHMDEV_TEST_BACKENDS="$backends" \
		SHMDEV_TEST_SOURCE=1 timeout 600 "$py" -m unittest discover \
		-s "$top/python/tests" -v > "$log" 2>&1
	rc=$?
	while IFS= read -r line; do
		# "test_x (module.Class.test_x) ...": the result is Class.test_x.
		case $line in
		test_*" ("*)
			name=${line#* (}
			name=${name%%)*}
			name=${name#*.} ;;
		esac
		case $line in
		*"... ok")
			printf 'PASS\t%s/%s\t\n' "$label" "$name" >> "$results"; n=$((n+1)) ;;
		*"... skipped "*)
			printf 'SKIP\t%s/%s\t%s\n' "$label" "$name" "${line##*... skipped }" >> "$results"; n=$((n+1)) ;;
		*"... FAIL"|*"... ERROR")
			printf 'FAIL\t%s/%s\tsee %s\n' "$label" "$name" "$log" >> "$results"; n=$((n+1)) ;;
		esac
	done < "$log"
	echo "$label: $(tail -n 1 "$log")"
	if [ "$rc" -ne 0 ] && ! grep -q "^FAIL	$label/" "$results"; then
		printf 'FAIL\t%s/unittest\texit status %d, see %s\n' "$label" "$rc" "$log" >> "$results"
		status=1
	fi
	[ "$n" -gt 0 ] || { printf 'FAIL\t%s/unittest\tno test ran\n' "$label" >> "$results"; status=1; }
	[ "$rc" -eq 0 ] || status=1
}

# With the C extension (make python), and in pure Python as without it.
if ls "$top"/python/shmdev/_speedups.*.so > /dev/null 2>&1; then
	run python
else
	printf 'FAIL\tpython/speedups\tthe C extension is not built (make python)\n' >> "$results"
	status=1
fi
run python-pure SHMDEV_NO_SPEEDUPS=1
exit $status
