// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler probe family: where every thread's wall time goes (on-CPU,
 * waiting for a CPU, throttled by its cgroup's quota, blocked on I/O, on
 * memory, on a lock, other sleep), its run-queue waits, and its voluntary
 * and involuntary switches; per CPU, run-queue wait and busy time.
 *
 * One hot hook: sched_switch (and sched_waking, which returns at once
 * unless the waker is in a futex wake: on_waking()).  The kernel already
 * timestamps what we need in each task's sched_info (CONFIG_SCHED_INFO, which schedstat and delay
 * accounting use): last_queued is when the task became runnable (woken, or
 * switched out while runnable), last_arrival when it was last switched in,
 * both on the run queue's clock.  At sched_switch, before the kernel's own
 * sched_info_switch() consumes them, next's wait is rq->clock -
 * last_queued and prev's slice rq->clock - last_arrival: the arithmetic of
 * schedstat run_delay, on the same clock.  A sleeper's blocked time is
 * last_queued - (its switch-out): no wakeup hook.
 *
 * Each thread is a small state machine in task-local storage: its state
 * (on-CPU, runnable, or the class of its sleep, decided at switch-out from
 * in_memstall / in_iowait / a kernel lock wait / its syscall), since
 * when, and counters that only ever grow (struct pt_sched_cum).  Only the
 * thread's own switches (and its own lock-contention hooks) write them, so
 * there is one writer per thread and no atomics on the hot path.  At an
 * interval's end userspace runs a task iterator that reads every thread's
 * counters under the storage's sequence count and credits the open state up
 * to that moment; an interval's figures are the difference from the last
 * read.  Nothing is moved or reset at an interval's end, so a program
 * delayed across the end cannot lose or double anything (issue #14): the
 * next read sees what it added.  A thread's last switch (TASK_DEAD) sends
 * its final counters through a ring buffer.
 *
 * Per-CPU figures are growing counters in an array slot that only that
 * CPU's programs write.
 */
#include "common.bpf.h"
#include "jvm.bpf.h"
#include "pt_hist.h"

#define TASK_DEAD 0x80		/* include/linux/sched.h, stable since 4.14 */
#define PF_KTHREAD 0x00200000	/* include/linux/sched.h, stable since 2.6 */
#define LCB_F_SPIN (1U << 0)	/* include/trace/events/lock.h, 5.19+ */
/* NICE_TO_PRIO(0): MAX_RT_PRIO + 20, include/linux/sched/prio.h */
#define NICE_0_PRIO 120

/* Thread states: a wait class + 1 (0: not seen yet). */
#define ST_NONE 0
#define ST(class) ((class) + 1)
#define ST_DEAD 0x80

/* sched_acc.fx_flags: asleep in an untimed futex wait that is not a
 * mutex's (FX_EVENT), which its waker made a lock wait (FX_LOCK) */
#define FX_EVENT 1
#define FX_LOCK 2
#define FX_FUTEX 4	/* asleep in any futex wait (FX_EVENT or not) */
/*
 * A thread woken from a futex word that wakes the next waiter on it after
 * less on-CPU time than this, having slept meanwhile only in futex waits,
 * passes the word on rather than holding it: CPython's SimpleQueue (a
 * thread pool's work queue) releases its lock right after taking an item,
 * so idle workers wake each other on it in turn, each having waited there
 * (and in between may wait for the GIL, futex waits too).  From the
 * waker's wake-up to its futex wake: 0-128 us on this host, up to 256 us
 * and rarely 2 ms of wall time under TCG, longer on a loaded single-vCPU
 * emulation (a 6.12 guest read 811 ms/s of lock waits with a wall-time
 * bound).  A lock held for work is held longer, or across a sleep of
 * another kind (tests/e2e/detect_lock.sh: 5 ms in nanosleep).  Read as
 * lock waits, a pool of 4 woken every 10 ms showed 2616 ms/s.  The cost:
 * a semaphore-style lock held for under 1 ms of CPU with no other sleep
 * (a Python lock around sub-millisecond work) is not seen as one.
 */
#define FX_HANDOVER_NS 1000000ULL

/* What a wait's split needs, apart from the counters. */
struct acc_head {
	__u8 state;		/* ST_* */
	__u8 fx_flags;
	__u64 fx_mid;
	__u32 max_epoch;
	__u64 since;		/* rq clock when `state` began */
	__u64 thr_base;		/* throttled clock of thr_cfs at wait start */
	__u64 thr_cfs;		/* the cfs_rq thr_base was read from */
	__u64 thr_tag;		/* before 6.7: throttled_clock()'s tag at wait start */
	__u64 runq_max_ns;
	__u64 run_delay_mark;
	__u64 reclaim_ns;	/* on-CPU memory stall not yet credited */
	__u64 steal_base;
};

struct sched_acc {
	__u32 seq;		/* odd while the thread's own hooks write */
	__u32 emitted;		/* seq at the iterator's last record */
	__u8 state;		/* ST_* */
	__u8 fx_flags;		/* FX_*: its futex event wait (waker writes) */
	__u8 reclaim_depth;	/* inside direct reclaim / compaction */
	__u8 reclaim_off;	/* ... and switched out there */
	__u64 reclaim_t0;	/* ktime the current on-CPU part began */
	__u64 reclaim_ns;	/* on-CPU reclaim time not yet credited */
	__u64 steal_base;	/* its CPU's steal clock at switch-in */
	__u64 lock_addr;	/* kernel lock it waits for (contention_begin
				 * without LCB_F_SPIN), until contention_end */
	__u64 fx_addr;		/* futex word of its current event wait */
	__u64 fx_mid;		/* FX_LOCK: rq clock the lock part begins */
	__u64 fx_held;		/* the word it was last woken from (an
				 * event wait), while it may hold it: 0 once
				 * it sleeps other than in a futex */
	__u64 fx_oncpu;		/* on-CPU ns since that wake */
	__u64 fx_recent[2];	/* futex words of its last two event waits,
				 * newest first: it contends for them */
	__u32 max_epoch;	/* runq_max_ns is of this epoch's waits */
	__u64 since;		/* rq clock when `state` began */
	__u64 thr_base;		/* throttled clock of thr_cfs at wait start */
	__u64 thr_cfs;		/* the cfs_rq thr_base was read from */
	__u64 thr_tag;		/* before 6.7: throttled_clock()'s tag at wait start */
	/* 1 + schedstat run_delay at the last switch in or out; 0 unknown */
	__u64 run_delay_mark;
	__u64 runq_max_ns;
	struct pt_sched_cum c;
};

/* tp_btf: per-thread state in task-local storage, no lookup by key. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sched_acc);
} sched_store SEC(".maps");

/* raw_tp (no BTF task pointer, so no task storage): the same, by thread
 * id; entries go at the thread's last switch. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4 * PT_DEF_TASK_ENTRIES);
	__type(key, __u32);
	__type(value, struct sched_acc);
} sched_hash SEC(".maps");

/* Indexed by CPU; the loader sizes it to nr_cpus. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_sched_cpu_val);
} sched_cpus SEC(".maps");

/* Final counters of threads at their last switch. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* 1.4 KiB a thread: room for 1,500 exits between two drains (an
	 * emulated guest measured 107 drops at 256 KiB with 2,000 exits in
	 * 20 s) */
	__uint(max_entries, 2 * 1024 * 1024);
} sched_dead SEC(".maps");

/* The iterator's record is built here: it is larger than the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_sched_rec);
} sched_scratch SEC(".maps");

/* Wait sites of the interval of key.epoch (in flight: pt_epoch_enter). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * PT_DEF_SITE_ENTRIES);
	__type(key, struct pt_site_key);
	__type(value, struct pt_site_val);
} sched_sites SEC(".maps");

/* The key is built here (the switch program's stack is nearly full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_site_key);
} site_scratch SEC(".maps");

/* Blocked waits at least this long get their stack taken (0: none). */
const volatile __u64 site_min_ns = 1000000;

