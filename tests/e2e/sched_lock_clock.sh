#!/bin/bash
# Lock waits against the waiters' own clock.
#
# tests/workloads/convoy.c: 8 threads take one lock in turn for 3 s, each
# holding it 5 ms asleep, and each reads CLOCK_MONOTONIC around every
# lock() call: the time it spent waiting for the lock, measured without
# the scheduler.  Two runs inside one recording: a glibc pthread mutex
# (its waiters expect the futex's contended value: a lock wait by its
# arguments) and a semaphore used as the lock (its waiters expect 0, as
# CPython's Lock's do: a lock wait only because the thread that posts it
# has waited on the same word, on_waking() in bpf/sched.bpf.c).
#
# The window: the intervals after the first interval end at which every
# thread had found the lock taken once (convoy.c's `steady`: from then on
# every releaser has waited on the lock's word itself; before, a wake by a
# releaser that never waited for the lock is not a lock wait, the known
# miss in docs/design.md).  The reference: the time in lock() calls inside
# the window, and for the semaphore only its part after the last interval
# end before the call returned: perftop learns that such a wait was for a
# lock at its wake, and the intervals before showed it as sleep (their
# snapshots were out), so the wake's interval counts it from its start.
#
# A thread inside lock() is asleep on the futex, then runnable from the
# wake until it runs, then on-CPU (the syscall's ends, the retry when the
# releaser took the lock back first).  So, summed over the 8 threads and
# the window's intervals:
#   - perftop's lock_ns is at least the reference less the threads'
#     runnable, throttled, on-CPU and steal time in the window (each a
#     bound on its part inside lock()), less 0.5 ms for each call across
#     an interval end (perftop's boundary is its read of the thread, up to
#     0.16 ms after the interval's end: the snapshot's span_ns), less 1 ms;
#   - and at most the reference plus 1 ms: a futex wait starts after the
#     call did and is woken before it returns.  For the semaphore, a call
#     whose wake came before an interval end it returned after counts from
#     the end before that (the wake at most 2 ms, 20 ms under TCG, before
#     the return).  Kernel lock waits outside lock() would add (none in a
#     loop of clock reads, nanosleep and futex calls).
# Measured on 6.18 (2026-12-04): mutex -12 to -27 ms, semaphore -17 to
# -32 ms of about 17.5 s, the lower bounds at -46 to -98 ms.  Without lock
# waits for one kind of futex (every untimed wait a sleep, or the waker
# rule off) that run reads 0 ms and fails by 17 s; a wake's lock part
# taken from the wait's start (not telescoping) would be over by about
# 40 calls x 18 ms.
#
# Where the kernel has bpf_rdonly_cast() perftop reads the futex's
# registers through it (task_regs() in bpf/sched.bpf.c); the object for
# kernels without it (sched_helper, by helper call) runs the same check
# after, under PERFTOP_TEST_SCHED_HELPER=1.  Each run checks which object
# is loaded by its .bss map's name (sched.bss, sched_he.bss).  A wrong
# offset to the registers reads no lock waits: the first run fails by
# 17 s.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 gcc bpftool

src=$(dirname "$0")/../workloads/convoy.c
gcc -O2 -Wall -pthread -o "$TMP/convoy" "$src" || fail "cannot build $src"

# measure BSS: the check, with the object whose .bss map is named BSS
measure() {
python3 - "$PERFTOP" "$TMP" "$1" <<'PY'
import json, subprocess, sys, time
from perftop_test import end_line, make_waiter, perftop_maps, snapshots, under_tcg
perftop, tmp, bss = sys.argv[1], sys.argv[2], sys.argv[3]
trace = f"{tmp}/trace.json"

wait_for = make_waiter(trace)
proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-i", "0.5",
                         "-o", trace])
wait_for('"type":"header"', proc)
maps = perftop_maps(proc.pid)
if bss not in maps:
    proc.kill()
    sys.exit(f"FAIL: the scheduler object with map {bss} is not loaded "
             f"(maps: {sorted(m for m in maps if m and '.bss' in m)})")
