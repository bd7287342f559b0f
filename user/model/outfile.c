// SPDX-License-Identifier: GPL-2.0
/* Report files written whole or not at all (outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"
#include "util.h"

/* The directory part of path, "." when it has none. */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		pt_strlcpy(dir, ".", len);
	else if (slash == path)
		pt_strlcpy(dir, "/", len);
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

static int refuse_existing(const char *path, bool force, const char *what)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		pt_err("cannot use %s for %s: %s: choose another path", path,
		       what, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		pt_err("%s is a directory: give %s a file name", path, what);
		return -EISDIR;
	}
	if (!force) {
		pt_err("output file %s exists: choose another path, or add --force to replace it",
		       path);
		return -EEXIST;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		pt_err("%s is not a regular file: refusing to replace it; choose another path for %s",
		       path, what);
		return -EINVAL;
	}
	return 0;
}

int pt_outfile_open(struct pt_outfile *o, const char *path, bool force,
		    const char *what)
{
	char dir[PATH_MAX];
	int fd, err;

	memset(o, 0, sizeof(*o));
	o->force = force;
	o->what = what;
	if (!strcmp(path, "-")) {
		o->is_stdout = true;
		o->f = stdout;
		pt_strlcpy(o->path, "standard output", sizeof(o->path));
		return 0;
	}
	dir_of(path, dir, sizeof(dir));
	if (!*path || strlen(path) >= sizeof(o->path) ||
	    snprintf(o->tmp, sizeof(o->tmp), "%s/.perftop-%ld.XXXXXX", dir,
		     (long)getpid()) >= (int)sizeof(o->tmp)) {
		pt_err("bad path '%s' for %s: give a file name (at most %d bytes)",
		       path, what, PATH_MAX - 32);
		return -ENAMETOOLONG;
	}
	pt_strlcpy(o->path, path, sizeof(o->path));
	err = refuse_existing(path, force, what);
	if (err)
		return err;
	/* mkostemp: O_CREAT | O_EXCL, mode 0600 */
	fd = mkostemp(o->tmp, O_CLOEXEC);
	o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!o->f) {
		err = -errno;
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		pt_err("cannot create a file in %s: %s: check that the directory of %s exists and is writable",
		       dir, strerror(-err), what);
		return err;
	}
	return 0;
}

/* Into place; without force never over a file that exists by now. */
static int place(const struct pt_outfile *o)
{
	if (o->force)
		return rename(o->tmp, o->path) ? -errno : 0;
	if (!renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* a filesystem without RENAME_NOREPLACE: link() fails on EEXIST */
	if (link(o->tmp, o->path))
		return -errno;
	unlink(o->tmp);
	return 0;
}

int pt_outfile_commit(struct pt_outfile *o)
{
	int err = 0;

	if (!o->f)
		return -EBADF;
	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		err = errno ? -errno : -EIO;
	if (o->is_stdout) {
		o->f = NULL;
		if (err && err != -EPIPE)
			pt_err("writing the %s output to standard output failed: %s: check where it goes",
			       o->what, strerror(-err));
		return err;
	}
	if (!err && fsync(fileno(o->f)))
		err = -errno;
	if (fclose(o->f) && !err)
		err = -errno;
	o->f = NULL;
	if (!err)
		err = place(o);
	if (err) {
		unlink(o->tmp);
		if (err == -EEXIST)
			pt_err("output file %s appeared while writing it: choose another path, or add --force to replace it",
			       o->path);
		else
			pt_err("writing %s failed: %s: free space or choose another path (%s was not changed)",
			       o->path, strerror(-err), o->path);
	}
	return err;
}

void pt_outfile_abort(struct pt_outfile *o)
{
	if (o->f && !o->is_stdout) {
		fclose(o->f);
		unlink(o->tmp);
	}
	o->f = NULL;
}
