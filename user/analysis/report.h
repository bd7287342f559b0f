/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bottleneck report of `scan` and `report`: status, findings with their
 * time ranges, per-subsystem summary, loss, --baseline regressions; as text,
 * one JSON line, or a Prometheus textfile.  docs/detection.md shows each.
 */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "detect.h"
#include "summary.h"

struct pt_report {
	const char *command;		/* "scan" or "report" */
	const char *source;		/* report: the trace file */
	const struct pt_header *header;
	const struct pt_detect_config *cfg;
	const struct pt_window_finding *findings;
	size_t nr_findings;
	struct pt_window *win;
	const struct pt_summary *sum;
	bool truncated;			/* report: trace without end line */
	/* --baseline */
	const char *baseline;
	const struct pt_regression *reg;
	size_t nr_reg;
	int status;			/* PT_EXIT_OK .. PT_EXIT_UNKNOWN */
	char status_why[160];		/* why UNKNOWN */
};

/* Fill r->status (and status_why) from the findings and probe states. */
void pt_report_decide(struct pt_report *r);
const char *pt_status_name(int status);	/* "ok", "warning", ... */

void pt_report_text(FILE *f, const struct pt_report *r);
/* One line {"type":"report",...}; -ENOMEM/-EIO (error printed). */
int pt_report_json(FILE *f, const struct pt_report *r);
/* Prometheus textfile: written to PATH.tmp.PID and renamed over PATH.
 * -errno with one error line printed. */
int pt_report_prom(const char *path, const struct pt_report *r);

#endif /* PT_REPORT_H */
