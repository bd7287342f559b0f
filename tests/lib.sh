# Shared helpers for end-to-end tests; source it first.
# Exit 77 means "skipped" (a failure under CI=true, see tests/run.sh).
set -euo pipefail
PERFTOP=${PERFTOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/perftop}
TMP=$(mktemp -d /tmp/perftop-test.XXXXXX)
CLEANUP=()
CGROUP_DIRS=()	# cgroup_make's, removed last, deepest first
cleanup() {
	local rc=$? c i
	for c in "${CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
	for ((i = ${#CGROUP_DIRS[@]} - 1; i >= 0; i--)); do cgroup_remove "${CGROUP_DIRS[i]}"; done
	# KEEP_FAILED=DIR: a failed test's files are moved there for a look
	# (docs/testing.md), e.g. to chase a flake across many runs.
	if [ "$rc" -ne 0 ] && [ -n "${KEEP_FAILED:-}" ]; then
		mkdir -p "$KEEP_FAILED" && mv "$TMP" "$KEEP_FAILED/" &&
			echo "kept: $KEEP_FAILED/${TMP##*/}" >&2
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
on_exit() { CLEANUP+=("$1"); }

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to load BPF programs (run tests as root)"
}
need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null || skip "needs $c (scripts/install-deps.sh)"; done
}

# TEXT as an extended regular expression matching itself: a kernel
# release such as 6.12.117+deb12-amd64 is not a pattern.
re_quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# start_spinners N CPUS [NAME [held]]: N busy loops pinned to CPUS
# (taskset list), each a copy of bash named NAME (default ptspin) so their
# comm is distinctive; their pids in SPIN_PIDS, killed at exit.  held:
# each stops itself before its loop, and this returns once they have
# (2 s at most each): kill -CONT "${SPIN_PIDS[@]}" starts them at a known
# moment.
start_spinners() {
	local n=$1 cpus=$2 name=${3:-ptspin} held=${4:-} i p
	local loop='while :; do :; done'
	need_cmd taskset
	cp /bin/bash "$TMP/$name"
	[ -z "$held" ] || loop="kill -STOP \$\$; $loop"
	SPIN_PIDS=()
	for ((i = 0; i < n; i++)); do
		taskset -c "$cpus" "$TMP/$name" -c "$loop" &
		SPIN_PIDS+=($!)
	done
	on_exit "kill ${held:+-KILL }${SPIN_PIDS[*]}"
	[ -n "$held" ] || return 0
	for p in "${SPIN_PIDS[@]}"; do
		for ((i = 0; i < 100; i++)); do
			# the state, after the comm (which may hold spaces)
			[ "$(sed 's/.*) //; s/ .*//' "/proc/$p/stat")" = T ] && break
			sleep 0.02
		done
	done
}

# True inside a make vmtest guest under QEMU's emulation (TCG), as
# under_tcg() in tests/perftop_test.py decides it (PERFTOP_VM_ACCEL=tcg).
under_tcg() { [ "${PERFTOP_VM_ACCEL:-}" = tcg ]; }

# Wait until FILE has a line matching PATTERN (max SEC seconds, default
# 20).  SEC is 4x under TCG, the rule of make_waiter in
# tests/perftop_test.py: a single-threaded TCG guest runs 5-10x slower
# (perftop had not written its header after 30 s there, 2026-12-02), and
# detect_faults and tcp_owner_scan wait here in CI's kernel stage.  These
# bound a start or a handshake; they measure nothing.
wait_line() {
	local file=$1 pattern=$2 sec=${3:-20} i
	if under_tcg; then sec=$((sec * 4)); fi
	for ((i = 0; i < sec * 20; i++)); do
		grep -q "$pattern" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	fail "no line matching '$pattern' in $file after ${sec}s"
}

# Expect exit status and a one-line "perftop: ...: ..." error.
expect_error() {
	local want=$1; shift
	local rc=0 err
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	err=$(cat "$TMP/err")
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want (stderr: $err)"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "'$*' printed $(wc -l <"$TMP/err") lines on stderr, want 1: $err"
	[[ "$err" == perftop:\ *:\ * ]] || fail "'$*' error not in 'perftop: what: fix' form: $err"
	echo "ok: $* -> $rc: $err"
}
export PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"

# Two network namespaces, $1 and $2, joined by a veth pair ($1's end gets
# $3.1/24, $2's end $3.2/24), where $2 drops $5% (default 3) of the TCP
# segments sent to its port $4 (nftables numgen, in table inet pt_test,
# chain input): retransmissions on demand, no sch_netem.  Skips when
# namespaces, veth or nftables are not available.
lossy_netns_pair() {
	local a=$1 b=$2 net=$3 port=$4 pct=${5:-3} ns
	ip netns add "$a" || skip "cannot create network namespaces"
	on_exit "ip netns del $a"
	ip netns add "$b"
	on_exit "ip netns del $b"
	ip link add veth-a netns "$a" type veth peer name veth-b netns "$b" ||
		skip "cannot create a veth pair"
	ip -n "$a" addr add "$net.1/24" dev veth-a
	ip -n "$b" addr add "$net.2/24" dev veth-b
	for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
	ip -n "$a" link set veth-a up
	ip -n "$b" link set veth-b up
	ip netns exec "$b" nft -f - <<NFT || skip "nftables cannot load a ruleset"
table inet pt_test {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $port numgen random mod 100 < $pct drop
	}
}
NFT
}

# kernel_has_func NAME: does the running kernel's BTF have function (or
# kfunc) NAME?  (grep reads the whole dump: with -q the dump's SIGPIPE
# would fail the pipeline under pipefail)
kernel_has_func() {
	bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
		grep "FUNC '$1'" >/dev/null
}

# netns_net_stat NS FILE SECTION FIELD...: the named counters of one
# section ("Tcp", "TcpExt") of /proc/net/snmp or /proc/net/netstat as
# network namespace NS counts them, on one line, in the order asked.
netns_net_stat() {
	local ns=$1 file=$2 sect=$3
	shift 3
	ip netns exec "$ns" awk -v sect="$sect:" -v want="$*" '
		$1 == sect { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) printf "%s%s", $c[w[i]], (i < n ? " " : "\n") }' "$file"
}

