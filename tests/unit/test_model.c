// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the pure snapshot model and the shared histogram. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#include "model.h"
#include "pt_hist.h"
#include "util.h"

static void test_bucket_bounds(void **state)
{
	uint64_t v;

	(void)state;
	/* Every value lies in [lower(b), lower(b+1)) of its own bucket. */
	for (v = 0; v < (1ull << 36); v = v < 4096 ? v + 1 : v + v / 977 + 1) {
		uint32_t b = pt_hist_bucket(v);

		assert_true(b < PT_HIST_BUCKETS);
		assert_true(pt_hist_lower(b) <= v);
		if (b + 1 < PT_HIST_BUCKETS)
			assert_true(v < pt_hist_lower(b + 1));
	}
	assert_int_equal(pt_hist_bucket(UINT64_MAX), PT_HIST_BUCKETS - 1);
	assert_int_equal(pt_log2(1), 0);
	assert_int_equal(pt_log2(1ull << 40), 40);
	assert_int_equal(pt_log2((1ull << 40) - 1), 39);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Percentiles from the histogram stay within 10% of the exact ones
 * (the design bound is 6.25%), over distributions spanning decades. */
static void check_percentiles(uint64_t (*gen)(unsigned int *), unsigned int seed)
{
	static uint64_t vals[20000];
	static struct pt_lat_hist hist;
	const double qs[] = { 0.5, 0.9, 0.99 };
	uint64_t max = 0;
	size_t i, n = sizeof(vals) / sizeof(vals[0]);

	memset(&hist, 0, sizeof(hist));
	for (i = 0; i < n; i++) {
		vals[i] = gen(&seed);
		pt_lat_hist_add_value(&hist, vals[i]);
		if (vals[i] > max)
			max = vals[i];
	}
	qsort(vals, n, sizeof(vals[0]), cmp_u64);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = vals[(size_t)(qs[i] * n + 0.999999) - 1];
		uint64_t got = pt_hist_percentile(&hist, qs[i], max);
		double err = exact ? (double)(got > exact ? got - exact : exact - got) / exact : 0;

		if (err > 0.10)
			fail_msg("q=%.2f exact=%llu got=%llu err=%.1f%%", qs[i],
				 (unsigned long long)exact, (unsigned long long)got,
				 err * 100);
	}
}

static uint64_t gen_log_uniform(unsigned int *seed)
{
	/* 1 us .. 1 s, log-uniform */
	double e = 3 + 6.0 * rand_r(seed) / RAND_MAX;
	double v = 1;

	while (e >= 1) {
		v *= 10;
		e -= 1;
	}
	return (uint64_t)(v * (1 + 9 * e / 10));
}

static uint64_t gen_narrow(unsigned int *seed)
{
	return 50000 + (uint64_t)(rand_r(seed) % 1000);
}

static uint64_t gen_bimodal(unsigned int *seed)
{
	return rand_r(seed) % 100 < 95 ? 2000 + rand_r(seed) % 500 :
					 5000000 + rand_r(seed) % 1000000;
}

static void test_percentile_accuracy(void **state)
{
	(void)state;
	check_percentiles(gen_log_uniform, 1);
	check_percentiles(gen_log_uniform, 7);
	check_percentiles(gen_narrow, 3);
	check_percentiles(gen_bimodal, 5);
}

static void test_percentile_edges(void **state)
{
	struct pt_lat_hist hist = { .count = 0 };

	(void)state;
	assert_int_equal(pt_hist_percentile(&hist, 0.99, 0), 0);
	pt_lat_hist_add_value(&hist, 1000);
	/* one sample: clamped to the exact max */
	assert_int_equal(pt_hist_percentile(&hist, 0.99, 1000), 1000);
	pt_lat_hist_add_value(&hist, 7);
	assert_int_equal(pt_hist_percentile(&hist, 0.5, 1000), 7);
}

static void test_parse_families(void **state)
{
	unsigned int mask;
	const char *bad;
	size_t len;

	(void)state;
	assert_int_equal(pt_parse_families("sched,tcp", &mask, &bad, &len), 0);
	assert_int_equal(mask, (1u << PT_SCHED) | (1u << PT_TCP));
	assert_int_equal(pt_parse_families("sched,disk", &mask, &bad, &len), -22);
	assert_int_equal(len, 4);
	assert_memory_equal(bad, "disk", 4);
	assert_int_equal(pt_parse_families("", &mask, &bad, &len), -22);
	assert_int_equal(pt_parse_families("schedx", &mask, &bad, &len), -22);
}

