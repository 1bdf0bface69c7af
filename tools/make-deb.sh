#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: build the Debian packages with dpkg-buildpackage -us -uc -b from
# a copy of the tree (so that dpkg-buildpackage writes nothing outside
# build/ and its clean step does not touch the tree), leave the packages,
# .buildinfo and .changes in build/deb/, and run lintian over them
# (build/deb/lintian.txt).  Exits non-zero if the build fails or lintian
# reports an error.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/deb
version=$(cd "$top" && dpkg-parsechangelog -S Version) || exit 1
src=$out/src/shmdev-$version

rm -rf "$out"
mkdir -p "$src"
tar -C "$top" --exclude=./build --exclude=./.git --exclude=./debian/build \
	--exclude='*.o' --exclude='*.ko' --exclude='*.cmd' --exclude='*.mod*' \
	--exclude='_speedups.*.so' --exclude=__pycache__ \
	--exclude=./Module.symvers --exclude=./modules.order -cf - . |
	tar -C "$src" -xf - || exit 1
echo "deb: dpkg-buildpackage -us -uc -b (log: build/deb/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log"
	echo "deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
fi
mv "$out/src"/*.deb "$out/src"/*.buildinfo "$out/src"/*.changes "$out/"
rm -rf "$out/src"
ls -1 "$out"/*.deb
# --fail-on error: warnings are fixed or overridden with a reason
# (debian/*.lintian-overrides), and lintian.txt shows any that remain.
lintian --allow-root --fail-on error --info "$out"/*.changes > "$out/lintian.txt" 2>&1
rc=$?
cat "$out/lintian.txt"
echo "deb: lintian: $(grep -c '^E:' "$out/lintian.txt") errors," \
	"$(grep -c '^W:' "$out/lintian.txt") warnings"
exit $rc