# The network heals: the drop rule of lossy_netns_pair's receiver $1 goes.
# A sender stopped mid-stream with losses outstanding recovers them by
# retransmission timeouts; with 3% of the retransmissions dropped too, one
# CI run took 3.5 s of timeouts backing off (5, 4, 6, 12, 14 segments a
# half second, all retransmissions) to drain.  Healed, the next timeout's
# retransmission arrives: the drain ends within one timeout.
lossy_netns_heal() {
	ip netns exec "$1" nft delete table inet pt_test
}

# The cgroup hierarchy perftop names tasks by (docs/cgroups.md): cgroup2
# when cpu or memory is bound to it (or it is alone), else the v1 cpu
# hierarchy, else v1 memory.  Sets CG_HIER (v2, v1:cpu, v1:memory) and
# CG_MNT; skips when none is mounted.
cgroup_naming_hier() {
	local v2 v1cpu v1mem
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	v1cpu=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpu(,|$)/ { print $2; exit }' /proc/self/mounts)
	v1mem=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/self/mounts)
	if [ -n "$v2" ] && { grep -qwE 'cpu|memory' "$v2/cgroup.controllers" || [ -z "$v1cpu$v1mem" ]; }; then
		CG_HIER=v2 CG_MNT=$v2
	elif [ -n "$v1cpu" ]; then
		CG_HIER=v1:cpu CG_MNT=$v1cpu
	elif [ -n "$v1mem" ]; then
		CG_HIER=v1:memory CG_MNT=$v1mem
	else
		skip "no cgroup filesystem mounted"
	fi
}

# cgroup_pair DIR: a task that switches often inside cgroup DIR ($INSIDE)
# and one outside it ($OUTSIDE), both killed at exit.
cgroup_pair() {
	local cg=$1
	(echo $BASHPID > "$cg/cgroup.procs"; exec bash -c 'while :; do sleep 0.005; done') &
	INSIDE=$!
	bash -c 'while :; do sleep 0.005; done' &
	OUTSIDE=$!
	sleep 0.3
	grep -qx "$INSIDE" "$cg/cgroup.procs" || fail "could not move $INSIDE into $cg"
}

