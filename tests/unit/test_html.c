// SPDX-License-Identifier: GPL-2.0
/*
 * The HTML report's chart data over a small synthetic trace whose values
 * are known by construction: the series drawn, the scales, the buckets of
 * a long recording, the shaded spans (which must be exactly the intervals
 * the detection found active), culprit timelines, escaping of hostile
 * names, and the output file (never half-written, never through a link,
 * never over a file without --force).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "detect.h"
#include "html_chart.h"
#include "html_impl.h"
#include "outfile.h"
#include "report.h"
#include "summary.h"
#include "util.h"

#define MS 1000000ull
#define SEC 1000000000ull
#define T0 1700000000ull	/* 2023-11-14T22:13:20Z */
#define N 12
#define HOT_FIRST 4		/* intervals 4..9 contended */
#define HOT_LAST 9

static bool hot(size_t i)
{
	return i >= HOT_FIRST && i <= HOT_LAST;
}

static void add_task(struct pt_snapshot *s, uint32_t pid, const char *comm,
		     uint64_t wait_ns)
{
	struct pt_sched_task *t = PT_PUSH(s->sched_tasks);

	t->id.pid = t->id.tgid = pid;
	strcpy(t->id.comm, comm);
	t->runq_count = 100;
	t->runq_p99_ns = 30 * MS;
	t->runq_wait_ns = wait_ns;
}

/*
 * 12 one-second intervals.  Run-queue p99 2 ms, 30 ms in intervals 4..9
 * (6 of 12: exactly the persistence needed, so cpu.runq_latency fires at
 * WARNING); "hog" waits 600 ms/s and a task with markup and an escape in
 * its name 100 ms/s there; PSI cpu 5%; vda 3 ms p99 except no I/O in
 * interval 2; 7 ring-buffer drops in interval 5; threads runnable 1.2 s
 * and blocked on I/O 0.5 s per second in hot intervals, else nothing.
 */
static void trace(struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < N; i++) {
		pt_snapshot_init(&s[i]);
		s[i].seq = i + 1;
		s[i].interval_ns = SEC;
		s[i].time_ns = (T0 + i + 1) * SEC;
		s[i].ts_ns = (i + 1) * SEC;
		s[i].families = PT_ALL_FAMILIES;
		s[i].pressure.cpu = 5;
		s[i].pressure.memory = s[i].pressure.io = 0;
		s[i].sched_sys.runq_count = 200;
		s[i].sched_sys.runq_p99_ns = (hot(i) ? 30 : 2) * MS;
		if (hot(i)) {
			add_task(&s[i], 77, "hog", 600 * MS);
			add_task(&s[i], 78, "<b>&x\x1b", 100 * MS);
			s[i].sched_sys.runnable_ns = 1200 * MS;
			s[i].sched_sys.io_ns = 500 * MS;
		}
		if (i != 2) {
			struct pt_block_dev *d = PT_PUSH(s[i].block_devs);

			strcpy(d->dev, "vda");
			d->read_ios = 50;
			d->lat_p99_ns = 3 * MS;
		}
		if (i == 5)
			s[i].loss.ringbuf_drops = 7;
	}
}

/* What `perftop report` computes over the trace, kept for the page. */
struct fixture {
	struct pt_snapshot s[N];
	struct pt_detect_config cfg;
	struct pt_header h;
	struct pt_window *win;
	struct pt_summary sum;
	struct pt_report r;
	struct pt_html_input in;
	struct pt_timebase tb;
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));
	size_t i;

	trace(x->s);
	pt_detect_defaults(&x->cfg);
	strcpy(x->h.hostname, "db<1>");
	strcpy(x->h.kernel, "6.18.0");
	x->h.nr_cpus = 2;
	x->h.interval_ns = SEC;
	x->h.start_time_ns = T0 * SEC;
	x->win = pt_window_new(&x->cfg);
	pt_summary_init(&x->sum, false);
	for (i = 0; i < N; i++) {
		assert_int_equal(pt_window_add(x->win, &x->s[i]), 0);
		assert_int_equal(pt_summary_add(&x->sum, &x->s[i]), 0);
	}
	x->r = (struct pt_report){ .command = "report", .source = "t.json",
				   .header = &x->h, .cfg = &x->cfg,
				   .win = x->win, .sum = &x->sum };
	assert_int_equal(pt_window_findings(x->win, &x->r.findings,
					    &x->r.nr_findings), 0);
	pt_report_decide(&x->r);
	x->in = (struct pt_html_input){ .r = &x->r, .snaps = x->s,
					.nr_snaps = N, .version = "test" };
	assert_int_equal(pt_timebase_init(&x->tb, x->s, N, PT_HTML_BUCKETS), 0);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;
	size_t i;

	pt_timebase_free(&x->tb);
	pt_window_free(x->win);
	pt_summary_free(&x->sum);
	for (i = 0; i < N; i++)
		pt_snapshot_free(&x->s[i]);
	free(x);
	return 0;
}

