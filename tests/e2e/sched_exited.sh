#!/bin/bash
# A thread that exits keeps the on-CPU time and waits of its last interval.
# The scheduler family holds each thread's counters in task-local storage,
# which the kernel frees with the thread; the exit hook must move them out
# first.  Short-lived children spin ~0.7 s each and exit mid-interval; the
# on-CPU time perftop reports for each must match what the kernel charged
# it (wait4's rusage: user + system, from the same sum_exec_runtime) within
# 3%, summed over the intervals it lived in.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

python3 - "$PERFTOP" "$TMP/trace.json" <<'PY'
import os, subprocess, sys, time
from perftop_test import make_waiter, records
perftop, trace = sys.argv[1], sys.argv[2]
wait_for = make_waiter(trace)

proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-i", "0.5",
                         "-o", trace])
wait_for('"type":"header"', proc)
spin = "import time\nt = time.time()\nwhile time.time() - t < 0.7: pass\n"
kernel = {}
for _ in range(4):
    child = subprocess.Popen([sys.executable, "-c", spin])
    _, status, ru = os.wait4(child.pid, 0)
    kernel[child.pid] = (ru.ru_utime + ru.ru_stime) * 1e9
    time.sleep(0.13)	# exits land at different points of an interval
time.sleep(1.1)		# the interval each exit fell in is written
proc.send_signal(2)
if proc.wait(timeout=30) != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

seen = {pid: 0 for pid in kernel}
for t in records(trace, "sched", "tasks"):
    if t["pid"] in seen:
        seen[t["pid"]] += t["oncpu_ns"]
bad = 0
for pid, k in kernel.items():
    diff = abs(seen[pid] - k) / k
    print(f"pid {pid}: perftop on-CPU {seen[pid] / 1e6:.1f} ms, kernel {k / 1e6:.1f} ms, diff {100 * diff:.2f}%")
    bad += diff > 0.03
if bad:
    sys.exit(f"FAIL: {bad} exited children's on-CPU time differs by more than 3%")
print("ok")
PY
