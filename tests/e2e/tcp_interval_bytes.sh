#!/bin/bash
# Bytes are reported in the interval they moved in, not only in total: a
# connection moves a burst, then stays open and idle for several
# intervals, then moves a second burst, idles again, and closes.  The
# kernel reads the counters at each incoming segment *before* processing
# it, so without a reading at the interval end a burst's last ACK (the
# sender's bytes_acked) and its last data segment (the receiver's
# bytes_received) only showed up at the connection's next event: the
# next burst, or its close.
#
# Reference: the application's own byte counts and CLOCK_MONOTONIC times
# (the clock of the snapshots' ts_ns).
# Each burst's bytes, on both sides, must be in the snapshots whose window
# overlaps the burst, exactly: after a burst the test waits 1.2 s (more
# than two 0.5 s intervals) before it touches the socket again, so nothing
# else can move those bytes.  The one slack is the end of a window: the
# interval-end reading runs a few milliseconds before the snapshot's time
# is taken, so a burst ending in that gap is in the next window; bursts
# are accepted in windows overlapping [start, end + 0.1 s].
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

python3 - "$PERFTOP" "$TMP/trace.json" <<'PY'
import json, socket, subprocess, sys, threading, time
from perftop_test import drain, make_waiter
perftop, trace = sys.argv[1], sys.argv[2]
SLACK = 0.1
wait_for = make_waiter(trace, poll=0.01)

proc = subprocess.Popen([perftop, "record", "--probes", "tcp", "-i", "0.5",
                         "-d", "7", "-o", trace])
wait_for('"type":"header"', proc)

ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
cli = socket.create_connection(ls.getsockname())
srv, _ = ls.accept()
srv_port, cli_port = ls.getsockname()[1], cli.getsockname()[1]

def recv_n(s, n):
    assert drain(s, n) == n, "peer closed early"

bursts = []
for up, down in ((300_001, 70_001), (123_457, 654_321)):
    t0 = time.monotonic()
    th = threading.Thread(target=lambda: (recv_n(srv, up), srv.sendall(b"d" * down)))
    th.start()
    cli.sendall(b"u" * up)
    recv_n(cli, down)
    th.join()
    t1 = time.monotonic()
    bursts.append((t0, t1, up, down))
    time.sleep(1.2)		# idle: no segment, no call, no state change
t_close = time.monotonic()
cli.close()
srv.close()
ls.close()
wait_for('"type":"end"', proc, timeout=20)
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")

snaps = []
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] == "snapshot":
            snaps.append(o)
bad = []
port, csport = srv_port, cli_port

def side(c):
    if c["sport"] == csport and c["dport"] == port:
        return "client"
    if c["sport"] == port and c["dport"] == csport:
        return "server"
    return None

# Each window overlaps at most one burst (a window is 0.5 s, bursts are
# 1.2 s apart): its bytes belong to that burst, or to none and must be 0.
KEYS = [(sd, d) for sd in ("client", "server") for d in ("tx", "rx")]
got = [{k: 0 for k in KEYS} for _ in bursts]
stray = {k: 0 for k in KEYS}
for o in snaps:
    end = o["ts_ns"] / 1e9
    start = end - o["interval_ns"] / 1e9
    hit = [i for i, (t0, t1, _, _) in enumerate(bursts)
           if start < t1 + SLACK and end > t0]
    acc = got[hit[0]] if hit else stray
    for c in o.get("tcp", {}).get("conns", []):
        sd = side(c)
        if sd:
            for d in ("tx", "rx"):
                acc[(sd, d)] += c[d + "_bytes"]
for i, (t0, t1, up, down) in enumerate(bursts):
    want = {("client", "tx"): up, ("client", "rx"): down,
            ("server", "tx"): down, ("server", "rx"): up}
    for k, w in want.items():
        print(f"burst {i + 1} {k[0]} {k[1]}: {got[i][k]} in its windows, "
              f"application {w}")
        if got[i][k] != w:
            bad.append(f"burst {i + 1} {k[0]} {k[1]}: {got[i][k]} in its "
                       f"windows, want {w}")
print(f"bytes in windows without a burst: {stray}")
if any(stray.values()):
    bad.append(f"bytes in windows without a burst: {stray}")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
print("ok")
PY