static const struct pt_chart *chart(const struct pt_html_chart *v, size_t n,
				    const char *id)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!strcmp(v[k].c.id, id))
			return &v[k].c;
	fail_msg("no chart %s", id);
	return NULL;
}

static void test_verdict_is_detections(void **state)
{
	struct fixture *x = *state;

	/* the page draws what detection decided; the fixture's premise */
	assert_int_equal(x->r.status, PT_EXIT_WARNING);
	assert_int_equal(x->r.nr_findings, 1);
	assert_string_equal(x->r.findings[0].f.rule, "cpu.runq_latency");
	assert_int_equal(x->r.findings[0].active, 6);
	assert_string_equal(x->r.findings[0].f.culprits[0].task.comm, "hog");
}

static void test_timebase(void **state)
{
	struct fixture *x = *state;
	size_t i;

	assert_int_equal(x->tb.n, N);
	assert_int_equal(x->tb.nb, N);		/* short: one bucket each */
	assert_int_equal(x->tb.t0, T0 * SEC);
	assert_int_equal(x->tb.t1, (T0 + N) * SEC);
	for (i = 0; i < N; i++) {
		assert_int_equal(pt_bucket_start(&x->tb, i), (T0 + i) * SEC);
		assert_int_equal(pt_bucket_end(&x->tb, i), (T0 + i + 1) * SEC);
		assert_false(pt_bucket_gap_before(&x->tb, i));
	}
}

static void test_runq_chart(void **state)
{
	struct fixture *x = *state;
	struct pt_html_chart *v;
	const struct pt_chart *c;
	size_t n, i;

	assert_int_equal(pt_html_charts(&x->in, &x->tb, &v, &n), 0);
	c = chart(v, n, "runq");
	assert_int_equal(c->ns, 2);
	for (i = 0; i < N; i++) {
		double want = hot(i) ? 30 : 2;

		/* what the rule judged (system p99 here, the threads' own
		 * p99 is 30 too) and the system-wide p99 */
		assert_float_equal(c->s[0].v[i], want, 1e-9);
		assert_float_equal(c->s[1].v[i], want, 1e-9);
	}
	assert_float_equal(c->s[0].max, 30, 1e-9);
	assert_int_equal(c->s[0].max_at, HOT_FIRST);
	assert_float_equal(c->s[0].mean, (6 * 30 + 6 * 2) / 12.0, 1e-9);
	/* scale: 30 ms rounds up to 50, grid every 10; both thresholds */
	assert_float_equal(c->ymax, 50, 1e-9);
	assert_float_equal(c->ystep, 10, 1e-9);
	assert_float_equal(c->warn, 10, 1e-9);
	assert_float_equal(c->crit, 50, 1e-9);
	/* one span, exactly the active intervals, at their wall clock */
	assert_int_equal(c->sev, PT_SEV_WARNING);
	assert_int_equal(c->nr_spans, 1);
	assert_int_equal(c->spans[0].first, HOT_FIRST);
	assert_int_equal(c->spans[0].last, HOT_LAST);
	assert_int_equal(c->spans[0].start, (T0 + HOT_FIRST) * SEC);
	assert_int_equal(c->spans[0].end, (T0 + HOT_LAST + 1) * SEC);

	/* a rule that did not fire: thresholds drawn, nothing shaded; the
	 * warning line stays on the scale (5% data, 20% warning) */
	c = chart(v, n, "psi-cpu");
	assert_int_equal(c->nr_spans, 0);
	assert_float_equal(c->s[0].v[0], 5, 1e-9);
	assert_float_equal(c->ymax, 20, 1e-9);
	assert_float_equal(c->ystep, 5, 1e-9);

	/* a device without I/O has no latency: a gap, not a zero */
	c = chart(v, n, "disk");
	assert_string_equal(c->s[0].label, "vda p99");
	assert_true(isnan(c->s[0].v[2]));
	assert_float_equal(c->s[0].v[3], 3, 1e-9);
	assert_int_equal(c->s[0].count, N - 1);

	/* wait causes: stacked, threads' worth of waiting per cause */
	c = chart(v, n, "waits");
	assert_true(c->stacked);
	assert_int_equal(c->ns, 5);
	assert_string_equal(c->s[0].label, "runnable, waiting for a CPU");
	assert_float_equal(c->s[0].v[HOT_FIRST], 1.2, 1e-9);
	assert_float_equal(c->s[0].v[0], 0, 1e-9);
	assert_float_equal(c->s[2].v[HOT_FIRST], 0.5, 1e-9);
	assert_float_equal(c->s[1].v[HOT_FIRST], 0, 1e-9);

	/* loss is stacked, per kind */
	c = chart(v, n, "loss");
	assert_true(c->stacked);
	assert_float_equal(c->s[0].v[5], 7, 1e-9);
	assert_float_equal(c->s[0].v[4], 0, 1e-9);
	assert_float_equal(c->ymax, 10, 1e-9);
	pt_html_charts_free(v, n);
}

