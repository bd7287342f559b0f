// SPDX-License-Identifier: GPL-2.0
/*
 * perftop report FILE|DIR [--from T] [--to T] [--baseline OTHER]
 * [--html OUT]: detection over a recording.  The snapshots stream through
 * the detection window and the summaries one at a time, so a day of a
 * flight recorder's directory is reported on without holding it in
 * memory; only --html keeps them (its timelines draw every interval).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "html.h"
#include "outfile.h"
#include "report.h"
#include "trace.h"
#include "util.h"
#include "version.h"

/* Where each streamed snapshot goes. */
struct eval {
	struct pt_window *win;		/* NULL for the baseline */
	struct pt_summary *sum;
	struct pt_summary *named;	/* by name, for --baseline; or NULL */
	struct pt_header header;	/* the recording's (first) header */
	bool have_header;
	bool keep;			/* --html: keep every snapshot */
	PT_ARRAY(struct pt_snapshot, kept);
};

static void eval_free(struct eval *e)
{
	size_t i;

	for (i = 0; i < e->kept.n; i++)
		pt_snapshot_free(&e->kept.v[i]);
	free(e->kept.v);
}

static int eval_header(void *ctx, const struct pt_header *h)
{
	struct eval *e = ctx;

	if (!e->have_header) {
		e->header = *h;
		e->have_header = true;
	}
	return 0;
}

static int eval_snapshot(void *ctx, struct pt_snapshot *s)
{
	struct eval *e = ctx;
	int err = e->win ? pt_window_add(e->win, s) : 0;

	if (!err)
		err = pt_summary_add(e->sum, s);
	if (!err && e->named)
		err = pt_summary_add(e->named, s);
	if (!err && e->keep) {
		struct pt_snapshot *k = PT_PUSH(e->kept);

		if (!k)
			return -ENOMEM;
		*k = *s;		/* taken over, as the reader allows */
		pt_snapshot_init(s);
	}
	return err;
}

/* path's snapshots in [from, to] through e; 0 or -errno (reported). */
static int evaluate(const char *path, uint64_t from, uint64_t to,
		    struct eval *e, struct pt_trace_info *info)
{
	struct pt_range range = { .from_ns = from, .to_ns = to };
	struct pt_trace_visitor v = {
		.header = eval_header, .snapshot = eval_snapshot, .ctx = e,
		.range = from || to != UINT64_MAX ? &range : NULL,
	};
	int err = pt_trace_read(path, &v, info);

	if (err == -ENOMEM)
		pt_err("out of memory evaluating %s: report a shorter --from/--to span",
		       path);
	return err;
}

/* --baseline: summarise both by name and list what got worse. */
static int compare(const struct pt_opts *o, const struct pt_summary *cur,
		   struct eval *be, struct pt_regression **reg, size_t *n)
{
	struct pt_summary bs;
	struct pt_trace_info info;
	int err;

	pt_summary_init(&bs, true);
	be->sum = &bs;
	err = evaluate(o->baseline, o->base_from_ns, o->base_to_ns, be, &info);
	if (!err && !bs.snapshots) {
		pt_err("baseline %s has no snapshots: record a known-good period first",
		       o->baseline);
		err = -EINVAL;
	}
	if (!err) {
		err = pt_summary_compare(&bs, cur, reg, n);
		if (err)
			pt_err("out of memory comparing with the baseline: free some memory");
	}
	pt_summary_free(&bs);
	be->sum = NULL;
	return err;
}

/* --html: the page into out (opened before the trace was read). */
static int write_html(struct pt_outfile *out, const struct pt_report *r,
		      const struct eval *e, const struct eval *be)
{
	struct pt_html_input in = {
		.r = r, .snaps = e->kept.v, .nr_snaps = e->kept.n,
		.version = PT_VERSION,
	};

	if (be->have_header) {
		in.base_header = &be->header;
		in.base_snaps = be->kept.v;
		in.nr_base = be->kept.n;
	}
	if (pt_html_write(out->f, &in)) {
		pt_outfile_abort(out);
		return -ENOMEM;
	}
	return pt_outfile_commit(out);
}

