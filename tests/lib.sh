# Shared helpers for end-to-end tests; source it first.
# Exit 77 means "skipped" (a failure under CI=true, see tests/run.sh).
set -euo pipefail
PERFTOP=${PERFTOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/perftop}
TMP=$(mktemp -d /tmp/perftop-test.XXXXXX)
CLEANUP=()
cleanup() {
	local c
	for c in "${CLEANUP[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
	jobs -p | xargs -r kill 2>/dev/null || true
	wait 2>/dev/null || true
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

# Wait until FILE has a line matching PATTERN (max SEC seconds).
wait_line() {
	local file=$1 pattern=$2 sec=${3:-20} i
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
# $3.1/24, $2's end $3.2/24), where $2 drops 3% of the TCP segments sent to
# its port $4 (nftables numgen): retransmissions on demand, no sch_netem.
# Skips when namespaces, veth or nftables are not available.
lossy_netns_pair() {
	local a=$1 b=$2 net=$3 port=$4 ns
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
		tcp dport $port numgen random mod 100 < 3 drop
	}
}
NFT
}
