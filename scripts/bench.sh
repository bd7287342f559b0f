#!/bin/bash
# perftop's overhead benchmark (`make bench`): regenerates docs/performance.md.
#
# For each workload (context switches, page faults, block I/O, TCP) it runs
# the same fixed amount of work under several configurations, in interleaved
# rounds (round r runs every configuration once, in an order rotated by r):
#   base        nothing attached
#   floor       empty BPF programs on the hooks the perftop family uses
#               (scripts/bench/floor.*), i.e. the cost of attaching at all
#   floor-runqlat  (sched) empty tp_btf programs on runqlat's hooks:
#               sched_switch, sched_wakeup, sched_wakeup_new
#   floor-tp    the same three as classic tracepoints (what bpftrace's
#               runqlat.bt attaches)
#   perftop-F   perftop record --probes F -i 1
#   perftop-all perftop record with every family this build has
#   bpftrace    the bpftrace tool for the same question (peer)
#   runqlat, offcputime  (sched) libbpf-tools' runqlat and offcputime
#               (Debian package libbpf-tools): issue #12's cost peers
# Slowdown is the workload's CPU time (and, separately, wall time) over the
# baseline of the same round; the table shows the median over rounds and the
# min..max spread.  On a shared machine CPU time is the steadier of the two.
#
#   OUT=build scripts/bench.sh        full run, writes docs/performance.md
#   BENCH_QUICK=1 scripts/bench.sh    short run for development, writes
#                                     $OUT/bench/performance.md
#   BENCH_DOC=FILE                    write the report there instead
#   BENCH_ONLY=sched,fault,...        only these workloads (and no extras
#                                     unless "extras" is listed; "html":
#                                     report --html over one hour;
#                                     "progcost": the BPF time per switch)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/bench/lib.sh"
OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$ROOT/$OUT ;; esac
PERFTOP=$OUT/perftop
BENCH=$OUT/bench
QUICK=${BENCH_QUICK:-0}
ONLY=${BENCH_ONLY:-sched,fault,io,tcp,html,extras}
ARCH=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CPU=$(($(nproc) - 1))	# workloads run pinned here
ALL_FAMILIES="sched fault block tcp"
LIBBPF_TOOLS=${LIBBPF_TOOLS:-/usr/sbin}	# Debian's libbpf-tools

if [ "$QUICK" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-2}
	SCHED_LOOPS=100000 FAULT_ROUNDS=10 IO_MB=64 TCP_MB=1024
	IDLE_S=5 RSS_S=4 DROP_S=10 FLOOD_S=10 THREADS=2000 CONNS=2000
	DOC=${BENCH_DOC:-$BENCH/performance.md}
else
	ROUNDS=${BENCH_ROUNDS:-5}
	SCHED_LOOPS=200000 FAULT_ROUNDS=20 IO_MB=256 TCP_MB=4096
	IDLE_S=20 RSS_S=10 DROP_S=20 FLOOD_S=60 THREADS=10000 CONNS=10000
	DOC=${BENCH_DOC:-$ROOT/docs/performance.md}
fi

die() { echo "perftop: bench: $*" >&2; exit 1; }
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
has() { [[ ",$ONLY," == *",$1,"* ]]; }
now_ns() { date +%s%N; }

[ "$(id -u)" -eq 0 ] || die "needs root to load BPF programs: run as root"
[ -x "$PERFTOP" ] || die "no $PERFTOP: run make OUT=${OUT#"$ROOT"/} first"
for c in perf fio iperf3 bpftrace clang gcc python3 losetup taskset; do
	command -v $c >/dev/null || die "needs $c: run scripts/install-deps.sh"
done

