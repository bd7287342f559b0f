// SPDX-License-Identifier: GPL-2.0
/*
 * Block I/O probe family: one ring-buffer record per completed request,
 * counted exactly the way /proc/diskstats counts it.
 *
 * A request is tracked by its address from the moment the block layer
 * starts accounting it (block_io_start, 6.5+, in the context of the task
 * that submitted the bio; older kernels: block_rq_insert, else
 * block_rq_issue) until its last block_rq_complete.  The tracking entry
 * carries the issuer's identity, so the completion (usually in interrupt
 * context) is charged to the task that asked for the I/O.
 *
 * diskstats (block/blk-mq.c, blk-core.c) counts
 *  - sectors: nr_bytes >> 9 on every blk_update_request() of a request
 *    with RQF_IO_STAT, which is where block_rq_complete fires, possibly
 *    several times for one request (partial completions);
 *  - ios and time: once per request at its end, when RQF_IO_STAT is set
 *    and RQF_FLUSH_SEQ is not (the flush machinery's own requests);
 *  - the group: discard, else write when the op is odd, else read.
 * This file mirrors those rules; see docs/block.md.
 */
#include "common.bpf.h"

#define REQ_OP_MASK 0xff
#define RB_SIZE (1 << 20)
/* Wake the reader early once the buffer is half full. */
#define RB_WAKEUP_BYTES (RB_SIZE / 2)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_SIZE);
} block_events SEC(".maps");

/* In-flight requests by address.  Request structures come from per-queue
 * pools and are reused, so a stale entry is overwritten by the next life
 * of its address; userspace removes entries that outlive any real I/O
 * (a removed device) and counts them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pt_block_req);
} block_reqs SEC(".maps");

/* Set by the loader when block_io_start is attached: then every new
 * request is seen there first, and insert/issue never start an entry
 * for a request that already has one. */
const volatile bool have_io_start = false;

/* RQF_IO_STAT and RQF_FLUSH_SEQ of the running kernel, as masks: set by the
 * loader from the kernel's BTF or its version (user/collection/block.c);
 * the family does not start when it cannot tell them. */
const volatile __u32 rqf_io_stat = 0;
const volatile __u32 rqf_flush_seq = 0;

/* CLOCK_MONOTONIC (the clock of rq->start_time_ns) once every hook is
 * attached: set by the loader after attaching; 0 until then. */
__u64 attach_ns = 0;

static __always_inline bool filter_on(void)
{
	return filter_tgid_on || filter_cgroup_id;
}

static __always_inline void fill_issuer(struct pt_block_req *r)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	r->pid = (__u32)id;
	r->tgid = id >> 32;
	r->cgroup_id = pt_task_cgroup_id(t);
	bpf_get_current_comm(&r->comm, sizeof(r->comm));
	r->has_task = 1;
	r->wanted = pt_task_wanted(t);
}

/*
 * A request starts its (possibly new) life: the current task issued it.
 * No room is counted as map_full only at the issue, the last hook that
 * tries (io_start and insert try first, and a later try may find room):
 * once per request, not once per hook.
 */
