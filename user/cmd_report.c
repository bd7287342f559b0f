// SPDX-License-Identifier: GPL-2.0
/* perftop report FILE [--baseline OTHER]: detection over a recording. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "config.h"
#include "report.h"
#include "trace.h"
#include "util.h"

/* The recording's snapshots through the window and a summary. */
static int evaluate(const struct pt_recording *rec, struct pt_window *win,
		    struct pt_summary *sum)
{
	size_t i;
	int err = 0;

	for (i = 0; i < rec->nr_snaps && !err; i++) {
		if (win)
			err = pt_window_add(win, &rec->snaps[i]);
		if (!err)
			err = pt_summary_add(sum, &rec->snaps[i]);
	}
	if (err)
		pt_err("out of memory evaluating %zu snapshots: free some memory",
		       rec->nr_snaps);
	return err;
}

/* --baseline: summarise both by name and list what got worse. */
static int compare(const struct pt_opts *o, const struct pt_recording *cur,
		   struct pt_regression **reg, size_t *n)
{
	struct pt_summary bs, cs;
	struct pt_recording base;
	int err;

	if (pt_recording_load(o->baseline, &base))
		return -EINVAL;
	pt_summary_init(&bs, true);
	pt_summary_init(&cs, true);
	err = evaluate(&base, NULL, &bs);
	if (!err)
		err = evaluate(cur, NULL, &cs);
	if (!err && !bs.snapshots) {
		pt_err("baseline %s has no snapshots: record a known-good period first",
		       o->baseline);
		err = -EINVAL;
	}
	if (!err) {
		err = pt_summary_compare(&bs, &cs, reg, n);
		if (err)
			pt_err("out of memory comparing with the baseline: free some memory");
	}
	pt_summary_free(&bs);
	pt_summary_free(&cs);
	pt_recording_free(&base);
	return err;
}

static int report_run(const struct pt_opts *o, const struct pt_recording *rec,
		      const struct pt_detect_config *cfg)
{
	struct pt_report r = { .command = "report", .source = o->file };
	struct pt_regression *reg = NULL;
	struct pt_window *win = pt_window_new(cfg);
	struct pt_summary sum;
	int st = PT_EXIT_UNKNOWN;

	pt_summary_init(&sum, false);
	if (!win) {
		pt_err("out of memory evaluating the trace: free some memory");
		return st;
	}
	if (evaluate(rec, win, &sum))
		goto out;
	if (o->baseline && compare(o, rec, &reg, &r.nr_reg))
		goto out;
	r.header = &rec->header;
	r.cfg = cfg;
	r.win = win;
	r.sum = &sum;
	r.truncated = !rec->complete;
	r.baseline = o->baseline;
	r.reg = reg;
	if (pt_window_findings(win, &r.findings, &r.nr_findings)) {
		pt_err("out of memory evaluating findings: free some memory");
		goto out;
	}
	pt_report_decide(&r);
	if (o->json)
		st = pt_report_json(stdout, &r) ? PT_EXIT_UNKNOWN : r.status;
	else {
		pt_report_text(stdout, &r);
		st = r.status;
	}
out:
	free(reg);
	pt_window_free(win);
	pt_summary_free(&sum);
	return st;
}

int pt_cmd_report(const struct pt_opts *o)
{
	struct pt_detect_config cfg;
	struct pt_recording rec;
	int st;

	if (pt_config_load(o->config, &cfg))
		return PT_EXIT_UNKNOWN;
	if (pt_recording_load(o->file, &rec))
		return PT_EXIT_UNKNOWN;
	st = report_run(o, &rec, &cfg);
	pt_recording_free(&rec);
	return st;
}
