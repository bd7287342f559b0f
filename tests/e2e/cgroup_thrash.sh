#!/bin/bash
# Thrashing: a process re-reading a 256 MiB file inside a 64 MiB memory
# cgroup.  Its page cache cannot hold the file, so every pass evicts what
# the next one needs and reads it back: the kernel counts each read-back
# of a recently evicted page as a workingset refault.  With default
# thresholds, report over a 5 s recording must give memory.thrashing
# naming the cgroup (culprit and advice) and its 64 MiB limit.  Reference
# for the count: the cgroup's own memory.stat (the same counter perftop
# reads: plumbing only), sampled by the test every 10 ms on CLOCK_MONOTONIC
# while perftop records and interpolated at the trace's own interval edges
# (ts_ns - interval_ns of the first, ts_ns of the last): within 5%.  The
# old reference, a rate over [header line, perftop's exit], was 22% off
# in CI when start-up load slowed the reader in one window and not the
# other; interpolation leaves only perftop's read lag after each edge
# (milliseconds, the same at both ends) and 10 ms of sampling.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
memcg_with_file thrash 64M 256M
rel="perftop-thrash-$$" mem=$MEM naming=$NAMING data=$DATA

refaults() {
	if [ "$CG_HIER" = v2 ]; then
		awk '$1 ~ /^workingset_refault_(anon|file)$/ { s += $2 } END { print s + 0 }' "$mem/memory.stat"
	else
		awk '$1 ~ /^total_workingset_refault_(anon|file)$/ { s += $2 } END { print s + 0 }' "$mem/memory.stat"
	fi
}

bash -c 'echo $$ >"$1/cgroup.procs"; [ "$1" = "$2" ] || echo $$ >"$2/cgroup.procs"
	exec bash -c "while :; do cat \"\$0\" >/dev/null; done" "$3"' reader "$naming" "$mem" "$data" &
reader=$!
on_exit "kill $reader"
sleep 2
# record, then report over the trace (the same rules as scan), while the
# test samples memory.stat on its own clock
python3 - "$mem/memory.stat" "$CG_HIER" >"$TMP/samples" <<'PY' &
import sys, time
path, v2 = sys.argv[1], sys.argv[2] == "v2"
keys = ("workingset_refault_anon", "workingset_refault_file") if v2 else \
       ("total_workingset_refault_anon", "total_workingset_refault_file")
while True:
    t = time.monotonic_ns()
    n = sum(int(l.split()[1]) for l in open(path) if l.split()[0] in keys)
    print(t, n, flush=True)
    time.sleep(0.01)
PY
sampler=$!
on_exit "kill $sampler 2>/dev/null"
sleep 0.2
record_report "$sampler"
python3 - "$TMP/report.json" "/$rel" "$TMP/samples" "$TMP/t.json" <<'PY'
import bisect, json, sys
r = json.load(open(sys.argv[1]))
path = sys.argv[2]
samples = [tuple(map(int, l.split())) for l in open(sys.argv[3]) if len(l.split()) == 2]
ts = [t for t, _ in samples]
def at(t):  # memory.stat's counter at monotonic time t, interpolated
    i = bisect.bisect_left(ts, t)
    assert 0 < i < len(ts), f"no samples around {t}"
    (t0, n0), (t1, n1) = samples[i - 1], samples[i]
    return n0 + (n1 - n0) * (t - t0) / (t1 - t0)
snaps = [o for o in map(json.loads, open(sys.argv[4])) if o["type"] == "snapshot"]
n = sum(c["mem_refaults"] for s in snaps for c in s["cgroup"]["cgroups"] if c["path"] == path)
start, end = snaps[0]["ts_ns"] - snaps[0]["interval_ns"], snaps[-1]["ts_ns"]
ref = at(end) - at(start)
fs = [f for f in r["findings"] if f["rule"] == "memory.thrashing"]
for f in r["findings"]:
    print(f'{f["severity"]} {f["rule"]} {f["value"]:.0f}: {f["advice"]}')
print(f"perftop {n} refaults over {(end - start) / 1e9:.2f} s, memory.stat {ref:.0f} over the same edges (plumbing)")
assert fs, f"memory.thrashing did not fire (memory.stat counts {ref:.0f} refaults)"
f = fs[0]
assert f["culprits"][0].get("cgroup") == path, f["culprits"]
assert path in f["advice"] and "64 MiB" in f["advice"], f["advice"]
assert ref > 0 and abs(n - ref) <= 0.05 * ref, "refaults differ from memory.stat by more than 5%"
PY
