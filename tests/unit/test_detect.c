// SPDX-License-Identifier: GPL-2.0
/*
 * Detection over synthetic snapshots: every rule just below, at and above
 * its warning and critical thresholds, persistence, minimum-sample guards,
 * culprit order; the live detector; config parsing; baselines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "detect.h"
#include "summary.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 1700000000ull

/* A 1 s interval with every family present and no activity. */
static void snap(struct pt_snapshot *s, unsigned int seq)
{
	pt_snapshot_init(s);
	s->seq = seq;
	s->interval_ns = SEC;
	s->ts_ns = (uint64_t)seq * SEC;
	s->time_ns = (T0 + seq) * SEC;
	s->families = PT_ALL_FAMILIES;
	s->pressure.cpu = s->pressure.memory = s->pressure.io = 0;
}

static void set_sys_runq(struct pt_snapshot *s, uint64_t count, double p99_ms)
{
	s->sched_sys.runq_count = count;
	s->sched_sys.runq_p99_ns = (uint64_t)(p99_ms * MS);
	s->sched_sys.runq_wait_ns = count * (uint64_t)(p99_ms * MS) / 2;
}

static void add_task(struct pt_snapshot *s, uint32_t pid, const char *comm,
		     uint64_t count, double p99_ms, uint64_t wait_ns)
{
	struct pt_sched_task *t = PT_PUSH(s->sched_tasks);

	t->id.pid = t->id.tgid = pid;
	strcpy(t->id.comm, comm);
	t->runq_count = count;
	t->runq_p99_ns = (uint64_t)(p99_ms * MS);
	t->runq_wait_ns = wait_ns;
}

static void add_dev(struct pt_snapshot *s, const char *name, uint64_t ios,
		    double p99_ms)
{
	struct pt_block_dev *d = PT_PUSH(s->block_devs);

	strcpy(d->dev, name);
	d->read_ios = ios;
	d->read_bytes = ios * 4096;
	d->lat_p99_ns = (uint64_t)(p99_ms * MS);
}

static void add_conn(struct pt_snapshot *s, uint16_t sport, uint64_t segs,
		     uint64_t retrans)
{
	struct pt_tcp_conn *c = PT_PUSH(s->tcp_conns);

	c->id.pid = c->id.tgid = 42;
	strcpy(c->id.comm, "client");
	c->family = 4;
	strcpy(c->saddr, "10.0.0.1");
	strcpy(c->daddr, "10.0.0.2");
	c->sport = sport;
	c->dport = 5201;
	c->segs_out = segs;
	c->retransmits = retrans;
}

static void add_faults(struct pt_snapshot *s, uint32_t pid, uint32_t tgid,
		       const char *comm, uint64_t major)
{
	struct pt_fault_task *t = PT_PUSH(s->fault_tasks);

	t->id.pid = pid;
	t->id.tgid = tgid;
	strcpy(t->id.comm, comm);
	t->major = major;
	s->fault_major += major;
}

typedef void (*fill_fn)(struct pt_snapshot *s, unsigned int i, double v);

/*
 * Evaluate n snapshots, snapshot i filled by fill(s, i, vals[i]); returns
 * the finding for `rule` (copied to *out) or false when it did not fire.
 */
static bool run_window(const struct pt_detect_config *cfg, const char *rule,
		       fill_fn fill, const double *vals, unsigned int n,
		       struct pt_window_finding *out)
{
	struct pt_window *w = pt_window_new(cfg);
	const struct pt_window_finding *fs;
	struct pt_snapshot s;
	bool found = false;
	size_t nf, i;

	assert_non_null(w);
	for (i = 0; i < n; i++) {
		snap(&s, (unsigned int)i + 1);
		fill(&s, (unsigned int)i, vals[i]);
		assert_int_equal(pt_window_add(w, &s), 0);
		pt_snapshot_free(&s);
	}
	assert_int_equal(pt_window_findings(w, &fs, &nf), 0);
	for (i = 0; i < nf; i++)
		if (!strcmp(fs[i].f.rule, rule)) {
			*out = fs[i];
			found = true;
		}
	pt_window_free(w);
	return found;
}

