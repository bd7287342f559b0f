#!/bin/bash
# Disk latency: fio random direct reads, 32 deep, on a loop device backed by
# a file.  A loop device over a cached file is fast (0.1 ms mean measured
# on an idle machine), so the disk.latency warning is lowered with --config
# to 0.02 ms.  The scan must report disk.latency naming the loop
# device, with a p99 the kernel's /proc/diskstats supports (p99 >= the mean
# read latency diskstats gives over the same span, with slack for the
# histogram), and `report` over a recording of the same load agrees.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 losetup fio

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
truncate -s 256M "$TMP/disk.img"
loop=$(losetup -f --show "$TMP/disk.img") || skip "cannot create a loop device"
on_exit "losetup -d $loop"
dev=$(basename "$loop")

cat >"$TMP/cfg.json" <<'EOF'
{ "interval": 0.5,
  "thresholds": { "disk.latency": { "warning": 0.02, "critical": 10000 } } }
EOF

# --thread: one process, so -p names all of fio's I/O.  fio's run spans
# the scan's and the recording's at any machine speed: the perftops start
# once fio's reads show on the device, and fio is stopped with SIGINT (it
# writes its JSON then and exits 128) only after both have ended.  Its
# --runtime is only a bound for a test that dies (300 s; the whole test takes ~4 s
# here, ~20 s under TCG): fio ending by itself (exit 0) fails the test.
fio --name=lat --thread --filename="$loop" --direct=1 --rw=randread --bs=4k \
	--ioengine=libaio --iodepth=32 --time_based --runtime=300 \
	--output-format=json --output="$TMP/fio.json" &
fio_pid=$!
on_exit "kill $fio_pid"

stats() { awk -v d="$dev" '$3 == d {print $4, $7}' /proc/diskstats; }
read -r r0 ms0 < <(stats)
# 1000 reads: fio is past its start-up (bounds a start, measures nothing)
sec=20
if under_tcg; then sec=80; fi
for ((i = 0; i < sec * 20; i++)); do
	read -r r1 ms1 < <(stats)
	[ $((r1 - r0)) -lt 1000 ] || break
	kill -0 "$fio_pid" 2>/dev/null || fail "fio exited before reading"
	sleep 0.05
done
[ $((r1 - r0)) -ge 1000 ] || fail "fio did not read from $dev in ${sec}s"
read -r r0 ms0 < <(stats)
t0=$(date +%s%N)
"$PERFTOP" record --probes block -p "$fio_pid" --config "$TMP/cfg.json" -d 3 \
	-o "$TMP/rec.json" &
rec=$!
rc=0
"$PERFTOP" scan --probes block -p "$fio_pid" --config "$TMP/cfg.json" -d 3 \
	--json --prom "$TMP/disk.prom" >"$TMP/scan.json" || rc=$?
wait "$rec" || fail "record failed"
read -r r1 ms1 < <(stats)
t1=$(date +%s%N)
kill -INT "$fio_pid" 2>/dev/null || true
frc=0
wait "$fio_pid" || frc=$?
# 128: fio_backend's exit_value once its SIGINT handler ran (the job's
# error is checked in its JSON below); 0 would mean its runtime ran out
# first
[ "$frc" -eq 128 ] || fail "fio exited $frc, want 128 (stopped by SIGINT)"
rrc=0
"$PERFTOP" report "$TMP/rec.json" --config "$TMP/cfg.json" --json \
	>"$TMP/report.json" || rrc=$?

python3 - "$CHECK" "$TMP" "$rc" "$rrc" "$dev" $((r1 - r0)) $((ms1 - ms0)) \
	$((t1 - t0)) <<'PY'
import json, sys
# Upper bound, by construction: every request perftop times (accounting
# start to completion) lies inside one fio I/O's total latency (slat +
# clat: io_submit() entered to the event reaped), so no p99 of them can
# exceed the largest of fio's, over a run that spans the scan (started
# before it, stopped after it); the p99 is
# clamped to the exact maximum, so no bucket slack either.  (It used to
# have no upper bound: a 1000x over-report passed.)
# fio's "fio: terminating on signal 2" line comes first in its --output
fio_out = open(f"{sys.argv[2]}/fio.json").read()
fio_job = json.loads(fio_out[fio_out.index("{"):])["jobs"][0]
assert fio_job["error"] == 0, fio_job["error"]
fio_lat_max = fio_job["read"]["lat_ns"]["max"]
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, parse_prom, prom_value, rules, same_verdict
tmp, rc, rrc, dev = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
reads, ms, span = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8]) / 1e9
mean = ms / reads if reads else 0
print(f"diskstats {dev}: {reads} reads in {span:.1f} s, mean {mean:.3f} ms")
assert reads / span > 1000, "fio did not run"
scan = check_report(json.loads(open(f"{tmp}/scan.json").read()))
rep = check_report(json.loads(open(f"{tmp}/report.json").read()))
print("scan:", scan["status"], {r: round(f["value"], 2) for r, f in rules(scan).items()})
print("report:", rep["status"], {r: round(f["value"], 2) for r, f in rules(rep).items()})
f = rules(scan).get("disk.latency")
assert f, "no disk.latency finding"
assert rc in (1, 2) and f["value"] >= f["threshold"] == 0.02, (rc, f)
print("culprits:", f["culprits"])
assert f["culprits"][0]["dev"] == dev, f["culprits"]
# diskstats' ms are whole milliseconds per I/O summed: compare loosely.
assert f["culprits"][0]["value"] >= 0.7 * mean, (f["culprits"][0], mean)
assert f["culprits"][0]["value"] <= fio_lat_max / 1e6, (f["culprits"][0], fio_lat_max)
prom = parse_prom(open(f"{tmp}/disk.prom").read())
p99 = prom_value(prom, "perftop_disk_latency_p99_seconds", device=dev)
print(f"prom p99 {p99 * 1e3:.3f} ms; fio's largest total latency {fio_lat_max / 1e6:.3f} ms")
assert 0.7 * mean <= p99 * 1e3 <= fio_lat_max / 1e6
assert prom_value(prom, "perftop_finding", rule="disk.latency", severity="warning") == 1
notes = same_verdict(scan, rep, {"disk.latency": (0.02, 10000)})
print("scan and report agree" + (f" (borderline: {notes})" if notes else ""))
assert rrc == ["ok", "warning", "critical"].index(rep["status"]), (rrc, rep["status"])
assert "disk.latency" in rules(rep), rules(rep).keys()
assert rules(rep)["disk.latency"]["culprits"][0]["dev"] == dev
PY
echo ok