static void test_culprit_values(void **state)
{
	struct fixture *x = *state;
	const struct pt_finding *f = &x->r.findings[0].f;
	double v[N];
	size_t i;

	pt_culprit_values(x->s, N, PT_RULE_RUNQ_LATENCY, &f->culprits[0], v);
	for (i = 0; i < N; i++)		/* ms waited per s; idle is 0 */
		assert_float_equal(v[i], hot(i) ? 600 : 0, 1e-9);
	pt_culprit_values(x->s, N, PT_RULE_CPU_PRESSURE, &f->culprits[1], v);
	assert_float_equal(v[HOT_FIRST], 10, 1e-9);	/* 100 ms of 1 s */
	x->s[HOT_FIRST].interval_ns = 2 * SEC;
	pt_culprit_values(x->s, N, PT_RULE_RUNQ_LATENCY, &f->culprits[0], v);
	assert_float_equal(v[HOT_FIRST], 300, 1e-9);	/* 600 ms in 2 s */
	x->s[HOT_FIRST].interval_ns = SEC;
	x->s[0].families &= ~(1u << PT_SCHED);
	pt_culprit_values(x->s, N, PT_RULE_RUNQ_LATENCY, &f->culprits[0], v);
	assert_true(isnan(v[0]));	/* not recorded is not idle */
	x->s[0].families |= 1u << PT_SCHED;
}

/* --baseline: what got worse, per interval, by name (all threads of a
 * comm), in the metric's unit. */
static void test_regression_values(void **state)
{
	struct fixture *x = *state;
	struct pt_summary base, cur;
	struct pt_regression *reg = NULL;
	struct pt_snapshot quiet[N];
	size_t n = 0, i, k, found = 0;
	double v[N];

	trace(quiet);	/* only the first two (quiet) go into the baseline */
	pt_summary_init(&base, true);
	pt_summary_init(&cur, true);
	for (i = 0; i < 2; i++)
		assert_int_equal(pt_summary_add(&base, &quiet[i]), 0);
	for (i = 0; i < N; i++)
		assert_int_equal(pt_summary_add(&cur, &x->s[i]), 0);
	assert_int_equal(pt_summary_compare(&base, &cur, &reg, &n), 0);
	for (k = 0; k < n; k++) {
		if (strcmp(reg[k].name, "hog"))
			continue;
		/* 2 s intervals: a rate is per second, a p99 is not */
		for (i = 0; i < N; i++)
			x->s[i].interval_ns = 2 * SEC;
		pt_regression_values(x->s, N, &reg[k], v);
		for (i = 0; i < N; i++) {
			if (!strcmp(reg[k].metric, "runq_wait_ms_per_s"))
				assert_float_equal(v[i], hot(i) ? 300 : 0, 1e-9);
			else if (hot(i))	/* runq_p99_ms */
				assert_float_equal(v[i], 30, 1e-9);
			else		/* no waits: no p99, not 0 */
				assert_true(isnan(v[i]));
		}
		found++;
	}
	assert_int_equal(found, 2);
	free(reg);
	pt_summary_free(&base);
	pt_summary_free(&cur);
	for (i = 0; i < N; i++)
		pt_snapshot_free(&quiet[i]);
}