/* The same value in every one of 4 intervals. */
static bool steady(const char *rule, fill_fn fill, double v,
		   struct pt_window_finding *out)
{
	struct pt_detect_config cfg;
	const double vals[4] = { v, v, v, v };

	pt_detect_defaults(&cfg);
	return run_window(&cfg, rule, fill, vals, 4, out);
}

/* Below warning: nothing; at warning: warning; just below critical:
 * warning; at and above critical: critical with that threshold. */
static void check_edges(const char *rule, fill_fn fill)
{
	struct pt_detect_config cfg;
	struct pt_window_finding f;
	int r = pt_rule_lookup(rule);
	double w, c;

	assert_true(r >= 0);
	pt_detect_defaults(&cfg);
	w = cfg.thr[r].warning;
	c = cfg.thr[r].critical;
	assert_false(steady(rule, fill, w * 0.99, &f));
	assert_true(steady(rule, fill, w, &f));
	assert_int_equal(f.f.severity, PT_SEV_WARNING);
	assert_true(f.f.threshold == w);
	assert_true(steady(rule, fill, w * 1.01, &f));
	assert_int_equal(f.f.severity, PT_SEV_WARNING);
	assert_true(steady(rule, fill, c * 0.99, &f));
	assert_int_equal(f.f.severity, PT_SEV_WARNING);
	assert_true(steady(rule, fill, c, &f));
	assert_int_equal(f.f.severity, PT_SEV_CRITICAL);
	assert_true(f.f.threshold == c);
	assert_true(steady(rule, fill, c * 1.5, &f));
	assert_int_equal(f.f.severity, PT_SEV_CRITICAL);
	assert_true(f.f.value > c * 1.49 && f.f.value < c * 1.51);
	assert_string_equal(f.f.unit, pt_rule_unit((enum pt_rule_id)r));
	assert_true(strlen(f.f.summary) > 20);
	assert_true(strlen(f.f.advice) > 20);
	assert_int_equal(f.active, 4);
}

/* ---- fills: value v in the rule's unit ---- */

static void fill_sys_runq(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	set_sys_runq(s, 500, v);
	add_task(s, 100, "spin", 100, v, 400 * MS);
}

static void fill_cpu_psi(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	s->pressure.cpu = v;
	add_task(s, 100, "spin", 100, 1, 400 * MS);
}

static void fill_mem_psi(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	s->pressure.memory = v;
}

static void fill_io_psi(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	s->pressure.io = v;
}

/* The interval's share (from PSI's totals) is judged, not avg10: avg10
 * held at 90% (the tail of load that has ended, or the lag before it
 * catches up) must move no edge. */
static void fill_cpu_share(struct pt_snapshot *s, unsigned int i, double v)
{
	fill_cpu_psi(s, i, 90);
	s->pressure.cpu_some = v;
}

static void fill_mem_share(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	s->pressure.memory = 90;
	s->pressure.memory_some = v;
}

static void fill_io_share(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	s->pressure.io = 90;
	s->pressure.io_some = v;
}

static void fill_major(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	/* 2 s interval: v faults/s is 2v faults */
	s->interval_ns = 2 * SEC;
	add_faults(s, 7, 7, "reader", (uint64_t)(v * 2 + 0.5));
}

static void fill_disk(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	add_dev(s, "vda", 1000, 0.5);
	add_dev(s, "loop3", 50, v);
}

static void fill_retrans(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	add_conn(s, 40000, 100000, (uint64_t)(v * 1000 + 0.5));
}

static void add_site(struct pt_snapshot *s, uint32_t pid, uint32_t tgid,
		     const char *wait, const char *site, uint64_t ns)
{
	struct pt_sched_site *x = PT_PUSH(s->sched_sites);

	x->id.pid = pid;
	x->id.tgid = tgid;
	strcpy(x->wait, wait);
	strcpy(x->site, site);
	x->ns = ns;
	x->waits = 10;
}

static struct pt_sched_task *add_waiter(struct pt_snapshot *s, uint32_t pid,
					uint32_t tgid, const char *comm)
{
	struct pt_sched_task *t = PT_PUSH(s->sched_tasks);

	t->id.pid = pid;
	t->id.tgid = tgid;
	strcpy(t->id.comm, comm);
	return t;
}

