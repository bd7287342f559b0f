#!/bin/bash
# Under -p/-c, a block request perftop never saw start (in flight when it
# attached) has no issuer, so it cannot tell whether the filter wants it:
# it is not counted, and loss.block_untracked counts it (it used to vanish
# with no counter moving).  Without a filter the same completions are
# counted on their device, with no loss.
#
# Requests held in flight on purpose, N at a time: a loop device (inner)
# backed by a file on an ext4 file system on another loop device (outer),
# frozen with fsfreeze; N direct 4 KiB writes to inner are issued to its
# driver (diskstats in-flight shows N) and the loop worker blocks on the
# frozen file system until it is thawed.  perftop attaches in between.
#
# Reference: inner's /proc/diskstats.  Bound: block_untracked counts every
# request in flight at attach on any device, so it is N plus whatever
# else was in flight then; that rest is at most the I/Os the other
# devices completed during the recording (diskstats, measured), on a quiet
# machine a handful.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3 losetup mkfs.ext4 fsfreeze dd mount umount

N=4
outer= inner=
# in this order: thawed first, so no loop worker is left blocked
on_exit 'fsfreeze -u "$TMP/mnt"; [ -z "$inner" ] || losetup -d "$inner";
	umount "$TMP/mnt"; [ -z "$outer" ] || losetup -d "$outer"'
truncate -s 64M "$TMP/outer.img"
outer=$(losetup -f --show "$TMP/outer.img") || skip "cannot create a loop device"
mkfs.ext4 -q "$outer"
mkdir "$TMP/mnt"
mount "$outer" "$TMP/mnt"
truncate -s 16M "$TMP/mnt/inner.img"
inner=$(losetup -f --show "$TMP/mnt/inner.img")
dev=$(basename "$inner")
sleep 1000 &			# the filter's process: does no I/O at all
quiet=$!
on_exit "kill $quiet"

# diskstats: "<completed writes of inner> <in flight on inner> <ios of every other device>"
stats() {
	awk -v d="$dev" '$3 == d { w = $8; f = $12; next }
		$3 !~ /^(ram|zram)/ { o += $4 + $8 + $15 + $19 }
		END { print w, f, o }' /proc/diskstats
}

# Freeze the file system and start N direct writes: they stay in flight
# on $dev until `fsfreeze -u`; their pids in the caller's $writers.
hold_writes() {
	local i f
	fsfreeze -f "$TMP/mnt"
	writers=()
	for ((i = 1; i <= N; i++)); do
		dd if=/dev/zero of="$inner" bs=4k count=1 seek=$i oflag=direct status=none &
		writers+=($!)
	done
	for ((i = 0; i < 100; i++)); do
		read -r _ f _ < <(stats)
		[ "$f" -ge "$N" ] && break
		sleep 0.05
	done
	[ "$f" -eq "$N" ] || fail "$f requests in flight on $dev, want $N"
}

# Thaw the held writes (the caller's $writers), read diskstats into the
# caller's w1/o1 two intervals past the last completion, and stop perftop
# (pid $1), which must exit 0.
thaw_stop() {
	local f rc=0
	fsfreeze -u "$TMP/mnt"
	wait "${writers[@]}"
	sync "$TMP/mnt"; sleep 1.2	# two intervals past the last completion
	read -r w1 f o1 < <(stats)
	kill -INT "$1"; wait "$1" || rc=$?
	[ "$rc" -eq 0 ] || fail "perftop record exited $rc: $(cat "$TMP/rec.err")"
}

# attached_hold SECS VAR=VALUE [RECORD-ARG...]: perftop attached first,
# with the test-only setting VAR=VALUE, then N writes held SECS more and
# thawed; diskstats into the caller's w0/o0 before and w1/o1 after.
attached_hold() {
	local secs=$1 setting=$2 f rec writers
	shift 2
	rm -f "$TMP/trace.json"
	env "$setting" "$PERFTOP" record --probes block "$@" -i 0.5 \
		-o "$TMP/trace.json" 2>"$TMP/rec.err" &
	rec=$!
	wait_line "$TMP/trace.json" '"type":"header"' 20
	read -r w0 f o0 < <(stats)
	hold_writes
	sleep "$secs"
	thaw_stop "$rec"
}

# run FILTER...: hold N writes, attach perftop, thaw, and check the trace
run() {
	local w0 f o0 w1 o1 rec writers
	hold_writes
	read -r w0 f o0 < <(stats)	# frozen: nothing completes meanwhile
	rm -f "$TMP/trace.json"
	"$PERFTOP" record --probes block "$@" -i 0.5 -o "$TMP/trace.json" 2>"$TMP/rec.err" &
	rec=$!
	wait_line "$TMP/trace.json" '"type":"header"' 20
	thaw_stop "$rec"
	python3 - "$TMP/trace.json" "$dev" "$((w1 - w0))" "$((o1 - o0))" "$N" "$*" <<'PY'
import json, sys
trace, dev, writes, other, n, how = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6]), sys.argv[6]
objs = [json.loads(l) for l in open(trace)]
snaps = [o for o in objs if o["type"] == "snapshot"]
end = objs[-1]
assert end["type"] == "end", "no end line"
untracked = sum(s["loss"].get("block_untracked", 0) for s in snaps)
total_end = end["loss"].get("block_untracked", 0)
dev_writes = sum(d["write_ios"] for s in snaps for d in s["block"]["devices"] if d["dev"] == dev)
print(f"{how or 'no filter'}: {dev} completed {writes} writes (diskstats), {dev_writes} in the trace; "
      f"block_untracked {untracked} (end line {total_end}); other devices' I/Os {other}")
