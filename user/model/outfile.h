/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A report file written whole or not at all: the text goes to a temporary
 * file beside the target (created 0600 with O_EXCL, so never through a
 * link planted there), is flushed and fsync'd, and only then renamed into
 * place.  A full disk, a write error or a crash leaves the target as it
 * was; without force an existing target is never replaced, not even one
 * that appears while we write (RENAME_NOREPLACE, else link()).
 */
#ifndef PT_OUTFILE_H
#define PT_OUTFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

struct pt_outfile {
	FILE *f;			/* write here */
	bool is_stdout;			/* path "-" */
	bool force;
	const char *what;		/* the option, for messages: "--html" */
	char path[PATH_MAX];
	char tmp[PATH_MAX];
};

/*
 * Start a new file at path ("-": stdout).  Refuses an existing path unless
 * force (then a regular file or a symbolic link is replaced, the link
 * itself, never its target).  0, or -errno with one error line printed.
 */
int pt_outfile_open(struct pt_outfile *o, const char *path, bool force,
		    const char *what);
/* Flush, fsync and move into place; 0, or -errno with one error line
 * printed and the temporary file removed. */
int pt_outfile_commit(struct pt_outfile *o);
/* Give up: the temporary file is removed, the target left as it was. */
void pt_outfile_abort(struct pt_outfile *o);

#endif /* PT_OUTFILE_H */
