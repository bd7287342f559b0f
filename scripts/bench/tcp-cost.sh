#!/bin/bash
# The tcp family's own BPF cost under nginx + wrk on loopback, per program:
# ns a run, runs a second and share of one CPU over wrk's window, from the
# kernel's BPF stats (kernel.bpf_stats_enabled, bpftool prog show).  Not
# part of make bench: a tool for comparing builds or --tcp-owner modes in
# one session, alternating (docs/tcp.md, Limits: the figures there).
#
#   scripts/bench/tcp-cost.sh PERFTOP [keep|close] [perftop serve args...]
#     keep:  wrk -t2 -c64, keep-alive (nginx's keepalive_requests 100000)
#     close: the same with "Connection: close", a connection per request
# Run it under flock /work/.e2e.lock.  Needs nginx, wrk, bpftool, root.
set -euo pipefail
PT=$(realpath "$1"); MODE=${2:-keep}; shift; [ $# -gt 0 ] && shift
SECS=${TCP_COST_SECS:-10}
W=$(mktemp -d /tmp/perftop-tcp-cost.XXXXXX)
chmod 755 "$W"
PIDS=()
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
	rm -rf "$W"
}
trap cleanup EXIT
NPORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$W/www" "$W/nginx"
head -c 1024 /dev/zero | tr '\0' x >"$W/www/index.html"
chmod 755 "$W/www"; chmod 644 "$W/www/index.html"
cat >"$W/nginx.conf" <<C
daemon off; worker_processes 2; pid $W/nginx/nginx.pid; error_log $W/nginx/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; keepalive_requests 100000;
 client_body_temp_path $W/nginx/body; proxy_temp_path $W/nginx/proxy;
 fastcgi_temp_path $W/nginx/fcgi; uwsgi_temp_path $W/nginx/uwsgi; scgi_temp_path $W/nginx/scgi;
 server { listen 127.0.0.1:$NPORT; root $W/www; } }
C
nginx -c "$W/nginx.conf" -p "$W/nginx" &
PIDS+=($!)
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$NPORT/index.html" >/dev/null && break; sleep 0.1; done
sysctl -qw kernel.bpf_stats_enabled=1
"$PT" serve --probes tcp --listen 127.0.0.1:0 -i 1 "$@" >"$W/serve.out" 2>&1 &
PIDS+=($!)
sleep 3	# attached, the first owner scan done
snap() { bpftool -j prog show | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    n = p.get("name", "")
    if any(s in n for s in ("tcp", "sock", "set_state", "boundary", "owners")):
        print(p["id"], n, p.get("run_time_ns", 0), p.get("run_cnt", 0))'; }
snap >"$W/a"; t0=$(date +%s.%N)
H=(); [ "$MODE" = close ] && H=(-H "Connection: close")
wrk -t2 -c64 -d"${SECS}s" "${H[@]}" "http://127.0.0.1:$NPORT/index.html" >"$W/wrk.out"
t1=$(date +%s.%N); snap >"$W/b"
python3 - "$W/a" "$W/b" "$t0" "$t1" "$MODE $*" "$W/wrk.out" <<'P'
import sys
a = {l.split()[0]: l.split() for l in open(sys.argv[1])}
b = {l.split()[0]: l.split() for l in open(sys.argv[2])}
dt = float(sys.argv[4]) - float(sys.argv[3])
rps = [l.strip() for l in open(sys.argv[6]) if "Requests/sec" in l]
print(f"== {sys.argv[5]}: {dt:.1f} s, {rps[0] if rps else ''}")
tot = 0
for i, v in b.items():
    o = a.get(i, [i, v[1], 0, 0])
    ns, n = int(v[2]) - int(o[2]), int(v[3]) - int(o[3])
    if not n and not ns:
        continue
    tot += ns
    print(f"  {v[1]:26s} {ns / max(n, 1):9.0f} ns/run {n / dt:9.0f} runs/s "
          f"{100 * ns / 1e9 / dt:6.3f}% of a CPU")
print(f"  all tcp programs {100 * tot / 1e9 / dt:.3f}% of a CPU")
P
