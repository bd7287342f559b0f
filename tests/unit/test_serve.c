// SPDX-License-Identifier: GPL-2.0
/*
 * serve's pure parts: the exposition writer in both formats (escaping,
 * UTF-8, numbers, counters' and info metrics' names), content
 * negotiation, --listen parsing, the top-N label sets (exact totals: the
 * tracked series plus "other" add up to what went in, whatever the number
 * of keys), and a /metrics page over a snapshot of 10,000 threads with
 * 10,000 names staying within its series bound.
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

#include "expo.h"
#include "pt_hist.h"
#include "http.h"
#include "listen.h"
#include "metrics.h"
#include "topn.h"

static char *render(void (*fn)(struct pt_expo *), enum pt_expo_fmt fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct pt_expo e;

	pt_expo_init(&e, f, fmt);
	fn(&e);
	assert_int_equal(pt_expo_finish(&e), 0);
	fclose(f);
	return buf;
}

static void sample_page(struct pt_expo *e)
{
	const struct pt_label l[] = {
		{ "comm", "a\"b\\c\nd\xff" },	/* quote, backslash, newline, bad byte */
	};
	const double bounds[] = { 0.001, 0.5 };
	const uint64_t cum[] = { 3, 7 };

	pt_expo_family(e, "t_wait_seconds", PT_METRIC_COUNTER, "seconds",
		       "Help with \\ and \" and\nnewline.");
	pt_expo_sample(e, l, 1, 1.5);
	pt_expo_family(e, "t_build", PT_METRIC_INFO, NULL, "Info.");
	pt_expo_sample(e, NULL, 0, 1);
	pt_expo_family(e, "t_lat_seconds", PT_METRIC_HISTOGRAM, "seconds", "H.");
	pt_expo_histogram(e, NULL, 0, bounds, cum, 2, 9, 1.25);
	pt_expo_family(e, "t_g", PT_METRIC_GAUGE, NULL, "G.");
	pt_expo_sample(e, NULL, 0, 0.1);
	pt_expo_sample(e, NULL, 0, 123456789012.0);
	pt_expo_sample(e, NULL, 0, 1.0 / 3);
}

static void test_expo(void **state)
{
	char *t = render(sample_page, PT_EXPO_TEXT);
	char *om = render(sample_page, PT_EXPO_OPENMETRICS);
	double third;

	(void)state;
	/* text 0.0.4: the family is the sample's name; no UNIT, no EOF */
	assert_non_null(strstr(t, "# HELP t_wait_seconds_total Help with \\\\ and \" and\\nnewline.\n"));
	assert_non_null(strstr(t, "# TYPE t_wait_seconds_total counter\n"));
	assert_non_null(strstr(t, "t_wait_seconds_total{comm=\"a\\\"b\\\\c\\nd\xef\xbf\xbd\"} 1.5\n"));
	assert_non_null(strstr(t, "# TYPE t_build_info gauge\nt_build_info 1\n"));
	assert_non_null(strstr(t, "t_lat_seconds_bucket{le=\"0.001\"} 3\n"
				  "t_lat_seconds_bucket{le=\"0.5\"} 7\n"
				  "t_lat_seconds_bucket{le=\"+Inf\"} 9\n"
				  "t_lat_seconds_sum 1.25\nt_lat_seconds_count 9\n"));
	assert_non_null(strstr(t, "t_g 0.1\nt_g 123456789012\n"));
	assert_null(strstr(t, "# UNIT"));
	assert_null(strstr(t, "# EOF"));
	/* the shortest decimal that reads back exactly */
	assert_non_null(strstr(t, "t_g 0.3333333333333333\n"));
	assert_true(sscanf(strstr(t, "t_g 0.333") + 4, "%lf", &third) == 1 &&
		    third == 1.0 / 3);
	/* OpenMetrics: counters and info named without their suffix */
	assert_non_null(strstr(om, "# HELP t_wait_seconds Help with \\\\ and \\\" and\\nnewline.\n"));
	assert_non_null(strstr(om, "# TYPE t_wait_seconds counter\n# UNIT t_wait_seconds seconds\n"));
	assert_non_null(strstr(om, "\nt_wait_seconds_total{comm="));
	assert_non_null(strstr(om, "# TYPE t_build info\nt_build_info 1\n"));
	assert_true(strlen(om) > 6 && !strcmp(om + strlen(om) - 6, "# EOF\n"));
	assert_true(pt_expo_name_ok("perftop_x:y_1"));
	assert_false(pt_expo_name_ok("1x"));
	assert_false(pt_expo_name_ok("a-b"));
	free(t);
	free(om);
}

