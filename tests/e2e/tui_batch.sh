#!/bin/bash
# perftop top -b: plain-text screens on stdout; -n and -d both stop it, so
# does SIGINT; every line fits $COLUMNS.  The figures are checked against
# physics: a thread that never sleeps is on a CPU, waiting on a run queue,
# or stolen by the hypervisor while on the CPU, so for each spinner WAIT/s
# + (CPU% + STL%) x 10 ms must add up to ~1000 ms/s.
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
# judge the two intervals after it.  Wide enough for the wait classes, so
# STL% (hypervisor steal while on the CPU, left out of CPU%) prints: on
# this shared host a vCPU is stolen in bursts of 20-100+ ms, which without
# it took that much from a spinner's sum.  The spinners' CPU's steal from
# /proc/stat (USER_HZ ticks) over the run bounds their STL% from above.
cpu=$(( $(nproc) - 1 ))
grep "^cpu$cpu " /proc/stat >"$TMP/stat0"
COLUMNS=200 "$PERFTOP" top -b -n 3 -i 0.5 >"$TMP/n3" 2>"$TMP/n3.err" ||
	fail "top -b -n 3 exited $?: $(cat "$TMP/n3.err")"
grep "^cpu$cpu " /proc/stat >"$TMP/stat1"
python3 - "$TMP/n3" "$TMP/stat0" "$TMP/stat1" "$cpu" >"$TMP/physics" <<'PY' || { cat "$TMP/n3" "$TMP/physics"; exit 1; }
import os, re, sys
units = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
def ns(cell):
    m = re.fullmatch(r"([0-9.]+)(ns|us|ms|s)?", cell)
    return float(m.group(1)) * units[m.group(2) or "ns"]
tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
steal = [int(open(f).read().split()[8]) for f in sys.argv[2:4]]
cpu_steal = (steal[1] - steal[0]) * tick_ms	# over the whole run, in ms
# per spinner, over both screens: waited ms, on-CPU ms, stolen ms, wall time
waited, ran, stolen, wall = {}, {}, {}, 0.0
for screen in open(sys.argv[1]).read().split("\nperftop ")[1:3]:
    lines = screen.splitlines()
    interval = float(re.search(r"interval ([0-9.]+)s", lines[0]).group(1))
    wall += interval
    hdr = next(i for i, l in enumerate(lines) if l.lstrip().startswith("TID") and "WAIT/s" in l)
    cols = lines[hdr].split()
    if "STL%" not in cols:
        sys.exit(f"FAIL: no STL% column at COLUMNS=200: {lines[hdr]}")
    w, c, st = cols.index("WAIT/s"), cols.index("CPU%"), cols.index("STL%")
    for l in lines[hdr + 1:]:
        f = l.split()
        if len(f) < 9 or not f[0].isdigit():
            break
        if f[2] == "ptspin":
            if len(f) != len(cols):
                sys.exit(f"FAIL: a row's cells do not line up with the header: {l}")
            waited[f[0]] = waited.get(f[0], 0) + ns(f[w]) / 1e6 * interval
            ran[f[0]] = ran.get(f[0], 0) + float(f[c]) * 10 * interval
            stolen[f[0]] = stolen.get(f[0], 0) + float(f[st]) * 10 * interval
if len(waited) != 3:
    sys.exit(f"FAIL: {len(waited)} ptspin threads in the screens, want 3")
# Allowed off 1000 ms/s: 50 ms, for a wait or run cut by the window's two
# edges (each counts where it ends: a few ms each with three spinners on a
# CPU) and the screens' rounding; and the CPU's steal over the run on top,
# as a stolen vCPU runs no clock updates, so perftop's read of a thread is
# late by the steal (tests/e2e/sched_waitcause.sh).  Measured with STL%:
# 996-1005 ms/s in 5 runs (15 spinners; 2026-12-02), 0-2 ms/s of it
# steal, the CPU's steal 0-10 ms over each run.  (Without
# STL%, a 150 ms steal burst on the spinner took 150 ms off its sum, past
# the 15% allowed before.)
slack = 50 + cpu_steal / wall
for tid in waited:
    total = (waited[tid] + ran[tid] + stolen[tid]) / wall	# ms per s of wall time
    print(f"ptspin {tid}: wait {waited[tid] / wall:.0f} ms/s + on-CPU "
          f"{ran[tid] / wall:.0f} ms/s + steal {stolen[tid] / wall:.0f} ms/s "
          f"= {total:.0f} ms/s (allowed 1000 +- {slack:.0f})")
    if abs(total - 1000) > slack:
        sys.exit(f"FAIL: wait + on-CPU + steal = {total:.0f} ms per s, want "
                 f"1000 +- {slack:.0f} (cpu{sys.argv[4]} steal {cpu_steal:.0f} ms)")
# steal perftop gave the spinners is steal of their CPU, which /proc/stat
# counts too; each /proc/stat read is up to a tick short (truncation)
print(f"spinners' steal {sum(stolen.values()):.0f} ms over {wall:.2f} s, "
      f"cpu{sys.argv[4]}'s steal "
      f"{cpu_steal:.0f} ms over the run")
if sum(stolen.values()) > cpu_steal + 2 * tick_ms:
    sys.exit("FAIL: perftop's steal for the spinners exceeds their CPU's steal")
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