static void fill_io_blocked(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	add_waiter(s, 811, 811, "payments")->io_ns = (uint64_t)(v * MS);
	add_waiter(s, 812, 812, "other")->io_ns = (uint64_t)(v * MS / 3);
	add_site(s, 811, 811, "io", "io_schedule <- blk_mq_get_tag", 1);
}

/* v ms/s of lock waits over 4 threads of one process, and waits that
 * are no contention: a thread parked on a futex all along (no wait
 * ended), another parked 900 ms at a time, a lone waiter. */
static void fill_lock(struct pt_snapshot *s, unsigned int i, double v)
{
	struct pt_sched_task *t;
	uint32_t k;

	(void)i;
	for (k = 0; k < 4; k++) {
		t = add_waiter(s, 500 + k, 500, "mutexer");
		t->lock_ns = (uint64_t)(v * MS / 4);
		t->lock_waits = 20;
	}
	add_site(s, 501, 500, "lock", "schedule <- futex_wait_queue <- futex_wait", 1);
	for (k = 0; k < 3; k++) {
		t = add_waiter(s, 600 + k, 600, "pool");
		t->lock_ns = 990 * MS;
		t->lock_waits = k;	/* 0 or 1-2 waits of ~1 s */
	}
	t = add_waiter(s, 700, 700, "alone");
	t->lock_ns = 800 * MS;
	t->lock_waits = 100;
}

/* A JVM's monitor convoy: 4 waiters whose order changes every interval,
 * beside the main thread (pid == tgid) that ran without waiting; with
 * `main` false the main thread did not run (the java launcher's sits in
 * pthread_join). */
static void fill_jvm_lock(struct pt_snapshot *s, unsigned int i, double v,
			  bool main)
{
	static const char *const names[] = { "convoy-0", "convoy-1",
					     "convoy-2", "convoy-3" };
	uint32_t k;

	if (main)
		add_waiter(s, 900, 900, "java")->oncpu_ns = MS;
	for (k = 0; k < 4; k++) {
		uint32_t n = (k + i) % 4;
		struct pt_sched_task *t = add_waiter(s, 901 + n, 900, names[n]);

		t->lock_ns = (uint64_t)(v * MS / 8) * (n == 2 ? 5 : 1);
		t->lock_waits = 20;
	}
}

static void fill_jvm_main(struct pt_snapshot *s, unsigned int i, double v)
{
	fill_jvm_lock(s, i, v, true);
}

static void fill_jvm_nomain(struct pt_snapshot *s, unsigned int i, double v)
{
	fill_jvm_lock(s, i, v, false);
}

static void test_wait_rules(void **state)
{
	struct pt_window_finding f;

	(void)state;
	assert_true(steady("io.blocked", fill_io_blocked, 640, &f));
	assert_string_equal(f.f.culprits[0].task.comm, "payments");
	assert_string_equal(f.f.culprits[0].site, "io_schedule <- blk_mq_get_tag");
	assert_non_null(strstr(f.f.summary, "payments[811] in `io_schedule <- blk_mq_get_tag`"));
	assert_true(f.f.culprits[0].value > 639 && f.f.culprits[0].value < 641);
	/* only the contended process counts, as a process */
	assert_true(steady("lock.contention", fill_lock, 3000, &f));
	assert_int_equal(f.f.nr_culprits, 1);
	assert_int_equal(f.f.culprits[0].task.pid, 500);
	assert_non_null(strstr(f.f.summary, "mutexer[500] in `schedule <- futex_wait_queue <- futex_wait`"));
	assert_false(steady("lock.contention", fill_lock, 0, &f));
	/* one culprit per process, whichever thread comes first: named by
	 * its main thread, else its longest waiter */
	assert_true(steady("lock.contention", fill_jvm_main, 3000, &f));
	assert_int_equal(f.f.nr_culprits, 1);
	assert_int_equal(f.f.culprits[0].task.pid, 900);
	assert_string_equal(f.f.culprits[0].task.comm, "java");
	assert_true(f.f.culprits[0].value > 2999 && f.f.culprits[0].value < 3001);
	assert_true(steady("lock.contention", fill_jvm_nomain, 3000, &f));
	assert_int_equal(f.f.nr_culprits, 1);
	assert_string_equal(f.f.culprits[0].task.comm, "convoy-2");
}

