#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lints: checkpatch.pl --strict over the kernel code, sparse, versions that
# agree, and an SPDX line on every source file.
#
# usage: lint.sh RESULTS KDIR...   (the module is built against each KDIR)
set -u
results=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
B=build
failed=0
res() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"
	echo "$1: $2 ($3)"
	[ "$1" = FAIL ] && failed=1
}

# checkpatch.pl comes from Debian's linux-source package.
cp_dir=$B/checkpatch
if [ ! -f "$cp_dir/scripts/checkpatch.pl" ]; then
	src=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	mkdir -p "$cp_dir"
	if [ -n "$src" ]; then
		base=$(basename "$src" .tar.xz)
		tar -C "$cp_dir" --strip-components=1 -xJf "$src" \
			"$base/scripts/checkpatch.pl" "$base/scripts/spelling.txt" \
			"$base/scripts/const_structs.checkpatch"
	fi
fi
if [ -f "$cp_dir/scripts/checkpatch.pl" ]; then
	files=(kmod/*.c kmod/*.h include/uapi/linux/*.h)
	out=$(perl "$cp_dir/scripts/checkpatch.pl" --no-tree --strict --quiet \
		--show-types -f "${files[@]}" 2>&1)
	if [ -z "$out" ]; then
		res PASS lint/checkpatch "${#files[@]} files clean under --strict"
	else
		echo "$out"
		res FAIL lint/checkpatch "$(echo "$out" | grep -cE '^(ERROR|WARNING|CHECK)') findings"
	fi
else
	res FAIL lint/checkpatch "no checkpatch.pl: install linux-source-6.1"
fi

# Against each kernel: the module builds from clean without a compiler
# warning, even with W=1, and sparse finds nothing (C=2 checks even
# up-to-date objects).
for kdir in "$@"; do
	kv=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	make -s -C "$kdir" M="$top" clean > /dev/null 2>&1
	out=$(make -C "$kdir" M="$top" W=1 modules 2>&1)
	warn=$(echo "$out" | grep -E '(warning|error):')
	if [ -n "$warn" ]; then
		echo "$warn"
		res FAIL "lint/module-warnings-$kv" "$(echo "$warn" | wc -l) compiler warnings (W=1)"
	elif [ ! -f "$top/shmdev.ko" ]; then
		echo "$out" | tail -n 20
		res FAIL "lint/module-warnings-$kv" "the module did not build"
	else
		res PASS "lint/module-warnings-$kv" "no compiler warnings with W=1"
	fi
	out=$(make -s -C "$kdir" M="$top" C=2 CHECK=sparse modules 2>&1 |
		grep -E '(warning|error):' | grep -v '^make')
	if [ -z "$out" ]; then
		res PASS "lint/sparse-$kv" "no sparse warnings"
	else
		echo "$out"
		res FAIL "lint/sparse-$kv" "$(echo "$out" | wc -l) sparse findings"
	fi
done

# The import maps: no two files of kmod/ or libshmdev/ call each other,
# directly or around a circle (the kmod objects are the last kernel's).
for part in kmod "$B/libshmdev"; do
	objs=("$top/$part"/*.o)
	[ -f "$top/$part/main.o" ] || [ -f "$top/$part/region.o" ] || {
		res FAIL "lint/imports-${part##*/}" "no objects in $part: build first"
		continue
	}
	if out=$("$top/tests/imports.sh" shmdev_ "${objs[@]}" 2>&1); then
		res PASS "lint/imports-${part##*/}" "no circle: $(echo "$out" | tr '\n' ';' | sed 's/;$//')"
	else
		echo "$out"
		res FAIL "lint/imports-${part##*/}" "$(echo "$out" | tail -n 1)"
	fi
done

# Files stay small: none of the sources passes 600 lines unless its first
# lines say why.
long=$(git ls-files 2>/dev/null | grep -E '^(kmod|libshmdev|tools|mpi|python/src)/.*\.[ch]$' |
	while read -r f; do
		[ "$(wc -l < "$f")" -le 600 ] || head -n 15 "$f" | grep -q 'longer than 600 lines' ||
			echo "$f"
	done)
