#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Show that each reliability suite can fail: build shmdev with one bug put
# in on purpose (tests/mutants/NAME.patch, applied to a copy of the tree)
# and run the suite meant to catch that kind of bug against it.  A mutant
# passes when the suite fails for the expected reason; a suite that stays
# green over its mutant is the failure.
#
#   leak-mapping         the last munmap keeps the region        t_chaos
#   drop-keeps-lock      a named region's release keeps the      t_load
#                        names lock
#   copy-in-overflow     ioctl structs copied at the caller's    t_ioctl_fuzz
#                        size into the kernel's smaller struct
#   warn-unknown-cmd     a WARN on an unknown ioctl command      t_trinity
#   open-no-perm         OPEN skips the mode check               t_hostile_users
#   list-unchecked-heap  a str/bytes slot's heap offset is not   test_list's
#                        checked against the region              corrupt slots or
#                                                                hostile peer, fuzz
#   seal-forgets-mprotect  a write-sealed region's read-only     t_seal
#                        mapping keeps VM_MAYWRITE
#   seal-ignores-writers the write seal does not wait for        t_seal
#                        writable mappings
#   seal-ignores-grow    RESIZE ignores the grow seal            t_seal
#   seal-allows-rdwr-open  OPEN read-write of a write-sealed     t_seal
#                        region succeeds
#   resize-skips-limits  RESIZE ignores max_region_bytes         t_resize
#   shrink-keeps-pages   a shrink keeps the memory past the end  t_resize
#   bell-forgets-wakeup  a ring counts but wakes no waiter       t_bell
#   unpark-skips-write-perm  UNPARK of a read-write fd asks read  t_park
#                        permission only
#
# usage: mutants.sh GUEST_KVER WORKDIR RESULTS [NAME...]
set -u
kver=$1
work=$2
results=$3
shift 3
mkdir -p "$work" || exit 1
top=$(cd "$(dirname "$0")/.." && pwd)
failed=0

# name | where | suite | environment | what the failing run must show
# trinity runs its make-check length (120 s): it has reached the mutant
# 10 to 42 s after it started, and once not within a 30 s run.
table=(
	"leak-mapping|guest|t_chaos|SHMDEV_CHAOS_SECONDS=10|FAIL	guest/t_chaos"
	"drop-keeps-lock|guest|t_load|SHMDEV_LOAD_SECONDS=10 SHMDEV_TEST_TIMEOUT=60|blocked for more than"
	"copy-in-overflow|guest|t_ioctl_fuzz|SHMDEV_FUZZ_SECONDS=10|usercopy|__copy_overflow|stack-protector|BUG:|general protection"
	"warn-unknown-cmd|guest|t_trinity||WARNING: .*shmdev"
	"open-no-perm|guest|t_hostile_users||FAIL	guest/t_hostile_users"
	"list-unchecked-heap|unit|test_list||FAILED +\] test_(hostile_peer|corrupt_slots)|runtime error:|ERROR: AddressSanitizer"
	"list-unchecked-heap|fuzz|fuzz_list||AddressSanitizer"
	"seal-forgets-mprotect|guest|t_seal||t_seal.c:[0-9]+: mprotect"
	"seal-ignores-writers|guest|t_seal||t_seal.c:[0-9]+: kt_seal\\(fd, SHMDEV_SEAL_WRITE\\) == -EBUSY"
	"seal-ignores-grow|guest|t_seal||t_seal.c:[0-9]+: kt_resize\\(fd, 8 \\* PG\\) == -EPERM"
	"seal-allows-rdwr-open|guest|t_seal||t_seal.c:[0-9]+: kt_open\\(dev, \"sl-write\", SHMDEV_OPEN_RDWR\\) == -EPERM"
	"resize-skips-limits|guest|t_resize||t_resize.c:[0-9]+: kt_resize\\(fd, 2 \\* MiB \\+ PG\\) == -EFBIG"
	"shrink-keeps-pages|guest|t_resize||t_resize.c:[0-9]+: touch\\(q \\+ 2 \\* MiB, 0\\) == SIGBUS"
	"bell-forgets-wakeup|guest|t_bell||t_bell.c:[0-9]+: epoll_wait"
	"unpark-skips-write-perm|guest|t_park||t_park.c:[0-9]+: unpark\\(rw, NULL, 0, NULL\\) == -EACCES"
)

res() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"
	echo "$1: $2${3:+ ($3)}"
	[ "$1" = FAIL ] && failed=1
}

# A copy of the tree, without build products, in DIR/src.
copy_tree() {
	rm -rf "$1"
	mkdir -p "$1/src" &&
	tar -C "$top" --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' --exclude=Module.symvers \
		--exclude=modules.order -cf - . | tar -C "$1/src" -xf -
}

for m in "${table[@]}"; do
	IFS='|' read -r name where suite envs _ <<< "$m"
	want=${m#*|*|*|*|}	# the rest, with its own |s
	[ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name" && continue
	id=mutant/$name/$suite
	d=$work/$name.$suite
	if ! copy_tree "$d"; then
		res FAIL "$id" "could not copy the tree to $d"
		continue
	fi
	if ! patch -s -p1 -d "$d/src" < "$top/tests/mutants/$name.patch" > "$d/patch.log" 2>&1; then
		res FAIL "$id" "the patch no longer applies: update tests/mutants/$name.patch"
		continue
	fi
	src=$d/src
	log=$d/log
	case $where in
	guest)
		if ! make -s -C "$src" KDIR="${KDIR:-/lib/modules/$kver/build}" shmdev > "$log" 2>&1; then
			res FAIL "$id" "the mutant does not build (see $log)"
			continue
		fi
		mkdir -p "$d/modtree/$kver/updates/dkms"
		cp "$src/shmdev.ko" "$d/modtree/$kver/updates/dkms/"
		: > "$d/results.txt"
		# shellcheck disable=SC2086
		env $envs GUEST_KVER="$kver" MODTREE="$d/modtree" \
			SHMDEV_ONLY="$suite" GUEST_TIMEOUT=300 \
			"$top/tests/vm/run-guest.sh" "$d/vm" \
			"$d/results.txt" >> "$log" 2>&1
		rc=$?
		seen=$(cat "$d/results.txt" "$d/vm/console.log" \
			"$d/vm/tests.log" 2>/dev/null | tr -d '\r')
		;;
	unit)
		make -s -C "$src" "build/tests/unit-san/$suite" > "$log" 2>&1
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
			"$src/build/tests/unit-san/$suite" >> "$log" 2>&1
		rc=$?
		seen=$(cat "$log")
		;;
	fuzz)
		mkdir -p "$d/corpus"
		make -s -C "$src" build/fuzz_list build/make_seeds > "$log" 2>&1 &&
			"$src/build/make_seeds" "$d/corpus" >> "$log" 2>&1
		"$src/build/fuzz_list" -max_total_time=60 -timeout=10 \
			-artifact_prefix="$d/" "$d/corpus" >> "$log" 2>&1
		rc=$?
		seen=$(cat "$log")
		;;
	esac
	hit=$(echo "$seen" | grep -aE -m 1 "$want")
	if [ "$rc" -ne 0 ] && [ -n "$hit" ]; then
		res PASS "$id" "caught: $(echo "$hit" | tr '\t' ' ' | cut -c1-100)"
	else
		res FAIL "$id" "the suite missed the mutant (exit $rc; see $log)"
	fi
done
exit $failed
