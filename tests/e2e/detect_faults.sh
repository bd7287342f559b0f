#!/bin/bash
# Major faults: a process reads a file through mmap after dropping it from
# the page cache, over and over.  With DEFAULT thresholds the scan must
# report memory.major_faults naming that process, at a rate the kernel's
# own majflt counter (/proc/PID/stat field 12) backs; `report` over a
# recording of the same load reaches the same verdict, and that recording's
# major faults equal majflt's growth exactly (the process stopped while
# perftop attaches and detaches).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 gcc

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
gcc -O2 -Wall -o "$TMP/faulter" "$(dirname "$0")/../workloads/faulter.c" ||
	fail "cannot build faulter"
# tmpfs pages never leave memory: the file must be on a real disk.
datadir=$TMP
[ "$(stat -f -c %T "$datadir")" = tmpfs ] && datadir=$(mktemp -d /var/tmp/perftop-test.XXXXXX) &&
	on_exit "rm -rf $datadir"
head -c $((64 << 20)) /dev/urandom >"$datadir/data" || fail "cannot write $datadir/data"
sync

"$TMP/faulter" file "$datadir/data" >"$TMP/ready" &
pid=$!
on_exit "kill $pid"
wait_line "$TMP/ready" ready 20

majflt() { awk '{print $12}' "/proc/$1/stat"; }
# The faulter is stopped (SIGSTOP: it takes no faults) while perftop
# attaches and detaches, so every fault between the two reads of its
# majflt happens inside the recording and inside the span around the scan.
# It runs again once both the recording and the scan say they are
# measuring (-v; started together, so neither's window holds much of the
# other's start-up, which under TCG takes seconds: a recording diluted by
# it fell under the rule's threshold in report), so the span the kernel's
# count covers is the scan's window and its exit, not its start-up.
kill -STOP "$pid"
m0=$(majflt "$pid")
"$PERFTOP" record -v --probes fault -p "$pid" -i 0.5 -o "$TMP/rec.json" 2>"$TMP/rec.err" &
rec=$!
rc=0
"$PERFTOP" scan -v --probes fault -p "$pid" -i 0.5 -d 3 --json >"$TMP/scan.json" 2>"$TMP/scan.err" &
scan=$!
wait_line "$TMP/rec.err" "measuring" 20
wait_line "$TMP/scan.err" "measuring" 20
t0=$(date +%s%N)
kill -CONT "$pid"
wait "$scan" || rc=$?
kill -STOP "$pid"
m1=$(majflt "$pid") t1=$(date +%s%N)
kill -INT "$rec"
wait "$rec" || fail "record failed"
kill -CONT "$pid"
rrc=0
"$PERFTOP" report "$TMP/rec.json" --json >"$TMP/report.json" || rrc=$?

python3 - "$CHECK" "$TMP" "$rc" "$rrc" "$pid" $((m1 - m0)) $((t1 - t0)) <<'PY'
import json, sys
# the recording against the kernel's counter: every fault the faulter took
# happened while it recorded, so the sums must be equal, exactly (perftop
# reads the same task->maj_flt, at each interval's end and at exit: a
# dropped or doubled interval, or a lost baseline, shows here)
kernel = int(sys.argv[6])
recorded = sum(t["major"] for o in map(json.loads, open(f"{sys.argv[2]}/rec.json"))
               if o["type"] == "snapshot" for t in o.get("faults", {}).get("tasks", [])
               if t["pid"] == int(sys.argv[5]))
print(f"recording: {recorded} major faults; kernel majflt grew by {kernel}")
assert recorded == kernel, (recorded, kernel)
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, rules, same_verdict
tmp, rc, rrc, pid = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
kernel, span = int(sys.argv[6]), int(sys.argv[7]) / 1e9
scan = check_report(json.loads(open(f"{tmp}/scan.json").read()))
rep = check_report(json.loads(open(f"{tmp}/report.json").read()))
print(f"kernel: {kernel} major faults in {span:.1f} s ({kernel / span:.0f}/s)")
print("scan:", scan["status"], {r: round(f["value"], 1) for r, f in rules(scan).items()})
print("report:", rep["status"], {r: round(f["value"], 1) for r, f in rules(rep).items()})
# twice the default warning (50/s) is enough for the rule; the faulter
# makes 12,000-19,000/s on the host, 415-1,900/s under TCG
assert kernel / span > 100, "workload did not fault enough"
f = rules(scan).get("memory.major_faults")
assert f, "no memory.major_faults finding"
assert rc in (1, 2) and f["value"] >= f["threshold"] >= 50, (rc, f)
c = f["culprits"][0]
print("culprit:", c)
assert c["comm"] == "faulter" and c["tgid"] == pid and c["pid"] == pid, c
# perftop's faults over its window cannot exceed what the kernel counted
# over the span around it (no fault outside it: the faulter was stopped),
# and must be nearly all of the window's share: the faulter ran from the
# scan's "measuring" line to after its exit, so the span is the window,
# less the line's latency at its start (0.3 s in a single-threaded TCG
# guest, where the span came out shorter than the window), plus the
# scan's exit.  Measured: 0.985-1.000 of the share in 4 runs on the host
# (2026-12-03; before the faulter waited for the line, a slow start-up
# could take 40% of the window), 0.996 in the 6.12 guest.  The recording
# above is the exact check.
window = scan["window"]["duration_s"]
seen = c["value"] * window * f["active_intervals"] / f["intervals"]
share = kernel * min(window, span) / span	# the span may be the shorter one (TCG)
print(f"perftop: {seen:.0f} faults in its {window:.1f} s window; kernel share {share:.0f}")
# (2%: `seen` is rebuilt from a rate times the window, not counted)
assert seen <= kernel * 1.02, (seen, kernel)
assert seen >= share * 0.9, (seen, share)
notes = same_verdict(scan, rep)
print("scan and report agree" + (f" (borderline: {notes})" if notes else ""))
assert rrc == ["ok", "warning", "critical"].index(rep["status"]), (rrc, rep["status"])
assert "memory.major_faults" in rules(rep), rules(rep).keys()
PY
echo ok
