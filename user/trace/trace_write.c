// SPDX-License-Identifier: GPL-2.0
/*
 * Trace output.  Each line is handed to the kernel as soon as it is complete
 * (gzip: as a complete deflate block), so `tail -f`, `zcat` and a SIGKILL
 * all see whole lines up to the last one written.  A long snapshot line
 * goes out in OUT_CHUNK pieces as it is produced: a reader can see the
 * start of the line being written, and a line cut off by SIGKILL is a
 * last line without newline, which the reader reports as truncated.
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

struct pt_trace_writer {
	int fd;
	gzFile gz;		/* NULL for plain output */
	char name[256];		/* for error messages */
	bool is_stdout;
	char *created;		/* path of a file that is new: abort removes it */
	bool must_truncate;	/* --force over a file: at pt_trace_begin() */
	bool want_gz;		/* ".gz": the stream starts at pt_trace_begin() */
	bool begun;
	struct stat seen;	/* what lstat() showed of that file */
	bool failed;		/* a write failed and was reported */
	size_t len;		/* bytes waiting in buf */
	char buf[];		/* OUT_CHUNK */
};

#define OUT_CHUNK (64 * 1024)

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/*
 * --force over an existing file: it may be truncated only if the fd is
 * still the plain file lstat() saw, is ours, and has no other name (a hard
 * link planted in a shared directory would otherwise make us truncate its
 * target).  Checked at open, so a bad path fails before probes load.
 */
static int check_overwrite(int fd, const char *path, const struct stat *seen)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_ino != seen->st_ino ||
	    st.st_dev != seen->st_dev) {
		pt_err("output file %s changed while opening it: choose another path", path);
		return -EAGAIN;
	}
	if (st.st_uid != geteuid()) {
		/* its owner could read what we write into it */
		pt_err("output file %s belongs to another user (uid %u): refusing to overwrite it; remove it or choose another path",
		       path, (unsigned int)st.st_uid);
		return -EPERM;
	}
	if (st.st_nlink > 1) {
		pt_err("output file %s has other hard links: refusing to overwrite it; remove it or choose another path",
		       path);
		return -EMLINK;
	}
	return 0;
}

/* ...and truncated, given a new trace's mode, only once the trace is
 * really starting: a run that fails to start leaves the old file whole. */
static int truncate_old(struct pt_trace_writer *w)
{
	int flags, err = check_overwrite(w->fd, w->name, &w->seen);

	if (err)
		return err;
	flags = fcntl(w->fd, F_GETFL);
	if (ftruncate(w->fd, 0) || fchmod(w->fd, 0600) ||
	    (flags >= 0 && fcntl(w->fd, F_SETFL, flags & ~O_NONBLOCK))) {
		err = -errno;
		pt_err("cannot overwrite %s: %s: choose a writable path with -o",
		       w->name, strerror(-err));
		return err;
	}
	return 0;
}

/* The gzip stream too starts only here: zlib writes its header even when
 * closed unused, which would land at the start of a file kept whole. */
int pt_trace_begin(struct pt_trace_writer *w)
{
	int err = 0, gfd;

	if (w->begun)
		return 0;
	w->begun = true;
	if (w->must_truncate)
		err = truncate_old(w);
	if (!err && w->want_gz) {
		gfd = dup(w->fd);
		w->gz = gfd >= 0 ? gzdopen(gfd, "wb6") : NULL;
		if (!w->gz) {
			pt_err("cannot start gzip output on %s: out of memory",
			       w->name);
			if (gfd >= 0)
				close(gfd);
			err = -ENOMEM;
		}
	}
	w->failed |= err != 0;
	return err;
}

