/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records and constants shared by the BPF programs (bpf/) and the loader
 * (user/).  Everything here must compile both with vmlinux.h (BPF side) and
 * with <linux/types.h> (user side), so only __u32/__u64 style types.
 *
 * Transport, in short (see docs/design.md for the measurements):
 *  - high-rate families (sched, fault) aggregate in-kernel into per-interval
 *    hash maps keyed by {id, epoch}; userspace flips `epoch` at the end of an
 *    interval and drains the old half, so no entry outlives two intervals;
 *  - lower-rate families (block, tcp) emit fixed-size records through a BPF
 *    ring buffer without per-event wakeups; userspace drains it on a timer or
 *    when the producer forces a wakeup at a fill watermark.
 */
#ifndef PERFTOP_H
#define PERFTOP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PT_COMM_LEN 16
#define PT_MAX_PID_FILTER 64	/* -p accepts at most this many tgids */
#define PT_DEF_TASK_ENTRIES 16384	/* per epoch half, resized at load */

/* Ways an event can be lost in the kernel; index into each object's
 * per-CPU `loss` array.  Userspace sums them and reports every one. */
enum pt_loss_kind {
	PT_LOSS_RINGBUF = 0,	/* bpf_ringbuf_reserve() failed: buffer full */
	PT_LOSS_MAP_FULL = 1,	/* aggregation map had no free entry */
	PT_LOSS_STORAGE = 2,	/* task/socket storage could not be created */
	PT_LOSS_NR,
};

/* Log-linear histogram: 8 sub-buckets per power of two, exact below 16 ns.
 * A bucket's width is at most 1/8 of its lower bound, so reporting its
 * midpoint is within 6.25% of any value in it. */
#define PT_HIST_SUB_BITS 3
#define PT_HIST_LINEAR 16
#define PT_HIST_MAX_LOG2 36	/* values >= 2^36 ns (~69 s) share the top bucket */
#define PT_HIST_BUCKETS (PT_HIST_LINEAR + (PT_HIST_MAX_LOG2 - 4) * 8)

/* Key of every per-interval aggregation map. */
struct pt_key {
	__u32 id;	/* thread id, CPU number, ... */
	__u32 epoch;	/* which half of the double buffer */
};

/* ---- sched ---- */
struct pt_sched_task_val {
	__u32 tgid;
	__u32 pad;
	__u64 cgroup_id;
	char comm[PT_COMM_LEN];
	__u64 runq_wait_ns;
	__u64 runq_count;
	__u64 runq_max_ns;
	__u64 oncpu_ns;
	/* Kernel-side bookkeeping: 1 + the thread's schedstat run_delay as of
	 * its last switch in or out (kept across intervals in the thread's
	 * task storage; per interval in the hash-only paths); 0 when not yet
	 * seen. */
	__u64 run_delay_mark;
	__u32 hist[PT_HIST_BUCKETS];
};

struct pt_sched_cpu_val {
	__u64 runq_wait_ns;
	__u64 runq_count;
	__u64 runq_max_ns;
	__u64 oncpu_ns;	/* non-idle time on this CPU */
	__u32 hist[PT_HIST_BUCKETS];
};

/* ---- page faults ---- */
struct pt_fault_task_val {
	__u32 tgid;
	__u32 pad;
	__u64 cgroup_id;
	char comm[PT_COMM_LEN];
	__u64 minor;
	__u64 major;
};

/* ---- block I/O: one record per completed request ---- */

/* Which diskstats field group a completion lands in (op_stat_group()). */
enum pt_block_group {
	PT_BLK_READ = 0,
	PT_BLK_WRITE = 1,
	PT_BLK_DISCARD = 2,
	PT_BLK_FLUSH = 3,	/* the flush request of a flush sequence */
};

#define PT_BLK_F_IO	(1u << 0)	/* ends an I/O diskstats counts */
#define PT_BLK_F_TASK	(1u << 1)	/* pid..comm name the issuer */

struct pt_block_event {
	__u32 dev;		/* whole disk, kernel dev_t: major << 20 | minor */
	__u32 pid;		/* issuing thread (when PT_BLK_F_TASK) */
	__u32 tgid;
	__u8 group;		/* enum pt_block_group */
	__u8 flags;		/* PT_BLK_F_* */
	__u16 pad;
	__u64 bytes;		/* as diskstats counts them: sectors * 512 */
	__u64 cgroup_id;
	__u64 lat_ns;		/* accounting start -> complete, 0 unknown */
	__u64 queue_ns;		/* accounting start -> issue, 0 unknown */
	__u64 device_ns;	/* issue -> complete, 0 unknown */
	char comm[PT_COMM_LEN];
};

/* In-flight request, keyed by its struct request address.  Userspace
 * reads these for the in-flight count and removes orphans. */
struct pt_block_req {
	__u64 start_ns;		/* first seen (io_start or insert) */
	__u64 issue_ns;		/* handed to the driver, 0 while queued */
	__u64 bytes;		/* completed so far (partial completions) */
	__u64 cgroup_id;
	__u32 dev;
	__u32 pid;
	__u32 tgid;
	__u8 has_task;		/* pid..comm are the issuer */
	__u8 wanted;		/* issuer passes the -p / -c filter */
	__u16 pad;
	char comm[PT_COMM_LEN];
};

/* ---- TCP: per connection, aggregated in-kernel per interval ----
 * Bytes, retransmits and segments are deltas of the socket's own counters
 * (tcp_sock bytes_acked, bytes_received, total_retrans, segs_out) taken at
 * every send/recv call, incoming segment, retransmit and state change.
 * State changes are rare, but byte events are per call and per segment, so
 * everything lands in one per-interval hash keyed by socket (docs/tcp.md). */
#define PT_DEF_CONN_ENTRIES 32768	/* per epoch half: connections active
					 * in one interval */

/* Events seen on a connection in the interval (bit mask). */
#define PT_TCP_EV_CONNECT (1u << 0)	/* connect() started it */
#define PT_TCP_EV_ACCEPT (1u << 1)	/* established by a listener */
#define PT_TCP_EV_CLOSE (1u << 2)	/* reached CLOSE */
#define PT_TCP_EV_RESET (1u << 3)	/* RST sent or received */

struct pt_tcp_key {
	__u64 sock;	/* struct sock address: identity only */
	__u32 epoch;
	__u32 gen;	/* connection incarnation: freed sockets' addresses
			 * are reused, even within one interval */
};

/* Who and where, captured while the socket still holds its port (the
 * kernel releases it before the transition to CLOSE). */
struct pt_tcp_tuple {
	__u16 family;		/* AF_INET or AF_INET6; 0 while unknown */
	__u16 sport;		/* host byte order */
	__u16 dport;
	__u16 pad;
	__u32 netns;		/* network namespace inode */
	__u8 saddr[16];		/* network byte order; IPv4 in the first 4 */
	__u8 daddr[16];
};

struct pt_tcp_val {
	__u32 pid;		/* owner: last task that sent, received, */
	__u32 tgid;		/* connected or listened (0: not seen yet) */
	__u64 cgroup_id;
	char comm[PT_COMM_LEN];
	struct pt_tcp_tuple tuple;
	__u32 srtt_us;		/* at the last event of the interval */
	__s64 tx_bytes;		/* deltas; a racing sampler can make one */
	__s64 rx_bytes;		/* interval's share negative, the sum over */
	__s64 retransmits;	/* intervals stays exact */
	__s64 segs_out;
	__u64 events;		/* PT_TCP_EV_* */
};

#endif /* PERFTOP_H */
