#!/bin/bash
# A connection stalled in retransmission timeouts: a sender streams to a
# receiver in another network namespace over a loss-free veth pair; after
# a second the receiver's nftables input rule drops every data segment for
# 3 s (a black hole), then the path heals.  By construction the sender
# retransmits only by timeout while the hole lasts, backing off (0.2 s,
# 0.4 s, 0.8 s, ...), and sends a handful of segments in the whole episode,
# all retransmissions: under network.retransmits' 100-segment minimum, so
# a rule that counted ratios only over that many segments stayed "ok".
#
# Checked:
# - per interval of a recording, the connection's timeout flag (events bit
#   16: stalled at the interval's start or end) against the kernel's state
#   read by the sender itself every 5 ms, not through perftop (getsockopt
#   TCP_INFO: tcpi_retransmits > 0 with tcpi_unacked > 0, the fields
#   perftop's probe reads, so this much proves the plumbing), at each end:
#   the samples from 2 ms (20 ms under TCG) before it to 1 ms after it all
#   stalled, stalled; none, not; a change among them, either way.  Stalled
#   at either end, the flag must be set; at neither, it must not;
# - the kernel's TCPTimeouts counter (the sender namespace's
#   /proc/net/netstat) did not move before the hole and did in it: the
#   flagged intervals are the timeouts the workload made, and the
#   loss-free second before the hole has none flagged;
# - with DEFAULT thresholds the scan over the episode reports
#   network.retransmits CRITICAL, naming the connection, with the timeout
#   advice, and `report` over the recording agrees.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 ip nft ss

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
a=pt-rto-a-$$ b=pt-rto-b-$$ port=5302
net=10.233.$(( $$ % 200 + 20 ))
lossy_netns_pair "$a" "$b" "$net" "$port" 0

# The sender, and beside it a thread sampling its socket's TCP_INFO every
# 5 ms: CLOCK_MONOTONIC (the trace's ts_ns), tcpi_retransmits (byte 2),
# tcpi_unacked (u32 at 24).
cat >"$TMP/client.py" <<'PY'
import socket, struct, sys, threading, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
out = open(sys.argv[3], "w", buffering=1 << 20)
def sample():
    while True:
        i = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        out.write("%d %d %d\n" % (time.monotonic_ns(), i[2], struct.unpack_from("I", i, 24)[0]))
        out.flush()
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
print("connected %s %d" % s.getsockname()[:2], flush=True)
buf = b"x" * (1 << 16)
while True:
    s.sendall(buf)
    time.sleep(0.001)	# a steady stream, not a CPU hog
PY
ip netns exec "$b" python3 "$CHECK/tcp_sink.py" "$net.2" "$port" >"$TMP/server.out" &
wait_line "$TMP/server.out" listening 10
ip netns exec "$a" python3 "$TMP/client.py" "$net.2" "$port" "$TMP/info" >"$TMP/client.out" &
client=$!
on_exit "kill $client"
wait_line "$TMP/client.out" connected 10
sport=$(awk '{print $3}' "$TMP/client.out")

timeouts() {	# TcpExt TCPTimeouts in the sender's namespace
	netns_net_stat "$a" /proc/net/netstat TcpExt TCPTimeouts
}
backoff() {	# the sender's socket still backs off (ss -ti: backoff:N)
	ip netns exec "$a" ss -tinH state established "( sport = :$sport )" |
		grep -q 'backoff:'
}

"$PERFTOP" record --probes tcp -p "$client" -i 0.5 -o "$TMP/rec.json" &
rec=$!
"$PERFTOP" scan -v --probes tcp -p "$client" -i 0.5 -d 60 --json \
	>"$TMP/scan.json" 2>"$TMP/scan.err" &
scan=$!
wait_line "$TMP/rec.json" '"type":"header"' 20
wait_line "$TMP/scan.err" '^perftop: attached tcp, measuring$' 20
to0=$(timeouts)
sleep 1	# loss-free streaming: no timeouts
to1=$(timeouts)
ip netns exec "$b" nft add rule inet pt_test input tcp dport "$port" drop
t_hole=$(date +%s.%N)
sleep 3	# the hole's length, not a wait for anything
lossy_netns_heal "$b"
t_heal=$(date +%s.%N)
to2=$(timeouts)
# The stall ends at the first timeout after the heal (up to 3.2 s later);
# the scan ends half a second after the sender's backoff is over.
for ((i = 0; i < 200; i++)); do backoff || break; sleep 0.05; done
backoff && fail "the sender still backs off 10 s after the heal"
t_rec=$(date +%s.%N)
sleep 0.5
rc=0
kill -INT "$scan"
wait "$scan" || rc=$?
kill -INT "$rec"
wait "$rec" || fail "record failed"

