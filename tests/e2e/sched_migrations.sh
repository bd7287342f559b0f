#!/bin/bash
# Run-queue wait must match schedstat run_delay even when waiting threads
# are moved between CPUs (load balancing, affinity changes): the kernel
# splits such a wait in two (sched_info_dequeue on the old run queue, the
# rest on arrival) and counts both parts; so must perftop.  Workload: more
# spinners than CPUs, whose affinity a SCHED_FIFO thread flips every few ms,
# so queued threads are migrated often (the same dequeue path the balancer
# takes).  perftop and the reader run SCHED_FIFO so the window is tight.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 chrt

n=$(( $(nproc) * 2 + 1 ))
pids=()
for ((i = 0; i < n; i++)); do
	bash -c 'while :; do :; done' &
	pids+=($!)
done
on_exit "kill ${pids[*]}"
sleep 0.3
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs to migrate threads"

chrt -f 50 python3 - "$PERFTOP" "$TMP/trace.json" "${pids[@]}" <<'PY'
import json, os, subprocess, sys, threading, time
from perftop_test import make_waiter
perftop, trace, pids = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
stop = threading.Event()

def flip_affinity():
    cpus = sorted(os.sched_getaffinity(0))[:2]
    i = 0
    while not stop.is_set():
        for n, p in enumerate(pids):
            try:
                os.sched_setaffinity(p, {cpus[(n + i) % 2]})
            except ProcessLookupError:
                pass
        i += 1
        time.sleep(0.004)
    for p in pids:
        os.sched_setaffinity(p, set(cpus))

threading.Thread(target=flip_affinity, daemon=True).start()

def run_delay(pid):
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return int(f.read().split()[1])

def migrations(pid):
    with open(f"/proc/{pid}/sched") as f:
        for line in f:
            if line.startswith("se.nr_migrations"):
                return int(line.split(":")[1])
    return 0

wait_for = make_waiter(trace)

proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-i", "0.5",
                         "-d", "4", "-o", trace])
wait_for('"type":"header"')
before = {p: run_delay(p) for p in pids}
mig0 = {p: migrations(p) for p in pids}
wait_for('"type":"end"')
after = {p: run_delay(p) for p in pids}
mig = sum(migrations(p) - mig0[p] for p in pids)
stop.set()
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

seen = {p: 0 for p in pids}
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] == "snapshot":
            for t in o["sched"]["tasks"]:
                if t["pid"] in seen:
                    seen[t["pid"]] += t["runq_wait_ns"]
total_k = sum(after[p] - before[p] for p in pids)
total_p = sum(seen.values())
print(f"{mig} migrations of the spinners in the window")
for p in pids:
    k = after[p] - before[p]
    print(f"pid {p}: perftop {seen[p]/1e6:.1f} ms, schedstat {k/1e6:.1f} ms")
err = abs(total_p - total_k) / total_k
print(f"total: perftop {total_p/1e6:.1f} ms, schedstat {total_k/1e6:.1f} ms, diff {err*100:.2f}%")
if mig < 500:
    sys.exit(f"FAIL: only {mig} migrations; the workload did not move waiting threads")
worst = max(abs(seen[p] - (after[p] - before[p])) / (after[p] - before[p]) for p in pids)
print(f"worst thread diff {worst*100:.2f}%")
sys.exit(1 if err > 0.05 or worst > 0.10 else 0)
PY
