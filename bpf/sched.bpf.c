// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler probe family: per-thread and per-CPU run-queue wait and on-CPU
 * time, aggregated in-kernel per interval.
 *
 * One hook: sched_switch.  The kernel already timestamps what we need in
 * each task's sched_info (CONFIG_SCHED_INFO, which schedstat and delay
 * accounting use): last_queued is when the task became runnable (woken, or
 * preempted while runnable), last_arrival when it was last switched in,
 * both in the run queue's clock.  At sched_switch, before the kernel's own
 * sched_info_switch() consumes them, the switch-in's wait is
 * rq->clock - next->sched_info.last_queued and the switch-out's on-CPU
 * slice is rq->clock - prev->sched_info.last_arrival: the same arithmetic,
 * on the same clock, as schedstat run_delay (/proc/PID/task/TID/schedstat,
 * field 2).  So no wakeup hooks, no per-task timestamp storage, no
 * bpf_ktime_get_ns(): at ~300k switches/s each of those was measured on
 * the context-switch path (docs/performance.md).
 *
 * Per-event ring-buffer records would cost one reserve/submit per context
 * switch; this family aggregates in place instead.
 *
 * Where to aggregate: a per-interval hash entry per thread cost two hash
 * lookups per switch, over half of the program's time (measured: ~195 ->
 * ~85 ns per switch without them).  So the tp_btf variant keeps each
 * thread's counters in task-local storage, tagged with the interval they
 * belong to, and moves them into the per-interval hash (what userspace
 * drains) once per thread per interval: at the thread's first switch in a
 * new interval, or from the task iterator userspace runs right after
 * flipping the epoch, or at sched_process_exit.  A compare-and-swap on the
 * tag decides who moves them, so they move exactly once.  Exiting threads
 * (their storage goes away with them) and the raw_tp variant (no BTF task
 * pointer for next) add to the hash directly, as before.
 */
#include "common.bpf.h"
#include "pt_hist.h"

#define TASK_RUNNING 0

/*
 * tp_btf arguments are BTF pointers the verifier lets us load from directly
 * (a plain load guarded by an exception-table entry); raw_tp ones need one
 * bpf_probe_read_kernel() call per field.  On the context-switch path that
 * difference matters, so hot fields go through this.
 */
#define TASK_READ(btf, t, field) ((btf) ? (t)->field : BPF_CORE_READ(t, field))

/*
 * This CPU's run-queue clock, which sched_info timestamps use (it is not
 * bpf_ktime_get_ns()'s clock).  prev runs here, so its cfs_rq is this
 * CPU's, whatever its class.  (The per-CPU `runqueues` symbol would be
 * shorter but needs CONFIG_KALLSYMS_ALL.)
 */
static __always_inline __u64 rq_clock(struct task_struct *prev, bool btf)
{
	struct cfs_rq *cfs = TASK_READ(btf, prev, se.cfs_rq);
	struct rq *rq;

	if (bpf_core_field_exists(cfs->rq)) {
		rq = btf ? cfs->rq : BPF_CORE_READ(cfs, rq);
	} else {
		rq = (void *)cfs - bpf_core_field_offset(struct rq, cfs);
		return BPF_CORE_READ(rq, clock);
	}
	return btf ? rq->clock : BPF_CORE_READ(rq, clock);
}

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

static __always_inline void set_identity(struct pt_sched_task_val *v,
					 struct task_struct *t)
{
	v->tgid = BPF_CORE_READ(t, tgid);
	v->cgroup_id = pt_task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&v->comm, t, comm);
}

/* This interval's hash entry of thread t (raw_tp, exiting threads). */
static __always_inline struct pt_sched_task_val *task_val(struct task_struct *t,
							   __u32 pid)
{
	struct pt_sched_task_val *v;
	bool created;

	v = pt_agg_entry(&sched_tasks, pid, &zero_task_val, &created);
	if (v && created)	/* once per thread per interval */
		set_identity(v, t);
	return v;
}

/* ---- task-local accumulators (tp_btf) ---- */

#define TAG_EMPTY 0		/* else epoch + 1 of the counters held */
#define TAG_BUSY 3		/* being moved to the hash */
#define PF_EXITING 0x00000004	/* include/linux/sched.h, stable since 2.6 */

struct sched_acc {
	__u64 tag;	/* 64-bit: the BPF backend's compare-and-swap size */
	/* run_delay_mark survives intervals; the counters are one interval's */
	struct pt_sched_task_val v;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sched_acc);
} sched_store SEC(".maps");

