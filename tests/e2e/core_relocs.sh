#!/bin/bash
# Every CO-RE relocation of every BPF object resolves against the BTF of
# each kernel perftop is tested on (this machine's, and tests/kernels.txt's
# Debian kernels, whose BTF is taken out of the kernel packages: no boot),
# with libbpf's btf_custom_path (tests/tools/corecheck.c):
#  - a relocation whose type has no candidate in vmlinux BTF fails: on a
#    real kernel libbpf would then search module BTF, which needs
#    CAP_SYS_ADMIN (README promises CAP_BPF + CAP_PERFMON);
#  - a relocation libbpf cannot match poisons its instruction; that is
#    allowed only on a flavour type (struct x___pre514: a fallback for
#    other kernels), or on a type the same program tests the shape of
#    (a bpf_core_field_exists() / type_exists / type_matches relocation, or
#    a bpf_core_field_size() that resolved, on it or a flavour of it: the
#    read sits behind that guard), never on a
#    type the program reads unguarded.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
out=$(dirname "$PERFTOP")
corecheck=$out/tools/corecheck
[ -x "$corecheck" ] || fail "no $corecheck: make test builds it"
btfs=("host:/sys/kernel/btf/vmlinux")
for k in $(grep -v '^#' "$(dirname "$0")/../kernels.txt"); do
	b=$("$(dirname "$0")/../../scripts/vm/kernel.sh" btf "$k") ||
		skip "cannot get kernel $k's BTF from Debian's archive"
	btfs+=("$k:$b")
done
rc=0
for o in "$out"/bpf/*.bpf.o; do
	for kb in "${btfs[@]}"; do
		log=$TMP/$(basename "$o").${kb%%:*}.log
		"$corecheck" "$o" "${kb#*:}" >"$log" 2>&1
		python3 - "$log" "$(basename "$o")" "${kb%%:*} ($(basename "$(dirname "${kb#*:}")"))" <<'PY' || rc=1
import re, sys
log, obj, kernel = sys.argv[1:4]
have_cand = set()          # local type ids with a candidate in vmlinux
relos = {}                 # (prog, n) -> {"spec", "tid", "poisoned", "patched"}
errors = []
for line in open(log):
    line = line.rstrip("\n")
    m = re.search(r"CO-RE relocating \[(\d+)\] .*: found target candidate", line)
    if m:
        have_cand.add(m.group(1))
        continue
    m = re.search(r"prog '([^']+)': relo #(\d+): (.*)", line)
    if not m:
        if re.search(r"failed to relocate|candidate search failed|failed to resolve CO-RE", line):
            errors.append(line)
        continue
    key, rest = (m.group(1), int(m.group(2))), m.group(3)
    r = relos.setdefault(key, {"spec": None, "poisoned": False, "patched": False})
    s = re.match(r"<(\w+)> \[(\d+)\] (.*)", rest)
    if s and r["spec"] is None:
        r["kind"], r["tid"], r["spec"] = s.group(1), s.group(2), s.group(3)
    elif "substituting insn" in rest:
        r["poisoned"] = True
    elif rest.startswith("patched insn"):
        r["patched"] = True
    elif re.search(r"failed|unexpected insn", rest):
        errors.append(line)
bad = list(errors)
fallbacks = set()
def essential(spec):	# "struct cfs_rq___x.f (0:1 ...)" -> "cfs_rq"
    return spec.split()[1].split(".")[0].split("::")[0].split("___")[0]
# Shape tests: existence, type matching, or a field size that resolved
# (bpf_core_field_size() branches, as the rss_stat shim in compat.bpf.h).
guarded = {(prog, essential(r["spec"])) for (prog, _), r in relos.items()
           if r["spec"] and (r.get("kind") in ("field_exists", "type_exists",
                                               "type_matches", "enumval_exists")
                             or (r.get("kind") == "byte_sz" and not r["poisoned"]))}
for (prog, n), r in sorted(relos.items()):
    if r["spec"] is None:
        continue
    where = f"{prog} relo #{n} <{r['kind']}> {r['spec']}"
    if r["tid"] not in have_cand:
        bad.append(f"{where}: no such type in vmlinux BTF (libbpf would search module BTF: CAP_SYS_ADMIN)")
    elif r["poisoned"]:
        if "___" in r["spec"].split()[1] or (prog, essential(r["spec"])) in guarded:
            fallbacks.add(r["spec"].split()[1].split(" ")[0])
        else:
            bad.append(f"{where}: does not resolve, and nothing in {prog} tests for it")
n = sum(1 for r in relos.values() if r["spec"])
print(f"{obj} on {kernel}: {n} CO-RE relocations, {len(bad)} bad; "
      f"fallbacks not taken here: {', '.join(sorted(fallbacks)) or 'none'}")
for b in bad[:20]:
    print("  FAIL", b)
# the kernel's relocations seen, summed per kernel below: an object may
# have none (jvm.bpf.o reads no kernel type), all of them none means the
# log was not understood
with open(f"{log}.n", "w") as f:
    f.write(str(n))
sys.exit(1 if bad else 0)
PY
	done
done
for kb in "${btfs[@]}"; do
	total=$(cat "$TMP"/*."${kb%%:*}".log.n | awk '{ s += $1 } END { print s + 0 }')
	if [ "$total" -eq 0 ]; then
		echo "FAIL ${kb%%:*}: no CO-RE relocation seen in any object: libbpf's log format changed?"
		rc=1
	fi
done
exit $rc
