// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler probe family: per-thread and per-CPU run-queue wait and on-CPU
 * time, aggregated in-kernel per interval.
 *
 * A thread starts waiting when it is woken (sched_wakeup, sched_wakeup_new)
 * or preempted while still runnable (sched_switch with prev runnable), and
 * stops when it is switched in.  This is the interval the kernel's own
 * schedstat run_delay (/proc/PID/task/TID/schedstat, field 2) measures.
 *
 * Per-event ring-buffer records would cost one reserve/submit per context
 * switch; at ~300k switches/s that was measured as the dominant cost, so
 * this family aggregates in place (docs/design.md has the numbers).
 */
#include "common.bpf.h"
#include "pt_hist.h"

#define TASK_RUNNING 0

/* Timestamps per task.  With BTF the kernel frees them with the task. */
struct task_ts {
	__u64 enqueued;	/* became runnable, 0 when not waiting */
	__u64 oncpu;	/* switched in, 0 when not running */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ts);
} task_ts_storage SEC(".maps");

/* raw_tp fallback has no BTF task pointer: key by thread id instead.
 * The loader shrinks this to one entry when tp_btf is used. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct task_ts);
} task_ts_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * PT_DEF_TASK_ENTRIES);
	__type(key, struct pt_key);
	__type(value, struct pt_sched_task_val);
} sched_tasks SEC(".maps");

/* Indexed epoch * nr_cpus + cpu; the loader sizes it to 2 * nr_cpus. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct pt_sched_cpu_val);
} sched_cpus SEC(".maps");

const volatile __u32 nr_cpus = 1;
const struct pt_sched_task_val zero_task_val = {};

static __always_inline struct task_ts *get_ts(struct task_struct *t, bool btf,
					      bool create)
{
	struct task_ts *ts;
	__u32 pid;

	if (btf) {
		ts = bpf_task_storage_get(&task_ts_storage, t, NULL, create ?
					  BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
		if (!ts && create)
			pt_count_loss(PT_LOSS_STORAGE);
		return ts;
	}
	pid = BPF_CORE_READ(t, pid);
	ts = bpf_map_lookup_elem(&task_ts_hash, &pid);
	if (ts || !create)
		return ts;
	{
		struct task_ts zero = {};

		if (bpf_map_update_elem(&task_ts_hash, &pid, &zero, BPF_NOEXIST))
			pt_count_loss(PT_LOSS_MAP_FULL);
	}
	return bpf_map_lookup_elem(&task_ts_hash, &pid);
}

static __always_inline struct pt_sched_task_val *task_val(struct task_struct *t,
							   __u32 pid)
{
	struct pt_sched_task_val *v;
	bool created;

	v = pt_agg_entry(&sched_tasks, pid, &zero_task_val, &created);
	if (v && created) {
		v->tgid = BPF_CORE_READ(t, tgid);
		v->cgroup_id = pt_task_cgroup_id(t);
		BPF_CORE_READ_STR_INTO(&v->comm, t, comm);
	}
	return v;
}

static __always_inline struct pt_sched_cpu_val *cpu_val(void)
{
	__u32 idx = bpf_get_smp_processor_id() + pt_epoch() * nr_cpus;

	return bpf_map_lookup_elem(&sched_cpus, &idx);
}

static __always_inline int on_wakeup(struct task_struct *p, bool btf)
{
	struct task_ts *ts;

	if (!pt_task_wanted(p))
		return 0;
	ts = get_ts(p, btf, true);
	if (ts && !ts->enqueued)
		ts->enqueued = bpf_ktime_get_ns();
	return 0;
}

static __always_inline void account_out(struct task_struct *prev, __u64 now,
					bool btf, struct pt_sched_cpu_val *cv)
{
	__u32 pid = BPF_CORE_READ(prev, pid);
	struct pt_sched_task_val *v;
	struct task_ts *ts;
	__u64 ran;

	if (!pid || !pt_task_wanted(prev))
		return;	/* idle task, or filtered out */
	ts = get_ts(prev, btf, true);
	if (!ts)
		return;
	if (ts->oncpu) {
		ran = now - ts->oncpu;
		ts->oncpu = 0;
		v = task_val(prev, pid);
		if (v)
			v->oncpu_ns += ran;
		if (cv)
			cv->oncpu_ns += ran;
	}
	/* Preempted while runnable: it waits on a run queue from now on. */
	if (pt_task_state(prev) == TASK_RUNNING)
		ts->enqueued = now;
}

static __always_inline void account_in(struct task_struct *next, __u64 now,
				       bool btf, struct pt_sched_cpu_val *cv)
{
	__u32 pid = BPF_CORE_READ(next, pid);
	struct pt_sched_task_val *v;
	struct task_ts *ts;
	__u64 wait;
	__u32 b;

	if (!pid || !pt_task_wanted(next))
		return;
	ts = get_ts(next, btf, true);
	if (!ts)
		return;
	ts->oncpu = now;
	if (!ts->enqueued)
		return;	/* woke before perftop started: wait unknown */
	wait = now - ts->enqueued;
	ts->enqueued = 0;
	b = pt_hist_bucket(wait) & 0x1ff;
	v = task_val(next, pid);
	if (v) {
		v->runq_wait_ns += wait;
		v->runq_count++;
		if (wait > v->runq_max_ns)
			v->runq_max_ns = wait;
		if (b < PT_HIST_BUCKETS)
			v->hist[b]++;
	}
	if (cv) {
		cv->runq_wait_ns += wait;
		cv->runq_count++;
		if (wait > cv->runq_max_ns)
			cv->runq_max_ns = wait;
		if (b < PT_HIST_BUCKETS)
			cv->hist[b]++;
	}
}

static __always_inline int on_switch(struct task_struct *prev,
				     struct task_struct *next, bool btf)
{
	struct pt_sched_cpu_val *cv = cpu_val();
	__u64 now = bpf_ktime_get_ns();

	account_out(prev, now, btf, cv);
	account_in(next, now, btf, cv);
	return 0;
}

/* Forget the fallback map's entry so exited threads do not fill it. */
static __always_inline int on_exit(struct task_struct *p, bool btf)
{
	__u32 pid;

	if (btf)
		return 0;	/* task storage dies with the task */
	pid = BPF_CORE_READ(p, pid);
	bpf_map_delete_elem(&task_ts_hash, &pid);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(tpbtf_sched_wakeup, struct task_struct *p)
{ return on_wakeup(p, true); }
SEC("raw_tp/sched_wakeup")
int BPF_PROG(rawtp_sched_wakeup, struct task_struct *p)
{ return on_wakeup(p, false); }

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(tpbtf_sched_wakeup_new, struct task_struct *p)
{ return on_wakeup(p, true); }
SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(rawtp_sched_wakeup_new, struct task_struct *p)
{ return on_wakeup(p, false); }

SEC("tp_btf/sched_switch")
int BPF_PROG(tpbtf_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{ return on_switch(prev, next, true); }
SEC("raw_tp/sched_switch")
int BPF_PROG(rawtp_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{ return on_switch(prev, next, false); }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tpbtf_sched_exit, struct task_struct *p)
{ return on_exit(p, true); }
SEC("raw_tp/sched_process_exit")
int BPF_PROG(rawtp_sched_exit, struct task_struct *p)
{ return on_exit(p, false); }
