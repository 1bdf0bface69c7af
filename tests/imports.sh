#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The import map of a set of object files: which file calls which other
# file's functions, from their undefined and defined symbols.  Fails when
# the calls run in a circle, naming the files on it.
#
# usage: imports.sh PREFIX OBJECT...   (PREFIX: the symbols to follow)
set -u
prefix=$1
shift
# symbol -> defining file
defs=$(for o in "$@"; do
	nm -g --defined-only "$o" | awk -v f="$(basename "$o" .o)" -v p="$prefix" \
		'NF == 3 && index($3, p) == 1 {print $3, f}'
done | sort -u)
edges=$(for o in "$@"; do
	f=$(basename "$o" .o)
	nm -u "$o" | awk -v p="$prefix" 'index($2, p) == 1 {print $2}' |
		while read -r s; do
			echo "$defs" | awk -v s="$s" -v f="$f" '$1 == s && $2 != f {print f, $2}'
		done
done | sort -u)
echo "$edges" | awk '{a[$1] = a[$1] " " $2} END {for (k in a) print k ":" a[k]}' | sort
# tsort prints "input contains a loop" and the loop's members on stderr.
loop=$(echo "$edges" | tsort 2>&1 > /dev/null | grep -v 'input contains a loop' | awk '{print $2}' | tr '\n' ' ')
[ -z "$loop" ] || { echo "imports: a circle through: $loop" >&2; exit 1; }
