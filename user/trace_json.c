// SPDX-License-Identifier: GPL-2.0
/*
 * Model <-> JSON.  Records are described once by field tables, and both
 * directions walk the same tables, so the writer and the reader cannot
 * drift apart.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "trace.h"
#include "util.h"

enum ftype { F_U16, F_U32, F_U64, F_INT, F_DBL, F_STR };

struct field {
	const char *name;
	enum ftype type;
	size_t off;
	size_t len;	/* F_STR: buffer size */
	bool optional;	/* may be missing when reading (added later) */
};

#define FU16(s, m) { #m, F_U16, offsetof(s, m), 0, false }
#define FU32(s, m) { #m, F_U32, offsetof(s, m), 0, false }
#define FU64(s, m) { #m, F_U64, offsetof(s, m), 0, false }
#define FU64_OPT(s, m) { #m, F_U64, offsetof(s, m), 0, true }
#define FSTR(s, n, m) { n, F_STR, offsetof(s, m), sizeof(((s *)0)->m), false }
#define TASK_ID(s) \
	{ "pid", F_U32, offsetof(s, id.pid), 0, false }, \
	{ "tgid", F_U32, offsetof(s, id.tgid), 0, false }, \
	FSTR(s, "comm", id.comm), \
	FSTR(s, "cgroup", id.cgroup)
#define END { NULL, 0, 0, 0, false }

static const struct field sched_task_fields[] = {
	TASK_ID(struct pt_sched_task),
	FU64(struct pt_sched_task, runq_wait_ns),
	FU64(struct pt_sched_task, runq_count),
	FU64(struct pt_sched_task, runq_max_ns),
	FU64(struct pt_sched_task, runq_p50_ns),
	FU64(struct pt_sched_task, runq_p99_ns),
	FU64(struct pt_sched_task, oncpu_ns),
	END
};

static const struct field sched_cpu_fields[] = {
	FU32(struct pt_sched_cpu, cpu),
	FU64(struct pt_sched_cpu, runq_wait_ns),
	FU64(struct pt_sched_cpu, runq_count),
	FU64(struct pt_sched_cpu, runq_max_ns),
	FU64(struct pt_sched_cpu, runq_p50_ns),
	FU64(struct pt_sched_cpu, runq_p99_ns),
	FU64(struct pt_sched_cpu, oncpu_ns),
	END
};

static const struct field sched_sys_fields[] = {
	FU64(struct pt_sched_system, runq_wait_ns),
	FU64(struct pt_sched_system, runq_count),
	FU64(struct pt_sched_system, runq_max_ns),
	FU64(struct pt_sched_system, runq_p50_ns),
	FU64(struct pt_sched_system, runq_p99_ns),
	FU64(struct pt_sched_system, oncpu_ns),
	END
};

static const struct field fault_task_fields[] = {
	TASK_ID(struct pt_fault_task),
	FU64(struct pt_fault_task, minor),
	FU64(struct pt_fault_task, major),
	END
};

static const struct field block_dev_fields[] = {
	FSTR(struct pt_block_dev, "dev", dev),
	FU32(struct pt_block_dev, major),
	FU32(struct pt_block_dev, minor),
	FU64(struct pt_block_dev, read_ios),
	FU64(struct pt_block_dev, write_ios),
	FU64(struct pt_block_dev, read_bytes),
	FU64(struct pt_block_dev, write_bytes),
	FU64(struct pt_block_dev, lat_p50_ns),
	FU64(struct pt_block_dev, lat_p99_ns),
	FU64(struct pt_block_dev, lat_max_ns),
	FU64_OPT(struct pt_block_dev, queue_ns),
	FU64_OPT(struct pt_block_dev, device_ns),
	FU64_OPT(struct pt_block_dev, inflight),
	END
};

static const struct field block_task_fields[] = {
	TASK_ID(struct pt_block_task),
	FU64(struct pt_block_task, read_bytes),
	FU64(struct pt_block_task, write_bytes),
	FU64(struct pt_block_task, ios),
	END
};

