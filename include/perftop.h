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
	PT_LOSS_UNTRACKED = 3,	/* block: a completion under -p/-c of a request
				 * perftop never saw start: its issuer, so
				 * whether it is wanted, is unknown */
	PT_LOSS_OWNER_UNKNOWN = 4,	/* tcp: a connection under -p/-c went
					 * away before any owner was known */
	PT_LOSS_SCHED_UNSEEN = 5,	/* sched: a context switch the kernel
					 * made without its sched_switch
					 * tracepoint, found at the thread's
					 * next switch (docs/testing.md) */
	PT_LOSS_NR,
};

/* Log-linear histogram: 8 sub-buckets per power of two, exact below 16 ns.
 * A bucket's width is at most 1/8 of its lower bound, so reporting its
 * midpoint is within 6.25% of any value in it. */
#define PT_HIST_SUB_BITS 3
#define PT_HIST_LINEAR 16
#define PT_HIST_MAX_LOG2 36	/* values >= 2^36 ns (~69 s) share the top bucket */
#define PT_HIST_BUCKETS (PT_HIST_LINEAR + (PT_HIST_MAX_LOG2 - 4) * 8)

/* Programs in flight per CPU, per epoch half (bpf/common.bpf.h,
 * pt_epoch_enter()); one cache line per CPU. */
struct pt_inflight {
	__u64 n[2];
	__u64 pad[6];
};

/* Key of every per-interval aggregation map. */
struct pt_key {
	__u32 id;	/* thread id, CPU number, ... */
	__u32 epoch;	/* which half of the double buffer */
};

/* ---- sched ---- */

/*
 * Where a thread's wall time goes, one class at a time (docs/design.md,
 * "Wait causes").  The classes of a thread add up to the time it was seen.
 */
enum pt_wait_class {
	PT_WAIT_ONCPU = 0,	/* running */
	PT_WAIT_RUNQ,		/* runnable, waiting for a CPU */
	PT_WAIT_THROTTLED,	/* runnable, its cgroup out of CPU quota */
	PT_WAIT_IO,		/* blocked with in_iowait (io_schedule) */
	PT_WAIT_MEM,		/* blocked with in_memstall (reclaim, thrashing) */
	PT_WAIT_LOCK,		/* blocked in futex() or on a kernel lock */
	PT_WAIT_SLEEP,		/* any other sleep */
	PT_WAIT_STEAL,		/* on a CPU the hypervisor took away (steal
				 * time, a guest with paravirt accounting):
				 * the kernel does not charge it as run time */
	PT_WAIT_NR,
};

/*
 * A thread's counters since it was first seen: only ever growing, so an
 * interval's figures are the difference of two reads and nothing is moved
 * or reset at an interval's end (nothing to lose there).
 */
struct pt_sched_cum {
	__u64 ns[PT_WAIT_NR];	/* time per class */
	__u64 waits[PT_WAIT_NR];	/* episodes per class ended */
	__u64 vol_switches;	/* switched out asleep (nvcsw) */
	__u64 invol_switches;	/* switched out runnable (nivcsw) */
	__u64 runq_wait_ns;	/* completed run-queue waits (run_delay) */
	__u64 runq_count;
	__u32 hist[PT_HIST_BUCKETS];	/* of those waits */
};

#define PT_SCHED_REC_DEAD 1	/* its last switch: no more records */
#define PT_SCHED_REC_FIRST 2	/* first record of this thread */

/* One thread's counters as read at an interval's end (task iterator, as
 * bpf_seq_write() output) or at its last switch (ring buffer, `dead`). */
struct pt_sched_rec {
	__u32 pid;
	__u32 tgid;
	__u64 start_time;	/* with pid, the thread's identity */
	__u64 cgroup_id;
	char comm[PT_COMM_LEN];
	__u32 flags;		/* PT_SCHED_REC_* */
	__u32 max_epoch;	/* runq_max_ns is of this epoch's waits */
	__u32 policy;		/* SCHED_NORMAL 0, FIFO 1, RR 2, BATCH 3, ... */
	__s32 nice;		/* static priority - 120: -20..19 */
	__u64 runq_max_ns;
	__u64 at;		/* run-queue clock the figures run to */
	struct pt_sched_cum cum;	/* open state credited up to `at` */
};

/*
 * Where threads wait: the kernel stack of a thread whose blocked wait (I/O,
 * memory, lock) lasted at least the family's site threshold, taken as it
 * is switched back in, summed per thread, class and stack per interval.
 */
#define PT_SITE_DEPTH 16
#define PT_DEF_SITE_ENTRIES 4096	/* per epoch half */

struct pt_site_key {
	__u32 pid;
	__u32 epoch;
	__u32 class;		/* enum pt_wait_class */
	__u32 tgid;
	__u64 ips[PT_SITE_DEPTH];	/* innermost first, 0-padded */
};

struct pt_site_val {
	__u64 ns;		/* blocked time of those waits */
	__u64 count;
	__u64 cgroup_id;
	char comm[PT_COMM_LEN];
};

/* Per CPU, also only growing (indexed by CPU). */
struct pt_sched_cpu_val {
	__u64 runq_wait_ns;
	__u64 runq_count;
	__u64 oncpu_ns;		/* non-idle time on this CPU */
	__u64 runq_max_ns;	/* of epoch max_epoch's waits */
	__u32 max_epoch;
	__u32 pad;
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
#define PT_TCP_EV_TIMEOUT (1u << 4)	/* stalled in retransmission timeouts */

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
	__u64 tx_bytes;		/* deltas of the socket's counters, never */
	__u64 rx_bytes;		/* negative: the baseline only moves */
	__u64 retransmits;	/* forward (advance() in bpf/tcp.bpf.c) */
	__u64 segs_out;
	__u64 events;		/* PT_TCP_EV_* */
};

/* ---- OOM kills: one record per oom:mark_victim ---- */
struct pt_oom_event {
	__u32 pid;		/* victim thread (the tracepoint's pid) */
	__u32 tgid;		/* 0: unknown (the tracepoint gave only a pid) */
	__u64 cgroup_id;	/* victim's, naming hierarchy; 0 unknown */
	__u64 rss_pages;	/* anon + file + shmem, as the kernel's own
				 * tracepoint computes them; 0 unknown */
	__u32 has_task;		/* tgid..rss_pages come from the victim */
	__u32 pad;
	__u64 mem_cgroup_id;	/* v1 hosts named by the cpu hierarchy: its
				 * memory cgroup's id; 0 otherwise */
	char comm[PT_COMM_LEN];
};

#endif /* PERFTOP_H */
