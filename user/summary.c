// SPDX-License-Identifier: GPL-2.0
/* Window sums per task, process, device and connection; --baseline. Pure. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "summary.h"
#include "util.h"

void pt_summary_init(struct pt_summary *sum, bool by_name)
{
	memset(sum, 0, sizeof(*sum));
	sum->by_name = by_name;
}

void pt_summary_free(struct pt_summary *sum)
{
	free(sum->rows.v);
	free(sum->index);
	pt_summary_init(sum, sum->by_name);
}

/* Index slots hold row number + 1; 0 is empty. */
static int reindex(struct pt_summary *sum)
{
	size_t ncap = sum->index_cap ? sum->index_cap * 2 : 256, i;
	size_t *ni = calloc(ncap, sizeof(*ni));

	if (!ni)
		return -ENOMEM;
	for (i = 0; i < sum->rows.n; i++) {
		size_t j = pt_hash_str(sum->rows.v[i].key) & (ncap - 1);

		while (ni[j])
			j = (j + 1) & (ncap - 1);
		ni[j] = i + 1;
	}
	free(sum->index);
	sum->index = ni;
	sum->index_cap = ncap;
	return 0;
}

static struct pt_sum_row *row_get(struct pt_summary *sum, const char *key,
				  enum pt_sum_kind kind)
{
	struct pt_sum_row *r;
	size_t j;

	if ((sum->rows.n + 1) * 2 > sum->index_cap && reindex(sum))
		return NULL;
	j = pt_hash_str(key) & (sum->index_cap - 1);
	while (sum->index[j]) {
		r = &sum->rows.v[sum->index[j] - 1];
		if (!strcmp(r->key, key))
			return r;
		j = (j + 1) & (sum->index_cap - 1);
	}
	r = PT_PUSH(sum->rows);
	if (!r)
		return NULL;
	pt_strlcpy(r->key, key, sizeof(r->key));
	r->kind = kind;
	sum->index[j] = sum->rows.n;
	return r;
}

static int add_tasks(struct pt_summary *sum, const struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		struct pt_sum_row *r;
		char key[64];

		if (sum->by_name)
			snprintf(key, sizeof(key), "t/%s", t->id.comm);
		else
			snprintf(key, sizeof(key), "t%u/%s", t->id.pid, t->id.comm);
		r = row_get(sum, key, PT_SUM_TASK);
		if (!r)
			return -ENOMEM;
		r->who.kind = PT_CULPRIT_TASK;
		r->who.task = t->id;
		r->v[PT_SV_RQ_WAIT_NS] += (double)t->runq_wait_ns;
		r->v[PT_SV_RQ_COUNT] += (double)t->runq_count;
		r->v[PT_SV_RQ_P99W] += (double)t->runq_p99_ns * (double)t->runq_count;
		r->v[PT_SV_ONCPU_NS] += (double)t->oncpu_ns;
	}
	return 0;
}

static int add_procs(struct pt_summary *sum, const struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->fault_tasks.n; i++) {
		const struct pt_fault_task *t = &s->fault_tasks.v[i];
		struct pt_sum_row *r;
		char key[64];

		if (sum->by_name)
			snprintf(key, sizeof(key), "p/%s", t->id.comm);
		else
			snprintf(key, sizeof(key), "p%u/%s", t->id.tgid, t->id.comm);
		r = row_get(sum, key, PT_SUM_PROC);
		if (!r)
			return -ENOMEM;
		r->who.kind = PT_CULPRIT_TASK;
		r->who.task = t->id;
		r->who.task.pid = t->id.tgid;
		r->v[PT_SV_MAJOR] += (double)t->major;
		r->v[PT_SV_MINOR] += (double)t->minor;
	}
	return 0;
}

static int add_devs(struct pt_summary *sum, const struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->block_devs.n; i++) {
		const struct pt_block_dev *d = &s->block_devs.v[i];
		double ios = (double)(d->read_ios + d->write_ios);
		struct pt_sum_row *r;
		char key[64];

		snprintf(key, sizeof(key), "d/%s", d->dev);
		r = row_get(sum, key, PT_SUM_DEV);
		if (!r)
			return -ENOMEM;
		r->who.kind = PT_CULPRIT_DEV;
		pt_strlcpy(r->who.dev, d->dev, sizeof(r->who.dev));
		r->v[PT_SV_IOS] += ios;
		r->v[PT_SV_BYTES] += (double)(d->read_bytes + d->write_bytes);
		r->v[PT_SV_P99W] += (double)d->lat_p99_ns * ios;
		if ((double)d->lat_max_ns > r->v[PT_SV_MAX_NS])
			r->v[PT_SV_MAX_NS] = (double)d->lat_max_ns;
	}
	return 0;
}

