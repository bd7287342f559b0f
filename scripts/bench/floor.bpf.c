// SPDX-License-Identifier: GPL-2.0
/*
 * The overhead floor for scripts/bench.sh: programs that do nothing, which
 * scripts/bench/floor.c attaches to the same hooks a perftop family uses.
 * What perftop costs above this is what its own code costs.
 *
 * Not part of perftop (the bpf/ sources are embedded into the binary): built by
 * scripts/bench.sh into $OUT/bench/.  The programs carry no attach target;
 * the loader assigns one per hook given on its command line.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(sec, name) \
	SEC(sec) int name(void *ctx) { return 0; }

/* BTF-typed tracepoints (what perftop uses when the kernel allows). */
EMPTY("tp_btf", btf0) EMPTY("tp_btf", btf1) EMPTY("tp_btf", btf2)
EMPTY("tp_btf", btf3) EMPTY("tp_btf", btf4) EMPTY("tp_btf", btf5)
EMPTY("tp_btf", btf6) EMPTY("tp_btf", btf7) EMPTY("tp_btf", btf8)
EMPTY("tp_btf", btf9) EMPTY("tp_btf", btf10) EMPTY("tp_btf", btf11)

/* Classic tracepoints (what bpftrace's tracepoint: probes use). */
EMPTY("tracepoint", tp0) EMPTY("tracepoint", tp1) EMPTY("tracepoint", tp2)
EMPTY("tracepoint", tp3) EMPTY("tracepoint", tp4) EMPTY("tracepoint", tp5)
EMPTY("tracepoint", tp6) EMPTY("tracepoint", tp7)

/* Software perf events (page faults). */
EMPTY("perf_event", perf0)
