#!/bin/bash
# TCP retransmissions: a sender streams to a receiver in another network
# namespace (veth pair) whose nftables input rule drops 3% of the data
# packets.  With DEFAULT thresholds (warning 1%) the scan must report
# network.retransmits naming the connection, at a ratio the sender
# namespace's /proc/net/snmp (RetransSegs / OutSegs) supports, and `report`
# over a recording of the same load agrees.  The recording's retransmits
# and segments of the connection equal the namespace's counters exactly
# (the sender stopped and drained while perftop attaches and detaches).
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 ip nft

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
a=pt-det-a-$$ b=pt-det-b-$$ port=5301
net=10.232.$(( $$ % 200 + 20 ))
lossy_netns_pair "$a" "$b" "$net" "$port"

cat >"$TMP/server.py" <<'PY'
import socket, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
while c.recv(1 << 16):
    pass
PY
cat >"$TMP/client.py" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
print("connected %s %d" % s.getsockname()[:2], flush=True)
buf = b"x" * (1 << 16)
end = time.time() + float(sys.argv[3])
while time.time() < end:
    s.sendall(buf)
    time.sleep(0.001)	# a steady stream, not a CPU hog
s.close()
PY
ip netns exec "$b" python3 "$TMP/server.py" "$net.2" "$port" >"$TMP/server.out" &
wait_line "$TMP/server.out" listening 10
ip netns exec "$a" python3 "$TMP/client.py" "$net.2" "$port" 40 >"$TMP/client.out" &
client=$!
wait_line "$TMP/client.out" connected 10
sleep 0.5

snmp() {	# RetransSegs OutSegs in the sender's namespace
	ip netns exec "$a" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }
		else print $c["RetransSegs"], $c["OutSegs"] }' /proc/net/snmp
}
sport=$(awk '{print $3}' "$TMP/client.out")
# The sender is stopped (SIGSTOP) and its socket drained (nothing unsent,
# nothing unacknowledged, so no retransmit timer can fire) while perftop
# attaches and detaches: every segment the namespace counts between the
# two reads of /proc/net/snmp is inside the recording.
drained() {
	local i q
	for ((i = 0; i < 200; i++)); do
		q=$(ip netns exec "$a" ss -tinH state established "( sport = :$sport )")
		[ "$(awk 'NR == 1 {print $2}' <<<"$q")" = 0 ] &&
			! grep -q unacked <<<"$q" && return 0
		sleep 0.05
	done
	fail "the sender's socket did not drain: $q"
}
kill -STOP "$client"
drained
read -r re0 out0 < <(snmp)
"$PERFTOP" record --probes tcp -p "$client" -i 0.5 -o "$TMP/rec.json" &
rec=$!
wait_line "$TMP/rec.json" '"type":"header"' 20
rc=0
"$PERFTOP" scan --probes tcp -p "$client" -i 0.5 -d 3 --json \
	--prom "$TMP/tcp.prom" >"$TMP/scan.json" &
scan=$!
kill -CONT "$client"
wait "$scan" || rc=$?
kill -STOP "$client"
drained
read -r re1 out1 < <(snmp)
sleep 0.6	# an interval boundary after the last ACK
kill -INT "$rec"
wait "$rec" || fail "record failed"
kill -CONT "$client"
rrc=0
"$PERFTOP" report "$TMP/rec.json" --json >"$TMP/report.json" || rrc=$?

python3 - "$CHECK" "$TMP" "$rc" "$rrc" "$net.2" "$port" "$(awk '{print $3}' "$TMP/client.out")" \
	$((re1 - re0)) $((out1 - out0)) <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, parse_prom, prom_value, rules, same_verdict
from perftop_test import records
tmp, rc, rrc = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
daddr, dport, sport = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
retrans, outsegs = int(sys.argv[8]), int(sys.argv[9])
ratio = 100 * retrans / outsegs if outsegs else 0
print(f"kernel (sender netns): {retrans} retransmitted of {outsegs} segments = {ratio:.2f}%")
assert retrans >= 20, "the drop rule caused too few retransmits"
# The recording against the namespace's counters, exactly: the connection
# is its only socket, and every segment it sent went out while perftop
# recorded.  tcp_sock counts every transmission in segs_out; OutSegs
# leaves retransmissions out (they are RetransSegs), so segs_out must be
# OutSegs + RetransSegs.
rec = [c for c in records(f"{tmp}/rec.json", "tcp", "conns")
       if (c["daddr"], c["dport"], c["sport"]) == (daddr, dport, sport)]
r_retrans = sum(c["retransmits"] for c in rec)
r_segs = sum(c["segs_out"] for c in rec)
print(f"recording: {r_retrans} retransmits, {r_segs} segments sent")
assert (r_retrans, r_segs) == (retrans, outsegs + retrans), \
    ((r_retrans, r_segs), (retrans, outsegs + retrans))
# perftop's ratio is retransmits / segs_out (retransmissions included)
ratio = 100 * retrans / (outsegs + retrans)
scan = check_report(json.loads(open(f"{tmp}/scan.json").read()))
rep = check_report(json.loads(open(f"{tmp}/report.json").read()))
print("scan:", scan["status"], {r: round(f["value"], 2) for r, f in rules(scan).items()})
print("report:", rep["status"], {r: round(f["value"], 2) for r, f in rules(rep).items()},
      "value:", rep["values"].get("network.retransmits"))
f = rules(scan).get("network.retransmits")
assert f, "no network.retransmits finding"
assert rc in (1, 2) and f["value"] >= f["threshold"] >= 1, (rc, f)
c = f["culprits"][0]
print("culprit:", c)
assert (c["daddr"], c["dport"], c["sport"]) == (daddr, dport, sport), c
assert c["comm"] == "python3", c
# The scan's ratio covers its own 3 s, most of the span the counters
# cover (the sender ran only while the scan did, plus its attach time):
# the same random drop, so the same ratio up to sampling noise.  The
# relative noise of a count of n random drops is 1/sqrt(n); the scan saw
# at least ~70% of the span's: four of those, and never under 5%.
tol = max(0.05, 4 / (0.7 * retrans) ** 0.5)
print(f"scan ratio {c['value']:.3f}% against {ratio:.3f}%, within {100 * tol:.1f}%")
assert abs(c["value"] - ratio) <= tol * ratio, (c["value"], ratio)
prom = parse_prom(open(f"{tmp}/tcp.prom").read())
pr = prom_value(prom, "perftop_tcp_retransmit_ratio")
print(f"prom retransmit ratio {pr:.4f}")
assert abs(pr * 100 - ratio) <= tol * ratio, (pr * 100, ratio)
notes = same_verdict(scan, rep)
print("scan and report agree" + (f" (borderline: {notes})" if notes else ""))
assert rrc == ["ok", "warning", "critical"].index(rep["status"]), (rrc, rep["status"])
assert "network.retransmits" in rules(rep), rules(rep).keys()
PY
echo ok
