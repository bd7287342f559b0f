// SPDX-License-Identifier: GPL-2.0
/* The view model: rates, sorting, filtering, grouping, layout widths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "view.h"

struct fixture {
	struct pt_header hdr;
	struct pt_snapshot snap;
	struct pt_view_ctx ctx;
	struct pt_view_state st;
	struct pt_lines lines;
};

static void task_id(struct pt_task_id *id, uint32_t pid, uint32_t tgid,
		    const char *comm, const char *cgroup)
{
	id->pid = pid;
	id->tgid = tgid;
	snprintf(id->comm, sizeof(id->comm), "%s", comm);
	snprintf(id->cgroup, sizeof(id->cgroup), "%s", cgroup);
}

static void add_sched(struct pt_snapshot *s, uint32_t pid, uint32_t tgid,
		      const char *comm, const char *cgroup, uint64_t wait_ns,
		      uint64_t max_ns, uint64_t oncpu_ns)
{
	struct pt_sched_task *t = PT_PUSH(s->sched_tasks);

	assert_non_null(t);
	task_id(&t->id, pid, tgid, comm, cgroup);
	t->runq_wait_ns = wait_ns;
	t->runq_count = 10;
	t->runq_max_ns = max_ns;
	t->runq_p99_ns = max_ns;
	t->oncpu_ns = oncpu_ns;
}

static int setup(void **state)
{
	static struct fixture f;
	int i;

	memset(&f, 0, sizeof(f));
	snprintf(f.hdr.hostname, sizeof(f.hdr.hostname), "testhost");
	snprintf(f.hdr.kernel, sizeof(f.hdr.kernel), "6.1.0-test");
	f.hdr.nr_cpus = 2;
	for (i = 0; i < PT_NR_FAMILIES; i++) {
		f.hdr.probes[i].requested = true;
		f.hdr.probes[i].ok = true;
		snprintf(f.hdr.probes[i].attach, sizeof(f.hdr.probes[i].attach), "tp_btf");
	}
	pt_snapshot_init(&f.snap);
	f.snap.interval_ns = 500000000;	/* 0.5 s: rates are twice the sums */
	f.snap.families = PT_ALL_FAMILIES;
	f.ctx.hdr = &f.hdr;
	f.ctx.snap = &f.snap;
	f.ctx.uptime_s = f.ctx.load1 = f.ctx.cpu_busy = -1;
	f.ctx.interval_ns = f.snap.interval_ns;
	f.ctx.max_banners = -1;
	pt_view_state_init(&f.st);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pt_snapshot_free(&f->snap);
	pt_lines_free(&f->lines);
	return 0;
}

static void body(struct fixture *f, int width)
{
	pt_lines_reset(&f->lines);
	pt_view_body(&f->ctx, &f->st, width, &f->lines);
}

/* Index of the first body line containing needle; -1 if none. */
static int line_of(const struct fixture *f, const char *needle)
{
	size_t i;

	for (i = 0; i < f->lines.n; i++)
		if (strstr(f->lines.v[i].text, needle))
			return (int)i;
	return -1;
}

/* The cell under column `name` in line `row`, trimmed. */
static void cell(const struct fixture *f, int row, const char *name,
		 char *out, size_t len)
{
	const char *hdr = f->lines.v[0].text, *p = strstr(hdr, name);
	const char *text = f->lines.v[row].text;
	int end, start;

	assert_non_null(p);
	/* numbers are right-aligned under their name: read back to a blank */
	end = (int)(p - hdr) + (int)strlen(name);
	if (end > (int)strlen(text))
		end = (int)strlen(text);
	for (start = end; start > 0 && text[start - 1] != ' '; start--)
		;
	snprintf(out, len, "%.*s", end - start, text + start);
}

static void test_formats(void **state)
{
	char b[32];

	(void)state;
	pt_fmt_ns(0, b, sizeof(b));
	assert_string_equal(b, "0");
	pt_fmt_ns(850, b, sizeof(b));
	assert_string_equal(b, "850ns");
	pt_fmt_ns(1500, b, sizeof(b));
	assert_string_equal(b, "1.5us");
	pt_fmt_ns(667e6, b, sizeof(b));
	assert_string_equal(b, "667ms");
	pt_fmt_ns(2.5e9, b, sizeof(b));
	assert_string_equal(b, "2.50s");
	pt_fmt_count(7, b, sizeof(b));
	assert_string_equal(b, "7");
	pt_fmt_count(2.5, b, sizeof(b));
	assert_string_equal(b, "2.5");
	pt_fmt_count(123456, b, sizeof(b));
	assert_string_equal(b, "123k");
	pt_fmt_count(12.5e6, b, sizeof(b));
	assert_string_equal(b, "12.5M");
	pt_fmt_bytes(1000, b, sizeof(b));
	assert_string_equal(b, "1000");
	pt_fmt_bytes(1536, b, sizeof(b));
	assert_string_equal(b, "1.5K");
	pt_fmt_bytes(300.0 * 1024 * 1024, b, sizeof(b));
	assert_string_equal(b, "300M");
}