/* An all-zero sched_acc, to create hash entries from (too big for the
 * stack, and a global of a BPF-only type would confuse the skeleton). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_acc);
} sched_zero SEC(".maps");

/*
 * rq clock - bpf_ktime_get_ns(): the iterator's "now" on the run-queue
 * clock.  Measured at the first switches of each interval (calib_left,
 * set by userspace); a run-queue clock can lag (an update skipped after a
 * yield, an idle CPU), never lead, so the largest offset seen is kept.
 */
__u64 clock_off = 0;
__u32 calib_left = 64;
__u32 calib_fresh = 1;	/* next measurement starts a new maximum */
/* rq clock of the last interval end: a thread first seen is not credited
 * with time before it. */
__u64 last_boundary = 0;
/*
 * The interval's end (CLOCK_MONOTONIC, the snapshot's ts_ns), set by
 * userspace before each pass: every thread's open state is credited up to
 * it, not to the moment the iterator reaches the thread, which came 0-17 ms
 * later and differed pass to pass under TCG (6.1 guest: a thread's classes
 * summed to its interval +-17 ms).  A thread that switched in between has
 * its counters up to that switch: off by that much, never more.  0: the
 * iterator's own clock.
 */
__u64 pass_mono = 0;
/* 1 once userspace has attached jvm.bpf.c's uprobes somewhere: until
 * then no futex sleep looks in jvm_mon */
__u32 jvm_on = 0;

/* ---- the run-queue clock ---- */

/*
 * This CPU's run-queue clock, which sched_info timestamps use.  prev runs
 * here, so its cfs_rq is this CPU's, whatever its class.  (The per-CPU
 * `runqueues` symbol would be shorter but needs CONFIG_KALLSYMS_ALL.)
 */
static __always_inline struct rq *cfs_rq_rq(struct cfs_rq *cfs, bool btf)
{
	if (bpf_core_field_exists(cfs->rq))
		return btf ? cfs->rq : BPF_CORE_READ(cfs, rq);
	return (void *)cfs - bpf_core_field_offset(struct rq, cfs);
}

static __always_inline __u64 rq_clock(struct rq *rq, bool btf)
{
	return btf ? rq->clock : BPF_CORE_READ(rq, clock);
}

/*
 * Steal time of a CPU so far, exactly as the kernel took it out of the task
 * clock (hypervisor time a guest's vCPU did not run): the run-queue clock
 * less the task clock less the IRQ time also taken out of it
 * (CONFIG_IRQ_TIME_ACCOUNTING), a counter that grows only by the steal of
 * each clock update (CONFIG_PARAVIRT_TIME_ACCOUNTING; without it, 0
 * growth: the task clock includes steal and so does the kernel's run
 * time).  A thread on a CPU while the hypervisor steals it is not running,
 * and the kernel's sum_exec_runtime (getrusage, schedstat field 1) does not
 * count that time: perftop shows it as its own class.
 * Not rq->prev_steal_time_rq: since kernel commit 108ad0999085 ("sched:
 * Don't try to catch up excess steal time", 6.13, in the 5.4+ stable
 * trees) it jumps to the hypervisor's whole steal count while the task
 * clock loses at most the clock's own advance, so its growth over a slice
 * can exceed what the kernel took out: threads read up to 4.4 ms of a 5 ms
 * slice as steal on this host (tests/e2e/sched_thread_clock.sh), on-CPU
 * time 4-12% short of rusage.  The three fields are written together
 * under the rq lock (update_rq_clock(): clock, IRQ time, task clock): on a
 * switch they are read under it.  The iterator reads a running thread's
 * CPU without it, task clock first: a read overlapping an update can only
 * come out high (a newer clock than task clock, never the reverse on
 * x86's ordered loads), by at most that update's advance, which the
 * caller caps at the slice; in that record only: the thread's next record
 * is exact again, so its on-CPU total is (userspace keeps the larger
 * steal: grown() in user/collection/sched.c).
 */
static __always_inline __u64 steal_clock(struct rq *rq, bool btf)
{
	__u64 clock, irq, task;

	if (!rq)
		return 0;
	/* in the reverse of the order update_rq_clock() writes them */
	task = btf ? rq->clock_task : BPF_CORE_READ(rq, clock_task);
	asm volatile("" ::: "memory");
	irq = pt_rq_irq_time(rq);
	asm volatile("" ::: "memory");
	clock = btf ? rq->clock : BPF_CORE_READ(rq, clock);
	return clock - task - irq;
}

/* ---- CFS bandwidth: how long a cfs_rq has been throttled ---- */

/*
 * Time the cfs_rq has spent throttled (by its own quota or an ancestor's),
 * as of `now`, on the run-queue clock.  Since 6.7 (commit 677ea015f231,
 * "sched: add throttled time stat for throttled children") every cfs_rq of
 * a throttled subtree keeps throttled_clock_self (start of the current
 * episode, 0 when none) and throttled_clock_self_time (sum of ended ones):
 * exact, and unchanged by the per-task throttling of 6.18.
 *
 * Before that only the PELT clock's throttled time exists
 * (throttled_clock_pelt_time, since commit 23127296889f, 5.1): the same
 * episodes on rq_clock_pelt(), which lags the run-queue clock while the CPU
 * is busy (it runs slower at a reduced frequency, and without IRQ time) and
 * catches up when the CPU goes idle, typically inside the episode: read as
 * is, an episode grows by the lag its CPU built up before it, taken from
 * the wait's runnable part (a 6.1 guest under TCG: throttled 17.8 ms over
 * cpu.stat's in 2 s, runnable 11.5 ms short; on a frequency-scaled CPU the
 * lag is the run time's unscaled share).  So the clock is moved onto the
 * run-queue clock: while throttled, the PELT time before the episode plus
 * the episode so far on `now` (throttled_clock_pelt is the episode's start
 * on rq_clock_pelt(), so the PELT lag cancels); otherwise the PELT time
 * plus the PELT clock's current lag (rq clock - rq_clock_pelt()).  Out of
 * an episode that lag still drifts, so a wait counts throttled time only
 * if an episode touched it: `tag` is the PELT throttled time (doubled)
 * and whether the cfs_rq is throttled now (the low bit); a wait whose
 * start and end read the same even tag saw none.  It is 1 since 6.7,
 * whose clock does not drift outside an episode: every wait is split.
 */
struct cfs_rq___pre67 {
	u64 throttled_clock_pelt;
	u64 throttled_clock_pelt_time;
	int throttle_count;
} __attribute__((preserve_access_index));

static __always_inline __u64 throttled_clock(struct cfs_rq *cfs, __u64 now,
					     bool btf, __u64 *tag)
{
	__u64 t, start;

	*tag = 1;
	if (!cfs)
		return 0;
	if (bpf_core_field_exists(cfs->throttled_clock_self_time)) {
		/* plain loads under tp_btf: two per wait, on the hot path */
		t = btf ? cfs->throttled_clock_self_time :
			  BPF_CORE_READ(cfs, throttled_clock_self_time);
		start = btf ? cfs->throttled_clock_self :
			      BPF_CORE_READ(cfs, throttled_clock_self);
		if (start && now > start)
			t += now - start;
		return t;
	} else {
		struct cfs_rq___pre67 *old = (void *)cfs;
		bool throttled;
		struct rq *rq;

		/* modulo 2^64: only differences mean anything */
		t = BPF_CORE_READ(old, throttled_clock_pelt_time);
		throttled = BPF_CORE_READ(old, throttle_count);
		*tag = t * 2 + throttled;
		if (throttled)
			return t - BPF_CORE_READ(old, throttled_clock_pelt) +
			       now;
		rq = BPF_CORE_READ(cfs, rq);
		return t + BPF_CORE_READ(rq, clock) -
		       BPF_CORE_READ(rq, clock_pelt) +
		       BPF_CORE_READ(rq, lost_idle_time);
	}
}

