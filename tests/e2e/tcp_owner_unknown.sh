#!/bin/bash
# Under -p/-c, a connection whose owner never becomes known goes away with
# its events and bytes unreported: loss.tcp_owner_unknown counts it (it
# used to vanish with no counter moving).
#
# Such a connection on purpose: a client fills a server that does not
# read, then close()s with its data still unsent, so its socket lives on
# in FIN_WAIT1 with no file (an orphan: no process holds it, the owner scan
# cannot name one).  perftop starts (-p on an idle process), then the
# server reads everything and closes: the orphan's FIN_WAIT1 -> FIN_WAIT2
# transition is perftop's first sight of it, with no task in sight, and
# it is destroyed at TIME_WAIT.
#
# Reference: `ss` at attach lists every socket that no process holds
# (ours and any other orphan of the machine): the count is at least 1
# (ours) and at most those plus the connections made during the test's
# few seconds by anything else (the test makes none; on a quiet machine 0).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 ss

sleep 1000 &			# the filter's process: has no connection
quiet=$!
on_exit "kill $quiet"

cat >"$TMP/pair.py" <<'PY'
import os, socket, sys, time
go = sys.argv[1]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
c = socket.socket()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
c.connect(ls.getsockname())
s, _ = ls.accept()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
c.setblocking(False)
sent = 0
try:
    while True:
        sent += c.send(b"x" * 65536)
except BlockingIOError:
    pass
port = c.getsockname()[1]
c.close()			# data unsent: an orphan in FIN_WAIT1
print(port, sent, flush=True)
while not os.path.exists(go):
    time.sleep(0.05)
got = 0
s.settimeout(10)
while True:
    b = s.recv(1 << 16)
    if not b:
        break
    got += len(b)
s.close()
print("read", got, flush=True)
PY
python3 "$TMP/pair.py" "$TMP/go" >"$TMP/pair.out" &
wait_line "$TMP/pair.out" '^[0-9]' 10
read -r cport sent <"$TMP/pair.out"
ss -tanpH "sport = :$cport" | grep -q FIN-WAIT-1 || fail "client socket not in FIN-WAIT-1: $(ss -tanpH "sport = :$cport")"

"$PERFTOP" record --probes tcp -p "$quiet" -i 0.5 -o "$TMP/trace.json" 2>"$TMP/rec.err" &
rec=$!
wait_line "$TMP/trace.json" '"type":"header"' 20
# sockets no process holds, now (orphans; TIME-WAIT ones are not full
# sockets and listeners always have an owner)
orphans=$(ss -tanpH | grep -v -e TIME-WAIT -e LISTEN | grep -vc 'users:' || true)
touch "$TMP/go"
wait_line "$TMP/pair.out" '^read' 20
for ((i = 0; i < 100; i++)); do		# the orphan gone: FIN_WAIT2 -> TIME_WAIT
	ss -tanH "sport = :$cport" | grep -q -e FIN-WAIT -e ESTAB || break
	sleep 0.05
done
sleep 1.2	# two intervals
rc=0; kill -INT "$rec"; wait "$rec" || rc=$?
[ "$rc" -eq 0 ] || fail "perftop record exited $rc: $(cat "$TMP/rec.err")"

python3 - "$TMP/trace.json" "$orphans" "$cport" <<'PY'
import json, sys
trace, orphans, cport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
objs = [json.loads(l) for l in open(trace)]
snaps = [o for o in objs if o["type"] == "snapshot"]
assert objs[-1]["type"] == "end", "no end line"
lost = sum(s["loss"].get("tcp_owner_unknown", 0) for s in snaps)
end = objs[-1]["loss"].get("tcp_owner_unknown", 0)
shown = [c for s in snaps for c in s["tcp"]["conns"] if cport in (c["sport"], c["dport"])]
print(f"tcp_owner_unknown {lost} (end line {end}); sockets without an owner at attach: {orphans}")
bad = []
if shown:
    bad.append(f"connection of port {cport} reported under -p: {shown}")
if lost != end:
    bad.append(f"snapshots sum to {lost}, the end line says {end}")
if not 1 <= lost <= orphans:
    bad.append(f"tcp_owner_unknown {lost}, want 1..{orphans}")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
echo "ok"
