// SPDX-License-Identifier: GPL-2.0
/*
 * The flight recorder's directory: rotation at period boundaries, the size
 * limit never exceeded on disk (summed from st_blocks, not from what the
 * writer believes), oldest files deleted first, age retention, reading the
 * directory back across files with --from/--to, a file cut off mid-line
 * in the middle of a directory; and the parsers of --keep, --max-size,
 * --from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include "trace.h"
#include "trace_rotate.h"
#include "recorder.h"
#include "units.h"

#define S 1000000000ull
/* 2026-11-23T03:00:00Z */
#define T0 1795402800ull

static void test_durations_sizes(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(pt_parse_duration("24h", &v), 0);
	assert_true(v == 24 * 3600 * S);
	assert_int_equal(pt_parse_duration("90", &v), 0);
	assert_true(v == 90 * S);
	assert_int_equal(pt_parse_duration("1.5m", &v), 0);
	assert_true(v == 90 * S);
	assert_int_equal(pt_parse_duration("7d", &v), 0);
	assert_true(v == 7 * 86400 * S);
	assert_int_equal(pt_parse_duration("0.5s", &v), 0);
	assert_true(v == S / 2);
	assert_int_equal(pt_parse_duration("", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("0", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("-1h", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("1hh", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("h", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("inf", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("0x10", &v), -EINVAL);
	assert_int_equal(pt_parse_duration(" 5", &v), -EINVAL);
	assert_int_equal(pt_parse_duration("1e30s", &v), -EINVAL);

	assert_int_equal(pt_parse_size("1G", &v), 0);
	assert_true(v == 1ull << 30);
	assert_int_equal(pt_parse_size("512MiB", &v), 0);
	assert_true(v == 512ull << 20);
	assert_int_equal(pt_parse_size("64k", &v), 0);
	assert_true(v == 64ull << 10);
	assert_int_equal(pt_parse_size("1000", &v), 0);
	assert_true(v == 1000);
	assert_int_equal(pt_parse_size("1.5GB", &v), 0);
	assert_true(v == 3ull << 29);
	assert_int_equal(pt_parse_size("1X", &v), -EINVAL);
	assert_int_equal(pt_parse_size("1Gx", &v), -EINVAL);
	assert_int_equal(pt_parse_size("G", &v), -EINVAL);
	assert_int_equal(pt_parse_size("0.1", &v), -EINVAL);
}

static void test_when(void **state)
{
	uint64_t now = (T0 + 3600 + 120) * S, v;	/* 04:02:00Z */

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(pt_parse_when("2026-11-23T03:10:00Z", now, &v), 0);
	assert_true(v == (T0 + 600) * S);
	assert_int_equal(pt_parse_when("2026-11-23T04:10:00.25+01:00", now, &v), 0);
	assert_true(v == (T0 + 600) * S + S / 4);
	assert_int_equal(pt_parse_when("2026-11-23 03:10", now, &v), 0);
	assert_true(v == (T0 + 600) * S);
	assert_int_equal(pt_parse_when("2026-11-23", now, &v), 0);
	assert_true(v == (T0 - 3 * 3600) * S);
	assert_int_equal(pt_parse_when("03:10", now, &v), 0);
	assert_true(v == (T0 + 600) * S);
	/* later than now today: yesterday's */
	assert_int_equal(pt_parse_when("23:50:30", now, &v), 0);
	assert_true(v == (T0 - 4 * 3600 + 50 * 60 + 30) * S);
	assert_int_equal(pt_parse_when("-15m", now, &v), 0);
	assert_true(v == now - 900 * S);
	assert_int_equal(pt_parse_when("now", now, &v), 0);
	assert_true(v == now);
	assert_int_equal(pt_parse_when("@1700000000", now, &v), 0);
	assert_true(v == 1700000000ull * S);
	/* in a zone east of UTC, a bare clock time is local */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(pt_parse_when("05:02", now, &v), 0);
	assert_true(v == (T0 + 3600 + 120) * S);
	setenv("TZ", "UTC", 1);
	tzset();

	assert_int_equal(pt_parse_when("2026-02-30T00:00:00Z", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("2026-11-23T25:00Z", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("2026-11-23T03:10:00+2", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("3:10", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("yesterday", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("@", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("-", now, &v), -EINVAL);
	assert_int_equal(pt_parse_when("", now, &v), -EINVAL);
}

static void test_seg_names(void **state)
{
	char name[PT_SEG_NAME_MAX];
	uint64_t t;
	unsigned int n;

	(void)state;
	pt_seg_name(T0 * S + 999999999, 0, name, sizeof(name));
	assert_string_equal(name, "perftop-20261123T030000Z.json.gz");
	assert_int_equal(pt_seg_parse_name(name, &t, &n), 0);
	assert_true(t == T0 * S && n == 0);
	pt_seg_name(T0 * S, 12, name, sizeof(name));
	assert_string_equal(name, "perftop-20261123T030000Z-12.json.gz");
	assert_int_equal(pt_seg_parse_name(name, &t, &n), 0);
	assert_int_equal(n, 12);
	assert_int_equal(pt_seg_parse_name("perftop-20261123T030000Z-0.json.gz", &t, &n), -EINVAL);
	assert_int_equal(pt_seg_parse_name("perftop-20261123T030000Z-.json.gz", &t, &n), -EINVAL);
	assert_int_equal(pt_seg_parse_name("perftop-20261123X030000Z.json.gz", &t, &n), -EINVAL);
	assert_int_equal(pt_seg_parse_name("perftop-20261123T030000Z.json", &t, &n), -EINVAL);
	assert_int_equal(pt_seg_parse_name("perftop-2026112T030000Z.json.gz", &t, &n), -EINVAL);
	assert_int_equal(pt_seg_parse_name("other.json.gz", &t, &n), -EINVAL);
}

/* ---- a recorder over a scratch directory ---- */

static char dir[256];

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pt-tracedir-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	chmod(dir, 0700);
	return 0;
}

static int teardown_dir(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static struct pt_header header(void)
{
	struct pt_header h = { .nr_cpus = 2, .interval_ns = S };

	strcpy(h.hostname, "host");
	strcpy(h.kernel, "6.18");
	h.probes[PT_SCHED].requested = h.probes[PT_SCHED].ok = true;
	strcpy(h.probes[PT_SCHED].attach, "tp_btf");
	return h;
}

/* Snapshot seq ending at t (1 s interval), with `tasks` sched records
 * whose names make the line hard to compress. */
static void snap(struct pt_snapshot *s, uint64_t seq, uint64_t t, int tasks)
{
	int i;

	pt_snapshot_reset(s);
	s->seq = seq;
	s->time_ns = t;
	s->ts_ns = t;
	s->interval_ns = S;
	s->families = 1u << PT_SCHED;
	s->sched_sys.runq_count = seq;
	for (i = 0; i < tasks; i++) {
		struct pt_sched_task *k = PT_PUSH(s->sched_tasks);

		k->id.pid = k->id.tgid = (uint32_t)(seq * 1000 + (uint64_t)i);
		snprintf(k->id.comm, sizeof(k->id.comm), "%08lx",
			 (unsigned long)(seq * 2654435761u + (uint64_t)i * 40503u));
		snprintf(k->id.cgroup, sizeof(k->id.cgroup), "/c/%lx",
			 (unsigned long)((seq + 7) * 2246822519u ^ (uint64_t)i));
		k->runq_wait_ns = seq * 7919 + (uint64_t)i;
		k->runq_count = (uint64_t)i;
	}
}

/* What the directory really takes on disk, and its file names. */
static uint64_t du(int *files)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t total = 0;
	char path[600];
	struct stat st;

	*files = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		assert_int_equal(stat(path, &st), 0);
		total += (uint64_t)st.st_blocks * 512;
		(*files)++;
	}
	closedir(d);
	return total;
}

static void test_rotation_and_read(void **state)
{
	struct pt_rotate_opts o = { .dir = dir, .period_ns = 10 * S };
	struct pt_header h = header();
	struct pt_rotator *r = pt_rotator_open(&o, &h);
	struct pt_recording rec;
	struct pt_range range;
	struct pt_snapshot s;
	struct pt_rotate_stats st;
	uint64_t i;
	int files;

	(void)state;
	assert_non_null(r);
	pt_snapshot_init(&s);
	/* 35 intervals from 03:00:00 on: files at :00, :10, :20, :30 */
	for (i = 1; i <= 35; i++) {
		snap(&s, i, (T0 + i) * S, 3);
		assert_int_equal(pt_rotator_write(r, &s), 0);
	}
	assert_int_equal(pt_rotator_close(r, 0), 0);
	du(&files);
	assert_int_equal(files, 4);

	/* the whole directory: every snapshot once, in order */
	assert_int_equal(pt_recording_load(dir, &rec), 0);
	assert_int_equal(rec.nr_snaps, 35);
	for (i = 0; i < 35; i++)
		assert_true(rec.snaps[i].seq == i + 1);
	assert_true(rec.complete);
	assert_string_equal(rec.header.hostname, "host");
	pt_recording_free(&rec);

	/* a range across a file boundary: intervals overlapping
	 * [03:00:08.5, 03:00:21.5] are seq 9 (08-09) to 22 (21-22) */
	range.from_ns = (T0 + 8) * S + S / 2;
	range.to_ns = (T0 + 21) * S + S / 2;
	assert_int_equal(pt_recording_load_range(dir, &range, &rec), 0);
	assert_int_equal(rec.nr_snaps, 14);
	assert_true(rec.snaps[0].seq == 9 && rec.snaps[13].seq == 22);
	pt_recording_free(&rec);

	/* a range in one later file only: the earlier files are not opened
	 * (made unreadable to prove it) */
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/perftop-20261123T030000Z.json.gz", dir);
		assert_int_equal(chmod(p, 0), 0);
		if (geteuid() == 0)	/* root reads anyway: truncate it */
			assert_int_equal(truncate(p, 3), 0);
		range.from_ns = (T0 + 31) * S;
		range.to_ns = (T0 + 33) * S;
		assert_int_equal(pt_recording_load_range(dir, &range, &rec), 0);
		/* intervals 31-32 and 32-33 */
		assert_int_equal(rec.nr_snaps, 2);
		assert_true(rec.snaps[0].seq == 32 && rec.snaps[1].seq == 33);
		pt_recording_free(&rec);
	}

	/* a range the directory does not cover */
	range.from_ns = (T0 + 3600) * S;
	range.to_ns = (T0 + 3700) * S;
	assert_true(pt_recording_load_range(dir, &range, &rec) < 0);
	(void)st;
	pt_snapshot_free(&s);
}

/* The last line of dir's only file, parsed. */
static cJSON *last_line(void)
{
	char path[600], err[200];
	struct pt_trace_reader *rd;
	struct dirent *de;
	cJSON *o, *last = NULL;
	DIR *d = opendir(dir);

	path[0] = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
	closedir(d);
	rd = pt_trace_open(path, err, sizeof(err));
	assert_non_null(rd);
	while (pt_trace_next(rd, &o, err, sizeof(err)) > 0) {
		cJSON_Delete(last);
		last = o;
	}
	pt_trace_close_reader(rd);
	return last;
}

/* Seqs the writer never saw (its caller's queue dropped them) and one
 * dropped after the last line: the line after a gap counts the gap in its
 * loss, the end line counts them all, and reading the directory sums
 * them as any loss kind. */
static void test_dropped_counted(void **state)
{
	static const uint64_t written[] = { 3, 4, 5, 9, 10 };	/* 1-2, 6-8 gone */
	struct pt_rotate_opts o = { .dir = dir, .period_ns = 3600 * S };
	struct pt_header h = header();
	struct pt_rotator *r = pt_rotator_open(&o, &h);
	struct pt_recording rec;
	struct pt_snapshot s;
	cJSON *end;
	size_t i;

	(void)state;
	assert_non_null(r);
	pt_snapshot_init(&s);
	for (i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		snap(&s, written[i], (T0 + written[i]) * S, 1);
		assert_int_equal(pt_rotator_write(r, &s), 0);
	}
	assert_int_equal(pt_rotator_close(r, 12), 0);	/* 11-12 gone */
	pt_snapshot_free(&s);

	assert_int_equal(pt_recording_load(dir, &rec), 0);
	assert_int_equal(rec.nr_snaps, 5);
	assert_true(rec.snaps[0].loss.record_dropped == 2);
	assert_true(rec.snaps[1].loss.record_dropped == 0);
	assert_true(rec.snaps[2].loss.record_dropped == 0);
	assert_true(rec.snaps[3].loss.record_dropped == 3);
	assert_true(rec.snaps[4].loss.record_dropped == 0);
	pt_recording_free(&rec);
	end = last_line();
	assert_string_equal(cJSON_GetObjectItem(end, "type")->valuestring, "end");
	assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(end, "loss"),
					"record_dropped")->valuedouble == 7);
	cJSON_Delete(end);
}

/*
 * serve's flight recorder holds at most 32 MiB of copies (queued and the
 * one being written; one is always taken): ten 24 MiB snapshots pushed
 * back to back, while its writer is still turning the first into a JSON
 * line and compressing it, keep one and drop nine, all counted; bounded
 * by count alone (4 queued) it kept five (one in the writer's hand).
 */
static void test_recorder_bytes(void **state)
{
	struct pt_rotate_opts o = { .dir = dir, .period_ns = 3600 * S };
	struct pt_header h = header();
	struct pt_rotate_stats st;
	struct pt_recorder *r;
	struct pt_snapshot s;
	uint64_t dropped = 0;
	int i, tasks;

	(void)state;
	tasks = (int)((24u << 20) / sizeof(struct pt_sched_task));
	pt_snapshot_init(&s);
	snap(&s, 1, (T0 + 1) * S, tasks);
	assert_true(pt_snapshot_bytes(&s) ==
		    (size_t)tasks * sizeof(struct pt_sched_task));
	r = pt_recorder_start(&o, &h);
	assert_non_null(r);
	for (i = 1; i <= 10; i++) {
		s.seq = (uint64_t)i;
		s.time_ns = s.ts_ns = (T0 + (uint64_t)i) * S;
		pt_recorder_push(r, &s);
	}
	pt_recorder_stats(r, &st, &dropped);
	pt_snapshot_free(&s);
	assert_int_equal(pt_recorder_stop(r), 0);
	/* the writer may have finished one while the last pushes came */
	assert_true(dropped >= 8);
}

static void test_size_limit(void **state)
{
	/* 1 MiB, lines of ~25-40 KiB gzip: many files, oldest deleted */
	struct pt_rotate_opts o = { .dir = dir, .period_ns = 20 * S,
				    .max_bytes = 1ull << 20 };
	struct pt_header h = header();
	struct pt_rotator *r = pt_rotator_open(&o, &h);
	struct pt_rotate_stats st;
	struct pt_recording rec;
	struct pt_snapshot s;
	uint64_t i, max_seen = 0, disk;
	int files;

	(void)state;
	assert_non_null(r);
	pt_snapshot_init(&s);
	for (i = 1; i <= 300; i++) {
		snap(&s, i, (T0 + i) * S, 600);
		assert_int_equal(pt_rotator_write(r, &s), 0);
		disk = du(&files);
		if (disk > max_seen)
			max_seen = disk;
		/* never more than the limit on disk, after every line */
		assert_true(disk <= o.max_bytes);
	}
	pt_rotator_stats(r, &st);
	assert_true(st.files_deleted > 0);
	assert_true(st.dropped == 0);
	/* the writer's own figure is what the disk shows */
	assert_true(st.bytes == du(&files));
	assert_int_equal(pt_rotator_close(r, 0), 0);
	/* the limit was used, not kept far below: over 3/4 of it */
	assert_true(max_seen > o.max_bytes / 4 * 3);

	/* what is left is the newest run of snapshots, without gaps */
	assert_int_equal(pt_recording_load(dir, &rec), 0);
	assert_true(rec.nr_snaps > 10);
	assert_true(rec.snaps[rec.nr_snaps - 1].seq == 300);
	for (i = 1; i < rec.nr_snaps; i++)
		assert_true(rec.snaps[i].seq == rec.snaps[i - 1].seq + 1);
	pt_recording_free(&rec);
	pt_snapshot_free(&s);
}

/* SIGKILL mid-line: a file's last member cut short; the files after it
 * (the restarted daemon's) still read. */
static void test_cut_file_in_dir(void **state)
{
	struct pt_rotate_opts o = { .dir = dir, .period_ns = 3600 * S };
	struct pt_header h = header();
	struct pt_rotator *r = pt_rotator_open(&o, &h);
	struct pt_recording rec;
	struct pt_snapshot s;
	char p[600];
	struct stat st;
	uint64_t i;

	(void)state;
	pt_snapshot_init(&s);
	for (i = 1; i <= 5; i++) {
		snap(&s, i, (T0 + i) * S, 2);
		assert_int_equal(pt_rotator_write(r, &s), 0);
	}
	/* as SIGKILL leaves it: no end line, and the last line torn */
	snprintf(p, sizeof(p), "%s/perftop-20261123T030000Z.json.gz", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(truncate(p, st.st_size - 30), 0);
	/* the restarted recorder: a new file, the old one kept */
	assert_int_equal(pt_rotator_close(r, 0), 0);
	assert_int_equal(truncate(p, st.st_size - 30), 0);	/* close added the end line */
	r = pt_rotator_open(&o, &h);
	assert_non_null(r);
	for (i = 10; i <= 12; i++) {
		snap(&s, i, (T0 + i) * S, 2);
		assert_int_equal(pt_rotator_write(r, &s), 0);
	}
	assert_int_equal(pt_rotator_close(r, 0), 0);
	assert_int_equal(pt_recording_load(dir, &rec), 0);
	/* 1-4 (5 was torn), then 10-12 */
	assert_int_equal(rec.nr_snaps, 7);
	assert_true(rec.snaps[3].seq == 4 && rec.snaps[4].seq == 10);
	assert_true(rec.complete);
	pt_recording_free(&rec);
	pt_snapshot_free(&s);
}

static void test_age_and_lock(void **state)
{
	struct pt_rotate_opts o = { .dir = dir, .period_ns = 10 * S,
				    .keep_ns = 3600 * S };
	struct pt_header h = header();
	struct pt_rotator *r = pt_rotator_open(&o, &h), *r2;
	struct pt_snapshot s;
	uint64_t i, now;
	int files;

	(void)state;
	pt_snapshot_init(&s);
	/* three files from long ago, by their mtime */
	now = (uint64_t)time(NULL) / 10 * 10 * S;	/* files on 10 s boundaries */
	for (i = 1; i <= 25; i++) {
		snap(&s, i, now - 2 * 3600 * S + i * S, 1);
		assert_int_equal(pt_rotator_write(r, &s), 0);
	}
	/* another recorder cannot take the same directory */
	r2 = pt_rotator_open(&o, &h);
	assert_null(r2);
	assert_int_equal(pt_rotator_close(r, 0), 0);
	du(&files);
	assert_int_equal(files, 3);
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		struct timespec old[2] = { { .tv_sec = (time_t)(now / S) - 7200 },
					   { .tv_sec = (time_t)(now / S) - 7200 } };

		while ((de = readdir(d)))
			if (de->d_name[0] != '.')
				utimensat(dirfd(d), de->d_name, old, 0);
		closedir(d);
	}
	/* reopened: what is older than --keep goes at once */
	r = pt_rotator_open(&o, &h);
	assert_non_null(r);
	du(&files);
	assert_int_equal(files, 0);
	snap(&s, 99, now, 1);
	assert_int_equal(pt_rotator_write(r, &s), 0);
	assert_int_equal(pt_rotator_close(r, 0), 0);
	du(&files);
	assert_int_equal(files, 1);
	pt_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations_sizes),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_seg_names),
		cmocka_unit_test_setup_teardown(test_rotation_and_read, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_size_limit, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_dropped_counted, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_recorder_bytes, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_cut_file_in_dir, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_age_and_lock, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
