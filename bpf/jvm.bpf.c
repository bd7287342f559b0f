// SPDX-License-Identifier: GPL-2.0
/*
 * Java monitor waits.  A HotSpot thread that finds a `synchronized`
 * monitor held spins, then parks in ObjectMonitor's slow enter (EnterI;
 * ReenterI after Object.wait(); enter_internal / reenter_internal since
 * JDK 24) until the owner hands the monitor on.  It parks on its own
 * event (pthread_cond_wait on a per-thread condition variable), so its
 * futex wait looks like any idle thread's, and its waker never waited on
 * that word: sched.bpf.c's futex rules see a sleep.  An 8-thread
 * synchronized convoy waited ~7,000 ms/s by its own clocks and read as
 * sleep, exit 0 (explore helper, 2026-12-04).
 *
 * These uprobes mark a thread while it is inside those functions; a
 * futex sleep of a marked thread is a lock wait (sleep_class()).  They
 * fire only on contended enters (the slow path), not on every monitor
 * enter.  Userspace attaches them to each libjvm.so it finds mapped
 * (user/collection/jvm.c), with `jvm_mon` and `loss` shared with the
 * sched object.
 */
#include "common.bpf.h"
#include "jvm.bpf.h"

SEC("uprobe")
int BPF_KPROBE(jvm_monitor_enter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), one = 1;
	__u32 *depth = bpf_map_lookup_elem(&jvm_mon, &tid);

	if (depth)
		(*depth)++;
	else if (bpf_map_update_elem(&jvm_mon, &tid, &one, BPF_NOEXIST))
		pt_count_loss(PT_LOSS_MAP_FULL);	/* its wait: a sleep */
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(jvm_monitor_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u32 *depth = bpf_map_lookup_elem(&jvm_mon, &tid);

	if (depth && !--*depth)
		bpf_map_delete_elem(&jvm_mon, &tid);
	return 0;
}