/* Remember where a wait starts: the throttled clock of t's cfs_rq. */
static __always_inline void thr_mark(struct sched_acc *a, struct cfs_rq *cfs,
				     __u64 now, bool btf)
{
	__u64 tag;

	a->thr_cfs = (__u64)cfs;
	a->thr_base = throttled_clock(cfs, now, btf, &tag);
	a->thr_tag = tag;
}

/*
 * Split `wait` ns of runnable time ending at `now` into throttled and
 * runnable: the growth of the cfs_rq's throttled clock since the wait (or
 * the sleep before it) began, capped by the wait.  A thread that moved to
 * another CPU's cfs_rq meanwhile has no baseline there: counted runnable.
 * Both parts only grow with `now`, so reads at interval ends telescope.
 */
static __always_inline void credit_wait(struct pt_sched_cum *c,
					__u64 thr_cfs, __u64 thr_base,
					__u64 tag, struct cfs_rq *cfs,
					__u64 now, __u64 wait, bool btf)
{
	__u64 thr = 0, now_thr, now_tag;

	if (thr_cfs == (__u64)cfs && cfs) {
		now_thr = throttled_clock(cfs, now, btf, &now_tag);
		if ((now_tag != tag || (tag & 1)) &&
		    (__s64)(now_thr - thr_base) > 0)
			thr = now_thr - thr_base;
		if (thr > wait)
			thr = wait;
	}
	c->ns[PT_WAIT_THROTTLED] += thr;
	c->ns[PT_WAIT_RUNQ] += wait - thr;
}

/* ---- per-thread storage ---- */

static __always_inline struct sched_acc *acc_of(struct task_struct *t,
						__u32 pid, bool btf)
{
	struct sched_acc *a;

	if (btf) {
		a = bpf_task_storage_get(&sched_store, t, NULL,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		__u32 zero = 0;
		struct sched_acc *z;

		a = bpf_map_lookup_elem(&sched_hash, &pid);
		if (!a && (z = bpf_map_lookup_elem(&sched_zero, &zero))) {
			bpf_map_update_elem(&sched_hash, &pid, z, BPF_NOEXIST);
			a = bpf_map_lookup_elem(&sched_hash, &pid);
		}
	}
	if (!a)
		pt_count_loss(btf ? PT_LOSS_STORAGE : PT_LOSS_MAP_FULL);
	return a;
}

/* Thread t's (thread id pid) storage if it has any, without creating it:
 * for hooks that only act on threads perftop already follows. */
static __always_inline struct sched_acc *acc_find(struct task_struct *t,
						  __u32 pid, bool btf)
{
	if (btf)
		return bpf_task_storage_get(&sched_store, t, NULL, 0);
	return bpf_map_lookup_elem(&sched_hash, &pid);
}

/*
 * Sequence count around a thread's own writes, so the iterator (another
 * CPU) can tell a torn read.  x86 keeps stores in order and loads in
 * order (TSO), so compiler barriers make this a correct seqcount there;
 * elsewhere the increments are full-barrier atomics.
 */
static __always_inline void seq_write(struct sched_acc *a)
{
#if defined(__TARGET_ARCH_x86)
	a->seq++;
	asm volatile("" ::: "memory");
#else
	__sync_fetch_and_add(&a->seq, 1);
#endif
}

/* ---- classification at switch-out ---- */

#if defined(__TARGET_ARCH_x86)
#define NR_FUTEX 202
#define NR_FUTEX_WAITV 449
#define NR_FLOCK 73
#define NR_FCNTL 72
#define REGS_SYSCALL_FIELD orig_ax
#define REGS_ARG1 di
#define REGS_ARG2 si
#define REGS_ARG3 dx
#define REGS_ARG4 r10
#define REGS_ARG5 r8
#elif defined(__TARGET_ARCH_arm64)
#define NR_FUTEX 98
#define NR_FUTEX_WAITV 449
#define NR_FLOCK 32
#define NR_FCNTL 25
#define REGS_SYSCALL_FIELD syscallno
/* x0 is the return value once the call returns; orig_x0 keeps arg 1 */
#define REGS_ARG1 orig_x0
#define REGS_ARG2 regs[1]
#define REGS_ARG3 regs[2]
#define REGS_ARG4 regs[3]
#define REGS_ARG5 regs[4]
#endif

/*
 * bpf_rdonly_cast() (kernel commit a35b9af4ec2c, "bpf: Add a kfunc for
 * generic type cast", 6.2): the verifier replaces the call with a register
 * move.  Kernels before it get this file built once more without it
 * (PT_REGS_HELPER: sched_helper.bpf.o, the Makefile), not one object with
 * a weak extern: libbpf 1.1 (Debian 12's) looks for a kfunc missing from
 * vmlinux in the modules' BTF, which it may not list without
 * CAP_SYS_ADMIN, and fails the whole object: the CAP_BPF + CAP_PERFMON
 * load on 6.1 failed so (test rel_privs, 2026-12-05).
 */
#ifdef PT_REGS_HELPER
#define PT_REGS_CAST false
static __always_inline void *bpf_rdonly_cast(const void *obj, __u32 btf_id)
{
	return NULL;	/* never called: PT_REGS_CAST is false */
}
#else
#define PT_REGS_CAST true
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
#endif

/*
 * task_pt_regs(t) - t->stack: the same for every thread of a kernel build
 * (the stack's size less its top padding less sizeof(struct pt_regs), on
 * x86 and arm64 alike), learnt from the first bpf_task_pt_regs() call; 0
 * until then.
 */
__u64 regs_off = 0;

/* Once: regs_off from the helper's answer less the stack's base (0 when
 * either read fails).  Out of line: inlined, its calls' register spills
 * cost every switch ~5 ns. */
static __noinline __u64 learn_regs_off(struct task_struct *t)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	__u64 addr, stack;

	if (!regs || bpf_probe_read_kernel(&addr, sizeof(addr), &regs) ||
	    bpf_core_read(&stack, sizeof(stack), &t->stack) || !stack ||
	    addr <= stack)
		return 0;
	regs_off = addr - stack;
	return addr - stack;
}

/*
 * The user registers of thread t (BTF pointer; always the current
 * thread), NULL for a kernel thread: at the top of its kernel stack, with
 * the number and arguments of the system call it is in.  With `cast` they
 * are found at t->stack + regs_off, read through bpf_rdonly_cast() (loads
 * guarded by the exception table, no call); otherwise
 * bpf_task_pt_regs(), a helper call.  On this 6.18 host (AMD, Safe-RET
 * return thunks) each helper call costs 15-30 ns: the cast took 20 ns off
 * every sched_switch run and 31 ns off every sched_waking run (bpf_stats,
 * `perf bench sched pipe`, 2026-12-05).
 *
 * Both ways out of the cast branch return the cast's pointer type: before
 * kernel commit 6fcd486b3a0a (6.4) the verifier refuses a load reached
 * with two kinds of BTF pointer ("same insn cannot be used with different
 * pointers"), and the registers' loads are shared.  The learning reads
 * the numbers by bpf_probe_read_kernel(): t->stack's type differs by
 * kernel (a number, since 6.17 a read-only pointer), and a helper's
 * pointer takes no arithmetic.
 */
static __always_inline struct pt_regs *task_regs(struct task_struct *t,
						 bool cast)
{
	__u64 off;

	if (t->flags & PF_KTHREAD)
		return NULL;
	if (!cast)
		return (struct pt_regs *)bpf_task_pt_regs(t);
	off = *(volatile __u64 *)&regs_off;
	if (!off && !(off = learn_regs_off(t)))
		return NULL;
	return bpf_rdonly_cast((void *)((__u64)t->stack + off),
			       bpf_core_type_id_kernel(struct pt_regs));
}

/* fcntl(2)'s waiting record locks (include/uapi/asm-generic/fcntl.h) */
#define F_SETLKW 7
#define F_OFD_SETLKW 38

/* futex(2) commands and the futex2 calls (include/uapi/linux/futex.h,
 * the syscall tables; futex_wake and futex_wait are 6.7+, the same
 * numbers on every architecture) */