/* wait/s = runq_wait_ns / interval; CPU% = oncpu_ns / interval * 100. */
static void test_sched_rates_and_order(void **state)
{
	struct fixture *f = *state;
	char v[32];
	int a, b, c;

	add_sched(&f->snap, 101, 101, "small", "/", 1000000, 500000, 0);
	add_sched(&f->snap, 102, 102, "big", "/", 250000000, 3000000, 100000000);
	add_sched(&f->snap, 103, 103, "middle", "/", 50000000, 1000000, 400000000);
	body(f, 120);
	assert_non_null(strstr(f->lines.v[0].text, "WAIT/s"));
	a = line_of(f, "big");
	b = line_of(f, "middle");
	c = line_of(f, "small");
	assert_true(a > 0 && a < b && b < c);
	cell(f, a, "WAIT/s", v, sizeof(v));
	assert_string_equal(v, "500ms");	/* 250 ms waited in 0.5 s */
	cell(f, a, "CPU%", v, sizeof(v));
	assert_string_equal(v, "20.0");
	cell(f, a, "MAX", v, sizeof(v));
	assert_string_equal(v, "3.0ms");
	/* the sort column is highlighted in the column header */
	assert_int_equal(f->lines.v[0].hl_attr, PT_A_SORT);
	assert_int_equal(strncmp(f->lines.v[0].text + f->lines.v[0].hl_start +
				 f->lines.v[0].hl_len - 6, "WAIT/s", 6), 0);

	/* > moves the sort to WAITS, then P99, MAX, CPU% */
	pt_view_sort_step(&f->st, 1);
	pt_view_sort_step(&f->st, 1);
	pt_view_sort_step(&f->st, 1);
	pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "CPU%");
	body(f, 120);
	assert_true(line_of(f, "middle") < line_of(f, "big"));
	/* then the wait causes, RUN% .. SLP% */
	pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "RUN%");
	for (a = 0; a < 5; a++)
		pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "SLP%");
	/* hypervisor steal, the switch rates */
	pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "STL%");
	pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "VCSW/s");
	pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "ICSW/s");
	/* and wraps around to the first visible column */
	pt_view_sort_step(&f->st, 1);
	assert_string_equal(pt_view_sort_name(&f->st), "TID");
	f->st.processes = true;		/* TID hidden: sort falls back */
	assert_string_equal(pt_view_sort_name(&f->st), "WAIT/s");
}

/* Wait causes as % of the interval; the wait sites below the threads. */
static void test_wait_causes(void **state)
{
	struct fixture *f = *state;
	struct pt_sched_task *t;
	struct pt_sched_site *x;
	char v[32];
	int a;

	add_sched(&f->snap, 811, 811, "payments", "/", 1000000, 500000, 0);
	t = &f->snap.sched_tasks.v[0];
	t->io_ns = 320000000;		/* 0.32 s of a 0.5 s interval */
	t->lock_ns = 50000000;
	x = PT_PUSH(f->snap.sched_sites);
	task_id(&x->id, 811, 811, "payments", "/");
	strcpy(x->wait, "io");
	strcpy(x->site, "io_schedule <- blk_mq_get_tag");
	x->ns = 320000000;
	x->waits = 40;
	body(f, 200);
	a = line_of(f, "payments");
	cell(f, a, "IO%", v, sizeof(v));
	assert_string_equal(v, "64.0");
	cell(f, a, "LOCK%", v, sizeof(v));
	assert_string_equal(v, "10.0");
	assert_true(line_of(f, "Wait sites") > a);
	assert_true(line_of(f, "io_schedule <- blk_mq_get_tag") > line_of(f, "Wait sites"));
}

static void test_processes_merge_threads(void **state)
{
	struct fixture *f = *state;
	char v[32];
	int row;

	add_sched(&f->snap, 201, 200, "worker", "/app", 100000000, 2000000, 0);
	add_sched(&f->snap, 200, 200, "server", "/app", 50000000, 9000000, 0);
	add_sched(&f->snap, 300, 300, "other", "/", 120000000, 1000000, 0);
	f->st.processes = true;
	body(f, 120);
	assert_null(strstr(f->lines.v[0].text, "TID "));
	assert_int_equal(line_of(f, "worker"), -1);	/* named by its main thread */
	row = line_of(f, "server");
	assert_true(row > 0);
	assert_true(row < line_of(f, "other"));		/* 300 ms/s > 240 ms/s */
	cell(f, row, "WAIT/s", v, sizeof(v));
	assert_string_equal(v, "300ms");		/* sum of threads */
	cell(f, row, "MAX", v, sizeof(v));
	assert_string_equal(v, "9.0ms");		/* max of threads */
	cell(f, row, "WAITS", v, sizeof(v));
	assert_string_equal(v, "20");
}

