/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a window of snapshots adds up to: every record type's fields over
 * the window (singletons, and totals of arrays), and per row key (task,
 * process, device, connection: the record types with a .sum_kind) the
 * same fields per key.  How each field adds up is its .combine in the
 * field table (model/fields.c).  The summary part of scan/report, the
 * Prometheus textfile and the input of --baseline.  Pure (no libbpf,
 * ncurses, cJSON).
 */
#ifndef PT_SUMMARY_H
#define PT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "keyindex.h"
#include "model.h"

#define PT_SUM_KEY_MAX (2 * PT_ADDR_MAX + PT_COMM_MAX + 32)

struct pt_sum_row {
	char key[PT_SUM_KEY_MAX];
	int rec;			/* index in pt_records[] */
	struct pt_culprit who;		/* identity (value unused) */
	double acc[PT_FIELDS_MAX];	/* per field, as .combine says */
	struct pt_lat_hist *hist;	/* merged, when the type keeps one */
};

struct pt_summary {
	bool by_name;			/* rows keyed by comm / peer, for baselines */
	PT_ARRAY(struct pt_sum_row, rows);
	struct pt_keyindex index;	/* rows by key */
	size_t snapshots;
	double duration_s;
	unsigned int families;		/* union over snapshots */
	/* every record type over the window: singletons, totals of arrays */
	double total[PT_RECORDS_MAX][PT_FIELDS_MAX];
	struct pt_lat_hist *total_hist[PT_RECORDS_MAX];	/* merged, or NULL */
	double psi_max[3], psi_sum[3];	/* cpu, memory, io: avg10 */
	size_t psi_n[3];
	/* the intervals' shares (pt_pressure.*_some): stalled time over the
	 * time they cover, and the worst interval's */
	double psi_stall_ns[3], psi_span_ns[3], psi_share_max[3];
	struct pt_loss loss;
};

/* by_name: tasks and processes keyed by comm, connections by owner comm
 * and remote endpoint (what stays the same across recordings). */
void pt_summary_init(struct pt_summary *sum, bool by_name);
int pt_summary_add(struct pt_summary *sum, const struct pt_snapshot *s);
void pt_summary_free(struct pt_summary *sum);

/* Rows of one record type, largest first by its .sum_sort.  Caller
 * frees *out. */
int pt_summary_top(const struct pt_summary *sum,
		   const struct pt_record_type *rt,
		   const struct pt_sum_row ***out, size_t *n);

/*
 * Field values over the window from accumulated acc (a row's, or
 * sum->total[]) and its merged histogram h (NULL: none): percentiles
 * from h when every interval carried one, else their weighted mean;
 * derived fields from the sums.  out has room for rt->nr_fields.
 */
void pt_sum_values(const struct pt_record_type *rt, const double *acc,
		   const struct pt_lat_hist *h, double *out);
/* rec's histogram (if rt keeps one) into *acc, allocated on first use. */
int pt_sum_hist_add(const struct pt_record_type *rt,
		    const struct pt_snapshot *s, const void *rec,
		    struct pt_lat_hist **acc);
/* Are h's percentiles means of the intervals' (a trace older than its
 * record type's .hist.version)? */
bool pt_sum_hist_missing(const struct pt_lat_hist *h);
/* One value as an output shows it: / div, then per second if rate. */
double pt_sum_show(const struct pt_summary *sum, double v, bool rate,
		   double div);

/* --baseline: one thing that got worse. */
struct pt_regression {
	int rec;			/* index in pt_records[] */
	char name[PT_SUM_KEY_MAX];	/* comm, dev, peer */
	char key[PT_SUM_KEY_MAX];	/* its row key, by name (rt->key) */
	int field;			/* index of the metric's field */
	const char *metric;		/* "runq_wait_ms_per_s", ... */
	const char *unit;
	double baseline, current;
	/* a percentile either side took as the mean of the intervals' (a
	 * trace older than its record type's .hist.version) */
	bool averaged;
};

/*
 * What got worse from base to cur (both by_name summaries): per metric
 * (the fields with a .regress), current above 1.5 x baseline and above an
 * absolute floor (so noise on tiny numbers is not reported).  Largest
 * increase first; caller frees.
 */
int pt_summary_compare(const struct pt_summary *base,
		       const struct pt_summary *cur,
		       struct pt_regression **out, size_t *n);

#endif /* PT_SUMMARY_H */
