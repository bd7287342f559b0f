/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a window of snapshots adds up to, per task, process, device and
 * connection: the summary part of scan/report and the input of --baseline.
 * Pure (no libbpf, ncurses, cJSON).
 */
#ifndef PT_SUMMARY_H
#define PT_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

enum pt_sum_kind { PT_SUM_TASK, PT_SUM_PROC, PT_SUM_DEV, PT_SUM_CONN,
		   PT_SUM_NR_KINDS };

/* Sums per row; what each index means depends on the kind. */
enum {
	/* task */
	PT_SV_RQ_WAIT_NS = 0, PT_SV_RQ_COUNT, PT_SV_RQ_P99W, PT_SV_ONCPU_NS,
	/* process */
	PT_SV_MAJOR = 0, PT_SV_MINOR,
	/* device; PT_SV_P99W: p99 ns weighted by I/Os */
	PT_SV_IOS = 0, PT_SV_BYTES, PT_SV_P99W, PT_SV_MAX_NS,
	/* connection */
	PT_SV_TX = 0, PT_SV_RX, PT_SV_RETRANS, PT_SV_SEGS,
	PT_SV_NR = 4,
};

struct pt_sum_row {
	char key[2 * PT_ADDR_MAX + PT_COMM_MAX + 32];
	enum pt_sum_kind kind;
	struct pt_culprit who;		/* identity (value unused) */
	double v[PT_SV_NR];
};

struct pt_summary {
	bool by_name;			/* rows keyed by comm / peer, for baselines */
	PT_ARRAY(struct pt_sum_row, rows);
	size_t *index;			/* open-addressing index into rows */
	size_t index_cap;
	size_t snapshots;
	double duration_s;
	unsigned int families;		/* union over snapshots */
	struct pt_sched_system sched;	/* sums; p99 as weighted sum below */
	double rq_p99w;			/* system p99 ns * waits */
	uint64_t fault_major, fault_minor;
	double psi_max[3], psi_sum[3];	/* cpu, memory, io */
	size_t psi_n[3];
	struct pt_loss loss;
};

/* by_name: tasks and processes keyed by comm, connections by owner comm
 * and remote endpoint (what stays the same across recordings). */
void pt_summary_init(struct pt_summary *sum, bool by_name);
int pt_summary_add(struct pt_summary *sum, const struct pt_snapshot *s);
void pt_summary_free(struct pt_summary *sum);

/* Rows of one kind, largest first by the kind's main measure (run-queue
 * wait, major faults, device p99, retransmits).  Caller frees *out. */
int pt_summary_top(const struct pt_summary *sum, enum pt_sum_kind kind,
		   const struct pt_sum_row ***out, size_t *n);

/* Derived figures. */
double pt_sum_task_wait_ms_per_s(const struct pt_summary *sum,
				 const struct pt_sum_row *r);
double pt_sum_task_p99_ms(const struct pt_sum_row *r);
double pt_sum_dev_p99_ms(const struct pt_sum_row *r);
double pt_sum_retrans_pct(const struct pt_sum_row *r);
double pt_sum_per_s(const struct pt_summary *sum, double v);
double pt_sum_sys_p99_ms(const struct pt_summary *sum);

/* --baseline: one thing that got worse. */
struct pt_regression {
	enum pt_sum_kind kind;
	char name[2 * PT_ADDR_MAX + PT_COMM_MAX + 32];	/* comm, dev, peer */
	const char *metric;		/* "runq_wait_ms_per_s", ... */
	const char *unit;
	double baseline, current;
};

/*
 * What got worse from base to cur (both by_name summaries): per metric,
 * current above 1.5 x baseline and above an absolute floor (so noise on
 * tiny numbers is not reported).  Largest increase first; caller frees.
 */
int pt_summary_compare(const struct pt_summary *base,
		       const struct pt_summary *cur,
		       struct pt_regression **out, size_t *n);

#endif /* PT_SUMMARY_H */
