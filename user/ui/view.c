// SPDX-License-Identifier: GPL-2.0
/*
 * The view model: snapshot -> lines laid out for a width.  This file has
 * the entry points (header, tab line, body), the findings view and which
 * view shows what; the per-task tables are in view_table.c, line buffers
 * and number formats in view_format.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "util.h"
#include "view.h"
#include "view_impl.h"

/* ---------------------------------------------------------------- views */

static const char *const view_names[PT_NR_VIEWS] = {
	[PT_VIEW_SCHED] = "sched",
	[PT_VIEW_FAULT] = "faults",
	[PT_VIEW_BLOCK] = "block",
	[PT_VIEW_TCP] = "tcp",
	[PT_VIEW_FINDINGS] = "findings",
	[PT_VIEW_CGROUPS] = "cgroups",
};

const char *pt_view_name(enum pt_view_id v)
{
	return v < PT_NR_VIEWS ? view_names[v] : "?";
}

enum pt_view_id pt_view_of_family(enum pt_family_id f)
{
	switch (f) {
	case PT_FAULT: return PT_VIEW_FAULT;
	case PT_BLOCK: return PT_VIEW_BLOCK;
	case PT_TCP: return PT_VIEW_TCP;
	default: return PT_VIEW_SCHED;
	}
}

void pt_view_state_init(struct pt_view_state *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < PT_NR_VIEWS; i++)
		st->sort[i] = -1;
}

/* ------------------------------------------------------------- findings */

static const char *sev_name(enum pt_severity s)
{
	return s == PT_SEV_CRITICAL ? "CRITICAL" : s == PT_SEV_WARNING ?
						   "WARNING" : "OK";
}

static enum pt_attr sev_attr(enum pt_severity s)
{
	return s == PT_SEV_CRITICAL ? PT_A_CRIT : PT_A_WARN;
}