WORK=$(mktemp -d /tmp/perftop-bench.XXXXXX)
PIDS=()
LOOPDEV=
MOUNTED_TRACEFS=0
any_alive() {	# PID...: is one of them still running?
	local p
	for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
	return 1
}
cleanup() {
	local p i
	# the tracer too: a run that dies waiting for it to be ready has not
	# added it to PIDS yet (an offcputime outlived such a run, 2026-12-03)
	PIDS+=(${TRACER_PID:-})
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for ((i = 0; i < 100; i++)); do	# 5 s, then SIGKILL
		any_alive "${PIDS[@]}" || break
		sleep 0.05
	done
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	[ "$MOUNTED_TRACEFS" = 1 ] && umount /sys/kernel/tracing 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers built from scripts/bench/ (never part of perftop) ----------
build_helpers() {
	mkdir -p "$BENCH"
	clang -g -O2 -target bpf -D__TARGET_ARCH_$ARCH -Wall -Werror \
		-I"$ROOT/vmlinux/$ARCH" -c "$ROOT/scripts/bench/floor.bpf.c" \
		-o "$BENCH/floor.bpf.o"
	gcc -O2 -Wall -Wextra -Werror "$ROOT/scripts/bench/floor.c" \
		-lbpf -lelf -lz -o "$BENCH/floor"
	gcc -O2 -Wall -Wextra -Werror "$ROOT/scripts/bench/faulter.c" \
		-o "$BENCH/faulter"
	gcc -O2 -Wall -Wextra -Werror "$ROOT/scripts/bench/cputime.c" \
		-o "$BENCH/cputime"
	gcc -O2 -Wall -Wextra -Werror -pthread "$ROOT/scripts/bench/conns.c" \
		-o "$BENCH/conns"
}

# bpftrace's tracepoint: probes need tracefs.
need_tracefs() {
	[ -e /sys/kernel/tracing/events/sched ] && return 0
	mount -t tracefs nodev /sys/kernel/tracing && MOUNTED_TRACEFS=1
}

# Families this perftop build can run: the header says which started.
detect_families() {
	local list
	list=$(echo "$ALL_FAMILIES" | tr ' ' ',')
	"$PERFTOP" record --probes "$list" -i 0.1 -d 0.1 -o - 2>/dev/null |
		python3 -c '
import json, sys
h = json.loads(sys.stdin.readline())
print(" ".join(f for f, p in h["probes"].items() if p.get("ok")))' || true
}

# The tp_btf hooks (or perf_event) a family's BPF source declares, as
# floor arguments.
floor_hooks() {
	local src=$ROOT/bpf/$1.bpf.c
	grep -o 'SEC("tp_btf/[a-z0-9_]*")' "$src" | sed 's/SEC("tp_btf\//btf:/; s/")//' | sort -u
	grep -q 'SEC("perf_event")' "$src" && ! grep -q 'SEC("tp_btf/' "$src" &&
		echo perf:faults
	return 0
}

# ---- bpftrace peers: patched copies in $WORK, never committed ----------
# The shipped tools include kernel headers this system lacks, or use
# kprobes (not in this kernel); each copy changes only that.
make_peers() {
	bt_runqlat "$WORK/sched.bt"
	bt_biolatency "$WORK/io.bt"
	# No shipped tool counts page faults; the bpftrace reference guide's
	# one-liner form, per thread.
	echo 'software:page-faults:1 { @faults[tid] = count(); }' >"$WORK/fault.bt"
	# TCP: per-connection bytes, srtt and state, what perftop's tcp family
	# answers (tcplife.bt's question, on tracepoints instead of kprobes).
	cat >"$WORK/tcp.bt" <<'EOF'
tracepoint:sock:sock_send_length /args->ret > 0/ { @tx[args->sk] = sum(args->ret); }
tracepoint:sock:sock_recv_length /args->ret > 0/ { @rx[args->sk] = sum(args->ret); }
tracepoint:tcp:tcp_probe { @srtt[args->sock_cookie] = args->srtt; }
tracepoint:sock:inet_sock_set_state { @state[args->skaddr] = args->newstate; }
EOF
	bt_ready_marks "$WORK"
}

# ---- tracers -------------------------------------------------------------
TRACER_PID=
TRACER_OUT=

wait_for() {	# FILE PATTERN: wait until it appears (20 s)
	local i
	for ((i = 0; i < 400; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$1" "$1.err" >&2 2>/dev/null || true
	die "tracer '$TRACER_CMD' did not become ready"
}

wait_link() {	# the tracer holds a BPF link: its programs are attached (20 s)
	local i
	for ((i = 0; i < 400; i++)); do
		ls -l "/proc/$TRACER_PID/fd" 2>/dev/null | grep -q 'anon_inode:bpf_link' &&
			return 0
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$TRACER_OUT.err" >&2 2>/dev/null || true
	die "tracer '$TRACER_CMD' did not attach"
}

# start_tracer WORKLOAD CONFIG
start_tracer() {
	local wl=$1 cfg=$2
	TRACER_PID= TRACER_OUT=$WORK/tracer.out TRACER_CMD=$cfg
	rm -f "$TRACER_OUT" "$TRACER_OUT.err"
	case $cfg in
	base) return 0 ;;
	floor)
		# shellcheck disable=SC2046
		"$BENCH/floor" "$BENCH/floor.bpf.o" $(floor_hooks "$(family_of "$wl")") \
			>"$TRACER_OUT" 2>"$TRACER_OUT.err" &
		TRACER_PID=$!; wait_for "$TRACER_OUT" ready ;;
	floor-runqlat | floor-tp)
		local kind=btf: cat=
		[ "$cfg" = floor-tp ] && kind=tp: cat=sched/
		"$BENCH/floor" "$BENCH/floor.bpf.o" "${kind}${cat}sched_switch" \
			"${kind}${cat}sched_wakeup" "${kind}${cat}sched_wakeup_new" \
			>"$TRACER_OUT" 2>"$TRACER_OUT.err" &
		TRACER_PID=$!; wait_for "$TRACER_OUT" ready ;;
	perftop-*)
		local probes=${cfg#perftop-} pre62=
		[ "$probes" = all ] && probes=$(echo $FAMILIES | tr ' ' ',')
		# the scheduler's object for kernels before 6.2 (docs/design.md)
		[ "$probes" = sched-pre62 ] && probes=sched pre62=1
		env ${pre62:+PERFTOP_TEST_SCHED_HELPER=1} "$PERFTOP" record --probes "$probes" -i 1 -f -o "$TRACER_OUT" \
			2>"$TRACER_OUT.err" &
		TRACER_PID=$!; wait_for "$TRACER_OUT" '"type":"header"' ;;
	bpftrace)
		bpftrace "$WORK/$wl.bt" >"$TRACER_OUT" 2>"$TRACER_OUT.err" &
		TRACER_PID=$!; wait_for "$TRACER_OUT" bench-ready ;;
	runqlat | offcputime)
		# ready once they hold a BPF link (attached): Debian's 0.26
		# offcputime prints nothing until it exits, so no banner to wait
		# for (2026-12-03: waiting for "Tracing" aborted the bench);
		# both run until SIGINT
		"$LIBBPF_TOOLS/$cfg" >"$TRACER_OUT" 2>"$TRACER_OUT.err" &
		TRACER_PID=$!; wait_link ;;
	esac
	PIDS+=("$TRACER_PID")
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }

