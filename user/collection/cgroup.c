// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup limits and stall counters, v1 and v2 (docs/cgroups.md).
 *
 * In view: the cgroups of the snapshot's task records and OOM victims,
 * their ancestors that set a limit (a quota on /a throttles the tasks of
 * /a/b, and only /a's cpu.stat counts it), and for a few intervals the
 * ones whose tasks are gone.  Each is read once per interval:
 *
 *   what            v2 (dir on the cgroup2 mount)     v1 (dir on each controller's mount)
 *   CPU quota       cpu.max                           cpu.cfs_quota_us, cpu.cfs_period_us
 *   throttling      cpu.stat nr_periods, nr_throttled, throttled_usec | throttled_time (ns)
 *   CPU used        cpu.stat usage_usec               cpuacct.usage
 *   memory limit    memory.max, memory.high (lower)   memory.limit_in_bytes
 *   usage           memory.current                    memory.usage_in_bytes
 *   OOM kills       memory.events oom_kill            memory.oom_control oom_kill
 *   refaults        memory.stat workingset_refault_{anon,file}   total_workingset_refault_*
 *   I/O limit       io.max (any value but max)        blkio.throttle.*_device (any line)
 *   PSI             {cpu,memory,io}.pressure total=   (none on v1)
 *
 * On v1 the naming hierarchy is cpu's; a task's memory, cpuacct and blkio
 * cgroups come from /proc/<member>/cgroup (usually the same path).
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "sysinfo.h"
#include "keyindex.h"
#include "family.h"
#include "names.h"
#include "util.h"

/* Keep reading a cgroup this many intervals after its last task left. */
#define KEEP_INTERVALS 3
/* At most this many cgroups read per interval (10 small files each):
 * the rest are counted in the snapshot's loss (cgroups_skipped). */
#define MAX_CGROUPS 1024

enum ctr {
	C_USAGE, C_PERIODS, C_THROTTLED, C_THROTTLED_NS, C_OOM, C_REFAULT,
	C_PSI_CPU, C_PSI_MEM, C_PSI_MEM_FULL, C_PSI_IO, C_NR,
};

enum v1_ctrl { V1_CPU, V1_CPUACCT, V1_MEMORY, V1_BLKIO, V1_NR };
static const char *const v1_names[V1_NR] = { "cpu", "cpuacct", "memory",
					     "blkio" };

struct cg {
	char path[PT_CGROUP_MAX];	/* "" = free slot */
	uint32_t tgid;			/* a member (v1 paths of other
					 * controllers); 0 for ancestors */
	uint64_t seen_seq;		/* last interval with tasks in view */
	uint32_t tasks;			/* this interval, itself and below */
	bool direct;			/* has tasks itself (not only below) */
	bool have_prev;
	uint64_t prev[C_NR];
	struct pt_container ctr;
	/* v1: each controller's dir, fixed at the first read so deltas
	 * always compare the same files ("" none) */
	bool v1_resolved;
	char v1[V1_NR][PT_CGROUP_MAX + 256];
};

struct pt_cgroups {
	struct cg *v;		/* dense; indexed by path */
	size_t n, cap;
	struct pt_keyindex ix;
	uint64_t seq;
	uint64_t start_real_ns;
	uint64_t skipped;	/* cumulative cgroups_skipped */
};

struct pt_cgroups *pt_cgroups_new(void)
{
	struct pt_cgroups *c = calloc(1, sizeof(struct pt_cgroups));

	if (c) {
		c->start_real_ns = pt_now_real_ns();
		pt_keyindex_init(&c->ix, sizeof(struct cg),
				 offsetof(struct cg, path));
	}
	return c;
}

/*
 * A cgroup made after perftop started has counted everything since it was
 * made: its counters start at 0, so its first interval can have deltas
 * from 0 (a crash-looping container's first OOM kills).  The kernel keeps
 * no creation time; the directory inode's ctime is set at mkdir (kernfs
 * keeps inodes of cgroups with tasks in cache; one re-read from an evicted
 * inode would look new: then its first interval holds counts since mkdir).
 */
static bool made_after(const char *dir, uint64_t real_ns)
{
	struct stat st;

	return !stat(dir, &st) &&
	       (uint64_t)st.st_ctim.tv_sec * 1000000000ull +
	       (uint64_t)st.st_ctim.tv_nsec > real_ns;
}

void pt_cgroups_free(struct pt_cgroups *c)
{
	if (!c)
		return;
	pt_keyindex_free(&c->ix);
	free(c->v);
	free(c);
}

static struct cg *find(struct pt_cgroups *c, const char *path, bool create)
{
	long pos = pt_keyindex_find(&c->ix, c->v, path);
	struct cg *e;

	if (pos >= 0)
		return &c->v[pos];
	if (!create)
		return NULL;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 64;
		struct cg *nv = realloc(c->v, ncap * sizeof(*nv));

		if (!nv)
			return NULL;
		c->v = nv;
		c->cap = ncap;
	}
	if (pt_keyindex_reserve(&c->ix, c->v, c->n))
		return NULL;
	e = &c->v[c->n];
	memset(e, 0, sizeof(*e));
	pt_strlcpy(e->path, path, sizeof(e->path));
	pt_keyindex_add(&c->ix, c->v, c->n++);
	return e;
}

/* Forget the cgroups out of view for too long. */
static void evict(struct pt_cgroups *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->seq - c->v[i].seen_seq <= KEEP_INTERVALS) {
			if (n != i)
				c->v[n] = c->v[i];
			n++;
		}
	if (n == c->n)
		return;
	c->n = n;
	pt_keyindex_clear(&c->ix);
	for (i = 0; i < n; i++)
		pt_keyindex_add(&c->ix, c->v, i);
}