static void test_edges_every_rule(void **state)
{
	(void)state;
	check_edges("io.blocked", fill_io_blocked);
	check_edges("lock.contention", fill_lock);
	check_edges("cpu.runq_latency", fill_sys_runq);
	check_edges("cpu.pressure", fill_cpu_psi);
	check_edges("memory.pressure", fill_mem_psi);
	check_edges("disk.pressure", fill_io_psi);
	check_edges("cpu.pressure", fill_cpu_share);
	check_edges("memory.pressure", fill_mem_share);
	check_edges("disk.pressure", fill_io_share);
	check_edges("memory.major_faults", fill_major);
	check_edges("disk.latency", fill_disk);
	check_edges("network.retransmits", fill_retrans);
}

/* ---- persistence ---- */

static void test_persistence(void **state)
{
	struct pt_detect_config cfg;
	struct pt_window_finding f;
	/* 10 intervals: 4 above warning is not enough at 0.5 */
	double v4[10] = { 30, 30, 30, 30, 1, 1, 1, 1, 1, 1 };
	double v5[10] = { 80, 1, 30, 1, 20, 1, 60, 1, 25, 1 };
	double spike[10] = { 1, 1, 1, 1, 1000, 1, 1, 1, 1, 1 };

	(void)state;
	pt_detect_defaults(&cfg);
	assert_false(run_window(&cfg, "cpu.runq_latency", fill_sys_runq, v4, 10, &f));
	assert_true(run_window(&cfg, "cpu.runq_latency", fill_sys_runq, v5, 10, &f));
	/* the level held in 5 of 10: the 5th largest, 20 ms -> warning */
	assert_true(f.f.value > 19.9 && f.f.value < 20.1);
	assert_int_equal(f.f.severity, PT_SEV_WARNING);
	assert_int_equal(f.active, 5);
	/* time range: start of interval 1 to end of interval 9 */
	assert_true(f.first_ns == T0 * SEC);
	assert_true(f.last_ns == (T0 + 9) * SEC);
	/* one huge interval never pages */
	assert_false(run_window(&cfg, "cpu.runq_latency", fill_sys_runq, spike, 10, &f));
	/* ... unless persistence is lowered to a tenth */
	cfg.persistence = 0.1;
	assert_true(run_window(&cfg, "cpu.runq_latency", fill_sys_runq, spike, 10, &f));
	assert_int_equal(f.f.severity, PT_SEV_CRITICAL);
	/* persistence 1: every interval */
	cfg.persistence = 1;
	assert_false(run_window(&cfg, "cpu.runq_latency", fill_sys_runq, v5, 10, &f));
}

/* ---- minimum-sample guards ---- */

static void fill_runq_few(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	/* v waits system-wide, each thread below its own guard */
	set_sys_runq(s, (uint64_t)v, 200);
	add_task(s, 1, "a", 19, 200, 10 * MS);
}

static void fill_task_runq(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	/* system p99 fine, one thread with v waits at 30 ms */
	set_sys_runq(s, 1000, 0.5);
	add_task(s, 9, "victim", (uint64_t)v, 30, 300 * MS);
}

static void fill_disk_few(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	add_dev(s, "sdb", (uint64_t)v, 900);
}

static void fill_retrans_few(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	/* half of v segments retransmitted */
	add_conn(s, 40001, (uint64_t)v, (uint64_t)v / 2);
}

static void fill_major_few(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	s->interval_ns = SEC / 10;	/* 4 faults in 0.1 s = 40/s... */
	add_faults(s, 3, 3, "x", (uint64_t)v);
}

