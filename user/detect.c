// SPDX-License-Identifier: GPL-2.0
/*
 * Bottleneck detection: the rule table, per-interval evaluation, the live
 * sliding-window detector and the whole-window evaluation.  Pure.  The
 * model behind it is explained in detect.h and docs/detection.md.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "util.h"

#define NS_PER_S 1e9
#define NS_PER_MS 1e6

/* ------------------------------------------------------------------ */
/* Entities: who contributes to a rule, accumulated over intervals.    */

/*
 * One task, process, device or connection.  `rank` orders culprits (its
 * contribution: wait time, faults, retransmits...); its value in the
 * rule's unit is num / den, or num per second of the window when the rule
 * measures a rate (den unused).
 */
struct entity {
	char key[2 * PT_ADDR_MAX + PT_COMM_MAX + 32];
	struct pt_culprit who;
	double rank, num, den;
};

struct entity_table {
	struct entity *v;
	size_t n, cap;		/* cap: power of two, open addressing */
};

static int table_grow(struct entity_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 64, i;
	struct entity *nv = calloc(ncap, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->v[i].key[0])
			continue;
		j = pt_hash_str(t->v[i].key) & (ncap - 1);
		while (nv[j].key[0])
			j = (j + 1) & (ncap - 1);
		nv[j] = t->v[i];
	}
	free(t->v);
	t->v = nv;
	t->cap = ncap;
	return 0;
}

static void table_reset(struct entity_table *t)
{
	if (t->n)
		memset(t->v, 0, t->cap * sizeof(*t->v));
	t->n = 0;
}

static void table_free(struct entity_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* The entity for key, created zeroed on first use; NULL without memory. */
static struct entity *table_get(struct entity_table *t, const char *key)
{
	size_t j;

	/* load factor 3/4: an entity is ~600 bytes, 10k threads make the
	 * table the detector's largest allocation */
	if ((t->n + 1) * 4 > t->cap * 3 && table_grow(t))
		return NULL;
	j = pt_hash_str(key) & (t->cap - 1);
	while (t->v[j].key[0]) {
		if (!strcmp(t->v[j].key, key))
			return &t->v[j];
		j = (j + 1) & (t->cap - 1);
	}
	pt_strlcpy(t->v[j].key, key, sizeof(t->v[j].key));
	t->n++;
	return &t->v[j];
}

/* ------------------------------------------------------------------ */
/* Rules.                                                              */

/* What one rule saw in one interval. */
struct sample {
	bool measured;		/* the rule's family/data was there */
	double value;		/* in the rule's unit; 0 below the guards */
};

struct rule_ctx {
	const struct pt_detect_config *cfg;
	const struct pt_snapshot *s;
	struct entity_table *ents;	/* NULL: value only */
	int err;
};

struct rule_def {
	const char *name, *subsystem, *unit, *what, *advice;
	const char *culprit_unit;	/* what a culprit's value counts */
	struct pt_threshold def;
	bool rate;		/* culprit value is num per second */
	bool by_value;		/* culprits ordered by value, not rank */
	/* Culprits need den >= this (a p99 over too few samples) */
	uint64_t (*min_den)(const struct pt_detect_config *cfg);
	void (*sample)(struct rule_ctx *c, struct sample *out);
};

static double interval_s(const struct pt_snapshot *s)
{
	return s->interval_ns ? (double)s->interval_ns / NS_PER_S : 1.0;
}

static void add_entity(struct rule_ctx *c, const char *key,
		       const struct pt_culprit *who, double rank, double num,
		       double den)
{
	struct entity *e;

	if (!c->ents)
		return;
	e = table_get(c->ents, key);
	if (!e) {
		c->err = -ENOMEM;
		return;
	}
	e->who = *who;
	e->rank += rank;
	e->num += num;
	e->den += den;
}

static void task_culprit(struct pt_culprit *who, const struct pt_task_id *id)
{
	memset(who, 0, sizeof(*who));
	who->kind = PT_CULPRIT_TASK;
	who->task = *id;
}

/* cpu.runq_latency: system p99, or a thread's own p99 if worse. */
static void sample_runq(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_min_samples *min = &c->cfg->min;
	size_t i;

	if (!(s->families & (1u << PT_SCHED)))
		return;
	out->measured = true;
	if (s->sched_sys.runq_count >= min->runq_waits)
		out->value = (double)s->sched_sys.runq_p99_ns / NS_PER_MS;
	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		double p99 = (double)t->runq_p99_ns / NS_PER_MS;
		struct pt_culprit who;
		char key[64];

		if (!t->runq_count)
			continue;
		if (t->runq_count >= min->task_runq_waits && p99 > out->value)
			out->value = p99;
		task_culprit(&who, &t->id);
		snprintf(key, sizeof(key), "t%u/%s", t->id.pid, t->id.comm);
		/* contribution: time spent waiting, in ms per second */
		add_entity(c, key, &who, (double)t->runq_wait_ns,
			   (double)t->runq_wait_ns / NS_PER_MS, 0);
	}
}