static void test_snapshot_lifecycle(void **state)
{
	struct pt_snapshot s, copy;
	struct pt_sched_task *t;
	int i;

	(void)state;
	pt_snapshot_init(&s);
	for (i = 0; i < 100; i++) {
		t = PT_PUSH(s.sched_tasks);
		assert_non_null(t);
		t->id.pid = (uint32_t)i;
		t->runq_wait_ns = (uint64_t)(i * 37 % 101);
	}
	pt_snapshot_sort(&s);
	for (i = 1; i < 100; i++)
		assert_true(s.sched_tasks.v[i - 1].runq_wait_ns >=
			    s.sched_tasks.v[i].runq_wait_ns);
	assert_int_equal(pt_snapshot_copy(&copy, &s), 0);
	assert_int_equal(copy.sched_tasks.n, 100);
	assert_true(pt_snapshot_bytes(&copy) ==
		    100 * sizeof(struct pt_sched_task));
	assert_ptr_not_equal(copy.sched_tasks.v, s.sched_tasks.v);
	pt_snapshot_reset(&s);
	assert_int_equal(s.sched_tasks.n, 0);
	assert_true(s.sched_tasks.cap >= 100);	/* allocation kept */
	assert_true(s.pressure.cpu < 0);
	pt_snapshot_free(&s);
	pt_snapshot_free(&copy);
}

static void test_loss(void **state)
{
	struct pt_loss sum = { .ringbuf_drops = 1, .map_full = 2,
			       .storage_fail = 3, .attach_failed = 1,
			       .block_untracked = 5, .loss_unread = 1 },
		       add = { .ringbuf_drops = 10, .map_full = 20,
			       .storage_fail = 30, .attach_failed = 1,
			       .cgroups_skipped = 4, .block_untracked = 50,
			       .block_reaped = 2, .tcp_owner_unknown = 3,
			       .alloc_failed = 6, .loss_unread = 1 },
		       d;

	(void)state;
	pt_loss_add(&sum, &add);
	assert_int_equal(sum.ringbuf_drops, 11);
	assert_int_equal(sum.map_full, 22);
	assert_int_equal(sum.storage_fail, 33);
	assert_int_equal(sum.attach_failed, 1);	/* a level, not a count */
	assert_int_equal(sum.cgroups_skipped, 4);
	assert_int_equal(sum.block_untracked, 55);
	assert_int_equal(sum.block_reaped, 2);
	assert_int_equal(sum.tcp_owner_unknown, 3);
	assert_int_equal(sum.alloc_failed, 6);
	assert_int_equal(sum.loss_unread, 2);
	assert_int_equal(pt_loss_total(&sum), 11 + 22 + 33 + 1 + 4 + 55 + 2 + 3 + 6 + 2);
	/* an interval's loss: each counter's growth */
	pt_loss_delta(&d, &sum, &add);
	assert_int_equal(d.ringbuf_drops, 1);
	assert_int_equal(d.block_untracked, 5);
	assert_int_equal(d.tcp_owner_unknown, 0);
	assert_int_equal(d.loss_unread, 1);
}

/* A failed read of a loss map keeps the last value read, and is counted:
 * read as zero, the collector's delta (now - prev) wrapped to ~2^64. */
static void test_loss_read_failed(void **state)
{
	uint64_t vals[2] = { 3, 4 }, last = 0, unread = 0, prev, now;

	(void)state;
	prev = pt_loss_read_kind(0, vals, 2, &last, &unread);
	assert_int_equal(prev, 7);
	vals[0] = 999;		/* what a failed lookup leaves: anything */
	now = pt_loss_read_kind(-ENOMEM, vals, 2, &last, &unread);
	assert_int_equal(now, 7);
	assert_int_equal(now - prev, 0);	/* not 2^64 - 7 */
	assert_int_equal(unread, 1);
	vals[0] = 5;
	now = pt_loss_read_kind(0, vals, 2, &last, &unread);
	assert_int_equal(now - prev, 2);	/* counted when read again */
	assert_int_equal(unread, 1);
}

/* A test-only setting is used only when whole and in range: a stray or
 * bad one must not shrink a table to 0 or grow it (atoi("x") was 0,
 * atoi("-1") 4294967295 as a uint32). */