/* A finding's figure: three significant digits, never an exponent. */
static void fmt_value(double v, char *buf, size_t len)
{
	if (fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void fmt_culprit(const struct pt_culprit *c, const char *unit,
			char *buf, size_t len)
{
	char val[48] = "", num[32];

	if (c->value) {
		fmt_value(c->value, num, sizeof(num));
		snprintf(val, sizeof(val), " %s %s", num, unit);
	}
	switch (c->kind) {
	case PT_CULPRIT_DEV:
		snprintf(buf, len, "%s%s", c->dev, val);
		break;
	case PT_CULPRIT_CONN:
		snprintf(buf, len, "%s:%u -> %s:%u%s", c->saddr, c->sport,
			 c->daddr, c->dport, val);
		break;
	case PT_CULPRIT_CGROUP:
		snprintf(buf, len, "cgroup %s%s", c->task.cgroup, val);
		break;
	default:
		snprintf(buf, len, "%s (tid %u, tgid %u, cgroup %s)%s",
			 c->task.comm, c->task.pid, c->task.tgid,
			 c->task.cgroup[0] ? c->task.cgroup : "?", val);
	}
}

static void add_finding(struct pt_lines *out, const struct pt_finding *f,
			int width)
{
	char text[PT_MAX_CULPRITS * (PT_CGROUP_MAX + 96) + 16];
	char value[32], threshold[32];
	size_t used = 0;
	int i;

	fmt_value(f->value, value, sizeof(value));
	fmt_value(f->threshold, threshold, sizeof(threshold));
	view_add_linef(out, width, sev_attr(f->severity),
		       "%-8s %-8s %-22s %s %s (threshold %s %s)",
		       sev_name(f->severity), f->subsystem, f->rule, value, f->unit,
		       threshold, f->unit);
	view_add_wrapped(out, width, PT_A_NORMAL, "    ", f->summary);
	used = (size_t)snprintf(text, sizeof(text), "culprits:");
	for (i = 0; i < f->nr_culprits && used < sizeof(text); i++) {
		char one[PT_CGROUP_MAX + 96];

		fmt_culprit(&f->culprits[i], f->unit, one, sizeof(one));
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s",
					 i ? ";" : "", one);
	}
	if (f->nr_culprits)
		view_add_wrapped(out, width, PT_A_NORMAL, "    ", text);
	if (f->advice[0]) {
		snprintf(text, sizeof(text), "advice: %s", f->advice);
		view_add_wrapped(out, width, PT_A_NORMAL, "    ", text);
	}
}

static void add_findings(struct pt_lines *out, const struct pt_snapshot *s,
			 int width)
{
	size_t i;

	if (!s->findings.n) {
		view_add_linef(out, width, PT_A_DIM,
			       "  (no findings in this interval: no threshold crossed)");
		return;
	}
	for (i = 0; i < s->findings.n; i++) {
		if (i)
			view_add_linef(out, width, PT_A_NORMAL, "%s", "");
		add_finding(out, &s->findings.v[i], width);
	}
}

/* ----------------------------------------------------------------- body */

static enum pt_family_id view_family(enum pt_view_id v)
{
	switch (v) {
	case PT_VIEW_FAULT: return PT_FAULT;
	case PT_VIEW_BLOCK: return PT_BLOCK;
	case PT_VIEW_TCP: return PT_TCP;
	case PT_VIEW_CGROUPS: return PT_CGROUP;
	default: return PT_SCHED;
	}
}

/* A note instead of an empty table when the family did not run. */
static bool family_missing(const struct pt_view_ctx *ctx, enum pt_view_id v,
			   struct pt_lines *out, int width)
{
	enum pt_family_id f = view_family(v);
	const struct pt_probe_status *ps = ctx->hdr ? &ctx->hdr->probes[f] : NULL;

	if (ctx->snap->families & (1u << f))
		return false;
	if (ps && ps->requested && !ps->ok)
		view_add_linef(out, width, PT_A_WARN, "  %s probes are off: %s",
			       pt_family_name(f), ps->error[0] ? ps->error : "failed to start");
	else if (ps && !ps->requested)
		view_add_linef(out, width, PT_A_DIM,
			       "  %s probes were not requested (--probes)",
			       pt_family_name(f));
	else
		view_add_linef(out, width, PT_A_DIM, "  no %s data in this interval",
			       pt_family_name(f));
	return true;
}

int pt_view_body(const struct pt_view_ctx *ctx, const struct pt_view_state *st,
		 int width, struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;

	width = view_clamp_width(width);
	if (!s) {
		view_add_linef(out, width, PT_A_DIM,
			       "  collecting the first interval...");
		return 0;
	}
	if (st->view == PT_VIEW_FINDINGS) {
		add_findings(out, s, width);
		return 0;
	}
	if (family_missing(ctx, st->view, out, width))
		return 0;
	return view_add_tables(out, s, st, width);
}

/* --------------------------------------------------------------- header */

double pt_view_events_per_s(const struct pt_snapshot *s)
{
	double events = (double)(s->sched_sys.runq_count + s->fault_minor +
				 s->fault_major + s->tcp_conns.n);
	size_t i;

	for (i = 0; i < s->block_devs.n; i++)
		events += (double)(s->block_devs.v[i].read_ios +
				   s->block_devs.v[i].write_ios);
	return s->interval_ns ? events * 1e9 / (double)s->interval_ns : 0;
}

double pt_view_busy_from_sched(const struct pt_snapshot *s,
			       unsigned int nr_cpus)
{
	double cap = (double)s->interval_ns * nr_cpus;

	if (!(s->families & (1u << PT_SCHED)) || cap <= 0)
		return -1;
	return fmin(100.0, (double)s->sched_sys.oncpu_ns / cap * 100);
}

static void fmt_uptime(double up, char *buf, size_t len)
{
	long secs = (long)up, days = secs / 86400;

	if (up < 0)
		snprintf(buf, len, "-");
	else if (days)
		snprintf(buf, len, "%ldd %02ld:%02ld", days, secs % 86400 / 3600,
			 secs % 3600 / 60);
	else
		snprintf(buf, len, "%02ld:%02ld", secs / 3600, secs % 3600 / 60);
}

static void fmt_opt(double v, const char *fmt, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static void fmt_interval(uint64_t ns, char *buf, size_t len)
{
	snprintf(buf, len, "%gs", (double)ns / 1e9);
}

static void header_live(const struct pt_view_ctx *ctx, int width,
			struct pt_lines *out)
{
	const struct pt_header *h = ctx->hdr;
	char up[32], load[16], busy[16], iv[16], clock[16] = "--:--:--";
	struct pt_line *l;

	fmt_uptime(ctx->uptime_s, up, sizeof(up));
	fmt_opt(ctx->load1, "%.2f", load, sizeof(load));
	fmt_opt(ctx->cpu_busy, "%.1f%%", busy, sizeof(busy));
	fmt_interval(ctx->interval_ns, iv, sizeof(iv));
	if (ctx->snap) {
		time_t t = (time_t)(ctx->snap->time_ns / 1000000000ull);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	}
	l = view_add_linef(out, width, PT_A_TITLE,
			   "perftop %s%s  %s  %s  up %s  load %s  cpu %s  interval %s",
			   clock, ctx->paused ? " [PAUSED]" : "", h->hostname,
			   h->kernel, up, load, busy, iv);
	view_highlight(l, "[PAUSED]", PT_A_MARK);
}

static void header_replay(const struct pt_view_ctx *ctx, int width,
			  struct pt_lines *out)
{
	const struct pt_header *h = ctx->hdr;
	char when[40], busy[16], iv[16];
	struct pt_line *l;

	pt_format_rfc3339(ctx->snap->time_ns, when, sizeof(when));
	fmt_opt(ctx->cpu_busy, "%.1f%%", busy, sizeof(busy));
	fmt_interval(ctx->snap->interval_ns, iv, sizeof(iv));
	l = view_add_linef(out, width, PT_A_TITLE,
			   "perftop replay %zu/%zu%s  recorded %s  %s  %s  cpu %s  interval %s",
			   ctx->pos + 1, ctx->count, ctx->paused ? "" : " [PLAYING]",
			   when, h->hostname, h->kernel, busy, iv);
	view_highlight(l, "[PLAYING]", PT_A_MARK);
}

static void header_pressure(const struct pt_view_ctx *ctx, int width,
			    struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	char cpu[16], mem[16], io[16], ev[16] = "-", p99[16] = "-";

	/* the interval's share, as the rules judge it; avg10 from older
	 * traces */
	fmt_opt(!s ? -1 : pt_pressure_of(&s->pressure, PT_PSI_CPU), "%.1f%%",
		cpu, sizeof(cpu));
	fmt_opt(!s ? -1 : pt_pressure_of(&s->pressure, PT_PSI_MEMORY), "%.1f%%",
		mem, sizeof(mem));
	fmt_opt(!s ? -1 : pt_pressure_of(&s->pressure, PT_PSI_IO), "%.1f%%",
		io, sizeof(io));
	if (s) {
		pt_fmt_count(pt_view_events_per_s(s), ev, sizeof(ev));
		if (s->families & (1u << PT_SCHED))
			pt_fmt_ns((double)s->sched_sys.runq_p99_ns, p99, sizeof(p99));
	}
	view_add_linef(out, width, PT_A_NORMAL,
		       "PSI some: cpu %s mem %s io %s  events %s/s  runq p99 %s",
		       cpu, mem, io, ev, p99);
}

static void header_loss(const struct pt_view_ctx *ctx, int width,
			struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	char loss[320], probes[160];
	double v[PT_FIELDS_MAX];
	size_t used = 0, k;
	struct pt_line *l;
	int f;

	if (!s)
		snprintf(loss, sizeof(loss), "loss: -");
	else if (!pt_loss_total(&s->loss))
		snprintf(loss, sizeof(loss), "loss: none");
	else {
		/* the kinds that are not zero, as the field table names them */
		used = (size_t)snprintf(loss, sizeof(loss), "LOSS:");
		pt_record_values(&pt_rec_loss, &s->loss, v);
		for (k = 0; k < pt_rec_loss.nr_fields && used < sizeof(loss); k++)
			if (v[k])
				used += (size_t)snprintf(loss + used,
							 sizeof(loss) - used,
							 " %s %.0f",
							 pt_rec_loss.fields[k].name,
							 v[k]);
		used = 0;
	}
	probes[0] = '\0';
	for (f = 0; f < PT_NR_FAMILIES; f++) {
		const struct pt_probe_status *ps = &ctx->hdr->probes[f];

		if (!ps->requested)
			continue;
		used += (size_t)snprintf(probes + used, sizeof(probes) - used,
					 " %s=%s", pt_family_name(f),
					 ps->ok ? ps->attach : "OFF");
		if (used >= sizeof(probes))
			break;
	}
	l = view_add_linef(out, width, PT_A_NORMAL, "%s  probes:%s", loss, probes);
	if (s && pt_loss_total(&s->loss))
		view_highlight(l, loss, PT_A_WARN);
}

static void header_banners(const struct pt_view_ctx *ctx, int width,
			   struct pt_lines *out)
{
	const struct pt_snapshot *s = ctx->snap;
	size_t i, shown;

	if (!s)
		return;
	shown = s->findings.n;
	if (ctx->max_banners >= 0 && shown > (size_t)ctx->max_banners)
		shown = ctx->max_banners > 0 ? (size_t)ctx->max_banners - 1 : 0;
	for (i = 0; i < shown; i++) {
		const struct pt_finding *f = &s->findings.v[i];

		view_add_linef(out, width, sev_attr(f->severity), "%s %s: %s",
			       sev_name(f->severity), f->rule, f->summary);
	}
	if (shown < s->findings.n)
		view_add_linef(out, width, PT_A_WARN, "+%zu more findings: press 5",
			       s->findings.n - shown);
}

void pt_view_header(const struct pt_view_ctx *ctx, int width,
		    struct pt_lines *out)
{
	width = view_clamp_width(width);
	if (ctx->source && ctx->snap)
		header_replay(ctx, width, out);
	else
		header_live(ctx, width, out);
	header_pressure(ctx, width, out);
	header_loss(ctx, width, out);
	header_banners(ctx, width, out);
}

void pt_view_tabs(const struct pt_view_ctx *ctx,
		  const struct pt_view_state *st, int width,
		  struct pt_lines *out)
{
	size_t used = 0, nf = ctx->snap ? ctx->snap->findings.n : 0;
	int v, sel_start = 0, sel_len = 0;
	char tabs[128];
	struct pt_line *l;

	width = view_clamp_width(width);
	for (v = 0; v < PT_NR_VIEWS; v++) {
		int start = (int)used;

		if (v == PT_VIEW_FINDINGS && nf)
			used += (size_t)snprintf(tabs + used, sizeof(tabs) - used,
						 " 5 findings(%zu) ", nf);
		else
			used += (size_t)snprintf(tabs + used, sizeof(tabs) - used,
						 " %d %s ", v + 1, pt_view_name(v));
		if (v == (int)st->view) {
			sel_start = start;
			sel_len = (int)used - start;
		}
	}
	l = view_add_linef(out, width, PT_A_NORMAL, "%s  sort %s  %s%s%s%s", tabs,
			   st->view == PT_VIEW_FINDINGS ? "-" : pt_view_sort_name(st),
			   st->by_cgroup ? "by cgroup" : st->processes ? "processes" :
			   "threads", *st->filter ? "  filter '" : "", st->filter,
			   *st->filter ? "'" : "");
	if (!l || sel_start >= (int)strlen(l->text))
		return;
	l->hl_start = sel_start;
	l->hl_len = sel_len;
	if (sel_start + sel_len > (int)strlen(l->text))
		l->hl_len = (int)strlen(l->text) - sel_start;
	l->hl_attr = PT_A_TAB;
}
