#!/bin/bash
# Block I/O is charged to the task that issued it, and -p keeps only that
# process's I/O, on devices as well as in tasks.  Two dd processes share a
# loop device: one reads with iflag=direct (the one we filter on), the
# other writes with oflag=direct.  The reader's bytes in block.tasks and
# on the device must match the kernel's per-task storage accounting
# (read_bytes, counted at bio submission; wait4's ru_inblock is it in
# 512-byte units) within 2%; the writer must not appear at all.  The
# reader does all its I/O inside the recording (it waits on a FIFO until
# perftop is attached, then reads a fixed 20 MiB and exits; the recording
# has no -d and is ended with SIGINT, its partial last interval kept, once
# the reader has exited), so the two counts cover the same I/Os: no window
# edge to sample, at any speed (the VM test bed's TCG guests are ~10x
# slower than this machine).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 losetup dd

truncate -s 8G "$TMP/disk.img"	# sparse: reading holes costs no space
loop=$(losetup -f --show "$TMP/disk.img") || skip "cannot create a loop device"
on_exit "losetup -d $loop"
dev=$(basename "$loop")

mkfifo "$TMP/go"
dd --version >/dev/null	# the reader's exec reads nothing from disk
bash -c "while :; do dd if=/dev/zero of=$loop bs=16k count=2048 \
	oflag=direct status=none; done" &
writer=$!
on_exit "kill $writer"
sleep 0.5

python3 - "$PERFTOP" "$TMP/trace.json" "$dev" "$loop" "$TMP/go" <<'PY'
import atexit, json, os, subprocess, sys, time
from perftop_test import record_during, under_tcg
perftop, trace, dev, loop, go = sys.argv[1:6]

def sectors_written():
    with open("/proc/diskstats") as f:
        for line in f:
            v = line.split()
            if v[2] == dev:
                return int(v[9])
    sys.exit(f"FAIL: {dev} not in /proc/diskstats")

# exec keeps the pid -p names; the read of the FIFO does no block I/O.
rd = subprocess.Popen(["bash", "-c", f"read x <{go} && exec dd if={loop} "
                       "of=/dev/null bs=32k count=640 iflag=direct status=none"])
reader = rd.pid
atexit.register(lambda: rd.poll() is None and rd.kill())

def work():
    """From the header line (all attached): release the reader, reap it.
    The window can be short now (the reader's 20 MiB of holes take well
    under a second here): it also lasts until the writer has written 1 MiB
    in it (given up after 10 s, 40 under TCG: then the check below fails),
    so the writer it must leave out did run beside the reader."""
    written = sectors_written()
    with open(go, "w") as f:
        f.write("go\n")
    _, status, usage = os.wait4(reader, 0)
    end = time.time() + (40 if under_tcg() else 10)
    while sectors_written() - written < 2048 and time.time() < end:
        time.sleep(0.01)
    return written, status, usage

written, status, usage = record_during(perftop, trace, "block", work,
                                       args=("-p", str(reader)))
written = sectors_written() - written
if status:
    sys.exit(f"FAIL: the reader failed ({status:#x})")
kernel = usage.ru_inblock * 512

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
            # the same pid before exec (bash, waiting on the FIFO) and after
            assert t["comm"] in ("dd", "bash") and t["write_bytes"] == 0, t
            task_bytes += t["read_bytes"]
        for d in o["block"]["devices"]:
            if d["dev"] == dev:
                dev_read += d["read_bytes"]
                dev_write += d["write_bytes"]
print(f"reader {reader}: ru_inblock {kernel} bytes, block.tasks {task_bytes}, "
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
