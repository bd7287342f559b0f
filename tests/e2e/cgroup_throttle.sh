#!/bin/bash
# CPU quota and throttling per cgroup, against what the quota makes true
# by construction, then the verdict on the issue's stall.
#
# Accuracy: ONE spinner in a cgroup capped at 0.2 CPU (20 ms per 100 ms
# period).  It wants the whole CPU, so it runs 20 ms and is throttled for
# the rest of every period: per second of wall time 10 periods, all
# throttled, 0.2 s of CPU used, 0.8 s waiting runnable, whatever CPU it
# lands on.  perftop reads cpu.stat itself, so its throttled time is
# compared with cpu.stat as the test reads it (plumbing only: the mean
# throttled time per throttled period over the run, within 5%); the
# independent references are the construction values: periods within
# +-1.3 per interval and over the run (an interval edge splits a period:
# +-1; perftop reads cpu.stat after the other families' collection, a lag
# that varies between intervals by up to 30 ms under load: +-0.3 of a
# 100 ms period; with +-1 alone a 1.000 s interval read 1 ms short gave
# 9 periods, as it may), throttled periods =
# periods exactly, CPU used within 5% of 0.2 s/s.  The throttled TIME has
# no construction value to hold it to: cpu.stat throttled_time is not the
# 80 ms per period the spinner spends off CPU (measured 63-71 ms on 6.18,
# while its schedstat run_delay grows the full 80 ms): the kernel starts
# that clock after the task stops running.  perftop reports the kernel's
# number, so it is checked as plumbing.
#
# Detection: TWO spinners in a cgroup capped at 0.2 CPU on an otherwise
# idle machine must give cpu.throttling naming the cgroup and its quota,
# and no finding may advise more CPUs.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
cgroup_naming_hier
rel="perftop-thr-$$"
cgroup_ctrl_dir "$rel" cpu
cpu=$CG_DIR
acct=
if [ "$CG_HIER" = v2 ]; then
	echo "20000 100000" >"$cpu/cpu.max"
else
	echo 100000 >"$cpu/cpu.cfs_period_us"
	echo 20000 >"$cpu/cpu.cfs_quota_us"
	# as container runtimes do: the same path in cpuacct, for usage
	if awk '$3 == "cgroup" && $4 ~ /(^|,)cpuacct(,|$)/ { f = 1 } END { exit !f }' /proc/self/mounts; then
		cgroup_ctrl_dir "$rel" cpuacct
		acct=$CG_DIR
	fi
fi
spin() { (echo $BASHPID >"$cpu/cgroup.procs"; [ -z "$acct" ] || echo $BASHPID >"$acct/cgroup.procs"; exec bash -c 'while :; do :; done') & }

spin
one=$!
sleep 0.5
stat0=$(cat "$cpu/cpu.stat")
"$PERFTOP" record --probes sched,cgroup -i 1 -d 5 -o "$TMP/one.json"
stat1=$(cat "$cpu/cpu.stat")
python3 - "$TMP/one.json" "/$rel" "$stat0" "$stat1" <<'PY'
import json, sys
f, path = sys.argv[1], sys.argv[2]
def stat(text):
    kv = dict(l.split() for l in text.splitlines())
    return int(kv["nr_throttled"]), int(kv.get("throttled_usec", 0)) * 1000 or int(kv.get("throttled_time", 0))
(n0, t0), (n1, t1) = stat(sys.argv[3]), stat(sys.argv[4])
snaps = [o for o in map(json.loads, open(f)) if o["type"] == "snapshot"]
rows = [(s["interval_ns"] / 1e9, c) for s in snaps for c in s["cgroup"]["cgroups"] if c["path"] == path]
assert rows, f"no record for {path}"
assert all(c["cpu_quota_us"] == 20000 and c["cpu_period_us"] == 100000 for _, c in rows), rows[0]
rows = [(t, c) for t, c in rows if not c["first"]]
T = sum(t for t, _ in rows)
P = sum(c["cpu_periods"] for _, c in rows)
N = sum(c["cpu_throttled_periods"] for _, c in rows)
TH = sum(c["cpu_throttled_ns"] for _, c in rows) / 1e9
U = sum(c["cpu_usage_ns"] for _, c in rows) / 1e9
print(f"{len(rows)} intervals, {T:.3f} s: periods {P} (want {T / 0.1:.1f}), throttled {N}, "
      f"throttled time {TH:.3f} s, usage {U:.3f} s (want {0.2 * T:.3f})")
for i, (t, c) in enumerate(rows):
    assert abs(c["cpu_periods"] - t / 0.1) <= 1.3, f"interval {i} of {t:.3f} s had {c['cpu_periods']} periods"
assert abs(P - T / 0.1) <= 1.3, f"{P} periods in {T:.3f} s"
assert N == P, f"throttled in {N} of {P} periods: a spinner must run out of quota in every one"
if U:
    assert abs(U - 0.2 * T) <= 0.05 * 0.2 * T, f"used {U:.3f} s CPU, want {0.2 * T:.3f} s +-5%"
mine, ref = TH / N, (t1 - t0) / 1e9 / (n1 - n0)
print(f"throttled per period: perftop {mine * 1e3:.1f} ms, cpu.stat {ref * 1e3:.1f} ms (plumbing)")
assert abs(mine - ref) <= 0.05 * ref, "throttled time per period differs from cpu.stat by more than 5%"
PY

spin
sleep 0.5
rc=0
"$PERFTOP" scan --probes sched,cgroup -i 1 -d 5 --json >"$TMP/scan.json" || rc=$?
[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "scan exited $rc, want 1 or 2 (WARNING/CRITICAL)"
python3 - "$TMP/scan.json" "/$rel" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
path = sys.argv[2]
fs = r["findings"]
for f in fs:
    print(f'{f["severity"]} {f["rule"]} {f["value"]:.1f}: {f["advice"]}')
thr = [f for f in fs if f["rule"] == "cpu.throttling"]
assert thr, "cpu.throttling did not fire"
f = thr[0]
assert f["value"] >= 90, f"throttled in {f['value']:.0f}% of periods, want ~100%"
assert any(c.get("cgroup") == path for c in f["culprits"]), f["culprits"]
assert path in f["advice"] and "0.20 CPU" in f["advice"] and "20000 us per 100000 us" in f["advice"], f["advice"]
# More CPUs would not help the quota'd spinners: no finding that advises
# them may name them.  (Other work on a shared machine may still earn that
# advice for itself; on a quiet machine no such finding appears at all.)
for f in fs:
    a = f["advice"].lower()
    if "more cpus" in a.replace("more cpus do not help", "") or "add cpus" in a:
        bad = [c for c in f["culprits"] if c.get("cgroup") == path]
        assert not bad, f"{f['rule']} advises more CPUs naming the quota'd spinners: {bad}"
PY
