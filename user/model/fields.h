/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model's schema: one field table per record type of struct
 * pt_snapshot (fields.c).  Every output reads these tables and nothing
 * else about a record's numbers:
 *
 *   trace/   JSON member names, types and offsets (writer and reader)
 *   ui/      screen columns: title, width, format, drop priority, rate
 *   analysis/summary.c + report.c
 *            how intervals combine, the scan/report summary text, the
 *            --baseline metrics and the Prometheus textfile
 *
 * So adding a numeric field to a record is one line in its table (plus
 * the BPF/reader code that fills it); docs/design.md, "Adding a field",
 * walks through one.  Pure data: no libbpf, ncurses or cJSON.
 */
#ifndef PT_FIELDS_H
#define PT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* Most fields (stored and derived) one record type may have, and most
 * record types. */
#define PT_FIELDS_MAX 40
#define PT_RECORDS_MAX 16

/* How a field is stored in its record. */
enum pt_ftype {
	PT_FT_U64 = 0,
	PT_FT_U32,
	PT_FT_U16,
	PT_FT_INT,
	PT_FT_DBL,
	PT_FT_STR,		/* char[len] */
	PT_FT_DERIVED,		/* not stored: computed (.derive); not in JSON */
};

/* What a number counts; drives the default screen format and the
 * conversions to seconds for Prometheus. */
enum pt_unit {
	PT_UNIT_COUNT = 0,
	PT_UNIT_NS,
	PT_UNIT_US,
	PT_UNIT_BYTES,
	PT_UNIT_PCT,
	PT_UNIT_FLAGS,		/* a bit mask */
	PT_UNIT_ID,		/* identity (pid, port, device number, name) */
};

/* How a field adds up when rows merge (threads into a process, on the
 * screen) and when intervals add up (scan/report summary). */
enum pt_combine {
	PT_COMB_SUM = 0,
	PT_COMB_MAX,
	/* A percentile (.q): rows merge by max (the worst thread's).  Over
	 * intervals: from the merged histogram when the record type keeps
	 * one (.hist), else (and for intervals read from a trace older
	 * than its .hist.version) the mean weighted by .weight: not a
	 * percentile. */
	PT_COMB_PCTL,
	PT_COMB_OR,		/* flags */
	PT_COMB_KEY,		/* identity: never summed, never a value column */
};

/* A derived field: computed from other fields of the same record (after
 * merging and summing too, so a ratio stays a ratio of sums). */
enum pt_op {
	PT_OP_NONE = 0,
	PT_OP_ADD,		/* a + b */
	PT_OP_DIV,		/* a / b, 0 when b is 0 */
	PT_OP_PCT,		/* 100 * a / b, 0 when b is 0 */
};

struct pt_derive {
	enum pt_op op;
	const char *a, *b;	/* field names, earlier in the same table */
};

/* Screen cell format; AUTO picks from the unit. */
enum pt_colfmt {
	PT_CF_AUTO = 0,
	PT_CF_COUNT,
	PT_CF_NS,		/* a duration (US fields are converted) */
	PT_CF_PCT,		/* "%.1f"; a NS rate is shown as % of one CPU */
	PT_CF_BYTES,
	PT_CF_FLAGS,		/* one letter per set bit (.letters) */
};

/* A column of the per-task views (top, top -b, replay). */
struct pt_col {
	const char *title;	/* NULL: no column */
	unsigned char pos;	/* order among value columns; 0: after those
				 * with a position, in table order */
	unsigned char width;
	unsigned char drop;	/* 0: never dropped; higher drops first when
				 * the screen is narrow */
	enum pt_colfmt fmt;
	const char *letters;	/* PT_CF_FLAGS: bit 0's letter first */
};

/*
 * The scan/report summary (analysis/report.c).  A field with .title is a
 * column of its record type's top-rows table; one with .text is a piece
 * of its section's first line (singletons: the window's value; arrays:
 * the total over all rows).
 */
struct pt_sumspec {
	const char *title;
	const char *text;	/* printf format of one double, with its own
				 * leading separator (", max %.1f ms") */
	unsigned char pos;	/* order in the line/table, as pt_col.pos */
	unsigned char width, prec;
	bool rate;		/* per second of the window */
	double div;		/* shown as value / div (1e6: ns -> ms); 0: 1 */
};

/* A --baseline metric (report --baseline): current vs known-good. */
struct pt_regspec {
	const char *metric;	/* "runq_p99_ms" */
	const char *unit;	/* "ms" */
	double floor;		/* increases below this are noise */
	double min_weight;	/* needs this much of .weight behind it */
	bool rate;
	double div;
};

