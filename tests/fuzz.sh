#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz list attach and access (libFuzzer, ASan, UBSan) for a bounded time.
# usage: fuzz.sh SECONDS [RESULTS]
set -u
secs=$1
results=${2:-/dev/null}
top=$(cd "$(dirname "$0")/.." && pwd)
B=$top/build
corpus=$B/fuzz-corpus
res() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; echo "$1: $2 ($3)"; }

make -s -C "$top" build/fuzz_list build/make_seeds || { res FAIL fuzz/list "could not build the fuzz target (clang, libclang-rt-14-dev)"; exit 1; }
mkdir -p "$corpus" "$B/fuzz-crashes"
"$B/make_seeds" "$corpus" || { res FAIL fuzz/list "could not write seeds"; exit 1; }
log=$B/fuzz.log
if "$B/fuzz_list" -max_total_time="$secs" -timeout=10 \
	-artifact_prefix="$B/fuzz-crashes/" "$corpus" > "$log" 2>&1; then
	runs=$(grep -o 'Done [0-9]* runs' "$log" | awk '{print $2}')
	res PASS fuzz/list "${runs:-?} inputs in ${secs}s, no crash"
else
	tail -n 30 "$log"
	res FAIL fuzz/list "crash, reproducer in $B/fuzz-crashes"
	exit 1
fi
