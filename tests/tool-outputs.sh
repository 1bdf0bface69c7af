# SPDX-License-Identifier: GPL-2.0
#
# Sourced by tool.sh (S, tmp, top, res): the bench at its edges.  Short of
# memory, with one process, with one mode; its CSV, JSON and SVG read by
# Python's own parsers under a hostile label; the files `make bench`
# wrote; and the bash completion.
PY=/usr/bin/python3
B1=(bench --sizes 50 -i 2 -r 1 --setup-bytes 0)

# copy under a 400 MB address space at 10^8 elements: skipped, no SIGSEGV;
# nothing measured is a failure.
# No chart is left behind for it: none made, an old one kept.
echo old > "$tmp/old.svg"
out=$(bash -c 'ulimit -v 400000; exec "$0" bench --paths copy --sizes 100M --setup-bytes 0 \
	--plot "$1/none.svg" --csv-file "$1/old.svg.csv"' "$S" "$tmp" 2>&1)
rc=$?
out2=$(bash -c 'ulimit -v 400000; exec "$0" bench --paths copy --sizes 100M --setup-bytes 0 \
	--plot "$1/old.svg"' "$S" "$tmp" 2>&1)
if [ "$rc" -eq 1 ] && echo "$out" | grep -q 'copy .*skipped: malloc of 800000000 bytes' &&
   echo "$out" | grep -q '^shmdev: bench: nothing was measured' &&
   [ ! -e "$tmp/none.svg" ] && [ "$(cat "$tmp/old.svg")" = old ] &&
   [ "$(head -c 5 "$tmp/old.svg.csv")" = "kind," ]; then
	res PASS tool/bench-copy-no-memory "skipped, exit 1: nothing measured; no chart made, an old one kept"
else
	echo "$out2" | tail -n 2
	echo "$out" | tail -n 5
	res FAIL tool/bench-copy-no-memory "exit $rc (139: SIGSEGV), want 1, a skip, 'nothing was measured', no new chart, the old one kept"
fi

out=$("$S" "${B1[@]}" --paths sysv -m persistent -w 1 2>&1)
if echo "$out" | grep -q 'in parallel, 1 process$'; then
	res PASS tool/bench-one-process "1 process"
else
	res FAIL tool/bench-one-process "$(echo "$out" | head -n 1)"
fi

# --mode per-iteration: copy and the floor have no mode, and say so alike.
rows=$("$S" "${B1[@]}" --paths copy,sysv,limit -m per-iteration --csv |
	awk -F, '/^run,/ { print $5 ":" $6 ":" ($12 != "") }' | tr '\n' ' ')
if [ "$rows" = "copy:persistent:1 sysv:per-iteration:1 limit:persistent:1 " ]; then
	res PASS tool/bench-mode-labels "copy and limit persistent, sysv per-iteration, vs copy filled"
else
	res FAIL tool/bench-mode-labels "got: $rows"
fi

# Where the table shows "-", the CSV has an empty field, not 0.0000.
row=$("$S" "${B1[@]}" --paths sysv -m persistent --csv | grep '^run,')
if [ "$(echo "$row" | cut -d, -f12,13)" = "," ]; then
	res PASS tool/bench-csv-empty "vs_copy and over_limit empty without copy and limit"
else
	res FAIL tool/bench-csv-empty "$row"
fi

# The tool names its backends: SHMDEV_BACKEND is the library's (shmdev.1).
if SHMDEV_BACKEND=nosuch "$S" "${B1[@]}" --paths sysv -m persistent > /dev/null 2>&1; then
	res PASS tool/backend-env-ignored "shmdev bench runs whatever SHMDEV_BACKEND says"
else
	res FAIL tool/backend-env-ignored "SHMDEV_BACKEND=nosuch broke shmdev bench"
fi

