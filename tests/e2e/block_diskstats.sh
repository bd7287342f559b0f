#!/bin/bash
# Per-device block I/O must match the kernel's own accounting: read/write
# I/Os and bytes of a device in /proc/diskstats over the same window,
# within 2%, over a fixed 64 MiB workload run entirely inside the
# recording; and the issuing program (fio) must be named in block.tasks
# with those bytes, although the loop device completes its requests from
# a kernel worker.  Workload: fio, direct random reads and writes of mixed
# sizes (so bytes are not simply I/Os times one size) on a fresh loop
# device backed by a file in $TMP, and, when the VM test bed gives one
# ($PERFTOP_TEST_DISK, scripts/vmtest.sh), on a virtio disk too: a driver
# completing from its interrupt, as production disks do.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 losetup fio bpftrace

# fio's own binary and libraries in the page cache first: block.tasks sums
# a task's I/O over every device, and fio faulting in pages of its
# libraries (82 MB with librbd, libceph-common, libicudata) reads them
# ahead from the root disk as fio.  Measured (bpftrace on block_rq_issue,
# 2026-12-02): 16 readahead requests of fio's on vda in a passing run;
# fio's bytes 70.0 and 88-111 MB against the loop device's 67.1 MB in 4 of
# 7 runs, when an earlier test had dropped the page cache.
fio_bin=$(command -v fio)
cat "$fio_bin" $(ldd "$fio_bin" | awk '$3 ~ /^\// { print $3 }') >/dev/null
truncate -s 128M "$TMP/disk.img"
loop=$(losetup -f --show "$TMP/disk.img") || skip "cannot create a loop device"
on_exit "losetup -d $loop"

check_dev() {
local path=$1 dev rc=0
dev=$(basename "$path")
echo "== $path"
python3 - "$PERFTOP" "$TMP/trace-$dev.json" "$dev" "$path" "$TMP/fio.out" <<'PY'
import json, os, subprocess, sys
from perftop_test import record_during
perftop, trace, dev, path, fio_out = sys.argv[1:6]
major = os.major(os.stat("/dev/" + dev).st_rdev)

def diskstats():
    with open("/proc/diskstats") as f:
        for line in f:
            v = line.split()
            if v[2] == dev:
                n = [int(x) for x in v[3:]]
                # reads, sectors read, ms reading, writes, sectors written,
                # ms writing, in flight
                return {"read_ios": n[0], "read_bytes": n[2] * 512,
                        "write_ios": n[4], "write_bytes": n[6] * 512,
                        "ticks_ms": n[3] + n[7]}
    sys.exit(f"FAIL: {dev} not in /proc/diskstats")

# The workload runs entirely inside the recording: a fixed amount of I/O
# started once perftop is attached, finished (psync: every request has
# completed when fio exits) before perftop is stopped.  Nothing else uses
# the device, so both counts cover exactly the same requests, with no
# window edge to sample, at any speed (TCG guests are ~10x slower).
def work():
    before = diskstats()
    fio = subprocess.run(["fio", "--name=blk", f"--filename={path}",
                          "--direct=1", "--rw=randrw", "--rwmixread=60",
                          "--bssplit=4k/50:16k/30:64k/20", "--ioengine=psync",
                          "--fsync=16", "--size=128M", "--io_size=64M",
                          f"--output={fio_out}"], timeout=100)
    return before, diskstats(), fio

before, after, fio = record_during(perftop, trace, "block", work)
if fio.returncode != 0:
    sys.exit(f"FAIL: fio exited {fio.returncode}")

fields = ["read_ios", "write_ios", "read_bytes", "write_bytes"]
seen = dict.fromkeys(fields, 0)
task = {"read_bytes": 0, "write_bytes": 0, "ios": 0}
latency_ns = 0
loss = None
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] == "end":
            loss = o["loss"]
        if o["type"] != "snapshot":
            continue
        for d in o["block"]["devices"]:
            if d["dev"] != dev:
                continue
            assert d["major"] == major, d
            for k in fields:
                seen[k] += d[k]
            latency_ns += d["queue_ns"] + d["device_ns"]
            if d["read_ios"] + d["write_ios"]:
                assert 0 < d["lat_p50_ns"] <= d["lat_p99_ns"] <= d["lat_max_ns"], d
        for t in o["block"]["tasks"]:
            if t["comm"] == "fio":
                for k in task:
                    task[k] += t[k]

bad = 0
for k in fields:
    kernel = after[k] - before[k]
    err = abs(seen[k] - kernel) / kernel if kernel else 1.0
    print(f"{dev} {k}: perftop {seen[k]}, diskstats {kernel}, diff {err*100:.3f}%")
    if kernel < (1000 if k.endswith("ios") else 4 << 20):
        sys.exit(f"FAIL: workload too small to compare ({k} {kernel})")
    bad += err > 0.02