/* Threads that waited for CPU, as % of the time: what PSI cpu counts. */
static void add_runq_waiters(struct rule_ctx *c)
{
	size_t i;

	for (i = 0; i < c->s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &c->s->sched_tasks.v[i];
		struct pt_culprit who;
		char key[64];

		if (!t->runq_wait_ns)
			continue;
		task_culprit(&who, &t->id);
		snprintf(key, sizeof(key), "t%u/%s", t->id.pid, t->id.comm);
		add_entity(c, key, &who, (double)t->runq_wait_ns,
			   (double)t->runq_wait_ns / NS_PER_S * 100, 0);
	}
}

/* Processes by major faults (threads summed into their tgid). */
static void add_faulters(struct rule_ctx *c)
{
	size_t i;

	for (i = 0; i < c->s->fault_tasks.n; i++) {
		const struct pt_fault_task *t = &c->s->fault_tasks.v[i];
		struct pt_culprit who;
		char key[64];

		if (!t->major)
			continue;
		task_culprit(&who, &t->id);
		who.task.pid = t->id.tgid;	/* the process, not a thread */
		snprintf(key, sizeof(key), "p%u/%s", t->id.tgid, t->id.comm);
		add_entity(c, key, &who, (double)t->major, (double)t->major, 0);
	}
}

static void sample_psi(double psi, struct sample *out)
{
	if (psi < 0)
		return;
	out->measured = true;
	out->value = psi;
}

static void sample_cpu_psi(struct rule_ctx *c, struct sample *out)
{
	sample_psi(c->s->pressure.cpu, out);
	add_runq_waiters(c);
}

static void sample_major(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;

	if (!(s->families & (1u << PT_FAULT)))
		return;
	out->measured = true;
	if (s->fault_major >= c->cfg->min.major_faults)
		out->value = (double)s->fault_major / interval_s(s);
	add_faulters(c);
}

static void sample_mem_psi(struct rule_ctx *c, struct sample *out)
{
	sample_psi(c->s->pressure.memory, out);
	add_faulters(c);
}

/* disk.latency: the worst device's p99 (each device on its own). */
static void sample_disk(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	size_t i;

	if (!(s->families & (1u << PT_BLOCK)))
		return;
	out->measured = true;
	for (i = 0; i < s->block_devs.n; i++) {
		const struct pt_block_dev *d = &s->block_devs.v[i];
		uint64_t ios = d->read_ios + d->write_ios;
		double p99 = (double)d->lat_p99_ns / NS_PER_MS;
		struct pt_culprit who = { .kind = PT_CULPRIT_DEV };

		if (!ios)
			continue;
		if (ios >= c->cfg->min.disk_ios && p99 > out->value)
			out->value = p99;
		pt_strlcpy(who.dev, d->dev, sizeof(who.dev));
		/* the slow device is the culprit: ordered by its p99 */
		add_entity(c, d->dev, &who, 0, p99 * (double)ios, (double)ios);
	}
}