static const struct field tcp_conn_fields[] = {
	TASK_ID(struct pt_tcp_conn),
	{ "family", F_INT, offsetof(struct pt_tcp_conn, family), 0, false },
	FSTR(struct pt_tcp_conn, "saddr", saddr),
	FU16(struct pt_tcp_conn, sport),
	FSTR(struct pt_tcp_conn, "daddr", daddr),
	FU16(struct pt_tcp_conn, dport),
	FU64(struct pt_tcp_conn, tx_bytes),
	FU64(struct pt_tcp_conn, rx_bytes),
	FU64(struct pt_tcp_conn, retransmits),
	FU64_OPT(struct pt_tcp_conn, segs_out),
	FU32(struct pt_tcp_conn, srtt_us),
	/* PT_TCP_F_* bit mask: 1 connect, 2 accept, 4 close, 8 reset */
	{ "events", F_U32, offsetof(struct pt_tcp_conn, events), 0, true },
	END
};

static const struct field loss_fields[] = {
	FU64(struct pt_loss, ringbuf_drops),
	FU64(struct pt_loss, map_full),
	FU64(struct pt_loss, storage_fail),
	FU64(struct pt_loss, attach_failed),
	END
};

/* ---- writing ---- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Add a string that may hold any bytes (comm and cgroup names come from
 * the kernel, set by whoever runs there).  cJSON escapes quotes,
 * backslashes and control bytes, but passes bytes >= 0x80 through, and
 * JSON must be UTF-8: each byte that is not part of valid UTF-8 becomes
 * U+FFFD, so every line stays valid JSON.
 */
/*
 * Member names here are always string literals (field tables, fixed keys),
 * so they are added without a copy (cJSON_AddItemToObjectCS): a snapshot
 * with 10,000 tasks has 100,000 members, and the copies were a third of
 * its memory.
 */
static void add_number(cJSON *o, const char *name, double v)
{
	cJSON_AddItemToObjectCS(o, name, cJSON_CreateNumber(v));
}

static void add_str(cJSON *o, const char *name, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	char small[PT_CGROUP_MAX * 3 + 1], *buf = small, *p;
	size_t len = strlen(str), i, n;

	for (i = 0; i < len && (n = utf8_seq(s + i)); i += n)
		;
	if (i == len) {
		cJSON_AddItemToObjectCS(o, name, cJSON_CreateString(str));
		return;
	}
	if (len * 3 + 1 > sizeof(small) && !(buf = malloc(len * 3 + 1)))
		return;
	for (p = buf, i = 0; i < len; i += n ? n : 1) {
		n = utf8_seq(s + i);
		if (n) {
			memcpy(p, s + i, n);
			p += n;
		} else {
			memcpy(p, "\xef\xbf\xbd", 3);
			p += 3;
		}
	}
	*p = '\0';
	cJSON_AddItemToObjectCS(o, name, cJSON_CreateString(buf));
	if (buf != small)
		free(buf);
}

static void put_fields(cJSON *o, const struct field *f, const void *rec)
{
	const char *base = rec;

	for (; f->name; f++) {
		const void *p = base + f->off;

		switch (f->type) {
		case F_U16:
			add_number(o, f->name, *(const uint16_t *)p);
			break;
		case F_U32:
			add_number(o, f->name, *(const uint32_t *)p);
			break;
		case F_U64:
			/* doubles hold integers exactly up to 2^53 (104 days
			 * of nanoseconds in one interval): enough */
			add_number(o, f->name, (double)*(const uint64_t *)p);
			break;
		case F_INT:
			add_number(o, f->name, *(const int *)p);
			break;
		case F_DBL:
			add_number(o, f->name, *(const double *)p);
			break;
		case F_STR:
			add_str(o, f->name, (const char *)p);
			break;
		}
	}
}


cJSON *pt_json_loss(const struct pt_loss *l)
{
	cJSON *o = cJSON_CreateObject();

	put_fields(o, loss_fields, l);
	return o;
}

static const char *const severity_names[] = { "ok", "warning", "critical" };

