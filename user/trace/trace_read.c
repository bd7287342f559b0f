// SPDX-License-Identifier: GPL-2.0
/*
 * Trace input, plain or gzip (zlib reads both).  Every problem is reported
 * with its line number; a trace cut off mid-line (SIGKILL, full disk) reads
 * up to its last complete line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cjson/cJSON.h>

#include "trace.h"
#include "util.h"

#define MAX_LINE (64u << 20)
#define READ_CHUNK (256u << 10)

struct pt_trace_reader {
	gzFile gz;
	char *buf;		/* bytes read but not yet handed out */
	size_t cap, len, pos;	/* pos: start of the next line in buf */
	long line;		/* complete lines handed out so far */
	bool eof;
	bool truncated;
};

struct pt_trace_reader *pt_trace_open_fd(int fd, const char *name, char *err,
					 size_t errlen)
{
	struct pt_trace_reader *r;
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a directory, not a trace file", name);
		close(fd);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		r->gz = gzdopen(fd, "rb");
	if (!r || !r->gz) {
		snprintf(err, errlen, "out of memory opening %s", name);
		free(r);
		close(fd);
		return NULL;
	}
	return r;
}

struct pt_trace_reader *pt_trace_open(const char *path, char *err,
				      size_t errlen)
{
	int fd = !strcmp(path, "-") ? dup(STDIN_FILENO) :
				      open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	return pt_trace_open_fd(fd, path, err, errlen);
}

/* Move unread bytes to the front and make room for at least one more
 * byte plus a NUL; -E2BIG when a single line outgrows MAX_LINE. */
static int make_room(struct pt_trace_reader *r, char *err, size_t errlen)
{
	size_t ncap;
	char *nb;

	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	if (r->cap - r->len > 1)
		return 0;
	ncap = r->cap ? r->cap * 2 : READ_CHUNK;
	if (ncap > MAX_LINE + 1) {
		snprintf(err, errlen, "line %ld: longer than %u MiB",
			 r->line + 1, MAX_LINE >> 20);
		return -E2BIG;
	}
	nb = realloc(r->buf, ncap);
	if (!nb) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->buf = nb;
	r->cap = ncap;
	return 0;
}

/* Read more decompressed bytes; sets eof (and truncated when a gzip stream
 * ends early).  0 or -errno. */
static int fill(struct pt_trace_reader *r, char *err, size_t errlen)
{
	size_t room;
	int n, zerr, rc;

	rc = make_room(r, err, errlen);
	if (rc)
		return rc;
	room = r->cap - r->len - 1;
	n = gzread(r->gz, r->buf + r->len, room > INT_MAX ? INT_MAX : (unsigned int)room);
	if (n > 0) {
		r->len += (size_t)n;
		return 0;
	}
	gzerror(r->gz, &zerr);
	if (n < 0 && zerr != Z_BUF_ERROR) {
		if (zerr == Z_ERRNO)
			snprintf(err, errlen, "line %ld: %s", r->line + 1,
				 strerror(errno));
		else
			snprintf(err, errlen, "line %ld: corrupt gzip data",
				 r->line + 1);
		return -EIO;
	}
	/* Z_BUF_ERROR: the gzip stream ends early (cut off). */
	if (zerr == Z_BUF_ERROR)
		r->truncated = true;
	r->eof = true;
	return 0;
}

/*
 * Next complete line, newline replaced by NUL: 1 with *line and *len set,
 * 0 at the end (a final line without newline is never handed out),
 * or -errno.
 */
static int read_line(struct pt_trace_reader *r, char **line, size_t *len,
		     char *err, size_t errlen)
{
	for (;;) {
		/* buf is NULL until the first fill */
		char *start = r->buf ? r->buf + r->pos : NULL;
		char *nl = r->len > r->pos ?
			memchr(start, '\n', r->len - r->pos) : NULL;
		int rc;

		if (nl) {
			*nl = '\0';
			*line = start;
			*len = (size_t)(nl - start);
			r->pos += *len + 1;
			r->line++;
			return 1;
		}
		if (r->eof) {
			/* The last line was never finished: stop before it. */
			if (r->len > r->pos)
				r->truncated = true;
			return 0;
		}
		rc = fill(r, err, errlen);
		if (rc)
			return rc;
	}
}