static void test_cgroup_group_and_filter(void **state)
{
	struct fixture *f = *state;
	char v[32];
	int row;

	add_sched(&f->snap, 1, 1, "a", "/system.slice/db.service", 10000000, 1, 0);
	add_sched(&f->snap, 2, 2, "b", "/system.slice/db.service", 30000000, 1, 0);
	add_sched(&f->snap, 3, 3, "Web", "/user.slice", 5000000, 1, 0);
	f->st.by_cgroup = true;
	body(f, 200);	/* room for the full cgroup beside every column */
	row = line_of(f, "db.service");
	assert_true(row > 0);
	assert_non_null(strstr(f->lines.v[row].text, "(2 tasks)"));
	cell(f, row, "WAIT/s", v, sizeof(v));
	assert_string_equal(v, "80.0ms");
	assert_true(line_of(f, "user.slice") > row);

	f->st.by_cgroup = false;
	snprintf(f->st.filter, sizeof(f->st.filter), "WEB");	/* any case */
	body(f, 120);
	assert_true(line_of(f, "Web") > 0);
	assert_int_equal(line_of(f, "db.service"), -1);
	snprintf(f->st.filter, sizeof(f->st.filter), "db.serv");	/* cgroup */
	body(f, 120);
	assert_int_equal(line_of(f, "Web"), -1);
	assert_true(line_of(f, " a ") > 0 && line_of(f, " b ") > 0);
	snprintf(f->st.filter, sizeof(f->st.filter), "nomatch");
	body(f, 120);
	assert_true(line_of(f, "nothing matches") > 0);
}

static void fill_everything(struct pt_snapshot *s)
{
	struct pt_block_dev *d = PT_PUSH(s->block_devs);
	struct pt_block_task *bt = PT_PUSH(s->block_tasks);
	struct pt_fault_task *ft = PT_PUSH(s->fault_tasks);
	struct pt_tcp_conn *c = PT_PUSH(s->tcp_conns);
	struct pt_finding *fi = PT_PUSH(s->findings);
	char longcg[PT_CGROUP_MAX];
	int i;

	memset(longcg, 'x', sizeof(longcg) - 1);
	longcg[0] = '/';
	longcg[sizeof(longcg) - 1] = '\0';
	add_sched(s, 4000000, 4000000, "bad\x01\xff""comm", longcg, 1e9, 1e9, 1e9);
	snprintf(d->dev, sizeof(d->dev), "nvme0n1p1");
	d->read_ios = 100;
	d->read_bytes = 409600;
	d->lat_p99_ns = 2500000;
	task_id(&bt->id, 7, 7, "dd", longcg);
	bt->ios = 100;
	task_id(&ft->id, 8, 8, "faulter", longcg);
	ft->major = 3;
	ft->minor = 1000;
	task_id(&c->id, 9, 9, "curl", "/");
	c->family = 6;
	snprintf(c->saddr, sizeof(c->saddr), "fe80::1234:5678:9abc:def0:1234");
	snprintf(c->daddr, sizeof(c->daddr), "2001:db8::ffff:ffff:ffff:ffff");
	c->sport = 54321;
	c->dport = 443;
	c->retransmits = 5;
	c->segs_out = 50;
	c->events = PT_TCP_F_CONNECT | PT_TCP_F_RESET;
	fi->severity = PT_SEV_CRITICAL;
	snprintf(fi->rule, sizeof(fi->rule), "cpu.runq_latency");
	snprintf(fi->subsystem, sizeof(fi->subsystem), "cpu");
	for (i = 0; i < (int)sizeof(fi->summary) - 1; i++)
		fi->summary[i] = i % 7 ? 'w' : ' ';
	fi->nr_culprits = 1;
	fi->culprits[0].kind = PT_CULPRIT_TASK;
	task_id(&fi->culprits[0].task, 4000000, 4000000, "spin", longcg);
}

