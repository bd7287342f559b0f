#!/bin/bash
# doctor says, per family, the hooks it really attached and those this
# kernel lacks, with what that costs.  Checked against tracefs's own list
# of tracepoints (an independent source: perftop decides from BTF):
#  - every attached hook is a tracepoint this kernel has (or a BPF iterator);
#  - each optional hook (block_io_start 6.5+, sock_send_length and
#    sock_recv_length 6.3+) is attached where tracefs has it, and listed as
#    lacking, with its cost, where it does not (the tcp ones with
#    --tcp-owner thread, which attaches them);
#  - by default (--tcp-owner process) the tcp family attaches none of its
#    per-segment and per-call hooks (tcp_probe, sock_send_length,
#    sock_recv_length, tcp_rcv_space_adjust), and tcp_probe with
#    --tcp-owner thread;
#  - every family runs in the mode PERFTOP_ATTACH asks for (CI's raw_tp
#    pass), tp_btf otherwise.
. "$(dirname "$0")/../lib.sh"
need_root
tfs=/sys/kernel/tracing
if [ ! -e "$tfs/available_events" ]; then
	mount -t tracefs nodev "$tfs" || skip "cannot mount tracefs"
	on_exit "umount $tfs"
fi
"$PERFTOP" doctor >"$TMP/doc0" 2>&1 || fail "doctor failed: $(cat "$TMP/doc0")"
cat "$TMP/doc0"
tcp0=$(grep -E "^  tcp +" "$TMP/doc0") || fail "no line for tcp"
for h in tcp_probe sock_send_length sock_recv_length tcp_rcv_space_adjust; do
	! grep -qE " ok: .*\b$h\b" <<<"$tcp0" || fail "the default (--tcp-owner process) attaches $h"
done
"$PERFTOP" doctor --tcp-owner thread >"$TMP/doc" 2>&1 ||
	fail "doctor --tcp-owner thread failed: $(cat "$TMP/doc")"
echo "--tcp-owner thread:"
cat "$TMP/doc"
grep -qE "^  tcp +.* ok: .*\btcp_probe\b" "$TMP/doc" ||
	fail "--tcp-owner thread does not attach tcp_probe"
want=${PERFTOP_ATTACH:-tp_btf}
has_tp() { grep -q ":$1\$" "$tfs/available_events"; }
for fam in sched fault block tcp; do
	line=$(grep -E "^  $fam +" "$TMP/doc") || fail "no line for $fam"
	mode=$(awk '{print $2}' <<<"$line")
	[ "$mode" = "$want" ] || fail "$fam attached as $mode, want $want"
	hooks=$(sed -E 's/^.* ok: ([^;]*);.*/\1/' <<<"$line" | tr -d ',')
	for h in $hooks; do
		[[ "$h" == iter/* ]] || has_tp "$h" || fail "$fam lists $h, which tracefs does not have"
	done
done
for h in block_io_start sock_send_length sock_recv_length; do
	if has_tp "$h"; then
		grep -qE " ok: .*\b$h\b" "$TMP/doc" || fail "$h exists here but is not attached"
		! grep -q "lacks $h" "$TMP/doc" || fail "$h exists here but is listed as lacking"
	else
		[ "$(grep -cE "lacks $h \([0-9.]+\+\): .{20,}" "$TMP/doc")" -eq 1 ] ||
			fail "this kernel has no $h, and doctor does not say once what that costs"
	fi
done
echo "doctor's hooks agree with tracefs ($(uname -r), $want)"