cJSON *pt_json_finding(const struct pt_finding *f)
{
	cJSON *o = cJSON_CreateObject(), *cs = cJSON_CreateArray();
	int i;

	cJSON_AddStringToObject(o, "severity", severity_names[f->severity]);
	cJSON_AddStringToObject(o, "subsystem", f->subsystem);
	cJSON_AddStringToObject(o, "rule", f->rule);
	add_str(o, "summary", f->summary);
	cJSON_AddNumberToObject(o, "value", f->value);
	cJSON_AddNumberToObject(o, "threshold", f->threshold);
	cJSON_AddStringToObject(o, "unit", f->unit);
	for (i = 0; i < f->nr_culprits; i++) {
		const struct pt_culprit *c = &f->culprits[i];
		cJSON *co = cJSON_CreateObject();

		if (c->kind == PT_CULPRIT_DEV) {
			add_str(co, "dev", c->dev);
		} else if (c->kind == PT_CULPRIT_CONN) {
			cJSON_AddStringToObject(co, "saddr", c->saddr);
			cJSON_AddNumberToObject(co, "sport", c->sport);
			cJSON_AddStringToObject(co, "daddr", c->daddr);
			cJSON_AddNumberToObject(co, "dport", c->dport);
		}
		if (c->kind == PT_CULPRIT_TASK || c->task.pid) {
			cJSON_AddNumberToObject(co, "pid", c->task.pid);
			cJSON_AddNumberToObject(co, "tgid", c->task.tgid);
			add_str(co, "comm", c->task.comm);
			add_str(co, "cgroup", c->task.cgroup);
		}
		cJSON_AddNumberToObject(co, "value", c->value);
		cJSON_AddItemToArray(cs, co);
	}
	cJSON_AddItemToObject(o, "culprits", cs);
	add_str(o, "advice", f->advice);
	return o;
}

cJSON *pt_json_findings(const struct pt_snapshot *s)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < s->findings.n; i++)
		cJSON_AddItemToArray(arr, pt_json_finding(&s->findings.v[i]));
	return arr;
}

cJSON *pt_json_header(const struct pt_header *h)
{
	cJSON *o = cJSON_CreateObject(), *probes, *filters, *pids;
	char start[40];
	int i;

	cJSON_AddStringToObject(o, "type", "header");
	cJSON_AddStringToObject(o, "format", PT_TRACE_FORMAT);
	cJSON_AddNumberToObject(o, "version", PT_TRACE_VERSION);
	add_str(o, "hostname", h->hostname);
	cJSON_AddStringToObject(o, "kernel", h->kernel);
	cJSON_AddNumberToObject(o, "nr_cpus", h->nr_cpus);
	pt_format_rfc3339(h->start_time_ns, start, sizeof(start));
	cJSON_AddStringToObject(o, "start_time", start);
	cJSON_AddNumberToObject(o, "interval_ns", (double)h->interval_ns);
	probes = cJSON_AddObjectToObject(o, "probes");
	for (i = 0; i < PT_NR_FAMILIES; i++) {
		const struct pt_probe_status *ps = &h->probes[i];
		cJSON *p;

		if (!ps->requested)
			continue;
		p = cJSON_AddObjectToObject(probes,
					    pt_family_name((enum pt_family_id)i));
		if (ps->attach[0])
			cJSON_AddStringToObject(p, "attach", ps->attach);
		else
			cJSON_AddNullToObject(p, "attach");
		cJSON_AddBoolToObject(p, "ok", ps->ok);
		if (ps->error[0])
			add_str(p, "error", ps->error);
	}
	filters = cJSON_AddObjectToObject(o, "filters");
	pids = cJSON_AddArrayToObject(filters, "pids");
	for (i = 0; i < h->nr_filter_pids; i++)
		cJSON_AddItemToArray(pids, cJSON_CreateNumber(h->filter_pids[i]));
	if (h->filter_cgroup[0])
		add_str(filters, "cgroup", h->filter_cgroup);
	else
		cJSON_AddNullToObject(filters, "cgroup");
	return o;
}

