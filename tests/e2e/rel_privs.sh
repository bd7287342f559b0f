#!/bin/bash
# Without privileges: one clear line naming root or CAP_BPF + CAP_PERFMON,
# exit 1 (scan: 3, UNKNOWN), no output file; doctor explains it per family.
# With exactly CAP_BPF + CAP_PERFMON as an ordinary user, recording works.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd setpriv
chmod 711 "$TMP"
mkdir -m 777 "$TMP/w"
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

priv_msg() {
	grep -q "root" "$TMP/err" && grep -q "CAP_BPF" "$TMP/err" &&
		grep -q "CAP_PERFMON" "$TMP/err" ||
		fail "error does not name root and CAP_BPF+CAP_PERFMON: $(cat "$TMP/err")"
}
expect_error 1 "${nobody[@]}" "$PERFTOP" record -d 1 -o "$TMP/w/t.json"; priv_msg
[ ! -e "$TMP/w/t.json" ] || fail "unprivileged record left $TMP/w/t.json"
expect_error 1 "${nobody[@]}" "$PERFTOP" record -d 1 --probes tcp; priv_msg
expect_error 1 "${nobody[@]}" "$PERFTOP" top -b -n 1; priv_msg
expect_error 3 "${nobody[@]}" "$PERFTOP" scan -d 1; priv_msg
expect_error 3 "${nobody[@]}" "$PERFTOP" scan -d 1 --json; priv_msg
# Only one of the two capabilities is not enough, and says so.
expect_error 1 "${nobody[@]}" --inh-caps=+bpf --ambient-caps=+bpf \
	"$PERFTOP" record -d 1; priv_msg

rc=0
"${nobody[@]}" "$PERFTOP" doctor >"$TMP/doc" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "unprivileged doctor exited $rc, want 1"
for fam in sched fault block tcp; do
	grep -E "^ +$fam .*insufficient privileges.*CAP_BPF" "$TMP/doc" >/dev/null ||
		fail "doctor does not explain $fam: $(cat "$TMP/doc")"
done
grep -q "privileges  insufficient" "$TMP/doc" || fail "doctor has no privileges line"

# CAP_BPF + CAP_PERFMON, no root: every family records, file owned by the user.
"${nobody[@]}" --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
	"$PERFTOP" record -i 0.3 -d 0.6 -o "$TMP/w/cap.json" 2>"$TMP/caperr" ||
	fail "record with CAP_BPF+CAP_PERFMON failed: $(cat "$TMP/caperr")"
[ "$(stat -c %U:%a "$TMP/w/cap.json")" = nobody:600 ] || fail "cap trace owner/mode: $(stat -c %U:%a "$TMP/w/cap.json")"
python3 - "$TMP/w/cap.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
probes = lines[0]["probes"]
bad = {f: p for f, p in probes.items() if not p["ok"]}
assert not bad, f"families failed with CAP_BPF+CAP_PERFMON: {bad}"
assert lines[-1]["type"] == "end", lines[-1]["type"]
print("capabilities suffice:", {f: p["attach"] for f, p in probes.items()})
PY