#define NR_FUTEX_WAKE 454
#define NR_FUTEX_WAIT 455
#define FUTEX_CMD_MASK 0x7f	/* less FUTEX_PRIVATE_FLAG, _CLOCK_REALTIME */
#define FUTEX_WAIT 0
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_LOCK_PI2 13
/* the futex word of a mutex with waiters (0 free, 1 locked, 2 locked and
 * contended: Drepper's "Futexes Are Tricky", glibc's lll_lock, Rust's
 * std Mutex, Go's runtime locks), the value such a waiter expects */
#define FUTEX_CONTENDED 2

/*
 * A futex wait on `addr` expecting `val`.  A mutex's waiter expects the
 * contended value: a lock wait, with or without a deadline
 * (pthread_mutex_timedlock).  Any other wait with a timeout waits for an
 * event or a deadline (a condition variable's timed wait, Java's
 * parkNanos, a pool polling for work): sleep.  An untimed one may be
 * either: a semaphore or condition variable serves as a lock (CPython's
 * Lock is a semaphore) and as a queue a pool waits on for work, and the
 * waiter's arguments cannot tell them apart.  Its waker can: a lock is
 * released by a thread that contends for it, so has waited on the same
 * word itself; work is handed over by a producer, which waits elsewhere.
 * So it sleeps as an event wait (FX_EVENT) until the futex wake that ends
 * it, and on_waking() makes it a lock wait when the waker's own last
 * event waits were on this word (and the waker held it, not just passed
 * it on: FX_HANDOVER_NS).  Counted as lock waits whole, a Python
 * pool fed every 2 ms read 1458 ms/s of lock contention, WARNING; 8
 * threads polling a condition variable with 50 ms timeouts read 8 s/s,
 * CRITICAL.
 */
static __always_inline __u32 futex_class(struct sched_acc *a, __u64 addr,
					 __u64 val, __u64 timeout)
{
	if ((__u32)val == FUTEX_CONTENDED)
		return PT_WAIT_LOCK;
	if (timeout)
		return PT_WAIT_SLEEP;
	a->fx_addr = addr;
	a->fx_flags |= FX_EVENT;	/* the last write to it here */
	if (a->fx_recent[0] != addr) {
		a->fx_recent[1] = a->fx_recent[0];
		a->fx_recent[0] = addr;
	}
	return PT_WAIT_SLEEP;
}

/* Is the current thread inside a JVM's monitor enter (jvm.bpf.c)?  Any
 * futex wait there (its park, the park's own mutex) waits for the
 * monitor. */
static __always_inline bool in_jvm_monitor(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	return *(volatile __u32 *)&jvm_on &&
	       bpf_map_lookup_elem(&jvm_mon, &tid);
}

/*
 * Why prev sleeps.  Memory first: a refault wait (thrashing) sets both
 * in_memstall and in_iowait, and the cause is memory.  Then the task's
 * own I/O flag, a kernel lock it contends for, and the system call it
 * sleeps in: a futex wait as futex_class() says, a priority-inheritance
 * futex (FUTEX_LOCK_PI: a PI mutex) always a lock.  futex_waitv() (wait
 * for any of several words) is an event wait on its vector: it is never
 * a waker's word, so a sleep.  A file lock: flock(2) sleeps only for a
 * conflicting lock, and so does fcntl(2) F_SETLKW / F_OFD_SETLKW (lockf,
 * POSIX record locks); neither is a kernel mutex, so no contention
 * tracepoint sees them (4 processes queueing on one flock waited 3000
 * ms/s, read as sleep: explore helper, 2026-12-04).  Any futex wait of
 * a thread inside a JVM's monitor enter (in_jvm_monitor()) is a lock.
 */
static __always_inline __u32 sleep_class(struct task_struct *t,
					 struct sched_acc *a, bool btf,
					 bool cast)
{
	struct pt_regs *regs;
	long nr;
	__u32 cmd;

	if (btf ? BPF_CORE_READ_BITFIELD(t, in_memstall) :
		  BPF_CORE_READ_BITFIELD_PROBED(t, in_memstall))
		return PT_WAIT_MEM;
	if (btf ? BPF_CORE_READ_BITFIELD(t, in_iowait) :
		  BPF_CORE_READ_BITFIELD_PROBED(t, in_iowait))
		return PT_WAIT_IO;
	if (a->lock_addr)
		return PT_WAIT_LOCK;
#ifdef REGS_SYSCALL_FIELD
	/* t is current: under raw_tp its BTF pointer is the helper's */
	regs = task_regs(btf ? t : bpf_get_current_task_btf(), cast);
	if (!regs)
		return PT_WAIT_SLEEP;
	nr = regs->REGS_SYSCALL_FIELD;
	if (nr == NR_FLOCK)
		return PT_WAIT_LOCK;
	if (nr == NR_FCNTL) {
		/* cmd is an unsigned int: the kernel ignores the register's
		 * upper half, which a caller may leave dirty */
		cmd = (__u32)regs->REGS_ARG2;
		return cmd == F_SETLKW || cmd == F_OFD_SETLKW ? PT_WAIT_LOCK
							      : PT_WAIT_SLEEP;
	}
	if (nr == NR_FUTEX || nr == NR_FUTEX_WAIT || nr == NR_FUTEX_WAITV) {
		a->fx_flags = FX_FUTEX;
		if (in_jvm_monitor())
			return PT_WAIT_LOCK;
	}
	if (nr == NR_FUTEX) {
		cmd = regs->REGS_ARG2 & FUTEX_CMD_MASK;
		if (cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2)
			return PT_WAIT_LOCK;
		if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET)
			return futex_class(a, regs->REGS_ARG1, regs->REGS_ARG3,
					   regs->REGS_ARG4);
		return PT_WAIT_SLEEP;	/* _WAIT_REQUEUE_PI: a PI condvar's */
	}
	if (nr == NR_FUTEX_WAIT)
		return futex_class(a, regs->REGS_ARG1, regs->REGS_ARG2,
				   regs->REGS_ARG5);
#endif
	return PT_WAIT_SLEEP;
}

/* Thread p's storage if it sleeps in an event wait (futex_class()) that
 * no waker has made a lock wait yet, else NULL. */
static __always_inline struct sched_acc *event_waiter(struct task_struct *p,
						      bool btf)
{
	struct sched_acc *a = acc_find(p, PT_BTF_READ(btf, p, pid), btf);

	if (!a || (a->fx_flags & (FX_EVENT | FX_LOCK)) != FX_EVENT ||
	    !a->fx_addr)
		return NULL;
	return a;
}

/*
 * A thread wakes another (sched_waking runs in the waker, before the
 * wakee is queued).  If the wakee sleeps in an event wait (futex_class())
 * and the waker is in a futex wake whose thread waited on the same word
 * in its own last two event waits, and did not just pass it on (woken
 * from it, then under FX_HANDOVER_NS of CPU with only futex waits), the
 * wait was for a lock the waker held: from the interval boundary before the wake (the iterator may have
 * shown the wait as sleep up to there) it is a lock wait.  Only this byte
 * and fx_mid of the wakee are written, and only while it is asleep in
 * that wait (FX_EVENT, set by its switch-out; its switch-in clears it):
 * the wakee's own hooks do not run until this wake has queued it.  A wake
 * racing the wakee's switch-out (it set FX_EVENT after this read) leaves
 * that one wait a sleep.  Its cost where it matters least: every other
 * wake returns after reading the waker's system call number or, in the
 * object for kernels before 6.2, the wakee's state.
 */