static void add_pressure(cJSON *o, const struct pt_pressure *p)
{
	cJSON *pr = cJSON_AddObjectToObject(o, "pressure");
	const double vals[] = { p->cpu, p->memory, p->io };
	const char *const names[] = { "cpu_some_avg10", "memory_some_avg10",
				      "io_some_avg10" };
	size_t i;

	for (i = 0; i < PT_ARRAY_SIZE(vals); i++)
		if (vals[i] < 0)
			cJSON_AddNullToObject(pr, names[i]);
		else
			cJSON_AddNumberToObject(pr, names[i], vals[i]);
}

/*
 * A snapshot is written as a stream of pieces, one record's JSON at a time,
 * so a snapshot of 30,000 records never exists as one JSON tree or one
 * string (that tree was 30 MiB of a 10,000-thread, 20,000-socket run).
 * Fixed keys are emitted literally; every value still comes from cJSON, so
 * numbers and escaping are exactly what the reader's parser expects.
 */
struct emit {
	struct pt_json_sink *sink;
	int err;
};

static void put(struct emit *e, const char *s, size_t len)
{
	if (!e->err)
		e->err = e->sink->put(e->sink->ctx, s, len);
}

static void put_s(struct emit *e, const char *s)
{
	put(e, s, strlen(s));
}

/* Print obj and free it; members_only leaves out the outer braces, to
 * splice the members into an object already open in the stream. */
static void put_json(struct emit *e, cJSON *obj, bool members_only)
{
	char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;

	if (!text) {
		if (!e->err)
			e->err = -ENOMEM;
	} else if (members_only) {
		put(e, text + 1, strlen(text) - 2);
	} else {
		put_s(e, text);
	}
	cJSON_free(text);
	cJSON_Delete(obj);
}

static cJSON *fields_object(const struct field *f, const void *rec)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		put_fields(o, f, rec);
	return o;
}

static void put_records(struct emit *e, const void *v, size_t n, size_t elsz,
			const struct field *f)
{
	size_t i;

	put_s(e, "[");
	for (i = 0; i < n && !e->err; i++) {
		if (i)
			put_s(e, ",");
		put_json(e, fields_object(f, (const char *)v + i * elsz), false);
	}
	put_s(e, "]");
}

#define PUT_RECORDS(e, a, f) put_records(e, (a).v, (a).n, sizeof(*(a).v), f)

int pt_json_snapshot_emit(const struct pt_snapshot *s,
			  struct pt_json_sink *sink)
{
	struct emit e = { .sink = sink };
	cJSON *o = cJSON_CreateObject();
	char when[40];

	cJSON_AddStringToObject(o, "type", "snapshot");
	cJSON_AddNumberToObject(o, "seq", (double)s->seq);
	pt_format_rfc3339(s->time_ns, when, sizeof(when));
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "ts_ns", (double)s->ts_ns);
	cJSON_AddNumberToObject(o, "interval_ns", (double)s->interval_ns);
	put_s(&e, "{");
	put_json(&e, o, true);
	if (s->families & (1u << PT_SCHED)) {
		put_s(&e, ",\"sched\":{\"tasks\":");
		PUT_RECORDS(&e, s->sched_tasks, sched_task_fields);
		put_s(&e, ",\"cpus\":");
		PUT_RECORDS(&e, s->sched_cpus, sched_cpu_fields);
		put_s(&e, ",\"system\":");
		put_json(&e, fields_object(sched_sys_fields, &s->sched_sys),
			 false);
		put_s(&e, "}");
	}
	if (s->families & (1u << PT_FAULT)) {
		put_s(&e, ",\"faults\":{\"tasks\":");
		PUT_RECORDS(&e, s->fault_tasks, fault_task_fields);
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "minor", (double)s->fault_minor);
		cJSON_AddNumberToObject(o, "major", (double)s->fault_major);
		put_s(&e, ",");
		put_json(&e, o, true);
		put_s(&e, "}");
	}
	if (s->families & (1u << PT_BLOCK)) {
		put_s(&e, ",\"block\":{\"devices\":");
		PUT_RECORDS(&e, s->block_devs, block_dev_fields);
		put_s(&e, ",\"tasks\":");
		PUT_RECORDS(&e, s->block_tasks, block_task_fields);
		put_s(&e, "}");
	}
	if (s->families & (1u << PT_TCP)) {
		put_s(&e, ",\"tcp\":{\"conns\":");
		PUT_RECORDS(&e, s->tcp_conns, tcp_conn_fields);
		put_s(&e, "}");
	}
	o = cJSON_CreateObject();
	add_pressure(o, &s->pressure);
	cJSON_AddItemToObject(o, "loss", pt_json_loss(&s->loss));
	cJSON_AddItemToObject(o, "findings", pt_json_findings(s));
	put_s(&e, ",");
	put_json(&e, o, true);
	put_s(&e, "}");
	return e.err;
}