/* disk.pressure: tasks issuing the I/O, in I/Os per second. */
static void sample_io_psi(struct rule_ctx *c, struct sample *out)
{
	size_t i;

	sample_psi(c->s->pressure.io, out);
	for (i = 0; i < c->s->block_tasks.n; i++) {
		const struct pt_block_task *t = &c->s->block_tasks.v[i];
		struct pt_culprit who;
		char key[64];

		if (!t->ios)
			continue;
		task_culprit(&who, &t->id);
		snprintf(key, sizeof(key), "t%u/%s", t->id.pid, t->id.comm);
		add_entity(c, key, &who, (double)t->ios, (double)t->ios, 0);
	}
}

/* network.retransmits: system ratio, or one connection's if worse. */
static void sample_retrans(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	uint64_t retrans = 0, segs = 0, min = c->cfg->min.tcp_segs;
	size_t i;

	if (!(s->families & (1u << PT_TCP)))
		return;
	out->measured = true;
	for (i = 0; i < s->tcp_conns.n; i++) {
		const struct pt_tcp_conn *t = &s->tcp_conns.v[i];
		struct pt_culprit who = { .kind = PT_CULPRIT_CONN };
		char key[2 * PT_ADDR_MAX + 32];

		retrans += t->retransmits;
		segs += t->segs_out;
		if (t->segs_out >= min && t->segs_out &&
		    100.0 * (double)t->retransmits / (double)t->segs_out > out->value)
			out->value = 100.0 * (double)t->retransmits /
				     (double)t->segs_out;
		if (!t->retransmits)
			continue;
		who.task = t->id;
		pt_strlcpy(who.saddr, t->saddr, sizeof(who.saddr));
		pt_strlcpy(who.daddr, t->daddr, sizeof(who.daddr));
		who.sport = t->sport;
		who.dport = t->dport;
		snprintf(key, sizeof(key), "%s:%u>%s:%u", t->saddr, t->sport,
			 t->daddr, t->dport);
		add_entity(c, key, &who, (double)t->retransmits,
			   100.0 * (double)t->retransmits, (double)t->segs_out);
	}
	if (segs >= min && segs &&
	    100.0 * (double)retrans / (double)segs > out->value)
		out->value = 100.0 * (double)retrans / (double)segs;
}

static uint64_t min_disk_ios(const struct pt_detect_config *cfg)
{
	return cfg->min.disk_ios;
}

/*
 * Defaults, and why (docs/detection.md has the long form):
 * - run-queue p99 10 ms: with 2 runnable threads per CPU a thread waits
 *   about one slice (3-4 ms at HZ=250); 10 ms means a queue of 3+ per
 *   CPU, 50 ms is a user-visible stall on every wakeup.
 * - PSI: some avg10 of 20%/50% cpu, 10%/30% memory, 20%/50% io: the share
 *   of the last 10 s in which at least one task was stalled; an idle or
 *   healthy busy machine stays in single digits.
 * - major faults 50/s, 500/s: each is a synchronous disk read (0.1-10 ms);
 *   50/s sustained is a working set that no longer fits.
 * - disk p99 50 ms, 250 ms: far above any healthy SSD (<5 ms) and above a
 *   busy HDD's seek-bound tail; 250 ms trips timeouts.
 * - retransmits 1%, 5%: healthy paths stay below 0.1%; at 1% loss-based
 *   congestion control already cuts throughput severalfold.
 */
