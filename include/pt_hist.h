/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bucket arithmetic of the log-linear histogram, shared by both sides so the
 * kernel files a value exactly where userspace expects to find it.  No
 * __builtin_clz: the BPF backend has no instruction for it.
 */
#ifndef PT_HIST_H
#define PT_HIST_H

#include "perftop.h"

static __always_inline __u32 pt_log2(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 pt_hist_bucket(__u64 v)
{
	__u32 lg;

	if (v < PT_HIST_LINEAR)
		return (__u32)v;
	lg = pt_log2(v);
	if (lg >= PT_HIST_MAX_LOG2)
		return PT_HIST_BUCKETS - 1;
	return PT_HIST_LINEAR + (lg - 4) * 8 +
	       (__u32)((v >> (lg - PT_HIST_SUB_BITS)) & 7);
}

/* Smallest value that falls into bucket b. */
static __always_inline __u64 pt_hist_lower(__u32 b)
{
	__u32 lg, sub;

	if (b < PT_HIST_LINEAR)
		return b;
	lg = (b - PT_HIST_LINEAR) / 8 + 4;
	sub = (b - PT_HIST_LINEAR) % 8;
	return (1ULL << lg) + ((__u64)sub << (lg - PT_HIST_SUB_BITS));
}

#endif /* PT_HIST_H */
