#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Python binding's unittest suite, with Debian's python3, over the
# user-space backends (SHMDEV_TEST_BACKENDS) and, when /dev/shmlist is
# here, the kernel one.  Each test is one result.
#
# Three times: from the source tree with the C extension and without it
# (SHMDEV_NO_SPEEDUPS=1), and installed with pip into a venv.  Then
# CPython 3.11's, 3.12's and 3.13's own shared_memory tests on shmdev
# (cpython-shm.py), where pyenv has those CPythons.
#
# usage: python.sh RESULTS
set -u
# Absolute: the suites run from / (make check passes build/check/...).
results=$(realpath -m "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
[ -x "$py" ] || py=python3
backends=${SHMDEV_TEST_BACKENDS:-memfd sysv posix}
[ -e /dev/shmlist ] && backends="kernel $backends"
mkdir -p "$top/build"
status=0

# run LABEL PYTHON [ENV...]: the suite once, each test one result named
# LABEL/Class.test
run() {
	local label=$1 python=$2 log=$top/build/$1-tests.log rc name= n=0 line
	shift 2
	(cd / && env "$@" SHMDEV_TEST_BACKENDS="$backends" timeout 600 \
		"$python" -m unittest discover -s "$top/python/tests" -v) > "$log" 2>&1
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

# From the source tree, with the C extension (make python), and in pure
# Python as without it.
src=(SHMDEV_TEST_SOURCE=1 SHMDEV_LIB="$top/build/libshmdev.so.0")
if ls "$top"/python/shmdev/_speedups.*.so > /dev/null 2>&1; then
	run python "$py" "${src[@]}"
else
	printf 'FAIL\tpython/speedups\tthe C extension is not built (make python)\n' >> "$results"
	status=1
fi
run python-pure "$py" "${src[@]}" SHMDEV_NO_SPEEDUPS=1

# CPython's own tests of multiprocessing.shared_memory with shmdev's
# classes in place (tests/cpython-shm.py), under each pyenv CPython that
# ships them; pure Python there, as the C extension is built for $py.
pyroot=$(pyenv root 2> /dev/null) || pyroot=${PYENV_ROOT:-$HOME/.pyenv}
for v in 3.11 3.12 3.13; do
	cpy=$(ls -d "$pyroot"/versions/$v.*/bin/python$v 2> /dev/null | sort -V | tail -n 1)
	if [ -z "$cpy" ] || ! "$cpy" -c 'import test._test_multiprocessing' 2> /dev/null; then
		printf 'SKIP\tcpython-%s/_TestSharedMemory\tno CPython %s with Lib/test under %s\n' \
			"$v" "$v" "$pyroot/versions" >> "$results"
		continue
	fi
	log=$top/build/cpython-$v-shm.log
	before=$(wc -l < "$results")
	(cd / && env SHMDEV_LIB="$top/build/libshmdev.so.0" timeout 900 \
		"$cpy" "$top/tests/cpython-shm.py" "$results" "cpython-$v") > "$log" 2>&1
	rc=$?
	echo "cpython-$v: $(grep -c '^PASS' "$log") passed, $(grep -c '^SKIP' "$log") skipped, $(grep -c '^FAIL' "$log") failed"
	if [ "$rc" -ne 0 ]; then
		[ "$(wc -l < "$results")" -gt "$before" ] ||
			printf 'FAIL\tcpython-%s/_TestSharedMemory\texit status %d, see %s\n' "$v" "$rc" "$log" >> "$results"
		status=1
	fi
done

# As a user installs it: libshmdev by make install, the binding by pip
# into a venv (no network: the build backend is in python/), and the
# suite run by that venv's python against the installed package.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if make -s -C "$top" install PREFIX="$tmp/prefix" > "$tmp/install.log" 2>&1 &&
   "$py" -m venv --system-site-packages "$tmp/venv" > "$tmp/venv.log" 2>&1 &&
   PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig" "$tmp/venv/bin/pip" install \
	--no-index "$top/python" > "$tmp/pip.log" 2>&1; then
	where=$(cd / && "$tmp/venv/bin/python" -c 'import shmdev, shmdev._sharable as s
print(shmdev.__file__, s._View.__module__)')
	case $where in
	"$tmp/venv/"*" shmdev._speedups")
		printf 'PASS\tpython-installed/pip\tpip install ./python: %s\n' "$where" >> "$results"
		run python-installed "$tmp/venv/bin/python" ;;
	*)
		printf 'FAIL\tpython-installed/pip\timported %s\n' "$where" >> "$results"
		status=1 ;;
	esac
else
	cat "$tmp"/*.log
	printf 'FAIL\tpython-installed/pip\tmake install, venv or pip install failed\n' >> "$results"
	status=1
fi
exit $status
