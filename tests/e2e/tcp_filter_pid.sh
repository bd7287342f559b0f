#!/bin/bash
# -p PID keeps the connections of that process and drops everyone else's,
# in the kernel.  The server's listener exists before perftop starts, so
# its accepted connection has no known owner until the server reads: the
# bytes and the accept event from before that must still be reported.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

cat >"$TMP/server.py" <<'PY'
import os, socket, sys, time
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print(os.getpid(), ls.getsockname()[1], flush=True)
c, _ = ls.accept()
time.sleep(0.3)			# data arrives before the first read
got = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    got += len(b)
c.sendall(b"k" * 4321)
c.close()
print("received", got, flush=True)
PY
python3 "$TMP/server.py" >"$TMP/server.out" &
wait_line "$TMP/server.out" '^[0-9]' 10
read -r spid sport <"$TMP/server.out"

"$PERFTOP" record --probes tcp -p "$spid" -i 0.5 -d 4 -o "$TMP/trace.json" 2>"$TMP/rec.err" &
rec=$!
wait_line "$TMP/trace.json" '"type":"header"' 20
python3 - "$sport" >"$TMP/client.out" <<'PY'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"x" * 654321)
s.shutdown(socket.SHUT_WR)
got = 0
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    got += len(b)
print(os.getpid(), s.getsockname()[1], got)
PY
wait_line "$TMP/server.out" received 10
# record's exit status (-d 4 ends it): an end line in the trace does not
# say that it exited 0
rc=0; wait "$rec" || rc=$?
[ "$rc" -eq 0 ] || fail "perftop record exited $rc: $(cat "$TMP/rec.err")"
grep -q '"type":"end"' "$TMP/trace.json" || fail "no end line in the trace"
read -r cpid cport crx <"$TMP/client.out"

python3 - "$TMP/trace.json" "$spid" "$sport" "$cpid" "$cport" <<'PY'
import json, sys
trace, spid, sport, cpid, cport = sys.argv[1], *map(int, sys.argv[2:])
tx = rx = ev = 0
tgids = set()
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] != "snapshot":
            continue
        for c in o["tcp"]["conns"]:
            tgids.add(c["tgid"])
            if c["sport"] == sport and c["dport"] == cport:
                tx += c["tx_bytes"]
                rx += c["rx_bytes"]
                ev |= c.get("events", 0)
print(f"server connection: tx {tx} rx {rx} events {ev:#x}; tgids seen {tgids}")
bad = []
if tgids != {spid}:
    bad.append(f"tgids {tgids}, want only the server {spid} (client {cpid})")
if (tx, rx) != (4321, 654321):
    bad.append(f"bytes tx {tx} rx {rx}, want 4321 and 654321")
if ev & 6 != 6:
    bad.append(f"events {ev:#x} lack accept|close")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
print("ok")
PY