if [ -z "$long" ]; then
	res PASS lint/file-length "no source file over 600 lines without a reason"
else
	res FAIL lint/file-length "over 600 lines: $(echo $long)"
fi

# One version everywhere.
hv=$(sed -n 's/^#define SHMDEV_VERSION_STRING[[:space:]]*"\(.*\)"/\1/p' include/uapi/linux/shmdev.h)
dv=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
tv=$("$B/shmdev" --version 2>/dev/null | awk '{print $2}')
pv=$(sed -n 's/^Version: //p' "$B/libshmdev.pc" 2>/dev/null)
# The Debian version's upstream part (no Debian revision for a native package).
cv=$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
cv=${cv%-*}
yv=$(sed -n 's/^version = "\(.*\)"/\1/p' python/pyproject.toml)
if [ -n "$hv" ] && [ "$hv" = "$dv" ] && [ "$hv" = "$tv" ] && [ "$hv" = "$pv" ] &&
   [ "$hv" = "$cv" ] && [ "$hv" = "$yv" ]; then
	res PASS lint/version "header, dkms.conf, tool, pkg-config, debian/changelog and pyproject.toml all say $hv"
else
	res FAIL lint/version "header '$hv', dkms.conf '$dv', tool '$tv', pkg-config '$pv', debian/changelog '$cv', pyproject.toml '$yv'"
fi

# The Debian symbols file lists exactly the version script's symbols, each
# under its node (dpkg-gensymbols -c4 then checks the built library).
from_map=$(awk '/^[A-Z_0-9.]+ *\{/ {node = $1} /^\t[a-z_0-9]+;/ {gsub(/[\t;]/, ""); print $0 "@" node}' \
	libshmdev/libshmdev.sym | sort)
from_deb=$(awk '/^ [a-z_0-9]+@/ {print $1}' debian/libshmdev0.symbols | sort)
if [ -n "$from_map" ] && [ "$from_map" = "$from_deb" ]; then
	res PASS lint/symbols "debian/libshmdev0.symbols matches libshmdev.sym ($(echo "$from_map" | wc -l) symbols)"
else
	res FAIL lint/symbols "debian/libshmdev0.symbols and libshmdev.sym differ: $(diff <(echo "$from_map") <(echo "$from_deb") | grep '^[<>]' | head -n 3 | tr '\n' ' ')"
fi

# The static library defines no global symbol outside the library's
# prefix: public ones are shmdev_*, internal ones shmdev__* (hidden in the
# shared library), so a program linking libshmdev.a never clashes on a
# name like round_up.
if [ -f "$B/libshmdev.a" ]; then
	leaks=$(nm -g --defined-only "$B/libshmdev.a" 2>/dev/null |
		awk 'NF == 3 {print $3}' | grep -v '^shmdev_' | sort -u)
	nglob=$(nm -g --defined-only "$B/libshmdev.a" | awk 'NF == 3' | wc -l)
	if [ "$nglob" -eq 0 ]; then
		res FAIL lint/static-symbols "nm found no symbol in $B/libshmdev.a"
	elif [ -z "$leaks" ]; then
		res PASS lint/static-symbols "libshmdev.a: $nglob global symbols, all shmdev_ or shmdev__"
	else
		res FAIL lint/static-symbols "libshmdev.a defines unprefixed globals: $(echo $leaks)"
	fi
else
	res FAIL lint/static-symbols "no $B/libshmdev.a: make lib first"
fi

# SPDX line first (second after a #! line) in every source file.
bad=$(git ls-files 2>/dev/null | grep -E '\.(c|h|sh|sym)$|(^|/)(Makefile|Kbuild|init|run)$' |
	while read -r f; do
		head -n 2 "$f" | grep -q 'SPDX-License-Identifier:' || echo "$f"
	done)
if [ -z "$bad" ]; then
	res PASS lint/spdx "every source file has an SPDX line"
else
	res FAIL lint/spdx "no SPDX line: $(echo $bad)"
fi
exit $failed
