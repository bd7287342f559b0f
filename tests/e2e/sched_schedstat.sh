#!/bin/bash
# Run-queue wait per thread must match the kernel's schedstat run_delay
# (/proc/PID/task/TID/schedstat, field 2) over the same window, within 5%.
# Workload: three spinning processes pinned to one CPU, so each waits about
# two thirds of the time.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 taskset

cpu=$(( $(nproc) - 1 ))
pids=()
for _ in 1 2 3; do
	taskset -c "$cpu" bash -c 'while :; do :; done' &
	pids+=($!)
done
on_exit "kill ${pids[*]}"
sleep 0.3

python3 - "$PERFTOP" "$TMP/trace.json" "${pids[@]}" <<'PY'
import subprocess, sys, time
from perftop_test import make_waiter, records
perftop, trace, pids = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]

def run_delay(pid):
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return int(f.read().split()[1])

wait_for = make_waiter(trace)

proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-i", "0.5",
                         "-d", "4", "-o", trace])
wait_for('"type":"header"', proc)
before = {p: run_delay(p) for p in pids}
wait_for('"type":"end"', proc)
after = {p: run_delay(p) for p in pids}
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

seen = {p: 0 for p in pids}
counts = {p: 0 for p in pids}
for t in records(trace, "sched", "tasks"):
    if t["pid"] in seen:
        seen[t["pid"]] += t["runq_wait_ns"]
        counts[t["pid"]] += t["runq_count"]
        assert t["runq_p50_ns"] <= t["runq_p99_ns"] <= t["runq_max_ns"], t
bad = 0
for p in pids:
    kernel = after[p] - before[p]
    err = abs(seen[p] - kernel) / kernel if kernel else 1.0
    print(f"pid {p}: perftop {seen[p]/1e6:.1f} ms over {counts[p]} waits, "
          f"schedstat {kernel/1e6:.1f} ms, diff {err*100:.2f}%")
    if kernel < 500e6:
        sys.exit(f"FAIL: workload did not contend (schedstat {kernel} ns)")
    if err > 0.05:
        bad += 1
sys.exit(1 if bad else 0)
PY