static void test_min_samples(void **state)
{
	struct pt_detect_config cfg;
	struct pt_window_finding f;
	const double three[4] = { 3, 3, 3, 3 }, v49[4] = { 49, 49, 49, 49 };
	const double v50[4] = { 50, 50, 50, 50 }, v19[4] = { 19, 19, 19, 19 };
	const double v20[4] = { 20, 20, 20, 20 }, v10[4] = { 10, 10, 10, 10 };
	const double v99[4] = { 99, 99, 99, 99 }, v100[4] = { 100, 100, 100, 100 };
	const double v4[4] = { 4, 4, 4, 4 }, v5[4] = { 5, 5, 5, 5 };

	(void)state;
	pt_detect_defaults(&cfg);
	/* p99 from 3 or 49 waits does not fire, from 50 it does */
	assert_false(run_window(&cfg, "cpu.runq_latency", fill_runq_few, three, 4, &f));
	assert_false(run_window(&cfg, "cpu.runq_latency", fill_runq_few, v49, 4, &f));
	assert_true(run_window(&cfg, "cpu.runq_latency", fill_runq_few, v50, 4, &f));
	/* per thread: 19 waits no, 20 yes, and it is named */
	assert_false(run_window(&cfg, "cpu.runq_latency", fill_task_runq, v19, 4, &f));
	assert_true(run_window(&cfg, "cpu.runq_latency", fill_task_runq, v20, 4, &f));
	assert_string_equal(f.f.culprits[0].task.comm, "victim");
	assert_true(f.f.value > 29.9 && f.f.value < 30.1);
	/* device p99 from 10 or 19 I/Os no, 20 yes */
	assert_false(run_window(&cfg, "disk.latency", fill_disk_few, v10, 4, &f));
	assert_false(run_window(&cfg, "disk.latency", fill_disk_few, v19, 4, &f));
	assert_true(run_window(&cfg, "disk.latency", fill_disk_few, v20, 4, &f));
	/* 50% retransmits of 10 or 99 segments no, of 100 yes */
	assert_false(run_window(&cfg, "network.retransmits", fill_retrans_few, v10, 4, &f));
	assert_false(run_window(&cfg, "network.retransmits", fill_retrans_few, v99, 4, &f));
	assert_true(run_window(&cfg, "network.retransmits", fill_retrans_few, v100, 4, &f));
	assert_int_equal(f.f.severity, PT_SEV_CRITICAL);
	/* 4 faults in a 0.1 s interval (40/s) vs 5 (50/s) */
	assert_false(run_window(&cfg, "memory.major_faults", fill_major_few, v4, 4, &f));
	assert_true(run_window(&cfg, "memory.major_faults", fill_major_few, v5, 4, &f));
	/* the guard is configurable */
	cfg.min.tcp_segs = 10;
	assert_true(run_window(&cfg, "network.retransmits", fill_retrans_few, v10, 4, &f));
}

/* A connection in retransmission-timeout recovery: v segments, all
 * retransmissions (a backoff step's), 0 when it waited on the timer; a
 * second, healthy connection sends 1000 alongside, so the system ratio
 * stays under the warning. */
static void fill_timeout(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	add_conn(s, 40001, (uint64_t)v, (uint64_t)v);
	s->tcp_conns.v[s->tcp_conns.n - 1].events = PT_TCP_F_TIMEOUT;
	add_conn(s, 40002, 1000, 0);
}

static void fill_few_unflagged(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	add_conn(s, 40001, (uint64_t)v, (uint64_t)v);
	add_conn(s, 40002, 1000, 0);
}

/* A stalled connection at 10% (1 of 10) beside a lossy busy one at 20%:
 * the value is the busy one's, and so is the advice. */
static void fill_timeout_and_lossy(struct pt_snapshot *s, unsigned int i,
				   double v)
{
	(void)i;
	(void)v;
	add_conn(s, 40001, 10, 1);
	s->tcp_conns.v[s->tcp_conns.n - 1].events = PT_TCP_F_TIMEOUT;
	add_conn(s, 40002, 1000, 200);
}

static void test_retrans_timeout(void **state)
{
	struct pt_detect_config cfg;
	struct pt_window_finding f;
	const double backoff[4] = { 1, 0, 1, 0 };

	(void)state;
	pt_detect_defaults(&cfg);
	/* 1, 0, 1, 0 segments: under the 100-segment guard, unless stalled */
	assert_false(run_window(&cfg, "network.retransmits", fill_few_unflagged, backoff, 4, &f));
	assert_true(run_window(&cfg, "network.retransmits", fill_timeout, backoff, 4, &f));
	assert_int_equal(f.f.severity, PT_SEV_CRITICAL);
	assert_true(f.f.value == 100);
	assert_int_equal(f.f.nr_culprits, 1);
	assert_int_equal(f.f.culprits[0].sport, 40001);
	assert_non_null(strstr(f.f.advice, "10.0.0.2 port 5201 waits on retransmission timeouts"));
	/* the value another connection's: the rule's own advice */
	assert_true(run_window(&cfg, "network.retransmits", fill_timeout_and_lossy, backoff, 4, &f));
	assert_true(f.f.value == 20);
	assert_null(strstr(f.f.advice, "retransmission timeouts"));
	/* the stalled one (1 retransmission an interval) still ranks first,
	 * above the busy one's 200 */
	assert_int_equal(f.f.nr_culprits, 2);
	assert_int_equal(f.f.culprits[0].sport, 40001);
	assert_int_equal(f.f.culprits[1].sport, 40002);
}