kernel_bytes = sum(after[k] - before[k] for k in ("read_bytes", "write_bytes"))
kernel_ios = sum(after[k] - before[k] for k in ("read_ios", "write_ios"))
task_bytes = task["read_bytes"] + task["write_bytes"]
err = abs(task_bytes - kernel_bytes) / kernel_bytes
print(f"fio in block.tasks: {task_bytes} bytes, {task['ios']} I/Os "
      f"(diskstats {kernel_bytes} bytes, {kernel_ios} I/Os), diff {err*100:.3f}%")
bad += err > 0.02
# Time in requests: both start at the request's accounting start
# (rq->start_time_ns).  perftop ends at block_rq_complete; diskstats ends
# after the bio completion handlers ran (in ms, rounded down per request),
# so perftop may be lower by a few us per I/O, never higher.
ticks = after["ticks_ms"] - before["ticks_ms"]
ratio = latency_ns / 1e6 / ticks if ticks else 0
print(f"time in requests: perftop {latency_ns/1e6:.1f} ms, diskstats {ticks} ms "
      f"(ratio {ratio:.2f})")
# Before 6.5 (no block_io_start) empty pre-flush writes are never seen
# before they complete, so their time is not split: skip the check there.
release = tuple(int(x) for x in os.uname().release.split(".")[:2])
if release >= (6, 5) and (ticks < 100 or not 0.5 <= ratio <= 1.05):
    print("FAIL: queue + device time does not fit diskstats' time in requests")
    bad += 1
print(f"loss: {loss}")
if loss is None or loss["ringbuf_drops"] or loss["map_full"]:
    print("FAIL: events lost")
    bad += 1
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || rc=1
echo "== $path: window p99 against bpftrace's and fio's of the same requests"

# The window's disk p99 (perftop report over a recording: the intervals'
# histograms merged, #14) against fio's own latency percentiles of the
# same requests.  fio runs alone on the device, entirely inside the
# recording: random reads (no writes, no flushes: fio's read latencies and
# the device's histogram hold the same requests), 80% 4 KiB and 20% 256
# KiB so the p99 sits in the slow mode's tail, not on a fixed cost (256
# KiB: 64 pages, one request within the loop device's 128 segments;
# checked: as many requests as fio reads).  libaio, one I/O at a time,
# completions polled from the ring in userspace (userspace_reap): no
# wakeup of fio in what it times.  Measured with psync instead, fio's clat
# p99 was 569 us against the block layer's 310 us: the wakeup after each
# pread() (34 us on average on this VM) has a long tail of its own.
# What may differ, and by how much:
#  - perftop's bucket: log-linear, 8 per power of two; the reported
#    midpoint is within 1/16 (6.25%) of any value in it;
#  - fio's: 64 per power of two, its midpoint within 1/128 (0.8%);
#  - the report prints ms with 2 decimals: +-0.005 ms.
# From above: fio's total latency (slat + clat: io_submit() entered to the
# event seen) holds each whole block request (accounting start to
# block_rq_complete), so its p99 bounds perftop's (strict, but for the two
# resolutions).
# From below: fio has nothing shorter than the request (its clat includes
# its own wait for a CPU to poll the completion: under hypervisor steal
# fio's clat p99 came out 3 buckets over the request's, 264 us against
# 220 us, CI 2026-12-02).  So a second method times the same requests:
# bpftrace on the block_rq_issue and block_rq_complete tracepoints (their
# own fields, bpftrace's clock), issue to completion, which each request's
# accounting start precedes.  Exact values: perftop's p99 bucket is no
# lower than the bucket of their p99 (one lower only when perftop has
# fewer requests than bpftrace).
# And 512 MiB of reads took over 100 s in single-threaded TCG (make
# vmtest's 6.12 guest): under TCG fio stops at 30 s (38,000 reads in
# multi-threaded 6.1, plenty for a p99).
python3 - "$PERFTOP" "$TMP/pctl-$dev.json" "$dev" "$path" "$TMP/fio-pctl-$dev.json" <<'PY'
import atexit, json, os, re, subprocess, sys, time
from perftop_test import record_during, records, under_tcg
perftop, trace, dev, path, fio_out = sys.argv[1:6]
tcg = under_tcg()
st = os.stat(path).st_rdev
kdev = os.major(st) << 20 | os.minor(st)	# the tracepoints' dev_t
if not os.path.isdir("/sys/kernel/tracing/events/block"):
    subprocess.run(["mount", "-t", "tracefs", "nodev", "/sys/kernel/tracing"])
