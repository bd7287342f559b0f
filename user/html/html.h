/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `perftop report --html`: the report as one self-contained HTML page
 * (inline SVG and CSS, no script, nothing fetched), from the same
 * evaluation as the text report.  docs/html-report.md shows the page.
 */
#ifndef PT_HTML_H
#define PT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "report.h"

struct pt_html_input {
	const struct pt_report *r;		/* verdict, summary, --baseline */
	const struct pt_snapshot *snaps;	/* every interval of the trace */
	size_t nr_snaps;
	/* --baseline: the good run, for side-by-side timelines */
	const struct pt_header *base_header;
	const struct pt_snapshot *base_snaps;
	size_t nr_base;
	const char *version;			/* perftop's */
};

/* Most points a timeline draws; longer recordings are grouped (display
 * only).  A small-multiple timeline draws at most PT_HTML_SMALL_BUCKETS. */
#define PT_HTML_BUCKETS 480
#define PT_HTML_SMALL_BUCKETS 160

/* The page to f.  0, or -ENOMEM (nothing useful written; error printed).
 * Write errors show in ferror(f). */
int pt_html_write(FILE *f, const struct pt_html_input *in);

#endif /* PT_HTML_H */