static void test_accept(void **state)
{
	(void)state;
	/* what Prometheus 2.x sends */
	assert_true(pt_http_wants_openmetrics(
		"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	assert_true(pt_http_wants_openmetrics("application/openmetrics-text"));
	assert_true(pt_http_wants_openmetrics("text/plain;q=0.2, application/openmetrics-text; version=0.0.1 ; q=0.9"));
	assert_false(pt_http_wants_openmetrics(NULL));
	assert_false(pt_http_wants_openmetrics(""));
	assert_false(pt_http_wants_openmetrics("*/*"));
	assert_false(pt_http_wants_openmetrics("text/plain;version=0.0.4"));
	/* a tie goes to the text format */
	assert_false(pt_http_wants_openmetrics("application/openmetrics-text, text/plain"));
	/* a version we do not write, a q of 0, a broken q */
	assert_false(pt_http_wants_openmetrics("application/openmetrics-text;version=2.0.0"));
	assert_false(pt_http_wants_openmetrics("application/openmetrics-text;q=0"));
	assert_false(pt_http_wants_openmetrics("application/openmetrics-text;q=x"));
	assert_false(pt_http_wants_openmetrics(",,,;;;=,q=,/"));
}

static void test_listen(void **state)
{
	struct pt_listen l;
	char err[160];

	(void)state;
	assert_int_equal(pt_listen_parse("127.0.0.1:19273", 0600, &l, err, sizeof(err)), 0);
	assert_int_equal(l.port, 19273);
	assert_int_equal(pt_listen_parse("[::1]:80", 0600, &l, err, sizeof(err)), 0);
	assert_int_equal(l.port, 80);
	assert_int_equal(pt_listen_parse(":9", 0600, &l, err, sizeof(err)), 0);
	assert_int_equal(pt_listen_parse("localhost:0", 0600, &l, err, sizeof(err)), 0);
	assert_int_equal(pt_listen_parse("unix:/run/x.sock", 0660, &l, err, sizeof(err)), 0);
	assert_string_equal(l.path, "/run/x.sock");
	assert_int_equal(l.mode, 0660);
	assert_int_equal(pt_listen_parse("127.0.0.1", 0600, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_listen_parse("127.0.0.1:65536", 0600, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_listen_parse("127.0.0.1:+1", 0600, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_listen_parse("host.example:80", 0600, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_listen_parse("[::1:80", 0600, &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_listen_parse("unix:rel", 0600, &l, err, sizeof(err)), -EINVAL);
	{
		char longp[300];

		memset(longp, 'a', sizeof(longp));
		memcpy(longp, "unix:/", 6);
		longp[sizeof(longp) - 1] = '\0';
		assert_int_equal(pt_listen_parse(longp, 0600, &l, err, sizeof(err)), -EINVAL);
	}
}

#define S 1000000000ull

static void test_topn(void **state)
{
	struct pt_topn *t = pt_topn_new(10, 2);
	double total[2] = { 0 }, got[2];
	char key[32];
	size_t i, k;
	uint64_t now = 1000 * S;

	(void)state;
	/* 5000 keys, weights 1..5000: the 10 heaviest get series */
	for (i = 1; i <= 5000; i++) {
		double v[2] = { (double)i, 1 };

		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(pt_topn_add(t, key, v, (double)i), 0);
		total[0] += v[0];
		total[1] += v[1];
	}
	/* a key twice in one interval adds up */
	{
		double v[2] = { 1, 1 };

		assert_int_equal(pt_topn_add(t, "k5000", v, 1), 0);
		total[0] += 1;
		total[1] += 1;
	}
	pt_topn_commit(t, now);
	assert_int_equal(pt_topn_count(t), 10);
	for (i = 0; i < pt_topn_count(t); i++) {
		int n = atoi(pt_topn_key(t, i) + 1);

		assert_true(n > 4990);
		if (n == 5000)
			assert_true(pt_topn_vals(t, i)[0] == 5001);
	}
	/* exact: the series and "other" hold everything, once */
	for (k = 0; k < 2; k++) {
		got[k] = pt_topn_other(t)[k];
		for (i = 0; i < pt_topn_count(t); i++)
			got[k] += pt_topn_vals(t, i)[k];
		assert_true(got[k] == total[k]);
	}
	/* a minute later, the members still busy at their rates: a
	 * newcomer 3x the weakest one's rate takes its place; one only 1.5x
	 * does not */
	now += 61 * S;
	{
		double v[2] = { 1, 0 };

		for (i = 4991; i <= 5000; i++) {
			snprintf(key, sizeof(key), "k%zu", i);
			pt_topn_add(t, key, v, (double)i * 61);
		}
		pt_topn_add(t, "hot", v, 4991.0 * 61 * 3);
		pt_topn_add(t, "warm", v, 4991.0 * 61 * 1.5);
	}
	pt_topn_commit(t, now);
	assert_int_equal(pt_topn_count(t), 10);
	{
		bool hot = false, warm = false;

		for (i = 0; i < pt_topn_count(t); i++) {
			hot |= !strcmp(pt_topn_key(t, i), "hot");
			warm |= !strcmp(pt_topn_key(t, i), "warm");
		}
		assert_true(hot && !warm);
	}
	assert_int_equal(pt_topn_evictions(t), 1);
	/* ten idle minutes later every member has left */
	now += 601 * S;
	pt_topn_commit(t, now);
	assert_int_equal(pt_topn_count(t), 0);
	pt_topn_free(t);
}

/* 10,000 threads with 10,000 command names and 2,000 cgroups: the page
 * keeps to --top; every task's wait is in some series. */
static void test_metrics_bound(void **state)
{
	struct pt_metrics *m = pt_metrics_new(10);
	struct pt_header h = { .interval_ns = S };
	struct pt_self_cost self = { .nr_progs = 0 };
	struct pt_http_stats hs = { .connections = 0 };
	struct pt_detect_config cfg;
	struct pt_metrics_ctx ctx = { .version = "t", .header = &h,
				      .cfg = &cfg, .self = &self, .http = &hs };
	struct pt_snapshot s;
	char *buf = NULL;
	size_t len = 0, i, lines = 0;
	double waited = 0;
	FILE *f;
	struct pt_expo e;
	int round;

	(void)state;
	pt_detect_defaults(&cfg);
	h.probes[PT_SCHED].requested = h.probes[PT_SCHED].ok = true;
	pt_snapshot_init(&s);
	for (round = 0; round < 3; round++) {
		pt_snapshot_reset(&s);
		s.families = 1u << PT_SCHED;
		s.interval_ns = S;
		s.loss.block_untracked = 2;
		s.loss.tcp_owner_unknown = 1;
		s.loss.loss_unread = (uint64_t)round;
		for (i = 0; i < 10000; i++) {
			struct pt_sched_task *t = PT_PUSH(s.sched_tasks);

			t->id.pid = (uint32_t)(i + 1);
			snprintf(t->id.comm, sizeof(t->id.comm), "c%zu-%u", i % 100000,
				 (unsigned int)round % 10);
			snprintf(t->id.cgroup, sizeof(t->id.cgroup), "/g%zu", i % 2000);
			t->runq_wait_ns = 1000 + i;
			t->runq_count = 1;
			waited += (double)t->runq_wait_ns;
		}
		assert_int_equal(pt_metrics_add(m, &s), 0);
	}
	f = open_memstream(&buf, &len);
	pt_expo_init(&e, f, PT_EXPO_TEXT);
	assert_int_equal(pt_metrics_render(m, &ctx, &e), 0);
	fclose(f);
	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	/* the whole page, not just sched: a few hundred lines at most */
	assert_true(lines < 600);
	assert_true(e.samples < 400);
	/* every loss kind, summed since start */
	assert_non_null(strstr(buf, "perftop_loss_total{kind=\"block_untracked\"} 6\n"));
	assert_non_null(strstr(buf, "perftop_loss_total{kind=\"tcp_owner_unknown\"} 3\n"));
	assert_non_null(strstr(buf, "perftop_loss_total{kind=\"loss_unread\"} 3\n"));
	assert_non_null(strstr(buf, "perftop_loss_total{kind=\"block_reaped\"} 0\n"));
	assert_non_null(strstr(buf, "perftop_loss_total{kind=\"alloc_failed\"} 0\n"));
	{
		/* sum over the command series = everything waited */
		double sum = 0, v;
		char *p = buf;

		while ((p = strstr(p, "\nperftop_command_runq_wait_seconds_total{"))) {
			p = strchr(p, '}') + 2;
			sscanf(p, "%lf", &v);
			sum += v;
		}
		assert_true(sum > 0);
		assert_true(sum * 1e9 > waited * 0.999999 && sum * 1e9 < waited * 1.000001);
	}
	free(buf);
	pt_snapshot_free(&s);
	pt_metrics_free(m);
}

/* The Prometheus fold against the values themselves: each value lands in
 * the first bucket whose bound is above it (a value at a bound goes up:
 * the kernel's buckets start at powers of two). */
static void test_lat_hist(void **state)
{
	uint32_t fine[PT_HIST_BUCKETS] = { 0 };
	uint64_t want[PT_LE_BUCKETS] = { 0 }, le[PT_LE_BUCKETS], sum = 0, v = 1;
	struct pt_lat_hist h = { .count = 0 };
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 2000; i++) {
		v = v * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t x = (v >> 20) % (1ull << (i % 40));

		fine[pt_hist_bucket(x)]++;
		sum += x;
		for (k = 0; k < PT_LE_BUCKETS - 1 && x >= pt_le_bound_ns(k); k++)
			;
		want[k]++;
	}
	pt_lat_hist_add_fine(&h, fine, sum);
	assert_true(h.count == 2000 && h.sum_ns == sum);
	pt_lat_hist_fold_le(&h, le);
	for (k = 0; k < PT_LE_BUCKETS; k++)
		if (le[k] != want[k])
			fail_msg("bucket %u (< %llu ns): %llu, want %llu", k,
				 (unsigned long long)pt_le_bound_ns(k),
				 (unsigned long long)le[k],
				 (unsigned long long)want[k]);
	assert_true(pt_le_bound_ns(0) == 1024);
	assert_true(pt_le_bound_ns(PT_LE_BUCKETS - 2) == 1ull << 35);
	assert_true(pt_le_bound_ns(PT_LE_BUCKETS - 1) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expo),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_topn),
		cmocka_unit_test(test_metrics_bound),
		cmocka_unit_test(test_lat_hist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
