// SPDX-License-Identifier: GPL-2.0
/*
 * Page-fault probe family: minor and major faults per thread per interval.
 *
 * The source is the kernel's own per-task counters, task->min_flt and
 * task->maj_flt, which mm_account_fault() bumps once per completed fault
 * (retries and failed faults excluded) and which /proc/PID/stat reports.
 * Counting events instead cannot match them: the x86 exceptions:page_fault_*
 * tracepoints fire at fault entry (no minor/major outcome; interrupted
 * faults count twice) and the perf software events PAGE_FAULTS_MIN/_MAJ are
 * not emitted for faults taken on a task's behalf by get_user_pages
 * (MAP_POPULATE, mlock, MADV_POPULATE_*, exec, O_DIRECT): measured, a
 * MAP_POPULATE loop took 3.1 million faults that neither event saw.
 * docs/faults.md has the measurements.
 *
 * So each thread's counters are read, and their growth since the last read
 * added to this interval's aggregate:
 *  - for every thread, by a task iterator that userspace runs at the end of
 *    each interval, just before it flips the epoch;
 *  - for an exiting thread, at sched_process_exit, so its last faults are
 *    not lost with it.
 * Faults cost nothing extra; the price is one iterator pass over all
 * threads per interval.
 */
#include "common.bpf.h"

/* Counters as of the last read of this thread. */
struct fault_seen {
	__u64 min_flt;
	__u64 maj_flt;
	__u32 known;	/* 0 until the first read set a baseline */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fault_seen);
} fault_seen_storage SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * PT_DEF_TASK_ENTRIES);
	__type(key, struct pt_key);
	__type(value, struct pt_fault_task_val);
} fault_tasks SEC(".maps");

/* CLOCK_MONOTONIC when perftop started (task->start_time's clock): a thread
 * born after it has faulted only inside the window, so counts from 0. */
const volatile __u64 start_ns = 0;
const struct pt_fault_task_val zero_fault_val = {};

/* The counters' growth on first sight of a thread: all of it for a thread
 * born after start, none for an older one (that is its baseline). */
static __always_inline void first_sight(struct task_struct *t,
					struct fault_seen *seen)
{
	seen->known = 1;
	if (BPF_CORE_READ(t, start_time) >= start_ns)
		return;	/* stays 0: every fault of this thread counts */
	seen->min_flt = BPF_CORE_READ(t, min_flt);
	seen->maj_flt = BPF_CORE_READ(t, maj_flt);
}

/* Add thread t's faults since its last read to this interval. */
static __always_inline void flush_task(struct task_struct *t)
{
	struct pt_fault_task_val *v;
	struct fault_seen *seen;
	__u64 min_flt, maj_flt;
	bool created;
	__u32 pid;

	if (!pt_task_wanted(t))
		return;
	seen = bpf_task_storage_get(&fault_seen_storage, t, NULL,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!seen) {
		pt_count_loss(PT_LOSS_STORAGE);
		return;
	}
	if (!seen->known)
		first_sight(t, seen);
	min_flt = BPF_CORE_READ(t, min_flt);
	maj_flt = BPF_CORE_READ(t, maj_flt);
	if (min_flt == seen->min_flt && maj_flt == seen->maj_flt)
		return;
	pid = BPF_CORE_READ(t, pid);
	v = pt_agg_entry(&fault_tasks, pid, &zero_fault_val, &created);
	if (!v)
		return;	/* counted as map_full; the baseline stays, so these
			 * faults are reported with the next interval */
	if (created) {
		v->tgid = BPF_CORE_READ(t, tgid);
		v->cgroup_id = pt_task_cgroup_id(t);
		BPF_CORE_READ_STR_INTO(&v->comm, t, comm);
	}
	v->minor += min_flt - seen->min_flt;
	v->major += maj_flt - seen->maj_flt;
	seen->min_flt = min_flt;
	seen->maj_flt = maj_flt;
}

#define PF_EXITING 0x00000004	/* include/linux/sched.h, stable since 2.6 */

/* A thread already exiting belongs to the exit hook: reading it here too
 * could add the same growth twice if both ran at the same moment. */
SEC("iter/task")
int fault_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;

	if (t && !(BPF_CORE_READ(t, flags) & PF_EXITING))
		flush_task(t);
	return 0;
}

/* The exiting thread is current; its BTF pointer serves both variants. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tpbtf_fault_exit, struct task_struct *p)
{
	flush_task(bpf_get_current_task_btf());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(rawtp_fault_exit, struct task_struct *p)
{
	flush_task(bpf_get_current_task_btf());
	return 0;
}
