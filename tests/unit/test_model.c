// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the pure snapshot model and the shared histogram. */
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
	uint32_t hist[PT_HIST_BUCKETS] = { 0 };
	const double qs[] = { 0.5, 0.9, 0.99 };
	uint64_t max = 0;
	size_t i, n = sizeof(vals) / sizeof(vals[0]);

	for (i = 0; i < n; i++) {
		vals[i] = gen(&seed);
		hist[pt_hist_bucket(vals[i])]++;
		if (vals[i] > max)
			max = vals[i];
	}
	qsort(vals, n, sizeof(vals[0]), cmp_u64);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = vals[(size_t)(qs[i] * n + 0.999999) - 1];
		uint64_t got = pt_hist_percentile(hist, n, qs[i], max);
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
	uint32_t hist[PT_HIST_BUCKETS] = { 0 };

	(void)state;
	assert_int_equal(pt_hist_percentile(hist, 0, 0.99, 0), 0);
	hist[pt_hist_bucket(1000)] = 1;
	/* one sample: clamped to the exact max */
	assert_int_equal(pt_hist_percentile(hist, 1, 0.99, 1000), 1000);
	hist[pt_hist_bucket(7)] = 1;
	assert_int_equal(pt_hist_percentile(hist, 2, 0.5, 1000), 7);
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
	struct pt_loss sum = { 1, 2, 3, 1 }, add = { 10, 20, 30, 1 };

	(void)state;
	pt_loss_add(&sum, &add);
	assert_int_equal(sum.ringbuf_drops, 11);
	assert_int_equal(sum.map_full, 22);
	assert_int_equal(sum.storage_fail, 33);
	assert_int_equal(sum.attach_failed, 1);	/* a level, not a count */
	assert_int_equal(pt_loss_total(&sum), 67);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_bounds),
		cmocka_unit_test(test_percentile_accuracy),
		cmocka_unit_test(test_percentile_edges),
		cmocka_unit_test(test_parse_families),
		cmocka_unit_test(test_snapshot_lifecycle),
		cmocka_unit_test(test_loss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