static __always_inline void on_waking(struct task_struct *p, bool btf,
				      bool cast)
{
	struct sched_acc *a = NULL, *w;
	struct task_struct *cur;
	struct pt_regs *regs;
	long nr;

	/* the cheaper test first: with the cast, the waker's system call
	 * (one helper call, for the current task); without it, the wakee's
	 * storage (one, where the registers take two): 99 -> 77 ns a run
	 * on the 6.18 host under `perf bench sched pipe` */
	if (!cast && !(a = event_waiter(p, btf)))
		return;
	cur = bpf_get_current_task_btf();
	regs = task_regs(cur, cast);
	if (!regs)
		return;
	nr = regs->REGS_SYSCALL_FIELD;
	if (nr != NR_FUTEX && nr != NR_FUTEX_WAKE)
		return;
	if (cast && !(a = event_waiter(p, btf)))
		return;
	w = acc_find(cur, btf ? 0 : (__u32)bpf_get_current_pid_tgid(), btf);
	if (!w || (w->fx_recent[0] != a->fx_addr &&
		   w->fx_recent[1] != a->fx_addr))
		return;
	/* a hand-over: woken from this word itself, the waker passes it on
	 * after little CPU (its slice so far on the rq clock: clock_off) */
	if (w->fx_held == a->fx_addr) {
		__u64 now = bpf_ktime_get_ns() + clock_off, run = w->fx_oncpu;

		if (w->state == ST(PT_WAIT_ONCPU) && now > w->since)
			run += now - w->since;
		if (run < FX_HANDOVER_NS)
			return;
	}
	a->fx_mid = last_boundary;
	/* fx_mid before the flag: in this order on x86 (TSO); a CPU that
	 * reorders them can show the iterator the flag with an older fx_mid,
	 * which counts more of a wait that spans a boundary as lock */
	asm volatile("" ::: "memory");
	a->fx_flags |= FX_LOCK;
}

/*
 * The part of a sleep [since, woke) that is sleep and the part that is a
 * lock wait: an event wait its waker made a lock wait is one from fx_mid
 * (not before the sleep began), the rest sleep.
 */
static __always_inline __u64 lock_part(__u8 flags, __u64 mid, __u64 since,
				       __u64 woke)
{
	if (!(flags & FX_LOCK) || woke <= since)
		return 0;
	if (mid < since)
		mid = since;
	return woke > mid ? woke - mid : 0;
}

/* A sleep of class st - 1 from since to woke, ended: credited, with its
 * lock part (lock_part()) as a lock wait.  Returns that part. */
static __always_inline __u64 credit_sleep(struct pt_sched_cum *c, __u32 st,
					  __u8 flags, __u64 mid, __u64 since,
					  __u64 woke)
{
	__u64 lk = st == ST(PT_WAIT_SLEEP) ?
		   lock_part(flags, mid, since, woke) : 0;

	c->ns[(st - 1) & 7] += woke - since - lk;
	if (lk) {
		c->ns[PT_WAIT_LOCK] += lk;
		c->waits[PT_WAIT_LOCK]++;
	} else {
		c->waits[(st - 1) & 7]++;
	}
	return lk;
}

/* ---- the switch ---- */

static __always_inline struct pt_sched_cpu_val *cpu_val(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&sched_cpus, &cpu);
}

static __always_inline void add_wait(__u64 *sum, __u64 *count, __u64 *max,
				     __u32 *max_epoch, __u32 *hist, __u32 b,
				     __u64 wait, __u32 epoch)
{
	*sum += wait;
	(*count)++;
	if (*max_epoch != epoch) {
		*max_epoch = epoch;
		*max = 0;
	}
	if (wait > *max)
		*max = wait;
	if (b < PT_HIST_BUCKETS)
		hist[b]++;
}

/*
 * A run-queue wait of `wait` ns credited: to the thread's counters (its
 * sum, count, interval max and histogram) and to its CPU's.  The one place
 * for account_in() (a wait the kernel timed) and unseen_in() (one read
 * back from run_delay).
 */
static __always_inline void add_runq_wait(struct sched_acc *a,
					  struct pt_sched_cpu_val *cv,
					  __u64 wait, __u32 epoch)
{
	__u32 b = pt_hist_bucket(wait) & 0x1ff;

	add_wait(&a->c.runq_wait_ns, &a->c.runq_count, &a->runq_max_ns,
		 &a->max_epoch, a->c.hist, b, wait, epoch);
	if (cv)
		add_wait(&cv->runq_wait_ns, &cv->runq_count, &cv->runq_max_ns,
			 &cv->max_epoch, cv->hist, b, wait, epoch);
}

/* The thread's last switch: its final counters to userspace. */
static __always_inline void send_dead(struct sched_acc *a,
				      struct task_struct *t, __u32 pid,
				      __u64 now, bool btf)
{
	struct pt_sched_rec *r;

	r = bpf_ringbuf_reserve(&sched_dead, sizeof(*r), 0);
	if (!r) {
		pt_count_loss(PT_LOSS_RINGBUF);
		return;
	}
	r->pid = pid;
	r->tgid = BPF_CORE_READ(t, tgid);
	r->start_time = BPF_CORE_READ(t, start_time);
	r->cgroup_id = pt_task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&r->comm, t, comm);
	r->flags = PT_SCHED_REC_DEAD | (a->emitted ? 0 : PT_SCHED_REC_FIRST);
	r->max_epoch = a->max_epoch;
	r->policy = BPF_CORE_READ(t, policy);
	r->nice = BPF_CORE_READ(t, static_prio) - NICE_0_PRIO;
	r->runq_max_ns = a->runq_max_ns;
	r->at = now;
	bpf_probe_read_kernel(&r->cum, sizeof(r->cum), &a->c);
	bpf_ringbuf_submit(r, 0);
}

/*
 * A switch-in the program did not see: some kernels switch without the
 * sched_switch tracepoint (this 6.18 host's patched kernel, from its idle
 * task and from some threads: docs/testing.md), so the thread was left
 * asleep or waiting in its storage while it ran.  At its next switch-out,
 * which is seen, the kernel's own sched_info says what happened: it
 * arrived at `at` (last_arrival, this CPU's clock: it has not moved since)
 * after a wait the kernel added to run_delay (its growth since the
 * switch-out's mark, split or not).  Credited as account_in() would have
 * (runnable and throttled split on the cfs_rq's throttled clock), but no
 * steal split of the slice (its steal base is taken now), and no wait
 * site.
 */
static __always_inline void unseen_in(struct sched_acc *a,
				      struct task_struct *t,
				      struct cfs_rq *cfs, __u32 st,
				      __u64 at, __u64 now, __u64 steal,
				      bool btf, struct pt_sched_cpu_val *cv)
{
	__u64 d = PT_BTF_READ(btf, t, sched_info.run_delay) + 1;
	__u64 since = a->since, wait = 0, woke = since;
	__u32 epoch = pt_epoch();

	if (at < since)
		at = since;
	if (a->run_delay_mark && d > a->run_delay_mark)
		wait = d - a->run_delay_mark;
	if (st != ST(PT_WAIT_RUNQ)) {
		woke = at - since > wait ? at - wait : since;
		credit_sleep(&a->c, st, a->fx_flags, a->fx_mid, since, woke);
	}
	/* split as account_in() does, with the cfs_rq's throttled clock
	 * read now: the thread ran from `at` to now, so it grew by nothing
	 * since.  (All of it was runnable before: the likely cause of a CI
	 * run reading a quota'd spinner's whole ~80 ms throttled episode as
	 * runnable; that the run had an unseen switch is not shown.) */
	if (at > woke)
		credit_wait(&a->c, a->thr_cfs, a->thr_base, a->thr_tag, cfs,
			    now, at - woke, btf);
	add_runq_wait(a, cv, wait, epoch);
	a->state = ST(PT_WAIT_ONCPU);
	a->fx_flags = 0;
	a->since = at;
	a->steal_base = steal;
	a->run_delay_mark = d;
	pt_count_loss(PT_LOSS_SCHED_UNSEEN);
}

/* prev leaves the CPU: close its on-CPU slice, open its wait or sleep. */
static __always_inline void account_out(struct task_struct *prev,
					struct cfs_rq *prev_cfs, bool preempt,
					__u32 prev_state, __u64 now, __u64 steal,
					bool btf, bool cast,
					struct pt_sched_cpu_val *cv)
{
	__u32 pid = PT_BTF_READ(btf, prev, pid);
	__u64 arrived, since, lb;
	struct sched_acc *a;

