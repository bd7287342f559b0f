// SPDX-License-Identifier: GPL-2.0
/*
 * Trace input, plain or gzip (zlib reads both).  Every problem is reported
 * with its line number; a trace cut off mid-line (SIGKILL, full disk) reads
 * up to its last complete line.
 */
#include <errno.h>
#include <fcntl.h>
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

struct pt_trace_reader {
	gzFile gz;
	char *buf;
	size_t cap;
	long line;
	bool truncated;
};

struct pt_trace_reader *pt_trace_open(const char *path, char *err,
				      size_t errlen)
{
	struct pt_trace_reader *r;
	struct stat st;
	int fd;

	fd = !strcmp(path, "-") ? dup(STDIN_FILENO) :
				  open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a directory, not a trace file", path);
		close(fd);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r)
		r->gz = gzdopen(fd, "rb");
	if (!r || !r->gz) {
		snprintf(err, errlen, "out of memory opening %s", path);
		free(r);
		close(fd);
		return NULL;
	}
	return r;
}

/* Read one line (without newline) into r->buf; 1, 0 at EOF, -errno. */
static int read_line(struct pt_trace_reader *r, size_t *len, bool *newline,
		     char *err, size_t errlen)
{
	*len = 0;
	*newline = false;
	for (;;) {
		int zerr;

		if (r->cap - *len < 2) {
			size_t ncap = r->cap ? r->cap * 2 : 65536;
			char *nb;

			if (ncap > MAX_LINE) {
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
		}
		if (!gzgets(r->gz, r->buf + *len, (int)(r->cap - *len))) {
			const char *msg = gzerror(r->gz, &zerr);

			/* Z_BUF_ERROR: gzip stream ends early (cut off). */
			if (zerr != Z_OK && zerr != Z_BUF_ERROR) {
				snprintf(err, errlen, "line %ld: %s", r->line + 1,
					 zerr == Z_ERRNO ? strerror(errno) : msg);
				return -EIO;
			}
			if (zerr == Z_BUF_ERROR)
				r->truncated = true;
			return *len ? 1 : 0;
		}
		*len += strlen(r->buf + *len);
		if (*len && r->buf[*len - 1] == '\n') {
			r->buf[--*len] = '\0';
			*newline = true;
			return 1;
		}
	}
}

int pt_trace_next(struct pt_trace_reader *r, cJSON **obj, char *err,
		  size_t errlen)
{
	size_t len;
	bool newline;
	int rc;

	for (;;) {
		rc = read_line(r, &len, &newline, err, errlen);
		if (rc <= 0)
			return rc;
		r->line++;
		if (!newline) {
			/* The last line was never finished: stop before it. */
			r->truncated = true;
			return 0;
		}
		if (len)
			break;
	}
	if (memchr(r->buf, '\0', len)) {
		snprintf(err, errlen, "line %ld: contains a NUL byte: not a JSON trace",
			 r->line);
		return -EINVAL;
	}
	*obj = cJSON_ParseWithLength(r->buf, len);
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

static int load_line(struct pt_recording *rec, const cJSON *o, long line,
		     char *err, size_t errlen)
{
	const char *type = line_type(o);
	char why[256] = "";
	struct pt_snapshot *snaps;

	if (!type) {
		snprintf(err, errlen, "line %ld: no \"type\" member", line);
		return -EINVAL;
	}
	if (line == 1) {
		if (strcmp(type, "header") ||
		    pt_json_parse_header(o, &rec->header, why, sizeof(why))) {
			snprintf(err, errlen, "line 1: %s", why[0] ? why :
				 "first line is not a perftop trace header");
			return -EINVAL;
		}
		rec->have_header = true;
		return 0;
	}
	if (rec->complete) {
		snprintf(err, errlen, "line %ld: data after the end line", line);
		return -EINVAL;
	}
	if (!strcmp(type, "end")) {
		rec->complete = true;
		return 0;
	}
	if (strcmp(type, "snapshot")) {
		snprintf(err, errlen, "line %ld: unknown line type \"%.32s\"", line, type);
		return -EINVAL;
	}
	snaps = realloc(rec->snaps, (rec->nr_snaps + 1) * sizeof(*snaps));
	if (!snaps) {
		snprintf(err, errlen, "out of memory at line %ld", line);
		return -ENOMEM;
	}
	rec->snaps = snaps;
	pt_snapshot_init(&snaps[rec->nr_snaps]);
	if (pt_json_parse_snapshot(o, &snaps[rec->nr_snaps], why, sizeof(why))) {
		pt_snapshot_free(&snaps[rec->nr_snaps]);
		snprintf(err, errlen, "line %ld: %s", line, why);
		return -EINVAL;
	}
	rec->nr_snaps++;
	return 0;
}

int pt_recording_load(const char *path, struct pt_recording *rec)
{
	struct pt_trace_reader *r;
	char err[512] = "";
	cJSON *o = NULL;
	int rc;

	memset(rec, 0, sizeof(*rec));
	r = pt_trace_open(path, err, sizeof(err));
	if (!r) {
		pt_err("%s: check the path", err);
		return -ENOENT;
	}
	while ((rc = pt_trace_next(r, &o, err, sizeof(err))) > 0) {
		rc = load_line(rec, o, pt_trace_line(r), err, sizeof(err));
		cJSON_Delete(o);
		if (rc)
			break;
	}
	if (!rc && pt_trace_line(r) == 0) {
		snprintf(err, sizeof(err), "empty file");
		rc = -EINVAL;
	} else if (!rc && !rec->have_header) {
		snprintf(err, sizeof(err), "line 1: first line is not a perftop trace header");
		rc = -EINVAL;
	}
	if (!rc && pt_trace_truncated(r) && !rec->complete)
		pt_warn("%s was cut off after line %ld: reading it up to its last complete line",
			path, pt_trace_line(r));
	pt_trace_close_reader(r);
	if (rc) {
		pt_err("%s: %s: is it a perftop trace (perftop record -o FILE)?", path, err);
		pt_recording_free(rec);
		return rc;
	}
	return 0;
}

void pt_recording_free(struct pt_recording *rec)
{
	size_t i;

	for (i = 0; i < rec->nr_snaps; i++)
		pt_snapshot_free(&rec->snaps[i]);
	free(rec->snaps);
	memset(rec, 0, sizeof(*rec));
}
