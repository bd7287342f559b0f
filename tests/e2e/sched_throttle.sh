#!/bin/bash
# Throttled vs runnable: a spinner alone on one CPU in a cgroup capped at
# 20% of a CPU (CFS bandwidth: 20 ms per 100 ms period) runs ~20% of the
# time and waits throttled the other ~80%, with no other task to wait for.
#   - its throttled time = the cgroup's own throttled time, cpu.stat
#     throttled_time (v1, ns) or throttled_usec (v2): with one runnable
#     thread on one CPU the cgroup is throttled exactly while that thread
#     waits throttled, and the kernel sums the same episodes on the same
#     clock.  What differs is the window's edges (below, EDGE): the kernel
#     adds an episode whole when it ends, perftop credits one still open
#     at an interval's end, so at each edge one episode (at most a CFS
#     period, 100 ms here) can fall on either side, and the kernel's
#     counters are read a gap after perftop's boundary.  Measured
#     (2026-12-03, throttled ~2000 ms): host (6.18, v1) kernel - perftop
#     -3.6..+0.7 ms in 9 of 10 runs, +75.5 ms in one (an episode open at
#     the first edge); 6.12 under single-threaded TCG -1.9%..+0.3%, 6.1
#     under TCG -0.2%..+0.3%, 4 of 4 each; CI once +81.8 ms;
#   - runnable + throttled = schedstat run_delay within the same bounds
#     (run_delay too grows by a whole wait when it ends).  perftop reads
#     sched_info.run_delay itself (whole_wait(), for waits the kernel
#     split), so this check is partly plumbing; the throttled check above
#     is not: perftop reads the cfs_rq's throttled clocks, cpu.stat sums
#     the bandwidth pool's episodes;
#   - runnable = the kernel's own runnable wait, run_delay growth less
#     cpu.stat throttled time growth over the same window, within RUN_TOL
#     (below, measured): the machine is shared, so another task on the
#     spinner's CPU can make it genuinely wait, and only the kernel knows
#     how much;
#   - and when /proc/stat shows the CPU otherwise idle over the window (its
#     busy time less the spinner's own sum_exec_runtime under 10% of the
#     throttled time, so others cannot fill the bound), runnable alone
#     stays under 10% of the throttled time: the wait is not mistaken for
#     CPU contention.
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

python3 - "$PERFTOP" "$TMP/trace.json" "$spin" "$cg" "$cpu" <<'PY'
import subprocess, sys, time
from perftop_test import cpu_times_ns, make_waiter, snapshots
perftop, trace, pid, cg = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
cpu = int(sys.argv[5])
# RUN_TOL: perftop's runnable against the kernel's.  Both see the same
# waits; they differ at the window's two edges (the test reads schedstat
# and cpu.stat just after perftop's first snapshot and end lines; the
# kernel adds a wait whole when it ends, perftop splits it), each of which can split a wait: another task's
# slice (~4 ms at HZ=250) or the part of a throttled episode before the
# throttle (small here: run_delay - throttled is 2-7 ms over the window on
# an idle CPU).  Measured on 6.18 (v1), perftop - kernel: -7.0 ms (549 ms
# of other work on the CPU, kernel runnable 102 ms), +0.1, -2.0 ms (CPU
# otherwise idle, runnable 2-7 ms).  20 ms: both edges' splits, twice.
# Plus the gaps themselves: the kernel's window starts gap0 after
# perftop's and ends gap1 after it, and another task on the CPU can make
# the spinner wait in them (both guests once read the kernel 20.5 and
# 22.1 ms over, with gaps of 28-167 ms under TCG and 86-233 ms of other
# work on the CPU, 2026-12-03): kernel - perftop within
# [-RUN_TOL - gap0, RUN_TOL + gap1].
RUN_TOL = 20e6
# The 10% check holds only when the other work on the spinner's CPU could
# not fill it: the spinner waits runnable at most while others run there,
# so the check applies when their busy time (/proc/stat's, less the
# spinner's sum_exec_runtime) is under 10% of the throttled time.  Measured
# 100-117 ms of it over the 3 s window from the test and perftop
# themselves (thr ~2000 ms), 549 ms with other work on the machine.
def idle_cpu(other, thr):
    return other < 0.1 * thr

def throttled_ns():
    st = dict(l.split() for l in open(f"{cg}/cpu.stat"))
    if "throttled_usec" in st:
        return int(st["throttled_usec"]) * 1000
    return int(st["throttled_time"])