bad = []
if writes != n:
    bad.append(f"diskstats counted {writes} writes on {dev}, want the {n} held ones")
if untracked != total_end:
    bad.append(f"snapshots sum to {untracked}, the end line says {total_end}")
if how:	# filtered: none of the held writes is counted, each is a loss
    if dev_writes:
        bad.append(f"{dev_writes} writes of an unknown issuer counted under {how}")
    if not n <= untracked <= n + other:
        bad.append(f"block_untracked {untracked}, want {n}..{n + other}")
else:	# no filter: counted on the device, nothing lost
    if dev_writes != n:
        bad.append(f"{dev_writes} writes on {dev} in the trace, want {n}")
    if untracked:
        bad.append(f"block_untracked {untracked} without a filter")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
}

# reaped: perftop attached first, so the N held writes are tracked, with
# their issuer; held past the orphan age (300 s, here 1 s by
# PERFTOP_TEST_BLOCK_ORPHAN_MS) their entries are removed, each counted as
# block_reaped (it used to be folded into map_full); thawed, they complete
# with no entry: counted on the device from the kernel's own start time,
# but in no task (the issuer went with the entry, which the loss says).
reaped() {
	local w0 o0 w1 o1
	# held 2 s: past the 1 s age, and an interval end after it
	attached_hold 2 PERFTOP_TEST_BLOCK_ORPHAN_MS=1000
	python3 - "$TMP/trace.json" "$dev" "$((w1 - w0))" "$N" <<'PY'
import json, sys
trace, dev, writes, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
objs = [json.loads(l) for l in open(trace)]
snaps = [o for o in objs if o["type"] == "snapshot"]
reaped = sum(s["loss"].get("block_reaped", 0) for s in snaps)
dev_writes = sum(d["write_ios"] for s in snaps for d in s["block"]["devices"] if d["dev"] == dev)
dd_ios = sum(t["ios"] for s in snaps for t in s["block"]["tasks"] if t["comm"] == "dd")
print(f"reaped after 1 s: {dev} completed {writes} writes (diskstats), {dev_writes} in the trace, "
      f"{dd_ios} charged to dd; block_reaped {reaped} (end line {objs[-1]['loss'].get('block_reaped')})")
bad = []
if writes != n or dev_writes != n:
    bad.append(f"writes: diskstats {writes}, trace {dev_writes}, want {n}")
if reaped != n or objs[-1]["loss"].get("block_reaped") != n:
    bad.append(f"block_reaped {reaped}, want {n}")
if dd_ios:
    bad.append(f"{dd_ios} I/Os charged to dd after their entries were reaped")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
}

# full: the request table (here 1 entry, PERFTOP_TEST_BLOCK_REQS) has no
# room.  Under -p, perftop attached first, then N writes held: at most one
# is tracked, the others find no room at their issue, each counted once as
# map_full; thawed, they complete with no entry under the filter, and were
# counted a second time as block_untracked (one request, two losses).
# Each request is at most one loss: map_full + block_untracked <= the
# requests completed meanwhile on every device (diskstats), and map_full
# >= N - 1.  On the code before, 3 + 3 against 4 + the other devices'.
full() {
	local w0 o0 w1 o1
	attached_hold 0 PERFTOP_TEST_BLOCK_REQS=1 -p "$quiet"
	python3 - "$TMP/trace.json" "$dev" "$((w1 - w0))" "$((o1 - o0))" "$N" <<'PY'
import json, sys
trace, dev, writes, other, n = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
objs = [json.loads(l) for l in open(trace)]
snaps = [o for o in objs if o["type"] == "snapshot"]
full = sum(s["loss"]["map_full"] for s in snaps)
untracked = sum(s["loss"].get("block_untracked", 0) for s in snaps)
print(f"table of 1 under -p: {dev} completed {writes} writes (diskstats), other devices {other} I/Os; "
      f"map_full {full} (end line {objs[-1]['loss']['map_full']}), block_untracked {untracked}")
bad = []
if writes != n:
    bad.append(f"diskstats counted {writes} writes on {dev}, want the {n} held ones")
if full < n - 1:
    bad.append(f"map_full {full}, want at least {n - 1} (the held writes with no room)")
if full + untracked > writes + other:
    bad.append(f"map_full {full} + block_untracked {untracked} lost more requests than "
               f"the {writes + other} completed: some counted twice")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
PY
}

run -p "$quiet"
run
reaped
full
echo "ok"