	if (!pid || !pt_task_wanted(prev))
		return;	/* idle task, or filtered out */
	arrived = PT_BTF_READ(btf, prev, sched_info.last_arrival);
	if (cv && arrived && arrived <= now)
		cv->oncpu_ns += now - arrived;
	a = acc_of(prev, pid, btf);
	if (!a)
		return;
	seq_write(a);
	if (a->state != ST(PT_WAIT_ONCPU) && a->state != ST_NONE &&
	    a->state <= PT_WAIT_NR && arrived && arrived <= now)
		unseen_in(a, prev, prev_cfs, a->state, arrived, now, steal,
			  btf, cv);
	since = a->since;
	if (a->state != ST(PT_WAIT_ONCPU)) {
		/* first sight: on-CPU since it arrived, but not before the
		 * current interval began */
		lb = last_boundary;
		since = arrived > lb ? arrived : lb;
	}
	if (since && since < now) {
		__u64 ran = now - since, stall;

		if (a->reclaim_depth && a->reclaim_t0) {
			/* switched out inside reclaim: its on-CPU part so
			 * far (one clock read, only here) */
			a->reclaim_ns += bpf_ktime_get_ns() - a->reclaim_t0;
			a->reclaim_t0 = 0;
			a->reclaim_off = 1;
		}
		/* stolen by the hypervisor during the slice (same CPU) */
		if (a->state == ST(PT_WAIT_ONCPU) && steal > a->steal_base) {
			__u64 st = steal - a->steal_base;

			st = st < ran ? st : ran;
			a->c.ns[PT_WAIT_STEAL] += st;
			ran -= st;
		}
		if (a->fx_held && a->state == ST(PT_WAIT_ONCPU))
			a->fx_oncpu += now - since;
		stall = a->reclaim_ns < ran ? a->reclaim_ns : ran;
		a->reclaim_ns = 0;
		a->c.ns[PT_WAIT_ONCPU] += ran - stall;
		a->c.ns[PT_WAIT_MEM] += stall;
	}
	/* the kernel's nvcsw / nivcsw; a thread's final switch (after
	 * getrusage stopped counting it) is not one */
	if (prev_state & TASK_DEAD)
		;
	else if (!preempt && prev_state)
		a->c.vol_switches++;
	else
		a->c.invol_switches++;
	a->fx_flags = 0;	/* sleep_class() sets it for a futex wait */
	if (prev_state == 0)
		a->state = ST(PT_WAIT_RUNQ);	/* preempted, yielded, throttled */
	else
		a->state = ST(sleep_class(prev, a, btf, cast));
	if (prev_state && !(a->fx_flags & FX_FUTEX))
		a->fx_held = 0;	/* slept otherwise: it held the word */
	a->since = now;
	thr_mark(a, prev_cfs, now, btf);
	a->run_delay_mark = PT_BTF_READ(btf, prev, sched_info.run_delay) + 1;
	seq_write(a);
	if (prev_state & TASK_DEAD) {
		a->state = ST_DEAD;
		send_dead(a, prev, pid, now, btf);
		if (!btf)
			bpf_map_delete_elem(&sched_hash, &pid);
		/* ended inside a monitor enter: its id may be reused */
		if (*(volatile __u32 *)&jvm_on)
			bpf_map_delete_elem(&jvm_mon, &pid);
	}
}

/*
 * A wait the kernel split: when a queued thread is moved to another run
 * queue (load balancing, affinity change), sched_info_dequeue() adds the
 * wait so far to run_delay and the new queue times only the rest.  The
 * whole wait since the thread last ran is therefore the growth of run_delay
 * (plus the current segment) since its last switch in or out.  Without
 * that mark (the thread's first switch seen) only the last segment is
 * known.
 */
static __always_inline __u64 whole_wait(struct task_struct *next, bool btf,
					struct sched_acc *a, __u64 segment)
{
	__u64 delay_after = PT_BTF_READ(btf, next, sched_info.run_delay) + segment;
	__u64 wait = segment;

	if (a->run_delay_mark && delay_after + 1 > a->run_delay_mark &&
	    delay_after + 1 - a->run_delay_mark > segment)
		wait = delay_after + 1 - a->run_delay_mark;
	a->run_delay_mark = delay_after + 1;
	return wait;
}

/*
 * A blocked wait that mattered: where in the kernel next waited.  Its stack
 * is still the one it slept on (it has not run yet).  Only waits of at
 * least site_min_ns pay for the walk (a few microseconds).
 */
static __noinline void wait_site(struct task_struct *next, __u32 pid,
				 __u32 class, __u64 ns)
{
	struct pt_site_key *k;
	struct pt_site_val *v, zero = {};
	__u32 z = 0, e;
	long n;

	k = bpf_map_lookup_elem(&site_scratch, &z);
	if (!k)
		return;
	__builtin_memset(k->ips, 0, sizeof(k->ips));
	n = bpf_get_task_stack(next, k->ips, sizeof(k->ips), 0);
	if (n <= 0)
		return;
	e = pt_epoch_enter();
	k->pid = pid;
	k->epoch = e;
	k->class = class;
	k->tgid = next->tgid;
	v = bpf_map_lookup_elem(&sched_sites, k);
	if (!v) {
		zero.cgroup_id = pt_task_cgroup_id(next);
		BPF_CORE_READ_STR_INTO(&zero.comm, next, comm);
		bpf_map_update_elem(&sched_sites, k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sched_sites, k);
	}
	if (v) {
		__sync_fetch_and_add(&v->ns, ns);
		__sync_fetch_and_add(&v->count, 1);
	} else {
		pt_count_loss(PT_LOSS_MAP_FULL);
	}
	pt_epoch_exit(e);
}

/* next gets the CPU: close its sleep (up to its wakeup) and its wait. */
static __always_inline void account_in(struct task_struct *next,
				       struct cfs_rq *next_cfs, __u64 now,
				       __u64 steal, bool btf,
				       struct pt_sched_cpu_val *cv)
{
	__u32 pid = PT_BTF_READ(btf, next, pid);
	__u32 epoch = pt_epoch(), st, site_class = 0;
	__u64 queued, since, wait = 0, lb, site_ns = 0;
	struct sched_acc *a;