/* Prometheus metric types (trace/expo.c writes both exposition formats). */
enum pt_metric_type {
	PT_METRIC_GAUGE = 0,
	PT_METRIC_COUNTER,	/* family "x", sample "x_total" */
	PT_METRIC_HISTOGRAM,	/* x_bucket{le=...}, x_sum, x_count */
	PT_METRIC_INFO,		/* family "x", sample "x_info" = 1 */
};

/* A Prometheus metric of the scan textfile: the window's value. */
struct pt_promspec {
	const char *name;	/* full metric name, base units (seconds) */
	enum pt_metric_type type;
	const char *help;
	unsigned char pos;	/* order in the file, as pt_col.pos */
	bool rate;		/* per second of the window */
	bool total;		/* one sample for all rows, not one per row */
	double div;		/* 1e9: ns -> seconds; 0: 1 */
};

/*
 * A counter of `serve`'s /metrics: the field added up over every interval
 * since perftop started (Prometheus takes rates of it).  A singleton's
 * field is one series, perftop_<stem>_total; an array's is one family per
 * label of its record type's .serve_by, perftop_<prefix><stem>_total,
 * with one series per label value among the top N and one "other".
 */
struct pt_counterspec {
	const char *stem;	/* "runq_wait_seconds": base units */
	const char *unit;	/* the stem's last word, for OpenMetrics'
				 * # UNIT: "seconds", "bytes"; NULL: none */
	const char *help;
	double div;		/* 1e9: ns -> seconds; 0: 1 */
};

struct pt_field {
	const char *name;	/* JSON member; the field's name everywhere */
	const char *desc;	/* what it counts, one phrase (the HTML
				 * report's legend of loss kinds); or NULL */
	enum pt_ftype type;
	size_t off;		/* in the record */
	size_t len;		/* PT_FT_STR: buffer size */
	bool optional;		/* reader: may be missing (added after the
				 * first trace version); written always */
	bool nullable;		/* PT_FT_DBL: < 0 is unknown, JSON null */
	enum pt_unit unit;
	enum pt_combine combine;
	const char *weight;	/* PT_COMB_PCTL, or a ratio: the count
				 * behind it ("runq_count") */
	double q;		/* PT_COMB_PCTL: which (0.99) */
	struct pt_derive derive;	/* PT_FT_DERIVED */
	struct pt_col col;		/* the value as it is */
	struct pt_col rate_col;		/* the value per second */
	struct pt_sumspec sum;
	struct pt_regspec regress;
	struct pt_promspec prom;
	struct pt_counterspec counter;
};

/* A latency histogram the records hold (a struct pt_lat_hist): written
 * in traces as member .json; window percentiles of the record's
 * PT_COMB_PCTL fields come from it merged; `serve`'s /metrics show it as
 * perftop_<stem> for a singleton, per .serve_by label
 * perftop_<prefix><stem>; le bounds are powers of two nanoseconds. */
struct pt_histspec {
	const char *json;		/* "runq_hist"; NULL: no histogram */
	const char *max;		/* field of the exact largest value */
	const char *stem;		/* "runq_latency_seconds"; NULL: not
					 * in /metrics */
	const char *help;
	size_t off;			/* of the struct pt_lat_hist */
	int version;			/* the first trace version with it */
	bool sparse;			/* a struct pt_lat_sparse at off (no
					 * .stem then) */
};

/* A label `serve` keeps an array's counters by (top N + "other"). */
struct pt_serve_by {
	const char *field;		/* identity field: "cgroup", "comm" */
	const char *label;		/* its label name: "command" */
	const char *prefix;		/* of the family: "cgroup_" */
};
#define PT_SERVE_BY_MAX 2

/* Indexes resolved from the names in a table (fields.c fills it once). */
struct pt_record_cache {
	signed char a[PT_FIELDS_MAX], b[PT_FIELDS_MAX];	/* .derive operands */
	signed char w[PT_FIELDS_MAX];			/* .weight */
	unsigned char derived[PT_FIELDS_MAX], nr_derived;
	unsigned char values[PT_FIELDS_MAX], nr_values;	/* stored numbers */
};

/* One record type: where it lives in the snapshot, its fields, and how
 * the summary keys and names its rows. */
struct pt_record_type {
	const char *name;		/* "sched.tasks": messages, docs */
	int family;			/* enum pt_family_id; -1: top level */
	const char *json;		/* member in the family's JSON object;
					 * NULL: members spliced into it */
	bool array;			/* PT_ARRAY of records, else one */
	bool optional;			/* reader: the member may be missing
					 * (added after the first version) */
	size_t off;			/* in struct pt_snapshot */
	size_t size;			/* of one record */
	const struct pt_field *fields;
	size_t nr_fields;