int pt_trace_next(struct pt_trace_reader *r, cJSON **obj, char *err,
		  size_t errlen)
{
	char *line;
	size_t len;
	int rc;

	*obj = NULL;
	do {
		rc = read_line(r, &line, &len, err, errlen);
		if (rc <= 0)
			return rc;
	} while (!len);
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "line %ld: contains a NUL byte: not a JSON trace",
			 r->line);
		return -EINVAL;
	}
	*obj = cJSON_ParseWithLength(line, len);
	if (!*obj || !cJSON_IsObject(*obj)) {
		cJSON_Delete(*obj);
		*obj = NULL;
		snprintf(err, errlen, "line %ld: not a JSON object", r->line);
		return -EINVAL;
	}
	return 1;
}

long pt_trace_line(const struct pt_trace_reader *r)
{
	return r->line;
}

bool pt_trace_truncated(const struct pt_trace_reader *r)
{
	return r->truncated;
}

void pt_trace_close_reader(struct pt_trace_reader *r)
{
	if (!r)
		return;
	gzclose(r->gz);
	free(r->buf);
	free(r);
}

static const char *line_type(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");

	return cJSON_IsString(t) ? t->valuestring : NULL;
}

void pt_range_all(struct pt_range *r)
{
	r->from_ns = 0;
	r->to_ns = UINT64_MAX;
}

bool pt_range_has(const struct pt_range *r, const struct pt_snapshot *s)
{
	uint64_t start = s->time_ns > s->interval_ns ? s->time_ns - s->interval_ns : 0;

	/* the interval [start, end] overlaps [from, to]; an interval that
	 * only touches a bound (ends exactly at --from) holds nothing of it */
	return s->time_ns > r->from_ns && start < r->to_ns;
}

/* What one file's lines have shown so far. */
struct file_state {
	struct pt_header header;
	bool have_header;
	bool complete;		/* end line seen */
};

/* One line: header first, then snapshots (in range: to the visitor), then
 * at most an end line.  0, -EINVAL with err set, or the visitor's error
 * (> 0 to stop early: PT_VISIT_STOP). */
static int visit_line(struct file_state *fs, const cJSON *o, long line,
		      const struct pt_trace_visitor *rd, char *err, size_t errlen)
{
	const char *type = line_type(o);
	char why[256] = "";
	struct pt_snapshot s;
	int rc = 0;

	if (!type) {
		snprintf(err, errlen, "line %ld: no \"type\" member", line);
		return -EINVAL;
	}
	if (!fs->have_header) {	/* blank lines before it are skipped */
		if (strcmp(type, "header") ||
		    pt_json_parse_header(o, &fs->header, why, sizeof(why))) {
			snprintf(err, errlen, "line %ld: %s", line, why[0] ? why :
				 "first line is not a perftop trace header");
			return -EINVAL;
		}
		fs->have_header = true;
		return rd->header ? rd->header(rd->ctx, &fs->header) : 0;
	}
	if (fs->complete) {
		snprintf(err, errlen, "line %ld: data after the end line", line);
		return -EINVAL;
	}
	if (!strcmp(type, "end")) {
		fs->complete = true;
		return 0;
	}
	if (strcmp(type, "snapshot")) {
		snprintf(err, errlen, "line %ld: unknown line type \"%.32s\"", line, type);
		return -EINVAL;
	}
	pt_snapshot_init(&s);
	if (pt_json_parse_snapshot(o, &s, why, sizeof(why))) {
		snprintf(err, errlen, "line %ld: %s", line, why);
		rc = -EINVAL;
	} else if (!rd->range || pt_range_has(rd->range, &s)) {
		s.self_tgid = fs->header.perftop_pid;
		rc = rd->snapshot(rd->ctx, &s);
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory at line %ld", line);
	}
	pt_snapshot_free(&s);
	return rc;
}