static __always_inline struct pt_block_req *track(struct request *rq,
						  __u64 now, bool issued)
{
	__u64 key = (__u64)rq;
	struct pt_block_req r = {};

	r.start_ns = now;
	r.issue_ns = issued ? now : 0;
	r.dev = pt_rq_disk_dev(rq);
	fill_issuer(&r);
	if (bpf_map_update_elem(&block_reqs, &key, &r, BPF_ANY)) {
		if (issued)
			pt_count_loss(PT_LOSS_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&block_reqs, &key);
}

/*
 * Did the request start after every hook was attached?  Then perftop
 * tried to track it, and if it has no entry now, that loss was counted
 * when it happened (map_full at its issue, or block_reaped): counting it
 * again as block_untracked counted one request twice.  No kernel start
 * time (a queue without I/O stats or timestamps): unknown, so no.
 */
static __always_inline bool started_attached(struct request *rq)
{
	__u64 start = BPF_CORE_READ(rq, start_time_ns);

	return attach_ns && start >= attach_ns;
}

static __always_inline int on_io_start(struct request *rq)
{
	track(rq, bpf_ktime_get_ns(), false);
	return 0;
}

static __always_inline int on_insert(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct pt_block_req *r = bpf_map_lookup_elem(&block_reqs, &key);

	/* Without io_start, an entry still marked issued is a past life of
	 * this address whose completion we missed. */
	if (!r || (r->issue_ns && !have_io_start))
		track(rq, bpf_ktime_get_ns(), false);
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct pt_block_req *r = bpf_map_lookup_elem(&block_reqs, &key);

	/* Issued twice without a requeue in between: a stale entry. */
	if (!r || (r->issue_ns && !have_io_start))
		track(rq, now, true);
	else
		r->issue_ns = now;
	return 0;
}

/* Back to the queue (driver busy, error retry): no longer in the device. */
static __always_inline int on_requeue(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct pt_block_req *r = bpf_map_lookup_elem(&block_reqs, &key);

	if (r)
		r->issue_ns = 0;
	return 0;
}

/* Merged into another request and freed: its bytes complete with that
 * one, and the kernel does not count it as an I/O of its own. */
static __always_inline int on_merge(struct request *rq)
{
	__u64 key = (__u64)rq;

	bpf_map_delete_elem(&block_reqs, &key);
	return 0;
}

static __always_inline __u8 stat_group(__u32 op)
{
	if (op == 3)	/* REQ_OP_DISCARD */
		return PT_BLK_DISCARD;
	return (op & 1) ? PT_BLK_WRITE : PT_BLK_READ;
}

/* Where the kernel's accounting of this request started. */
static __always_inline __u64 start_of(struct request *rq, bool io_stat,
				      struct pt_block_req *r)
{
	__u64 start = io_stat ? BPF_CORE_READ(rq, start_time_ns) : 0;

	if (!start && r)
		start = r->start_ns;
	return start;
}

static __always_inline void emit(struct request *rq, struct pt_block_req *r,
				 __u8 group, __u8 flags, __u64 bytes, __u64 now,
				 bool io_stat)
{
	struct pt_block_event *e;
	__u64 start, issue;

	e = bpf_ringbuf_reserve(&block_events, sizeof(*e), 0);
	if (!e) {
		pt_count_loss(PT_LOSS_RINGBUF);
		return;
	}
	e->dev = r ? r->dev : pt_rq_disk_dev(rq);
	e->group = group;
	e->flags = flags;
	e->pad = 0;
	e->bytes = bytes;
	e->pid = r ? r->pid : 0;
	e->tgid = r ? r->tgid : 0;
	e->cgroup_id = r ? r->cgroup_id : 0;
	__builtin_memset(e->comm, 0, sizeof(e->comm));
	if (r && r->has_task) {
		e->flags |= PT_BLK_F_TASK;
		__builtin_memcpy(e->comm, r->comm, sizeof(e->comm));
	}
	start = start_of(rq, io_stat, r);
	issue = r ? r->issue_ns : 0;
	e->lat_ns = start && now > start ? now - start : 0;
	e->queue_ns = 0;
	e->device_ns = 0;
	/* Split the latency only when we saw the whole life.  A request
	 * never issued itself (an empty pre-flush write: only the flush
	 * machinery's request reaches the driver) waited on the device. */
	if (r && e->lat_ns && issue >= start) {
		e->queue_ns = issue - start;
		e->device_ns = now > issue ? now - issue : 0;
	} else if (r && e->lat_ns && !issue) {
		e->device_ns = e->lat_ns;
	}
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&block_events, BPF_RB_AVAIL_DATA)
			   > RB_WAKEUP_BYTES ? BPF_RB_FORCE_WAKEUP :
			   BPF_RB_NO_WAKEUP);
}

