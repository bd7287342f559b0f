// SPDX-License-Identifier: GPL-2.0
/*
 * rbflood: drive perftop's block ring buffer at a chosen rate, for the
 * drop test of scripts/bench.sh, where no real device here can (this 2-CPU
 * machine peaks near 320k block requests/s).  Each getppid() of the
 * flooding process becomes one struct pt_block_event in perftop's own
 * block_events ring buffer, submitted with perftop's wakeup rule; a full
 * buffer is counted in perftop's own loss map, so perftop's trace shows
 * every record it got and every one it lost.  The maps are perftop's,
 * reused by id (scripts/bench/rbflood.c).  Not part of perftop.
 */
#include "common.bpf.h"	/* perftop's loss map and pt_count_loss() */

#define NR_GETPPID 110		/* x86_64 */
#define RB_SIZE (1 << 20)	/* resized to perftop's by the loader */

const volatile __u32 flood_tgid;
const volatile __u32 fake_dev;
const volatile __u64 rb_wakeup_bytes;
__u64 submitted, dropped;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_SIZE);
} block_events SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(flood, struct pt_regs *regs, long id)
{
	struct pt_block_event *e;
	__u64 id_tgid = bpf_get_current_pid_tgid();

	if (id != NR_GETPPID || (__u32)(id_tgid >> 32) != flood_tgid)
		return 0;
	e = bpf_ringbuf_reserve(&block_events, sizeof(*e), 0);
	if (!e) {
		pt_count_loss(PT_LOSS_RINGBUF);
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->dev = fake_dev;
	e->pid = (__u32)id_tgid;
	e->tgid = id_tgid >> 32;
	e->group = PT_BLK_READ;
	e->flags = PT_BLK_F_IO | PT_BLK_F_TASK;
	e->pad = 0;
	e->bytes = 512;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->lat_ns = 2000;
	e->queue_ns = 500;
	e->device_ns = 1500;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&block_events,
						BPF_RB_AVAIL_DATA) >
			   rb_wakeup_bytes ? BPF_RB_FORCE_WAKEUP :
			   BPF_RB_NO_WAKEUP);
	__sync_fetch_and_add(&submitted, 1);
	return 0;
}
