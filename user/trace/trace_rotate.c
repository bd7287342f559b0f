// SPDX-License-Identifier: GPL-2.0
/* The flight recorder's rotated, bounded trace directory (trace_rotate.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>
#include <cjson/cJSON.h>

#include "trace.h"
#include "trace_rotate.h"
#include "util.h"


struct pt_rotator {
	struct pt_rotate_opts o;
	uint64_t block;		/* files take whole blocks of this on disk */
	char dir[PATH_MAX];
	int dfd;
	struct pt_header header;
	/* closed files, oldest first, and their total size */
	struct pt_seg *segs;
	size_t nsegs, cap;
	uint64_t closed_bytes;
	/* the file being written; fd -1 between files */
	int fd;
	char name[PT_SEG_NAME_MAX];
	uint64_t size;		/* bytes written to it */
	uint64_t end_ns;	/* snapshots ending after this go to a new file */
	uint64_t snaps;		/* snapshot lines in it */
	struct pt_loss loss;	/* their loss, for its end line */
	/* one line: JSON text, then its gzip member; kept between lines */
	char *json;
	size_t json_len, json_cap;
	unsigned char *gz;
	size_t gz_cap;
	z_stream zs;
	bool zs_ready;
	bool failing;		/* in a run of dropped lines */
	uint64_t dropped_run;
	uint64_t last_seq;	/* of the last snapshot written; 0: none */
	struct pt_rotate_stats st;
};

static uint64_t blocks(const struct pt_rotator *r, uint64_t bytes)
{
	return (bytes + r->block - 1) / r->block * r->block;
}

/* ---- the directory ---- */

static int open_dir(struct pt_rotator *r)
{
	const char *path = r->o.dir;
	struct statvfs vfs;
	struct stat st;

	if (mkdir(path, 0700) && errno != EEXIST) {
		pt_err("cannot create --record-dir %s: %s: create its parent directory or choose another path",
		       path, strerror(errno));
		return -errno;
	}
	r->dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (r->dfd < 0) {
		int err = errno;

		pt_err("cannot open --record-dir %s: %s: give a directory (not a symbolic link) you own",
		       path, strerror(err));
		return -err;
	}
	if (fstat(r->dfd, &st))
		return -errno;
	/* others could plant or swap files the retention then deletes */
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		pt_err("--record-dir %s is %s: refusing to record there; use a directory only you can write to (chmod 700)",
		       path, st.st_uid != geteuid() ? "owned by another user" :
		       "writable by others");
		return -EPERM;
	}
	/* the file system's allocation unit: what --max-size counts in */
	r->block = !fstatvfs(r->dfd, &vfs) && vfs.f_frsize >= 512 ?
		   vfs.f_frsize : 4096;
	if (flock(r->dfd, LOCK_EX | LOCK_NB)) {
		pt_err("another perftop is recording into %s: give each its own --record-dir",
		       path);
		return -EBUSY;
	}
	return 0;
}

static void forget_seg(struct pt_rotator *r, size_t i)
{
	r->closed_bytes -= r->segs[i].bytes;
	memmove(&r->segs[i], &r->segs[i + 1], (r->nsegs - i - 1) * sizeof(*r->segs));
	r->nsegs--;
}

/* Delete the oldest closed file; false when there is none. */
static bool delete_oldest(struct pt_rotator *r)
{
	if (!r->nsegs)
		return false;
	if (unlinkat(r->dfd, r->segs[0].name, 0) && errno != ENOENT)
		pt_warn("cannot delete %s/%s: %s: it stays, and counts against --max-size",
			r->dir, r->segs[0].name, strerror(errno));
	else
		r->st.files_deleted++;
	forget_seg(r, 0);
	return true;
}

void pt_rotator_expire(struct pt_rotator *r, uint64_t now_real_ns)
{
	size_t i = 0;

	if (!r->o.keep_ns || now_real_ns < r->o.keep_ns)
		return;
	/* a file's newest line is its mtime; files are oldest first */
	while (i < r->nsegs) {
		if (r->segs[i].mtime_ns >= now_real_ns - r->o.keep_ns) {
			i++;
			continue;
		}
		if (unlinkat(r->dfd, r->segs[i].name, 0) && errno != ENOENT) {
			i++;
			continue;
		}
		r->st.files_deleted++;
		forget_seg(r, i);
	}
}