	if (!pid || !pt_task_wanted(next))
		return;
	queued = PT_BTF_READ(btf, next, sched_info.last_queued);
	if (queued > now)
		queued = 0;
	a = acc_of(next, pid, btf);
	if (!a)
		return;
	seq_write(a);
	st = a->state;
	since = a->since;
	/* on-CPU still: it left without the tracepoint (see unseen_in());
	 * when, and why, is not known: its time from its switch-in to this
	 * wait's start goes to no class (the loss counts it) */
	if (st == ST(PT_WAIT_ONCPU))
		pt_count_loss(PT_LOSS_SCHED_UNSEEN);
	/* the whole wait, also when the kernel split it (whole_wait) */
	if (queued)
		wait = whole_wait(next, btf, a, now - queued);
	else
		a->run_delay_mark = PT_BTF_READ(btf, next, sched_info.run_delay) + 1;
	if (st == ST_NONE || st == ST(PT_WAIT_ONCPU)) {
		/* first sight: runnable since it was queued, but not before
		 * the current interval began; nothing known before that */
		lb = last_boundary;
		since = !queued ? now : now - wait > lb ? now - wait : lb;
		a->thr_cfs = 0;
	} else if (st != ST(PT_WAIT_RUNQ)) {
		/* a sleep: its class until the wakeup queued it */
		__u64 woke = !queued ? now : now - wait > since ? now - wait : since;

		if (st <= PT_WAIT_NR) {
			__u64 lk = credit_sleep(&a->c, st, a->fx_flags,
						a->fx_mid, since, woke);

			/* woken from an event wait: it may hold the word now
			 * (on_waking()); a wait on another word meanwhile
			 * (the GIL's) keeps the first, unless the CPU since
			 * already rules a hand-over out */
			if ((a->fx_flags & FX_EVENT) &&
			    (!a->fx_held || a->fx_held == a->fx_addr ||
			     a->fx_oncpu >= FX_HANDOVER_NS)) {
				a->fx_held = a->fx_addr;
				a->fx_oncpu = 0;
			}

			if (lk) {	/* an event wait ended by a contender */
				st = ST(PT_WAIT_LOCK);
				since = woke - lk;
			}
			if (btf && site_min_ns && woke - since >= site_min_ns &&
			    st >= ST(PT_WAIT_IO) && st <= ST(PT_WAIT_LOCK)) {
				site_class = st - 1;
				site_ns = woke - since;
			}
		}
		since = woke;
	}
	if (since && since < now)
		credit_wait(&a->c, a->thr_cfs, a->thr_base, a->thr_tag,
			    next_cfs, now, now - since, btf);
	if (queued)	/* a run-queue wait the kernel timed */
		add_runq_wait(a, cv, wait, epoch);
	a->state = ST(PT_WAIT_ONCPU);
	a->fx_flags = 0;
	a->since = now;
	a->steal_base = steal;
	if (a->reclaim_off) {	/* back inside reclaim */
		a->reclaim_off = 0;
		a->reclaim_t0 = bpf_ktime_get_ns();
	}
	seq_write(a);
	/* the stack walk (microseconds) outside the sequence count, so the
	 * iterator's read of this thread is not kept waiting on it */
	if (site_ns)
		wait_site(next, pid, site_class, site_ns);
}