def run_delay():
    """The spinner's sum_exec_runtime and run_delay (schedstat)."""
    with open(f"/proc/{pid}/task/{pid}/schedstat") as f:
        return tuple(map(int, f.read().split()[:2]))

def busy_ns(cpu):
    """cpu's busy time in /proc/stat (user nice system irq softirq), ns."""
    v = cpu_times_ns(cpu)
    return sum(v[k] for k in (0, 1, 2, 5, 6))

wait_for = make_waiter(trace)
proc = subprocess.Popen([perftop, "record", "--probes", "sched", "-p", str(pid),
                         "-i", "0.5", "-d", "3", "-o", trace])
# EDGE: the window is perftop's snapshots after the first, against the
# kernel's counters read once the first snapshot's line and the end line
# are seen, each a gap after the interval boundary it stands for (the
# snapshot's ts_ns, CLOCK_MONOTONIC at the interval's end; a few ms).  The
# kernel's figures grow by at most a gap in it, and by an episode (at most
# PERIOD) that was open at perftop's boundary, counted whole when it ends:
# kernel - perftop lies in [-PERIOD - gap0, PERIOD + gap1], + EPS.  (From
# the header line instead, perftop's window began at its attach, before
# the header: 60-120 ms more throttled time than the cgroup under
# single-threaded TCG, 2026-12-03.)
PERIOD = 100e6
wait_for('"type":"snapshot"', proc)
t0, (e0, d0), b0 = throttled_ns(), run_delay(), busy_ns(cpu)
m0 = time.monotonic_ns()
wait_for('"type":"end"', proc)
t1, (e1, d1), b1 = throttled_ns(), run_delay(), busy_ns(cpu)
m1 = time.monotonic_ns()
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")
snaps = list(snapshots(trace))
gap0, gap1 = m0 - snaps[0]["ts_ns"], m1 - snaps[-1]["ts_ns"]
# EPS: perftop's sched boundary is its task iterator's clock read, just
# after ts_ns (inside the gap, so the bounds hold); what is left is the
# clocks' and a split's rounding.  Measured 2026-12-03: see the header.
EPS = 2e6

thr = run = on = 0
for i, o in enumerate(snaps):
    for t in o.get("sched", {}).get("tasks", []) if i else ():
        if t["pid"] != pid:
            continue
        thr += t["throttled_ns"]
        run += t["runnable_ns"]
        on += t["oncpu_ns"]
kthr, kdelay = t1 - t0, d1 - d0
krun = kdelay - kthr
other = (b1 - b0) - (e1 - e0)
print(f"perftop: on-CPU {on/1e6:.1f} ms, throttled {thr/1e6:.1f} ms, "
      f"runnable {run/1e6:.1f} ms; cgroup throttled {kthr/1e6:.1f} ms, "
      f"run_delay {kdelay/1e6:.1f} ms, so runnable {krun/1e6:.1f} ms; "
      f"perftop - kernel runnable {(run - krun)/1e6:+.1f} ms; "
      f"CPU {cpu} busy besides the spinner {other/1e6:.1f} ms; edge gaps "
      f"{gap0/1e6:.1f} and {gap1/1e6:.1f} ms; switches without the "
      f"tracepoint (all threads) {sum(o['loss'].get('sched_unseen', 0) for o in snaps)}")
def off(mine, kernel):
    """kernel - mine outside [-PERIOD - gap0 - EPS, PERIOD + gap1 + EPS]?"""
    return not -PERIOD - gap0 - EPS <= kernel - mine <= PERIOD + gap1 + EPS
bad = []
if kthr < 1e9:
    bad.append("the cgroup was hardly throttled: nothing measured")
if off(thr, kthr):
    bad.append("throttled time off the cgroup's by more than the window's "
               "edge gaps allow")
if off(thr + run, kdelay):
    bad.append("runnable + throttled off run_delay by more than the "
               "window's edge gaps allow")
if not -RUN_TOL - gap0 <= krun - run <= RUN_TOL + gap1:
    bad.append(f"runnable off the kernel's (run_delay - throttled) by more "
               f"than {RUN_TOL/1e6:.0f} ms and the window's edge gaps")
if idle_cpu(other, thr) and run > 0.1 * thr:
    bad.append("throttled waits counted as runnable (the CPU otherwise idle)")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
