#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The shmdev command on the host (no module needed): help and version,
# argument validation, and a bench smoke run on tiny sizes over every
# user-space path, checking the doubled values (the ok column) and the
# CSV, JSON and SVG outputs.
#
# usage: tool.sh RESULTS
set -u
results=$1
top=$(cd "$(dirname "$0")/.." && pwd)
S=$top/build/shmdev
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
res() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"
	echo "$1: $2${3:+ ($3)}"
	[ "$1" = FAIL ] && failed=1
}

# expect NAME STATUS PATTERN -- ARGS: exit status and a line of output.
expect() {
	local name=$1 want=$2 pat=$3 out rc
	shift 4
	out=$(timeout 20 "$S" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && echo "$out" | grep -qE -- "$pat"; then
		res PASS "tool/$name" ""
	else
		echo "$out" | head -n 5
		res FAIL "tool/$name" "shmdev $*: exit $rc, want $want and /$pat/"
	fi
}

expect version 0 "^shmdev $("$S" --version | awk '{print $2}')\$" -- --version
expect help 0 "bench .*doubling" -- --help
expect help-bench 0 "--sizes LIST" -- bench --help
expect unknown-command 1 "unknown command 'frobnicate'" -- frobnicate
expect no-command 1 "^shmdev: missing COMMAND" --
expect unknown-option 1 "^shmdev: unknown option '--frob'" -- --frob
expect help-command 0 "bench .*doubling" -- help
expect help-command-create 0 "K, M, G or T" -- help create
expect help-command-unknown 1 "^shmdev: help: unknown command 'nosuch'" -- help nosuch
expect help-create-suffixes 0 "K, M, G or T" -- create --help
expect bench-unknown-option 1 "^shmdev: bench: unknown option '--frob'" -- bench --frob
expect bench-missing-value 1 "^shmdev: bench: option '--sizes' needs a value" -- bench --sizes
expect bench-unknown-short 1 "^shmdev: bench: unknown option '-q'" -- bench -q
expect ls-unknown-option 1 "^shmdev: ls: unknown option '--frob'" -- ls --frob
expect info-extra-arg 1 "^shmdev: info: unexpected argument 'x'" -- info x
expect bench-bad-size 1 "could not parse sizes '0'" -- bench --sizes 0
expect bench-bad-size-text 1 "could not parse sizes '12x'" -- bench --sizes 12x
expect bench-bad-size-neg 1 "could not parse sizes '-5'" -- bench --sizes -5
expect bench-unknown-path 1 "could not parse paths 'carrier-pigeon'" -- bench --paths carrier-pigeon
expect bench-unknown-mode 1 "could not parse mode 'lazy'" -- bench --mode lazy
expect bench-zero-workers 1 "could not use 0 workers" -- bench --workers 0
expect bench-bad-iterations 1 "could not use -1 iterations" -- bench -i -1
expect bench-zero-rounds 1 "could not use 0 rounds" -- bench --rounds 0
expect bench-bad-rounds 1 "could not use 2x rounds" -- bench -r 2x
expect bench-extra-arg 1 "^shmdev: bench: unexpected argument 'extra'" -- bench extra
export SHMDEV_POOL_WAIT=spin
expect bench-bad-pool-wait 1 "could not use SHMDEV_POOL_WAIT='spin': want active, passive or auto" \
	-- bench --sizes 50 --setup-bytes 0
unset SHMDEV_POOL_WAIT
expect create-no-size 1 "^shmdev: create: missing SIZE after NAME 'onlyname'" -- create onlyname
expect create-no-name 1 "^shmdev: create: missing NAME and SIZE" -- create
expect create-extra-arg 1 "^shmdev: create: unexpected argument 'z'" -- create x 1M z --persist
expect create-mode-no-value 1 "^shmdev: create: option '--mode' needs a value" -- create x 1M --mode
expect create-bad-size 1 "could not parse size '1Q'" -- create x 1Q --persist
expect create-bad-mode 1 "could not parse mode '999'" -- create x 1M --persist --mode 999
expect rm-no-name 1 "^shmdev: rm: missing NAME" -- rm
expect stat-no-name 1 "^shmdev: stat: missing NAME" -- stat
expect stat-extra-arg 1 "^shmdev: stat: unexpected argument 'b'" -- stat a b
expect rm-id-none 1 "^shmdev: rm: missing ID" -- rm --id
expect rm-id-text 1 "could not parse region id 'abc'" -- rm --id abc
expect rm-id-negative 1 "could not parse region id '-3'" -- rm --id -- -3
expect rm-id-trailing 1 "could not parse region id '12x'" -- rm --id 12x
expect rm-id-overflow 1 "could not parse region id '99999999999999999999'" -- rm --id 99999999999999999999
expect ls-extra-arg 1 "^shmdev: ls: unexpected argument 'extra'" -- ls --all extra
if [ ! -e /dev/shmlist ]; then
	expect info-no-module 1 "could not open /dev/shmlist" -- info
	expect info-how-to 1 "install it with DKMS|load it with: modprobe shmdev" -- info
	expect ls-no-module 1 "could not read /proc/shmdev" -- ls
	expect ls-all-no-module 1 "could not read /proc/shmdev-all" -- ls --all
	expect rm-id-no-module 1 "could not open /dev/shmlist" -- rm --id 1
	expect bench-shmlist-missing 1 "could not use the shmlist path" -- bench --paths shmlist
	# The missing file is the module's, not the region's.
	nomod="^shmdev: could not open /dev/shmlist: the shmdev module is not loaded: modprobe shmdev\$"
	expect stat-no-module 1 "$nomod" -- stat nosuch
	expect create-no-module 1 "$nomod" -- create nosuch 1M --persist
	expect rm-no-module 1 "$nomod" -- rm nosuch
fi

# resize, seal, notify and wait: arguments, then on a posix region (the
# kernel backend's run in the guest, t_tool.sh).
expect help-resize 0 "K, M, G or T" -- resize --help
expect help-seal 0 "--future-write" -- seal --help
expect help-notify 0 "doorbell" -- notify --help
expect help-wait 0 "Exit status: 0 when it rang, 2 when the time ran out" -- wait --help
expect resize-no-name 1 "^shmdev: resize: missing NAME and SIZE" -- resize
expect resize-no-size 1 "^shmdev: resize: missing SIZE after NAME 'x'" -- resize x
expect resize-extra-arg 1 "^shmdev: resize: unexpected argument 'z'" -- resize x 1M z
expect resize-unknown-option 1 "^shmdev: resize: unknown option '--frob'" -- resize --frob x 1M
expect resize-backend-no-value 1 "^shmdev: resize: option '--backend' needs a value" -- resize x 1M --backend
expect resize-bad-backend 1 "^shmdev: could not use backend 'floppy': want kernel, posix, sysv or memfd" -- resize x 1M -B floppy
expect resize-default-backend 1 "^shmdev: could not use backend 'default'" -- resize x 1M -B default
expect resize-zero 1 "^shmdev: could not parse size '0'" -- resize x 0
expect resize-bad-size 1 "^shmdev: could not parse size '1Q'" -- resize x 1Q
expect resize-negative 1 "^shmdev: could not parse size '-5'" -- resize x -- -5
expect resize-bad-name 1 "^shmdev: could not open region a/b: Invalid argument" -- resize a/b 1M -B posix
expect resize-missing 1 "^shmdev: could not open region nosuch-$$: No such file or directory" -- resize nosuch-$$ 1M -B posix
expect resize-memfd 1 "^shmdev: could not open region x: Operation not supported" -- resize x 1M -B memfd
expect seal-no-name 1 "^shmdev: seal: missing NAME" -- seal --grow
expect seal-extra-arg 1 "^shmdev: seal: unexpected argument 'y'" -- seal x y
expect seal-unknown-option 1 "^shmdev: seal: unknown option '--frob'" -- seal x --frob
expect seal-unknown-short 1 "^shmdev: seal: unknown option '-q'" -- seal x -q
expect seal-missing 1 "^shmdev: could not open region nosuch-$$: No such file or directory" -- seal nosuch-$$ --grow -B posix
expect notify-no-name 1 "^shmdev: notify: missing NAME" -- notify
expect notify-extra-arg 1 "^shmdev: notify: unexpected argument 'y'" -- notify x y
expect notify-unknown-option 1 "^shmdev: notify: unknown option '--frob'" -- notify --frob x
expect notify-missing 1 "^shmdev: could not open region nosuch-$$: No such file or directory" -- notify nosuch-$$ -B posix
expect wait-no-name 1 "^shmdev: wait: missing NAME" -- wait
expect wait-extra-arg 1 "^shmdev: wait: unexpected argument 'y'" -- wait x y
expect wait-unknown-option 1 "^shmdev: wait: unknown option '--frob'" -- wait --frob x
expect wait-timeout-no-value 1 "^shmdev: wait: option '--timeout' needs a value" -- wait x --timeout
for t in -1 abc 1x inf nan '' 3000000; do
	expect "wait-bad-timeout-${t:-empty}" 1 "^shmdev: could not parse timeout '$t': want seconds, 0 or more" -- wait x --timeout "$t"
done
expect wait-missing 1 "^shmdev: could not open region nosuch-$$: No such file or directory" -- wait nosuch-$$ -t 1 -B posix
SHMDEV_BACKEND=bogus expect env-bad-backend 1 "^shmdev: could not use backend 'bogus' of SHMDEV_BACKEND" -- notify x
# A posix region is /dev/shm/NAME: made here as CPython would.
rn=shmdev-tooltest-$$
head -c 4096 /dev/zero > "/dev/shm/$rn"
expect resize-grow 0 "^resized $rn to 3145728 bytes" -- resize "$rn" 3M -B posix
if [ "$(stat -c %s "/dev/shm/$rn")" = 3145728 ]; then
	res PASS tool/resize-grow-size ""
else
	res FAIL tool/resize-grow-size "/dev/shm/$rn is $(stat -c %s "/dev/shm/$rn") bytes, want 3145728"
fi
SHMDEV_BACKEND=posix expect resize-shrink-env 0 "^resized $rn to 5000 bytes" -- resize "$rn" 5000
expect seal-posix 1 "^shmdev: could not seal region $rn: Operation not supported" -- seal "$rn" --grow -B posix
expect seal-posix-show 1 "^shmdev: could not seal region $rn: Operation not supported" -- seal "$rn" -B posix
expect notify-posix 1 "^shmdev: could not notify region $rn: Operation not supported" -- notify "$rn" -B posix
expect wait-posix 1 "^shmdev: could not wait for region $rn: Operation not supported" -- wait "$rn" -t 0 -B posix
chmod 0400 "/dev/shm/$rn"
if [ "$(id -u)" -ne 0 ]; then
	expect resize-readonly 1 "^shmdev: could not open region $rn: Permission denied" -- resize "$rn" 8K -B posix
fi
rm -f "/dev/shm/$rn"

# Smoke: every user-space path and mode, values verified every run.
if "$S" bench --sizes 1,2,99,1000 --paths copy,sysv,posix,memfd,limit \
	-i 3 --setup-bytes 4M --plot "$tmp/b.svg" > "$tmp/table" 2>&1; then
	rows=$(grep -cE '^ +[0-9]+ (copy|sysv|posix|memfd|limit) ' "$tmp/table")
	bad=$(grep -E '^ +[0-9]+ (copy|sysv|posix|memfd|limit) ' "$tmp/table" | grep -vc ' yes$')
	# 4 sizes x (copy + limit + 3 shared paths x 2 modes) = 32 rows
	if [ "$rows" -eq 32 ] && [ "$bad" -eq 0 ]; then
		res PASS tool/bench-smoke "32 runs verified"
	else
		cat "$tmp/table"
		res FAIL tool/bench-smoke "$rows rows, $bad not verified"
	fi
else
	cat "$tmp/table"
	res FAIL tool/bench-smoke "bench failed"
fi
if grep -q '<polyline' "$tmp/b.svg" 2>/dev/null && grep -q '</svg>' "$tmp/b.svg"; then
	res PASS tool/bench-plot "SVG with lines"
else
	res FAIL tool/bench-plot "no SVG chart"
fi
csv=$("$S" bench --sizes 50 --paths sysv,copy --mode persistent -i 2 --setup-bytes 0 --csv)
if [ "$(echo "$csv" | head -n 1 | cut -d, -f1-5)" = "kind,label,workers,n,path" ] &&
   [ "$(echo "$csv" | grep -c '^run,')" -eq 2 ]; then
	res PASS tool/bench-csv ""
else
	echo "$csv"
	res FAIL tool/bench-csv "unexpected CSV"
fi
# Runs are split into whole rounds: 4 asked, 3 rounds -> 2 per round, 6 timed.
its=$("$S" bench --sizes 50 --paths sysv,limit --mode persistent -i 4 -r 3 \
	--setup-bytes 0 --csv | awk -F, '/^run,/ { print $5 ":" $7 }' | sort | tr '\n' ' ')
if [ "$its" = "limit:6 sysv:6 " ]; then
	res PASS tool/bench-rounds "6 timed runs in 3 rounds"
else
	res FAIL tool/bench-rounds "want 6 timed runs for each path, got: $its"
fi
# The floor on huge and on small pages; every wait policy gives verified runs.
floor=$("$S" bench --sizes 1000 --paths limit,limit4k,sysv -i 2 -r 1 \
	--setup-bytes 0 --csv | awk -F, '/^run,/ { print $5 ":" $6 ":" $16 }' | sort | tr '\n' ' ')
if [ "$floor" = "limit4k:persistent:1 limit:persistent:1 sysv:per-iteration:1 sysv:persistent:1 " ]; then
	res PASS tool/bench-floor "limit and limit4k once each, verified"
else
	res FAIL tool/bench-floor "want limit, limit4k and both sysv modes verified, got: $floor"
fi
for w in active passive auto; do
	v=$(SHMDEV_POOL_WAIT=$w "$S" bench --sizes 999 --paths memfd -i 20 -r 2 \
		--setup-bytes 0 --csv | awk -F, '/^run,/ { print $16 }' | tr -d '\n')
	if [ "$v" = 11 ]; then
		res PASS "tool/bench-wait-$w" "SHMDEV_POOL_WAIT=$w: both modes verified"
	else
		res FAIL "tool/bench-wait-$w" "SHMDEV_POOL_WAIT=$w: verified '$v', want 11"
	fi
done
# The table and the CSV of one run; a file that cannot be written is an error.
if "$S" bench --sizes 50 --paths sysv -m persistent -i 2 --setup-bytes 0 \
	--csv-file "$tmp/b.csv" > "$tmp/t2" && grep -q '^ *50 sysv ' "$tmp/t2" &&
   grep -q '^run,,[0-9]*,50,sysv,persistent,' "$tmp/b.csv"; then
	res PASS tool/bench-csv-file ""
else
	res FAIL tool/bench-csv-file "want the table on stdout and the CSV in the file"
fi
# Output files are opened first: a 10M run must not start (timeout 20).
nofile="No such file or directory"
expect bench-csv-file-bad 1 "^shmdev: could not open CSV file /nonexistent/x.csv: $nofile" -- \
	bench --sizes 10M --paths copy,sysv -i 50 --csv-file /nonexistent/x.csv
expect bench-plot-bad 1 "^shmdev: could not open plot file /nonexistent/x.svg: $nofile" -- \
	bench --sizes 10M --paths copy,sysv -i 50 --plot /nonexistent/x.svg
json=$("$S" bench --sizes 50 --paths memfd --mode persistent -i 2 --setup-bytes 0 --json)
if echo "$json" | grep -q '"path": "memfd"' && echo "$json" | grep -q '"verified": true' &&
   [ "$(echo "$json" | tr -cd '{' | wc -c)" -eq "$(echo "$json" | tr -cd '}' | wc -c)" ]; then
	res PASS tool/bench-json ""
else
	echo "$json"
	res FAIL tool/bench-json "unexpected JSON"
fi

# bench --ops: its arguments, and a run on tiny counts over the user-space
# backends: every figure there, growth 1 at L=0, no region left behind.
expect ops-help 0 "--live LIST" -- bench --ops --help
expect ops-bad-live 1 "could not parse live counts '5,10'" -- bench --ops --live 5,10
expect ops-bad-live-text 1 "could not parse live counts '0,x'" -- bench --ops --live 0,x
expect ops-many-live 1 "could not parse live counts '0,1,2,3,4,5,6,7,8'" -- bench --ops --live 0,1,2,3,4,5,6,7,8
expect ops-huge-live 1 "could not parse live counts '0,100001'" -- bench --ops --live 0,100001
expect ops-negative-live 1 "could not parse live counts '0,-1'" -- bench --ops --live 0,-1
expect ops-empty-backends 1 "could not parse backends ','" -- bench --ops --backends ,
expect ops-bad-samples 1 "could not use 3x samples" -- bench --ops -n 3x
expect ops-bad-backend 1 "could not parse backends 'floppy'" -- bench --ops --backends floppy
expect ops-default-backend 1 "could not parse backends 'default'" -- bench --ops -b default
expect ops-zero-samples 1 "could not use 0 samples" -- bench --ops --samples 0
expect ops-many-rounds 1 "could not use 101 rounds" -- bench --ops --rounds 101
expect ops-extra-arg 1 "^shmdev: bench --ops: unexpected argument 'extra'" -- bench --ops extra
expect ops-unknown-option 1 "^shmdev: bench --ops: unknown option '--frob'" -- bench --ops --frob
expect ops-missing-value 1 "^shmdev: bench --ops: option '--live' needs a value" -- bench --ops --live
# bench --bell: its arguments; without the module it says so.
expect bell-help 0 "--trips N" -- bench --bell --help
expect bell-zero-trips 1 "could not parse --trips '0': want 1 to" -- bench --bell --trips 0
expect bell-text-trips 1 "could not parse --trips '1x': want 1 to" -- bench --bell -n 1x
expect bell-negative-trips 1 "could not parse --trips '-1': want 1 to" -- bench --bell -n -1
expect bell-many-rounds 1 "could not parse --rounds '101': want 1 to 100" -- bench --bell --rounds 101
expect bell-bad-cpu 1 "could not parse --cpu 'x': want 0 to" -- bench --bell --cpu x
expect bell-huge-cpu 1 "could not parse --cpu '99999': want 0 to" -- bench --bell --cpu 99999
expect bell-extra-arg 1 "^shmdev: bench --bell: unexpected argument 'extra'" -- bench --bell extra
expect bell-unknown-option 1 "^shmdev: bench --bell: unknown option '--frob'" -- bench --bell --frob
expect bell-missing-value 1 "^shmdev: bench --bell: option '--rounds' needs a value" -- bench --bell --rounds
if [ ! -e /dev/shmlist ]; then
	expect bell-no-module 1 "could not open /dev/shmlist: .*modprobe shmdev" -- bench --bell --trips 1 --rounds 1
fi
ops=$("$S" bench --ops --live 0,3 --samples 3 --rounds 2 -b posix,sysv,memfd --csv 2>&1)
rc=$?
rows=$(echo "$ops" | grep -cE '^(posix|sysv|memfd),[a-z0-9 +]+,[03],[0-9.]+,(ns|x),[0-9.]+$')
base=$(echo "$ops" | grep -E ',0,[0-9.]+,(ns|x),' | grep -vc ',1\.000$')
left=$(ls /dev/shm | grep -c '^shmdev-bench-ops\.')
if [ "$rc" -eq 0 ] && [ "$(echo "$ops" | head -n 1)" = "backend,op,live,median,unit,growth" ] &&
   [ "$rows" -eq 30 ] && [ "$base" -eq 0 ] && [ "$left" -eq 0 ]; then
	res PASS tool/bench-ops-smoke "30 figures, growth 1 at L=0, nothing left in /dev/shm"
else
	echo "$ops" | head -n 5
	res FAIL tool/bench-ops-smoke "exit $rc, $rows of 30 rows, $base bad L=0 growths, $left left in /dev/shm"
fi
expect ops-table 0 "^map\+unmap +[0-9.]+us \( 1\.00x\)" -- bench --ops --live 0,2 -n 2 -r 1 -b memfd
. "$top/tests/tool-outputs.sh"
exit $failed