# Stop the tracer; sets STATS="ticks rss_kb drops" (drops: perftop's end
# line).  Not run in a subshell: it must wait for its own child.
stop_tracer() {
	local ticks0=$1 ticks rss drops=- rc=0 i
	STATS="- - -"
	[ -z "$TRACER_PID" ] && return 0
	ticks=$(($(cpu_ticks "$TRACER_PID") - ticks0))
	rss=$(peak_rss_kb "$TRACER_PID")
	kill -INT "$TRACER_PID"
	# bpftrace has been seen to miss a SIGINT; do not hang the benchmark.
	for ((i = 0; i < 200; i++)); do
		kill -0 "$TRACER_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$TRACER_PID" 2>/dev/null; then
		log "$TRACER_CMD did not stop within 10 s of SIGINT: killed"
		kill -KILL "$TRACER_PID"
	fi
	wait "$TRACER_PID" || rc=$?
	if [[ $TRACER_CMD == perftop-* ]]; then
		drops=$(grep '"type":"end"' "$TRACER_OUT" | python3 -c '
import json, sys
l = json.loads(sys.stdin.read())["loss"]
print(l["ringbuf_drops"] + l["map_full"] + l["storage_fail"])') || {
			log "perftop ($TRACER_CMD) exited $rc without an end line: $(tail -c 300 "$TRACER_OUT.err")"
			drops=nan
		}
	fi
	STATS="$ticks $rss $drops"
}