/* A task of `path` is in view: mark it and its ancestors. */
static int see(struct pt_cgroups *c, const char *path, uint32_t tgid,
	       uint32_t tasks)
{
	char p[PT_CGROUP_MAX];
	bool direct = true;

	if (path[0] != '/')
		return 0;	/* "?": not resolved */
	pt_strlcpy(p, path, sizeof(p));
	for (;;) {
		struct cg *e = find(c, p, true);
		char *slash;

		if (!e)
			return -ENOMEM;
		if (e->seen_seq != c->seq) {
			e->seen_seq = c->seq;
			e->tasks = 0;
			e->direct = false;
		}
		e->tasks += tasks;
		if (direct) {
			e->direct = true;
			if (tgid)
				e->tgid = tgid;
		}
		direct = false;
		if (!strcmp(p, "/"))
			return 0;
		slash = strrchr(p, '/');
		if (slash == p)
			p[1] = '\0';
		else
			*slash = '\0';
	}
}

/* ---- reading files ---- */

static long read_in(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return pt_read_file(path, buf, len);
}

/* "key value" lines: value of key, or false. */
static bool kv(const char *buf, const char *key, uint64_t *out)
{
	size_t k = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, k) && p[k] == ' ') {
			*out = strtoull(p + k + 1, NULL, 10);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static bool read_u64(const char *dir, const char *file, uint64_t *out)
{
	char buf[64];

	if (read_in(dir, file, buf, sizeof(buf)) <= 0)
		return false;
	if (!strncmp(buf, "max", 3))
		*out = UINT64_MAX;
	else
		*out = strtoull(buf, NULL, 10);
	return true;
}

/* PSI "some ... total=N" / "full ... total=N" in microseconds. */
static bool psi_total(const char *dir, const char *file, const char *line,
		      uint64_t *out)
{
	unsigned long long total;
	char buf[256];

	if (read_in(dir, file, buf, sizeof(buf)) <= 0 ||
	    !pt_psi_parse(buf, line, NULL, &total))
		return false;
	*out = total;
	return true;
}

/*
 * Each v1 controller's dir for this cgroup: the same path on that
 * controller's mount when it exists there (runtimes and systemd create
 * the same path everywhere), else the member's own cgroup on it (a task
 * may sit in /a on cpu and / on cpuacct: then cpuacct says nothing about
 * /a and is left out, rather than reporting the root's usage).
 */
static void v1_resolve(struct cg *e)
{
	int i;

	e->v1_resolved = true;
	for (i = 0; i < V1_NR; i++) {
		const char *mnt = pt_cgroup_v1_mount(v1_names[i]);
		const char *rel = strcmp(e->path, "/") ? e->path : "";
		char mine[PT_CGROUP_MAX];
		struct stat st;

		e->v1[i][0] = '\0';
		if (!mnt)
			continue;
		snprintf(e->v1[i], sizeof(e->v1[i]), "%s%s", mnt, rel);
		if (!stat(e->v1[i], &st) && S_ISDIR(st.st_mode))
			continue;
		e->v1[i][0] = '\0';
		if (e->direct && pt_proc_cgroup(e->tgid, v1_names[i], mine,
					     sizeof(mine)) &&
		    !strcmp(mine, e->path))
			snprintf(e->v1[i], sizeof(e->v1[i]), "%s%s", mnt, rel);
	}
}

/* Memory limits at or above this are "none" (v1 writes PAGE_COUNTER_MAX
 * pages, 2^63 - 4096 bytes on x86-64; v2 writes "max"). */
#define NO_LIMIT (1ull << 62)

/* One limit in words after out's text: "sda write 1 MiB/s". */
static void io_limit_add(char *out, size_t len, unsigned int maj,
			 unsigned int min, bool write, bool iops,
			 unsigned long long v)
{
	size_t n = strlen(out);
	char val[32];

	if (iops)
		snprintf(val, sizeof(val), "%llu IO/s", v);
	else if (v >= 1024 * 1024)
		snprintf(val, sizeof(val), "%.3g MiB/s", (double)v / 1048576);
	else if (v >= 1024)
		snprintf(val, sizeof(val), "%.3g KiB/s", (double)v / 1024);
	else
		snprintf(val, sizeof(val), "%llu B/s", v);
	if (n < len)
		snprintf(out + n, len - n, "%s%s %s %s", n ? ", " : "",
			 pt_blockdev_name(maj, min), write ? "write" : "read",
			 val);
}

void pt_io_limit_v2(const char *iomax, char *out, size_t len)
{
	static const struct { const char *key; bool write, iops; } keys[] = {
		{ "rbps=", false, false }, { "wbps=", true, false },
		{ "riops=", false, true }, { "wiops=", true, true },
	};
	const char *line = iomax;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		unsigned int maj, min;
		size_t k;

		if (sscanf(line, "%u:%u", &maj, &min) == 2) {
			for (k = 0; k < PT_ARRAY_SIZE(keys); k++) {
				const char *p = strstr(line, keys[k].key);
				char *end;
				unsigned long long v;

				if (!p || (eol && p > eol))
					continue;
				p += strlen(keys[k].key);
				v = strtoull(p, &end, 10);
				if (end != p)	/* not "max" */
					io_limit_add(out, len, maj, min,
						     keys[k].write,
						     keys[k].iops, v);
			}
		}
		line = eol ? eol + 1 : NULL;
	}
}