static void test_buckets(void **state)
{
	struct pt_snapshot *s = calloc(1000, sizeof(*s));
	struct pt_timebase tb;
	struct pt_chart c;
	struct pt_series *ser;
	bool active[1000] = { false };
	size_t i;
	int err = 0;

	(void)state;
	for (i = 0; i < 1000; i++) {
		s[i].interval_ns = SEC;
		s[i].time_ns = (T0 + i + 1) * SEC;
	}
	/* 1000 intervals into at most 480 buckets: 3 each, the last alone */
	assert_int_equal(pt_timebase_init(&tb, s, 1000, 480), 0);
	assert_int_equal(tb.nb, 334);
	assert_int_equal(tb.first[1], 3);
	assert_int_equal(tb.first[333], 999);
	pt_chart_init(&c, &tb, "t", "t", "ms");
	ser = pt_chart_series(&c, "v", &err);
	assert_non_null(ser);
	for (i = 0; i < 1000; i++)
		ser->v[i] = (double)(i % 7);	/* peaks between buckets */
	ser->v[500] = 1000;			/* one spike */
	active[500] = true;
	assert_int_equal(pt_chart_spans(&c, active), 0);
	assert_int_equal(pt_chart_finish(&c), 0);
	/* a bucket shows its worst interval: the spike is never averaged
	 * away, and the span keeps its single interval exactly */
	assert_float_equal(ser->bmax[500 / 3], 1000, 1e-9);
	assert_float_equal(ser->bmax[0], 2, 1e-9);
	assert_float_equal(ser->bmean[0], 1, 1e-9);
	assert_float_equal(ser->max, 1000, 1e-9);
	assert_float_equal(c.ymax, 1000, 1e-9);
	assert_int_equal(c.nr_spans, 1);
	assert_int_equal(c.spans[0].first, 500);
	assert_int_equal(c.spans[0].last, 500);
	assert_int_equal(c.spans[0].start, (T0 + 500) * SEC);
	pt_chart_free(&c);
	pt_timebase_free(&tb);
	free(s);
}

static void test_gaps_and_clock(void **state)
{
	struct pt_snapshot s[6] = { 0 };
	bool active[6] = { true, true, true, true, true, true };
	struct pt_timebase tb;
	struct pt_chart c;
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		s[i].interval_ns = SEC;
		s[i].time_ns = (T0 + i + 1 + (i >= 3 ? 9 : 0)) * SEC;
	}
	/* the recording paused 9 s before interval 3: a new bucket even
	 * where one would hold all six, and two spans, not one */
	assert_int_equal(pt_timebase_init(&tb, s, 6, 1), 0);
	assert_int_equal(tb.nb, 2);
	assert_int_equal(tb.first[1], 3);
	assert_true(pt_bucket_gap_before(&tb, 1));
	pt_chart_init(&c, &tb, "t", "t", "ms");
	assert_int_equal(pt_chart_spans(&c, active), 0);
	assert_int_equal(c.nr_spans, 2);
	assert_int_equal(c.spans[0].end, (T0 + 3) * SEC);
	assert_int_equal(c.spans[1].start, (T0 + 12) * SEC);
	pt_chart_free(&c);
	pt_timebase_free(&tb);

	/* the wall clock stepped back 5 s at interval 2: held, not reversed */
	for (i = 0; i < 6; i++)
		s[i].time_ns = (T0 + i + 1 - (i >= 2 ? 5 : 0)) * SEC;
	assert_int_equal(pt_timebase_init(&tb, s, 6, 480), 0);
	for (i = 1; i < 6; i++) {
		assert_true(tb.start[i] >= tb.end[i - 1]);
		assert_true(tb.end[i] >= tb.start[i]);
	}
	assert_true(tb.t1 > tb.t0);
	pt_timebase_free(&tb);
	assert_int_equal(pt_timebase_init(&tb, s, 0, 480), -EINVAL);
}