static __always_inline int on_switch(bool preempt, struct task_struct *prev,
				     struct task_struct *next,
				     unsigned int prev_state, bool btf,
				     bool cast)
{
	struct pt_sched_cpu_val *cv = cpu_val();
	/*
	 * The cfs_rqs of prev (here) and next (for account_in()) read once,
	 * before the branches: on 6.18 the verifier looks up a type by name,
	 * a linear walk of the kernel's BTF, at every load of a pointer from
	 * a kernel object (btf_nested_type_is_trusted()), once per verifier
	 * state reaching it.  Read inside account_out() and account_in(),
	 * after their branches, they were walked 89 and 25 times, and this
	 * program took ~0.6 s to load, the most of `perftop top`'s start.
	 */
	struct cfs_rq *prev_cfs = PT_BTF_READ(btf, prev, se.cfs_rq);
	struct rq *rq = cfs_rq_rq(prev_cfs, btf);
	/* __schedule() updated the clock before picking next; the kernel's
	 * sched_info_switch() right after this tracepoint reads the same. */
	__u64 now = rq_clock(rq, btf), steal = steal_clock(rq, btf);

	if (calib_left) {	/* a few per interval: see clock_off */
		__s64 off = now - bpf_ktime_get_ns();

		calib_left--;
		if (calib_fresh || off - (__s64)clock_off > 0) {
			calib_fresh = 0;
			clock_off = off;
		}
	}
	account_out(prev, prev_cfs, preempt, prev_state, now, steal, btf, cast,
		    cv);
	account_in(next, PT_BTF_READ(btf, next, se.cfs_rq), now, steal, btf,
		   cv);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(tpbtf_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{ return on_switch(preempt, prev, next, prev_state, true, PT_REGS_CAST); }
SEC("raw_tp/sched_switch")
int BPF_PROG(rawtp_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{ return on_switch(preempt, prev, next, prev_state, false, false); }

SEC("tp_btf/sched_waking")
int BPF_PROG(tpbtf_sched_waking, struct task_struct *p)
{ on_waking(p, true, PT_REGS_CAST); return 0; }
SEC("raw_tp/sched_waking")
int BPF_PROG(rawtp_sched_waking, struct task_struct *p)
{ on_waking(p, false, false); return 0; }

/*
 * Sleeping kernel locks (mutex, rwsem, rt_mutex, percpu-rwsem): a thread
 * between contention_begin and contention_end that sleeps waits on a lock.
 * Spinning waits (LCB_F_SPIN) do not sleep.  tp_btf only, loaded where
 * the kernel has the tracepoints (5.19+).
 */
static __always_inline void lock_flag(void *lock, bool begin)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sched_acc *a;

	a = bpf_task_storage_get(&sched_store, t, NULL,
				 begin ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!a) {
		/* not created (no memory, or on 6.18 another task-storage
		 * user busy on this CPU): this wait reads as a plain sleep */
		if (begin)
			pt_count_loss(PT_LOSS_STORAGE);
		return;
	}
	/* the end of this lock's wait: an interrupt's spinlock contention
	 * on the same thread in between ends another lock */
	if (begin)
		a->lock_addr = (__u64)lock;
	else if (a->lock_addr == (__u64)lock)
		a->lock_addr = 0;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(tpbtf_lock_begin, void *lock, unsigned int flags)
{
	if (!(flags & LCB_F_SPIN))
		lock_flag(lock, true);
	return 0;
}

SEC("tp_btf/contention_end")
int BPF_PROG(tpbtf_lock_end, void *lock, int ret)
{
	lock_flag(lock, false);
	return 0;
}

/*
 * Memory stall on the CPU: direct reclaim (global and a cgroup's limit)
 * and compaction run in the allocating thread, which is stalled on memory
 * as delay accounting (freepages, compact) and PSI count it, not running
 * its own code.  Between begin and end the thread's on-CPU time is memory
 * time; sleeps in there are memory already (in_memstall).  Optional
 * (tp_btf), per thread, only the thread's own hooks write it.
 */
static __always_inline void reclaim_mark(bool begin)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sched_acc *a;

	if (t->flags & PF_KTHREAD)
		return;	/* kswapd, kcompactd: their work, not a stall */
	a = bpf_task_storage_get(&sched_store, t, NULL,
				 begin ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!a) {
		/* not created (as in lock_flag()): this stall reads as
		 * on-CPU time */
		if (begin)
			pt_count_loss(PT_LOSS_STORAGE);
		return;
	}
	if (begin) {
		if (!a->reclaim_depth++)
			a->reclaim_t0 = bpf_ktime_get_ns();
	} else if (a->reclaim_depth && !--a->reclaim_depth) {
		if (a->reclaim_t0)
			a->reclaim_ns += bpf_ktime_get_ns() - a->reclaim_t0;
		a->reclaim_t0 = 0;
	}
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(tpbtf_reclaim_begin, int order, gfp_t gfp)
{ reclaim_mark(true); return 0; }
SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(tpbtf_reclaim_end, unsigned long nr)
{ reclaim_mark(false); return 0; }
SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(tpbtf_memcg_reclaim_begin, int order, gfp_t gfp)
{ reclaim_mark(true); return 0; }
SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(tpbtf_memcg_reclaim_end, unsigned long nr)
{ reclaim_mark(false); return 0; }
SEC("tp_btf/mm_compaction_begin")
int BPF_PROG(tpbtf_compact_begin, struct compact_control *cc,
	     unsigned long zone_start, unsigned long migrate_start, bool sync)
{ reclaim_mark(true); return 0; }
SEC("tp_btf/mm_compaction_end")
int BPF_PROG(tpbtf_compact_end, struct compact_control *cc,
	     unsigned long zone_start, unsigned long migrate_start, bool sync,
	     int status)
{ reclaim_mark(false); return 0; }

/* ---- interval end ---- */

/* Credit the open state of a (consistent copy of a) thread up to `at`. */
static __always_inline void credit_open(struct pt_sched_cum *c,
					const struct acc_head *a,
					struct task_struct *t, struct cfs_rq *cfs,
					struct rq *rq, __u64 at)
{
	__u32 st = a->state;
	__u64 since = a->since, queued, lk;

	if (!since || since >= at)
		return;
	if (st == ST(PT_WAIT_ONCPU)) {
		/* as the switch-out will: steal so far is steal, reclaim so
		 * far memory time */
		__u64 ran, stall = a->reclaim_ns, sn, cpu_now;

		/* A running thread's time so far, by its own CPU's clock (at
		 * most a tick behind, never ahead): a read that ran ahead of
		 * the thread would stay ahead when it exits. */
		cpu_now = rq ? rq->clock : at;
		if (cpu_now < at)
			at = cpu_now;
		if (since >= at)
			return;
		ran = at - since;
		sn = steal_clock(rq, true);
		if (sn > a->steal_base) {
			sn -= a->steal_base;
			sn = sn < ran ? sn : ran;
			c->ns[PT_WAIT_STEAL] += sn;
			ran -= sn;
		}
		if (stall > ran)
			stall = ran;
		c->ns[PT_WAIT_ONCPU] += ran - stall;
		c->ns[PT_WAIT_MEM] += stall;
		return;
	}
	if (st != ST(PT_WAIT_RUNQ) && st >= ST(PT_WAIT_IO) && st <= PT_WAIT_NR) {
		/* asleep, or woken and waiting: since its wait began (the
		 * growth of run_delay since the switch-out, if the kernel
		 * split the wait, plus the current segment) */
		queued = t->sched_info.last_queued;
		if (queued && queued <= at) {
			__u64 d = t->sched_info.run_delay + 1;

			if (a->run_delay_mark && d > a->run_delay_mark)
				queued -= d - a->run_delay_mark;
		} else {
			queued = at;
		}
		if (queued < since)
			queued = since;
		lk = st == ST(PT_WAIT_SLEEP) ?
		     lock_part(a->fx_flags, a->fx_mid, since, queued) : 0;
		c->ns[(st - 1) & 7] += queued - since - lk;
		c->ns[PT_WAIT_LOCK] += lk;
		since = queued;
	}
	if (since < at)
		credit_wait(c, a->thr_cfs, a->thr_base, a->thr_tag, cfs, at,
			    at - since, true);
}

/*
 * The thread's sequence count once its CPU is not writing (even), waiting
 * a little: a thread switching 30,000 times a second is being written a
 * few percent of the time, and four plain tries in a row failed about once
 * per two-second run of tests/e2e/sched_waitcause.sh (its read skipped, so
 * two intervals of it came out as one).  256 reads of one cache line are
 * some microseconds, more than a switch's accounting takes.
 */
/*
 * A global function: the verifier checks it once, on its own, where
 * inlined it walked the 256 reads again for each of sched_iter's four
 * tries and each state reaching them (239,781 instructions processed,
 * ~0.3 s of perftop's start on 6.18).  Its argument may be NULL to the
 * verifier (a global function's pointer is checked apart from its caller).
 */
__noinline __u32 even_seq(struct sched_acc *a)
{
	__u32 s = 1;
	int k;

	if (!a)
		return 1;

	for (k = 0; k < 256 && (s & 1); k++)
		s = *(volatile __u32 *)&a->seq;
	return s;
}

/*
 * Right after userspace ends an interval: one record per thread whose
 * counters moved, or that is running, runnable or blocked on I/O, memory
 * or a lock now (so a starving or stuck thread shows while it lasts).
 * Plain sleepers that did nothing are left out: their sleep is the rest of
 * the interval.
 */
SEC("iter/task")
int sched_iter(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *t = ctx->task;
	struct pt_sched_rec *r;
	struct acc_head copy = {};
	struct sched_acc *a;
	struct cfs_rq *cfs;
	struct rq *rq;
	__u32 zero = 0, s1, i, pid;
	__u64 at, k_at;
	bool got = false;

	if (!t)
		return 0;
	pid = t->pid;
	/* its cfs_rq and run queue, read once, outside the tries below (the
	 * verifier's name lookup per pointer load and state, see on_switch());
	 * a switch does not move them, only a migration, which the tries'
	 * sequence count does not see either */
	cfs = t->se.cfs_rq;
	rq = cfs ? cfs_rq_rq(cfs, true) : NULL;
	a = bpf_task_storage_get(&sched_store, t, NULL, 0);
	if (!a)
		a = bpf_map_lookup_elem(&sched_hash, &pid);
	r = bpf_map_lookup_elem(&sched_scratch, &zero);
	if (!a || !r)
		return 0;
	/* every thread credited up to the same instant: the snapshot's */
	k_at = pass_mono ? pass_mono : bpf_ktime_get_ns();
	at = k_at + clock_off;
	last_boundary = at;
	for (i = 0; i < 4 && !got; i++) {
		s1 = even_seq(a);
		if (s1 & 1)
			continue;	/* its CPU is still writing: again */
		asm volatile("" ::: "memory");
		copy.state = a->state;
		copy.fx_flags = a->fx_flags;
		copy.fx_mid = a->fx_mid;
		copy.since = a->since;
		copy.thr_base = a->thr_base;
		copy.thr_cfs = a->thr_cfs;
		copy.thr_tag = a->thr_tag;
		copy.max_epoch = a->max_epoch;
		copy.runq_max_ns = a->runq_max_ns;
		copy.run_delay_mark = a->run_delay_mark;
		copy.reclaim_ns = a->reclaim_ns;
		copy.steal_base = a->steal_base;
		if (a->reclaim_depth && a->reclaim_t0 && at > 0) {
			if (k_at > a->reclaim_t0)
				copy.reclaim_ns += k_at - a->reclaim_t0;
		}
		bpf_probe_read_kernel(&r->cum, sizeof(r->cum), &a->c);
		/* the task's live fields too (last_queued, run_delay, its
		 * cfs_rq): a switch after the copy would make them another
		 * state's */
		credit_open(&r->cum, &copy, t, cfs, rq, at);
		asm volatile("" ::: "memory");
		got = *(volatile __u32 *)&a->seq == s1;
	}
	if (!got) {
		pt_count_loss(PT_LOSS_STORAGE);	/* counted, never silent */
		return 0;
	}
	if (copy.state == ST_DEAD)
		return 0;	/* a zombie: its final record was sent */
	if ((s1 | 0x80000000) == a->emitted && copy.state != ST(PT_WAIT_ONCPU) &&
	    copy.state != ST(PT_WAIT_RUNQ) && copy.state != ST(PT_WAIT_IO) &&
	    copy.state != ST(PT_WAIT_MEM) && copy.state != ST(PT_WAIT_LOCK) &&
	    !(copy.state == ST(PT_WAIT_SLEEP) &&
	      t->sched_info.last_queued > copy.since))
		return 0;
	r->flags = a->emitted ? 0 : PT_SCHED_REC_FIRST;
	r->pid = t->pid;
	r->tgid = t->tgid;
	r->start_time = t->start_time;
	r->cgroup_id = pt_task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&r->comm, t, comm);
	r->max_epoch = copy.max_epoch;
	r->policy = t->policy;
	r->nice = t->static_prio - NICE_0_PRIO;
	r->runq_max_ns = copy.runq_max_ns;
	r->at = at;
	/* A record that does not fit in the seq_file buffer (32 KiB: the
	 * 25th of a read()) is discarded, and the kernel runs this program
	 * again for the same thread at the next read() (bpf_seq_read()).  So
	 * the thread is marked as read only once its record is in: marked on
	 * the discarded run, the rerun said "not FIRST" of a thread userspace
	 * had never seen, which took it as a mere baseline and lost its
	 * counters so far, with no loss counted. */
	if (bpf_seq_write(seq, r, sizeof(*r)))
		return 0;
	/* Never 0 once read.  A thread that switched after the interval's
	 * end (since > at) was read up to that switch, past the end: odd,
	 * matching no sequence count, so the next pass reads it again, even
	 * asleep, and gives the time back (left out as a quiet sleeper, it
	 * kept it: a waiter that blocked in that gap was over by it for
	 * good). */
	a->emitted = copy.since > at ? 0x80000001 : s1 | 0x80000000;
	return 0;
}