void pt_io_limit_v1(const char *text, bool write, bool iops, char *out,
		    size_t len)
{
	const char *line = text;

	while (line && *line) {
		unsigned int maj, min;
		unsigned long long v;

		if (sscanf(line, "%u:%u %llu", &maj, &min, &v) == 3)
			io_limit_add(out, len, maj, min, write, iops, v);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static void read_v2(const char *dir, struct pt_cgroup *r, uint64_t *now,
		    bool *have)
{
	char buf[4096];
	uint64_t a, b, hi;

	if (read_in(dir, "cpu.max", buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%" SCNu64 " %" SCNu64, &a, &b) == 2) {
		r->cpu_quota_us = a;
		r->cpu_period_us = b;
	}
	if (read_in(dir, "cpu.stat", buf, sizeof(buf)) > 0) {
		have[C_USAGE] = kv(buf, "usage_usec", &now[C_USAGE]);
		now[C_USAGE] *= 1000;
		have[C_PERIODS] = kv(buf, "nr_periods", &now[C_PERIODS]);
		have[C_THROTTLED] = kv(buf, "nr_throttled", &now[C_THROTTLED]);
		have[C_THROTTLED_NS] = kv(buf, "throttled_usec",
					  &now[C_THROTTLED_NS]);
		now[C_THROTTLED_NS] *= 1000;
	}
	if (read_u64(dir, "memory.max", &a)) {
		if (read_u64(dir, "memory.high", &hi) && hi < a)
			a = hi;
		r->mem_limit_bytes = a >= NO_LIMIT ? 0 : a;
	}
	if (read_u64(dir, "memory.current", &a))
		r->mem_usage_bytes = a;
	if (read_in(dir, "memory.events", buf, sizeof(buf)) > 0)
		have[C_OOM] = kv(buf, "oom_kill", &now[C_OOM]);
	if (read_in(dir, "memory.stat", buf, sizeof(buf)) > 0) {
		if (kv(buf, "workingset_refault_anon", &a) &&
		    kv(buf, "workingset_refault_file", &b)) {
			now[C_REFAULT] = a + b;
			have[C_REFAULT] = true;
		} else {
			have[C_REFAULT] = kv(buf, "workingset_refault",
					     &now[C_REFAULT]);
		}
	}
	if (read_in(dir, "io.max", buf, sizeof(buf)) > 0) {
		pt_io_limit_v2(buf, r->io_limit, sizeof(r->io_limit));
		r->io_limited = r->io_limit[0] != '\0';
	}
	have[C_PSI_CPU] = psi_total(dir, "cpu.pressure", "some", &now[C_PSI_CPU]);
	have[C_PSI_MEM] = psi_total(dir, "memory.pressure", "some", &now[C_PSI_MEM]);
	have[C_PSI_MEM_FULL] = psi_total(dir, "memory.pressure", "full",
					 &now[C_PSI_MEM_FULL]);
	have[C_PSI_IO] = psi_total(dir, "io.pressure", "some", &now[C_PSI_IO]);
}

static void read_v1(struct cg *e, struct pt_cgroup *r, uint64_t *now,
		    bool *have)
{
	const char *dir;
	char buf[8192];
	uint64_t a, b;
	int64_t q;

	if (!e->v1_resolved)
		v1_resolve(e);
	if (*(dir = e->v1[V1_CPU])) {
		if (read_in(dir, "cpu.cfs_quota_us", buf, sizeof(buf)) > 0 &&
		    sscanf(buf, "%" SCNd64, &q) == 1 && q > 0 &&
		    read_u64(dir, "cpu.cfs_period_us", &a)) {
			r->cpu_quota_us = (uint64_t)q;
			r->cpu_period_us = a;
		}
		if (read_in(dir, "cpu.stat", buf, sizeof(buf)) > 0) {
			have[C_PERIODS] = kv(buf, "nr_periods", &now[C_PERIODS]);
			have[C_THROTTLED] = kv(buf, "nr_throttled",
					       &now[C_THROTTLED]);
			have[C_THROTTLED_NS] = kv(buf, "throttled_time",
						  &now[C_THROTTLED_NS]);
		}
	}
	if (*(dir = e->v1[V1_CPUACCT]))
		have[C_USAGE] = read_u64(dir, "cpuacct.usage", &now[C_USAGE]);
	if (*(dir = e->v1[V1_MEMORY])) {
		if (read_u64(dir, "memory.limit_in_bytes", &a))
			r->mem_limit_bytes = a >= NO_LIMIT ? 0 : a;
		if (read_u64(dir, "memory.usage_in_bytes", &a))
			r->mem_usage_bytes = a;
		if (read_in(dir, "memory.oom_control", buf, sizeof(buf)) > 0)
			have[C_OOM] = kv(buf, "oom_kill", &now[C_OOM]);
		if (read_in(dir, "memory.stat", buf, sizeof(buf)) > 0) {
			if (kv(buf, "total_workingset_refault_anon", &a) &&
			    kv(buf, "total_workingset_refault_file", &b)) {
				now[C_REFAULT] = a + b;
				have[C_REFAULT] = true;
			} else {
				have[C_REFAULT] = kv(buf, "total_workingset_refault",
						     &now[C_REFAULT]);
			}
		}
	}
	if (*(dir = e->v1[V1_BLKIO])) {
		static const char *const files[] = {	/* write: 1, iops: 2 */
			"blkio.throttle.read_bps_device",
			"blkio.throttle.write_bps_device",
			"blkio.throttle.read_iops_device",
			"blkio.throttle.write_iops_device",
		};
		size_t i;

		for (i = 0; i < PT_ARRAY_SIZE(files); i++)
			if (read_in(dir, files[i], buf, sizeof(buf)) > 0)
				pt_io_limit_v1(buf, i & 1, i & 2, r->io_limit,
					       sizeof(r->io_limit));
		r->io_limited = r->io_limit[0] != '\0';
	}
}

static double psi_pct(bool have, uint64_t now, uint64_t prev, bool have_prev,
		      uint64_t interval_ns)
{
	double share;

	if (!have || !interval_ns)
		return -1;
	if (!have_prev)
		return 0;
	share = pt_psi_share(prev, now, interval_ns);
	return share < 0 ? 0 : share;	/* went back: a new cgroup */
}

/* One cgroup's files, in the naming hierarchy's dir (v2) or each v1
 * controller's; dir gets the former. */
static void read_files(struct cg *e, char *dir, size_t len,
		       struct pt_cgroup *r, uint64_t *now, bool *have)
{
	snprintf(dir, len, "%s%s", pt_cgroup_mount(),
		 strcmp(e->path, "/") ? e->path : "");
	if (pt_cgroup_hier() == PT_CG_HIER_DFL)
		read_v2(dir, r, now, have);
	else
		read_v1(e, r, now, have);
}

/*
 * Baselines before the first interval: every cgroup there is when perftop
 * starts (up to MAX_CGROUPS) is read once, so a cgroup's first interval in
 * view has its deltas.  Seeing cgroups through the other families' tasks
 * alone was not enough: the sched family reports a thread once it has a
 * previous reading, so at start-up it names almost none (2 of ~60 tasks
 * here), and every cgroup's first interval had no deltas: 1/5 of a 5 s
 * recording's refaults, missing (cgroup_thrash, 75% of memory.stat).
 * Entries never seen with tasks are not reported and leave after
 * KEEP_INTERVALS.
 */
static void baseline_one(const char *path, void *ctx)
{
	struct pt_cgroups *c = ctx;
	uint64_t now[C_NR] = { 0 };
	bool have[C_NR] = { false };
	char dir[PATH_MAX];
	struct pt_cgroup r;
	struct cg *e;

	if (c->n >= MAX_CGROUPS && !find(c, path, false))
		return;
	e = find(c, path, true);
	if (!e || e->have_prev)
		return;
	memset(&r, 0, sizeof(r));
	read_files(e, dir, sizeof(dir), &r, now, have);
	memcpy(e->prev, now, sizeof(now));
	e->have_prev = true;
}

void pt_cgroups_baseline(struct pt_cgroups *c)
{
	pt_cgroup_each(baseline_one, c);
}

static int read_one(struct pt_cgroups *c, struct cg *e,
		    struct pt_snapshot *s)
{
	uint64_t now[C_NR] = { 0 }, d[C_NR] = { 0 };
	bool have[C_NR] = { false };
	char dir[PATH_MAX];
	struct pt_cgroup r;
	int i;

	memset(&r, 0, sizeof(r));
	pt_strlcpy(r.path, e->path, sizeof(r.path));
	read_files(e, dir, sizeof(dir), &r, now, have);
	if (!e->have_prev && strcmp(e->path, "/") &&
	    made_after(dir, c->start_real_ns)) {
		memset(e->prev, 0, sizeof(e->prev));
		e->have_prev = true;
	}
	/* Ancestors without tasks of their own matter only for a limit. */
	if (!e->direct && !r.cpu_quota_us && !r.mem_limit_bytes &&
	    !r.io_limited)
		return 0;
	for (i = 0; i < C_NR; i++)
		if (have[i] && e->have_prev && now[i] >= e->prev[i])
			d[i] = now[i] - e->prev[i];
	r.first = !e->have_prev;
	r.tasks = e->tasks;
	r.cpu_usage_ns = d[C_USAGE];
	r.cpu_periods = d[C_PERIODS];
	r.cpu_throttled_periods = d[C_THROTTLED];
	r.cpu_throttled_ns = d[C_THROTTLED_NS];
	r.mem_oom_kills = d[C_OOM];
	r.mem_refaults = d[C_REFAULT];
	r.psi_cpu_some = psi_pct(have[C_PSI_CPU], now[C_PSI_CPU],
				 e->prev[C_PSI_CPU], e->have_prev, s->interval_ns);
	r.psi_mem_some = psi_pct(have[C_PSI_MEM], now[C_PSI_MEM],
				 e->prev[C_PSI_MEM], e->have_prev, s->interval_ns);
	r.psi_mem_full = psi_pct(have[C_PSI_MEM_FULL], now[C_PSI_MEM_FULL],
				 e->prev[C_PSI_MEM_FULL], e->have_prev,
				 s->interval_ns);
	r.psi_io_some = psi_pct(have[C_PSI_IO], now[C_PSI_IO],
				e->prev[C_PSI_IO], e->have_prev, s->interval_ns);
	memcpy(e->prev, now, sizeof(now));
	e->have_prev = true;
	if (!e->ctr.runtime[0] && !e->ctr.unit[0] && !e->ctr.id[0]) {
		pt_container_parse(e->path, &e->ctr);
		pt_container_names(&e->ctr, "/var/log", "/var/lib/docker");
	}
	if (e->ctr.runtime[0])
		pt_container_label(&e->ctr, e->path, r.container,
				   sizeof(r.container));
	pt_strlcpy(r.runtime, e->ctr.runtime, sizeof(r.runtime));
	pt_strlcpy(r.container_id, e->ctr.id, sizeof(r.container_id));
	pt_strlcpy(r.pod, e->ctr.pod, sizeof(r.pod));
	pt_strlcpy(r.pod_namespace, e->ctr.ns, sizeof(r.pod_namespace));
	{
		struct pt_cgroup *out = PT_PUSH(s->cgroups);

		if (!out)
			return -ENOMEM;
		*out = r;
	}
	return 0;
}

/*
 * On a v1 host tasks are named by their cpu cgroup, but a memory limit
 * may sit on a memory cgroup of another path (an admin's memory-only
 * group, a systemd unit with MemoryMax= and no CPU accounting: the cpu
 * hierarchy has them at "/").  Read so, a task OOM-killed or thrashing in
 * a 64 MiB memory cgroup was blamed on "/" with "the machine ran out of
 * memory; add memory" on a machine with 23 GB free (explore helper,
 * 2026-12-04).  So a process that waited on memory or I/O in the
 * interval (MEM_STALL_NS or more: a reader whose page cache is evicted
 * waits on both; with raw_tp there is no on-CPU reclaim time, only its
 * I/O waits) or took major faults brings its memory cgroup into view
 * when that is another path: a record with the memory figures only (the
 * cpu hierarchy has no such cgroup); an I/O waiter its blkio cgroup too
 * (its I/O limit).  At most MEM_READS processes an interval, those that
 * waited most.
 */
#define MEM_STALL_NS 1000000ull
#define MEM_READS 64

struct mem_cand {
	uint32_t tgid;
	uint64_t weight;	/* wait ns, or major faults x 1 ms */
	uint64_t io_ns;		/* of it, blocked on I/O */
	const char *cgroup;	/* its cgroup on the naming hierarchy */
};

static int by_weight(const void *a, const void *b)
{
	const struct mem_cand *x = a, *y = b;

	return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : 0;
}

static void add_cand(struct mem_cand *v, size_t *n, size_t cap,
		     const struct pt_task_id *id, uint64_t weight,
		     uint64_t io_ns)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (v[i].tgid == id->tgid) {
			v[i].weight += weight;
			v[i].io_ns += io_ns;
			return;
		}
	if (*n < cap)
		v[(*n)++] = (struct mem_cand){ id->tgid, weight, io_ns,
					       id->cgroup };
}

static int see_limit_cgroups(struct pt_cgroups *c,
			      const struct pt_snapshot *s)
{
	bool blkio = pt_cgroup_v1_mount("blkio") != NULL;
	struct mem_cand v[4 * MEM_READS];
	char path[PT_CGROUP_MAX];
	size_t i, n = 0;
	int err = 0;

	if (pt_cgroup_hier() != PT_CG_HIER_V1_CPU ||
	    (!pt_cgroup_v1_mount("memory") && !blkio))
		return 0;
	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];

		if (t->mem_ns + t->io_ns >= MEM_STALL_NS)
			add_cand(v, &n, PT_ARRAY_SIZE(v), &t->id,
				 t->mem_ns + t->io_ns, t->io_ns);
	}
	for (i = 0; i < s->fault_tasks.n; i++)
		if (s->fault_tasks.v[i].major)
			add_cand(v, &n, PT_ARRAY_SIZE(v), &s->fault_tasks.v[i].id,
				 s->fault_tasks.v[i].major * MEM_STALL_NS, 0);
	qsort(v, n, sizeof(v[0]), by_weight);
	for (i = 0; i < n && i < MEM_READS && !err; i++) {
		if (pt_proc_cgroup(v[i].tgid, "memory", path, sizeof(path)) &&
		    strcmp(path, v[i].cgroup))
			err = see(c, path, v[i].tgid, 0);
		/* and an I/O waiter's blkio cgroup: its limit (dd under a 2
		 * MB/s blkio.throttle in a blkio-only group was not in view) */
		if (!err && v[i].io_ns >= MEM_STALL_NS && blkio &&
		    pt_proc_cgroup(v[i].tgid, "blkio", path, sizeof(path)) &&
		    strcmp(path, v[i].cgroup))
			err = see(c, path, v[i].tgid, 0);
	}
	return err;
}