int pt_trace_visit_reader(struct pt_trace_reader *r, const struct pt_trace_visitor *rd,
			  bool *complete, char *err, size_t errlen)
{
	struct file_state fs = { .have_header = false };
	cJSON *o = NULL;
	int rc;

	*complete = false;
	while ((rc = pt_trace_next(r, &o, err, errlen)) > 0) {
		rc = visit_line(&fs, o, pt_trace_line(r), rd, err, errlen);
		cJSON_Delete(o);
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	if (pt_trace_line(r) == 0) {
		snprintf(err, errlen, pt_trace_truncated(r) ?
			 "no complete line: cut off before its header, or not a trace" :
			 "empty file");
		return -EINVAL;
	}
	if (!fs.have_header) {
		snprintf(err, errlen, "line 1: first line is not a perftop trace header");
		return -EINVAL;
	}
	*complete = fs.complete;
	return 0;
}

/* ---- a whole recording in memory ---- */

static int rec_header(void *ctx, const struct pt_header *h)
{
	struct pt_recording *rec = ctx;

	if (!rec->have_header) {
		rec->header = *h;
		rec->have_header = true;
	}
	return 0;
}

/* Takes the snapshot's contents: no copy of its arrays. */
static int rec_snapshot(void *ctx, struct pt_snapshot *s)
{
	struct pt_recording *rec = ctx;
	struct pt_snapshot *snaps;

	if (rec->nr_snaps == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 64;

		snaps = realloc(rec->snaps, cap * sizeof(*snaps));
		if (!snaps)
			return -ENOMEM;
		rec->snaps = snaps;
		rec->cap = cap;
	}
	rec->snaps[rec->nr_snaps++] = *s;
	pt_snapshot_init(s);
	return 0;
}

int pt_recording_load_fd(int fd, const char *name, struct pt_recording *rec)
{
	struct pt_trace_visitor rd = { .header = rec_header,
				    .snapshot = rec_snapshot, .ctx = rec };
	struct pt_trace_reader *r;
	char err[512] = "";
	int rc;

	memset(rec, 0, sizeof(*rec));
	r = pt_trace_open_fd(fd, name, err, sizeof(err));
	if (!r) {
		pt_err("%s: check the path", err);
		return -ENOENT;
	}
	rc = pt_trace_visit_reader(r, &rd, &rec->complete, err, sizeof(err));
	if (!rc && pt_trace_truncated(r) && !rec->complete)
		pt_warn("%s was cut off after line %ld: reading it up to its last complete line",
			name, pt_trace_line(r));
	pt_trace_close_reader(r);
	if (rc) {
		pt_err("%s: %s: is it a perftop trace (perftop record -o FILE)?", name, err);
		pt_recording_free(rec);
		return rc;
	}
	return 0;
}

int pt_recording_load_range(const char *path, const struct pt_range *range,
			    struct pt_recording *rec)
{
	struct pt_trace_visitor rd = { .header = rec_header,
				    .snapshot = rec_snapshot, .ctx = rec,
				    .range = range };
	struct pt_trace_info info;
	int rc;

	memset(rec, 0, sizeof(*rec));
	rc = pt_trace_read(path, &rd, &info);
	if (rc) {
		pt_recording_free(rec);
		return rc;
	}
	rec->complete = info.complete;
	return 0;
}

int pt_recording_load(const char *path, struct pt_recording *rec)
{
	return pt_recording_load_range(path, NULL, rec);
}

void pt_recording_free(struct pt_recording *rec)
{
	size_t i;

	for (i = 0; i < rec->nr_snaps; i++)
		pt_snapshot_free(&rec->snaps[i]);
	free(rec->snaps);
	memset(rec, 0, sizeof(*rec));
}
