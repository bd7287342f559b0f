#!/bin/bash
# Memory stall time against the kernel's own pressure accounting (PSI).
# A reader re-reads a 44 MiB file 60 times inside a 32 MiB memory cgroup:
# every charge of a page past the limit reclaims in the reader's own
# context (try_charge_memcg(): psi_memstall_enter/leave around
# try_to_free_mem_cgroup_pages()), and reading back pages it evicted
# itself is workingset readahead, a memory stall too.  perftop files that
# time in its memory class (the memcg reclaim tracepoints on the CPU,
# in_memstall asleep); PSI counts the same stalls by another route, its
# "some" memory time: the cgroup's own memory.pressure on cgroup2, the
# system's /proc/pressure/memory on the v1 hierarchy, read just before the
# reader starts and just after it ends, the whole workload inside
# perftop's recording.  PSI's "some" is the time at least one task
# stalled; here the reader is the only staller, so:
#  - from above: each stall perftop files lies inside a span PSI counts
#    (psi_memstall_enter() before the reclaim tracepoint, leave after it;
#    a sleep in a stall section from switch-out to wakeup), so all
#    threads' memory time is at most PSI's, + 2 ms (PSI reports
#    microseconds; once 5.5 ms against PSI's 3.8 ms with a 128 MiB file,
#    cause not known);
#  - from below: PSI also counts the reader's runnable waits inside a
#    stall section (preempted in reclaim), which perftop files as
#    runnable: PSI is at most all memory time + the reader's runnable
#    time, + 2 ms.
# Measured (6.18 host, v1, 2026-12-03): perftop 63.4 / 55.8 / 60.9 ms,
# PSI 65.4 / 60.9 / 64.8 ms, the reader runnable 39-43 ms.  (Issue #12
# asked for delay accounting's freepages + thrashing + compact delay as
# the reference; its blkio delay read more than the wall time on this
# host, docs/testing.md, so PSI is used.)
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
[ -r /proc/pressure/memory ] || skip "no PSI here (boot with psi=1)"
memcg_with_file memstall 32M 44M
mem=$MEM naming=$NAMING data=$DATA

python3 - "$PERFTOP" "$TMP/t.json" "$data" "$naming" "$mem" "$CG_HIER" <<'PY'
import os, re, subprocess, sys
from perftop_test import record_during, records
perftop, trace, data, naming, mem, hier = sys.argv[1:7]
psi = f"{mem}/memory.pressure" if hier == "v2" else "/proc/pressure/memory"
if not os.path.exists(psi):
    sys.exit(f"FAIL: no {psi}")

def some_ns():
    with open(psi) as f:
        return int(re.search(r"^some .*total=(\d+)", f.read(), re.M).group(1)) * 1000

READ = r'''
import os, sys
for _ in range(60):
    fd = os.open(sys.argv[1], os.O_RDONLY)
    while os.read(fd, 1 << 20):
        pass
    os.close(fd)
'''
def work():
    p0 = some_ns()
    r = subprocess.Popen(["bash", "-c", 'echo $$ >"$1/cgroup.procs"; '
                          '[ "$1" = "$2" ] || echo $$ >"$2/cgroup.procs"; '
                          'exec python3 -c "$3" "$4"', "reader", naming, mem,
                          READ, data])
    if r.wait() != 0:
        sys.exit(f"FAIL: the reader failed ({r.returncode})")
    return r.pid, some_ns() - p0

(pid, psi_ns) = record_during(perftop, trace, "sched", work)
mine = {"mem_ns": 0, "runnable_ns": 0, "oncpu_ns": 0, "mem_waits": 0}
all_mem = 0
for t in records(trace, "sched", "tasks"):
    all_mem += t["mem_ns"]
    if t["pid"] == pid:
        for k in mine:
            mine[k] += t[k]
print(f"PSI ({psi}) some {psi_ns / 1e6:.1f} ms over the reader's life; "
      f"perftop: reader memory {mine['mem_ns'] / 1e6:.1f} ms in "
      f"{mine['mem_waits']} stalls, runnable {mine['runnable_ns'] / 1e6:.1f} ms, "
      f"on-CPU {mine['oncpu_ns'] / 1e6:.1f} ms; all threads' memory "
      f"{all_mem / 1e6:.1f} ms")
if mine["mem_ns"] < 20e6:
    sys.exit("FAIL: the reader hardly stalled on memory: nothing measured")
if all_mem > psi_ns + 2e6:
    sys.exit("FAIL: perftop's memory time is over PSI's")
if psi_ns > all_mem + mine["runnable_ns"] + 2e6:
    sys.exit("FAIL: PSI's memory time is not covered by perftop's memory "
             "time and the reader's runnable waits")
print("ok")
PY
