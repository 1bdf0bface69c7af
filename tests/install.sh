#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install into a DESTDIR installs every piece, pkg-config finds the
# library, a program links with it, and make uninstall removes it all.
#
# usage: install.sh RESULTS
set -u
results=$1
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; echo "$1: $2 ($3)"; }

make -s -C "$top" install DESTDIR="$d" PREFIX=/opt/shmdev > "$d.log" 2>&1 ||
	{ cat "$d.log"; res FAIL install/make "make install failed"; exit 1; }
missing=
for f in opt/shmdev/lib/libshmdev.so opt/shmdev/lib/libshmdev.a opt/shmdev/include/shmdev.h \
	 opt/shmdev/include/linux/shmdev.h opt/shmdev/lib/pkgconfig/libshmdev.pc opt/shmdev/bin/shmdev \
	 lib/udev/rules.d/60-shmdev.rules usr/lib/modules-load.d/shmdev.conf \
	 opt/shmdev/share/man/man1/shmdev.1 opt/shmdev/share/bash-completion/completions/shmdev \
	 opt/shmdev/share/man/man7/libshmdev.7 opt/shmdev/share/man/man3/shmdev_region.3 \
	 opt/shmdev/share/man/man3/shmdev_pool_run.3 opt/shmdev/share/man/man3/shmdev_list_get.3; do
	[ -e "$d/$f" ] || missing="$missing $f"
done
[ -z "$missing" ] && res PASS install/files "all pieces installed" ||
	res FAIL install/files "missing:$missing"

printf '#include <shmdev.h>\n#include <stdio.h>\nint main(void) { puts(shmdev_version()); return 0; }\n' > "$d/app.c"
flags=$(PKG_CONFIG_SYSROOT_DIR="$d" PKG_CONFIG_LIBDIR="$d/opt/shmdev/lib/pkgconfig" \
	pkg-config --cflags --libs libshmdev)
if cc -o "$d/app" "$d/app.c" $flags && [ "$(LD_LIBRARY_PATH=$d/opt/shmdev/lib "$d/app")" = \
	"$("$d/opt/shmdev/bin/shmdev" --version | awk '{print $2}')" ]; then
	res PASS install/pkg-config "a program links with pkg-config --libs libshmdev"
else
	res FAIL install/pkg-config "could not link a program with the installed library"
fi
rm -f "$d/app" "$d/app.c"

make -s -C "$top" uninstall DESTDIR="$d" PREFIX=/opt/shmdev > /dev/null 2>&1
left=$(find "$d" -type f -o -type l)
[ -z "$left" ] && res PASS install/uninstall "make uninstall removed everything" ||
	res FAIL install/uninstall "left behind: $left"
rm -f "$d.log"
[ -z "$missing" ] && [ -z "$left" ]
