#!/bin/bash
# Valgrind memcheck on a short live record and on every way of reading a
# trace back (report, report --json, replay's batch view).
# Reading: full memcheck, any error or leak fails.
# Recording: invalid accesses and leaks fail; uninitialised-value checks
# are off because valgrind cannot see what the kernel writes into buffers
# for the BPF commands it does not model (it warns "unhandled eBPF command"
# for batch lookups and link creation), so every drained value would look
# uninitialised.  ASan/UBSan and the fuzzers cover that ground instead.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd valgrind

bin=$PERFTOP
if ldd "$bin" | grep -q libasan; then
	# valgrind cannot run an ASan binary: use the plain build next to it
	bin=$(dirname "$(dirname "$bin")")/build/perftop
	[ -x "$bin" ] && ! ldd "$bin" | grep -q libasan ||
		skip "PERFTOP is ASan-built and there is no plain build/perftop to run under valgrind"
fi
vg=(valgrind -q --error-exitcode=99 --leak-check=full
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect)

rc=0
"${vg[@]}" --undef-value-errors=no "$bin" record -i 0.5 -d 1.5 \
	-o "$TMP/t.json.gz" 2>"$TMP/rec.log" || rc=$?
grep -v "unhandled eBPF command" "$TMP/rec.log" >&2 || true
[ "$rc" -eq 0 ] || fail "record under valgrind exited $rc"
zcat "$TMP/t.json.gz" | tail -1 | grep -q '"type":"end"' || fail "no end line"

for args in "report" "report --json" "replay"; do
	rc=0
	"${vg[@]}" --errors-for-leak-kinds=all --show-leak-kinds=all \
		"$bin" $args "$TMP/t.json.gz" </dev/null >/dev/null 2>"$TMP/read.log" || rc=$?
	[ "$rc" -ne 99 ] || { cat "$TMP/read.log"; fail "$args: valgrind errors"; }
	[ "$rc" -le 2 ] || { cat "$TMP/read.log"; fail "$args exited $rc"; }
	echo "$args: memcheck clean (exit $rc)"
done
echo "valgrind clean"