static const struct rule_def rules[PT_NR_RULES] = {
	[PT_RULE_RUNQ_LATENCY] = {
		"cpu.runq_latency", "cpu", "ms", "run-queue wait p99 (system-wide, or the worst thread's)",
		"more runnable threads than CPUs: reduce the named tasks' parallelism, give them more CPUs, or lower their priority (nice, cgroup cpu.weight)",
		"ms waited per s",
		{ 10, 50 }, true, false, NULL, sample_runq,
	},
	[PT_RULE_CPU_PRESSURE] = {
		"cpu.pressure", "cpu", "%", "CPU pressure (PSI some avg10)",
		"tasks stall waiting for a CPU: add CPUs or cap the named tasks (cgroup cpu.max, cpu.weight)",
		"% of time waiting",
		{ 20, 50 }, true, false, NULL, sample_cpu_psi,
	},
	[PT_RULE_MAJOR_FAULTS] = {
		"memory.major_faults", "memory", "1/s", "major page fault rate",
		"pages are read back from disk on access: the working set does not fit in memory; add RAM, shrink the named processes, check swap (vmstat si/so)",
		"major faults/s",
		{ 50, 500 }, true, false, NULL, sample_major,
	},
	[PT_RULE_MEMORY_PRESSURE] = {
		"memory.pressure", "memory", "%", "memory pressure (PSI some avg10)",
		"tasks stall in memory reclaim and refaults: add memory or cap the named processes (cgroup memory.high)",
		"major faults/s",
		{ 10, 30 }, true, false, NULL, sample_mem_psi,
	},
	[PT_RULE_DISK_LATENCY] = {
		"disk.latency", "disk", "ms", "block I/O latency p99 (worst device)",
		"requests on the named device are slow: check its queue depth and utilisation (iostat -x), the I/O mix, and the device's health",
		"ms p99",
		{ 50, 250 }, false, true, min_disk_ios, sample_disk,
	},
	[PT_RULE_DISK_PRESSURE] = {
		"disk.pressure", "disk", "%", "I/O pressure (PSI some avg10)",
		"tasks stall waiting for I/O: reduce or spread the named tasks' I/O, or move them to faster storage",
		"I/Os/s",
		{ 20, 50 }, true, false, NULL, sample_io_psi,
	},
	[PT_RULE_RETRANSMITS] = {
		"network.retransmits", "network", "%", "TCP retransmit ratio (system-wide, or the worst connection's)",
		"segments are lost on the way to the named peers: check the path (ip -s link, nstat, ss -ti), NIC errors, firewall drops and congestion",
		"% retransmitted, most retransmits first",
		{ 1, 5 }, false, false, NULL, sample_retrans,
	},
};

const char *pt_rule_name(enum pt_rule_id r) { return rules[r].name; }
const char *pt_rule_subsystem(enum pt_rule_id r) { return rules[r].subsystem; }
const char *pt_rule_unit(enum pt_rule_id r) { return rules[r].unit; }
const char *pt_rule_culprit_unit(enum pt_rule_id r) { return rules[r].culprit_unit; }

int pt_rule_lookup(const char *name)
{
	int r;

	for (r = 0; r < PT_NR_RULES; r++)
		if (!strcmp(name, rules[r].name))
			return r;
	return -1;
}

const char *pt_severity_name(enum pt_severity sev)
{
	return sev == PT_SEV_CRITICAL ? "critical" :
	       sev == PT_SEV_WARNING ? "warning" : "ok";
}

void pt_detect_defaults(struct pt_detect_config *cfg)
{
	int r;

	memset(cfg, 0, sizeof(*cfg));
	for (r = 0; r < PT_NR_RULES; r++)
		cfg->thr[r] = rules[r].def;
	cfg->persistence = 0.5;
	cfg->window_s = 5;
	/* p99 of fewer than ~50 samples is the maximum of a handful */
	cfg->min.runq_waits = 50;
	cfg->min.task_runq_waits = 20;
	cfg->min.major_faults = 5;
	cfg->min.disk_ios = 20;
	cfg->min.tcp_segs = 100;
}

