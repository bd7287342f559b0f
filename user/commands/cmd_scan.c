// SPDX-License-Identifier: GPL-2.0
/* perftop scan: measure for -d seconds, report bottlenecks, exit 0/1/2/3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "commands.h"
#include "report.h"
#include "util.h"

struct scan_ctx {
	struct pt_window *win;
	struct pt_summary *sum;
};

/* Feed every interval of the scan into the window and the summary. */
static int scan_snapshot(struct pt_snapshot *s, void *arg)
{
	struct scan_ctx *sc = arg;
	int err = pt_window_add(sc->win, s);

	if (!err)
		err = pt_summary_add(sc->sum, s);
	if (err == -ENOMEM)
		pt_err("out of memory during the scan: scan a shorter -d or a longer -i");
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

static int scan_check(struct pt_opts *o)
{
	if (!o->duration_set)
		o->duration_s = PT_SCAN_DEFAULT_DURATION;
	return 0;
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
	if (pt_collector_run(&c, o, &pt_stop, scan_snapshot,
			     &(struct scan_ctx){ .win = win, .sum = &sum }))
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

const struct pt_command pt_command_scan = {
	.name = "scan",
	.run = pt_cmd_scan,
	.overview =
"  scan                 bottleneck scan for cron: measure, report, exit\n"
"                       0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n",
	.usage =
"Usage: perftop scan [-d SEC] [--json] [--prom FILE] [OPTIONS]\n"
"\n"
"Measures for -d seconds (default 30), then reports the bottlenecks found\n"
"(findings with culprits and advice, a per-subsystem summary, loss) and\n"
"exits with a monitoring status.  docs/detection.md has the rules.\n",
	.options = "duration interval pid cgroup probes tcp-owner config json prom verbose",
	.needs_privileges = true,
	.monitoring = true,
	.check = scan_check,
};
