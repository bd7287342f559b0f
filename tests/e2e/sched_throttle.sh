#!/bin/bash
# Throttled vs runnable: a spinner alone on one CPU in a cgroup capped at
# 20% of a CPU (CFS bandwidth: 20 ms per 100 ms period) runs ~20% of the
# time and waits throttled the other ~80%, with no other task to wait for.
#   - its throttled time = the cgroup's own throttled time, cpu.stat
#     throttled_time (v1, ns) or throttled_usec (v2), within 5%: with one
#     runnable thread on one CPU the cgroup is throttled exactly while that
#     thread waits throttled, and the kernel sums the same episodes on the
#     same clock; 5% covers the window's edges (both are read at the same
#     moments, but perftop's intervals end ~1 ms apart from those reads,
#     and a 100 ms period can straddle them: 80 ms of 2.4 s is 3%);
#   - runnable + throttled = schedstat run_delay within 5% (as
#     sched_schedstat: the same waits, split at interval ends);
#   - runnable alone stays under 10% of the throttled time: the wait is
#     not mistaken for CPU contention (the machine has idle CPUs).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 taskset

v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ { print $2; exit }' /proc/self/mounts)
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
name=perftop-throttle.$$
if [ -n "$v1" ]; then
	cg=$v1/$name
	cgroup_make "$v1" "$name"
	echo 100000 >"$cg/cpu.cfs_period_us"
	echo 20000 >"$cg/cpu.cfs_quota_us"
elif [ -n "$v2" ] && grep -qw cpu "$v2/cgroup.controllers"; then
	grep -qw cpu "$v2/cgroup.subtree_control" ||
		echo +cpu >"$v2/cgroup.subtree_control" ||
		skip "cannot enable the cpu controller"
	cg=$v2/$name
	cgroup_make "$v2" "$name"
	echo "20000 100000" >"$cg/cpu.max"
else
	skip "no cpu cgroup controller (v1 or v2)"
fi

cpu=$(( $(nproc) - 1 ))
sh -c "echo \$\$ >$cg/cgroup.procs && exec taskset -c $cpu sh -c 'while :; do :; done'" &
spin=$!
on_exit "kill $spin"
sleep 0.5

python3 - "$PERFTOP" "$TMP/trace.json" "$spin" "$cg" <<'PY'
import subprocess, sys
from perftop_test import make_waiter, records
perftop, trace, pid, cg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def throttled_ns():
    st = dict(l.split() for l in open(f"{cg}/cpu.stat"))
    if "throttled_usec" in st:
        return int(st["throttled_usec"]) * 1000
    return int(st["throttled_time"])

def run_delay():
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return int(f.read().split()[1])

wait_for = make_waiter(trace)
proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-p", str(pid),
                         "-i", "0.5", "-d", "3", "-o", trace])
wait_for('"type":"header"', proc)
t0, d0 = throttled_ns(), run_delay()
wait_for('"type":"end"', proc)
t1, d1 = throttled_ns(), run_delay()
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

thr = run = on = 0
for t in records(trace, "sched", "tasks"):
    if t["pid"] == pid:
        thr += t["throttled_ns"]
        run += t["runnable_ns"]
        on += t["oncpu_ns"]
kthr, kdelay = t1 - t0, d1 - d0
print(f"perftop: on-CPU {on/1e6:.1f} ms, throttled {thr/1e6:.1f} ms, "
      f"runnable {run/1e6:.1f} ms; cgroup throttled {kthr/1e6:.1f} ms, "
      f"run_delay {kdelay/1e6:.1f} ms")
bad = []
if kthr < 1e9:
    bad.append("the cgroup was hardly throttled: nothing measured")
if abs(thr - kthr) > 0.05 * kthr:
    bad.append("throttled time off the cgroup's by more than 5%")
if abs(thr + run - kdelay) > 0.05 * kdelay:
    bad.append("runnable + throttled off run_delay by more than 5%")
if run > 0.1 * thr:
    bad.append("throttled waits counted as runnable")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
