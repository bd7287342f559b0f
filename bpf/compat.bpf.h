/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the BPF programs care about, in one place.
 * CO-RE relocations resolve these at load time against the running kernel.
 */
#ifndef PT_COMPAT_BPF_H
#define PT_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* task_struct::state was renamed __state in 5.14. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long pt_task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* cgroup v2 id of a task: the kernfs node id, which is also the inode
 * number of the cgroup directory on the cgroup2 mount. */
static __always_inline __u64 pt_task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* Before 6.1 the ancestry was an id array instead of pointers. */
struct cgroup___pre61 {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

/* Is task t inside the cgroup with this id at this depth (or below it)? */
static __always_inline bool pt_task_in_cgroup(struct task_struct *t,
					      __u64 cgid, __u32 level)
{
	struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	struct cgroup *anc;

	if (!cg || (__u32)BPF_CORE_READ(cg, level) < level)
		return false;
	if (bpf_core_field_exists(cg->ancestors)) {
		if (bpf_probe_read_kernel(&anc, sizeof(anc),
					  &cg->ancestors[level & 0xff]))
			return false;
		return BPF_CORE_READ(anc, kn, id) == cgid;
	}
	return BPF_CORE_READ((struct cgroup___pre61 *)cg,
			     ancestor_ids[level & 0xff]) == cgid;
}

/* ---- block ---- */

/* Before 5.17 a request named its disk directly (rq->rq_disk); since then
 * only through its queue (rq->q->disk, 5.15+). */
struct request___pre517 {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* Whole-disk dev_t (kernel encoding, MINORBITS 20) of a request: the
 * line of /proc/diskstats that counts it, partitions included. */
static __always_inline __u32 pt_rq_disk_dev(struct request *rq)
{
	struct gendisk *disk;

	if (bpf_core_field_exists(rq->q->disk))
		disk = BPF_CORE_READ(rq, q, disk);
	else
		disk = BPF_CORE_READ((struct request___pre517 *)rq, rq_disk);
	if (!disk)
		return 0;
	return ((__u32)BPF_CORE_READ(disk, major) << 20) |
	       (__u32)BPF_CORE_READ(disk, first_minor);
}

/* RQF_* became an enum of bit numbers in 6.8; before that they were
 * #defines: RQF_FLUSH_SEQ 1 << 4, RQF_IO_STAT 1 << 13 (since 4.11). */
static __always_inline __u32 pt_rqf_io_stat(void)
{
	if (bpf_core_enum_value_exists(enum rqf_flags, __RQF_IO_STAT))
		return 1u << bpf_core_enum_value(enum rqf_flags, __RQF_IO_STAT);
	return 1u << 13;
}

static __always_inline __u32 pt_rqf_flush_seq(void)
{
	if (bpf_core_enum_value_exists(enum rqf_flags, __RQF_FLUSH_SEQ))
		return 1u << bpf_core_enum_value(enum rqf_flags, __RQF_FLUSH_SEQ);
	return 1u << 4;
}

/* ---- tcp ---- */

/* tcp_sock byte counters arrived in 4.1; before that the sequence numbers
 * they advance with.  Callers take deltas modulo 2^32, so either works. */
static __always_inline __u64 pt_tcp_bytes_acked(struct tcp_sock *tp)
{
	if (bpf_core_field_exists(tp->bytes_acked))
		return BPF_CORE_READ(tp, bytes_acked);
	return BPF_CORE_READ(tp, snd_una);
}

static __always_inline __u64 pt_tcp_bytes_received(struct tcp_sock *tp)
{
	if (bpf_core_field_exists(tp->bytes_received))
		return BPF_CORE_READ(tp, bytes_received);
	return BPF_CORE_READ(tp, rcv_nxt);
}

/* segs_out arrived in 4.6: older kernels report no denominator. */
static __always_inline __u32 pt_tcp_segs_out(struct tcp_sock *tp)
{
	if (bpf_core_field_exists(tp->segs_out))
		return BPF_CORE_READ(tp, segs_out);
	return 0;
}

/* sk_protocol was an 8-bit bitfield before 5.6. */
static __always_inline __u32 pt_sk_protocol(struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

/* sk_flags moved into sock_common (skc_flags) in 4.x. */
struct sock___old_flags {
	unsigned long sk_flags;
} __attribute__((preserve_access_index));

static __always_inline unsigned long pt_sk_flags(struct sock *sk)
{
	if (bpf_core_field_exists(sk->__sk_common.skc_flags))
		return BPF_CORE_READ(sk, __sk_common.skc_flags);
	return BPF_CORE_READ((struct sock___old_flags *)sk, sk_flags);
}

#endif /* PT_COMPAT_BPF_H */
