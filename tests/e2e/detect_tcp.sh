#!/bin/bash
# TCP retransmissions: a sender streams to a receiver in another network
# namespace (veth pair) whose nftables input rule drops 3% of the data
# packets.  With DEFAULT thresholds (warning 1%) the scan must report
# network.retransmits naming the connection, and `report` over a recording
# of the same load agrees.  The sender runs only inside the scan (from its
# -v "measuring" line to a stop and drain, then SIGINT ends it) and the
# recording, and is stopped and drained while perftop attaches and
# detaches, so both saw every segment the sender namespace's /proc/net/snmp
# counts: the recording's retransmits and segments, and the scan's total
# ratio (its Prometheus file), equal the namespace's counters exactly;
# report over the recording's intervals of the scan's span has the
# culprit ratio the rule works out from those intervals, exactly.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 ip nft

CHECK=$(cd "$(dirname "$0")/../workloads" && pwd)
a=pt-det-a-$$ b=pt-det-b-$$ port=5301
net=10.232.$(( $$ % 200 + 20 ))
lossy_netns_pair "$a" "$b" "$net" "$port"

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
ip netns exec "$b" python3 "$CHECK/tcp_sink.py" "$net.2" "$port" >"$TMP/server.out" &
wait_line "$TMP/server.out" listening 10
ip netns exec "$a" python3 "$TMP/client.py" "$net.2" "$port" 40 >"$TMP/client.out" &
client=$!
wait_line "$TMP/client.out" connected 10
sleep 0.5