static void test_scales(void **state)
{
	(void)state;
	assert_float_equal(pt_nice_ceil(0), 1, 1e-12);
	assert_float_equal(pt_nice_ceil(-3), 1, 1e-12);
	assert_float_equal(pt_nice_ceil(NAN), 1, 1e-12);
	assert_float_equal(pt_nice_ceil(0.3), 0.5, 1e-12);
	assert_float_equal(pt_nice_ceil(1), 1, 1e-12);
	assert_float_equal(pt_nice_ceil(1.01), 2, 1e-12);
	assert_float_equal(pt_nice_ceil(2.2), 2.5, 1e-12);
	assert_float_equal(pt_nice_ceil(36.4), 50, 1e-9);
	assert_float_equal(pt_nice_ceil(51), 100, 1e-9);
	assert_float_equal(pt_nice_ceil(30990), 50000, 1e-6);
	assert_float_equal(pt_nice_step(50), 10, 1e-9);
	assert_float_equal(pt_nice_step(20), 5, 1e-9);
	assert_float_equal(pt_nice_step(2.5), 0.5, 1e-9);
	assert_float_equal(pt_nice_step(100), 20, 1e-9);
	assert_float_equal(pt_nice_step(0.5), 0.1, 1e-9);
	/* time ticks: at most 8 */
	assert_int_equal(pt_time_step_ns(20 * SEC, 8), 5 * SEC);
	assert_int_equal(pt_time_step_ns(3600 * SEC, 8), 600 * SEC);
	assert_int_equal(pt_time_step_ns(2 * SEC, 8), 500 * MS);
	assert_int_equal(pt_time_step_ns(7 * 86400 * SEC, 8), 86400 * SEC);
}

static char *render(const struct pt_html_input *in, size_t *len)
{
	char *buf = NULL;
	FILE *m = open_memstream(&buf, len);

	assert_non_null(m);
	assert_int_equal(pt_html_write(m, in), 0);
	fclose(m);
	return buf;
}

static void test_page(void **state)
{
	struct fixture *x = *state;
	size_t len;
	char *page = render(&x->in, &len);

	/* the span in the DOM, with its exact interval boundaries */
	assert_non_null(strstr(page, "<rect class=\"span warning\" data-rule=\"cpu.runq_latency\" "
				     "data-start=\"2023-11-14T22:13:24.000Z\" "
				     "data-end=\"2023-11-14T22:13:30.000Z\" data-intervals=\"6\""));
	/* culprits, the hostile one as text: markup escaped, ESC replaced */
	assert_non_null(strstr(page, "<span class=\"culprit\">hog[77]</span>"));
	assert_non_null(strstr(page, "&lt;b&gt;&amp;x\xef\xbf\xbd[78]"));
	assert_null(strstr(page, "<b>&x"));
	assert_null(strchr(page, '\x1b'));
	assert_non_null(strstr(page, "db&lt;1&gt;"));
	/* self-contained: nothing to fetch, no script */
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, " src="));
	assert_non_null(strstr(page, "default-src 'none'"));
	assert_non_null(strstr(page, "<span class=\"badge warning\">WARNING</span>"));
	free(page);

	/* no interval at all: still a page, saying so */
	x->in.nr_snaps = 0;
	page = render(&x->in, &len);
	assert_non_null(strstr(page, "No interval was recorded."));
	x->in.nr_snaps = N;
	free(page);
}

static void test_escape(void **state)
{
	char *buf = NULL;
	size_t len;
	FILE *m = open_memstream(&buf, &len);

	(void)state;
	/* markup, a quote, valid UTF-8 kept; a lone byte, a C0 and a C1
	 * control, a noncharacter and an overlong '/' become U+FFFD */
	pt_html_esc(m, "<a href='x'>\"&\" \xc3\xa9 \xff \x01 \xc2\x85 \xef\xbf\xbf \xc0\xaf");
	fclose(m);
	assert_string_equal(buf, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot; \xc3\xa9 "
				 "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd "
				 "\xef\xbf\xbd\xef\xbf\xbd");
	free(buf);
}

