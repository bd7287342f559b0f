/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `serve --record-dir`: the flight recorder on a thread of its own, so a
 * slow or stalled disk delays the recording, never the collector.  Each
 * interval's snapshot is copied into a queue of QUEUE_LEN copies and
 * QUEUE_BYTES (beyond one copy); when the disk falls that far behind,
 * snapshots are dropped and counted (in /metrics and the lines'
 * loss.record_dropped), never queued without bound.
 */
#ifndef PT_RECORDER_H
#define PT_RECORDER_H

#include "trace_rotate.h"

struct pt_recorder;

/* Start recording (pt_rotator_open's checks and messages); NULL on
 * failure with one error line printed. */
struct pt_recorder *pt_recorder_start(const struct pt_rotate_opts *o,
				      const struct pt_header *h);
/* Queue a copy of s (the caller keeps s).  Never blocks on the disk. */
void pt_recorder_push(struct pt_recorder *r, const struct pt_snapshot *s);
/* Writer's figures plus snapshots dropped because the queue was full. */
void pt_recorder_stats(struct pt_recorder *r, struct pt_rotate_stats *st,
		       uint64_t *queue_dropped);
/* Write what is queued, the end line, and stop; 0 or -errno. */
int pt_recorder_stop(struct pt_recorder *r);

#endif /* PT_RECORDER_H */
