#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages as a user meets them, on this machine (as root):
# make deb, lintian, apt-get install of the packages, DKMS's module for
# every kernel in KVERS, one version everywhere, a program built with
# pkg-config, the Python binding imported from the package, then
# apt-get purge and nothing left.  Any shmdev packages already installed
# are purged first.  The module DKMS installed for each kernel is copied to
# OUT/inst/KVER/updates/dkms/ before the purge, for the guest suite to boot.
#
# usage: deb.sh OUT RESULTS KVER...
set -u
mkdir -p "$1" && out=$(cd "$1" && pwd)
results=$2
shift 2
kvers=("$@")
top=$(cd "$(dirname "$0")/.." && pwd)
pkgs=(shmdev-dkms libshmdev0 libshmdev-dev shmdev python3-shmdev)
export DEBIAN_FRONTEND=noninteractive
res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; echo "$1: $2 ($3)"; }
installed() { dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null |
	awk '$NF != "not-installed" {print $1}'; }

# A kernel that is installed without headers (an image and a modules
# directory), for DKMS's message and the package's hint; removed on exit.
fake=6.1.0-999-amd64
made=
cleanup() { [ -z "$made" ] || rm -rf "/boot/vmlinuz-$fake" "/lib/modules/$fake"; made=; }
trap cleanup EXIT

rm -rf "$out"
mkdir -p "$out/inst"
version=$(sed -n 's/^#define SHMDEV_VERSION_STRING[[:space:]]*"\(.*\)"/\1/p' \
	"$top/include/uapi/linux/shmdev.h")

if "$top/tools/make-deb.sh" > "$out/make-deb.log" 2>&1; then
	res PASS deb/build "make deb: $(ls "$top"/build/deb/*.deb | wc -l) packages"
else
	cat "$out/make-deb.log"
	grep -q '^deb: lintian' "$out/make-deb.log" &&
		res FAIL deb/lintian "$(grep '^E:' "$top/build/deb/lintian.txt" | head -n 3)" ||
		res FAIL deb/build "see $out/make-deb.log"
	exit 1
fi
res PASS deb/lintian "$(tail -n 1 "$out/make-deb.log" | sed 's/^deb: //')"

old=$(installed)
[ -z "$old" ] || apt-get purge -y -qq $old > /dev/null 2>&1
if [ ! -e "/boot/vmlinuz-$fake" ] && [ ! -e "/lib/modules/$fake" ]; then
	made=1
	touch "/boot/vmlinuz-$fake" && mkdir "/lib/modules/$fake"
fi
# shellcheck disable=SC2046
if apt-get install -y --no-install-recommends \
	$(for p in "${pkgs[@]}"; do ls "$top"/build/deb/"${p}"_*.deb; done) > "$out/install.log" 2>&1; then
	res PASS deb/install "apt-get install ./build/deb/*.deb"
else
	cat "$out/install.log"
	res FAIL deb/install "see $out/install.log"
	exit 1
fi
cleanup
if [ -n "$(grep -A1 "kernel $fake was skipped" "$out/install.log")" ] &&
   grep -q "apt install linux-headers-$fake" "$out/install.log"; then
	res PASS deb/no-headers "a kernel without headers: the install names linux-headers-$fake"
else
	res FAIL deb/no-headers "no hint for $fake in $out/install.log"
fi

# DKMS built and installed the module for every kernel with headers.
ok=1
for k in "${kvers[@]}"; do
	st=$(dkms status -m shmdev -v "$version" -k "$k" 2>/dev/null)
	modver=$(modinfo -k "$k" -F version shmdev 2>/dev/null)
	ko=$(modinfo -k "$k" -n shmdev 2>/dev/null)
	if echo "$st" | grep -q ': installed' && [ "$modver" = "$version" ] &&
	   [ "${ko#/lib/modules/$k/updates/dkms/}" != "$ko" ]; then
		res PASS "deb/dkms-$k" "dkms status: $st; modinfo $modver"
		mkdir -p "$out/inst/$k/updates/dkms" && cp "$ko" "$out/inst/$k/updates/dkms/"
	else
		res FAIL "deb/dkms-$k" "dkms status '$st', modinfo '$modver' at '$ko'"
		ok=
	fi
done

pcv=$(pkg-config --modversion libshmdev 2>&1)
tv=$(shmdev --version 2>&1 | awk '{print $2}')
cat > "$out/app.c" <<'C'
#include <shmdev.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	struct shmdev_region *r;
	void *p;

	if (shmdev_region_create(SHMDEV_BACKEND_MEMFD, NULL, 1 << 20, 0, 0600, &r) ||
	    shmdev_region_map(r, &p))
		return 1;
	strcpy(p, shmdev_version());
	puts(p);
	shmdev_region_close(r);
	return 0;
}
C
# shellcheck disable=SC2046
if cc -Wall -Werror -o "$out/app" "$out/app.c" $(pkg-config --cflags --libs libshmdev) \
	> "$out/app.log" 2>&1; then
	av=$("$out/app" 2>&1)
else
	av="(build failed: $(head -n 3 "$out/app.log"))"
fi
if [ "$pcv" = "$version" ] && [ "$tv" = "$version" ] && [ "$av" = "$version" ]; then
	res PASS deb/versions "pkg-config, shmdev --version and a pkg-config-built program say $version"
else
	res FAIL deb/versions "header $version, pkg-config '$pcv', tool '$tv', program '$av'"
	ok=
fi
# Debian's python3, which the package is for (not one earlier in PATH).
py=$(cd / && env -u SHMDEV_LIB /usr/bin/python3 -c 'import shmdev, sys
import shmdev._sharable as s
assert s._View.__module__ == "shmdev._speedups", "no C extension"
print(shmdev.__file__, shmdev.version())
l = shmdev.ShareableList([1, 2.5, "x"]); assert list(l) == [1, 2.5, "x"]
l.shm.close(); l.shm.unlink()' 2>&1)
if echo "$py" | grep -q "^/usr/lib/python3/dist-packages/shmdev/__init__.py $version\$"; then
	res PASS deb/python "import shmdev from python3-shmdev: $py"
else
	res FAIL deb/python "$py"
	ok=
fi

# What the packages put on the machine, and what DKMS added.
files=$(dpkg -L "${pkgs[@]}" | while read -r f; do [ -d "$f" ] || echo "$f"; done)
if apt-get purge -y "${pkgs[@]}" > "$out/purge.log" 2>&1; then
	left=$(installed)
	for f in $files /usr/src/shmdev-"$version" /var/lib/dkms/shmdev \
		 /usr/lib/python3/dist-packages/shmdev $(find /lib/modules -name 'shmdev.ko*'); do
		[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
	done
	if [ -z "$left" ]; then
		res PASS deb/purge "apt-get purge: none of the $(echo "$files" | wc -l) files, no dkms tree, no module left"
	else
		res FAIL deb/purge "left behind:$left"
		ok=
	fi
else
	cat "$out/purge.log"
	res FAIL deb/purge "apt-get purge failed, see $out/purge.log"
	ok=
fi
[ -n "$ok" ]
