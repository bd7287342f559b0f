# Shared by scripts/bench.sh and scripts/bench/serve.sh (sourced, never run):
# the bpftrace peers, patched at run time into a temporary directory.
# Nothing of bpftrace is kept in this repository.

# Where the shipped bpftrace tools are (Debian: /usr/sbin; elsewhere the
# share directory).
bt_tools_dir() {
	local d
	for d in /usr/share/bpftrace/tools /usr/sbin; do
		[ -f "$d/runqlat.bt" ] && echo "$d" && return 0
	done
	echo /usr/sbin
}

# runqlat.bt into $1: it includes <linux/sched.h>, which this system lacks
# (no kernel headers); TASK_RUNNING is 0.
bt_runqlat() {
	sed -e '/#include <linux\/sched.h>/d' -e 's/TASK_RUNNING/0/' \
		"$(bt_tools_dir)/runqlat.bt" >"$1"
}

# biolatency.bt into $1: it hooks kprobes (not in this kernel); the same
# on the block_rq_issue/complete tracepoints, keyed by device and sector.
bt_biolatency() {
	sed -e 's/kprobe:blk_account_io_start,/tracepoint:block:block_rq_issue/' \
		-e '/kprobe:__blk_account_io_start/d' \
		-e 's/kprobe:blk_account_io_done,/tracepoint:block:block_rq_complete/' \
		-e '/kprobe:__blk_account_io_done/d' \
		-e 's/\[arg0\]/[args->dev, args->sector]/g' \
		"$(bt_tools_dir)/biolatency.bt" >"$1"
}

# Readiness mark in each .bt file of directory $1: bpftrace runs BEGIN once
# every probe is attached, so the script waits for "bench-ready" in its
# output (put into the tool's own BEGIN where it has one: only one is
# allowed).
bt_ready_marks() {
	local f
	for f in "$1"/*.bt; do
		if grep -q '^BEGIN' "$f"; then
			awk '/^BEGIN/ { b = 1 }
			     b && /\{/ { sub(/\{/, "{ printf(\"bench-ready\\n\");"); b = 0 }
			     { print }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
		else
			printf 'BEGIN { printf("bench-ready\\n"); }\n' >>"$f"
		fi
	done
}
