#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the cmocka unit tests (no kernel module needed): once against the
# shared library, once with the library compiled in under ASan and UBSan.
# Each cmocka case is one result.
#
# usage: unit.sh RESULTS
set -u
results=$1
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
failed=0
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for kind in unit unit-san; do
	for t in "$B/tests/$kind"/*; do
		[ -x "$t" ] || continue
		name=$kind/${t##*/}
		out=$("$t" 2>&1)
		rc=$?
		echo "$out" | grep -vE '^(ok|1\.\.)'
		n=0
		while IFS= read -r line; do
			case $line in
			"ok "*"# SKIP"*)
				printf 'SKIP\t%s/%s\t%s\n' "$name" \
					"$(echo "$line" | sed 's/^ok [0-9]* - //; s/ *#.*//')" \
					"$(echo "$line" | sed 's/.*# SKIP *//')" >> "$results"; n=$((n+1)) ;;
			"ok "*)
				printf 'PASS\t%s/%s\t\n' "$name" "${line#ok * - }" >> "$results"; n=$((n+1)) ;;
			"not ok "*)
				printf 'FAIL\t%s/%s\tcmocka case failed\n' "$name" \
					"${line#not ok * - }" >> "$results"; n=$((n+1)); failed=1 ;;
			esac
		done <<< "$out"
		if [ "$rc" -ne 0 ] && ! grep -q "^FAIL	$name/" "$results"; then
			printf 'FAIL\t%s\texit status %d (crash or sanitizer report)\n' \
				"$name" "$rc" >> "$results"
			failed=1
		elif [ "$n" -eq 0 ]; then
			printf 'FAIL\t%s\tno test cases ran\n' "$name" >> "$results"
			failed=1
		fi
		echo "$name: $n cases, exit $rc"
	done
done
exit $failed