static void test_test_env(void **state)
{
	static const char *bad[] = { "", "x", "-1", "+3", " 3", "3x", "0",
				     "16385", "99999999999999999999999" };
	uint64_t v = 7;
	size_t i;

	(void)state;
	unsetenv("PERFTOP_TEST_UNIT");
	assert_false(pt_test_env("PERFTOP_TEST_UNIT", 1, 16384, &v));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("PERFTOP_TEST_UNIT", bad[i], 1);
		assert_false(pt_test_env("PERFTOP_TEST_UNIT", 1, 16384, &v));
		assert_int_equal(v, 7);
	}
	setenv("PERFTOP_TEST_UNIT", "1", 1);
	assert_true(pt_test_env("PERFTOP_TEST_UNIT", 1, 16384, &v));
	assert_int_equal(v, 1);
	setenv("PERFTOP_TEST_UNIT", "16384", 1);
	assert_true(pt_test_env("PERFTOP_TEST_UNIT", 1, 16384, &v));
	assert_int_equal(v, 16384);
	unsetenv("PERFTOP_TEST_UNIT");
}

/* Fill n connections into the interval's array, then end the interval. */
static void fill_conns(struct pt_snapshot *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct pt_tcp_conn *c = PT_PUSH(s->tcp_conns);

		assert_non_null(c);
		c->sport = (uint16_t)i;
	}
	assert_int_equal(s->tcp_conns.v[n - 1].sport, (uint16_t)(n - 1));
	pt_snapshot_reset(s);
}

/* A reused array follows the intervals' need down as well as up: one busy
 * interval (a connection storm) does not keep its size for good. */
static void test_snapshot_trim(void **state)
{
	struct pt_snapshot s;
	size_t big;

	(void)state;
	pt_snapshot_init(&s);
	fill_conns(&s, 20000);
	big = s.tcp_conns.cap;
	assert_true(big >= 20000);
	assert_true(big * sizeof(struct pt_tcp_conn) >= PT_TRIM_BYTES);
	fill_conns(&s, big / 4);	/* a quarter: kept */
	assert_int_equal(s.tcp_conns.cap, big);
	fill_conns(&s, big / 4 - 1);	/* under a quarter: twice that */
	assert_int_equal(s.tcp_conns.cap, 2 * (big / 4 - 1));
	fill_conns(&s, 100);
	assert_true(s.tcp_conns.cap * sizeof(struct pt_tcp_conn) < PT_TRIM_BYTES);
	big = s.tcp_conns.cap;
	fill_conns(&s, 1);		/* small blocks stay */
	assert_int_equal(s.tcp_conns.cap, big);
	pt_snapshot_free(&s);
}

/* A copy into a reused snapshot equals the source and follows its size. */
static void test_snapshot_copy_into(void **state)
{
	struct pt_snapshot src, dst;
	size_t i, n;

	(void)state;
	pt_snapshot_init(&src);
	pt_snapshot_init(&dst);
	for (n = 20000; n; n = n > 10 ? n / 100 : 0) {
		pt_snapshot_reset(&src);
		for (i = 0; i < n; i++) {
			struct pt_tcp_conn *c = PT_PUSH(src.tcp_conns);

			assert_non_null(c);
			c->sport = (uint16_t)(i + n);
		}
		src.seq = n;
		assert_int_equal(pt_snapshot_copy_into(&dst, &src), 0);
		assert_int_equal(dst.seq, n);
		assert_int_equal(dst.tcp_conns.n, n);
		assert_ptr_not_equal(dst.tcp_conns.v, src.tcp_conns.v);
		assert_memory_equal(dst.tcp_conns.v, src.tcp_conns.v,
				    n * sizeof(struct pt_tcp_conn));
		assert_int_equal(dst.sched_tasks.n, 0);
		if (n < 20000)	/* 200 of a 20000 block: given back */
			assert_true(dst.tcp_conns.cap <= 2 * n ||
				    dst.tcp_conns.cap * sizeof(struct pt_tcp_conn) < PT_TRIM_BYTES);
	}
	pt_snapshot_free(&src);
	pt_snapshot_free(&dst);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_percentile_accuracy),
		cmocka_unit_test(test_percentile_edges),
		cmocka_unit_test(test_parse_families),
		cmocka_unit_test(test_snapshot_lifecycle),
		cmocka_unit_test(test_snapshot_trim),
		cmocka_unit_test(test_snapshot_copy_into),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_loss_read_failed),
		cmocka_unit_test(test_test_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