static __always_inline void add_into(struct pt_sched_task_val *out,
				     const struct pt_sched_task_val *in)
{
	int i;

	out->runq_wait_ns += in->runq_wait_ns;
	out->runq_count += in->runq_count;
	out->oncpu_ns += in->oncpu_ns;
	if (in->runq_max_ns > out->runq_max_ns)
		out->runq_max_ns = in->runq_max_ns;
	for (i = 0; i < PT_HIST_BUCKETS; i++)
		out->hist[i] += in->hist[i];
}

/* Move the counters of interval `epoch` into its hash entry and zero them.
 * The caller owns acc (tag TAG_BUSY). */
static __always_inline void move_out(struct sched_acc *acc,
				     struct task_struct *t, __u32 epoch)
{
	struct pt_key key = { .id = BPF_CORE_READ(t, pid), .epoch = epoch };
	struct pt_sched_task_val *out;
	int i;

	if (acc->v.runq_count || acc->v.oncpu_ns) {
		set_identity(&acc->v, t);
		/* a reused thread id can already have an entry: add to it */
		if (bpf_map_update_elem(&sched_tasks, &key, &acc->v,
					BPF_NOEXIST)) {
			out = bpf_map_lookup_elem(&sched_tasks, &key);
			if (out)
				add_into(out, &acc->v);
			else
				pt_count_loss(PT_LOSS_MAP_FULL);
		}
	}
	acc->v.runq_wait_ns = 0;
	acc->v.runq_count = 0;
	acc->v.runq_max_ns = 0;
	acc->v.oncpu_ns = 0;
	/* 2 KiB: too big for a memset the BPF backend will expand, and a
	 * plain loop is turned into one; the barrier keeps it a loop */
	for (i = 0; i < PT_HIST_BUCKETS; i++) {
		acc->v.hist[i] = 0;
		asm volatile("" ::: "memory");
	}
}

/* Take acc over from tag `from` and move its counters out. */
static __always_inline bool take_and_move(struct sched_acc *acc,
					  struct task_struct *t, __u64 from)
{
	if (from == TAG_BUSY ||
	    __sync_val_compare_and_swap(&acc->tag, from, TAG_BUSY) != from)
		return false;
	if (from != TAG_EMPTY)
		move_out(acc, t, (__u32)from - 1);
	return true;
}

/* This interval's counters of thread t, in its task storage; NULL when the
 * storage cannot be had right now (the iterator is moving it, or it cannot
 * be created in this context). */
static __always_inline struct pt_sched_task_val *task_acc(struct task_struct *t)
{
	__u64 now = pt_epoch() + 1, tag;
	struct sched_acc *acc;

	acc = bpf_task_storage_get(&sched_store, t, NULL,
				   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!acc)
		return NULL;
	tag = acc->tag;
	if (tag == now)
		return &acc->v;
	if (!take_and_move(acc, t, tag))
		return NULL;
	acc->tag = now;
	return &acc->v;
}

/* Where this switch's figures for t go.  The hash entry is where the
 * storage ends up anyway, so it also takes what the storage cannot. */
static __always_inline struct pt_sched_task_val *
counters_of(struct task_struct *t, __u32 pid, bool btf)
{
	struct pt_sched_task_val *v = NULL;

	if (btf && !(t->flags & PF_EXITING))
		v = task_acc(t);
	return v ? v : task_val(t, pid);
}

static __always_inline struct pt_sched_cpu_val *cpu_val(void)
{
	__u32 idx = bpf_get_smp_processor_id() + pt_epoch() * nr_cpus;

	return bpf_map_lookup_elem(&sched_cpus, &idx);
}

/* prev leaves the CPU: its slice since it was switched in is on-CPU time. */
static __always_inline void account_out(struct task_struct *prev, __u64 now,
					bool btf, struct pt_sched_cpu_val *cv)
{
	__u32 pid = TASK_READ(btf, prev, pid);
	struct pt_sched_task_val *v;
	__u64 arrived, ran;

	if (!pid || !pt_task_wanted(prev))
		return;	/* idle task, or filtered out */
	arrived = TASK_READ(btf, prev, sched_info.last_arrival);
	if (!arrived || arrived > now)
		return;
	ran = now - arrived;
	v = counters_of(prev, pid, btf);
	if (v) {
		v->oncpu_ns += ran;
		v->run_delay_mark = TASK_READ(btf, prev, sched_info.run_delay) + 1;
	}
	if (cv)
		cv->oncpu_ns += ran;
}