static int add_conns(struct pt_summary *sum, const struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->tcp_conns.n; i++) {
		const struct pt_tcp_conn *t = &s->tcp_conns.v[i];
		char key[sizeof(((struct pt_sum_row *)0)->key)];
		struct pt_sum_row *r;

		/* Ephemeral ports change between runs; the peer does not. */
		if (sum->by_name)
			snprintf(key, sizeof(key), "c/%s>%s:%u", t->id.comm,
				 t->daddr, t->dport);
		else
			snprintf(key, sizeof(key), "c%s:%u>%s:%u", t->saddr,
				 t->sport, t->daddr, t->dport);
		r = row_get(sum, key, PT_SUM_CONN);
		if (!r)
			return -ENOMEM;
		r->who.kind = PT_CULPRIT_CONN;
		r->who.task = t->id;
		pt_strlcpy(r->who.saddr, t->saddr, sizeof(r->who.saddr));
		pt_strlcpy(r->who.daddr, t->daddr, sizeof(r->who.daddr));
		r->who.sport = t->sport;
		r->who.dport = t->dport;
		r->v[PT_SV_TX] += (double)t->tx_bytes;
		r->v[PT_SV_RX] += (double)t->rx_bytes;
		r->v[PT_SV_RETRANS] += (double)t->retransmits;
		r->v[PT_SV_SEGS] += (double)t->segs_out;
	}
	return 0;
}

static void add_psi(struct pt_summary *sum, const struct pt_pressure *p)
{
	const double v[3] = { p->cpu, p->memory, p->io };
	int i;

	for (i = 0; i < 3; i++) {
		if (v[i] < 0)
			continue;
		if (v[i] > sum->psi_max[i])
			sum->psi_max[i] = v[i];
		sum->psi_sum[i] += v[i];
		sum->psi_n[i]++;
	}
}

int pt_summary_add(struct pt_summary *sum, const struct pt_snapshot *s)
{
	const struct pt_sched_system *ss = &s->sched_sys;
	int err;

	sum->snapshots++;
	sum->duration_s += (double)s->interval_ns / 1e9;
	sum->families |= s->families;
	sum->sched.runq_wait_ns += ss->runq_wait_ns;
	sum->sched.runq_count += ss->runq_count;
	sum->sched.oncpu_ns += ss->oncpu_ns;
	if (ss->runq_max_ns > sum->sched.runq_max_ns)
		sum->sched.runq_max_ns = ss->runq_max_ns;
	sum->rq_p99w += (double)ss->runq_p99_ns * (double)ss->runq_count;
	sum->fault_major += s->fault_major;
	sum->fault_minor += s->fault_minor;
	add_psi(sum, &s->pressure);
	pt_loss_add(&sum->loss, &s->loss);
	err = add_tasks(sum, s);
	err = err ? err : add_procs(sum, s);
	err = err ? err : add_devs(sum, s);
	return err ? err : add_conns(sum, s);
}

double pt_sum_per_s(const struct pt_summary *sum, double v)
{
	return sum->duration_s > 0 ? v / sum->duration_s : 0;
}

double pt_sum_task_wait_ms_per_s(const struct pt_summary *sum,
				 const struct pt_sum_row *r)
{
	return pt_sum_per_s(sum, r->v[PT_SV_RQ_WAIT_NS] / 1e6);
}

double pt_sum_task_p99_ms(const struct pt_sum_row *r)
{
	return r->v[PT_SV_RQ_COUNT] > 0 ?
	       r->v[PT_SV_RQ_P99W] / r->v[PT_SV_RQ_COUNT] / 1e6 : 0;
}

double pt_sum_dev_p99_ms(const struct pt_sum_row *r)
{
	return r->v[PT_SV_IOS] > 0 ? r->v[PT_SV_P99W] / r->v[PT_SV_IOS] / 1e6 : 0;
}

double pt_sum_retrans_pct(const struct pt_sum_row *r)
{
	return r->v[PT_SV_SEGS] > 0 ?
	       100 * r->v[PT_SV_RETRANS] / r->v[PT_SV_SEGS] : 0;
}

double pt_sum_sys_p99_ms(const struct pt_summary *sum)
{
	return sum->sched.runq_count ?
	       sum->rq_p99w / (double)sum->sched.runq_count / 1e6 : 0;
}

