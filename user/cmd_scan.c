// SPDX-License-Identifier: GPL-2.0
/* perftop scan: measure for -d seconds, report bottlenecks, exit 0/1/2/3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "commands.h"
#include "report.h"
#include "util.h"

/* Feed every interval of the scan into the window and the summary. */
static int scan_loop(struct pt_collector *c, const struct pt_opts *o,
		     struct pt_window *win, struct pt_summary *sum)
{
	uint64_t end = c->interval_start + (uint64_t)(o->duration_s * 1e9);
	struct pt_snapshot snap;
	int err = 0;

	pt_snapshot_init(&snap);
	while (!err) {
		if (c->deadline > end)
			c->deadline = end;
		err = pt_collector_wait(c, &pt_stop);
		if (err)
			break;
		if (pt_stop && pt_now_mono_ns() - c->interval_start < 1000000)
			break;
		err = pt_collector_snapshot(c, &snap);
		if (!err)
			err = pt_window_add(win, &snap);
		if (!err)
			err = pt_summary_add(sum, &snap);
		if (err == -ENOMEM)
			pt_err("out of memory during the scan: scan a shorter -d or a longer -i");
		if (pt_stop || pt_now_mono_ns() >= end)
			break;
	}
	pt_snapshot_free(&snap);
	return err;
}

static int scan_output(struct pt_report *r, const struct pt_opts *o)
{
	int err = 0;

	pt_report_decide(r);
	if (o->json)
		err = pt_report_json(stdout, r);
	else
		pt_report_text(stdout, r);
	if (!err && o->prom)
		err = pt_report_prom(o->prom, r);
	return err ? PT_EXIT_UNKNOWN : r->status;
}

int pt_cmd_scan(const struct pt_opts *o)
{
	struct pt_report r = { .command = "scan" };
	struct pt_window *win = NULL;
	struct pt_summary sum;
	struct pt_collector c;
	int st = PT_EXIT_UNKNOWN;

	pt_install_stop_signals();
	pt_summary_init(&sum, false);
	if (pt_collector_start(&c, o, o->json))
		return PT_EXIT_UNKNOWN;
	win = pt_window_new(&c.cfg);
	if (!win) {
		pt_err("out of memory starting the scan: free some memory");
		goto out;
	}
	if (scan_loop(&c, o, win, &sum))
		goto out;
	r.header = &c.header;
	r.cfg = &c.cfg;
	r.win = win;
	r.sum = &sum;
	if (pt_window_findings(win, &r.findings, &r.nr_findings)) {
		pt_err("out of memory evaluating findings: free some memory");
		goto out;
	}
	st = scan_output(&r, o);
out:
	pt_collector_stop(&c);
	pt_window_free(win);
	pt_summary_free(&sum);
	return st;
}
