#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Debian's trinity fuzzes /dev/shmlist as an unprivileged user for
# SHMDEV_TRINITY_SECONDS (default 120): ioctl, mmap and the other calls
# that take an fd.
# trinity knows no shmdev command, so its ioctls go through the dispatcher
# with foreign numbers and random arguments; it cannot make a region fd,
# so the region commands (STAT, SET, RESIZE, SEAL, NOTIFY) and a region
# fd's read and poll are fuzzed by t_ioctl_fuzz and t_chaos instead.  trinity picks each call's fd from pools of many
# kinds; left alone it would hand /dev/shmlist about one call in a
# hundred.  So every pool that can be switched off is, except its file
# pool ("pseudo"), whose victim files are 32 device nodes of /dev/shmlist, and the test checks while it
# runs that trinity really holds them open.  The runner fails the test on
# any kernel splat; here, afterwards, the counters balance and nothing is
# left.  In the guest, trinity comes from the host's root shared at /host
# (9p), entered with chroot.
secs=${SHMDEV_TRINITY_SECONDS:-120}
[ "$secs" -gt 0 ] || { echo "SKIP: trinity switched off (SHMDEV_TRINITY_SECONDS=0)"; exit 77; }
[ -e /dev/shmlist ] || { echo "SKIP: /dev/shmlist is missing: module not loaded"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to drop to nobody"; exit 77; }
root=
if [ -x /host/usr/bin/trinity ] && [ ! -x /usr/bin/trinity ]; then
	root=/host
	for d in dev proc sys; do
		mount --bind /$d /host/$d || { echo "SKIP: cannot bind /$d into /host"; exit 77; }
	done
	mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm
fi
command -v ${root}/usr/bin/trinity > /dev/null 2>&1 ||
	[ -x "$root/usr/bin/trinity" ] || { echo "SKIP: trinity is not installed (apt-get install trinity)"; exit 77; }

# Victims: device nodes of /dev/shmlist on a tmpfs inside the chroot.
vdir=$root/dev/shm/victims
mkdir -p "$vdir"
dev=$(stat -c '%t %T' /dev/shmlist)
for i in $(seq 1 32); do
	mknod -m 666 "$vdir/shmlist$i" c $((0x${dev% *})) $((0x${dev#* })) ||
		{ echo "FAIL: cannot make victim nodes"; exit 1; }
done
chmod 755 "$vdir"

counters() { sed -n 's/^# shmdev [^ ]* created \([0-9]*\) destroyed \([0-9]*\) regions \([0-9]*\) bytes \([0-9]*\).*/\1 \2 \3 \4/p' /proc/shmdev; }
before=$(counters)
echo "trinity: ${secs}s on /dev/shmlist as nobody; before: $before (created destroyed live bytes)"
# Only the syscalls that take an fd, so reach the device: trinity cannot
# make a region, so its munmap, mremap, madvise and the like would only
# touch its own memory (region mappings are t_chaos's and t_abuse's).
# Fanotify taints Debian's kernel and stops trinity; sockets crash it.
cmd="cd /dev/shm && exec timeout -k 30 -s INT $secs /usr/bin/trinity -q -l off \
	--disable-fds=sockets,pipes,perf,epoll,eventfd,timerfd,testfile,memfd,drm \
	-V /dev/shm/victims -C 4 \
	-T BAD_PAGE,DIE,WARN,MACHINE_CHECK \
	-c ioctl -c mmap -c close -c dup -c dup2 -c fcntl -c read -c write -c lseek"
if [ -n "$root" ]; then
	chroot /host su -s /bin/sh nobody -c "$cmd" > /tmp/trinity.log 2>&1 &
else
	su -s /bin/sh nobody -c "$cmd" > /tmp/trinity.log 2>&1 &
fi
pid=$!
# trinity's processes: trinity-main and its children.
trinity_pids() {
	for p in /proc/[0-9]*; do
		case $(cat "$p/comm" 2>/dev/null) in trinity*) echo "${p#/proc/}" ;; esac
	done
}
# Which fds trinity's processes hold, a few seconds in.
held=0 total=0
for try in $(seq 1 30); do
	sleep 2
	for p in $(trinity_pids); do
		for f in /proc/"$p"/fd/*; do
			l=$(readlink "$f" 2>/dev/null) || continue
			total=$((total + 1))
			case $l in */victims/shmlist*) held=$((held + 1)) ;; esac
		done
	done
	[ "$held" -gt 0 ] && break
	kill -0 $pid 2>/dev/null || break
done
# trinity gets INT at the end and should be gone within 30 s.  On a slow
# debug kernel it may not be (seen: trinity-main reading /proc/N/fd for
# minutes): then KILL every trinity process here.  A process that even
# KILL does not end within a minute is stuck in the kernel: show where.
left=$((secs + 30))
while kill -0 $pid 2>/dev/null && [ $left -gt 0 ]; do
	sleep 5
	left=$((left - 5))
done
killed=
if kill -0 $pid 2>/dev/null; then
	killed=1
	echo "trinity: still running 30 s after its end; killing it"
	# Again and again: trinity-main may fork a child (named
	# trinity-main until it renames itself) after a pass has looked.
	left=60
	while [ -n "$(trinity_pids)" ] && [ $left -gt 0 ]; do
		for p in $(trinity_pids); do kill -9 "$p" 2>/dev/null; done
		sleep 1
		left=$((left - 1))
	done
	if [ -n "$(trinity_pids)" ]; then
		echo "FAIL: trinity processes survive SIGKILL for 60 s:"
		for p in $(trinity_pids); do
			echo "== $p $(cat /proc/$p/comm) $(sed -n 's/^State:\t//p' /proc/$p/status)"
			cat /proc/$p/stack 2>/dev/null
		done
		echo w > /proc/sysrq-trigger 2>/dev/null
		exit 1
	fi
fi
wait $pid
rc=$?
echo "trinity: its processes held $held /dev/shmlist fds of $total"
tail -n 5 /tmp/trinity.log
rm -rf "$vdir"
if [ -n "$root" ]; then
	umount /host/dev/shm /host/sys /host/proc /host/dev
fi
# trinity exits 0 on INT; 124 is timeout's own.  A crash of trinity is
# not a kernel problem, but say it.
echo "trinity: exit $rc"
grep -qi "kernel became tainted" /tmp/trinity.log && { echo "FAIL: trinity saw the kernel taint"; exit 1; }
# Its last word: "Ran N syscalls" at exit, else "N iterations" on the way.
ran=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p; s/.*\] \([0-9]*\) iterations.*/\1/p' /tmp/trinity.log | tail -n 1)
echo "trinity: ${ran:-no} syscalls counted"
# Killed before its summary and before its first progress line (every
# 10,000 calls; the debug kernel runs about 90 a second): then what its
# children logged of their calls is the evidence that it ran.
if [ -z "$ran" ] && [ -n "$killed" ]; then
	ran=$(grep -c '^\[child[0-9]*:[0-9]*\] .*([0-9]*)' /tmp/trinity.log)
	echo "trinity: killed before its summary; its children logged $ran calls"
fi
[ "${ran:-0}" -gt 0 ] || { echo "FAIL: trinity did not run (exit $rc)"; cat /tmp/trinity.log | tail -n 20; exit 1; }
[ "$held" -gt 0 ] || { echo "FAIL: trinity never opened /dev/shmlist"; exit 1; }
# Persistent regions it made stay until unlinked: unlink what is left.
for pass in 1 2 3; do
	for n in $(awk '!/^#/ && $2 != "-" {print $2}' /proc/shmdev); do
		/usr/bin/shmdev rm "$n" > /dev/null 2>&1 || true
	done
done
sleep 1
after=$(counters)
echo "trinity: after: $after"
set -- $after
[ "$3" = 0 ] || { echo "FAIL: $3 regions left"; cat /proc/shmdev; exit 1; }
[ "$1" = "$2" ] || { echo "FAIL: created $1 != destroyed $2"; exit 1; }
exit 0
