#!/bin/bash
# Block I/O is charged to the task that issued it, and -p keeps only that
# process's I/O, on devices as well as in tasks.  Two dd processes share a
# loop device: one reads with iflag=direct (the one we filter on), the
# other writes with oflag=direct.  The reader's bytes in block.tasks and
# on the device must match the kernel's per-task storage accounting
# (/proc/PID/io read_bytes, counted at bio submission) within 2%; the
# writer must not appear at all.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 losetup dd

truncate -s 8G "$TMP/disk.img"	# sparse: reading holes costs no space
loop=$(losetup -f --show "$TMP/disk.img") || skip "cannot create a loop device"
on_exit "losetup -d $loop"
dev=$(basename "$loop")

dd if="$loop" of=/dev/null bs=32k iflag=direct status=none &
reader=$!
on_exit "kill $reader"
bash -c "while :; do dd if=/dev/zero of=$loop bs=16k count=2048 \
	oflag=direct status=none; done" &
writer=$!
on_exit "kill $writer"
sleep 0.5

python3 - "$PERFTOP" "$TMP/trace.json" "$dev" "$reader" <<'PY'
import json, subprocess, sys, time
from perftop_test import make_waiter
perftop, trace, dev, reader = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def read_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            k, v = line.split(":")
            if k == "read_bytes":
                return int(v)

def sectors_written():
    with open("/proc/diskstats") as f:
        for line in f:
            v = line.split()
            if v[2] == dev:
                return int(v[9])
    sys.exit(f"FAIL: {dev} not in /proc/diskstats")

wait_for = make_waiter(trace)

proc = subprocess.Popen([perftop, "record", "--probes", "block", "-p",
                         str(reader), "-i", "0.5", "-d", "3", "-o", trace])
wait_for('"type":"header"', proc)
before, written = read_bytes(reader), sectors_written()
wait_for('"type":"end"', proc)
after, written = read_bytes(reader), sectors_written() - written
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

task_bytes = dev_read = dev_write = 0
others = set()
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] != "snapshot":
            continue
        for t in o["block"]["tasks"]:
            if t["tgid"] != reader:
                others.add((t["pid"], t["comm"]))
                continue
            assert t["comm"] == "dd" and t["write_bytes"] == 0, t
            task_bytes += t["read_bytes"]
        for d in o["block"]["devices"]:
            if d["dev"] == dev:
                dev_read += d["read_bytes"]
                dev_write += d["write_bytes"]
kernel = after - before
print(f"reader {reader}: /proc/PID/io read_bytes {kernel}, block.tasks {task_bytes}, "
      f"{dev} read_bytes {dev_read}, write_bytes {dev_write} "
      f"(diskstats: {written * 512} bytes written by all)")
if kernel < 16 << 20:
    sys.exit(f"FAIL: reader did too little I/O ({kernel} bytes)")
bad = 0
for name, seen in (("task", task_bytes), ("device", dev_read)):
    err = abs(seen - kernel) / kernel
    print(f"{name} diff {err*100:.3f}%")
    bad += err > 0.02
if others:
    print(f"FAIL: -p {reader} let other tasks through: {sorted(others)}")
    bad += 1
if written < 2048:
    print(f"FAIL: the writer did not write during the window ({written} sectors)")
    bad += 1
if dev_write:
    print(f"FAIL: the filtered-out writer's {dev_write} bytes reached {dev}")
    bad += 1
sys.exit(1 if bad else 0)
PY
