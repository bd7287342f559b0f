#!/bin/bash
# Every thread's on-CPU time against its own clock, thread by thread.
# Each of 640 short-lived threads (ten rounds of 64 at once, GIL waits and
# run-queue waits keeping each in the iterator's output of several passes)
# reads its own CLOCK_THREAD_CPUTIME_ID as it finishes: the kernel's
# sum_exec_runtime, the task clock, which leaves out the steal the kernel
# took out of it (and IRQ time with CONFIG_IRQ_TIME_ACCOUNTING).  perftop's
# on-CPU is the run-queue clock less that same steal, so it can only be
# above (the exit path after the read, IRQ time), never below by more than
# 10% + 0.2 ms (a torn read of a running thread, a read's clock error),
# but for one thread per loss counted.  It found two faults:
# - steal taken from rq->prev_steal_time_rq, which since kernel commit
#   108ad0999085 jumps by the hypervisor's whole steal while the task clock
#   loses at most the clock's advance: threads read 2.7-4.4 ms of a 5 ms
#   slice as steal on this host, 1-6 threads short per run in 2 of 3 runs
#   (and handover_stress, record_stream 4-12% short of rusage in CI);
# - a new thread's first record discarded by the seq_file (the 25th of a
#   32 KiB buffer) and its rerun saying "not first", so userspace took it
#   as a mere baseline (by the kernel's bpf_seq_read(); not seen failing
#   here on its own: 4 of 4 runs passed with only the steal fix).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

python3 - "$PERFTOP" "$TMP" <<'PY'
import json, subprocess, sys, time
from perftop_test import end_line, record_during, records
perftop, tmp = sys.argv[1], sys.argv[2]
trace, out = f"{tmp}/trace.json", f"{tmp}/child.json"

CHILD = r'''
import json, sys, threading, time
spent = {}
def work():
    while time.thread_time_ns() < 5000000:	# 5 ms on a CPU
        pass
    spent[threading.get_native_id()] = time.thread_time_ns()
for _ in range(10):
    ts = [threading.Thread(target=work) for _ in range(64)]
    for t in ts: t.start()
    for t in ts: t.join()
json.dump(spent, open(sys.argv[1], "w"))
'''

def work():
    child = subprocess.Popen([sys.executable, "-c", CHILD, out])
    if child.wait() != 0:
        sys.exit(f"FAIL: the workload failed ({child.returncode})")
    time.sleep(0.3)	# the intervals of the last exits are written
    return child
child = record_during(perftop, trace, "sched", work, interval="0.1")
spent = {int(k): v for k, v in json.load(open(out)).items()}
seen = {pid: 0 for pid in spent}
for t in records(trace, "sched", "tasks"):
    if t["tgid"] == child.pid and t["pid"] in seen:
        seen[t["pid"]] += t["oncpu_ns"]
short = sorted(((spent[p] - seen[p]) / 1e6, p) for p in spent
               if seen[p] < spent[p] * 0.9 - 200e3)
print(f"threads {len(spent)}; on-CPU perftop {sum(seen.values()) / 1e6:.1f} ms, "
      f"threads' own clocks {sum(spent.values()) / 1e6:.1f} ms; "
      f"{len(short)} threads short, e.g. {short[-3:]} (ms, tid)")
if len(spent) != 640:
    sys.exit(f"FAIL: {len(spent)} threads ran, not 640")
# a counted loss (a thread's storage not creatable, a final record dropped)
# costs at most one thread's slice: as many threads may come out short
loss = end_line(trace)["loss"]
counted = sum(loss.get(k, 0) for k in ("storage_fail", "ringbuf_drops",
                                       "alloc_failed"))
print("loss:", json.dumps(loss))
if len(short) > counted:
    sys.exit(f"FAIL: {len(short)} threads' on-CPU time short of their own "
             f"clock by more than 10% + 0.2 ms, {counted} losses counted")
print("ok")
PY