# mkdir -p cgroup path $2 under mount $1; every directory it creates is
# removed on exit (deepest first, its tasks killed first).
cgroup_make() {
	local d=$1 part
	local IFS=/
	for part in $2; do
		[ -n "$part" ] || continue
		d="$d/$part"
		if [ ! -d "$d" ]; then
			mkdir "$d"
			CGROUP_DIRS+=("$d")
		fi
	done
}

# Kill what is left in cgroup $1 and remove it (a cgroup with tasks, or
# whose last task is still exiting, cannot be removed: retry for 2 s).
cgroup_remove() {
	local d=$1 i
	for ((i = 0; i < 40; i++)); do
		[ -d "$d" ] || return 0
		xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null || true
		rmdir "$d" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "warning: could not remove cgroup $d" >&2
}

# Sets CG_DIR to the directory of cgroup path $1 that holds controller $2
# (cpu, memory, cpuacct): on cgroup2 the one tree, with $2 enabled down to
# it; on v1 the same path on that controller's mount.  Created, and
# removed on exit (call it directly, not in $(...)).
cgroup_ctrl_dir() {
	local rel=$1 ctrl=$2 mnt d part
	local IFS=/
	if [ "$CG_HIER" = v2 ]; then
		d=$CG_MNT
		for part in $rel; do
			[ -n "$part" ] || continue
			echo "+$ctrl" >"$d/cgroup.subtree_control" 2>/dev/null ||
				skip "cannot enable $ctrl below $d"
			d="$d/$part"
			[ -d "$d" ] || { mkdir "$d"; CGROUP_DIRS+=("$d"); }
		done
		CG_DIR=$d
		return
	fi
	mnt=$(awk -v c="$ctrl" '$3 == "cgroup" { n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $2; exit } }' /proc/self/mounts)
	[ -n "$mnt" ] || skip "no v1 $ctrl hierarchy"
	cgroup_make "$mnt" "$rel"
	CG_DIR="$mnt/$rel"
}

# A 5 s recording of the sched and cgroup families (-i 1) into $TMP/t.json
# while a sampler of the test's reference runs beside it (pid $1: stopped
# once perftop has ended), then report over it into $TMP/report.json, which
# must find something (exit 1 or 2).
record_report() {
	local sampler=$1 rc=0
	"$PERFTOP" record --probes sched,cgroup -i 1 -d 5 -o "$TMP/t.json" || fail "perftop record failed"
	sleep 0.1
	kill "$sampler"; wait "$sampler" 2>/dev/null || true
	"$PERFTOP" report "$TMP/t.json" --json >"$TMP/report.json" || rc=$?
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "report exited $rc, want 1 or 2"
}

# A memory cgroup perftop-$1-PID limited to $2 (e.g. 32M) and a file of
# $3 random bytes whose page cache it does not hold yet.  Sets MEM (the
# cgroup's memory directory), NAMING (the one perftop names tasks by: join
# both) and DATA (the file, on /var/tmp: a real disk, not tmpfs, so its
# page cache is evictable; removed on exit).
memcg_with_file() {
	local rel="perftop-$1-$$"
	cgroup_naming_hier
	cgroup_ctrl_dir "$rel" memory
	MEM=$CG_DIR
	NAMING="$CG_MNT/$rel"
	[ "$CG_HIER" = v2 ] || cgroup_make "$CG_MNT" "$rel"
	cgroup_memory_limit "$MEM" "$2"
	DATA=$(mktemp "/var/tmp/perftop-$1.XXXXXX")
	on_exit "rm -f '$DATA'"
	head -c "$3" /dev/urandom >"$DATA"
	# written from outside the cgroup, its page cache is charged elsewhere
	# and would stay: drop it, so the reader's reads are charged to its
	# cgroup
	python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$DATA"
}

# Memory limit $2 (e.g. 32M) and no swap for the memory cgroup dir $1
# (from cgroup_ctrl_dir), on either layout.
cgroup_memory_limit() {
	if [ "$CG_HIER" = v2 ]; then
		echo "$2" >"$1/memory.max"
		echo 0 >"$1/memory.swap.max" 2>/dev/null || true
	else
		echo "$2" >"$1/memory.limit_in_bytes"
	fi
}