static __always_inline int on_complete(struct request *rq,
				       unsigned int nr_bytes)
{
	__u32 rq_flags = BPF_CORE_READ(rq, rq_flags);
	__u32 op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;
	bool io_stat = rq_flags & rqf_io_stat;
	bool flush_seq = rq_flags & rqf_flush_seq;
	bool last = nr_bytes >= BPF_CORE_READ(rq, __data_len);
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns(), bytes;
	struct pt_block_req *r = bpf_map_lookup_elem(&block_reqs, &key);
	__u8 group = stat_group(op), flags = 0;

	/* Sectors as blk_account_io_completion() adds them. */
	bytes = io_stat ? (__u64)(nr_bytes >> 9) << 9 : 0;
	if (r && !r->wanted)
		goto done;
	/* Issuer unknown (in flight before perftop attached, or its entry
	 * reaped or never created): cannot tell if wanted.  Counted once
	 * per request, at its last completion, unless already counted. */
	if (!r && filter_on()) {
		if (last && !started_attached(rq))
			pt_count_loss(PT_LOSS_UNTRACKED);
		return 0;
	}
	if (!last && r) {
		r->bytes += bytes;	/* one record per request, at its end */
		return 0;
	}
	if (r)
		bytes += r->bytes;
	if (last && io_stat && !flush_seq)
		flags = PT_BLK_F_IO;
	if (last && flush_seq && op == 2 /* REQ_OP_FLUSH */)
		group = PT_BLK_FLUSH;
	if (bytes || flags || group == PT_BLK_FLUSH)
		emit(rq, r, group, flags, bytes, now, io_stat);
done:
	if (!last)
		return 0;
	/* The data part of a flush sequence ends once more, as a normal
	 * request, after the post-flush: keep its issuer until then. */
	if (r && flush_seq && op != 2)
		r->bytes = 0;
	else
		bpf_map_delete_elem(&block_reqs, &key);
	return 0;
}

SEC("tp_btf/block_io_start")
int BPF_PROG(tpbtf_block_io_start, struct request *rq)
{ return on_io_start(rq); }
SEC("raw_tp/block_io_start")
int BPF_PROG(rawtp_block_io_start, struct request *rq)
{ return on_io_start(rq); }

SEC("tp_btf/block_rq_insert")
int BPF_PROG(tpbtf_block_rq_insert, struct request *rq)
{ return on_insert(rq); }
SEC("raw_tp/block_rq_insert")
int BPF_PROG(rawtp_block_rq_insert, struct request *rq)
{ return on_insert(rq); }

SEC("tp_btf/block_rq_issue")
int BPF_PROG(tpbtf_block_rq_issue, struct request *rq)
{ return on_issue(rq); }
SEC("raw_tp/block_rq_issue")
int BPF_PROG(rawtp_block_rq_issue, struct request *rq)
{ return on_issue(rq); }

SEC("tp_btf/block_rq_requeue")
int BPF_PROG(tpbtf_block_rq_requeue, struct request *rq)
{ return on_requeue(rq); }
SEC("raw_tp/block_rq_requeue")
int BPF_PROG(rawtp_block_rq_requeue, struct request *rq)
{ return on_requeue(rq); }

SEC("tp_btf/block_rq_merge")
int BPF_PROG(tpbtf_block_rq_merge, struct request *rq)
{ return on_merge(rq); }
SEC("raw_tp/block_rq_merge")
int BPF_PROG(rawtp_block_rq_merge, struct request *rq)
{ return on_merge(rq); }

SEC("tp_btf/block_rq_complete")
int BPF_PROG(tpbtf_block_rq_complete, struct request *rq, int error,
	     unsigned int nr_bytes)
{ return on_complete(rq, nr_bytes); }
SEC("raw_tp/block_rq_complete")
int BPF_PROG(rawtp_block_rq_complete, struct request *rq, int error,
	     unsigned int nr_bytes)
{ return on_complete(rq, nr_bytes); }
