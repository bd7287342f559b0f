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
# the test fails).  Reference, independent of perftop: T times its own
# waits (a gap in its clock while it is runnable: across sched_yield() in
# A, between two reads of its spin loop in B).  Checked: the P99 ms column
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
# a gap in T's clock above this is a wait: C spins 20 us before it yields
# (A) or runs a whole slice (B); a yield that switched to nobody, or an
# interrupt, costs a few us
GAP_NS = 10000
clock = time.perf_counter_ns

def worker(name, start, log):
    os.sched_setaffinity(0, {cpu})
    with open("/proc/self/comm", "w") as f:
        f.write(name)
    waits = []
    t = clock()
    while t < start:			# both spin till the start: waits too
        t1 = clock()
        if t1 - t > GAP_NS:
            waits.append(t1 - t)
        t = t1
    end_a, end_b = start + int(A_S * 1e9), start + int((A_S + B_S) * 1e9)
    while t < end_a:			# A: spin 20 us, yield
        spin_end = t + SPIN_NS
        while t < spin_end:
            t = clock()
        os.sched_yield()
        t1 = clock()
        if t1 - t > GAP_NS:
            waits.append(t1 - t)
        t = t1
    while t < end_b:			# B: spin, every gap is a wait
        t1 = clock()
        if t1 - t > GAP_NS:
            waits.append(t1 - t)
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
# midpoint), plus 1% for T's clock: a gap is the wait plus up to one loop
# iteration and the switch (a few us of ms-long waits)
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
# The waits the p99 falls among, T's own against perftop's: those of at
# least 2^20 ns (1.05 ms, a bucket bound, so perftop's count is exact).
# T's short waits may differ (it takes an interrupt over 10 us for a wait
# and a wait under 10 us for none); its long ones are slices.  Either may
# count more: time the hypervisor stole while T ran is a gap in T's clock
# but no wait (this VM: 9-12% steal on a busy CPU), and perftop counts
# T's waits outside its two timed phases (its start, its log, while C
# still spins).  Measured: T 413 / perftop 406 (CI), 381 / 385, 402 /
# 381 (5.2%).  10%, the steal this VM takes from a busy CPU: what this
# check catches is a share of the long waits missing, not a few.
LONG = 1 << 20
mine = sum(1 for w in waits if w >= LONG)
theirs = sum(b[1] for t in recs for b in t.get("runq_hist", {}).get("buckets", [])
             if b[0] >= LONG)
print(f"waits >= 1.05 ms: T timed {mine}, perftop {theirs}")
if abs(mine - theirs) > 0.10 * mine:
    sys.exit(f"FAIL: perftop counted {theirs} long waits of T, T timed {mine}")
PY
rc=$?
[ $rc -eq 3 ] || exit $rc
done
fail "the workload did not separate the weighted mean from the p99 in 3 runs"