python3 - "$CHECK" "$TMP" "$rc" "$PERFTOP" "$net.2" "$port" "$sport" \
	"$to0" "$to1" "$to2" "$t_hole" "$t_heal" "$t_rec" <<'PY'
import json, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, rules, same_verdict
from perftop_test import snapshots, under_tcg
tmp, rc, perftop = sys.argv[2], int(sys.argv[3]), sys.argv[4]
daddr, dport, sport = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
to0, to1, to2 = map(int, sys.argv[8:11])
t_hole, t_heal, t_rec = map(float, sys.argv[11:14])
print(f"kernel TCPTimeouts: {to1 - to0} before the hole, {to2 - to1} in it; "
      f"backoff over {t_rec - t_heal:.2f} s after the heal")
assert to1 == to0, "timeouts on the loss-free path"
assert to2 - to1 >= 2, "the hole caused fewer than 2 timeouts"

# The sender's own samples: (CLOCK_MONOTONIC ns, stalled)
info = []
for line in open(f"{tmp}/info"):
    f = line.split()
    if len(f) == 3:
        info.append((int(f[0]), int(f[1]) > 0 and int(f[2]) > 0))
gaps = [b[0] - a[0] for a, b in zip(info, info[1:])]
print(f"{len(info)} TCP_INFO samples, largest gap {max(gaps) / 1e6:.1f} ms")
# perftop reads the sockets just before it ends the interval at ts_ns
# (microseconds on the host; the owner scan before it took ms under TCG).
before, after = (20e6 if under_tcg() else 2e6), 1e6
mono = lambda wall: wall - time.time() + time.monotonic_ns() / 1e9
def at_end(e):
    """The kernel's state at an interval end: the samples around it (the
    last before, those inside, the first after) all stalled "yes", none
    "no", else "changing"; None outside the sampled span."""
    lo = max((i for i, (t, _) in enumerate(info) if t <= e - before), default=None)
    hi = min((i for i, (t, _) in enumerate(info) if t >= e + after), default=None)
    if lo is None or hi is None:
        return None
    near = [st for _, st in info[lo:hi + 1]]
    return "yes" if all(near) else "no" if not any(near) else "changing"
flagged = 0
for o in snapshots(f"{tmp}/rec.json"):
    e = o["ts_ns"]
    conn = [c for c in o.get("tcp", {}).get("conns", [])
            if (c["daddr"], c["dport"], c["sport"]) == (daddr, dport, sport)]
    mine = bool(conn) and bool(conn[0].get("events", 0) & 16)
    k0, k1 = at_end(e - o["interval_ns"]), at_end(e)
    if k0 is None or k1 is None:
        continue	# outside the sampled span
    segs = conn[0]["segs_out"] if conn else 0
    re = conn[0]["retransmits"] if conn else 0
    print(f"  interval ending {e / 1e9 - mono(t_hole):+7.3f} s from the hole: "
          f"kernel stalled at its start {k0}, end {k1}; perftop {'T' if mine else '-'} "
          f"({re} of {segs} segments retransmitted)")
    if "yes" in (k0, k1):
        assert mine, "a stalled interval not flagged"
    elif (k0, k1) == ("no", "no"):
        assert not mine, "an interval flagged with no stall"
    flagged += mine
    if e / 1e9 < mono(t_hole):
        assert not mine, "an interval before the hole flagged"
assert flagged >= 4, flagged

scan = check_report(json.loads(open(f"{tmp}/scan.json").read()))
print("scan:", rc, scan["status"], {r: round(f["value"], 2) for r, f in rules(scan).items()})
f = rules(scan).get("network.retransmits")
assert f, "no network.retransmits finding"
assert rc == 2 and f["severity"] == "critical", (rc, f)
c = f["culprits"][0]
print("culprit:", c)
print("advice:", f["advice"])
assert (c["daddr"], c["dport"], c["sport"], c["comm"]) == (daddr, dport, sport, "python3"), c
assert "retransmission timeouts" in f["advice"] and daddr in f["advice"], f["advice"]
p = subprocess.run([perftop, "report", f"{tmp}/rec.json", "--json"],
                   capture_output=True, text=True)
rep = check_report(json.loads(p.stdout))
print("report:", p.returncode, rep["status"], {r: round(f["value"], 2) for r, f in rules(rep).items()})
assert "network.retransmits" in rules(rep), p.stderr
notes = same_verdict(scan, rep)
print("scan and report agree" + (f" (borderline: {notes})" if notes else ""))
PY
echo ok