/* The whole snapshot in memory, for tests and tools that want a tree. */
struct mem_sink {
	char *buf;
	size_t len, cap;
};

static int mem_put(void *ctx, const char *s, size_t len)
{
	struct mem_sink *m = ctx;

	if (m->len + len + 1 > m->cap) {
		size_t cap = (m->len + len + 1) * 2;
		char *buf = realloc(m->buf, cap);

		if (!buf)
			return -ENOMEM;
		m->buf = buf;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, s, len);
	m->len += len;
	m->buf[m->len] = '\0';
	return 0;
}

cJSON *pt_json_snapshot(const struct pt_snapshot *s)
{
	struct mem_sink m = { 0 };
	struct pt_json_sink sink = { .put = mem_put, .ctx = &m };
	cJSON *o = NULL;

	if (!pt_json_snapshot_emit(s, &sink))
		o = cJSON_Parse(m.buf);
	free(m.buf);
	return o;
}

cJSON *pt_json_end(uint64_t snapshots, const struct pt_loss *total)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "end");
	cJSON_AddNumberToObject(o, "snapshots", (double)snapshots);
	cJSON_AddItemToObject(o, "loss", pt_json_loss(total));
	return o;
}

/* ---- reading ---- */

/* Converting a double outside the target type's range is undefined
 * behaviour in C, and traces are untrusted input: check first. */
static bool num_fits(double d, double lo, double hi)
{
	return d >= lo && d <= hi;
}

static bool in_range(double d, enum ftype type)
{
	switch (type) {
	case F_U16: return num_fits(d, 0, UINT16_MAX);
	case F_U32: return num_fits(d, 0, UINT32_MAX);
	case F_U64: return num_fits(d, 0, 18446744073709549568.0);
	case F_INT: return num_fits(d, INT32_MIN, INT32_MAX);
	default: return true;
	}
}

/* v as an integer in [0, hi], or false. */
static bool get_uint(const cJSON *v, double hi, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !num_fits(v->valuedouble, 0, hi))
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

static int get_fields(const cJSON *o, const struct field *f, void *rec,
		      const char *where, char *err, size_t errlen)
{
	char *base = rec;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "%s: expected an object", where);
		return -EINVAL;
	}
	for (; f->name; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->name);
		void *p = base + f->off;
		double d;

		if (!v && f->optional)
			continue;
		if (f->type == F_STR) {
			if (!cJSON_IsString(v)) {
				snprintf(err, errlen, "%s.%s: expected a string",
					 where, f->name);
				return -EINVAL;
			}
			pt_strlcpy(p, v->valuestring, f->len);
			continue;
		}
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
			snprintf(err, errlen, "%s.%s: expected a number", where,
				 f->name);
			return -EINVAL;
		}
		d = v->valuedouble;
		if (!in_range(d, f->type)) {
			snprintf(err, errlen, "%s.%s: %g is out of range", where,
				 f->name, d);
			return -EINVAL;
		}
		switch (f->type) {
		case F_U16: *(uint16_t *)p = (uint16_t)d; break;
		case F_U32: *(uint32_t *)p = (uint32_t)d; break;
		case F_U64: *(uint64_t *)p = (uint64_t)d; break;
		case F_INT: *(int *)p = (int)d; break;
		case F_DBL: *(double *)p = d; break;
		case F_STR: break;
		}
	}
	return 0;
}