static int open_output(struct pt_trace_writer *w, const char *path,
		       bool force)
{
	struct stat st;
	int fd, err, flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;

	if (!lstat(path, &st)) {
		if (S_ISLNK(st.st_mode)) {
			pt_err("output path %s is a symbolic link: refusing to follow it; remove it or choose another path",
			       path);
			return -ELOOP;
		}
		if (!force) {
			pt_err("output file %s already exists: choose another name, or add --force to overwrite it",
			       path);
			return -EEXIST;
		}
		if (!S_ISREG(st.st_mode)) {
			pt_err("output path %s is not a regular file: choose a file path", path);
			return -EINVAL;
		}
		/* truncated only once fstat() proves it is the same plain
		 * file; O_NONBLOCK: a FIFO swapped in must not hang us */
		flags |= O_NONBLOCK;
	} else {
		flags |= O_EXCL;	/* lose no race with a planted link */
	}
	fd = open(path, flags, 0600);
	if (fd < 0) {
		int err = errno;

		if (err == ELOOP)
			pt_err("output path %s is a symbolic link: refusing to follow it; remove it or choose another path",
			       path);
		else if (err == EEXIST)
			pt_err("output file %s appeared while opening it: choose another name, or add --force",
			       path);
		else
			pt_err("cannot create %s: %s: choose a writable path with -o",
			       path, strerror(err));
		return -err;
	}
	if (flags & O_NONBLOCK) {
		err = check_overwrite(fd, path, &st);
		if (err) {
			close(fd);
			return err;
		}
		w->must_truncate = true;
		w->seen = st;
	} else if (!(w->created = strdup(path))) {
		pt_err("out of memory opening %s", path);
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	return fd;
}

struct pt_trace_writer *pt_trace_create(const char *path, bool force)
{
	struct pt_trace_writer *w = calloc(1, sizeof(*w) + OUT_CHUNK);

	if (!w) {
		pt_err("out of memory opening the trace");
		return NULL;
	}
	if (!path || !strcmp(path, "-")) {
		w->fd = STDOUT_FILENO;
		w->is_stdout = true;
		pt_strlcpy(w->name, "standard output", sizeof(w->name));
		return w;
	}
	pt_strlcpy(w->name, path, sizeof(w->name));
	w->fd = open_output(w, path, force);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	w->want_gz = ends_with(path, ".gz");
	return w;
}

static int gz_failed(struct pt_trace_writer *w)
{
	int zerr;
	const char *msg = gzerror(w->gz, &zerr);

	if (zerr == Z_ERRNO)
		return errno ? -errno : -EIO;
	pt_err("writing %s failed: %s: free space or choose another path", w->name, msg);
	return -EIO;
}

static int flush_buf(struct pt_trace_writer *w)
{
	size_t len = w->len;

	w->len = 0;
	if (!len)
		return 0;
	if (w->gz)
		return gzwrite(w->gz, w->buf, (unsigned int)len) == (int)len ?
		       0 : gz_failed(w);
	return pt_write_all(w->fd, w->buf, len);
}

static int out_put(void *ctx, const char *s, size_t len)
{
	struct pt_trace_writer *w = ctx;
	int err;

	while (len) {
		size_t n = OUT_CHUNK - w->len;

		if (n > len)
			n = len;
		memcpy(w->buf + w->len, s, n);
		w->len += n;
		s += n;
		len -= n;
		if (w->len == OUT_CHUNK && (err = flush_buf(w)))
			return err;
	}
	return 0;
}

/* One error line per trace, naming what went wrong. */
static int line_done(struct pt_trace_writer *w, int err)
{
	if (!err)
		err = out_put(w, "\n", 1);
	if (!err)
		err = flush_buf(w);
	if (!err && w->gz && gzflush(w->gz, Z_SYNC_FLUSH) != Z_OK)
		err = gz_failed(w);
	w->len = 0;
	if (err && !w->failed) {
		if (err == -EPIPE)
			pt_err("writing %s failed: %s: the reader of the pipe went away; the trace is complete up to the last full line",
			       w->name, strerror(-err));
		else if (err == -ENOMEM)
			pt_err("out of memory formatting a trace line");
		else if (err != -EIO)
			pt_err("writing %s failed: %s: free space or choose another path; the trace is complete up to the last full line",
			       w->name, strerror(-err));
	}
	w->failed |= err != 0;
	return err;
}

int pt_trace_write(struct pt_trace_writer *w, const cJSON *obj)
{
	char *line;
	int err = pt_trace_begin(w);

	if (err)
		return err;
	line = cJSON_PrintUnformatted(obj);
	err = line ? out_put(w, line, strlen(line)) : -ENOMEM;

	cJSON_free(line);
	return line_done(w, err);
}

int pt_trace_write_snapshot(struct pt_trace_writer *w,
			    const struct pt_snapshot *s)
{
	struct pt_json_sink sink = { .put = out_put, .ctx = w };
	int err = pt_trace_begin(w);

	return err ? err : line_done(w, pt_json_snapshot_emit(s, &sink));
}

void pt_trace_abort(struct pt_trace_writer *w)
{
	if (!w)
		return;
	if (w->gz)
		gzclose(w->gz);
	if (!w->is_stdout) {
		if (w->created)
			unlink(w->created);
		close(w->fd);
	}
	free(w->created);
	free(w);
}

int pt_trace_close(struct pt_trace_writer *w)
{
	int err = 0;

	if (!w)
		return 0;
	/* after a reported write error, say nothing more: one error line */
	if (w->gz && gzclose(w->gz) != Z_OK) {
		if (!w->failed)
			pt_err("finishing gzip stream of %s failed: free space and check the file",
			       w->name);
		err = -EIO;
	}
	if (!w->is_stdout) {
		if (!err && !w->failed && fsync(w->fd) && errno != EINVAL) {
			pt_err("flushing %s failed: %s", w->name, strerror(errno));
			err = -errno;
		}
		close(w->fd);
	}
	free(w->created);
	free(w);
	return err;
}
