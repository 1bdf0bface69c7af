#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Debian's trinity fuzzes /dev/shmlist as an unprivileged user for
# SHMDEV_TRINITY_SECONDS (default 120): ioctl, mmap and friends on it and
# on what it returns.  The runner fails the test on any kernel splat;
# here, afterwards, every region it made is gone once its names are
# unlinked, and the counters balance.  In the guest, trinity comes from
# the host's root shared at /host (9p), entered with chroot.
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

counters() { sed -n 's/^# shmdev [^ ]* created \([0-9]*\) destroyed \([0-9]*\) regions \([0-9]*\) bytes \([0-9]*\).*/\1 \2 \3 \4/p' /proc/shmdev; }
before=$(counters)
echo "trinity: ${secs}s on /dev/shmlist as nobody; before: $before (created destroyed live bytes)"
# Only the syscalls that reach the device and its regions; fanotify taints
# Debian's kernel and stops trinity; sockets crash it.
cmd="cd /dev/shm && exec timeout -k 30 -s INT $secs /usr/bin/trinity -q -l off \
	--disable-fds=sockets,perf -V /dev/shmlist -C 4 \
	-T BAD_PAGE,DIE,WARN,MACHINE_CHECK \
	-c ioctl -c mmap -c munmap -c mremap -c mprotect -c madvise -c msync \
	-c close -c dup -c dup2 -c fcntl -c read -c write -c lseek \
	-c remap_file_pages -c mlock -c munlock"
if [ -n "$root" ]; then
	chroot /host su -s /bin/sh nobody -c "$cmd" > /tmp/trinity.log 2>&1
else
	su -s /bin/sh nobody -c "$cmd" > /tmp/trinity.log 2>&1
fi
rc=$?
tail -n 5 /tmp/trinity.log
if [ -n "$root" ]; then
	umount /host/dev/shm /host/sys /host/proc /host/dev
fi
# trinity exits 0 on INT; 124 is timeout's own.  A crash of trinity is
# not a kernel problem, but say it.
echo "trinity: exit $rc"
grep -qi "kernel became tainted" /tmp/trinity.log && { echo "FAIL: trinity saw the kernel taint"; exit 1; }
ran=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' /tmp/trinity.log | tail -n 1)
[ "${ran:-0}" -gt 0 ] || { echo "FAIL: trinity did not run (exit $rc)"; cat /tmp/trinity.log | tail -n 20; exit 1; }
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
