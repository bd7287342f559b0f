// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a recording: one trace file, or a directory of rotated files
 * (`serve --record-dir`) read as one recording across file boundaries,
 * optionally only a time range of it (--from, --to).
 *
 * A directory's files are named by the UTC second their first interval
 * began, so a range picks files by name and never opens the others: with
 * a day of hourly files, `report DIR --from 02:50 --to 03:10` reads two.
 * Every file of a directory starts with its own header line; the first
 * one read is the recording's.  A file cut off (SIGKILL, full disk) is
 * read up to its last complete line, as a single trace is; a file that is
 * damaged further in is read up to the damage, with one warning, and the
 * files after it are still read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"
#include "util.h"

void pt_seg_name(uint64_t real_ns, unsigned int n, char *buf, size_t len)
{
	time_t secs = (time_t)(real_ns / 1000000000ull);
	char stamp[24], suffix[16] = "";
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (n)
		snprintf(suffix, sizeof(suffix), "-%u", n);
	snprintf(buf, len, PT_SEG_PREFIX "%s%s" PT_SEG_SUFFIX, stamp, suffix);
}

int pt_seg_parse_name(const char *name, uint64_t *start_ns, unsigned int *n)
{
	size_t plen = strlen(PT_SEG_PREFIX), slen = strlen(PT_SEG_SUFFIX);
	size_t len = strlen(name), i;
	struct tm tm = { 0 };
	const char *p, *end;
	unsigned long v = 0;
	time_t t;

	if (len < plen + 16 + slen || strncmp(name, PT_SEG_PREFIX, plen) ||
	    strcmp(name + len - slen, PT_SEG_SUFFIX))
		return -EINVAL;
	p = name + plen;
	for (i = 0; i < 15; i++)	/* YYYYMMDDTHHMMSS */
		if (i == 8 ? p[i] != 'T' : (p[i] < '0' || p[i] > '9'))
			return -EINVAL;
	if (p[15] != 'Z')
		return -EINVAL;
	end = strptime(p, "%Y%m%dT%H%M%SZ", &tm);
	if (end != p + 16)
		return -EINVAL;
	if (end != name + len - slen) {	/* -N */
		if (*end++ != '-' || end == name + len - slen)
			return -EINVAL;
		for (; end < name + len - slen; end++) {
			if (*end < '0' || *end > '9' || v > 100000)
				return -EINVAL;
			v = v * 10 + (unsigned long)(*end - '0');
		}
		if (!v)
			return -EINVAL;
	}
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*start_ns = (uint64_t)t * 1000000000ull;
	*n = (unsigned int)v;
	return 0;
}

static int seg_cmp(const void *a, const void *b)
{
	const struct pt_seg *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->n < y->n ? -1 : x->n > y->n;
}

int pt_seg_list(int dirfd, struct pt_seg **out, size_t *n)
{
	struct pt_seg *segs = NULL, *ns;
	size_t cap = 0, cnt = 0;
	struct dirent *de;
	int fd = dup(dirfd);
	DIR *d;

	*out = NULL;
	*n = 0;
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int err = -errno;

		if (fd >= 0)
			close(fd);
		return err;
	}
	rewinddir(d);	/* the dup shares the offset of an earlier listing */
	while ((de = readdir(d))) {
		struct pt_seg s = { .start_ns = 0 };
		struct stat st;

		if (pt_seg_parse_name(de->d_name, &s.start_ns, &s.n) ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISREG(st.st_mode))
			continue;
		pt_strlcpy(s.name, de->d_name, sizeof(s.name));
		s.bytes = (uint64_t)st.st_blocks * 512;
		s.mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull +
			     (uint64_t)st.st_mtim.tv_nsec;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			ns = realloc(segs, cap * sizeof(*segs));
			if (!ns) {
				free(segs);
				closedir(d);
				return -ENOMEM;
			}
			segs = ns;
		}
		segs[cnt++] = s;
	}
	closedir(d);
	if (cnt)	/* qsort's base may not be NULL, even for 0 */
		qsort(segs, cnt, sizeof(*segs), seg_cmp);
	*out = segs;
	*n = cnt;
	return 0;
}

/* ---- reading ---- */

/* Wraps the caller's visitor: counts, the span seen, and the range filter
 * applied here so the span covers snapshots outside the range too. */
struct read_ctx {
	const struct pt_trace_visitor *user;
	struct pt_trace_info *info;
	char host[64];
	bool warned_host;
	const char *path;
};

static int ctx_header(void *arg, const struct pt_header *h)
{
	struct read_ctx *c = arg;

	if (!c->host[0])
		pt_strlcpy(c->host, h->hostname, sizeof(c->host));
	else if (strcmp(c->host, h->hostname) && !c->warned_host) {
		c->warned_host = true;
		pt_warn("%s holds recordings of more than one host (%s, %s): reading them as one",
			c->path, c->host, h->hostname);
	}
	return c->user->header ? c->user->header(c->user->ctx, h) : 0;
}

static int ctx_snapshot(void *arg, struct pt_snapshot *s)
{
	struct read_ctx *c = arg;
	struct pt_trace_info *in = c->info;

	if (!in->first_ns || s->time_ns < in->first_ns)
		in->first_ns = s->time_ns;
	if (s->time_ns > in->last_ns)
		in->last_ns = s->time_ns;
	if (c->user->range && !pt_range_has(c->user->range, s))
		return 0;
	in->snapshots++;
	return c->user->snapshot(c->user->ctx, s);
}

