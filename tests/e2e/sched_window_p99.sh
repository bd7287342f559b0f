#!/bin/bash
# A thread's window p99 is the p99 of all its run-queue waits (issue #14),
# not the mean of its interval p99s weighted by waits.  Workload, by
# construction: thread T and a competitor C pinned on one CPU.  Phase A
# (1.5 s): both spin 20 us and yield, so T waits ~20 us, tens of
# thousands of times; phase B (3 s): both spin without yielding, so T
# waits a scheduler slice (ms), a few hundred to a few thousand times.  The
# window's p99 falls among B's long waits; the weighted mean of the
# intervals' p99s is pulled down by A's many short ones (checked: they
# differ by more than 50%, else the workload did not construct the case and
# the test fails).  Reference, independent of perftop: T's waits as the
# kernel's schedstat times them (run_delay, field 2 of
# /proc/thread-self/schedstat), read by T after each sched_yield() in A and
# after each gap in its clock in B.  Checked: the P99 ms column
# of T's row in `report`, and `report --baseline`'s runq_p99_ms for T
# (against a recording T is not in: "new", current = the window p99).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

cpu=$(( $(nproc) - 1 ))
"$PERFTOP" record --probes sched -i 0.5 -d 1 -o "$TMP/base.json" >/dev/null 2>&1 ||
	fail "baseline recording failed"

# The workload constructs the case (weighted mean far from the p99) in
# most runs, not all (2026-12-02: once in 5 the two were 7% apart on this
# shared VM): a run that did not construct it proves nothing either way
# and is run again (exit 3), up to 3 times; any check that fails, fails.
for attempt in 1 2 3; do
python3 - "$PERFTOP" "$TMP" "$cpu" "$attempt" <<'PY'
import json, os, re, subprocess, sys, time
from perftop_test import record_during, records
perftop, tmp, cpu = sys.argv[1], sys.argv[2], int(sys.argv[3])
trace = f"{tmp}/trace{sys.argv[4]}.json"
A_S, B_S, SPIN_NS = 1.5, 3.0, 20000
# A gap in T's clock above this may hide a wait (C spins 20 us before it
# yields in A, runs a whole slice in B; a loop iteration, a schedstat read
# or an interrupt costs a few us), so T reads its run_delay after it.  The
# gap itself is no reference: time the hypervisor steals while T runs (20-
# 100+ ms bursts on this VM) is a gap in T's clock but no wait, and perftop
# rightly counts it as steal, not as a wait; run_delay grows only by a wait.
GAP_NS = 10000
clock = time.perf_counter_ns

def worker(name, start, log):
    os.sched_setaffinity(0, {cpu})
    with open("/proc/self/comm", "w") as f:
        f.write(name)
    fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    waits = []
    rd = int(os.pread(fd, 128, 0).split()[1])
    def waited():
        # the wait(s) since the last read, as the kernel timed them: the
        # last gap's wait, plus any under GAP_NS since (us, against the
        # ms-long waits the p99 falls among)
        nonlocal rd
        r = int(os.pread(fd, 128, 0).split()[1])
        if r > rd:
            waits.append(r - rd)
        rd = r
    t = clock()
    while t < start:			# both spin till the start: waits too
        t1 = clock()
        if t1 - t > GAP_NS:
            waited()
        t = t1
    end_a, end_b = start + int(A_S * 1e9), start + int((A_S + B_S) * 1e9)
    while t < end_a:			# A: spin 20 us, yield
        spin_end = t + SPIN_NS
        while t < spin_end:
            t = clock()
        os.sched_yield()
        waited()			# a yield's wait may be under GAP_NS
        t = clock()
    while t < end_b:			# B: spin; a gap may be a wait
        t1 = clock()
        if t1 - t > GAP_NS:
            waited()
        t = t1
    if log:
        with open(log, "w") as f:
            f.write("\n".join(map(str, waits)))
    os._exit(0)

def work():
    start = clock() + int(0.3e9)
    pids = []
    for name, log in (("ptwinc", None), ("ptwint", f"{tmp}/waits")):
        pid = os.fork()
        if pid == 0:
            worker(name, start, log)
        pids.append(pid)
    for p in pids:
        os.waitpid(p, 0)
    return pids[1]

tpid = record_during(perftop, trace, "sched", work)
with open(f"{tmp}/waits") as f:
    waits = sorted(int(x) for x in f.read().split())
n = len(waits)
exact = waits[int(0.99 * n + 0.999999) - 1]

