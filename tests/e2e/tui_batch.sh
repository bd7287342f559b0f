#!/bin/bash
# perftop top -b: plain-text screens on stdout; -n and -d both stop it, so
# does SIGINT; every line fits $COLUMNS.  The figures are checked against
# physics: a thread that never sleeps is either on a CPU or waiting on a run
# queue, so for each spinner WAIT/s + CPU% x 10 ms must add up to ~1000 ms/s.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd taskset python3

start_spinners 3 $(( $(nproc) - 1 ))	# 3 "ptspin" on the last CPU

screens() { grep -cE '^perftop [0-9:]{8} ' "$1"; }

# -n 2: two screens, then exit 0
"$PERFTOP" top -b -n 2 -i 0.5 >"$TMP/n2" 2>"$TMP/n2.err" ||
	fail "top -b -n 2 exited $?: $(cat "$TMP/n2.err")"
[ "$(screens "$TMP/n2")" -eq 2 ] || fail "top -b -n 2 printed $(screens "$TMP/n2") screens"
grep -q '^\[sched\]$' "$TMP/n2" || fail "no [sched] section"
grep -qE '^ +TID +TGID COMMAND +CGROUP +WAIT/s +WAITS +P99 +MAX +CPU%( +RUN% +THR% +IO% +MEM% +LOCK% +SLP% +STL% +VCSW/s +ICSW/s)?$' "$TMP/n2" ||
	fail "no scheduler column header"
echo "ok: -n 2 printed 2 screens"

# The first interval can end waits that began before perftop attached:
# judge the two intervals after it.
"$PERFTOP" top -b -n 3 -i 0.5 >"$TMP/n3" 2>"$TMP/n3.err" ||
	fail "top -b -n 3 exited $?: $(cat "$TMP/n3.err")"
python3 - "$TMP/n3" >"$TMP/physics" <<'PY' || { cat "$TMP/n3" "$TMP/physics"; exit 1; }
import re, sys
units = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
def ns(cell):
    m = re.fullmatch(r"([0-9.]+)(ns|us|ms|s)?", cell)
    return float(m.group(1)) * units[m.group(2) or "ns"]
# per spinner, over both screens: waited ms and on-CPU ms, and wall time
waited, ran, wall = {}, {}, 0.0
for screen in open(sys.argv[1]).read().split("\nperftop ")[1:3]:
    lines = screen.splitlines()
    interval = float(re.search(r"interval ([0-9.]+)s", lines[0]).group(1))
    wall += interval
    hdr = next(i for i, l in enumerate(lines) if l.lstrip().startswith("TID") and "WAIT/s" in l)
    for l in lines[hdr + 1:]:
        f = l.split()
        if len(f) < 9 or not f[0].isdigit():
            break
        if f[2] == "ptspin":
            waited[f[0]] = waited.get(f[0], 0) + ns(f[4]) / 1e6 * interval
            ran[f[0]] = ran.get(f[0], 0) + float(f[8]) * 10 * interval
if len(waited) != 3:
    sys.exit(f"FAIL: {len(waited)} ptspin threads in the screens, want 3")
for tid in waited:
    total = (waited[tid] + ran[tid]) / wall	# ms per second of wall time
    print(f"ptspin {tid}: wait {waited[tid] / wall:.0f} ms/s + on-CPU "
          f"{ran[tid] / wall:.0f} ms/s = {total:.0f} ms/s")
    # a wait or run cut by an interval boundary counts where it ends
    if not 850 <= total <= 1150:
        sys.exit(f"FAIL: wait + on-CPU = {total:.0f} ms per s, want ~1000")
PY
cat "$TMP/physics"

# -d: stops after the duration (0.5 + 0.5 + a last 0.2 s interval)
start=$(date +%s%N)
COLUMNS=80 "$PERFTOP" top -b -d 1.2 -i 0.5 >"$TMP/d" 2>"$TMP/d.err" ||
	fail "top -b -d 1.2 exited $?: $(cat "$TMP/d.err")"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
n=$(screens "$TMP/d")
# wall time: a starved machine fits fewer intervals into 1.2 s
[ "$n" -ge 1 ] && [ "$n" -le 3 ] || fail "top -b -d 1.2 -i 0.5 printed $n screens"
awk 'length > 80 { print "too wide: " $0; bad = 1 } END { exit bad }' "$TMP/d" ||
	fail "COLUMNS=80: a line is wider than 80"
echo "ok: -d 1.2 printed $n screens within 80 columns, took $ms ms"

# SIGINT: a clean stop, exit 0
"$PERFTOP" top -b -i 0.3 >"$TMP/int" 2>"$TMP/int.err" &
bpid=$!
wait_line "$TMP/int" '^\[sched\]$' 30
kill -INT "$bpid"
rc=0; wait "$bpid" || rc=$?
[ "$rc" -eq 0 ] || fail "top -b exited $rc on SIGINT"
echo "ok: SIGINT stopped batch mode with status 0"

expect_error 2 "$PERFTOP" top -n 2

# a reader that goes away (top -b | head) ends batch mode quietly with 0
{ "$PERFTOP" top -b -i 0.2 2>"$TMP/pipe.err"; echo $? >"$TMP/pipe.rc"; } | head -1 >/dev/null
[ "$(cat "$TMP/pipe.rc")" -eq 0 ] || fail "top -b | head: perftop exited $(cat "$TMP/pipe.rc")"
[ ! -s "$TMP/pipe.err" ] || fail "top -b | head printed: $(cat "$TMP/pipe.err")"
echo "ok: top -b | head ends quietly with status 0"