bt_out, bt_err = f"{trace}.bt", f"{trace}.bt-err"
bt = subprocess.Popen(["bpftrace", "-e", """
BEGIN { printf("ready\\n"); }
tracepoint:block:block_rq_issue /args->dev == $1/ { @s[args->sector] = nsecs; }
tracepoint:block:block_rq_complete /args->dev == $1 && @s[args->sector]/ {
    printf("%llu\\n", nsecs - @s[args->sector]); delete(@s[args->sector]); }
END { clear(@s); }
""", str(kdev)], stdout=open(bt_out, "w"), stderr=open(bt_err, "w"))
atexit.register(bt.kill)	# also when a check below ends the test early
for _ in range(1200):	# its compile takes seconds under TCG
    if "ready" in open(bt_out).read() or bt.poll() is not None:
        break
    time.sleep(0.1)
if bt.poll() is not None or "ready" not in open(bt_out).read():
    sys.exit(f"FAIL: bpftrace did not start: {open(bt_err).read()}")
fio = record_during(perftop, trace, "block", lambda: subprocess.run(
    ["fio", "--name=pctl", f"--filename={path}", "--direct=1",
     "--rw=randread", "--bssplit=4k/80:256k/20", "--ioengine=libaio",
     "--iodepth=1", "--iodepth_batch_complete=0", "--userspace_reap",
     "--lat_percentiles=1", "--clat_percentiles=1",
     "--size=128M", "--io_size=512M", "--output-format=json",
     f"--output={fio_out}"] + (["--runtime=30"] if tcg else []), timeout=100))
bt.send_signal(2)
# its exit took over 60 s once in the single-threaded TCG guest (6.12)
bt.wait(timeout=300 if tcg else 60)
if fio.returncode != 0:
    sys.exit(f"FAIL: fio exited {fio.returncode}")
ref = sorted(int(x) for x in open(bt_out).read().split() if x.isdigit())
if not ref or "Lost" in open(bt_err).read() + open(bt_out).read():
    sys.exit(f"FAIL: bpftrace lost events or timed none: {open(bt_err).read()}")
ref_p99 = ref[-(-len(ref) * 99 // 100) - 1]	# the ceil(0.99 n)-th value

rd = json.load(open(fio_out))["jobs"][0]["read"]
clat, lat = rd["clat_ns"], rd["lat_ns"]
fio_p99 = clat["percentile"]["99.000000"]
fio_mean, fio_n = clat["mean"], clat["N"]
fio_lat_p99 = lat["percentile"]["99.000000"]
# perftop's own exact mean over the same requests: the histograms' sums
n = s = 0
for d in records(trace, "block", "devices"):
    if d["dev"] == dev:
        n += sum(c for _, c in d["lat_hist"]["buckets"])
        s += d["lat_hist"]["sum_ns"]
rep = subprocess.run([perftop, "report", trace], capture_output=True, text=True)
row = re.search(r"^\s+" + re.escape(dev) + r"\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$",
                rep.stdout, re.M)
if not row or not n:
    sys.exit(f"FAIL: no {dev} row in the report or no histogram:\n{rep.stdout}")
p99 = float(row.group(3)) * 1e6
mean = s / n
def bucket(v):
    """Index of v's log-linear bucket (8 per power of two from 16 ns),
    worked out here independently of perftop's code."""
    v = int(v)
    if v < 16:
        return v
    lg = v.bit_length() - 1
    return 16 + (lg - 4) * 8 + ((v >> (lg - 3)) & 7)

res = 1 / 16 + 1 / 128
hi = fio_lat_p99 * (1 + res) + 5000
print(f"fio: {fio_n} reads, clat mean {fio_mean/1e3:.1f} us, p99 {fio_p99/1e3:.1f} us; "
      f"total latency mean {lat['mean']/1e3:.1f} us, p99 {fio_lat_p99/1e3:.1f} us")
print(f"bpftrace: {len(ref)} requests, issue to completion p99 "
      f"{ref_p99/1e3:.1f} us (bucket {bucket(ref_p99)})")
print(f"perftop: {n} requests, mean {mean/1e3:.1f} us, window p99 {p99/1e3:.1f} us "
      f"(bucket {bucket(p99)}; fio's clat p99 in bucket {bucket(fio_p99)}); "
      f"at most {hi/1e3:.1f} us")
# Every read is one request; a request whose start perftop did not see
# has no latency (not in the histogram).  Measured: 3 of 77,248 in one
# psync run.  Up to 0.1% missing shifts the p99 by at most 0.1 percentile
# points; more is a loss to look at.
if not 0 <= fio_n - n <= fio_n / 1000:
    sys.exit(f"FAIL: perftop timed {n} requests, fio completed {fio_n}")
low_ok = bucket(p99) >= bucket(ref_p99) - (1 if n < len(ref) else 0)
if not (low_ok and p99 <= hi):
    sys.exit("FAIL: the window's p99 is not fio's within the histograms' resolution")
PY
[ $? -eq 0 ] || rc=1
return $rc
}

rc=0
check_dev "$loop" || rc=1
if [ -n "${PERFTOP_TEST_DISK:-}" ]; then
	check_dev "$PERFTOP_TEST_DISK" || rc=1
fi
exit $rc
