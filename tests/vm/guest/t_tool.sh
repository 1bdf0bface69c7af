#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The shmdev command against the module: info, create, ls, stat, rm, and a
# bench smoke run over every path including shmlist.
S=$(command -v shmdev || echo "$(dirname "$0")/../../shmdev")
[ -x "$S" ] || { echo "SKIP: no shmdev command"; exit 77; }
[ -e /dev/shmlist ] || { echo "SKIP: /dev/shmlist is missing: module not loaded"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
rc=0
fail() { echo "FAIL: $*"; rc=1; }
# check DESCRIPTION WANT_STATUS PATTERN CMD...
check() {
	d=$1 want=$2 pat=$3
	shift 3
	out=$("$@" 2>&1)
	st=$?
	if [ "$st" -ne "$want" ] || ! echo "$out" | grep -qE -- "$pat"; then
		echo "$out" | head -n 8
		fail "$d: '$*' exit $st (want $want), /$pat/"
	fi
}

check "info loaded" 0 "^module +loaded" "$S" info
check "info device" 0 "^device +/dev/shmlist, usable" "$S" info
check "info features" 0 "^features +regions persist populate huge listing" "$S" info
check "info version" 0 "^module version +$("$S" --version | cut -d' ' -f2)" "$S" info
check "info max_regions" 0 "^max_regions +[0-9]+" "$S" info

check "create" 0 "^created tooltest, 3145728 bytes, mode 0640" "$S" create tooltest 3M --persist --mode 640
check "create again" 1 "could not create region tooltest: File exists" "$S" create tooltest 3M --persist
check "create without persist" 1 "without --persist" "$S" create other 1M
check "create bad name" 1 "could not create region bad/name: Invalid argument" "$S" create bad/name 1M --persist
check "create populate" 0 "^created pop, 8388608 bytes" "$S" create pop 8M --persist --populate
check "ls lists" 0 " tooltest +3M +root +root +0640 +0 +0 +0 +[0-9]+ +[0-9]+s +named,linked,persist" "$S" ls
check "ls counters" 0 "module: 2 regions" "$S" ls
check "ls bytes" 0 " tooltest +3145728 " "$S" ls --bytes
check "stat size" 0 "^size: +3145728" "$S" stat tooltest
check "stat mode" 0 "^mode: +0640" "$S" stat tooltest
check "stat state" 0 "^state: +named linked persist" "$S" stat tooltest
check "stat resident" 0 "^resident: +8388608" "$S" stat pop
check "stat missing" 1 "could not open region nosuch: No such file or directory" "$S" stat nosuch
# An unprivileged user cannot stat a 0640 root region nor remove it.
check "stat denied" 1 "could not open region tooltest: Permission denied" su -s /bin/sh bob -c "$S stat tooltest"
check "rm denied" 1 "could not remove region tooltest: Operation not permitted" su -s /bin/sh bob -c "$S rm tooltest"
check "ls hides name" 0 " \? +3M " su -s /bin/sh bob -c "$S ls"
# An administrator sees every namespace's regions and removes by id.
ns=$(readlink /proc/self/ns/ipc | tr -dc 0-9)
check "ls all" 0 "^$ns +[0-9]+ +tooltest +3M " "$S" ls --all
check "ls all denied" 1 "could not read /proc/shmdev-all \(it needs CAP_SYS_ADMIN\)" su -s /bin/sh bob -c "$S ls --all"
id=$("$S" ls --all | awk '$3 == "pop" {print $2}')
check "rm id denied" 1 "could not remove region id $id: Operation not permitted" su -s /bin/sh bob -c "$S rm --id $id"
check "rm id" 0 "" "$S" rm --id "$id"
check "rm id again" 1 "could not remove region id $id: No such file or directory" "$S" rm --id "$id"
# Resize, seals and the doorbell, when the module has them.
if "$S" info | grep -qE "^features .*resize"; then
	check "stat gen 0" 0 "^generation: +0" "$S" stat tooltest
	check "stat no seals" 0 "^seals: +-" "$S" stat tooltest
	check "ls gen seals" 0 " tooltest +3M .* named,linked,persist +0 +-\$" "$S" ls
	check "ls all gen seals" 0 "^$ns +[0-9]+ +tooltest +3M .* named,linked,persist +0 +-\$" "$S" ls --all
	check "resize" 0 "^resized tooltest to 4194304 bytes" "$S" resize tooltest 4M
	check "resize rounds up" 0 "^resized tooltest to 4198400 bytes" "$S" resize tooltest 4194305
	check "stat gen 2" 0 "^generation: +2" "$S" stat tooltest
	check "stat resized" 0 "^size: +4198400" "$S" stat tooltest
	check "resize missing" 1 "could not open region nosuch: No such file or directory" "$S" resize nosuch 1M
	check "resize denied" 1 "could not open region tooltest: Permission denied" su -s /bin/sh bob -c "$S resize tooltest 1M"
	check "resize sysv" 1 "could not open region tooltest: No such file or directory" "$S" resize tooltest 1M -B sysv
	check "seal show" 0 "^tooltest: seals -\$" "$S" seal tooltest
	check "seal grow" 0 "^tooltest: seals grow\$" "$S" seal tooltest --grow
	check "resize sealed" 1 "could not resize region tooltest: Operation not permitted" "$S" resize tooltest 8M
	check "resize shrink ok" 0 "^resized tooltest to 3145728 bytes" "$S" resize tooltest 3M
	check "seal denied" 1 "could not open region tooltest: Permission denied" su -s /bin/sh bob -c "$S seal tooltest --grow"
	check "seal seal" 0 "^tooltest: seals grow,seal\$" "$S" seal tooltest --seal
	check "seal after seal" 1 "could not seal region tooltest: Operation not permitted" "$S" seal tooltest --shrink
	check "stat seals" 0 "^seals: +grow,seal" "$S" stat tooltest
	check "ls seals" 0 " tooltest +3M .* named,linked,persist +3 +grow,seal\$" "$S" ls
	# Once a write seal is in force, nobody opens read-write again.
	check "create fw" 0 "^created fwtest, 4096 bytes" "$S" create fwtest 4K --persist
	check "seal fw" 0 "^fwtest: seals future-write,shrink\$" "$S" seal fwtest -f -s
	check "resize fw" 1 "could not open region fwtest: Operation not permitted" "$S" resize fwtest 8K
	check "seal fw show" 0 "^fwtest: seals future-write,shrink\$" "$S" seal fwtest
	check "rm fw" 0 "" "$S" rm fwtest
	check "wait timeout" 2 "wait for region tooltest: timed out" "$S" wait tooltest --timeout 0.2
	check "wait timeout 0" 2 "timed out" "$S" wait tooltest -t 0
	"$S" wait tooltest --timeout 10 > /tmp/t_tool.wait 2>&1 &
	wpid=$!
	sleep 0.5
	check "notify" 0 "" "$S" notify tooltest
	wait "$wpid"
	st=$?
	if [ "$st" -ne 0 ] || [ "$(cat /tmp/t_tool.wait)" != 1 ]; then
		cat /tmp/t_tool.wait
		fail "wait woken by notify: exit $st, want 0 and '1'"
	fi
	rm -f /tmp/t_tool.wait
	check "notify missing" 1 "could not open region nosuch: No such file or directory" "$S" notify nosuch
	check "wait missing" 1 "could not open region nosuch: No such file or directory" "$S" wait nosuch -t 1
	check "notify posix" 1 "could not open region tooltest: No such file or directory" "$S" notify tooltest -B posix
else
	echo "module without resize: resize, seal, notify and wait not checked here"
fi
check "rm" 0 "" "$S" rm tooltest
check "rm again" 1 "could not remove region tooltest: No such file or directory" "$S" rm tooltest
check "ls empty" 0 "^0 listed; module: 0 regions" "$S" ls

out=$("$S" bench --sizes 2,99,5000 -i 3 --setup-bytes 8M 2>&1)
st=$?
rows=$(echo "$out" | grep -cE '^ +[0-9]+ (copy|sysv|posix|memfd|shmlist|limit) ')
bad=$(echo "$out" | grep -E '^ +[0-9]+ (copy|sysv|posix|memfd|shmlist|limit) ' | grep -vc ' yes$')
shm=$(echo "$out" | grep -cE '^ +[0-9]+ shmlist ')
if [ "$st" -ne 0 ] || [ "$rows" -ne 30 ] || [ "$bad" -ne 0 ] || [ "$shm" -ne 6 ]; then
	echo "$out"
	fail "bench smoke: exit $st, $rows rows, $bad unverified, $shm shmlist"
fi
echo "$out" | grep -E '^(shmlist|memfd) '
check "ls empty after bench" 0 "^0 listed; module: 0 regions" "$S" ls

# Installed but not loaded: info says how to load it.
if rmmod shmdev; then
	check "info not loaded" 1 "^module +installed, not loaded" "$S" info
	check "info suggests modprobe" 1 "modprobe shmdev" "$S" info
	modprobe shmdev || fail "modprobe shmdev again"
else
	fail "rmmod shmdev with no region left"
fi
exit $rc
