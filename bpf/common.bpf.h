/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every probe family shares: filters set by the loader before load,
 * the epoch of the per-interval double buffer, and the loss counters.
 * Each family's object gets its own copy; the loader configures each one.
 */
#ifndef PT_COMMON_BPF_H
#define PT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "compat.bpf.h"
#include "perftop.h"

char LICENSE[] SEC("license") = "GPL";

/* Filters: read-only after load, so the verifier prunes dead branches. */
const volatile bool filter_tgid_on = false;
const volatile __u64 filter_cgroup_id = 0;
const volatile __u32 filter_cgroup_level = 0;

/* Which half of each aggregation map the programs write; userspace flips
 * it at the end of every interval and drains the other half. */
__u32 epoch = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PT_MAX_PID_FILTER);
	__type(key, __u32);
	__type(value, __u8);
} filter_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_LOSS_NR);
	__type(key, __u32);
	__type(value, __u64);
} loss SEC(".maps");

static __always_inline void pt_count_loss(__u32 kind)
{
	__u64 *n = bpf_map_lookup_elem(&loss, &kind);

	if (n)
		(*n)++;	/* per-CPU slot: no atomics needed */
}

/* Does the -p / -c filter let this task through? */
static __always_inline bool pt_task_wanted(struct task_struct *t)
{
	if (filter_tgid_on) {
		__u32 tgid = BPF_CORE_READ(t, tgid);

		if (!bpf_map_lookup_elem(&filter_tgids, &tgid))
			return false;
	}
	if (filter_cgroup_id &&
	    !pt_task_in_cgroup(t, filter_cgroup_id, filter_cgroup_level))
		return false;
	return true;
}

static __always_inline __u32 pt_epoch(void)
{
	return *(volatile __u32 *)&epoch;
}

/*
 * Find or create this interval's entry for `id` in an aggregation map.
 * `zero` is an all-zero value of the map's value type (a global, because
 * values can exceed the 512-byte BPF stack).  *created tells the caller to
 * fill in identity fields.  A full map is counted, never silent.
 */
static __always_inline void *pt_agg_entry(void *map, __u32 id,
					  const void *zero, bool *created)
{
	struct pt_key key = { .id = id, .epoch = pt_epoch() };
	void *val = bpf_map_lookup_elem(map, &key);

	*created = false;
	if (val)
		return val;
	if (bpf_map_update_elem(map, &key, zero, BPF_NOEXIST) == 0)
		*created = true;
	val = bpf_map_lookup_elem(map, &key);
	if (!val)
		pt_count_loss(PT_LOSS_MAP_FULL);
	return val;
}

/*
 * Each hook is built twice: as tp_btf (BTF-typed arguments, cheapest, and
 * task pointers usable with task-local storage) and as raw_tp (for kernels
 * whose BTF lacks the tracepoint).  The loader keeps exactly one program of
 * each pair, by section prefix; the body is a shared inline function taking
 * `btf` as a constant so each copy compiles to only its own path.
 */

#endif /* PT_COMMON_BPF_H */
