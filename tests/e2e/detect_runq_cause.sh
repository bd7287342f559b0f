#!/bin/bash
# The cause a wait for CPUs is put down to, in four loads whose cause is
# known by construction.  Each must fire cpu.runq_latency or cpu.pressure
# (the nice and rt loads starve threads: cpu.runq_latency must fire, from
# their open waits); the advice of each must name:
#   - pinned: 3 spinners pinned (taskset) to the last CPU while the others
#     idle: the idle CPUs and the busy one (confinement, not a shortage);
#     no finding may advise more CPUs (perftop said "give them more CPUs");
#   - spread: 3 spinners per CPU, unpinned: the shortage ("more runnable
#     threads than CPUs"), nothing of idle CPUs;
#   - nice: per CPU one spinner at nice 0 and two at nice 19, unpinned: the
#     low-priority waiters (perftop told these to lower their priority);
#   - rt: 2 spinners and a SCHED_FIFO spinner pinned to the last CPU: the
#     real-time spinner by pid (perftop named its victims and advised
#     nice); it holds that CPU whole (999 ms/s measured: the 95% of
#     sched_rt_runtime_us is borrowed from the other CPU), so this load
#     lasts one scan.
# The idle time per CPU (/proc/stat, which perftop reads too) is printed,
# and in the pinned loads the other CPUs must have idled at least half
# the scan (else something beside the test ran: reported as such).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 taskset chrt renice

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
n=$(nproc)
[ "$n" -ge 2 ] || skip "needs 2 CPUs"
last=$((n - 1))

cpu_idle() {	# every CPU's idle + iowait ticks, one line
	awk '/^cpu[0-9]/ { printf "%s ", $5 + $6 } END { print "" }' /proc/stat
}

PIDS=()
scan() {	# $1: name; the spinners in PIDS
	local only rc=0
	only=$(IFS=,; echo "${PIDS[*]}")
	sleep 0.5
	cpu_idle >"$TMP/$1.idle0"
	"$PERFTOP" scan --probes sched -p "$only" -i 0.5 -d 4 --json \
		>"$TMP/$1.json" || rc=$?
	cpu_idle >"$TMP/$1.idle1"
	echo "$rc" >"$TMP/$1.rc"
	kill -KILL "${PIDS[@]}"
	wait "${PIDS[@]}" 2>/dev/null || true
	PIDS=()
}

start_spinners 3 "$last" ptpinned
PIDS=("${SPIN_PIDS[@]}")
scan pinned

start_spinners $((3 * n)) "0-$last" ptspread
PIDS=("${SPIN_PIDS[@]}")
scan spread

start_spinners "$n" "0-$last" ptnormal
PIDS=("${SPIN_PIDS[@]}")
start_spinners $((2 * n)) "0-$last" ptlow
renice -n 19 -p "${SPIN_PIDS[@]}" >/dev/null || fail "renice failed"
PIDS+=("${SPIN_PIDS[@]}")
scan nice

start_spinners 2 "$last" ptnormal
PIDS=("${SPIN_PIDS[@]}")
start_spinners 1 "$last" ptrt
rt=${SPIN_PIDS[0]}
if ! chrt -f -p 1 "$rt" 2>/dev/null; then
	# CONFIG_RT_GROUP_SCHED: a cgroup without real-time runtime refuses
	# SCHED_FIFO; the root cgroup has it
	for d in /sys/fs/cgroup/cpu /sys/fs/cgroup; do
		[ -w "$d/cgroup.procs" ] && echo "$rt" >"$d/cgroup.procs" && break
	done
	chrt -f -p 1 "$rt" || fail "cannot make $rt SCHED_FIFO"
fi
PIDS+=("$rt")
scan rt

python3 - "$CHECK" "$TMP" "$last" "$(getconf CLK_TCK)" "$rt" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, rules
tmp, last, hz, rt = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
bad = []

def idle_share(name):
    a = [int(x) for x in open(f"{tmp}/{name}.idle0").read().split()]
    b = [int(x) for x in open(f"{tmp}/{name}.idle1").read().split()]
    return [(y - x) / hz for x, y in zip(a, b)]

others = "CPU 0" if last == 1 else f"CPUs 0-{last - 1}"
want = {
    "pinned": [f"{others} sat idle", f"for CPU {last}:", "cannot move"],
    "spread": [],
    "nice": ["is of low-priority threads (most: ptlow[", "nice 19)"],
    "rt": [f"(most: ptrt[{rt}], SCHED_FIFO,", "run ahead of every normal thread"],
}
causes = ["sat idle", "low-priority", "real-time", "CPU-quota"]
for name, parts in want.items():
    scan = check_report(json.load(open(f"{tmp}/{name}.json")))
    rc = int(open(f"{tmp}/{name}.rc").read())
    found = rules(scan)
    print(f"{name}: exit {rc}, idle s per CPU over the scan "
          f"{[round(x, 2) for x in idle_share(name)]}")
    for r, f in found.items():
        print(f"  {r} {f['value']:.1f}: {f['advice']}")
    # both CPU rules give the same cause; which of them fire depends on
    # the waits' lengths (3 spinners on one CPU wait ~6 ms a slice, under
    # run-queue latency's 10 ms, while PSI counts them stalled all along)
    # the pinned loads leave the other CPUs idle by construction unless
    # something else ran: then the verdict is not this test's to judge
    # (a build beside CI left CPU 0 0.8% idle in "pinned")
    idle = idle_share(name)
    if name in ("pinned", "rt") and min(idle[:last]) < 0.5 * 4:
        bad.append(f"{name}: CPUs 0-{last - 1} were busy during the scan "
                   f"(idle s {idle[:last]}): something beside the test ran")
        continue
    cpu = {r: f for r, f in found.items()
           if r in ("cpu.runq_latency", "cpu.pressure")}
    if rc not in (1, 2) or not cpu:
        bad.append(f"{name}: no CPU finding (exit {rc})")
        continue
    if name in ("nice", "rt") and "cpu.runq_latency" not in cpu:
        bad.append(f"{name}: the starving threads fired no cpu.runq_latency")
    for r, f in cpu.items():
        for p in parts:
            if p not in f["advice"]:
                bad.append(f"{name}: {r}'s advice lacks {p!r}")
        if name == "spread" and any(c in f["advice"] for c in causes):
            bad.append(f"spread: {r} names a cause other than a shortage")
        if name in ("pinned", "rt") and ("more CPUs" in f["advice"] or
                                         "add CPUs" in f["advice"]):
            bad.append(f"{name}: {r} advises more CPUs")
    if name == "spread" and "cpu.runq_latency" in cpu and \
            "more runnable threads than CPUs" not in cpu["cpu.runq_latency"]["advice"]:
        bad.append("spread: the shortage advice is gone")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