# BPF tracing programs loaded by someone else (other tools, tests) disturb
# the numbers; each run records how many there were.
foreign_progs() {
	bpftool prog show 2>/dev/null |
		grep -cE '^[0-9]+: (tracing|raw_tracepoint|tracepoint|perf_event|kprobe) ' || true
}

# ---- workloads: each prints "wall_s cpu_s events" ------------------------
# cpu_s is the workload's own CPU time (scripts/bench/cputime): the cost of
# BPF programs running in its context lands there, other load does not.
family_of() {
	case $1 in io) echo block ;; *) echo "$1" ;; esac
}

ctxt() { awk '/^ctxt/ {print $2}' /proc/stat; }
snmp_tcp() {	# field of the Tcp: line in /proc/net/snmp
	awk -v f="$1" '/^Tcp:/ { if (!n) { for (i = 1; i <= NF; i++) if ($i == f) c = i; n = 1 } else print $c }' /proc/net/snmp
}
timed() { "$BENCH/cputime" "$WORK/cputime" taskset -c $CPU "$@"; }

wl_sched() {
	local c0
	c0=$(ctxt)
	timed perf bench sched pipe -l $SCHED_LOOPS >/dev/null
	echo "$(cat "$WORK/cputime") $(($(ctxt) - c0))"
}

wl_fault() {
	local faults
	faults=$(timed "$BENCH/faulter" 64 $FAULT_ROUNDS | sed -E 's/faults=([0-9]+) .*/\1/')
	echo "$(cat "$WORK/cputime") $faults"
}

setup_io() {
	[ -n "$LOOPDEV" ] && return 0
	# Backed by memory, so the device is fast and the tracer's cost per
	# I/O is visible instead of disk latency.
	truncate -s 256M /dev/shm/perftop-bench.img
	LOOPDEV=$(losetup --find --show /dev/shm/perftop-bench.img)
	rm -f /dev/shm/perftop-bench.img	# freed when the loop goes away
}

wl_io() {
	local ios
	ios=$(timed fio --name=bench --filename="$LOOPDEV" --direct=1 \
		--rw=randread --bs=4k --ioengine=psync --size=256M \
		--io_size=${IO_MB}M --output-format=json 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["jobs"][0]["read"]["total_ios"])')
	echo "$(cat "$WORK/cputime") $ios"
}

# Client and a one-shot server, both pinned and both timed.
wl_tcp() {
	local s0 srv cli
	s0=$(($(snmp_tcp OutSegs) + $(snmp_tcp InSegs)))
	"$BENCH/cputime" "$WORK/cputime.srv" taskset -c $CPU \
		iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	srv=$!
	for _ in $(seq 50); do
		ss -ltn 2>/dev/null | grep -q ':5299 ' && break
		sleep 0.02
	done
	timed iperf3 -c 127.0.0.1 -p 5299 -n ${TCP_MB}M -l 16K >/dev/null
	cli=$(cat "$WORK/cputime")
	wait $srv || true
	echo "$cli $(cut -d' ' -f2 "$WORK/cputime.srv") $(($(snmp_tcp OutSegs) + $(snmp_tcp InSegs) - s0))" |
		awk '{printf "%s %.6f %d\n", $1, $2 + $3, $4}'
}

# ---- the interleaved matrix ---------------------------------------------
RESULTS=$WORK/results.tsv

configs_for() {
	local wl=$1 fam
	fam=$(family_of "$wl")
	echo base
	echo floor
	[ "$wl" = sched ] && printf '%s\n' floor-runqlat floor-tp
	echo "perftop-$fam"
	[ "$(echo $FAMILIES | wc -w)" -gt 1 ] && echo perftop-all
	echo bpftrace
	if [ "$wl" = sched ] && [ -x "$LIBBPF_TOOLS/runqlat" ] &&
		[ -x "$LIBBPF_TOOLS/offcputime" ]; then
		printf '%s\n' runqlat offcputime
	fi
}