/* ---- culprits ---- */

static void fill_many(struct pt_snapshot *s, unsigned int i, double v)
{
	int k;

	(void)i;
	(void)v;
	set_sys_runq(s, 1000, 20);
	/* total wait orders them: t0 most (one long wait), t6, ... t1 */
	for (k = 1; k <= 6; k++) {
		char comm[16];

		snprintf(comm, sizeof(comm), "t%d", k);
		add_task(s, (uint32_t)(100 + k), comm, 50, 5.0 + k,
			 (uint64_t)k * 100 * MS);
	}
	add_task(s, 99, "t0", 1, 900, 900 * MS);
	add_dev(s, "fast", 100, 60);
	add_dev(s, "slow", 30, 300);
	add_dev(s, "tiny", 3, 5000);
	add_conn(s, 1, 10000, 50);
	add_conn(s, 2, 10000, 500);
	add_conn(s, 3, 10000, 0);
	add_faults(s, 11, 10, "db", 100);	/* two threads of one process */
	add_faults(s, 12, 10, "db", 100);
	add_faults(s, 20, 20, "web", 150);
}

static void test_culprit_order(void **state)
{
	struct pt_detect_config cfg;
	struct pt_window_finding f;
	const double v[3] = { 0, 0, 0 };
	int i;

	(void)state;
	pt_detect_defaults(&cfg);
	assert_true(run_window(&cfg, "cpu.runq_latency", fill_many, v, 3, &f));
	assert_int_equal(f.f.nr_culprits, PT_MAX_CULPRITS);
	/* the biggest waiter first, even from one long wait: ms per second */
	assert_string_equal(f.f.culprits[0].task.comm, "t0");
	assert_true(f.f.culprits[0].value > 899.9 && f.f.culprits[0].value < 900.1);
	for (i = 1; i < PT_MAX_CULPRITS; i++) {
		char want[16];

		snprintf(want, sizeof(want), "t%d", 7 - i);
		assert_string_equal(f.f.culprits[i].task.comm, want);
		assert_true(f.f.culprits[i].value > (7 - i) * 100 - 0.01 &&
			    f.f.culprits[i].value < (7 - i) * 100 + 0.01);
	}
	assert_true(run_window(&cfg, "disk.latency", fill_many, v, 3, &f));
	assert_int_equal(f.f.severity, PT_SEV_CRITICAL);	/* slow: 300 ms */
	assert_int_equal(f.f.nr_culprits, 2);		/* tiny: 3 I/Os */
	assert_string_equal(f.f.culprits[0].dev, "slow");
	assert_string_equal(f.f.culprits[1].dev, "fast");
	assert_true(run_window(&cfg, "network.retransmits", fill_many, v, 3, &f));
	assert_int_equal(f.f.nr_culprits, 2);
	assert_int_equal(f.f.culprits[0].sport, 2);
	assert_true(f.f.culprits[0].value > 4.99 && f.f.culprits[0].value < 5.01);
	assert_int_equal(f.f.culprits[1].sport, 1);
	assert_int_equal(f.f.culprits[0].kind, PT_CULPRIT_CONN);
	assert_true(run_window(&cfg, "memory.major_faults", fill_many, v, 3, &f));
	assert_int_equal(f.f.nr_culprits, 2);
	assert_string_equal(f.f.culprits[0].task.comm, "db");	/* 200/s */
	assert_int_equal(f.f.culprits[0].task.pid, 10);
	assert_true(f.f.culprits[0].value > 199.9 && f.f.culprits[0].value < 200.1);
	assert_string_equal(f.f.culprits[1].task.comm, "web");
}

