/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON trace (docs/json-format.md): conversion between the model and
 * JSON lines, and the files they live in (plain or gzip).
 */
#ifndef PT_TRACE_H
#define PT_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define PT_TRACE_FORMAT "perftop-trace"
/* 2: sched.system and block.devices carry their latency histograms
 * (runq_hist, lat_hist), so a window's percentiles are real ones.
 * 3: so do sched.tasks[] and sched.cpus[] (runq_hist).
 * Older traces still read: a record type's window percentiles from a
 * trace before its histogram are the intervals' averaged (reports say
 * so). */
#define PT_TRACE_VERSION 3

struct cJSON;

/* ---- model <-> JSON (trace_json.c) ---- */
struct cJSON *pt_json_header(const struct pt_header *h);

/* Where a streamed line goes: put() returns 0 or -errno, and the first
 * error ends the stream. */
struct pt_json_sink {
	int (*put)(void *ctx, const char *s, size_t len);
	void *ctx;
};
/* One snapshot line (without newline), piece by piece: memory stays one
 * record's JSON however many records the snapshot holds. */
int pt_json_snapshot_emit(const struct pt_snapshot *s,
			  struct pt_json_sink *sink);
/* The same snapshot as a tree, parsed back from that stream (tests). */
struct cJSON *pt_json_snapshot(const struct pt_snapshot *s);
struct cJSON *pt_json_end(uint64_t snapshots, const struct pt_loss *total);
struct cJSON *pt_json_findings(const struct pt_snapshot *s);
struct cJSON *pt_json_finding(const struct pt_finding *f);
struct cJSON *pt_json_loss(const struct pt_loss *l);

/* Parse back; -EINVAL with a reason in err (the member that is wrong). */
int pt_json_parse_header(const struct cJSON *o, struct pt_header *h,
			 char *err, size_t errlen);
int pt_json_parse_snapshot(const struct cJSON *o, struct pt_snapshot *s,
			   char *err, size_t errlen);
int pt_json_parse_finding(const struct cJSON *o, struct pt_finding *f,
			  char *err, size_t errlen);

/* ---- writing (trace_write.c) ---- */
struct pt_trace_writer;

/*
 * Open path for a new trace: "-" or NULL is stdout; ".gz" suffix is gzip.
 * Created 0600, never through a symlink, and not over an existing file
 * unless force.  NULL with one error line printed.
 */
struct pt_trace_writer *pt_trace_create(const char *path, bool force);
/* The trace really starts: only now is a --force'd old file truncated and
 * a gzip stream begun (the first write does this too).  -errno with one
 * error line printed. */
int pt_trace_begin(struct pt_trace_writer *w);
/* Give up before pt_trace_begin(): a file this writer created is removed,
 * an old file it was to overwrite is left as it was. */
void pt_trace_abort(struct pt_trace_writer *w);
/* Write one object as one line and flush it to the kernel (and, for gzip,
 * to a complete deflate block), so readers can follow the file.
 * -errno with one error line printed. */
int pt_trace_write(struct pt_trace_writer *w, const struct cJSON *obj);
/* The same for a snapshot, streamed record by record (see above). */
int pt_trace_write_snapshot(struct pt_trace_writer *w,
			    const struct pt_snapshot *s);
/* Close; -errno on a failed final flush (error printed). */
int pt_trace_close(struct pt_trace_writer *w);

/* ---- reading (trace_read.c) ---- */
struct pt_trace_reader;

struct pt_trace_reader *pt_trace_open(const char *path, char *err,
				      size_t errlen);
/* Same over an open fd (taken over: closed on failure and by close);
 * name is for messages.  Lets tests and fuzzers feed memfds. */
struct pt_trace_reader *pt_trace_open_fd(int fd, const char *name, char *err,
					 size_t errlen);
/*
 * Next line as a parsed object: 1 with *obj set (caller frees with
 * cJSON_Delete), 0 at end of file, -EINVAL with "line N: ..." in err.
 * A final line without newline (a trace cut off mid-write) ends the file
 * without error; *truncated tells.
 */
int pt_trace_next(struct pt_trace_reader *r, struct cJSON **obj, char *err,
		  size_t errlen);
long pt_trace_line(const struct pt_trace_reader *r);
bool pt_trace_truncated(const struct pt_trace_reader *r);
void pt_trace_close_reader(struct pt_trace_reader *r);