time.sleep(0.6)				# the first (startup) interval passes
runs = {}
for mode in ("mutex", "sem"):
    out = subprocess.run([f"{tmp}/convoy", mode, "8", "5000", "1000", "3"],
                         check=True, capture_output=True, text=True).stdout
    runs[mode] = json.loads(out)
time.sleep(1.1)				# the threads' last interval ends
proc.send_signal(2)
if proc.wait(timeout=60) != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

keys = ("lock_ns", "runnable_ns", "throttled_ns", "oncpu_ns", "steal_ns",
        "sleep_ns")
tid_mode = {t: m for m, r in runs.items() for t in r["tids"]}
snaps = []				# (interval end, {mode: {key: sum}})
for o in snapshots(trace):
    sums = {m: dict.fromkeys(keys, 0) for m in runs}
    for t in o["sched"]["tasks"]:
        m = tid_mode.get(t["pid"])
        if m:
            for k in keys:
                sums[m][k] += t.get(k, 0)
    snaps.append((o["ts_ns"], sums))
print("perftop's loss counters:", json.dumps(end_line(trace)["loss"]))
ends = [e for e, _ in snaps]

def last_end(t):
    return max([x for x in ends if x < t] or [0])

bad = []
slack = 1e6
span_slack = 0.5e6
wake = 20e6 if under_tcg() else 2e6
for m, r in runs.items():
    calls = [c for th in r["calls"] for c in th]
    total = sum(t1 - t0 for t0, t1, _ in calls)
    # the window: from the first interval end after every thread had
    # found the lock taken (the first steady call) to the recording's end
    start = min([x for x in ends
                 if x > min(t0 for t0, _, s in calls if s)] or [0])
    if not start:
        sys.exit(f"FAIL: {m}: no interval ended inside the steady convoy")
    g = dict.fromkeys(keys, 0)
    for e, sums in snaps:
        if e > start:
            for k in keys:
                g[k] += sums[m][k]
    inside = [(t0, t1) for t0, t1, _ in calls if t1 > start]
    if m == "mutex":
        ref = high = sum(t1 - max(t0, start) for t0, t1 in inside)
        spans = 0
    else:
        ref = sum(t1 - max(t0, last_end(t1)) for t0, t1 in inside)
        spans = sum(1 for t0, t1 in inside if last_end(t1) > t0)
        # the end before the wake counts, at most `wake` before the return
        high = sum(t1 - max(t0, start, last_end(t1 - wake))
                   for t0, t1 in inside)
    other = (g["runnable_ns"] + g["throttled_ns"] + g["oncpu_ns"] +
             g["steal_ns"])
    low = ref - other - slack - spans * span_slack
    print(f"{m}: {len(calls)} lock() calls, {total/1e6:.1f} ms in them; "
          f"window from {(start - calls[0][0])/1e6:.0f} ms in: reference "
          f"{ref/1e6:.1f} ms ({spans} calls across an interval end); "
          f"perftop lock {g['lock_ns']/1e6:.1f} ms, runnable+throttled "
          f"{(g['runnable_ns'] + g['throttled_ns'])/1e6:.1f} ms, on-CPU "
          f"{g['oncpu_ns']/1e6:.1f} ms, steal {g['steal_ns']/1e6:.1f} ms, "
          f"sleep {g['sleep_ns']/1e6:.1f} ms; lock - reference "
          f"{(g['lock_ns'] - ref)/1e6:+.1f} ms (allowed "
          f"{(low - ref)/1e6:.1f} .. {(high + slack - ref)/1e6:+.1f})")
    if total < 10e9:
        bad.append(f"{m}: the convoy waited only {total/1e6:.0f} ms in lock()")
    if g["lock_ns"] > high + slack:
        bad.append(f"{m}: perftop's lock waits exceed the reference")
    if g["lock_ns"] < low:
        bad.append(f"{m}: perftop's lock waits short of the reference by "
                   f"more than the threads' other time")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
}
if kernel_has_func bpf_rdonly_cast; then
	measure sched.bss
	echo "again with the object for kernels without bpf_rdonly_cast (sched_helper):"
	rm -f "$TMP/trace.json"
	PERFTOP_TEST_SCHED_HELPER=1 measure sched_he.bss
else
	measure sched_he.bss
fi
