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
 *
 * Each thread's last read lives in task-local storage, which tracing
 * programs (the iterator) may use since 5.13 (commit a10787e6d58c).  The
 * raw_tp build, which the loader falls back to when tp_btf does not load,
 * keeps it in a hash keyed by thread id instead, removed at the thread's
 * exit: CI's PERFTOP_ATTACH=raw_tp pass tests that path.
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

/* Without task storage: one entry per live thread perftop has read. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4 * PT_DEF_TASK_ENTRIES);
	__type(key, __u32);
	__type(value, struct fault_seen);
} fault_seen_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * PT_DEF_TASK_ENTRIES);
	__type(key, struct pt_key);
	__type(value, struct pt_fault_task_val);
} fault_tasks SEC(".maps");

/* Set by the loader: task storage (tp_btf) or fault_seen_hash (raw_tp);
 * the map not used is not created. */
const volatile bool use_task_storage = true;

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

static __always_inline struct fault_seen *seen_of(struct task_struct *t)
{
	struct fault_seen *seen, zero = {};
	__u32 tid;

	if (use_task_storage)
		return bpf_task_storage_get(&fault_seen_storage, t, NULL,
					    BPF_LOCAL_STORAGE_GET_F_CREATE);
	tid = BPF_CORE_READ(t, pid);
	seen = bpf_map_lookup_elem(&fault_seen_hash, &tid);
	if (seen)
		return seen;
	bpf_map_update_elem(&fault_seen_hash, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&fault_seen_hash, &tid);
}

/* Move one baseline from `old` to `now`; true when this caller did it.
 * The iterator and the exit hook can read an exiting thread at the same
 * moment: only the one that moves the baseline adds the growth. */
static __always_inline bool advance(__u64 *seen, __u64 old, __u64 now)
{
	return old == now || __sync_val_compare_and_swap(seen, old, now) == old;
}

/* Add thread t's faults since its last read to the interval of `epoch`. */
static __always_inline void flush_task(struct task_struct *t, __u32 epoch)
{
	struct pt_fault_task_val *v;
	struct fault_seen *seen;
	__u64 min_flt, maj_flt, min_old, maj_old;
	bool created;
	__u32 pid;

	if (!pt_task_wanted(t))
		return;
	seen = seen_of(t);
	if (!seen) {
		pt_count_loss(PT_LOSS_STORAGE);
		return;
	}
	if (!seen->known)
		first_sight(t, seen);
	min_old = seen->min_flt;
	maj_old = seen->maj_flt;
	min_flt = BPF_CORE_READ(t, min_flt);
	maj_flt = BPF_CORE_READ(t, maj_flt);
	if (min_flt == min_old && maj_flt == maj_old)
		return;
	pid = BPF_CORE_READ(t, pid);
	v = pt_agg_entry(&fault_tasks, pid, epoch, &zero_fault_val, &created);
	if (!v)
		return;	/* counted as map_full; the baseline stays, so these
			 * faults are reported with the next interval */
	if (created) {
		v->tgid = BPF_CORE_READ(t, tgid);
		v->cgroup_id = pt_task_cgroup_id(t);
		BPF_CORE_READ_STR_INTO(&v->comm, t, comm);
	}
	if (advance(&seen->min_flt, min_old, min_flt))
		__sync_fetch_and_add(&v->minor, min_flt - min_old);
	if (advance(&seen->maj_flt, maj_old, maj_flt))
		__sync_fetch_and_add(&v->major, maj_flt - maj_old);
}

#define PF_EXITING 0x00000004	/* include/linux/sched.h, stable since 2.6 */

/* A thread already exiting belongs to the exit hook: reading it here too
 * could add the same growth twice if both ran at the same moment. */
SEC("iter/task")
int fault_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;

	/* runs before userspace flips the epoch, from its own thread */
	if (t && !(BPF_CORE_READ(t, flags) & PF_EXITING))
		flush_task(t, pt_epoch());
	return 0;
}

/* The exiting thread is current; its BTF pointer serves both variants.
 * It runs at any moment: counted in flight on its epoch (common.bpf.h). */
static __always_inline void on_exit(struct task_struct *t)
{
	__u32 e = pt_epoch_enter();

	pt_test_delay();
	flush_task(t, e);
	pt_epoch_exit(e);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tpbtf_fault_exit, struct task_struct *p)
{
	on_exit(bpf_get_current_task_btf());
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(rawtp_fault_exit, struct task_struct *p)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 tid = BPF_CORE_READ(t, pid);

	on_exit(t);
	if (!use_task_storage)	/* the thread's storage goes with it */
		bpf_map_delete_elem(&fault_seen_hash, &tid);
	return 0;
}
