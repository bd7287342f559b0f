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
#include "cgroup.bpf.h"
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

/*
 * tp_btf arguments are BTF pointers the verifier lets us load from directly
 * (a plain load guarded by an exception-table entry); raw_tp ones need one
 * bpf_probe_read_kernel() call per field.  On the hottest hooks (context
 * switches, per-call and per-segment TCP hooks) that difference matters, so
 * their fields go through this.
 */
#define PT_BTF_READ(btf, p, field) \
	((btf) ? (p)->field : BPF_CORE_READ(p, field))

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
 * Interval handover without a fixed wait (issue #14).  A program that
 * writes into a per-interval map takes the epoch with pt_epoch_enter(),
 * which counts it in flight on its CPU for that epoch, and says
 * pt_epoch_exit() after its last write.  Userspace flips `epoch`, then waits
 * until no program is in flight on the old epoch on any CPU before it
 * drains (pt_epoch_settle() in loader.c).  The count goes up before the
 * epoch is read again: a program that took the old epoch either is seen
 * in flight, or sees the new epoch and moves over (a full barrier on both
 * sides: the atomic add here, a fence after the flip there).  One cache
 * line per CPU: no sharing on the hot path.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);		/* the loader sets nr_cpus */
	__type(key, __u32);
	__type(value, struct pt_inflight);
} inflight SEC(".maps");

static __always_inline __u64 *pt_inflight_slot(__u32 e)
{
	__u32 cpu = bpf_get_smp_processor_id();
	struct pt_inflight *f = bpf_map_lookup_elem(&inflight, &cpu);

	return f ? &f->n[e & 1] : NULL;
}

static __always_inline __u32 pt_epoch_enter(void)
{
	__u32 e = pt_epoch() & 1;
	__u64 *n = pt_inflight_slot(e);

	if (!n)
		return e;
	/* fetch variants: full barriers on every architecture */
	__sync_fetch_and_add(n, 1);
	if ((pt_epoch() & 1) == e)
		return e;
	/* flipped meanwhile: take the new one (flips are an interval apart,
	 * so a second check cannot fail) */
	__sync_fetch_and_sub(n, 1);
	e ^= 1;
	n = pt_inflight_slot(e);
	if (n)
		__sync_fetch_and_add(n, 1);
	return e;
}

static __always_inline void pt_epoch_exit(__u32 e)
{
	__u64 *n = pt_inflight_slot(e);

	if (n)
		__sync_fetch_and_sub(n, 1);
}

/* Test hook (tests/e2e/handover_stress.sh): spin this long between taking
 * the epoch and writing, to make a late writer certain. */
const volatile __u64 test_delay_ns = 0;

static __attribute__((unused)) long pt_spin_cb(__u64 i, void *end)
{
	return bpf_ktime_get_ns() >= *(__u64 *)end;
}

static __always_inline void pt_test_delay(void)
{
	__u64 end;

	if (!test_delay_ns)
		return;
	end = bpf_ktime_get_ns() + test_delay_ns;
	bpf_loop(1 << 20, pt_spin_cb, &end, 0);
}

/*
 * Find or create the entry for `id` in an aggregation map, in the half of
 * `epoch` (from pt_epoch_enter()).
 * `zero` is an all-zero value of the map's value type (a global, because
 * values can exceed the 512-byte BPF stack).  *created tells the caller to
 * fill in identity fields.  A full map is counted, never silent.
 */
static __always_inline void *pt_agg_entry(void *map, __u32 id, __u32 epoch,
					  const void *zero, bool *created)
{
	struct pt_key key = { .id = id, .epoch = epoch };
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