static int get_records(const cJSON *parent, const char *name, void **v,
		       size_t *n, size_t *cap, size_t elsz,
		       const struct field *f, const char *where, char *err,
		       size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(parent, name);
	const cJSON *it;
	char path[64];
	size_t i = 0;
	int rc;

	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s.%s: expected an array", where, name);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, arr) {
		void *rec = pt_array_grow(v, n, cap, elsz);

		if (!rec) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), "%s.%s[%zu]", where, name, i++);
		rc = get_fields(it, f, rec, path, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

#define GET_RECORDS(parent, name, a, f, where) \
	get_records(parent, name, (void **)&(a).v, &(a).n, &(a).cap, \
		    sizeof(*(a).v), f, where, err, errlen)

static int get_u64(const cJSON *o, const char *name, uint64_t *out,
		   char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!get_uint(v, 18446744073709549568.0, out)) {
		snprintf(err, errlen, "%s: expected a number >= 0", name);
		return -EINVAL;
	}
	return 0;
}

static int get_str(const cJSON *o, const char *name, char *out, size_t len,
		   char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "%s: expected a string", name);
		return -EINVAL;
	}
	pt_strlcpy(out, v->valuestring, len);
	return 0;
}

static int parse_severity(const char *s, enum pt_severity *sev)
{
	size_t i;

	for (i = 0; i < PT_ARRAY_SIZE(severity_names); i++)
		if (!strcmp(s, severity_names[i])) {
			*sev = (enum pt_severity)i;
			return 0;
		}
	return -EINVAL;
}

static int parse_culprit(const cJSON *o, struct pt_culprit *c)
{
	const cJSON *v;
	uint64_t u;

	memset(c, 0, sizeof(*c));
	if (!cJSON_IsObject(o))
		return -EINVAL;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "dev")) && cJSON_IsString(v)) {
		c->kind = PT_CULPRIT_DEV;
		pt_strlcpy(c->dev, v->valuestring, sizeof(c->dev));
	} else if ((v = cJSON_GetObjectItemCaseSensitive(o, "saddr")) &&
		   cJSON_IsString(v)) {
		c->kind = PT_CULPRIT_CONN;
		pt_strlcpy(c->saddr, v->valuestring, sizeof(c->saddr));
		if ((v = cJSON_GetObjectItemCaseSensitive(o, "daddr")) && cJSON_IsString(v))
			pt_strlcpy(c->daddr, v->valuestring, sizeof(c->daddr));
		if (get_uint(cJSON_GetObjectItemCaseSensitive(o, "sport"), UINT16_MAX, &u))
			c->sport = (uint16_t)u;
		if (get_uint(cJSON_GetObjectItemCaseSensitive(o, "dport"), UINT16_MAX, &u))
			c->dport = (uint16_t)u;
	} else {
		c->kind = PT_CULPRIT_TASK;
	}
	if (get_uint(cJSON_GetObjectItemCaseSensitive(o, "pid"), UINT32_MAX, &u))
		c->task.pid = (uint32_t)u;
	if (get_uint(cJSON_GetObjectItemCaseSensitive(o, "tgid"), UINT32_MAX, &u))
		c->task.tgid = (uint32_t)u;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "comm")) && cJSON_IsString(v))
		pt_strlcpy(c->task.comm, v->valuestring, sizeof(c->task.comm));
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "cgroup")) && cJSON_IsString(v))
		pt_strlcpy(c->task.cgroup, v->valuestring, sizeof(c->task.cgroup));
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "value")) && cJSON_IsNumber(v))
		c->value = v->valuedouble;
	return 0;
}

