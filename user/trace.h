/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The JSON trace (SPEC.md "JSON trace"): conversion between the model and
 * JSON lines, and the files they live in (plain or gzip).
 */
#ifndef PT_TRACE_H
#define PT_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define PT_TRACE_FORMAT "perftop-trace"
#define PT_TRACE_VERSION 1

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

/*
 * A whole recording in memory: header, snapshots in order, and whether it
 * ended with an end line.  Used by replay and report.
 */
struct pt_recording {
	struct pt_header header;
	struct pt_snapshot *snaps;
	size_t nr_snaps;
	bool have_header;
	bool complete;		/* end line seen */
};

/* 0, or -errno with "FILE: line N: problem" printed as one error line. */
int pt_recording_load(const char *path, struct pt_recording *rec);
/* Same over an open fd (always closed); name is for messages. */
int pt_recording_load_fd(int fd, const char *name, struct pt_recording *rec);
void pt_recording_free(struct pt_recording *rec);

#endif /* PT_TRACE_H */
