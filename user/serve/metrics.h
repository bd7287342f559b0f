/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state behind `serve`'s /metrics and its rendering.  Counters are
 * cumulative since perftop started (Prometheus takes rates of them);
 * label values of per-task data are bounded by topn.h; the rest are
 * gauges of the last interval.  Rendered by the collector's thread once
 * per interval, in both formats, into pages (page.h) the HTTP thread
 * only sends.  docs/serve.md lists every series.
 */
#ifndef PT_METRICS_H
#define PT_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "detect.h"
#include "expo.h"
#include "http.h"
#include "model.h"
#include "selfcost.h"
#include "trace_rotate.h"

struct pt_metrics;

/* top_n: label values per kind (--top). */
struct pt_metrics *pt_metrics_new(unsigned int top_n);
void pt_metrics_free(struct pt_metrics *m);

/* Fold one interval in (counters, top-N sets, last-interval gauges). */
int pt_metrics_add(struct pt_metrics *m, const struct pt_snapshot *s);

/* Everything else a page shows, as of now. */
struct pt_metrics_ctx {
	const char *version;			/* perftop's */
	const struct pt_header *header;
	const struct pt_detect_config *cfg;
	const struct pt_self_cost *self;
	const struct pt_http_stats *http;
	const struct pt_rotate_stats *rec;	/* NULL: not recording */
	uint64_t rec_queue_dropped;
	uint64_t config_reloads, config_reload_errors;
	uint64_t config_loaded_s;		/* Unix time */
};

/* Write the page; 0 or -EIO/-ENOMEM. */
int pt_metrics_render(struct pt_metrics *m, const struct pt_metrics_ctx *ctx,
		      struct pt_expo *e);

#endif /* PT_METRICS_H */