#define SEE_TASKS(arr, field_id) do { \
	size_t i_; \
	for (i_ = 0; i_ < (arr).n && !err; i_++) \
		err = see(c, (arr).v[i_].field_id.cgroup, \
			  (arr).v[i_].field_id.tgid, count ? 1 : 0); \
} while (0)

int pt_cgroups_collect(struct pt_cgroups *c, struct pt_snapshot *s)
{
	size_t i, nread = 0;
	bool count;
	int err = 0;

	c->seq++;
	/* threads counted once: from sched when it runs, else faults */
	count = s->families & (1u << PT_SCHED);
	SEE_TASKS(s->sched_tasks, id);
	count = !(s->families & (1u << PT_SCHED));
	SEE_TASKS(s->fault_tasks, id);
	count = false;
	SEE_TASKS(s->block_tasks, id);
	SEE_TASKS(s->tcp_conns, id);
	for (i = 0; i < s->oom_victims.n && !err; i++) {
		err = see(c, s->oom_victims.v[i].cgroup, 0, 0);
		if (!err && s->oom_victims.v[i].mem_cgroup[0])
			err = see(c, s->oom_victims.v[i].mem_cgroup, 0, 0);
	}
	if (!err)
		err = see_limit_cgroups(c, s);
	if (err)
		return err;
	/* the first collection is the collector's start-up one, right
	 * before the first interval starts: baselines then, not earlier */
	if (c->seq == 1)
		pt_cgroups_baseline(c);
	for (i = 0; i < c->n && !err; i++) {
		struct cg *e = &c->v[i];

		if (!e->seen_seq || c->seq - e->seen_seq > KEEP_INTERVALS)
			continue;	/* a baseline only, or out of view */
		if (e->seen_seq != c->seq)
			e->tasks = 0;
		if (nread++ >= MAX_CGROUPS) {
			s->loss.cgroups_skipped++;
			continue;
		}
		err = read_one(c, e, s);
	}
	evict(c);
	return err;
}

