// SPDX-License-Identifier: GPL-2.0
/*
 * Model <-> JSON.  Records are described once, by the model's field
 * tables (model/fields.c), and both directions walk the same tables, so
 * the writer and the reader cannot drift apart.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "fields.h"
#include "trace.h"
#include "util.h"

/* ---- writing ---- */

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

	for (i = 0; i < len && (n = pt_utf8_seq(s + i)); i += n)
		;
	if (i == len) {
		cJSON_AddItemToObjectCS(o, name, cJSON_CreateString(str));
		return;
	}
	if (len * 3 + 1 > sizeof(small) && !(buf = malloc(len * 3 + 1)))
		return;
	for (p = buf, i = 0; i < len; i += n ? n : 1) {
		n = pt_utf8_seq(s + i);
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

static void put_fields(cJSON *o, const struct pt_record_type *rt,
		       const void *rec)
{
	const char *base = rec;
	size_t i;

	for (i = 0; i < rt->nr_fields; i++) {
		const struct pt_field *f = &rt->fields[i];
		const void *p = base + f->off;

		switch (f->type) {
		case PT_FT_U16:
			add_number(o, f->name, *(const uint16_t *)p);
			break;
		case PT_FT_U32:
			add_number(o, f->name, *(const uint32_t *)p);
			break;
		case PT_FT_U64:
			/* doubles hold integers exactly up to 2^53 (104 days
			 * of nanoseconds in one interval): enough */
			add_number(o, f->name, (double)*(const uint64_t *)p);
			break;
		case PT_FT_INT:
			add_number(o, f->name, *(const int *)p);
			break;
		case PT_FT_DBL:
			if (f->nullable && *(const double *)p < 0)
				cJSON_AddItemToObjectCS(o, f->name,
							cJSON_CreateNull());
			else
				add_number(o, f->name, *(const double *)p);
			break;
		case PT_FT_STR:
			add_str(o, f->name, (const char *)p);
			break;
		case PT_FT_DERIVED:
			break;
		}
	}
}

cJSON *pt_json_loss(const struct pt_loss *l)
{
	cJSON *o = cJSON_CreateObject();

	put_fields(o, &pt_rec_loss, l);
	return o;
}

cJSON *pt_json_finding(const struct pt_finding *f)
{
	cJSON *o = cJSON_CreateObject(), *cs = cJSON_CreateArray();
	int i;

	cJSON_AddStringToObject(o, "severity", pt_severity_name(f->severity));
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
		if (c->kind == PT_CULPRIT_CGROUP)
			add_str(co, "cgroup", c->task.cgroup);
		if (c->kind == PT_CULPRIT_TASK || c->task.pid) {
			cJSON_AddNumberToObject(co, "pid", c->task.pid);
			cJSON_AddNumberToObject(co, "tgid", c->task.tgid);
			add_str(co, "comm", c->task.comm);
			add_str(co, "cgroup", c->task.cgroup);
		}
		cJSON_AddNumberToObject(co, "value", c->value);
		if (c->site[0])
			add_str(co, "site", c->site);
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
	if (h->cgroup_hierarchy[0])
		cJSON_AddStringToObject(o, "cgroup_hierarchy", h->cgroup_hierarchy);
	if (h->perftop_pid)
		cJSON_AddNumberToObject(o, "perftop_pid", h->perftop_pid);
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
		if (i == PT_TCP && h->tcp_owner[0])
			cJSON_AddStringToObject(p, "owner", h->tcp_owner);
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

/*
 * A record's latency histogram (from version 2): {"sum_ns":S,"buckets":
 * [[lower_ns,count],...]}, the buckets that counted anything, named by
 * their lower bound in ns so a reader files each by value, not by an
 * index that would tie traces to today's bucket layout.
 */
static void put_hist(cJSON *o, const struct pt_record_type *rt,
		     const struct pt_snapshot *s, const void *rec)
{
	struct pt_lat_hist h;
	cJSON *ho, *arr;
	unsigned int b;

	if (!pt_record_hist(rt, s, rec, &h) || !(ho = cJSON_CreateObject()))
		return;
	add_number(ho, "sum_ns", (double)h.sum_ns);
	arr = cJSON_CreateArray();
	for (b = 0; arr && b < PT_LAT_BUCKETS; b++) {
		const double pair[2] = { (double)pt_lat_hist_lower(b),
					 (double)h.bucket[b] };

		if (h.bucket[b])
			cJSON_AddItemToArray(arr, cJSON_CreateDoubleArray(pair, 2));
	}
	cJSON_AddItemToObjectCS(ho, "buckets", arr);
	cJSON_AddItemToObjectCS(o, rt->hist.json, ho);
}

static cJSON *fields_object(const struct pt_record_type *rt,
			    const struct pt_snapshot *s, const void *rec)
{
	cJSON *o = cJSON_CreateObject();

	if (o) {
		put_fields(o, rt, rec);
		put_hist(o, rt, s, rec);
	}
	return o;
}

/* One record type of a family: "name":[records] or "name":{fields}, or
 * the fields themselves spliced into the family's object (json NULL). */
static void put_member(struct emit *e, const struct pt_record_type *rt,
		       const struct pt_snapshot *s, bool first)
{
	size_t i, n = pt_record_count(rt, s);

	if (!first)
		put_s(e, ",");
	if (!rt->json) {
		put_json(e, fields_object(rt, s, pt_record_at(rt, s, 0)), true);
		return;
	}
	put_s(e, "\"");
	put_s(e, rt->json);
	put_s(e, "\":");
	if (!rt->array) {
		put_json(e, fields_object(rt, s, pt_record_at(rt, s, 0)), false);
		return;
	}
	put_s(e, "[");
	for (i = 0; i < n && !e->err; i++) {
		if (i)
			put_s(e, ",");
		put_json(e, fields_object(rt, s, pt_record_at(rt, s, i)), false);
	}
	put_s(e, "]");
}

int pt_json_snapshot_emit(const struct pt_snapshot *s,
			  struct pt_json_sink *sink)
{
	struct emit e = { .sink = sink };
	cJSON *o = cJSON_CreateObject();
	char when[40];
	size_t i;
	int fam;

	cJSON_AddStringToObject(o, "type", "snapshot");
	cJSON_AddNumberToObject(o, "seq", (double)s->seq);
	pt_format_rfc3339(s->time_ns, when, sizeof(when));
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "ts_ns", (double)s->ts_ns);
	cJSON_AddNumberToObject(o, "interval_ns", (double)s->interval_ns);
	put_s(&e, "{");
	put_json(&e, o, true);
	for (fam = 0; fam < PT_NR_FAMILIES; fam++) {
		bool first = true;

		if (!(s->families & (1u << fam)))
			continue;
		put_s(&e, ",\"");
		put_s(&e, pt_family_json((enum pt_family_id)fam));
		put_s(&e, "\":{");
		for (i = 0; i < pt_nr_records; i++) {
			if (pt_records[i]->family != fam)
				continue;
			put_member(&e, pt_records[i], s, first);
			first = false;
		}
		put_s(&e, "}");
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObjectCS(o, "pressure",
				fields_object(&pt_rec_pressure, s, &s->pressure));
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

static bool in_range(double d, enum pt_ftype type)
{
	switch (type) {
	case PT_FT_U16: return num_fits(d, 0, UINT16_MAX);
	case PT_FT_U32: return num_fits(d, 0, UINT32_MAX);
	case PT_FT_U64: return num_fits(d, 0, 18446744073709549568.0);
	case PT_FT_INT: return num_fits(d, INT32_MIN, INT32_MAX);
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

/* The histogram put_hist() wrote; a trace before rt->hist.version has
 * none: the record's percentiles are all there is (missing = 1). */
static int get_hist(const cJSON *o, const struct pt_record_type *rt,
		    struct pt_snapshot *s, void *rec, const char *where,
		    char *err, size_t errlen)
{
	struct pt_lat_hist hist = { 0 }, *h = &hist;
	const cJSON *ho, *arr, *it;
	uint64_t lo, n;

	if (!rt->hist.json)
		return 0;
	ho = cJSON_GetObjectItemCaseSensitive(o, rt->hist.json);
	if (!ho) {
		h->missing = 1;
		return pt_record_hist_set(rt, s, rec, h) ? -ENOMEM : 0;
	}
	arr = cJSON_GetObjectItemCaseSensitive(ho, "buckets");
	if (!get_uint(cJSON_GetObjectItemCaseSensitive(ho, "sum_ns"),
		      18446744073709549568.0, &h->sum_ns) || !cJSON_IsArray(arr)) {
		snprintf(err, errlen, "%s.%s: expected {\"sum_ns\": n, \"buckets\": [[lower_ns, count], ...]}",
			 where, rt->hist.json);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_GetArraySize(it) != 2 ||
		    !get_uint(cJSON_GetArrayItem(it, 0), 18446744073709549568.0, &lo) ||
		    !get_uint(cJSON_GetArrayItem(it, 1), 9007199254740992.0, &n)) {
			snprintf(err, errlen, "%s.%s.buckets: expected [lower_ns, count] pairs of numbers >= 0",
				 where, rt->hist.json);
			return -EINVAL;
		}
		h->bucket[pt_lat_hist_bucket(lo)] += n;
		h->count += n;
	}
	if (pt_record_hist_set(rt, s, rec, h)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static int get_fields(const cJSON *o, const struct pt_record_type *rt,
		      struct pt_snapshot *s, void *rec, const char *where,
		      char *err, size_t errlen)
{
	char *base = rec;
	size_t i;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "%s: expected an object", where);
		return -EINVAL;
	}
	for (i = 0; i < rt->nr_fields; i++) {
		const struct pt_field *f = &rt->fields[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->name);
		void *p = base + f->off;
		double d;

		if (f->type == PT_FT_DERIVED || (!v && f->optional))
			continue;
		if (f->type == PT_FT_STR) {
			if (!cJSON_IsString(v)) {
				snprintf(err, errlen, "%s.%s: expected a string",
					 where, f->name);
				return -EINVAL;
			}
			pt_strlcpy(p, v->valuestring, f->len);
			continue;
		}
		/* unknown (null, or left out by an older writer) */
		if (f->nullable && (!cJSON_IsNumber(v) ||
				    !isfinite(v->valuedouble))) {
			*(double *)p = -1;
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
		case PT_FT_U16: *(uint16_t *)p = (uint16_t)d; break;
		case PT_FT_U32: *(uint32_t *)p = (uint32_t)d; break;
		case PT_FT_U64: *(uint64_t *)p = (uint64_t)d; break;
		case PT_FT_INT: *(int *)p = (int)d; break;
		case PT_FT_DBL: *(double *)p = d; break;
		default: break;
		}
	}
	return get_hist(o, rt, s, rec, where, err, errlen);
}

/* One record type of a family object (see put_member). */
static int get_member(const cJSON *fam, const struct pt_record_type *rt,
		      struct pt_snapshot *s, char *err, size_t errlen)
{
	const char *where = pt_family_json((enum pt_family_id)rt->family);
	const cJSON *m, *it;
	char path[64];
	size_t i = 0;
	int rc;

	if (!rt->json)
		return get_fields(fam, rt, s, pt_record_single(rt, s), where, err,
				  errlen);
	m = cJSON_GetObjectItemCaseSensitive(fam, rt->json);
	if (!m && rt->optional)
		return 0;	/* a record type added after this trace */
	if (!rt->array) {
		snprintf(path, sizeof(path), "%s.%s", where, rt->json);
		return get_fields(m, rt, s, pt_record_single(rt, s), path, err,
				  errlen);
	}
	if (!cJSON_IsArray(m)) {
		snprintf(err, errlen, "%s.%s: expected an array", where, rt->json);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, m) {
		void *rec = pt_record_push(rt, s);

		if (!rec) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), "%s.%s[%zu]", where, rt->json, i++);
		rc = get_fields(it, rt, s, rec, path, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

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
	} else if (!cJSON_GetObjectItemCaseSensitive(o, "pid") &&
		   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "cgroup"))) {
		c->kind = PT_CULPRIT_CGROUP;
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
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "site")) && cJSON_IsString(v))
		pt_strlcpy(c->site, v->valuestring, sizeof(c->site));
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
	    pt_severity_parse(sev, &f->severity)) {
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
	uint64_t ver, ncpu, pid;
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
	if (ver < 1 || ver > PT_TRACE_VERSION) {
		snprintf(err, errlen, "trace version %llu is not supported (this perftop reads versions 1 to %d)",
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
	v = cJSON_GetObjectItemCaseSensitive(o, "cgroup_hierarchy");
	if (cJSON_IsString(v))
		pt_strlcpy(h->cgroup_hierarchy, v->valuestring,
			   sizeof(h->cgroup_hierarchy));
	v = cJSON_GetObjectItemCaseSensitive(o, "perftop_pid");
	if (v && get_uint(v, UINT32_MAX, &pid))
		h->perftop_pid = (uint32_t)pid;
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
		v = cJSON_GetObjectItemCaseSensitive(p, "owner");
		if (i == PT_TCP && cJSON_IsString(v) &&
		    (!strcmp(v->valuestring, "process") ||
		     !strcmp(v->valuestring, "thread")))
			pt_strlcpy(h->tcp_owner, v->valuestring,
				   sizeof(h->tcp_owner));
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

static int get_families(const cJSON *o, struct pt_snapshot *s, char *err,
			size_t errlen)
{
	const cJSON *fam;
	size_t i;
	int id;

	for (id = 0; id < PT_NR_FAMILIES; id++) {
		fam = cJSON_GetObjectItemCaseSensitive(
			o, pt_family_json((enum pt_family_id)id));
		if (!fam)
			continue;
		s->families |= 1u << id;
		for (i = 0; i < pt_nr_records; i++)
			if (pt_records[i]->family == id &&
			    get_member(fam, pt_records[i], s, err, errlen))
				return -EINVAL;
	}
	return 0;
}

int pt_json_parse_snapshot(const cJSON *o, struct pt_snapshot *s, char *err,
			   size_t errlen)
{
	const cJSON *arr, *it, *pr;
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
	/* pressure is optional and each value may be unknown */
	pr = cJSON_GetObjectItemCaseSensitive(o, "pressure");
	if (cJSON_IsObject(pr))
		get_fields(pr, &pt_rec_pressure, s, &s->pressure, "pressure", err,
			   errlen);
	if (get_fields(cJSON_GetObjectItemCaseSensitive(o, "loss"),
		       &pt_rec_loss, s, &s->loss, "loss", err, errlen))
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