static int add_seg(struct pt_rotator *r, const struct pt_seg *s)
{
	if (r->nsegs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct pt_seg *ns = realloc(r->segs, cap * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		r->segs = ns;
		r->cap = cap;
	}
	r->segs[r->nsegs++] = *s;
	r->closed_bytes += s->bytes;
	return 0;
}

/* ---- one line as one gzip member ---- */

static int json_put(void *ctx, const char *s, size_t len)
{
	struct pt_rotator *r = ctx;

	if (r->json_len + len + 1 > r->json_cap) {
		size_t cap = r->json_cap ? r->json_cap : 64 * 1024;
		char *nb;

		while (cap < r->json_len + len + 1)
			cap *= 2;
		nb = realloc(r->json, cap);
		if (!nb)
			return -ENOMEM;
		r->json = nb;
		r->json_cap = cap;
	}
	memcpy(r->json + r->json_len, s, len);
	r->json_len += len;
	return 0;
}

/* r->json[0..json_len) plus a newline, into r->gz; its length or -errno. */
static long compress_line(struct pt_rotator *r)
{
	size_t need, len;
	int zr;

	if (json_put(r, "\n", 1))
		return -ENOMEM;
	if (!r->zs_ready) {
		/* 15 + 16: a gzip wrapper; level 6 as gzip's default */
		if (deflateInit2(&r->zs, 6, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
		r->zs_ready = true;
	} else if (deflateReset(&r->zs) != Z_OK) {
		return -EIO;
	}
	need = deflateBound(&r->zs, r->json_len);
	if (need > r->gz_cap) {
		unsigned char *nb = realloc(r->gz, need);

		if (!nb)
			return -ENOMEM;
		r->gz = nb;
		r->gz_cap = need;
	} else {
		pt_array_trim((void **)&r->gz, need, &r->gz_cap, 1);
	}
	r->zs.next_in = (unsigned char *)r->json;
	r->zs.avail_in = (uInt)r->json_len;
	r->zs.next_out = r->gz;
	r->zs.avail_out = (uInt)r->gz_cap;
	zr = deflate(&r->zs, Z_FINISH);
	if (zr != Z_STREAM_END)
		return -EIO;
	len = r->gz_cap - r->zs.avail_out;
	/* the line is in gz now: the text buffer is free to shrink */
	pt_array_trim((void **)&r->json, r->json_len, &r->json_cap, 1);
	return (long)len;
}

static long render_obj(struct pt_rotator *r, cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	int err;

	cJSON_Delete(o);
	if (!text)
		return -ENOMEM;
	r->json_len = 0;
	err = json_put(r, text, strlen(text));
	free(text);
	return err ? err : compress_line(r);
}

static long render_snapshot(struct pt_rotator *r, const struct pt_snapshot *s)
{
	struct pt_json_sink sink = { .put = json_put, .ctx = r };
	int err;

	r->json_len = 0;
	err = pt_json_snapshot_emit(s, &sink);
	return err ? err : compress_line(r);
}

/*
 * Append the rendered line (len bytes in r->gz) to the current file within
 * --max-size, deleting the oldest closed files first.  -EFBIG when it
 * cannot fit beside the current file alone; a failed write is cut back
 * off the file (-errno), and a full disk first costs the oldest files.
 */
static int append(struct pt_rotator *r, size_t len)
{
	int err;

	for (;;) {
		uint64_t after = r->closed_bytes + blocks(r, r->size + len);

		if (r->o.max_bytes && after > r->o.max_bytes) {
			if (delete_oldest(r))
				continue;
			return -EFBIG;
		}
		err = pt_write_all(r->fd, r->gz, len);
		if (!err) {
			r->size += len;
			return 0;
		}
		/* never leave a torn line for good ones to follow */
		if (ftruncate(r->fd, (off_t)r->size))
			pt_warn("cannot cut a failed write off %s/%s: %s",
				r->dir, r->name, strerror(errno));
		if (err == -ENOSPC && delete_oldest(r))
			continue;
		return err;
	}
}

/* Close the current file: its end line if there is room, fsync. */
static void close_file(struct pt_rotator *r)
{
	struct pt_seg s = { .start_ns = 0 };
	struct stat st;
	long len;

	if (r->fd < 0)
		return;
	len = render_obj(r, pt_json_end(r->snaps, &r->loss));
	if (len > 0 && append(r, (size_t)len))
		len = -1;	/* no room: the file reads as cut off */
	if (fsync(r->fd) && errno != EINVAL)
		pt_warn("flushing %s/%s failed: %s", r->dir, r->name, strerror(errno));
	pt_strlcpy(s.name, r->name, sizeof(s.name));
	pt_seg_parse_name(s.name, &s.start_ns, &s.n);
	s.bytes = blocks(r, r->size);
	s.mtime_ns = pt_now_real_ns();
	if (!fstat(r->fd, &st) && (uint64_t)st.st_blocks * 512 > s.bytes)
		s.bytes = (uint64_t)st.st_blocks * 512;
	close(r->fd);
	r->fd = -1;
	if (add_seg(r, &s))	/* out of memory: it can no longer be deleted */
		pt_warn("out of memory tracking %s/%s: delete it yourself", r->dir, s.name);
}

/* Start a file for intervals from start_ns on; its header line first. */
static int open_file(struct pt_rotator *r, uint64_t start_ns, uint64_t end_ns)
{
	unsigned int n;
	long len;
	int err;

	for (n = 0; n < 1000; n++) {
		pt_seg_name(start_ns, n, r->name, sizeof(r->name));
		r->fd = openat(r->dfd, r->name, O_WRONLY | O_CREAT | O_EXCL |
			       O_NOFOLLOW | O_CLOEXEC, 0600);
		if (r->fd >= 0 || errno != EEXIST)
			break;
	}
	if (r->fd < 0) {
		err = -errno;
		return err ? err : -EEXIST;
	}
	r->size = 0;
	r->snaps = 0;
	memset(&r->loss, 0, sizeof(r->loss));
	r->end_ns = end_ns;
	r->header.start_time_ns = start_ns;
	r->st.files_created++;
	len = render_obj(r, pt_json_header(&r->header));
	err = len < 0 ? (int)len : append(r, (size_t)len);
	if (err) {
		close(r->fd);
		r->fd = -1;
		unlinkat(r->dfd, r->name, 0);
	}
	return err;
}

struct pt_rotator *pt_rotator_open(const struct pt_rotate_opts *o,
				   const struct pt_header *h)
{
	struct pt_rotator *r = calloc(1, sizeof(*r));
	struct pt_seg *segs;
	size_t n, i;
	int err;

	if (!r) {
		pt_err("out of memory starting the flight recorder");
		return NULL;
	}
	r->o = *o;
	r->fd = r->dfd = -1;
	r->header = *h;
	pt_strlcpy(r->dir, o->dir, sizeof(r->dir));
	r->o.dir = r->dir;
	if (!r->o.period_ns)
		r->o.period_ns = PT_ROTATE_DEFAULT_PERIOD_NS;
	err = open_dir(r);
	if (!err)
		err = pt_seg_list(r->dfd, &segs, &n);
	if (err) {
		if (err == -ENOMEM)
			pt_err("out of memory listing %s", o->dir);
		pt_rotator_close(r, 0);
		return NULL;
	}
	for (i = 0; i < n && !err; i++) {
		segs[i].bytes = blocks(r, segs[i].bytes);
		err = add_seg(r, &segs[i]);
	}
	free(segs);
	if (err) {
		pt_err("out of memory listing %s", o->dir);
		pt_rotator_close(r, 0);
		return NULL;
	}
	/* a smaller limit than last time takes effect now */
	pt_rotator_expire(r, pt_now_real_ns());
	while (r->o.max_bytes && r->closed_bytes > r->o.max_bytes)
		delete_oldest(r);
	return r;
}

static void trouble(struct pt_rotator *r, int err)
{
	r->st.dropped++;
	r->dropped_run++;
	if (err != -EFBIG && err != -ENOMEM)
		r->st.write_errors++;
	if (r->failing)
		return;
	r->failing = true;
	if (err == -EFBIG)
		pt_err("recording into %s: one snapshot line does not fit in --max-size %llu bytes: snapshots are dropped (and counted) until they fit; raise --max-size",
		       r->dir, (unsigned long long)r->o.max_bytes);
	else
		pt_err("recording into %s failed: %s: snapshots are dropped (and counted) until writing works again; free space in that file system",
		       r->dir, strerror(-err));
}

int pt_rotator_write(struct pt_rotator *r, struct pt_snapshot *s)
{
	uint64_t start = s->time_ns > s->interval_ns ? s->time_ns - s->interval_ns : 0;
	uint64_t period = r->o.period_ns;
	long len;
	int err, tries;

	pt_rotator_expire(r, s->time_ns);
	if (r->fd >= 0 && s->time_ns > r->end_ns)
		close_file(r);
	/* the intervals since the last line written (the queue's or the
	 * disk's drops) are counted in this line's loss, so a reader's loss
	 * totals and the file's end line carry them, not only a seq gap */
	if (s->seq > r->last_seq + 1)
		s->loss.record_dropped += s->seq - r->last_seq - 1;
	for (tries = 0; tries < 2; tries++) {
		if (r->fd < 0) {
			err = open_file(r, start, (s->time_ns / period + 1) * period);
			if (err)
				break;
		}
		len = render_snapshot(r, s);
		if (len < 0) {
			err = (int)len;
			break;
		}
		err = append(r, (size_t)len);
		/* too big beside this file's earlier lines: a new file */
		if (err != -EFBIG || !r->snaps)
			break;
		close_file(r);
	}
	if (err) {
		trouble(r, err);
		return err;
	}
	r->snaps++;
	r->last_seq = s->seq;
	pt_loss_add(&r->loss, &s->loss);
	r->st.snapshots++;
	if (r->failing) {
		r->failing = false;
		pt_warn("recording into %s works again: %llu snapshot(s) were dropped (seq gap before %llu)",
			r->dir, (unsigned long long)r->dropped_run,
			(unsigned long long)s->seq);
		r->dropped_run = 0;
	}
	return 0;
}

void pt_rotator_stats(const struct pt_rotator *r, struct pt_rotate_stats *st)
{
	*st = r->st;
	st->bytes = r->closed_bytes + (r->fd >= 0 ? blocks(r, r->size) : 0);
	st->files = r->nsegs + (r->fd >= 0);
}

int pt_rotator_close(struct pt_rotator *r, uint64_t last_seq)
{
	if (!r)
		return 0;
	if (last_seq > r->last_seq)	/* dropped after the last line */
		r->loss.record_dropped += last_seq - r->last_seq;
	close_file(r);
	if (r->dfd >= 0)
		close(r->dfd);
	if (r->zs_ready)
		deflateEnd(&r->zs);
	free(r->json);
	free(r->gz);
	free(r->segs);
	free(r);
	return 0;
}
