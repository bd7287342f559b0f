#!/bin/bash
# Memory stall time against the kernel's own pressure accounting (PSI).
# A reader re-reads a 44 MiB file 60 times inside a 32 MiB memory cgroup:
# every charge of a page past the limit reclaims in the reader's own
# context (try_charge_memcg(): psi_memstall_enter/leave around
# try_to_free_mem_cgroup_pages()), and reading back pages it evicted
# itself is workingset readahead, a memory stall too.  perftop files that
# time in its memory class (the memcg reclaim tracepoints on the CPU,
# in_memstall asleep); PSI counts the same stalls by another route.
#
# PSI's "some" total is not the wall time some task stalled: it sums each
# CPU's stall time weighted by that CPU's share of the group's non-idle
# time (collect_percpu_times() in kernel/sched/psi.c).  A staller that
# migrates between CPUs, or any other non-idle CPU in the group, makes it
# read less than the stall: the system's /proc/pressure/memory read 13%
# under perftop in CI (71.6 against 81.0 ms, another CPU busy) and the
# cgroup's read 1.7-6.4% under it in the TCG guests (the reader moving
# between their 2 CPUs).  With one CPU in the sum the weight cancels, so
# the reader is pinned to one CPU and is alone in a cgroup2 group whose
# memory.pressure is the reference: the memory cgroup itself on cgroup2;
# on the v1 layout a group of its own in the cgroup2 hierarchy mounted
# beside it (PSI follows a task's cgroup2 group whatever controllers v1
# holds).  Read just before the reader starts and after it ends, the whole
# workload inside perftop's recording:
#  - from above: each stall perftop files lies inside a span PSI counts
#    (psi_memstall_enter() before the reclaim tracepoint, leave after it;
#    a sleep in a stall section from switch-out to wakeup), so the
#    reader's memory time is at most PSI's, + 2 ms (PSI reports
#    microseconds and drops a period in which the group was non-idle
#    under one jiffy: at most the reader's last few ms);
#  - from below: PSI also counts the reader's runnable waits inside a
#    stall section (preempted in reclaim), which perftop files as
#    runnable: PSI is at most its memory time + its runnable time, + 2 ms.
# Measured (6.18 host, v1, 2026-12-03): see docs/testing.md.  Issue #12's
# reference, delay accounting's freepages + thrashing + compact delay, is
# sched_memstall_taskstats's, on the same workload.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
[ -r /proc/pressure/memory ] || skip "no PSI here (boot with psi=1)"
need_cmd taskset
memcg_with_file memstall 32M 44M
mem=$MEM naming=$NAMING data=$DATA
# the group whose memory.pressure is the reference (see above)
psig=$mem
if [ "$CG_HIER" != v2 ]; then
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$v2" ] && [ -r "$v2/memory.pressure" ] ||
		skip "no cgroup2 hierarchy with PSI beside v1 (the hybrid layout mounts one at /sys/fs/cgroup/unified): the system's PSI is not a reference for one task"
	cgroup_make "$v2" "perftop-memstall-$$"
	psig="$v2/perftop-memstall-$$"
fi

python3 - "$PERFTOP" "$TMP/t.json" "$data" "$naming" "$mem" "$psig" <<'PY'
import os, re, subprocess, sys
from perftop_test import REREAD, record_during, records
perftop, trace, data, naming, mem, psig = sys.argv[1:7]
psi = f"{psig}/memory.pressure"
if not os.path.exists(psi):
    sys.exit(f"FAIL: no {psi}")

def some_ns():
    with open(psi) as f:
        return int(re.search(r"^some .*total=(\d+)", f.read(), re.M).group(1)) * 1000

def work():
    p0 = some_ns()
    # pinned before it joins any group: one CPU in PSI's sum
    r = subprocess.Popen(["taskset", "-c", "0", "bash", "-c",
                          'for g in "$1" "$2" "$3"; do '
                          'echo $$ >"$g/cgroup.procs" || exit 1; done; '
                          'exec python3 -c "$4" "$5"', "reader", naming, mem,
                          psig, REREAD, data])
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
if mine["mem_ns"] > psi_ns + 2e6:
    sys.exit("FAIL: perftop's memory time is over PSI's")
if psi_ns > mine["mem_ns"] + mine["runnable_ns"] + 2e6:
    sys.exit("FAIL: PSI's memory time is not covered by perftop's memory "
             "time and the reader's runnable waits")
print("ok")
PY
