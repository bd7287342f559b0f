#!/bin/bash
# A connection a worker process accepts from its parent's listener (as
# nginx's workers do) belongs to the worker, under -p WORKER, with every
# byte, in both --tcp-owner modes:
#  - process (the default): no hook sees the worker's calls.  The accepted
#    connection is lent the listener's owner (the parent, which fails the
#    filter), so it waits in the kernel with its bytes until the owner scan
#    at the next interval end finds the worker holding it; the test keeps
#    it open past the recording, so no close names the worker instead.
#  - thread: the worker's send/recv calls name it.
# Before the lent owner waited, its bytes were dropped as the parent's
# (0 reported) whenever no call named the worker.
# Reference: what the worker received and sent, exactly (the client reads
# all of it before the recording ends), and its pid; no loss.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

cat >"$TMP/server.py" <<'PY'
import os, socket, sys
from perftop_test import drain
N, M = 1_000_003, 2_000_029
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(4)
port = ls.getsockname()[1]
pid = os.fork()
if pid == 0:				# the worker: accepts, holds it open
    c, _ = ls.accept()
    got = drain(c, N)
    c.sendall(b"m" * M)
    print("done", got, M, flush=True)
    sys.stdin.readline()
    c.close()
    os._exit(0)
print(port, pid, flush=True)		# the parent (master) only waits
os.wait()
PY

check_mode() {
	local mode=$1 out=$TMP/$1
	mkdir -p "$out"
	python3 "$TMP/server.py" <"$TMP/hold" >"$out/server.out" &
	local srv=$!
	wait_line "$out/server.out" '^[0-9]' 10
	local port worker
	read -r port worker <"$out/server.out"
	on_exit "kill $srv $worker"
	"$PERFTOP" record --probes tcp --tcp-owner "$mode" -p "$worker" -i 0.5 \
		-o "$out/trace.json" &
	local rec=$!
	wait_line "$out/trace.json" '"type":"header"' 20
	python3 - "$port" "$out/client.out" <<'PY' &
import socket, sys, time
from perftop_test import drain
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"n" * 1_000_003)
got = drain(s, 2_000_029)
open(sys.argv[2], "w").write(f"{got}\n")
time.sleep(3600)			# held open: killed by the test
PY
	local cli=$!
	on_exit "kill $cli"
	wait_line "$out/client.out" '^[0-9]' 20
	grep -q '^done 1000003 2000029$' "$out/server.out" ||
		fail "$mode: the worker did not receive and send all: $(cat "$out/server.out")"
	# two more interval ends: the one after the accept ran the owner scan
	local n0
	n0=$(grep -c '"type":"snapshot"' "$out/trace.json" || true)
	for _ in $(seq 200); do
		[ "$(grep -c '"type":"snapshot"' "$out/trace.json" || true)" -ge $((n0 + 2)) ] && break
		sleep 0.05
	done
	kill -0 "$rec" 2>/dev/null || fail "$mode: perftop record ended early"
	kill -INT "$rec"
	wait "$rec" || fail "$mode: perftop record exited $?"
	kill "$cli"
	python3 - "$out/trace.json" "$worker" "$port" "$mode" <<'PY'
import sys
from perftop_test import end_line, records
trace, worker, port, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rx = tx = 0
tgids = set()
for c in records(trace, "tcp", "conns"):
    tgids.add(c["tgid"])
    if c["sport"] == port:
        rx += c["rx_bytes"]
        tx += c["tx_bytes"]
print(f"{mode}: worker {worker}: rx {rx} (want 1000003), tx {tx} "
      f"(want 2000029); tgids in the trace {tgids}")
bad = []
if (rx, tx) != (1_000_003, 2_000_029):
    bad.append(f"rx/tx {rx}/{tx}, want 1000003/2000029")
if tgids != {worker}:
    bad.append(f"tgids {tgids}, want only {worker}")
import json
with open(trace) as f:
    header = json.loads(f.readline())
owner = header["probes"]["tcp"].get("owner")
if owner != mode:
    bad.append(f"the header's tcp owner mode is {owner!r}, want {mode!r}")
loss = (end_line(trace) or {}).get("loss")
if loss is None or any(loss.values()):
    bad.append(f"loss reported: {loss}")
if bad:
    sys.exit(f"FAIL: {mode}: " + "; ".join(bad))
PY
	[ $? -eq 0 ] || exit 1
}

mkfifo "$TMP/hold"
exec 3<>"$TMP/hold"		# the worker's stdin: held open, never written
check_mode process
check_mode thread
echo ok
