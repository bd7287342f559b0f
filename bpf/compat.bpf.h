/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the BPF programs care about, in one place.
 * CO-RE relocations resolve these at load time against the running kernel.
 * Each shim names the kernel commit (and the release it landed in) that made
 * it necessary, as libbpf-tools' core_fixes.bpf.h does.  perftop itself
 * needs 5.11 or newer (README, "Requirements"): the shims for older kernels
 * cost nothing but are never exercised.
 */
#ifndef PT_COMPAT_BPF_H
#define PT_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* commit 2f064a59a11f ("sched: Change task_struct::state", v5.14) renamed
 * task_struct::state to __state. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long pt_task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* commit 7f203bc89eb6 ("cgroup: Replace cgroup->ancestor_ids[] with
 * ->ancestors[]", v6.1): before it, the ancestry was an id array instead
 * of pointers. */
struct cgroup___pre61 {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

/* Id of cg's ancestor at depth `level` (cg itself at its own level); the
 * caller checks level <= cg->level.  0 when unreadable. */
static __always_inline __u64 pt_cgroup_ancestor_id(struct cgroup *cg,
						   __u32 level)
{
	struct cgroup *anc;

	if (bpf_core_field_exists(cg->ancestors)) {
		if (bpf_probe_read_kernel(&anc, sizeof(anc),
					  &cg->ancestors[level & 0xff]))
			return 0;
		return BPF_CORE_READ(anc, kn, id);
	}
	return BPF_CORE_READ((struct cgroup___pre61 *)cg,
			     ancestor_ids[level & 0xff]);
}

/* ---- oom ---- */

/* mm_struct::rss_stat became an array of percpu_counter in v6.2 (commit
 * f1a7941243c1, "mm: convert mm's rss stats into percpu_counter"); before,
 * a struct mm_rss_stat of atomic_long_t.  Debian's 6.1 passes the victim's
 * task to oom:mark_victim (a backport) with the old layout.  Told apart by
 * whether the old layout's rss_stat.count matches (an existence check is
 * 0, never a poisoned instruction, where it does not), not by whether
 * struct mm_rss_stat exists: a type missing from vmlinux BTF sends libbpf
 * searching module BTF, which needs CAP_SYS_ADMIN; nor by
 * bpf_core_field_size(mm->rss_stat), which does not match on 6.1 (an array
 * against a struct) and poisoned the guard itself there
 * (tests/e2e/core_relocs.sh). */
struct mm_rss_stat___pre62 {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

/* get_mm_counter(mm, member) as the kernel computes it (the percpu
 * counter's approximate count since 6.2), clamped at 0. */
static __always_inline __u64 pt_mm_counter(struct mm_struct *mm, int member)
{
	__s64 v;

	struct mm_struct___pre62 *old = (struct mm_struct___pre62 *)mm;

	if (bpf_core_field_exists(old->rss_stat.count))
		v = BPF_CORE_READ(old, rss_stat.count[member & 3].counter);
	else
		v = BPF_CORE_READ(mm, rss_stat[member & 3].count);
	return v > 0 ? (__u64)v : 0;
}

/* ---- block ---- */

/* commit f3fa33acca9f ("block: remove the ->rq_disk field in struct
 * request", v5.17): before it a request named its disk directly
 * (rq->rq_disk); since, only through its queue, whose ->disk came with
 * commit d152c682f03c ("block: add an explicit ->disk backpointer to the
 * request_queue", v5.15). */
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

/* The request flag bits (RQF_IO_STAT, RQF_FLUSH_SEQ) are not here: they
 * are #defines before 6.11, an anonymous enum in 6.11-6.13 (commit
 * 5f89154e8e9e) and enum rqf_flags since 6.14 (e7112524e5e8), so no CO-RE
 * relocation can name them without making libbpf search module BTF
 * (CAP_SYS_ADMIN).  The loader resolves them from vmlinux BTF and passes
 * them as read-only data (user/collection/block.c, block.bpf.c). */

/* ---- tcp ---- */

/* commit 0df48c26d841 ("tcp: add tcpi_bytes_acked to tcp_info") and commit
 * bdd1f9edacb5 ("tcp: add tcpi_bytes_received to tcp_info"), both v4.1,
 * added the tcp_sock byte counters; before them, the sequence numbers they
 * advance with.  Callers take deltas modulo 2^32, so either works. */
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

/* commit 2efd055c53c0 ("tcp: add tcpi_segs_in and tcpi_segs_out to
 * tcp_info", v4.2) added segs_out: older kernels report no denominator. */
static __always_inline __u32 pt_tcp_segs_out(struct tcp_sock *tp)
{
	if (bpf_core_field_exists(tp->segs_out))
		return BPF_CORE_READ(tp, segs_out);
	return 0;
}

/* commit bf9765145b85 ("sock: Make sk_protocol a 16-bit value", v5.6):
 * before it sk_protocol was an 8-bit bitfield; the probed bitfield read
 * handles both layouts. */
static __always_inline __u32 pt_sk_protocol(struct sock *sk)
{
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
}

/* sk_flags lives in sock_common as skc_flags (sock.h: #define sk_flags
 * __sk_common.skc_flags) on every kernel perftop supports; the commit that
 * moved it, before 5.11, was not identified.  The fallback reads the old
 * struct sock member. */
struct sock___old_flags {
	unsigned long sk_flags;
} __attribute__((preserve_access_index));

static __always_inline unsigned long pt_sk_flags(struct sock *sk)
{
	if (bpf_core_field_exists(sk->__sk_common.skc_flags))
		return BPF_CORE_READ(sk, __sk_common.skc_flags);
	return BPF_CORE_READ((struct sock___old_flags *)sk, sk_flags);
}

/* A build option, not a release: rq::prev_irq_time exists only with
 * CONFIG_IRQ_TIME_ACCOUNTING (this host's 6.18 has none), the IRQ time the
 * kernel took out of the run-queue task clock; 0 where it does not exist
 * (the task clock then includes IRQ time). */
struct rq___irqtime {
	__u64 prev_irq_time;
} __attribute__((preserve_access_index));

static __always_inline __u64 pt_rq_irq_time(struct rq *rq)
{
	struct rq___irqtime *r = (void *)rq;

	if (bpf_core_field_exists(r->prev_irq_time)) {
		/* r opaque from here: with rq read once outside sched_iter's
		 * tries, clang hoisted the field's address out of the loop,
		 * above this check, and libbpf's poisoned relocation became
		 * reachable (the skeleton failed to load on 6.18) */
		barrier_var(r);
		return BPF_CORE_READ(r, prev_irq_time);
	}
	return 0;
}

#endif /* PT_COMPAT_BPF_H */