run_one() {	# WORKLOAD CONFIG ROUND
	local wl=$1 cfg=$2 round=$3 foreign ticks0=0 res stats
	foreign=$(foreign_progs)
	start_tracer "$wl" "$cfg"
	[ -n "$TRACER_PID" ] && ticks0=$(cpu_ticks "$TRACER_PID")
	res=$(wl_"$wl")
	stop_tracer "$ticks0"
	stats=$STATS
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$cfg" "$round" \
		"$(echo "$res" | tr ' ' '\t')" "$(echo "$stats" | tr ' ' '\t')" \
		"$foreign" >>"$RESULTS"
	log "$wl $cfg round $round: $res (tracer ticks/rss/drops: $stats; foreign progs $foreign)"
}

run_matrix() {	# WORKLOAD
	local wl=$1 fam cfgs r i n
	fam=$(family_of "$wl")
	if [[ " $FAMILIES " != *" $fam "* ]]; then
		printf '%s\tmissing\t0\t0\t0\t0\t-\t-\t-\t0\n' "$wl" >>"$RESULTS"
		log "$wl: perftop has no $fam family yet, skipped"
		return
	fi
	mapfile -t cfgs < <(configs_for "$wl")
	n=${#cfgs[@]}
	for ((r = 1; r <= ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			run_one "$wl" "${cfgs[(i + r) % n]}" "$r"
		done
	done
}

# ---- extras --------------------------------------------------------------
EXTRAS=$WORK/extras.tsv

extra() { printf '%s\t%s\n' "$1" "$2" >>"$EXTRAS"; log "$1: $2"; }

# perftop's own CPU over IDLE_S seconds at -i 1, all families.
measure_idle() {
	local pid t0 ticks0 ticks1 t1 load
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	"$PERFTOP" record -i 1 -f -o "$WORK/idle.json" 2>"$WORK/idle.json.err" &
	pid=$!; PIDS+=("$pid")
	# from its first snapshot on: loading takes ~0.6 s of CPU (the
	# verifier), and a fixed 1 s wait counted part of it once loading
	# took longer (3.30% on 2026-12-03 07:47; 0.4% measured by hand from
	# 2 s after the start)
	TRACER_PID=$pid TRACER_CMD="perftop (idle)" wait_for "$WORK/idle.json" '"type":"snapshot"'
	ticks0=$(cpu_ticks $pid); t0=$(now_ns)
	sleep "$IDLE_S"
	ticks1=$(cpu_ticks $pid); t1=$(now_ns)
	kill -INT $pid; wait $pid || true
	extra idle_cpu_pct "$(awk -v t=$((ticks1 - ticks0)) -v hz="$(getconf CLK_TCK)" \
		-v ns=$((t1 - t0)) 'BEGIN {printf "%.2f", 100 * t / hz / (ns / 1e9)}')"
	extra idle_load "$load"
}

# `report --html` over one hour at 1 s: a real 20 s recording of this
# machine, all families, with six spinners on two CPUs for the middle 10 s
# (so the page has findings, culprits and their timelines), repeated to
# 3600 intervals (scripts/bench/extend_trace.py: the same snapshots, their
# times moved to follow each other).  Five runs each of `report --html`
# and of `report` alone (reading and evaluating the trace, the part the
# page shares), wall time; page size; peak RSS.
measure_html() {
	local i pids=() t0 ms st rec
	"$PERFTOP" record -i 1 -d 20 -f -o "$WORK/html-real.json" 2>/dev/null &
	rec=$!
	PIDS+=("$rec")
	sleep 5
	for i in 1 2 3 4 5 6; do
		taskset -c 0-1 sh -c 'while :; do :; done' &
		pids+=($!)
	done
	PIDS+=("${pids[@]}")
	sleep 10
	kill "${pids[@]}"
	wait "$rec" || true
	python3 "$ROOT/scripts/bench/extend_trace.py" "$WORK/html-real.json" 		"$WORK/html-hour.json" 3600
	extra html_trace_bytes "$(stat -c %s "$WORK/html-hour.json")"
	extra html_real_bytes "$(stat -c %s "$WORK/html-real.json")"
	cat "$WORK/html-hour.json" >/dev/null	# in the page cache for all
	for mode in html text; do
		local times=()
		for i in 1 2 3 4 5; do
			t0=$(now_ns)
			st=0
			if [ $mode = html ]; then
				/usr/bin/time -f %M -o "$WORK/html-rss" "$PERFTOP" report \
					"$WORK/html-hour.json" --html "$WORK/hour.html" \
					--force >/dev/null || st=$?
			else
				"$PERFTOP" report "$WORK/html-hour.json" >/dev/null || st=$?
			fi
			ms=$((($(now_ns) - t0) / 1000000))
			[ $st -le 2 ] || die "report${mode/text/} over the hour exited $st"
			times+=("$ms")
		done
		extra "html_hour_$mode" "$(printf '%s\n' "${times[@]}" | sort -n |
			awk '{v[NR] = $1} END {print v[3], v[1], v[5]}')"
	done
	extra html_bytes "$(stat -c %s "$WORK/hour.html")"
	extra html_rss_kb "$(tail -1 "$WORK/html-rss")"	# after "exited with status 1"
}

# Time from exec to the first screen with data of the interactive
# `perftop top` (on a pseudo-terminal, 120x40: until a table header is
# drawn), to the first screen of `perftop top -b -n 1` (which covers one
# whole interval), the same at -i 0.1, and to the header line of
# `perftop record` (probes loaded and attached: the start-up cost itself).
measure_startup() {
	python3 - "$PERFTOP" <<'EOF' | while read -r k v; do extra "$k" "$v"; done
import fcntl, os, pty, select, signal, struct, subprocess, sys, termios, time
perftop = sys.argv[1]

def first_screen_tty(cmd, marker=b"COMMAND", limit=10.0):
    t0 = time.monotonic()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen, t1 = b"", None
    while time.monotonic() - t0 < limit:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen = (seen + chunk)[-4096:]
        if marker in seen:
            t1 = time.monotonic()
            break
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    os.close(fd)
    return (b"x", t1 - t0) if t1 else (None, 0)

def first_line(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    t1 = time.monotonic()
    p.stdout.close()	# a screen larger than the pipe must not block it
    p.terminate()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return line, t1 - t0

def median_ms(cmd, how=first_line):
    times = []
    for _ in range(5):
        line, dt = how(cmd)
        if not line:
            return None
        times.append(dt)
    times.sort()
    return "%.0f %.0f" % (times[2] * 1e3, times[-1] * 1e3)

r = median_ms([perftop, "top"], first_screen_tty)
print("startup_top_tty", r if r else "none")
for key, cmd in (("startup_top", ["top", "-b", "-n", "1"]),
                 ("startup_top_fast", ["top", "-b", "-n", "1", "-i", "0.1"]),
                 ("startup_record", ["record", "-i", "1", "-o", "-"])):
    r = median_ms([perftop] + cmd)
    print(key, r if r else "none")
EOF
}

# BPF program time per context switch (kernel.bpf_stats_enabled, for one
# run each): a view of the sched configurations that other load on the
# machine hardly moves.  It leaves out the cost of reaching the program
# (trampoline, or the perf buffer of a classic tracepoint), which the
# slowdown columns include.  The stats add their own clock reads to every
# run; the empty programs show that baseline.  perftop's program and the
# empty one run ROUNDS times, alternating, and the target is judged on
# each round's ratio: one run each read 2.74x on 2026-12-03 05:45 and
# 2.24x two hours later on the same code.  perftop with all families and
# libbpf-tools runqlat also run every round, so "perftop costs no more than
# runqlat" is judged on a measure the host's noise hardly moves (the pipe
# slowdown's rounds of the two overlapped: -22..+80% against +20..+111%).
# The other configurations run once (round 1).
measure_progcost() {
	local cfg max_id c0 c1 r cfgs
	local peers= every=
	if [ -x "$LIBBPF_TOOLS/runqlat" ]; then
		peers="runqlat offcputime"
		every=runqlat
	fi
	for ((r = 1; r <= ROUNDS; r++)); do
		cfgs="floor perftop-sched perftop-all $every"
		[ "$r" = 1 ] && cfgs="floor floor-runqlat floor-tp perftop-sched perftop-sched-pre62 perftop-all bpftrace $peers"
		for cfg in $cfgs; do
			max_id=$(bpftool prog show | sed -n 's/^\([0-9]*\):.*/\1/p' | sort -n | tail -1)
			start_tracer sched "$cfg"
			sysctl -qw kernel.bpf_stats_enabled=1
			c0=$(ctxt)
			wl_sched >/dev/null
			c1=$(ctxt)
			bpftool -j prog show | python3 -c '
import json, sys
max_id, key, switches = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
total, names = 0, []
for p in json.load(sys.stdin):
    if p["id"] > max_id and p.get("run_cnt"):
        total += p["run_time_ns"]
        names.append("%s %.0f ns x %d" % (p["name"], p["run_time_ns"] / p["run_cnt"], p["run_cnt"]))
print("%s %.0f|%s" % (key, total / max(switches, 1), ", ".join(names)))
' "${max_id:-0}" "progcost_r${r}_$cfg" $((c1 - c0)) | while read -r k v; do extra "$k" "$v"; done
			sysctl -qw kernel.bpf_stats_enabled=0
			stop_tracer 0
		done
	done
}

# Peak RSS with THREADS live threads and CONNS open TCP connections.
measure_rss() {
	local cpid pid out=$WORK/rss.json
	"$BENCH/conns" "$THREADS" "$CONNS" >"$WORK/conns.out" &
	cpid=$!; PIDS+=("$cpid")
	for _ in $(seq 200); do
		grep -q ready "$WORK/conns.out" 2>/dev/null && break
		sleep 0.1
	done
	grep -q ready "$WORK/conns.out" || die "conns did not start"
	"$PERFTOP" record -i 1 -d "$RSS_S" -f -o "$out" 2>/dev/null &
	pid=$!; PIDS+=("$pid")
	local peak=0 v
	while kill -0 $pid 2>/dev/null; do
		v=$(peak_rss_kb $pid 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$peak" ] && peak=$v
		sleep 0.2
	done
	wait $pid || true
	kill $cpid; wait $cpid 2>/dev/null || true
	extra rss_threads "$THREADS"
	extra rss_conns "$CONNS"
	extra rss_peak_kb "$peak"
	extra rss_tasks_seen "$(python3 - "$out" <<'EOF'
import json, sys
n, loss = 0, None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "snapshot":
        n = max(n, len(o.get("sched", {}).get("tasks", [])))
    elif o["type"] == "end":
        loss = o["loss"]
print(n, "max tasks in a snapshot; loss", json.dumps(loss, separators=(",", ":")))
EOF
)"
}

# start_block_recorder OUT: perftop recording the block family (the one
# with a ring buffer) into OUT, its header written; its pid in TRACER_PID.
start_block_recorder() {
	TRACER_CMD="perftop record --probes block"
	"$PERFTOP" record --probes block -i 1 -f -o "$1" 2>"$1.err" &
	TRACER_PID=$!; PIDS+=("$TRACER_PID")
	wait_for "$1" '"type":"header"'
}

# Ring-buffer drops under the highest block I/O rate this machine makes
# (the block family is the one with a ring buffer: one record per request).
measure_drops() {
	local pid out=$WORK/drops.json
	setup_io
	start_block_recorder "$out"
	pid=$TRACER_PID
	fio --name=drops --filename="$LOOPDEV" --direct=1 --rw=randread \
		--bs=512 --ioengine=io_uring --iodepth=64 --numjobs=2 \
		--size=256M --time_based --runtime="$DROP_S" --group_reporting \
		--output-format=json >"$WORK/drops.fio" 2>/dev/null
	kill -INT $pid; wait $pid || true
	python3 - "$out" "$WORK/drops.fio" "$(stat -c '%t %T' "$LOOPDEV")" <<'EOF' | while read -r k v; do extra "$k" "$v"; done
import json, sys
major, minor = (int(x, 16) for x in sys.argv[3].split())
ios = secs = 0
loss = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "snapshot":
        secs += o["interval_ns"] / 1e9
        for d in o.get("block", {}).get("devices", []):
            if (d.get("major"), d.get("minor")) == (major, minor):
                ios += d.get("read_ios", 0) + d.get("write_ios", 0)
    elif o["type"] == "end":
        loss = o["loss"]
fio = json.load(open(sys.argv[2]))["jobs"][0]
fio_ios = fio["read"]["total_ios"]
elapsed = fio["elapsed"] or 1
print("drops_load", "%.0fk block requests/s for %d s (fio 512 B random direct reads, io_uring, 2 jobs x depth 64, loop device on memory; perftop counted %d of fio's %d)"
      % (fio_ios / elapsed / 1e3, elapsed, ios, fio_ios))
print("drops_result", "%d ring-buffer drops, %d map full" % (loss["ringbuf_drops"], loss["map_full"]))
EOF
}

# The same at 1M records/s, which no device here can make: rbflood writes
# block records into perftop's own ring buffer (its map, by id) from
# getppid() calls paced to 1M/s on the workload CPU, counting in perftop's
# loss map what finds the buffer full.  perftop's trace must show every
# submitted record on the made-up device 4095:1, and its drops.
measure_flood() {
	local pid out=$WORK/flood.json ids
	start_block_recorder "$out"
	pid=$TRACER_PID
	ids=$(PYTHONPATH="$ROOT/tests" python3 -c '
import sys
from perftop_test import perftop_maps
m = perftop_maps(int(sys.argv[1]))
print(m["block_events"], m["loss"])' "$pid") || die "cannot find perftop's block maps"
	"$BENCH/rbflood" $ids 1000000 "$FLOOD_S" "$CPU" >"$WORK/flood.out" ||
		die "rbflood failed"
	sleep 1.2	# the interval that drains the rest
	kill -INT $pid; wait $pid || true
	python3 - "$out" "$WORK/flood.out" <<'EOF' | while read -r k v; do extra "$k" "$v"; done
import json, sys
ios, loss = 0, None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "snapshot":
        for d in o.get("block", {}).get("devices", []):
            if (d["major"], d["minor"]) == (4095, 1):
                ios += d["read_ios"]
    elif o["type"] == "end":
        loss = o["loss"]
v = open(sys.argv[2]).read().split()
f = dict(zip(v[0::2], v[1::2]))
print("flood_load", "%.2fM records/s for %.0f s (scripts/bench/rbflood into perftop's block ring buffer, %s B; %s submitted, perftop counted %d)"
      % (float(f["rate"]) / 1e6, float(f["seconds"]), f["ring_bytes"], f["submitted"], ios))
print("flood_result", "%d ring-buffer drops, %d map full" % (loss["ringbuf_drops"], loss["map_full"]))
EOF
}

main() {
	log "building bench helpers into $BENCH"
	build_helpers
	need_tracefs || die "cannot mount tracefs on /sys/kernel/tracing (bpftrace needs it)"
	make_peers
	FAMILIES=$(detect_families)
	[ -n "$FAMILIES" ] || die "perftop could not start any family: run $PERFTOP doctor"
	log "perftop families: $FAMILIES; $ROUNDS rounds; workloads pinned to CPU $CPU"
	: >"$RESULTS"; : >"$EXTRAS"
	extra load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
	extra date "$(date -u '+%Y-%m-%d %H:%M UTC')"
	extra commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(
		git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
	local t0 wl
	t0=$(date +%s)
	for wl in sched fault io tcp; do
		has "$wl" || continue
		[ "$wl" = io ] && setup_io
		run_matrix "$wl"
	done
	has html && measure_html
	if has extras; then
		measure_idle
		measure_startup
		has sched && measure_progcost
		measure_rss
		if [[ " $FAMILIES " == *" block "* ]]; then
			measure_drops
			measure_flood
		fi
	elif has progcost; then
		measure_progcost	# BENCH_ONLY=sched,progcost: the scheduler alone
	fi
	extra load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
	extra bench_seconds $(($(date +%s) - t0))
	mkdir -p "$(dirname "$DOC")"
	python3 "$ROOT/scripts/bench/report.py" "$RESULTS" "$EXTRAS" \
		"$FAMILIES" "$QUICK" "$ROOT" "$ROUNDS" >"$DOC.tmp"
	mv "$DOC.tmp" "$DOC"
	cp "$RESULTS" "$BENCH/results.tsv"
	cp "$EXTRAS" "$BENCH/extras.tsv"
	log "wrote $DOC"
	sed -n '/^## Results/,/^## Method/p' "$DOC" | head -n -1
}

main "$@"