int pt_json_parse_finding(const cJSON *o, struct pt_finding *f, char *err,
			  size_t errlen)
{
	char sev[16];
	const cJSON *cs, *it, *v;

	memset(f, 0, sizeof(*f));
	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "finding: expected an object");
		return -EINVAL;
	}
	if (get_str(o, "severity", sev, sizeof(sev), err, errlen) ||
	    parse_severity(sev, &f->severity)) {
		snprintf(err, errlen, "finding.severity: expected \"warning\" or \"critical\"");
		return -EINVAL;
	}
	if (get_str(o, "subsystem", f->subsystem, sizeof(f->subsystem), err, errlen) ||
	    get_str(o, "rule", f->rule, sizeof(f->rule), err, errlen) ||
	    get_str(o, "summary", f->summary, sizeof(f->summary), err, errlen) ||
	    get_str(o, "unit", f->unit, sizeof(f->unit), err, errlen))
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(o, "value");
	f->value = cJSON_IsNumber(v) ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(o, "threshold");
	f->threshold = cJSON_IsNumber(v) ? v->valuedouble : 0;
	v = cJSON_GetObjectItemCaseSensitive(o, "advice");
	if (cJSON_IsString(v))
		pt_strlcpy(f->advice, v->valuestring, sizeof(f->advice));
	cs = cJSON_GetObjectItemCaseSensitive(o, "culprits");
	cJSON_ArrayForEach(it, cs) {
		if (f->nr_culprits >= PT_MAX_CULPRITS)
			break;
		if (!parse_culprit(it, &f->culprits[f->nr_culprits]))
			f->nr_culprits++;
	}
	return 0;
}

int pt_json_parse_header(const cJSON *o, struct pt_header *h, char *err,
			 size_t errlen)
{
	const cJSON *v, *probes, *filters;
	char fmt[32], start[64];
	uint64_t ver, ncpu;
	int i;

	memset(h, 0, sizeof(*h));
	if (get_str(o, "format", fmt, sizeof(fmt), err, errlen) ||
	    strcmp(fmt, PT_TRACE_FORMAT)) {
		snprintf(err, errlen, "not a perftop trace (format is not \"%s\")",
			 PT_TRACE_FORMAT);
		return -EINVAL;
	}
	if (get_u64(o, "version", &ver, err, errlen))
		return -EINVAL;
	if (ver != PT_TRACE_VERSION) {
		snprintf(err, errlen, "trace version %llu is not supported (this perftop reads version %d)",
			 (unsigned long long)ver, PT_TRACE_VERSION);
		return -EINVAL;
	}
	if (get_str(o, "hostname", h->hostname, sizeof(h->hostname), err, errlen) ||
	    get_str(o, "kernel", h->kernel, sizeof(h->kernel), err, errlen) ||
	    get_u64(o, "nr_cpus", &ncpu, err, errlen) ||
	    get_u64(o, "interval_ns", &h->interval_ns, err, errlen) ||
	    get_str(o, "start_time", start, sizeof(start), err, errlen))
		return -EINVAL;
	h->nr_cpus = (unsigned int)ncpu;
	if (pt_parse_rfc3339(start, &h->start_time_ns)) {
		snprintf(err, errlen, "start_time: not an RFC 3339 UTC time");
		return -EINVAL;
	}
	probes = cJSON_GetObjectItemCaseSensitive(o, "probes");
	for (i = 0; i < PT_NR_FAMILIES; i++) {
		struct pt_probe_status *ps = &h->probes[i];
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(
			probes, pt_family_name((enum pt_family_id)i));

		if (!cJSON_IsObject(p))
			continue;
		ps->requested = true;
		v = cJSON_GetObjectItemCaseSensitive(p, "ok");
		ps->ok = cJSON_IsTrue(v);
		v = cJSON_GetObjectItemCaseSensitive(p, "attach");
		if (cJSON_IsString(v))
			pt_strlcpy(ps->attach, v->valuestring, sizeof(ps->attach));
		v = cJSON_GetObjectItemCaseSensitive(p, "error");
		if (cJSON_IsString(v))
			pt_strlcpy(ps->error, v->valuestring, sizeof(ps->error));
	}
	filters = cJSON_GetObjectItemCaseSensitive(o, "filters");
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(filters, "pids")) {
		uint64_t pid;

		if (h->nr_filter_pids < (int)PT_ARRAY_SIZE(h->filter_pids) &&
		    get_uint(v, UINT32_MAX, &pid))
			h->filter_pids[h->nr_filter_pids++] = (uint32_t)pid;
	}
	v = cJSON_GetObjectItemCaseSensitive(filters, "cgroup");
	if (cJSON_IsString(v))
		pt_strlcpy(h->filter_cgroup, v->valuestring, sizeof(h->filter_cgroup));
	return 0;
}

