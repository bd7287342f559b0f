#!/bin/bash
# Nothing is lost silently: records that find the block ring buffer full
# are counted, and every record that got in is counted once.
# scripts/bench/rbflood writes block records into perftop's own
# block_events ring buffer at 1M/s for 3 s (each getppid() of the flooder
# one record, on a made-up device 4095:1), counting in perftop's own loss
# map what finds the buffer full.  Meanwhile perftop is stopped (SIGSTOP)
# for 1 s, so its 1 MiB buffer overflows.  Then, exactly:
#   the flooder's submitted records == I/Os perftop shows on 4095:1,
#   its full-buffer drops <= perftop's ringbuf_drops (real I/O on the
#   machine may also have been dropped in that second), and > 0,
# and the snapshots that saw the drops say so in their own loss member.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 bpftool
RBFLOOD=$(dirname "$PERFTOP")/bench/rbflood
[ -x "$RBFLOOD" ] || skip "needs $RBFLOOD: build it with make test"

python3 - "$PERFTOP" "$RBFLOOD" "$TMP/trace.json" <<'PY'
import json, os, signal, subprocess, sys, time
from perftop_test import make_waiter, perftop_maps
perftop, rbflood, trace = sys.argv[1:4]
wait_for = make_waiter(trace)

proc = subprocess.Popen([perftop, "record", "--probes", "block", "-i", "0.5",
                         "-o", trace])
wait_for('"type":"header"', proc)
maps = perftop_maps(proc.pid)
if "block_events" not in maps or "loss" not in maps:
    sys.exit(f"FAIL: perftop holds no block_events/loss maps: {maps}")
cpu = str(os.cpu_count() - 1)
flood = subprocess.Popen([rbflood, str(maps["block_events"]), str(maps["loss"]),
                          "1000000", "3", cpu], stdout=subprocess.PIPE, text=True)
time.sleep(0.8)
os.kill(proc.pid, signal.SIGSTOP)
time.sleep(1)
os.kill(proc.pid, signal.SIGCONT)
out = flood.communicate(timeout=30)[0]
if flood.returncode != 0:
    sys.exit(f"FAIL: rbflood exited {flood.returncode}")
v = out.split()
got = dict(zip(v[0::2], v[1::2]))
calls, submitted, dropped = (int(got[k]) for k in ("calls", "submitted", "dropped"))
print(f"rbflood: {out.strip()}")
time.sleep(0.7)		# one more interval drains what is left
proc.send_signal(signal.SIGINT)
if proc.wait(timeout=30) != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

ios = snap_drops = 0
end = None
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] == "snapshot":
            snap_drops += o["loss"]["ringbuf_drops"]
            for d in o["block"]["devices"]:
                if (d["major"], d["minor"]) == (4095, 1):
                    ios += d["read_ios"]
        elif o["type"] == "end":
            end = o
if end is None:
    sys.exit("FAIL: no end line")
drops = end["loss"]["ringbuf_drops"]
print(f"perftop: {ios} I/Os on 4095:1, {drops} ring-buffer drops "
      f"({snap_drops} in snapshots)")
if calls != submitted + dropped:
    sys.exit(f"FAIL: flooder made {calls} calls but accounts for {submitted + dropped}")
if dropped == 0:
    sys.exit("FAIL: the stalled consumer lost nothing: the test did not overflow the buffer")
if ios != submitted:
    sys.exit(f"FAIL: perftop counted {ios} records, the kernel side submitted {submitted}")
if not dropped <= drops <= dropped + 10000:
    sys.exit(f"FAIL: perftop reports {drops} drops, the flooder saw {dropped}")
if snap_drops != drops:
    sys.exit(f"FAIL: snapshots show {snap_drops} drops, the end line {drops}")
print("ok: every record counted once, every drop counted")
PY