/* ---- reading, streamed: one trace file or a recording directory ---- */

/* A span of wall-clock time (ns since the epoch), inclusive bounds.  A
 * snapshot is in it when its interval overlaps it. */
struct pt_range {
	uint64_t from_ns, to_ns;
};
void pt_range_all(struct pt_range *r);	/* 0 .. UINT64_MAX */
bool pt_range_has(const struct pt_range *r, const struct pt_snapshot *s);

/* What a reader hands out, in time order.  Callbacks return 0 to go on,
 * PT_VISIT_STOP to end the read early (not an error), or -errno. */
#define PT_VISIT_STOP 1
struct pt_trace_visitor {
	/* every file's header line (a directory has one per file) */
	int (*header)(void *ctx, const struct pt_header *h);
	/* each snapshot in range; it may take the snapshot's contents,
	 * leaving it as pt_snapshot_init() made it */
	int (*snapshot)(void *ctx, struct pt_snapshot *s);
	void *ctx;
	const struct pt_range *range;	/* NULL: everything */
};

/* What a read covered, for messages ("DIR covers A to B"). */
struct pt_trace_info {
	size_t files;			/* trace files opened */
	size_t snapshots;		/* handed to ->snapshot */
	uint64_t first_ns, last_ns;	/* span of every snapshot seen, in
					 * range or not (0: none) */
	bool complete;			/* the last file read had its end line */
	bool is_dir;
};

/*
 * Read path: a trace file (plain or gzip), "-" for stdin, or a directory
 * of rotated files written by `serve --record-dir` (trace_dir.c), read
 * across file boundaries.  0, or -errno after one error line naming the
 * file and line.  With a range that selects nothing, an error that says
 * what the recording covers.
 */
int pt_trace_read(const char *path, const struct pt_trace_visitor *rd,
		  struct pt_trace_info *info);
/* The loop over one open reader (trace_read.c), used by pt_trace_read:
 * 0 with *complete set, or < 0 with "line N: ..." in err, or the
 * visitor's result. */
int pt_trace_visit_reader(struct pt_trace_reader *r,
			  const struct pt_trace_visitor *rd, bool *complete,
			  char *err, size_t errlen);

/*
 * A whole recording in memory: header, snapshots in order, and whether it
 * ended with an end line.  Used by replay and report.
 */
struct pt_recording {
	struct pt_header header;
	struct pt_snapshot *snaps;
	size_t nr_snaps, cap;
	bool have_header;
	bool complete;		/* end line seen */
};

/* 0, or -errno with "FILE: line N: problem" printed as one error line.
 * path as for pt_trace_read(). */
int pt_recording_load(const char *path, struct pt_recording *rec);
/* Only the snapshots in range (NULL: all). */
int pt_recording_load_range(const char *path, const struct pt_range *range,
			    struct pt_recording *rec);
/* Same over an open fd (always closed); name is for messages. */
int pt_recording_load_fd(int fd, const char *name, struct pt_recording *rec);
void pt_recording_free(struct pt_recording *rec);

/* ---- recording directories (trace_dir.c) ---- */

/* Files are perftop-YYYYMMDDTHHMMSSZ[-N].json.gz: the UTC second their
 * first snapshot's interval began; -N when that second is taken. */
#define PT_SEG_PREFIX "perftop-"
#define PT_SEG_SUFFIX ".json.gz"
#define PT_SEG_NAME_MAX 48

struct pt_seg {
	char name[PT_SEG_NAME_MAX];
	uint64_t start_ns;		/* from the name */
	unsigned int n;			/* the -N */
	uint64_t bytes;			/* size on disk (st_blocks) */
	uint64_t mtime_ns;
};

/* The name for a file starting at real_ns, with suffix n (0: none). */
void pt_seg_name(uint64_t real_ns, unsigned int n, char *buf, size_t len);
/* 0 with start/n filled if name is one of ours, else -EINVAL. */
int pt_seg_parse_name(const char *name, uint64_t *start_ns, unsigned int *n);
/* The segments in an open directory, oldest first; *out is malloc'ed.
 * 0 or -errno. */
int pt_seg_list(int dirfd, struct pt_seg **out, size_t *n);

#endif /* PT_TRACE_H */
