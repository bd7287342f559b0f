// SPDX-License-Identifier: GPL-2.0
/*
 * OOM kills, system-wide: oom:mark_victim fires once for every task the
 * OOM killer (global or memcg) chooses, the same event /proc/vmstat
 * oom_kill counts.  Every hit adds to `oom_kills` (exact, read by
 * userspace each interval) and sends one record through a ring buffer (a
 * full buffer is counted in the loss map, the count stays exact).
 *
 * The tracepoint's arguments changed: older kernels pass only the victim's
 * pid (trace_mark_victim(tsk->pid)), newer ones the task_struct and a uid
 * (the event gained comm, RSS and uid fields); the Debian kernels tested
 * (6.1, 6.12) and 6.18 all pass the task.  The
 * loader reads which from the kernel's BTF (btf_trace_mark_victim's first
 * argument after the context: a pointer or an int) and sets have_task; with the task we read
 * tgid, comm, cgroup and RSS from the victim itself, else userspace
 * completes the record from /proc/<pid> while the victim is still dying.
 */
#include "common.bpf.h"

const volatile bool have_task = false;
/* On v1 hosts named by the cpu hierarchy, 1 + the memory subsystem's
 * index: the victim's memory cgroup (its limit may be on another path
 * than its cpu cgroup) travels with it; 0 otherwise. */
const volatile __u32 mem_v1_ssid = 0;

__u64 oom_kills = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);	/* 1365 records: OOM kills are rare */
} oom_events SEC(".maps");

/* RSS as the kernel's tracepoint reports it: get_mm_counter() of file,
 * anon and shmem pages (compat.bpf.h: the layout changed in 6.2). */
static __always_inline __u64 rss_pages(struct task_struct *t)
{
	struct mm_struct *mm = BPF_CORE_READ(t, mm);

	if (!mm)
		return 0;
	return pt_mm_counter(mm, MM_FILEPAGES) +
	       pt_mm_counter(mm, MM_ANONPAGES) +
	       pt_mm_counter(mm, MM_SHMEMPAGES);
}

static __always_inline int on_victim(__u64 arg0)
{
	struct task_struct *t = (struct task_struct *)arg0;
	struct pt_oom_event *e;

	__sync_fetch_and_add(&oom_kills, 1);
	e = bpf_ringbuf_reserve(&oom_events, sizeof(*e), 0);
	if (!e) {
		pt_count_loss(PT_LOSS_RINGBUF);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	if (have_task) {
		e->has_task = 1;
		e->pid = BPF_CORE_READ(t, pid);
		e->tgid = BPF_CORE_READ(t, tgid);
		e->cgroup_id = pt_task_cgroup_id(t);
		if (mem_v1_ssid) {
			struct cgroup *mcg = pt_task_v1_cgroup(t, mem_v1_ssid);

			e->mem_cgroup_id = mcg ? BPF_CORE_READ(mcg, kn, id) : 0;
		}
		e->rss_pages = rss_pages(t);
		BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
	} else {
		e->pid = (__u32)arg0;	/* int pid */
	}
	/* wake the reader now: on old kernels it reads /proc/<pid> */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(pt_oom_victim_btf)
{
	return on_victim(ctx[0]);
}

SEC("raw_tp/mark_victim")
int BPF_PROG(pt_oom_victim_raw)
{
	return on_victim(ctx[0]);
}
