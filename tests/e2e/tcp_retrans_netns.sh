#!/bin/bash
# Retransmitted segments per connection must match the kernel's own count:
# TcpRetransSegs in the sender's network namespace (/proc/net/snmp) over
# the same window, within 10%, and the sender's tcp_info total_retrans.
# Two namespaces joined by a veth pair; an nftables rule in the receiver's
# namespace drops 3% of the data packets arriving there, so the sender
# retransmits.  Bytes must stay exact: retransmits are not payload.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 ip nft

a=pt-tcp-a-$$ b=pt-tcp-b-$$ port=5201
net=10.231.$(( $$ % 200 + 20 ))
lossy_netns_pair "$a" "$b" "$net" "$port"

# Receiver: read everything, report the byte count, close.
cat >"$TMP/server.py" <<'PY'
import socket, sys
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
got = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    got += len(b)
c.close()
print(got, flush=True)
PY
ip netns exec "$b" python3 "$TMP/server.py" "$net.2" "$port" >"$TMP/server.out" &
wait_line "$TMP/server.out" listening 10

ip netns exec "$a" python3 - "$PERFTOP" "$TMP/trace.json" "$net.2" "$port" \
	"$TMP/server.out" <<'PY'
import json, socket, struct, subprocess, sys, time
from perftop_test import make_waiter
perftop, trace, host, port, server_out = sys.argv[1:6]
port, N = int(port), 24 * 1024 * 1024

def retrans_segs():
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Tcp:")]
    return int(rows[1][rows[0].index("RetransSegs")])

wait_for = make_waiter(trace, poll=0.01)

# perftop runs in this namespace too, but tracepoints see every namespace.
proc = subprocess.Popen([perftop, "record", "--probes", "tcp", "-i", "0.5",
                         "-d", "12", "-o", trace])
wait_for('"type":"header"', proc)
before = retrans_segs()
s = socket.create_connection((host, port), timeout=20)
cli = s.getsockname()[:2] + s.getpeername()[:2]
s.sendall(b"x" * N)
s.shutdown(socket.SHUT_WR)
s.recv(1)		# the receiver's FIN: it has read everything
# tcp_info: 8 bytes of u8 fields, then u32s; total_retrans is the 24th,
# at offset 100 (include/uapi/linux/tcp.h).
info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
tcpi_total_retrans = struct.unpack_from("I", info, 100)[0]
s.close()
time.sleep(1.0)		# our FIN's ACK, and any last retransmit of it
after = retrans_segs()
proc.send_signal(2)	# SIGINT: clean stop, end line written
wait_for('"type":"end"', proc, timeout=20)
if proc.wait() != 0:
    sys.exit(f"FAIL: perftop record exited {proc.returncode}")
with open(server_out) as f:
    received = int(f.read().split()[-1])

seen = {"tx": 0, "retrans": 0, "segs": 0, "ev": 0}
ns_retrans = 0
with open(trace) as f:
    for line in f:
        o = json.loads(line)
        if o["type"] != "snapshot":
            continue
        for c in o["tcp"]["conns"]:
            k = (c["saddr"], c["sport"], c["daddr"], c["dport"])
            if c["saddr"] == cli[0]:	# every socket of this namespace
                ns_retrans += c["retransmits"]
            if k == cli:
                seen["tx"] += c["tx_bytes"]
                seen["retrans"] += c["retransmits"]
                seen["segs"] += c.get("segs_out", 0)
                seen["ev"] |= c.get("events", 0)

kernel = after - before
print(f"connection {cli}: perftop retransmits {seen['retrans']} of "
      f"{seen['segs']} segments sent; tcp_info total_retrans "
      f"{tcpi_total_retrans}; namespace TcpRetransSegs delta {kernel}, "
      f"perftop over the namespace {ns_retrans}")
print(f"bytes: perftop tx {seen['tx']}, application {N}, receiver {received}")
if kernel < 20:
    sys.exit(f"FAIL: the drop rule caused only {kernel} retransmits: "
             "the test cannot tell anything")
bad = []
for what, got, want in (
        ("namespace TcpRetransSegs", ns_retrans, kernel),
        ("connection tcp_info total_retrans", seen["retrans"],
         tcpi_total_retrans)):
    err = abs(got - want) / want if want else float(got != want)
    print(f"  {what}: perftop {got}, kernel {want}, diff {err*100:.2f}%")
    if err > 0.10:
        bad.append(f"retransmits off {what} by {err*100:.1f}%")
if received != N or abs(seen["tx"] - N) > N * 0.01:
    bad.append(f"bytes: perftop {seen['tx']}, sent {N}, received {received}")
if seen["ev"] & 5 != 5:
    bad.append(f"events {seen['ev']:#x} lack connect|close")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
print("ok")
PY