static void check_widths(const struct pt_lines *l, int width)
{
	size_t i;
	const char *p;

	for (i = 0; i < l->n; i++) {
		if ((int)strlen(l->v[i].text) > width)
			fail_msg("width %d: line %zu is %zu wide: '%s'", width, i,
				 strlen(l->v[i].text), l->v[i].text);
		for (p = l->v[i].text; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
		assert_true(l->v[i].hl_start + l->v[i].hl_len <=
			    (int)strlen(l->v[i].text) || !l->v[i].hl_len);
	}
}

/* No line is ever wider than asked, in any view, at any width. */
static void test_every_line_fits(void **state)
{
	struct fixture *f = *state;
	int width, v;

	fill_everything(&f->snap);
	for (width = 8; width <= 300; width += (width < 100 ? 1 : 37)) {
		pt_lines_reset(&f->lines);
		pt_view_header(&f->ctx, width, &f->lines);
		pt_view_tabs(&f->ctx, &f->st, width, &f->lines);
		check_widths(&f->lines, width);
		for (v = 0; v < PT_NR_VIEWS; v++) {
			f->st.view = (enum pt_view_id)v;
			f->st.processes = width % 2;
			f->st.by_cgroup = width % 3 == 0;
			body(f, width);
			check_widths(&f->lines, width);
		}
	}
	/* at 80 columns the scheduler view keeps its figures */
	f->st.view = PT_VIEW_SCHED;
	f->st.processes = f->st.by_cgroup = false;
	body(f, 80);
	assert_non_null(strstr(f->lines.v[0].text, "CPU%"));
	assert_non_null(strstr(f->lines.v[0].text, "TID"));
	/* a long cgroup keeps its informative end */
	assert_non_null(strstr(f->lines.v[1].text, "..xxx"));
	assert_non_null(strstr(f->lines.v[1].text, "bad??comm"));
}

static void test_tcp_and_block(void **state)
{
	struct fixture *f = *state;
	char v[32];
	int row;

	fill_everything(&f->snap);
	f->st.view = PT_VIEW_TCP;
	body(f, 200);
	row = line_of(f, "curl");
	assert_true(row > 0);
	assert_non_null(strstr(f->lines.v[row].text, "[2001:db8::ffff:ffff:ffff:ffff]:443"));
	cell(f, row, "RETR%", v, sizeof(v));
	assert_string_equal(v, "10.0");
	assert_non_null(strstr(f->lines.v[row].text, " CR"));

	f->st.view = PT_VIEW_BLOCK;
	body(f, 200);
	assert_int_equal(line_of(f, "Devices"), 0);
	row = line_of(f, "nvme0n1p1");
	assert_true(row > 0);
	assert_non_null(strstr(f->lines.v[row].text, "800K"));	/* 400K in 0.5 s */
	assert_true(line_of(f, "Issuing tasks") > row);
	assert_true(line_of(f, " dd") > line_of(f, "Issuing tasks"));
}

static void test_header_findings_and_missing(void **state)
{
	struct fixture *f = *state;
	struct pt_finding *w;
	int i;

	fill_everything(&f->snap);
	for (i = 0; i < 4; i++) {
		w = PT_PUSH(f->snap.findings);
		w->severity = PT_SEV_WARNING;
		snprintf(w->rule, sizeof(w->rule), "disk.latency");
		snprintf(w->summary, sizeof(w->summary), "vda is slow %d", i);
	}
	f->snap.loss.ringbuf_drops = 7;
	f->ctx.max_banners = 3;
	pt_lines_reset(&f->lines);
	pt_view_header(&f->ctx, 100, &f->lines);
	assert_int_equal(f->lines.v[3].attr, PT_A_CRIT);
	assert_int_equal(f->lines.v[4].attr, PT_A_WARN);
	assert_true(line_of(f, "+3 more findings") == 5);
	assert_int_equal((int)f->lines.n, 6);
	/* loss in a warning colour */
	i = line_of(f, "LOSS: ringbuf_drops 7  probes:");
	assert_true(i > 0);
	assert_int_equal(f->lines.v[i].hl_attr, PT_A_WARN);
	/* every kind of the field table, by its name, zeros left out */
	f->snap.loss.tcp_owner_unknown = 2;
	pt_lines_reset(&f->lines);
	pt_view_header(&f->ctx, 100, &f->lines);
	assert_true(line_of(f, "LOSS: ringbuf_drops 7 tcp_owner_unknown 2  probes:") > 0);
	f->snap.loss.tcp_owner_unknown = 0;

	f->st.view = PT_VIEW_FINDINGS;
	body(f, 100);
	assert_true(line_of(f, "CRITICAL") == 0);
	assert_true(line_of(f, "culprits: spin (tid 4000000") > 0);

	f->hdr.probes[PT_TCP].ok = false;
	snprintf(f->hdr.probes[PT_TCP].error, sizeof(f->hdr.probes[PT_TCP].error),
		 "attach failed: EPERM");
	f->snap.families &= ~(1u << PT_TCP);
	f->st.view = PT_VIEW_TCP;
	body(f, 100);
	assert_true(line_of(f, "tcp probes are off: attach failed: EPERM") == 0);
	pt_lines_reset(&f->lines);
	pt_view_header(&f->ctx, 200, &f->lines);
	assert_true(line_of(f, "tcp=OFF") > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test_setup_teardown(test_sched_rates_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_causes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_processes_merge_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_group_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_line_fits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_and_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_findings_and_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
