/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flight recorder's writer (`serve --record-dir DIR`): the JSON trace
 * as a directory of gzip files, a new one every period (hourly by
 * default, on the wall clock's boundaries), with retention by age and by
 * total size.  trace_dir.c reads such a directory back as one recording.
 *
 * Each line is written as one complete gzip member (RFC 1952 allows a file
 * of many; zlib and zcat read them as one stream), compressed in memory
 * first: its exact size is known before a byte of it reaches the disk, so
 * the size limit is kept by deleting the oldest files *before* writing,
 * and the directory never holds more than the limit.  A line cut off by a
 * SIGKILL is an incomplete last member, which the reader drops as a
 * trace's cut-off last line; a write that fails (full disk) is cut back
 * off the file, so a file never holds a torn line followed by good ones.
 */
#ifndef PT_TRACE_ROTATE_H
#define PT_TRACE_ROTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

struct pt_rotate_opts {
	const char *dir;
	uint64_t period_ns;	/* a new file at every multiple of this */
	uint64_t keep_ns;	/* files whose newest line is older go; 0: no limit */
	uint64_t max_bytes;	/* the files' total size on disk; 0: no limit */
};

#define PT_ROTATE_DEFAULT_PERIOD_NS (3600ull * 1000000000ull)
/* The smallest --max-size: a few lines of a busy machine's snapshot. */
#define PT_ROTATE_MIN_BYTES (1ull << 20)

struct pt_rotate_stats {
	uint64_t snapshots;		/* written */
	uint64_t dropped;		/* not written: disk full or a failed write */
	uint64_t files_created, files_deleted;
	uint64_t bytes;			/* on disk now, ours */
	uint64_t files;			/* on disk now, ours */
	uint64_t write_errors;
};

struct pt_rotator;

/*
 * Open DIR (created 0700 if missing; refused if another user owns it or
 * others may write to it, or another perftop records into it) and apply
 * retention to the files already there.  h is copied: every file starts
 * with it (start_time_ns set to the file's first interval).  NULL with one
 * error line printed.
 */
struct pt_rotator *pt_rotator_open(const struct pt_rotate_opts *o,
				   const struct pt_header *h);
/* Write one snapshot line, rotating and deleting as needed.  0 when it
 * was written; -ENOSPC/-EIO/-ENOMEM when it was dropped (counted; one
 * error line when the trouble starts and one when recording resumes).
 * Snapshots are written in seq order; s->loss.record_dropped gains the
 * seqs skipped since the last line written (dropped by the caller's
 * queue or here), so the line itself says what is missing before it. */
int pt_rotator_write(struct pt_rotator *r, struct pt_snapshot *s);
/* Age retention without a write (call now and then); 0 or -errno. */
void pt_rotator_expire(struct pt_rotator *r, uint64_t now_real_ns);
void pt_rotator_stats(const struct pt_rotator *r, struct pt_rotate_stats *st);
/* Write the current file's end line, close everything; 0 or -errno.
 * last_seq: the last seq offered to the recording (0: unknown), so the
 * end line also counts intervals dropped after the last line written. */
int pt_rotator_close(struct pt_rotator *r, uint64_t last_seq);

#endif /* PT_TRACE_ROTATE_H */