# parse_outputs FILE...: csv (every row as wide as the header), json, svg.
parse_outputs() {
	"$PY" - "$@" <<'PYEOF'
import csv, json, sys
import xml.etree.ElementTree as ET
for f in sys.argv[1:]:
    if f.endswith(".csv"):
        rows = list(csv.reader(open(f, newline="")))
        bad = [i for i, r in enumerate(rows) if len(r) != len(rows[0])]
        if bad:
            sys.exit("%s: row %d has %d fields, the header %d" %
                     (f, bad[0], len(rows[bad[0]]), len(rows[0])))
        labels = {r[1] for r in rows[1:]}
    elif f.endswith(".json"):
        labels = {json.load(open(f))["label"]}
    else:
        root = ET.parse(f).getroot()
        labels = {"".join(root.find("{http://www.w3.org/2000/svg}text").itertext())}
    print("%s: %s" % (f, sorted(labels)[0][-40:] if labels else ""))
PYEOF
}

label=$'emulated: QEMU TCG guest, compare only within this run; "a" <b> & c\'s\nnext line'
if "$S" "${B1[@]}" --paths copy,sysv --label "$label" --csv-file "$tmp/h.csv" \
	--plot "$tmp/h.svg" --json > "$tmp/h.json" &&
   out=$(parse_outputs "$tmp/h.csv" "$tmp/h.json" "$tmp/h.svg" 2>&1) &&
   [ "$(grep -c 'next line' <<< "$out")" -eq 3 ]; then
	res PASS tool/bench-outputs-parse "CSV, JSON and SVG parse, the label intact"
else
	echo "$out"
	res FAIL tool/bench-outputs-parse "$(echo "$out" | tail -n 1)"
fi

# What make bench wrote with this build, if it has run.
files=$(find "$top/build/bench" -maxdepth 1 \( -name '*.csv' -o -name '*.json' -o \
	-name '*.svg' \) -newer "$S" 2>/dev/null)
if [ -n "$files" ]; then
	# shellcheck disable=SC2086
	if out=$(parse_outputs $files 2>&1); then
		res PASS tool/make-bench-outputs-parse "$(echo $files | wc -w) files"
	else
		res FAIL tool/make-bench-outputs-parse "$out"
	fi
else
	res SKIP tool/make-bench-outputs-parse "no build/bench output newer than build/shmdev"
fi

# Completion: values after --paths and --mode, commands after help.
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _shmdev
		echo "${COMPREPLY[*]}"' _ "$top/data/shmdev.bash-completion" "$@" 2>/dev/null
}
c1=$(comp shmdev bench --paths "")
c2=$(comp shmdev bench --paths copy,po)
c3=$(comp shmdev bench --mode "")
c4=$(comp shmdev help cr)
if [ "$c1" = "copy sysv posix memfd shmlist limit limit4k" ] && [ "$c2" = "copy,posix" ] &&
   [ "$c3" = "persistent per-iteration" ] && [ "$c4" = "create" ]; then
	res PASS tool/completion-values "--paths, --mode and help complete values"
else
	res FAIL tool/completion-values "--paths: '$c1', copy,po: '$c2', --mode: '$c3', help cr: '$c4'"
fi

# make without kernel headers: the library and the tool, and how to get
# the module; make shmdev still fails (DKMS relies on it); make help.
out=$(make -s -C "$top" KDIR=/nonexistent 2>&1)
rc=$?
out2=$(make -s -C "$top" KDIR=/nonexistent shmdev 2>&1)
rc2=$?
if [ "$rc" -eq 0 ] && echo "$out" | grep -q "not the module: no kernel headers in '/nonexistent'" &&
   echo "$out" | grep -q 'then make shmdev' && [ "$rc2" -ne 0 ] &&
   echo "$out2" | grep -q "could not find kernel headers in '/nonexistent'"; then
	res PASS tool/make-without-headers "make: exit 0 and how to get the module; make shmdev: exit $rc2"
else
	echo "$out"; echo "$out2"
	res FAIL tool/make-without-headers "make: exit $rc; make shmdev: exit $rc2"
fi
if make -s -C "$top" help | grep -q '^  make check '; then
	res PASS tool/make-help "make help lists the targets"
else
	res FAIL tool/make-help "make help"
fi