int pt_cmd_report(const struct pt_opts *o)
{
	struct pt_report r = { .command = "report", .source = o->file };
	struct pt_regression *reg = NULL;
	struct pt_detect_config cfg;
	struct pt_summary sum, named;
	struct pt_trace_info info;
	struct eval e = { .sum = &sum, .named = o->baseline ? &named : NULL,
			  .keep = o->html != NULL };
	struct eval be = { .keep = o->html != NULL };
	struct pt_outfile html = { 0 };
	int st = PT_EXIT_UNKNOWN;

	if (pt_config_load(o->config, &cfg))
		return PT_EXIT_UNKNOWN;
	/* before reading the trace: a bad --html path fails at once */
	if (o->html && pt_outfile_open(&html, o->html, o->force, "--html"))
		return PT_EXIT_UNKNOWN;
	pt_summary_init(&sum, false);
	pt_summary_init(&named, true);
	e.win = pt_window_new(&cfg);
	if (!e.win) {
		pt_err("out of memory evaluating the trace: free some memory");
		goto out;
	}
	if (evaluate(o->file, o->from_ns, o->to_ns, &e, &info))
		goto out;
	if (o->baseline && compare(o, &named, &be, &reg, &r.nr_reg))
		goto out;
	r.header = &e.header;
	r.cfg = &cfg;
	r.win = e.win;
	r.sum = &sum;
	r.truncated = !info.complete;
	r.baseline = o->baseline;
	r.reg = reg;
	if (pt_window_findings(e.win, &r.findings, &r.nr_findings)) {
		pt_err("out of memory evaluating findings: free some memory");
		goto out;
	}
	pt_report_decide(&r);
	st = r.status;
	if (o->html && html.is_stdout)
		;	/* the page is the output */
	else if (o->json)
		st = pt_report_json(stdout, &r) ? PT_EXIT_UNKNOWN : r.status;
	else
		pt_report_text(stdout, &r);
	if (o->html && write_html(&html, &r, &e, &be))
		st = PT_EXIT_UNKNOWN;
out:
	pt_outfile_abort(&html);	/* no-op once committed */
	eval_free(&e);
	eval_free(&be);
	free(reg);
	pt_window_free(e.win);
	pt_summary_free(&sum);
	pt_summary_free(&named);
	return st;
}

/* --html's rules; 0 or a usage error (printed). */
static int report_check(struct pt_opts *o)
{
	if (o->html && o->json && !strcmp(o->html, "-")) {
		pt_err("--html - and --json both want stdout: write the page to a file (--html OUT.html)");
		return PT_EXIT_UNKNOWN;
	}
	if (o->force && !o->html) {
		pt_err("--force applies to --html: perftop report FILE --html OUT.html --force");
		return PT_EXIT_UNKNOWN;
	}
	return 0;
}

const struct pt_command pt_command_report = {
	.name = "report",
	.run = pt_cmd_report,
	.overview =
"  report FILE|DIR      bottleneck findings over a recorded trace; with\n"
"                       --html OUT.html also as one self-contained page\n",
	.usage =
"Usage: perftop report FILE|DIR [--json] [--baseline FILE|DIR] [OPTIONS]\n"
"       perftop report FILE|DIR --html OUT.html [--force] [OPTIONS]\n"
"\n"
"The scan report over a recorded trace: the same detection, summary and\n"
"exit statuses as scan, over the whole recording or --from/--to.  With\n"
"--baseline, also what got worse than in a known-good recording.  Reads\n"
"files only: no privileges.\n"
"\n"
"--html writes the same report as one HTML page (inline SVG and CSS, no\n"
"script, nothing fetched: it opens from a mail attachment and prints): the\n"
"verdict, a timeline per subsystem with each finding's active intervals\n"
"hatched, each finding's culprits with their own timelines, and with\n"
"--baseline what got worse beside the good run.  Written mode 0600 to a\n"
"temporary file and renamed into place; an existing FILE only with\n"
"--force.  The page keeps the range's snapshots in memory: narrow a long\n"
"recording with --from/--to.  docs/html-report.md.\n",
	.options = "config json baseline from to baseline-from baseline-to html force",
	.operand = "a trace FILE or recording DIR: perftop report FILE (.json, .json.gz, or a serve --record-dir)",
	.monitoring = true,
	.check = report_check,
};