/* ---- as a probe family: collected last, after the BPF families ---- */

static int cg_start(struct pt_family *f, const struct pt_filter *flt,
		    struct ring_buffer **rb)
{
	(void)flt;
	(void)rb;
	if (!pt_cgroup_mount()) {
		snprintf(f->error, sizeof(f->error),
			 "no cgroup filesystem is mounted: mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup)");
		return -ENOENT;
	}
	f->priv = pt_cgroups_new();
	if (!f->priv) {
		snprintf(f->error, sizeof(f->error), "out of memory");
		return -ENOMEM;
	}
	f->attach = PT_ATTACH_FILES;
	return 0;
}

static int cg_collect(struct pt_family *f, struct pt_snapshot *s,
		      uint32_t new_epoch)
{
	struct pt_cgroups *c = f->priv;
	int err;

	(void)new_epoch;
	err = pt_cgroups_collect(c, s);
	c->skipped += s->loss.cgroups_skipped;
	s->loss.cgroups_skipped = 0;	/* the collector adds the delta */
	return err;
}

static void cg_set_epoch(struct pt_family *f, uint32_t epoch)
{
	(void)f;
	(void)epoch;
}

static void cg_read_loss(struct pt_family *f, struct pt_loss *l)
{
	l->cgroups_skipped += ((struct pt_cgroups *)f->priv)->skipped;
}

static void cg_stop(struct pt_family *f)
{
	pt_cgroups_free(f->priv);
	f->priv = NULL;
}

struct pt_family *pt_cgroup_family(void)
{
	static struct pt_family fam = {
		.id = PT_CGROUP,
		.start = cg_start,
		.collect = cg_collect,
		.set_epoch = cg_set_epoch,
		.read_loss = cg_read_loss,
		.stop = cg_stop,
	};

	return &fam;
}
