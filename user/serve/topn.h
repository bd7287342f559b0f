/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded label values for /metrics: at most N keys (cgroups, commands,
 * devices) of one kind get series of their own, everything else adds up
 * in one "other" series, so a node with 10,000 threads or containers
 * exports N+1 series per metric, not 10,000.
 *
 * Counters stay counters: a tracked key accumulates from the interval it
 * entered; a key outside the N adds to "other".  Membership follows the
 * load: a key leaves after ten minutes without activity, or when a
 * newcomer's activity in one interval is over twice the smallest member's
 * recent rate (an exponentially weighted mean over about a minute) and
 * that member has been in for ten seconds.  A key that leaves takes its series
 * with it (Prometheus marks it stale); its later activity counts under
 * "other".  So sum(rate(x[5m])) over all series is exact at any time,
 * and the set cannot flap between two keys of similar load.
 */
#ifndef PT_TOPN_H
#define PT_TOPN_H

#include <stddef.h>
#include <stdint.h>

#define PT_TOPN_OTHER "other"

struct pt_topn;

/* nr_vals cumulative values per key; NULL without memory. */
struct pt_topn *pt_topn_new(size_t max_keys, size_t nr_vals);
void pt_topn_free(struct pt_topn *t);

/* One row of the current interval: vals added to key's, score (what the
 * ranking uses, e.g. ns waited) too.  A key may come many times.
 * 0 or -ENOMEM (the row then counts under "other"). */
int pt_topn_add(struct pt_topn *t, const char *key, const double *vals,
		double score);
/* The interval is over (now: CLOCK_MONOTONIC ns): fold its rows in. */
void pt_topn_commit(struct pt_topn *t, uint64_t now_ns);

/* Keys with series: i < pt_topn_count(), then "other" (key NULL). */
size_t pt_topn_count(const struct pt_topn *t);
const char *pt_topn_key(const struct pt_topn *t, size_t i);
const double *pt_topn_vals(const struct pt_topn *t, size_t i);
const double *pt_topn_other(const struct pt_topn *t);
/* Keys that left the set so far (series churn). */
uint64_t pt_topn_evictions(const struct pt_topn *t);

#endif /* PT_TOPN_H */