snmp() {	# RetransSegs OutSegs in the sender's namespace
	netns_net_stat "$a" /proc/net/snmp Tcp RetransSegs OutSegs
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
# The recording's header line, and the scan's -v line on stderr, say that
# their first interval has started: every probe attached, what they counted
# meanwhile dropped.  Only then does the sender run, for 6.1 s: 12+ of the
# scan's ~14 intervals carry the load (the rule must be active in half of
# them, and a retransmission timeout can leave one with fewer than 100
# segments: a CI run measured none in one interval mid-load).  It ran 4.1 s
# until a CI run's ASan pass (2026-12-05) took 15 intervals from the resume
# to the drain, 7 of them active (value 0.84%): the drain took ~3 s there,
# not explained (the intervals are printed below from now on).  At the stop
# the network heals (lossy_netns_heal), so the drain ends within one
# timeout, not a series of them backing off.  The scan is ended (SIGINT:
# it keeps the partial last interval) only once the sender is stopped and
# drained, at any machine speed: every segment the namespace counts from
# here on is inside the scan's intervals too (checked below against the
# scan's window).
rc=0
"$PERFTOP" record --probes tcp -p "$client" -i 0.5 -o "$TMP/rec.json" &
rec=$!
"$PERFTOP" scan -v --probes tcp -p "$client" -i 0.5 -d 30 --json \
	--prom "$TMP/tcp.prom" >"$TMP/scan.json" 2>"$TMP/scan.err" &
scan=$!
wait_line "$TMP/rec.json" '"type":"header"' 20
wait_line "$TMP/scan.err" '^perftop: attached tcp, measuring$' 20
t_cont=$(date +%s.%N)
kill -CONT "$client"
sleep 6.1	# the workload's length, not a wait for anything
kill -STOP "$client"
lossy_netns_heal "$b"
drained
read -r re1 out1 < <(snmp)
t_drained=$(date +%s.%N)
kill -INT "$scan"
wait "$scan" || rc=$?
sleep 0.6	# an interval boundary after the last ACK
kill -INT "$rec"
wait "$rec" || fail "record failed"
kill -CONT "$client"

python3 - "$CHECK" "$TMP" "$rc" "$PERFTOP" "$net.2" "$port" "$(awk '{print $3}' "$TMP/client.out")" \
	$((re1 - re0)) $((out1 - out0)) "$t_cont" "$t_drained" <<'PY'
import json, subprocess, sys
from datetime import datetime, timezone
sys.path.insert(0, sys.argv[1])
from detect_check import check_report, parse_prom, prom_value, rules, same_verdict
from perftop_test import records, snapshots
tmp, rc, perftop = sys.argv[2], int(sys.argv[3]), sys.argv[4]
daddr, dport, sport = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
retrans, outsegs = int(sys.argv[8]), int(sys.argv[9])
t_cont, t_drained = float(sys.argv[10]), float(sys.argv[11])
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
# report over the recording's intervals of the scan's span: from the one
# the sender resumed in to the one it was drained in.  The recording runs
# longer than the scan at both ends (it starts first and stops 0.6 s after
# it), and intervals with no traffic count against the rule's persistence;
# under ASan the scan's attach alone took two of them.  --from/--to fall a
# quarter interval inside the first and last chosen, so which intervals
# overlap the span does not hang on the millisecond the trace's times keep.
ts = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
iso = lambda x: datetime.fromtimestamp(x, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
ivls = [(ts(o["time"]) - o["interval_ns"] / 1e9, ts(o["time"]), o)
        for o in snapshots(f"{tmp}/rec.json")]
first = next(i for i, v in enumerate(ivls) if v[1] > t_cont)
last = next(i for i, v in enumerate(ivls) if v[1] > t_drained)
span = [o for _, _, o in ivls[first:last + 1]]
q0 = (ivls[first][1] - ivls[first][0]) / 4
q1 = (ivls[last][1] - ivls[last][0]) / 4
p = subprocess.run([perftop, "report", f"{tmp}/rec.json", "--json",
                    "--from", iso(ivls[first][0] + q0), "--to", iso(ivls[last][1] - q1)],
                   capture_output=True, text=True)
rrc = p.returncode
rep = check_report(json.loads(p.stdout))
assert rep["window"]["snapshots"] == len(span), (rep["window"], len(span), p.stderr)
print(f"report over the recording's intervals {first + 1}..{last + 1} of {len(ivls)}:")
for o in span:	# what the rule saw, interval by interval
    cs = o.get("tcp", {}).get("conns", [])
    print(f"  {o['time']}: " + ", ".join(
        f"{c['sport']}: {c['retransmits']} of {c['segs_out']} segments"
        f"{' T' if c.get('events', 0) & 16 else ''}" for c in cs))
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
# The counters' span is inside the scan's window: the sender ran only
# after the scan said it measured, and was drained before the window ended.
win = scan["window"]
print(f"window {win['start']} .. {win['end']} ({win['snapshots']} intervals): "
      f"sender resumed {t_cont - ts(win['start']):.3f} s in, drained "
      f"{ts(win['end']) - t_drained:.3f} s before its end")
assert ts(win["start"]) <= t_cont, (win, t_cont)
# The window's end is written truncated to the millisecond (RFC 3339,
# pt_format_rfc3339()), so an end within 1 ms after the drain can read
# before it: CI once printed "drained -0.000 s before its end" (SIGINT was
# handled within the millisecond).
assert t_drained < ts(win["end"]) + 0.001, \
    f"the sender drained {t_drained - ts(win['end']):.4f} s after the scan ended"
# So the scan saw exactly the connection's segments and retransmits the
# namespace counted: its total ratio over the window (the Prometheus
# file's, printed to full precision) is the kernel's, up to rounding
# (equal to 9 digits in all 28 runs measured).
prom = parse_prom(open(f"{tmp}/tcp.prom").read())
pr = prom_value(prom, "perftop_tcp_retransmit_ratio")
print(f"prom retransmit ratio {pr:.9f} against {ratio / 100:.9f}")
assert abs(pr * 100 - ratio) <= 1e-9 * ratio, (pr * 100, ratio)
# The culprit's ratio counts the connection in the finding's active
# intervals only (docs/detection.md): an interval is active when its value,
# the connection's ratio or the system's (each over >= 100 segments sent,
# min_samples tcp_segs, or the connection's at any count when it is
# stalled in retransmission timeouts), is >= 1% (the default warning); then each
# connection that retransmitted adds its retransmits and segments.  Which
# intervals are left out is the load's, not a fixed share: under ASan (CI
# 2026-12-03) the interval the sender stopped in held 9,067 segments and
# 55 retransmits (0.6%: its losses were retransmitted in the drain), and
# leaving it out put the scan's culprit 3.3% over the kernel's total ratio.
# So the rule is held to the recording, whose every interval the kernel's
# counters prove (its sums equal them exactly, above): report's culprit
# value must be the rule worked out here from the span's intervals, exactly;
# the scan's, over its own intervals of the same load, must be what only
# active intervals can give: at least the warning threshold, and at most
# the largest active interval ratio the recording holds.
def active_ratio(span):
    num = den = 0
    top = 0.0
    for o in span:
        conns = o.get("tcp", {}).get("conns", [])
        segs = sum(c["segs_out"] for c in conns)
        value = 100 * sum(c["retransmits"] for c in conns) / segs if segs >= 100 else 0
        for c in conns:
            # 16: stalled in retransmission timeouts: counts at any count
            timeout = c.get("events", 0) & 16
            if c["segs_out"] >= 100 or timeout:
                value = max(value, min(100, 100 * c["retransmits"] / c["segs_out"])
                            if c["segs_out"] else 100)
        if value < 1:
            continue
        for c in conns:
            if (c["daddr"], c["dport"], c["sport"]) == (daddr, dport, sport) and c["retransmits"]:
                num += c["retransmits"]
                den += c["segs_out"]
                top = max(top, 100 * c["retransmits"] / c["segs_out"])
    return 100 * num / den, top
want, top = active_ratio(span)
rc_ = rules(rep)["network.retransmits"]["culprits"][0]
print(f"culprit ratio: report {rc_['value']:.4f}%, the rule over the recording's "
      f"intervals {want:.4f}%; scan {c['value']:.4f}% (kernel's total {ratio:.4f}%, "
      f"the recording's largest active interval {top:.4f}%)")
assert abs(rc_["value"] - want) <= 1e-9 * want, (rc_["value"], want)
assert 1 <= c["value"] <= top, (c["value"], top)
notes = same_verdict(scan, rep)
print("scan and report agree" + (f" (borderline: {notes})" if notes else ""))
assert rrc == ["ok", "warning", "critical"].index(rep["status"]), (rrc, rep["status"])
assert "network.retransmits" in rules(rep), rules(rep).keys()
PY
echo ok