static __always_inline void add_wait(__u64 *sum, __u64 *count, __u64 *max,
				     __u32 *hist, __u32 b, __u64 wait)
{
	*sum += wait;
	(*count)++;
	if (wait > *max)
		*max = wait;
	if (b < PT_HIST_BUCKETS)
		hist[b]++;
}

/*
 * A wait the kernel split: when a queued thread is moved to another run
 * queue (load balancing, affinity change), sched_info_dequeue() adds the
 * wait so far to run_delay and the new queue times only the rest.  The
 * whole wait since the thread last ran is therefore the growth of
 * run_delay (plus the current segment) since its last switch in or out,
 * which the thread's counters remember (its task storage keeps the mark
 * across intervals; a hash-only entry, per interval).  Without that mark
 * (the thread's first switch seen) only the last segment is known.
 */
static __always_inline __u64 whole_wait(struct task_struct *next, bool btf,
					struct pt_sched_task_val *v,
					__u64 segment)
{
	__u64 delay_after = TASK_READ(btf, next, sched_info.run_delay) + segment;
	__u64 wait = segment;

	if (v) {
		if (v->run_delay_mark && delay_after + 1 > v->run_delay_mark &&
		    delay_after + 1 - v->run_delay_mark > segment)
			wait = delay_after + 1 - v->run_delay_mark;
		v->run_delay_mark = delay_after + 1;
	}
	return wait;
}

/* next gets the CPU: it waited since it became runnable.  A task the kernel
 * did not time (last_queued 0) is skipped, as sched_info_arrive() does. */
static __always_inline void account_in(struct task_struct *next, __u64 now,
				       bool btf, struct pt_sched_cpu_val *cv)
{
	__u32 pid = TASK_READ(btf, next, pid);
	struct pt_sched_task_val *v;
	__u64 queued, wait;
	__u32 b;

	if (!pid || !pt_task_wanted(next))
		return;
	queued = TASK_READ(btf, next, sched_info.last_queued);
	if (!queued || queued > now)
		return;
	v = counters_of(next, pid, btf);
	wait = whole_wait(next, btf, v, now - queued);
	b = pt_hist_bucket(wait) & 0x1ff;
	if (v)
		add_wait(&v->runq_wait_ns, &v->runq_count, &v->runq_max_ns,
			 v->hist, b, wait);
	if (cv)
		add_wait(&cv->runq_wait_ns, &cv->runq_count, &cv->runq_max_ns,
			 cv->hist, b, wait);
}

static __always_inline int on_switch(struct task_struct *prev,
				     struct task_struct *next, bool btf)
{
	struct pt_sched_cpu_val *cv = cpu_val();
	/* __schedule() updated the clock before picking next; the kernel's
	 * sched_info_switch() right after this tracepoint reads the same. */
	__u64 now = rq_clock(prev, btf);

	account_out(prev, now, btf, cv);
	account_in(next, now, btf, cv);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tpbtf_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{ return on_switch(prev, next, true); }
SEC("raw_tp/sched_switch")
int BPF_PROG(rawtp_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next)
{ return on_switch(prev, next, false); }

/* Right after userspace flips the epoch: move every thread's counters of
 * the interval that just ended out to the hash, where userspace reads them.
 * Exiting threads are the exit hook's. */
SEC("iter/task")
int sched_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct sched_acc *acc;
	__u64 old = (pt_epoch() ^ 1) + 1;

	if (!t || (t->flags & PF_EXITING))
		return 0;
	acc = bpf_task_storage_get(&sched_store, t, NULL, 0);
	if (acc && acc->tag == old && take_and_move(acc, t, old))
		acc->tag = TAG_EMPTY;
	return 0;
}

/* The storage goes with the thread: move what it holds.  From here on the
 * thread's switches add to the hash directly (PF_EXITING is set). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(tpbtf_sched_exit, struct task_struct *p)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sched_acc *acc = bpf_task_storage_get(&sched_store, t, NULL, 0);
	__u64 tag;

	if (!acc)
		return 0;
	tag = acc->tag;
	if (tag != TAG_EMPTY && take_and_move(acc, t, tag))
		acc->tag = TAG_EMPTY;
	return 0;
}