static double main_measure(const struct pt_sum_row *r)
{
	switch (r->kind) {
	case PT_SUM_TASK: return r->v[PT_SV_RQ_WAIT_NS];
	case PT_SUM_PROC: return r->v[PT_SV_MAJOR] * 1e6 + r->v[PT_SV_MINOR];
	case PT_SUM_DEV: return r->v[PT_SV_IOS] ? pt_sum_dev_p99_ms(r) : -1;
	case PT_SUM_CONN: return r->v[PT_SV_RETRANS] * 1e12 + r->v[PT_SV_TX];
	default: return 0;
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct pt_sum_row *x = *(const struct pt_sum_row *const *)a;
	const struct pt_sum_row *y = *(const struct pt_sum_row *const *)b;
	double mx = main_measure(x), my = main_measure(y);

	if (mx != my)
		return mx < my ? 1 : -1;
	return strcmp(x->key, y->key);
}

int pt_summary_top(const struct pt_summary *sum, enum pt_sum_kind kind,
		   const struct pt_sum_row ***out, size_t *n)
{
	const struct pt_sum_row **v;
	size_t i, k = 0;

	*out = NULL;
	*n = 0;
	if (!sum->rows.n)
		return 0;
	v = malloc(sum->rows.n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < sum->rows.n; i++)
		if (sum->rows.v[i].kind == kind)
			v[k++] = &sum->rows.v[i];
	qsort(v, k, sizeof(*v), cmp_rows);
	*out = v;
	*n = k;
	return 0;
}

/* ---- --baseline ---- */

struct metric {
	enum pt_sum_kind kind;
	const char *name, *unit;
	double floor;		/* increases below this are noise */
	double (*get)(const struct pt_summary *sum, const struct pt_sum_row *r);
};

static double m_wait(const struct pt_summary *s, const struct pt_sum_row *r)
{
	return pt_sum_task_wait_ms_per_s(s, r);
}

static double m_task_p99(const struct pt_summary *s, const struct pt_sum_row *r)
{
	(void)s;
	/* a p99 over a handful of waits is its maximum: not comparable */
	return r->v[PT_SV_RQ_COUNT] >= 20 ? pt_sum_task_p99_ms(r) : 0;
}

static double m_major(const struct pt_summary *s, const struct pt_sum_row *r)
{
	return pt_sum_per_s(s, r->v[PT_SV_MAJOR]);
}

static double m_dev_p99(const struct pt_summary *s, const struct pt_sum_row *r)
{
	(void)s;
	return r->v[PT_SV_IOS] >= 20 ? pt_sum_dev_p99_ms(r) : 0;
}

static double m_retrans(const struct pt_summary *s, const struct pt_sum_row *r)
{
	(void)s;
	return r->v[PT_SV_SEGS] >= 100 ? pt_sum_retrans_pct(r) : 0;
}

static const struct metric metrics[] = {
	{ PT_SUM_TASK, "runq_wait_ms_per_s", "ms/s", 10, m_wait },
	{ PT_SUM_TASK, "runq_p99_ms", "ms", 1, m_task_p99 },
	{ PT_SUM_PROC, "major_faults_per_s", "1/s", 5, m_major },
	{ PT_SUM_DEV, "disk_p99_ms", "ms", 1, m_dev_p99 },
	{ PT_SUM_CONN, "retransmit_pct", "%", 0.5, m_retrans },
};

#define WORSE_RATIO 1.5

static const struct pt_sum_row *find_row(const struct pt_summary *sum,
					 const char *key)
{
	size_t j;

	if (!sum->index_cap)
		return NULL;
	j = pt_hash_str(key) & (sum->index_cap - 1);
	while (sum->index[j]) {
		const struct pt_sum_row *r = &sum->rows.v[sum->index[j] - 1];

		if (!strcmp(r->key, key))
			return r;
		j = (j + 1) & (sum->index_cap - 1);
	}
	return NULL;
}

static void row_name(const struct pt_sum_row *r, char *buf, size_t len)
{
	if (r->kind == PT_SUM_DEV)
		snprintf(buf, len, "%s", r->who.dev);
	else if (r->kind == PT_SUM_CONN)
		snprintf(buf, len, "%s->%s:%u", r->who.task.comm, r->who.daddr,
			 r->who.dport);
	else
		snprintf(buf, len, "%s", r->who.task.comm);
}

static int cmp_regression(const void *a, const void *b)
{
	const struct pt_regression *x = a, *y = b;
	double dx = x->current - x->baseline, dy = y->current - y->baseline;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

int pt_summary_compare(const struct pt_summary *base,
		       const struct pt_summary *cur,
		       struct pt_regression **out, size_t *n)
{
	PT_ARRAY(struct pt_regression, res) = { 0 };
	size_t i, m;

	for (i = 0; i < cur->rows.n; i++) {
		const struct pt_sum_row *r = &cur->rows.v[i];
		const struct pt_sum_row *b = find_row(base, r->key);

		for (m = 0; m < PT_ARRAY_SIZE(metrics); m++) {
			const struct metric *mt = &metrics[m];
			double now, was;
			struct pt_regression *g;

			if (mt->kind != r->kind)
				continue;
			now = mt->get(cur, r);
			was = b ? mt->get(base, b) : 0;
			if (now - was < mt->floor || now < was * WORSE_RATIO)
				continue;
			g = PT_PUSH(res);
			if (!g) {
				free(res.v);
				return -ENOMEM;
			}
			g->kind = r->kind;
			row_name(r, g->name, sizeof(g->name));
			g->metric = mt->name;
			g->unit = mt->unit;
			g->baseline = was;
			g->current = now;
		}
	}
	if (res.n > 1)
		qsort(res.v, res.n, sizeof(*res.v), cmp_regression);
	*out = res.v;
	*n = res.n;
	return 0;
}