/* Culprits come only from the intervals where the rule was active. */
static void fill_alternate(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)v;
	if (i % 2 == 0) {
		set_sys_runq(s, 500, 30);
		add_task(s, 1, "guilty", 100, 30, 500 * MS);
	} else {
		set_sys_runq(s, 500, 1);
		add_task(s, 2, "innocent", 100, 1, 900 * MS);
	}
}

static void test_culprits_from_active(void **state)
{
	struct pt_detect_config cfg;
	struct pt_window_finding f;
	const double v[6] = { 0 };

	(void)state;
	pt_detect_defaults(&cfg);
	assert_true(run_window(&cfg, "cpu.runq_latency", fill_alternate, v, 6, &f));
	assert_int_equal(f.active, 3);
	assert_int_equal(f.f.nr_culprits, 1);
	assert_string_equal(f.f.culprits[0].task.comm, "guilty");
}

/* ---- families missing, PSI unknown ---- */

static void fill_nothing(struct pt_snapshot *s, unsigned int i, double v)
{
	(void)i;
	(void)v;
	s->families = 0;
	s->pressure.cpu = s->pressure.memory = s->pressure.io = -1;
}

static void test_unmeasured(void **state)
{
	struct pt_detect_config cfg;
	struct pt_window *w;
	struct pt_snapshot s;
	int r;

	(void)state;
	pt_detect_defaults(&cfg);
	w = pt_window_new(&cfg);
	snap(&s, 1);
	fill_nothing(&s, 0, 0);
	assert_int_equal(pt_window_add(w, &s), 0);
	for (r = 0; r < PT_NR_RULES; r++)
		assert_true(pt_window_rule_value(w, (enum pt_rule_id)r) < 0);
	pt_snapshot_free(&s);
	pt_window_free(w);
}

/* ---- live detector ---- */

static void test_live(void **state)
{
	struct pt_detect_config cfg;
	struct pt_detector *d;
	struct pt_snapshot s;
	unsigned int i, fired_at = 0;

	(void)state;
	pt_detect_defaults(&cfg);
	cfg.window_s = 4;	/* 4 intervals of 1 s: 2 must be active */
	d = pt_detector_new(&cfg);
	assert_non_null(d);
	for (i = 1; i <= 8; i++) {
		snap(&s, i);
		fill_sys_runq(&s, i, i >= 3 ? 60 : 1);
		assert_int_equal(pt_detector_feed(d, &s), 0);
		if (s.findings.n && !fired_at) {
			fired_at = i;
			assert_string_equal(s.findings.v[0].rule, "cpu.runq_latency");
			assert_int_equal(s.findings.v[0].severity, PT_SEV_CRITICAL);
			assert_string_equal(s.findings.v[0].culprits[0].task.comm, "spin");
		}
		pt_snapshot_free(&s);
	}
	/* active from interval 3: the second active interval is 4 */
	assert_int_equal(fired_at, 4);
	/* and it clears once the window has only quiet intervals */
	for (i = 9; i <= 14; i++) {
		snap(&s, i);
		fill_sys_runq(&s, i, 1);
		assert_int_equal(pt_detector_feed(d, &s), 0);
		if (i >= 12)
			assert_int_equal(s.findings.n, 0);
		pt_snapshot_free(&s);
	}
	pt_detector_free(d);
}

/* ---- config ---- */