/* One file through the visitor.  strict: errors end the read (a single
 * trace); otherwise (a directory's file) they are warned about and what
 * was read before them is kept. */
static int read_file(int fd, const char *name, struct pt_trace_visitor *rd,
		     struct pt_trace_info *info, bool strict)
{
	struct pt_trace_reader *r;
	char err[512] = "";
	bool complete = false;
	int rc;

	r = pt_trace_open_fd(fd, name, err, sizeof(err));
	if (!r) {
		pt_err("%s: check the path", err);
		return -ENOENT;
	}
	info->files++;
	rc = pt_trace_visit_reader(r, rd, &complete, err, sizeof(err));
	if (rc > 0) {		/* the visitor stopped the read */
		pt_trace_close_reader(r);
		return rc;
	}
	if (!rc && strict && pt_trace_truncated(r) && !complete)
		pt_warn("%s was cut off after line %ld: reading it up to its last complete line",
			name, pt_trace_line(r));
	pt_trace_close_reader(r);
	info->complete = !rc && complete;
	if (rc == -ENOMEM) {
		pt_err("%s: out of memory: read a shorter --from/--to range", name);
		return rc;
	}
	if (rc && strict) {
		pt_err("%s: %s: is it a perftop trace (perftop record -o FILE)?", name, err);
		return rc;
	}
	if (rc)
		pt_warn("%s: %s: reading the rest of the directory", name, err);
	return 0;
}

/* Files of a directory that can hold snapshots in range: a file holds the
 * intervals that began from its name's second until the next file's. */
static bool seg_wanted(const struct pt_seg *segs, size_t i, size_t n,
		       const struct pt_range *r)
{
	if (!r)
		return true;
	/* began after the range ended (names are floored to the second) */
	if (segs[i].start_ns > r->to_ns)
		return false;
	/* the next file began before the range did: this one ended earlier,
	 * save for an interval straddling that start, which the next file
	 * holds (a file's first snapshot is the one that began in it) */
	if (i + 1 < n && segs[i + 1].start_ns + 1000000000ull <= r->from_ns)
		return false;
	return true;
}

static int read_dir(int dfd, const char *path, struct pt_trace_visitor *rd,
		    const struct pt_range *pick, struct pt_trace_info *info)
{
	struct pt_seg *segs;
	size_t n, i;
	int rc, fd;

	info->is_dir = true;
	rc = pt_seg_list(dfd, &segs, &n);
	if (rc) {
		pt_err("cannot list %s: %s: check the path", path, strerror(-rc));
		return rc;
	}
	if (!n) {
		free(segs);
		pt_err("%s is a directory without perftop recordings (%s*%s files): give a trace file, or a directory written by perftop serve --record-dir",
		       path, PT_SEG_PREFIX, PT_SEG_SUFFIX);
		return -ENOENT;
	}
	for (i = 0, rc = 0; i < n && !rc; i++) {
		char name[4096];

		if (!seg_wanted(segs, i, n, pick))
			continue;
		snprintf(name, sizeof(name), "%s/%s", path, segs[i].name);
		fd = openat(dfd, segs[i].name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			/* retention may delete the oldest file meanwhile */
			if (errno != ENOENT)
				pt_warn("cannot open %s: %s: skipping it", name,
					strerror(errno));
			continue;
		}
		rc = read_file(fd, name, rd, info, false);
	}
	free(segs);
	return rc;
}

static void range_error(const char *path, const struct pt_range *r,
			const struct pt_trace_info *info)
{
	char a[40], b[40], c[40], d[40];

	pt_format_rfc3339(r->from_ns, a, sizeof(a));
	pt_format_rfc3339(r->to_ns == UINT64_MAX ? pt_now_real_ns() : r->to_ns,
			  b, sizeof(b));
	if (!info->first_ns) {
		pt_err("%s: no snapshots between %s and %s (the files read hold none): choose another --from/--to",
		       path, a, b);
		return;
	}
	pt_format_rfc3339(info->first_ns, c, sizeof(c));
	pt_format_rfc3339(info->last_ns, d, sizeof(d));
	pt_err("%s: no snapshots between %s and %s: the files read cover %s to %s; choose --from/--to in that span",
	       path, a, b, c, d);
}

int pt_trace_read(const char *path, const struct pt_trace_visitor *user,
		  struct pt_trace_info *info)
{
	struct read_ctx c = { .user = user, .info = info, .path = path };
	/* the range is applied in ctx_snapshot, after the span is noted */
	struct pt_trace_visitor rd = { .header = ctx_header,
				    .snapshot = ctx_snapshot, .ctx = &c };
	struct stat st;
	int fd, rc;

	memset(info, 0, sizeof(*info));
	fd = !strcmp(path, "-") ? dup(STDIN_FILENO) :
				  open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pt_err("cannot open %s: %s: check the path", path, strerror(errno));
		return -ENOENT;
	}
	if (!fstat(fd, &st) && S_ISDIR(st.st_mode)) {
		rc = read_dir(fd, path, &rd, user->range, info);
		close(fd);
	} else {
		rc = read_file(fd, path, &rd, info, true);
	}
	if (rc > 0)
		rc = 0;		/* stopped early by the visitor */
	if (!rc && user->range && !info->snapshots) {
		range_error(path, user->range, info);
		rc = -ENOENT;
	}
	return rc;
}