const char *pt_detect_check(const struct pt_detect_config *cfg, char *bad,
			    size_t badlen)
{
	int r;

	bad[0] = '\0';
	for (r = 0; r < PT_NR_RULES; r++) {
		const struct pt_threshold *t = &cfg->thr[r];

		if (!(t->warning >= 0) || !(t->critical >= 0) ||
		    !isfinite(t->warning) || !isfinite(t->critical)) {
			snprintf(bad, badlen, "thresholds.%s", rules[r].name);
			return "thresholds must be finite numbers >= 0";
		}
		if (t->warning > t->critical) {
			snprintf(bad, badlen, "thresholds.%s", rules[r].name);
			return "warning must not be above critical";
		}
	}
	if (!(cfg->persistence > 0 && cfg->persistence <= 1)) {
		snprintf(bad, badlen, "persistence");
		return "must be a fraction above 0 and at most 1";
	}
	if (!(cfg->window_s > 0 && cfg->window_s <= 86400)) {
		snprintf(bad, badlen, "window");
		return "must be seconds above 0 (at most 86400)";
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Building findings.                                                  */

static int cmp_entity_rank(const void *a, const void *b)
{
	const struct entity *x = *(const struct entity *const *)a;
	const struct entity *y = *(const struct entity *const *)b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? 1 : -1;
	return strcmp(x->key, y->key);	/* stable across runs */
}

/* The top culprits of t into f, largest contribution first. */
static int pick_culprits(const struct rule_def *rd,
			 const struct pt_detect_config *cfg,
			 struct entity_table *t, double seconds,
			 struct pt_finding *f)
{
	uint64_t min = rd->min_den ? rd->min_den(cfg) : 0;
	struct entity **order;
	size_t i, n = 0;

	f->nr_culprits = 0;
	if (!t->n)
		return 0;
	order = malloc(t->n * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->v[i].key[0] && t->v[i].num > 0 &&
		    (rd->rate || t->v[i].den >= (double)min))
			order[n++] = &t->v[i];
	for (i = 0; i < n; i++) {
		struct entity *e = order[i];

		e->who.value = rd->rate ? (seconds > 0 ? e->num / seconds : 0) :
					  (e->den > 0 ? e->num / e->den : 0);
		if (rd->by_value)
			e->rank = e->who.value;
	}
	qsort(order, n, sizeof(*order), cmp_entity_rank);
	for (i = 0; i < n && f->nr_culprits < PT_MAX_CULPRITS; i++)
		f->culprits[f->nr_culprits++] = order[i]->who;
	free(order);
	return 0;
}

void pt_culprit_name(const struct pt_culprit *c, char *buf, size_t len)
{
	if (c->kind == PT_CULPRIT_DEV)
		snprintf(buf, len, "%s", c->dev);
	else if (c->kind == PT_CULPRIT_CONN && !c->task.tgid)
		snprintf(buf, len, "%s:%u->%s:%u", c->saddr, c->sport, c->daddr,
			 c->dport);
	else if (c->kind == PT_CULPRIT_CONN)
		snprintf(buf, len, "%s:%u->%s:%u (%s[%u])", c->saddr, c->sport,
			 c->daddr, c->dport, c->task.comm[0] ? c->task.comm : "?",
			 c->task.tgid);
	else
		snprintf(buf, len, "%s[%u]", c->task.comm, c->task.pid);
}

static void fill_finding(struct pt_finding *f, enum pt_rule_id r,
			 const struct pt_detect_config *cfg, double value,
			 unsigned int active, unsigned int total)
{
	const struct rule_def *rd = &rules[r];
	char who[160] = "";

	f->severity = value >= cfg->thr[r].critical ? PT_SEV_CRITICAL :
						      PT_SEV_WARNING;
	f->threshold = f->severity == PT_SEV_CRITICAL ? cfg->thr[r].critical :
							cfg->thr[r].warning;
	f->value = value;
	pt_strlcpy(f->subsystem, rd->subsystem, sizeof(f->subsystem));
	pt_strlcpy(f->rule, rd->name, sizeof(f->rule));
	pt_strlcpy(f->unit, rd->unit, sizeof(f->unit));
	pt_strlcpy(f->advice, rd->advice, sizeof(f->advice));
	if (f->nr_culprits) {
		char name[140];

		pt_culprit_name(&f->culprits[0], name, sizeof(name));
		snprintf(who, sizeof(who), "; most affected: %s", name);
	}
	snprintf(f->summary, sizeof(f->summary),
		 "%c%s was %.1f %s (%s at %g %s) in %u of %u intervals%s.",
		 rd->what[0] >= 'a' && rd->what[0] <= 'z' ? rd->what[0] - 32 :
							    rd->what[0],
		 rd->what + 1, value, rd->unit, pt_severity_name(f->severity),
		 f->threshold, rd->unit, active, total, who);
}

static int cmp_double_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * The level held in at least ceil(persistence * total) of the intervals:
 * sort descending, take that rank.  -1 when there are fewer values.
 */
static double persisted_value(double *vals, size_t n, size_t total,
			      double persistence)
{
	size_t need = (size_t)ceil(persistence * (double)total - 1e-9);

	if (need < 1)
		need = 1;
	if (need > n)
		return -1;
	qsort(vals, n, sizeof(*vals), cmp_double_desc);
	return vals[need - 1];
}

/* ------------------------------------------------------------------ */
/* Live: sliding window.                                               */

/* The live window holds at most this many intervals (~20 KiB each). */
#define LIVE_MAX_INTERVALS 256

struct live_entry {
	uint64_t ts_ns;
	struct sample smp[PT_NR_RULES];
	struct pt_finding culprits[PT_NR_RULES];	/* only culprits used */
};

struct pt_detector {
	struct pt_detect_config cfg;
	struct live_entry *ring;
	size_t cap, head, n;		/* ring of the last n entries */
	struct entity_table ents;
};

struct pt_detector *pt_detector_new(const struct pt_detect_config *cfg)
{
	struct pt_detector *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = *cfg;
	return d;
}

void pt_detector_free(struct pt_detector *d)
{
	if (!d)
		return;
	table_free(&d->ents);
	free(d->ring);
	free(d);
}

/* Evaluate every rule over one snapshot; culprits of that interval. */
static int eval_interval(const struct pt_detect_config *cfg,
			 const struct pt_snapshot *s, struct entity_table *ents,
			 struct live_entry *e)
{
	int r, err;

	for (r = 0; r < PT_NR_RULES; r++) {
		struct rule_ctx c = { cfg, s, ents, 0 };

		memset(&e->smp[r], 0, sizeof(e->smp[r]));
		table_reset(ents);
		rules[r].sample(&c, &e->smp[r]);
		if (c.err)
			return c.err;
		err = pick_culprits(&rules[r], cfg, ents, interval_s(s),
				    &e->culprits[r]);
		if (err)
			return err;
	}
	return 0;
}

static struct live_entry *live_slot(struct pt_detector *d, uint64_t ts,
				    uint64_t window_ns)
{
	/* Drop entries that fell out of the window, or beyond the cap. */
	while (d->n) {
		struct live_entry *old = &d->ring[(d->head + d->cap - d->n) % d->cap];

		if (ts - old->ts_ns < window_ns && d->n < LIVE_MAX_INTERVALS)
			break;
		d->n--;
	}
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16, i;
		struct live_entry *nr = calloc(ncap, sizeof(*nr));

		if (!nr)
			return NULL;
		for (i = 0; i < d->n; i++)
			nr[i] = d->ring[(d->head + d->cap - d->n + i) % d->cap];
		free(d->ring);
		d->ring = nr;
		d->cap = ncap;
		d->head = d->n;
	}
	d->ring[d->head].ts_ns = ts;
	return &d->ring[d->head];
}

static int live_rule(struct pt_detector *d, struct pt_snapshot *s,
		     enum pt_rule_id r, size_t expected)
{
	double thr = d->cfg.thr[r].warning, vals[LIVE_MAX_INTERVALS], v;
	const struct live_entry *last_active = NULL;
	unsigned int active = 0;
	size_t i, n = 0;
	struct pt_finding *f;

	for (i = 0; i < d->n && n < PT_ARRAY_SIZE(vals); i++) {
		const struct live_entry *e =
			&d->ring[(d->head + d->cap - d->n + i) % d->cap];

		if (!e->smp[r].measured)
			continue;
		vals[n++] = e->smp[r].value;
		if (e->smp[r].value >= thr) {
			active++;
			last_active = e;
		}
	}
	v = persisted_value(vals, n, d->n > expected ? d->n : expected,
			    d->cfg.persistence);
	if (v < thr || !last_active)
		return 0;
	f = PT_PUSH(s->findings);
	if (!f)
		return -ENOMEM;
	memcpy(f->culprits, last_active->culprits[r].culprits,
	       sizeof(f->culprits));
	f->nr_culprits = last_active->culprits[r].nr_culprits;
	fill_finding(f, r, &d->cfg, v, active,
		     (unsigned int)(d->n > expected ? d->n : expected));
	return 0;
}

int pt_detector_feed(struct pt_detector *d, struct pt_snapshot *s)
{
	uint64_t window_ns = (uint64_t)(d->cfg.window_s * NS_PER_S);
	uint64_t ivl = s->interval_ns ? s->interval_ns : 1000000000ull;
	size_t expected = (size_t)llround((double)window_ns / (double)ivl);
	struct live_entry *e;
	int r, err;

	e = live_slot(d, s->ts_ns, window_ns);
	if (!e)
		return -ENOMEM;
	err = eval_interval(&d->cfg, s, &d->ents, e);
	if (err)
		return err;
	d->head = (d->head + 1) % d->cap;
	d->n++;
	if (expected < 1)
		expected = 1;
	if (expected > LIVE_MAX_INTERVALS)
		expected = LIVE_MAX_INTERVALS;
	for (r = 0; r < PT_NR_RULES && !err; r++)
		err = live_rule(d, s, (enum pt_rule_id)r, expected);
	return err;
}

/* ------------------------------------------------------------------ */
/* Whole window: scan and report.                                      */

struct rule_series {
	struct sample *smp;	/* one per snapshot */
	uint64_t *end_ns, *ivl_ns;
	struct entity_table ents;	/* accumulated over active intervals */
	double active_s;
	uint64_t first_ns, last_ns;
	unsigned int active, measured;
};

struct pt_window {
	struct pt_detect_config cfg;
	struct rule_series rs[PT_NR_RULES];
	size_t n, cap;
	uint64_t start_ns, end_ns;
	struct entity_table scratch;
	struct pt_window_finding out[PT_NR_RULES];
};

struct pt_window *pt_window_new(const struct pt_detect_config *cfg)
{
	struct pt_window *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cfg = *cfg;
	return w;
}

void pt_window_free(struct pt_window *w)
{
	int r;

	if (!w)
		return;
	for (r = 0; r < PT_NR_RULES; r++) {
		free(w->rs[r].smp);
		free(w->rs[r].end_ns);
		free(w->rs[r].ivl_ns);
		table_free(&w->rs[r].ents);
	}
	table_free(&w->scratch);
	free(w);
}

static int window_grow(struct pt_window *w)
{
	size_t ncap = w->cap ? w->cap * 2 : 64;
	int r;

	for (r = 0; r < PT_NR_RULES; r++) {
		struct rule_series *rs = &w->rs[r];
		void *a = realloc(rs->smp, ncap * sizeof(*rs->smp));

		if (!a)
			return -ENOMEM;
		rs->smp = a;
		a = realloc(rs->end_ns, ncap * sizeof(*rs->end_ns));
		if (!a)
			return -ENOMEM;
		rs->end_ns = a;
		a = realloc(rs->ivl_ns, ncap * sizeof(*rs->ivl_ns));
		if (!a)
			return -ENOMEM;
		rs->ivl_ns = a;
	}
	w->cap = ncap;
	return 0;
}

int pt_window_add(struct pt_window *w, const struct pt_snapshot *s)
{
	int r;

	if (w->n == w->cap && window_grow(w))
		return -ENOMEM;
	if (!w->n)
		w->start_ns = s->time_ns - s->interval_ns;
	w->end_ns = s->time_ns;
	for (r = 0; r < PT_NR_RULES; r++) {
		struct rule_series *rs = &w->rs[r];
		struct sample *smp = &rs->smp[w->n];
		struct rule_ctx c = { &w->cfg, s, &w->scratch, 0 };
		size_t i;

		memset(smp, 0, sizeof(*smp));
		table_reset(&w->scratch);
		rules[r].sample(&c, smp);
		if (c.err)
			return c.err;
		rs->end_ns[w->n] = s->time_ns;
		rs->ivl_ns[w->n] = s->interval_ns;
		if (!smp->measured || smp->value < w->cfg.thr[r].warning)
			continue;
		/* An active interval: its contributors join the culprits. */
		for (i = 0; i < w->scratch.cap; i++) {
			const struct entity *e = &w->scratch.v[i];
			struct entity *acc;

			if (!e->key[0])
				continue;
			acc = table_get(&rs->ents, e->key);
			if (!acc)
				return -ENOMEM;
			acc->who = e->who;
			acc->rank += e->rank;
			acc->num += e->num;
			acc->den += e->den;
		}
	}
	w->n++;
	return 0;
}

static int window_rule(struct pt_window *w, enum pt_rule_id r,
		       struct pt_window_finding *wf, bool *fires)
{
	struct rule_series *rs = &w->rs[r];
	double thr = w->cfg.thr[r].warning, v, active_s = 0, *vals;
	size_t i, n = 0;

	*fires = false;
	memset(wf, 0, sizeof(*wf));
	if (!w->n)
		return 0;
	vals = malloc(w->n * sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < w->n; i++) {
		if (!rs->smp[i].measured)
			continue;
		wf->measured++;
		vals[n++] = rs->smp[i].value;
		if (rs->smp[i].value < thr)
			continue;
		if (!wf->active++)
			wf->first_ns = rs->end_ns[i] - rs->ivl_ns[i];
		wf->last_ns = rs->end_ns[i];
		active_s += (double)rs->ivl_ns[i] / NS_PER_S;
	}
	v = persisted_value(vals, n, w->n, w->cfg.persistence);
	free(vals);
	if (v < thr || !wf->active)
		return 0;
	*fires = true;
	if (pick_culprits(&rules[r], &w->cfg, &rs->ents, active_s, &wf->f))
		return -ENOMEM;
	fill_finding(&wf->f, r, &w->cfg, v, wf->active, (unsigned int)w->n);
	return 0;
}

int pt_window_findings(struct pt_window *w,
		       const struct pt_window_finding **out, size_t *n)
{
	struct pt_window_finding all[PT_NR_RULES];
	bool fires[PT_NR_RULES];
	size_t k = 0;
	int r, sev, err;

	for (r = 0; r < PT_NR_RULES; r++) {
		err = window_rule(w, (enum pt_rule_id)r, &all[r], &fires[r]);
		if (err)
			return err;
	}
	for (sev = PT_SEV_CRITICAL; sev >= PT_SEV_WARNING; sev--)
		for (r = 0; r < PT_NR_RULES; r++)
			if (fires[r] && (int)all[r].f.severity == sev)
				w->out[k++] = all[r];
	*out = w->out;
	*n = k;
	return 0;
}

double pt_window_rule_value(const struct pt_window *w, enum pt_rule_id r)
{
	const struct rule_series *rs = &w->rs[r];
	double *vals, v;
	size_t i, n = 0;

	if (!w->n)
		return -1;
	vals = malloc(w->n * sizeof(*vals));
	if (!vals)
		return -1;
	for (i = 0; i < w->n; i++)
		if (rs->smp[i].measured)
			vals[n++] = rs->smp[i].value;
	v = n ? persisted_value(vals, n, w->n, w->cfg.persistence) : -1;
	/* Measured too rarely to reach the persistence rank: say 0. */
	if (n && v < 0)
		v = 0;
	free(vals);
	return v;
}

size_t pt_window_snapshots(const struct pt_window *w) { return w->n; }
uint64_t pt_window_start_ns(const struct pt_window *w) { return w->start_ns; }
uint64_t pt_window_end_ns(const struct pt_window *w) { return w->end_ns; }