	/* scan/report summary (NULL/0: none) */
	const char *sum_label;		/* starts its family's section line */
	const char *sum_count;		/* arrays: "%zu device(s) with I/O" */
	const char *sum_kind;		/* rows kept per key: "task", ... */
	const char *sum_who;		/* title of the identity column */
	int sum_who_width;
	bool sum_pid;			/* a PID column after it */
	struct { const char *field; double mul; } sum_sort[2];
					/* rows ordered by the sum of these
					 * values times mul, largest first */
	const char *prom_label;		/* per-row Prometheus label: "device" */
	/* serve: the labels its counters are kept by, ranked by .sum_sort */
	struct pt_serve_by serve_by[PT_SERVE_BY_MAX];
	struct pt_histspec hist;	/* serve: a histogram it holds */
	/* Row key: the same thing in every interval.  by_name keys by what
	 * stays the same across recordings (comm, peer), for baselines. */
	void (*key)(const void *rec, bool by_name, char *buf, size_t len);
	void (*who)(const void *rec, struct pt_culprit *who);
	struct pt_record_cache *cache;	/* FIELDS() sets it */
};

/* Record types that live in a probe family, in JSON order. */
extern const struct pt_record_type *const pt_records[];
extern const size_t pt_nr_records;
extern const struct pt_record_type pt_rec_sched_tasks, pt_rec_sched_cpus,
	pt_rec_sched_system, pt_rec_sched_sites, pt_rec_fault_tasks, pt_rec_fault_totals,
	pt_rec_block_devs, pt_rec_block_tasks, pt_rec_tcp_conns,
	pt_rec_oom_totals, pt_rec_oom_victims, pt_rec_cgroups;
/* Top-level records of every snapshot. */
extern const struct pt_record_type pt_rec_pressure, pt_rec_loss;

/* The family's member name in a snapshot line ("faults" for fault). */
const char *pt_family_json(enum pt_family_id id);

/* Record i of a record type in s (arrays), or the record itself. */
size_t pt_record_count(const struct pt_record_type *rt,
		       const struct pt_snapshot *s);
const void *pt_record_at(const struct pt_record_type *rt,
			 const struct pt_snapshot *s, size_t i);
/* Append a zeroed record to an array type; NULL without memory. */
void *pt_record_push(const struct pt_record_type *rt, struct pt_snapshot *s);
/* The singleton record (not arrays), writable. */
void *pt_record_single(const struct pt_record_type *rt, struct pt_snapshot *s);

/* Index of a field by name, or -1. */
int pt_field_index(const struct pt_record_type *rt, const char *name);
/* Does it hold a number that adds up (not identity, not text)? */
bool pt_field_is_value(const struct pt_field *f);

/*
 * Every field of rec as a double, in table order (identity and text
 * fields are 0), derived fields included.  v has room for nr_fields.
 */
void pt_record_values(const struct pt_record_type *rt, const void *rec,
		      double *v);
/* Recompute the derived fields of v (after v's stored values changed). */
void pt_record_derive(const struct pt_record_type *rt, double *v);
/*
 * Add record values x into acc, field by field as each .combine says;
 * identity, text and derived fields are left alone (call
 * pt_record_derive() after the last one).  ROWS: records of one interval
 * merged (threads into a process): a percentile keeps the worst.
 * INTERVALS: one key over a window: a percentile adds up weighted by its
 * .weight (pt_sum_values() in analysis/ divides).
 */
enum pt_combine_mode { PT_MERGE_ROWS, PT_ADD_INTERVALS };
void pt_record_combine(const struct pt_record_type *rt, double *acc,
		       const double *x, enum pt_combine_mode mode);
/* Index of field i's .weight, or -1. */
int pt_field_weight(const struct pt_record_type *rt, size_t i);
/* The record's histogram, whole, into *h (rt->hist.json set), else
 * false.  s holds rec (a sparse one's buckets are in s->hist_bins). */
bool pt_record_hist(const struct pt_record_type *rt,
		    const struct pt_snapshot *s, const void *rec,
		    struct pt_lat_hist *h);
/* Store h as rec's histogram (rec in s); -ENOMEM (a sparse one is then
 * left missing). */
int pt_record_hist_set(const struct pt_record_type *rt, struct pt_snapshot *s,
		       void *rec, const struct pt_lat_hist *h);
/* Index of rt in pt_records[], or -1. */
int pt_record_index(const struct pt_record_type *rt);

/*
 * Check every table: names unique, derived operands and weights name
 * earlier fields, offsets inside the record, nr_fields <= PT_FIELDS_MAX.
 * NULL when sound, else what is wrong (written into buf).  Unit-tested.
 */
const char *pt_schema_check(char *buf, size_t len);

#endif /* PT_FIELDS_H */
