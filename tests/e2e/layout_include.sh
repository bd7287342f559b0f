#!/bin/bash
# Only user/collection/ may include libbpf or a BPF skeleton (docs/design.md,
# "Layout"): the build enforces it with per-folder include paths and a
# poisoned copy of every libbpf header ahead of the system's.  This compiles
# a one-line file in every folder of user/ (and at its top, main.c's place),
# once per libbpf header and per skeleton, with exactly the flags the
# Makefile gives that folder (make print-flags), and checks that it fails
# everywhere but collection/, and compiles in collection/ (so the probe
# itself is sound and a failure elsewhere is the rule, not a typo).
# Independent reference: the compiler's own verdict on real include lines.
source "$(dirname "$0")/../lib.sh"
need_cmd make cc
root=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-build}
cd "$root"

headers=()
for h in /usr/include/bpf/*.h; do headers+=("<bpf/$(basename "$h")>"); done
[ ${#headers[@]} -gt 0 ] || skip "no libbpf headers in /usr/include/bpf (scripts/install-deps.sh)"
skels=()
for s in "$OUT"/skel/*.skel.h; do [ -e "$s" ] && skels+=("\"$(basename "$s")\""); done
[ ${#skels[@]} -gt 0 ] || skip "no skeletons in $OUT/skel: run make all first"

folders=$(find user -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
checked=0
for dir in $folders .; do
	file=user/$dir/layout_probe.c
	flags=$(make -s --no-print-directory OUT="$OUT" print-flags FILE="$file") ||
		fail "make print-flags failed for $file"
	flags=${flags//-MMD/}	# no dependency files from the probes
	flags=${flags//-MP/}
	for inc in "${headers[@]}" "${skels[@]}"; do
		# a skeleton needs the records it embeds (as loader.c includes it)
		case $inc in
		\"*) printf '#include "perftop.h"\n#include %s\nint layout_probe;\n' \
			"$inc" >"$TMP/probe.c" ;;
		*) printf '#include %s\nint layout_probe;\n' "$inc" >"$TMP/probe.c" ;;
		esac
		# -iquote: "sched.skel.h" is looked up as if the file were in $dir
		# shellcheck disable=SC2086
		if cc $flags -iquote "user/$dir" -fsyntax-only "$TMP/probe.c" \
			>"$TMP/err" 2>&1; then
			[ "$dir" = collection ] ||
				fail "user/$dir can include $inc: only user/collection/ may"
		else
			# BPF-side headers (bpf_helpers.h, ...) do not compile in
			# userspace anyway: collection/ must manage the rest
			case $dir:$inc in
			collection:\<bpf/libbpf.h\> | collection:\<bpf/bpf.h\> | \
			collection:\<bpf/btf.h\> | collection:\"*)
				fail "user/collection cannot include $inc: $(head -3 "$TMP/err")" ;;
			collection:*) checked=$((checked + 1)); continue ;;
			esac
			case $inc in
			\<bpf/*) grep -q 'libbpf is for user/collection/ only' "$TMP/err" ||
				fail "user/$dir: $inc failed for another reason: $(head -3 "$TMP/err")" ;;
			esac
		fi
		checked=$((checked + 1))
	done
done
echo "ok: $checked include lines checked in $(echo $folders | wc -w) folders and user/"
