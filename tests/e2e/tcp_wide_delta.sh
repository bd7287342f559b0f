#!/bin/bash
# A connection that moves more than 2 GiB between two readings perftop
# reports must still count every byte (64-bit deltas; a 32-bit delta wraps
# negative and the bytes vanished).
#
# How the gap is made: under -p, a connection accepted from a listener
# whose owner perftop does not know has no owner until a task sends or
# receives on it, and the kernel side keeps its baseline until then.  The
# server reads 2.25 GiB with splice(2), which on 6.3+ kernels goes through
# neither sock_recv_length nor (perftop leaves it out there)
# tcp_rcv_space_adjust, so no task is named; then it sends one byte, which
# names it, and the next reading carries the whole gap.  On kernels before
# 6.3 tcp_rcv_space_adjust names the splicing task at once, so there is no
# gap and this checks plain exactness.  Once perftop resolves the owners of
# sockets that exist at its start, the gap no longer forms either; the
# byte count must stay exact all the same.
#
# Reference: what the applications sent and received, exactly (the
# counters are the socket's own; there is nothing to round).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3

# > 2^31 so a 32-bit delta wraps, < 2^32 so it wraps negative (and was
# dropped) rather than positive; odd so nothing lines up by chance.
GAP=$(( (9 << 28) + 12345 ))
TAIL=1000

cat >"$TMP/server.py" <<'PY'
import fcntl, os, socket, sys
from perftop_test import drain
gap, tail = int(sys.argv[1]), int(sys.argv[2])
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0))
ls.listen(1)
print(os.getpid(), ls.getsockname()[1], flush=True)
c, _ = ls.accept()
r, w = os.pipe()
fcntl.fcntl(w, 1031, 1 << 20)	# F_SETPIPE_SZ: fewer, larger splices
null = os.open("/dev/null", os.O_WRONLY)
got = 0
while got < gap:
    n = os.splice(c.fileno(), w, min(1 << 20, gap - got))
    if n == 0:
        sys.exit("FAIL: client closed early")
    got += n
    while n:
        n -= os.splice(r, null, n)
c.sendall(b"g")			# names this task as the owner
got += drain(c)
c.close()
print("received", got, flush=True)
PY
python3 "$TMP/server.py" "$GAP" "$TAIL" >"$TMP/server.out" &
wait_line "$TMP/server.out" '^[0-9]' 10
read -r spid sport <"$TMP/server.out"

"$PERFTOP" record --probes tcp -p "$spid" -i 1 -d 60 -o "$TMP/trace.json" &
rec=$!
wait_line "$TMP/trace.json" '"type":"header"' 20
python3 - "$sport" "$GAP" "$TAIL" >"$TMP/client.out" <<'PY'
import socket, sys
port, gap, tail = map(int, sys.argv[1:])
s = socket.create_connection(("127.0.0.1", port))
buf = memoryview(b"x" * (1 << 20))
sent = 0
while sent < gap:
    sent += s.send(buf[:min(len(buf), gap - sent)])
assert s.recv(1) == b"g"
s.sendall(b"t" * tail)
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b""
s.close()
print("done")
PY
wait_line "$TMP/server.out" received 60
sleep 1.5	# the close lands in a finished interval
kill -INT "$rec"
wait "$rec" || fail "perftop record exited $?"

python3 - "$TMP/trace.json" "$spid" "$sport" $((GAP + TAIL)) <<'PY'
import sys
from perftop_test import end_line, records
trace, spid, sport, want = sys.argv[1], *map(int, sys.argv[2:])
conn = [c for c in records(trace, "tcp", "conns")
        if c["sport"] == sport and c["tgid"] == spid]
tx = sum(c["tx_bytes"] for c in conn)
rx = sum(c["rx_bytes"] for c in conn)
loss = (end_line(trace) or {}).get("loss")
print(f"server connection: rx {rx} (application {want}), tx {tx} (application 1)")
bad = []
if rx != want:
    bad.append(f"rx {rx}, want exactly {want} (diff {rx - want})")
if tx != 1:
    bad.append(f"tx {tx}, want 1")
if loss is None or any(loss.values()):
    bad.append(f"loss reported: {loss}")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
print("ok")
PY