static void test_config(void **state)
{
	struct pt_detect_config cfg;
	char err[512];

	(void)state;
	assert_int_equal(pt_config_parse("{}", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.thr[PT_RULE_RUNQ_LATENCY].warning == 10);
	assert_int_equal(pt_config_parse(
		"{\"interval\":0.5,\"persistence\":0.3,\"window\":20,"
		"\"thresholds\":{\"disk.latency\":{\"warning\":1,\"critical\":2},"
		"\"network.retransmits\":{\"warning\":0.1}},"
		"\"min_samples\":{\"tcp_segs\":10}}", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.interval_s == 0.5 && cfg.persistence == 0.3);
	assert_true(cfg.window_s == 20);
	assert_true(cfg.thr[PT_RULE_DISK_LATENCY].warning == 1);
	assert_true(cfg.thr[PT_RULE_DISK_LATENCY].critical == 2);
	assert_true(cfg.thr[PT_RULE_RETRANSMITS].warning == 0.1);
	assert_true(cfg.thr[PT_RULE_RETRANSMITS].critical == 5);
	assert_true(cfg.min.tcp_segs == 10);

	assert_int_equal(pt_config_parse("{\"intervall\":1}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"intervall\""));
	assert_int_equal(pt_config_parse("{\"interval\":\"1\"}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"interval\""));
	assert_int_equal(pt_config_parse("{\"thresholds\":{\"cpu.nope\":{}}}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cpu.nope"));
	assert_int_equal(pt_config_parse("{\"thresholds\":{\"cpu.pressure\":{\"warn\":1}}}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "thresholds.cpu.pressure.warn"));
	assert_int_equal(pt_config_parse("{\"thresholds\":{\"cpu.pressure\":{\"warning\":true}}}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "thresholds.cpu.pressure.warning"));
	assert_int_equal(pt_config_parse("{\"thresholds\":{\"cpu.pressure\":{\"warning\":60,\"critical\":50}}}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "thresholds.cpu.pressure"));
	/* warning alone above the default critical is also caught */
	assert_int_equal(pt_config_parse("{\"thresholds\":{\"disk.latency\":{\"warning\":300}}}", &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_config_parse("{\"persistence\":0}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "persistence"));
	assert_int_equal(pt_config_parse("{\"min_samples\":{\"disk_ios\":1.5}}", &cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "min_samples.disk_ios"));
	assert_int_equal(pt_config_parse("[1]", &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_config_parse("{\"interval\":", &cfg, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_config_parse("{\"interval\":0.01}", &cfg, err, sizeof(err)), -EINVAL);
}

/* ---- baseline ---- */

static void sum_of(struct pt_summary *sum, double spin_wait_ms, double p99)
{
	struct pt_snapshot s;
	unsigned int i;

	pt_summary_init(sum, true);
	for (i = 1; i <= 4; i++) {
		snap(&s, i);
		/* a different pid each run: matched by comm */
		add_task(&s, 1000 * (uint32_t)spin_wait_ms + i, "spin", 100, p99,
			 (uint64_t)(spin_wait_ms * MS));
		add_task(&s, 7, "steady", 100, 1, 50 * MS);
		add_dev(&s, "vda", 100, p99);
		assert_int_equal(pt_summary_add(sum, &s), 0);
		pt_snapshot_free(&s);
	}
}

static void test_baseline(void **state)
{
	struct pt_summary base, cur;
	struct pt_regression *reg;
	size_t n, i;
	bool wait = false, p99 = false, dev = false;

	(void)state;
	sum_of(&base, 20, 2);
	sum_of(&cur, 600, 12);
	assert_int_equal(pt_summary_compare(&base, &cur, &reg, &n), 0);
	for (i = 0; i < n; i++) {
		assert_string_not_equal(reg[i].name, "steady");
		if (!strcmp(reg[i].metric, "runq_wait_ms_per_s")) {
			wait = true;
			assert_string_equal(reg[i].name, "spin");
			assert_true(reg[i].baseline > 19.9 && reg[i].baseline < 20.1);
			assert_true(reg[i].current > 599.9 && reg[i].current < 600.1);
		}
		p99 |= !strcmp(reg[i].metric, "runq_p99_ms");
		dev |= !strcmp(reg[i].metric, "disk_p99_ms") &&
		       !strcmp(reg[i].name, "vda");
	}
	assert_true(wait && p99 && dev);
	free(reg);
	/* the other way round nothing got worse */
	assert_int_equal(pt_summary_compare(&cur, &base, &reg, &n), 0);
	assert_int_equal(n, 0);
	free(reg);
	pt_summary_free(&base);
	pt_summary_free(&cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges_every_rule),
		cmocka_unit_test(test_wait_rules),
		cmocka_unit_test(test_persistence),
		cmocka_unit_test(test_min_samples),
		cmocka_unit_test(test_retrans_timeout),
		cmocka_unit_test(test_culprit_order),
		cmocka_unit_test(test_culprits_from_active),
		cmocka_unit_test(test_unmeasured),
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_baseline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