# perftop's intervals of T, and the weighted mean of their p99s (what a
# window p99 was before histograms per thread)
recs = [t for t in records(trace, "sched", "tasks") if t["pid"] == tpid]
count = sum(t["runq_count"] for t in recs)
wmean = sum(t["runq_count"] * t["runq_p99_ns"] for t in recs) / count
# (.get: a perftop before version 3 writes none, and fails below on the p99)
hist = sum(b[1] for t in recs for b in t.get("runq_hist", {}).get("buckets", []))
print(f"T (pid {tpid}): {n} waits timed by itself, exact p99 {exact/1e6:.3f} ms; "
      f"perftop {count} waits in {len(recs)} intervals (histograms {hist}), "
      f"weighted mean of interval p99s {wmean/1e6:.3f} ms")
if abs(wmean - exact) / exact <= 0.5:
    print("the workload did not separate the weighted mean from the p99 "
          "(nothing to tell the two apart): again")
    sys.exit(3)
# Within 6.25%, the bucket's half-width (the window p99 is a bucket
# midpoint), plus 1% for the reference: a run_delay growth is the wait plus
# any waits under GAP_NS since T's last read, and schedstat and perftop
# take their clocks a few us apart (a few us of ms-long waits)
TOL = 0.0625 + 0.01
def check(what, got_ns):
    err = abs(got_ns - exact) / exact
    print(f"{what}: {got_ns/1e6:.3f} ms, {err*100:.2f}% from exact")
    if err > TOL:
        sys.exit(f"FAIL: {what} {got_ns/1e6:.3f} ms, exact {exact/1e6:.3f} ms "
                 f"(more than {TOL*100:.2f}% off)")

out = subprocess.run([perftop, "report", trace], capture_output=True, text=True)
if out.returncode not in (0, 1, 2):
    sys.exit(f"FAIL: report exited {out.returncode}: {out.stderr}")
m = re.search(rf"^\s+ptwint\s+{tpid}\s+\S+\s+(\d+)\s+(\S+)", out.stdout, re.M)
if not m:
    sys.exit(f"FAIL: no row for ptwint in:\n{out.stdout}")
if int(m.group(1)) != count:
    sys.exit(f"FAIL: report's WAITS {m.group(1)}, the trace's {count}")
check("report P99 ms", float(m.group(2)) * 1e6)
if "means of the intervals" in out.stdout:
    sys.exit(f"FAIL: a version-3 trace reported as averaged:\n{out.stdout}")

out = subprocess.run([perftop, "report", trace, "--json", "--baseline",
                      f"{tmp}/base.json"], capture_output=True, text=True)
rep = json.loads(out.stdout.splitlines()[-1])
worse = [w for w in rep["baseline"]["worse"]
         if w["name"] == "ptwint" and w["metric"] == "runq_p99_ms"]
if not worse:
    sys.exit(f"FAIL: no runq_p99_ms for ptwint: {rep['baseline']}")
check("--baseline runq_p99_ms", worse[0]["current"] * 1e6)
if worse[0].get("averaged") is not False:
    sys.exit(f"FAIL: runq_p99_ms not marked as from histograms: {worse[0]}")

if hist != count:
    sys.exit(f"FAIL: T's histograms hold {hist} waits, runq_count {count}")
# The waits the p99 falls among, the kernel's (T's run_delay growths)
# against perftop's: those of at least 2^20 ns (1.05 ms, a bucket bound, so
# perftop's count is exact).  A stolen stretch while T runs is neither's
# wait.  What is left to differ: perftop also counts T's waits outside its
# timed span (between fork and T's first read, while C already spins; its
# log and exit after its last), at most a wait or two each side; and a
# wait near 1.05 ms may fall either side of the bound (the two clocks are
# taken a few us apart; B's waits are ~4 ms slices).  Before, T counted
# every gap >= 1.05 ms in its own clock, steal included: 413 / 406 (CI),
# 381 / 385, 402 / 381 (5.2%), under a 10% allowance.  Now measured
# (6.18), kernel / perftop: 408 / 409, 415 / 417, 411 / 412.  Allowed:
# perftop up to 2 more each side of T's span (4), or 1 fewer (a wait
# within a few us of the bound); a share of the long waits lost fails.
LONG_MORE, LONG_FEWER = 4, 1
LONG = 1 << 20
mine = sum(1 for w in waits if w >= LONG)
theirs = sum(b[1] for t in recs for b in t.get("runq_hist", {}).get("buckets", [])
             if b[0] >= LONG)
print(f"waits >= 1.05 ms: kernel (T's run_delay) {mine}, perftop {theirs}, "
      f"perftop - kernel {theirs - mine}")
if not -LONG_FEWER <= theirs - mine <= LONG_MORE:
    sys.exit(f"FAIL: perftop counted {theirs} long waits of T, the kernel {mine} "
             f"(allowed: perftop {LONG_FEWER} fewer to {LONG_MORE} more)")
PY
rc=$?
[ $rc -eq 3 ] || exit $rc
done
fail "the workload did not separate the weighted mean from the p99 in 3 runs"