static void get_pressure(const cJSON *o, struct pt_pressure *p)
{
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(o, "pressure");
	const cJSON *v;

	p->cpu = p->memory = p->io = -1;
	if ((v = cJSON_GetObjectItemCaseSensitive(pr, "cpu_some_avg10")) && cJSON_IsNumber(v))
		p->cpu = v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(pr, "memory_some_avg10")) && cJSON_IsNumber(v))
		p->memory = v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(pr, "io_some_avg10")) && cJSON_IsNumber(v))
		p->io = v->valuedouble;
}

static int get_families(const cJSON *o, struct pt_snapshot *s, char *err,
			size_t errlen)
{
	const cJSON *fam;

	if ((fam = cJSON_GetObjectItemCaseSensitive(o, "sched"))) {
		s->families |= 1u << PT_SCHED;
		if (GET_RECORDS(fam, "tasks", s->sched_tasks, sched_task_fields, "sched") ||
		    GET_RECORDS(fam, "cpus", s->sched_cpus, sched_cpu_fields, "sched") ||
		    get_fields(cJSON_GetObjectItemCaseSensitive(fam, "system"),
			       sched_sys_fields, &s->sched_sys, "sched.system",
			       err, errlen))
			return -EINVAL;
	}
	if ((fam = cJSON_GetObjectItemCaseSensitive(o, "faults"))) {
		s->families |= 1u << PT_FAULT;
		if (GET_RECORDS(fam, "tasks", s->fault_tasks, fault_task_fields, "faults") ||
		    get_u64(fam, "minor", &s->fault_minor, err, errlen) ||
		    get_u64(fam, "major", &s->fault_major, err, errlen))
			return -EINVAL;
	}
	if ((fam = cJSON_GetObjectItemCaseSensitive(o, "block"))) {
		s->families |= 1u << PT_BLOCK;
		if (GET_RECORDS(fam, "devices", s->block_devs, block_dev_fields, "block") ||
		    GET_RECORDS(fam, "tasks", s->block_tasks, block_task_fields, "block"))
			return -EINVAL;
	}
	if ((fam = cJSON_GetObjectItemCaseSensitive(o, "tcp"))) {
		s->families |= 1u << PT_TCP;
		if (GET_RECORDS(fam, "conns", s->tcp_conns, tcp_conn_fields, "tcp"))
			return -EINVAL;
	}
	return 0;
}

int pt_json_parse_snapshot(const cJSON *o, struct pt_snapshot *s, char *err,
			   size_t errlen)
{
	const cJSON *arr, *it;
	char when[64];

	pt_snapshot_reset(s);
	if (get_u64(o, "seq", &s->seq, err, errlen) ||
	    get_str(o, "time", when, sizeof(when), err, errlen) ||
	    get_u64(o, "ts_ns", &s->ts_ns, err, errlen) ||
	    get_u64(o, "interval_ns", &s->interval_ns, err, errlen))
		return -EINVAL;
	if (pt_parse_rfc3339(when, &s->time_ns)) {
		snprintf(err, errlen, "time: not an RFC 3339 UTC time");
		return -EINVAL;
	}
	if (get_families(o, s, err, errlen))
		return -EINVAL;
	get_pressure(o, &s->pressure);
	if (get_fields(cJSON_GetObjectItemCaseSensitive(o, "loss"), loss_fields,
		       &s->loss, "loss", err, errlen))
		return -EINVAL;
	arr = cJSON_GetObjectItemCaseSensitive(o, "findings");
	if (arr && !cJSON_IsArray(arr)) {
		snprintf(err, errlen, "findings: expected an array");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, arr) {
		struct pt_finding *f = PT_PUSH(s->findings);

		if (!f || pt_json_parse_finding(it, f, err, errlen))
			return -EINVAL;
	}
	return 0;
}