static void test_numbers(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(pt_html_num(0, b, sizeof(b)), "0");
	assert_string_equal(pt_html_num(0.5, b, sizeof(b)), "0.5");
	assert_string_equal(pt_html_num(2, b, sizeof(b)), "2");
	assert_string_equal(pt_html_num(16.04, b, sizeof(b)), "16");
	assert_string_equal(pt_html_num(16.14, b, sizeof(b)), "16.1");
	assert_string_equal(pt_html_num(2.575, b, sizeof(b)), "2.58");
	assert_string_equal(pt_html_num(30990, b, sizeof(b)), "30990");
	assert_string_equal(pt_html_num(0.0042, b, sizeof(b)), "0.0042");
	assert_string_equal(pt_html_num(NAN, b, sizeof(b)), "n/a");
	assert_string_equal(pt_html_clock((T0 + 4) * SEC + 879 * MS, true, b, sizeof(b)),
			    "22:13:24.879");
	assert_string_equal(pt_html_duration(20 * SEC, b, sizeof(b)), "20.0 s");
	assert_string_equal(pt_html_duration(3600 * SEC, b, sizeof(b)), "1 h 0 min");
}

/* ---- the output file ---- */

static char dir[64];

static char *path(const char *name)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");

	fputs(text, f);
	fclose(f);
}

static const char *get(const char *name)
{
	static char buf[256];
	FILE *f = fopen(path(name), "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Entries of the directory: no temporary file may be left behind. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.' || strncmp(e->d_name, ".perftop-", 9) == 0;
	closedir(d);
	return n;
}

static int write_file(const char *name, bool force, const char *text)
{
	struct pt_outfile o;
	int err = pt_outfile_open(&o, path(name), force, "--html");

	if (err)
		return err;
	fputs(text, o.f);
	return pt_outfile_commit(&o);
}

static void test_outfile(void **state)
{
	struct pt_outfile o;
	struct stat st;

	(void)state;
	strcpy(dir, "/tmp/pt-html-unit.XXXXXX");
	assert_non_null(mkdtemp(dir));

	assert_int_equal(write_file("a.html", false, "one"), 0);
	assert_string_equal(get("a.html"), "one");
	assert_int_equal(stat(path("a.html"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* exists: refused without force, replaced with it */
	assert_int_equal(write_file("a.html", false, "two"), -EEXIST);
	assert_string_equal(get("a.html"), "one");
	assert_int_equal(write_file("a.html", true, "two"), 0);
	assert_string_equal(get("a.html"), "two");

	/* a link planted at the path: never written through */
	put("victim", "keep");
	assert_int_equal(symlink(path("victim"), path("link.html")), 0);
	assert_int_equal(write_file("link.html", false, "x"), -EEXIST);
	assert_int_equal(write_file("link.html", true, "x"), 0);
	assert_string_equal(get("victim"), "keep");
	assert_int_equal(lstat(path("link.html"), &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* a file that appears while we write is not replaced either */
	assert_int_equal(pt_outfile_open(&o, path("late.html"), false, "--html"), 0);
	fputs("ours", o.f);
	put("late.html", "theirs");
	assert_int_equal(pt_outfile_commit(&o), -EEXIST);
	assert_string_equal(get("late.html"), "theirs");

	/* a directory, a missing directory; abort leaves nothing */
	assert_int_equal(mkdir(path("d.html"), 0700), 0);
	assert_int_equal(write_file("d.html", true, "x"), -EISDIR);
	assert_int_equal(write_file("nodir/x.html", false, "x"), -ENOENT);
	assert_int_equal(pt_outfile_open(&o, path("gone.html"), false, "--html"), 0);
	fputs("never", o.f);
	pt_outfile_abort(&o);
	assert_null(get("gone.html"));
	/* a.html, victim, link.html, late.html, d.html; no .perftop-* */
	assert_int_equal(entries(), 5);

	rmdir(path("d.html"));
	unlink(path("a.html"));
	unlink(path("victim"));
	unlink(path("link.html"));
	unlink(path("late.html"));
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verdict_is_detections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timebase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runq_chart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_culprit_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regression_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page, setup, teardown),
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_gaps_and_clock),
		cmocka_unit_test(test_scales),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_outfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
