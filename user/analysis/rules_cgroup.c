// SPDX-License-Identifier: GPL-2.0
/*
 * Rules over cgroups: the cause is a limit someone set, so the finding
 * names the cgroup and the limit (docs/detection.md).
 *  - cpu.throttling: % of CFS bandwidth periods in which a cgroup ran out
 *    of quota (cpu.stat nr_throttled / nr_periods), worst cgroup;
 *  - memory.oom_kills: OOM kills per second (oom:mark_victim);
 *  - memory.thrashing: workingset refaults per second of the worst cgroup
 *    (pages evicted and read back: the working set does not fit its
 *    memory); a parent whose refaults are one child's is not named.
 */
#include <stdio.h>
#include <string.h>

#include "detect_rules.h"
#include "fields.h"
#include "util.h"

#define MIB (1024.0 * 1024.0)
/* Fewer CFS periods than this in an interval say too little (a cgroup
 * that woke for one period): 5 = half a second at the default 100 ms. */
#define MIN_PERIODS 5

/* Is `path` the cgroup `cg` or below it? */
static bool under(const char *path, const char *cg)
{
	size_t n = strlen(cg);

	if (!strcmp(cg, "/"))
		return true;
	return !strncmp(path, cg, n) && (path[n] == '/' || !path[n]);
}

const struct pt_cgroup *pt_throttled_cgroup(const struct pt_snapshot *s,
					    const char *path)
{
	const struct pt_cgroup *best = NULL;
	size_t i;

	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];

		if (g->cpu_throttled_periods && g->cpu_quota_us &&
		    under(path, g->path) &&
		    (!best || g->cpu_throttled_ns > best->cpu_throttled_ns))
			best = g;
	}
	return best;
}

/* A cgroup culprit, keyed and named by its record type (fields.c). */
static void cgroup_culprit(struct rule_ctx *c, const struct pt_cgroup *g,
			   double value)
{
	pt_rule_add_record(c, &pt_rec_cgroups, g, value, value, 1);
}

/* CPU its tasks used in the interval: the cgroup's own counter, else
 * (v1 without cpuacct at that path) the sched family's on-CPU time of its
 * threads. */
static double used_cpus(const struct pt_snapshot *s, const struct pt_cgroup *g)
{
	double ns = (double)g->cpu_usage_ns;
	size_t i;

	if (!ns)
		for (i = 0; i < s->sched_tasks.n; i++)
			if (under(s->sched_tasks.v[i].id.cgroup, g->path))
				ns += (double)s->sched_tasks.v[i].oncpu_ns;
	return ns / 1e9 / pt_rule_interval_s(s);
}

void pt_sample_throttling(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_cgroup *worst = NULL;
	size_t i;

	if (!(s->families & (1u << PT_CGROUP)))
		return;
	out->measured = true;
	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];
		double pct;

		if (!g->cpu_quota_us || g->cpu_periods < MIN_PERIODS)
			continue;
		pct = 100.0 * (double)g->cpu_throttled_periods /
		      (double)g->cpu_periods;
		if (g->cpu_throttled_periods)
			cgroup_culprit(c, g, pct);
		if (pct > out->value || (!worst && pct > 0)) {
			out->value = pct;
			worst = g;
		}
	}
	if (worst && worst->cpu_period_us)
		pt_rule_say(c, "cgroup %s is capped at %.2f CPU (quota %llu us per %llu us period) and used %.2f CPU, throttled in %llu of %llu periods (%.0f ms/s): its tasks wait for quota, not for CPUs; raise its quota (cpu.max, cpu.cfs_quota_us) or reduce its work",
			 worst->path,
			 (double)worst->cpu_quota_us / (double)worst->cpu_period_us,
			 (unsigned long long)worst->cpu_quota_us,
			 (unsigned long long)worst->cpu_period_us,
			 used_cpus(s, worst),
			 (unsigned long long)worst->cpu_throttled_periods,
			 (unsigned long long)worst->cpu_periods,
			 (double)worst->cpu_throttled_ns / 1e6 /
				 pt_rule_interval_s(s));
}

const struct pt_cgroup *pt_io_limiter(const struct pt_snapshot *s,
				      const char *path)
{
	const struct pt_cgroup *best = NULL, *other = NULL;
	size_t i;

	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];

		if (!g->io_limited)
			continue;
		if (under(path, g->path)) {
			if (!best || strlen(g->path) > strlen(best->path))
				best = g;
		} else if (!g->tasks && !other) {
			other = g;
		}
	}
	return best ? best : other;
}

/* The limit that applies to `path`: its own or its nearest ancestor's. */
static const struct pt_cgroup *mem_limiter(const struct pt_snapshot *s,
					   const char *path)
{
	const struct pt_cgroup *best = NULL;
	size_t i;

	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];

		if (g->mem_limit_bytes && under(path, g->path) &&
		    (!best || strlen(g->path) > strlen(best->path)))
			best = g;
	}
	return best;
}

/* The memory-limited cgroup that counted the most OOM kills itself in
 * the interval (memory.events, memory.oom_control), or NULL. */
static const struct pt_cgroup *oom_counter(const struct pt_snapshot *s)
{
	const struct pt_cgroup *best = NULL;
	size_t i;

	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];

		if (g->mem_limit_bytes && g->mem_oom_kills &&
		    (!best || g->mem_oom_kills > best->mem_oom_kills ||
		     (g->mem_oom_kills == best->mem_oom_kills &&
		      strlen(g->path) > strlen(best->path))))
			best = g;
	}
	return best;
}

void pt_sample_oom_kills(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_oom_kill *last = NULL;
	size_t i;

	if (!(s->families & (1u << PT_OOM)))
		return;
	out->measured = true;
	out->value = (double)s->oom.kills / pt_rule_interval_s(s);
	for (i = 0; i < s->oom_victims.n; i++) {
		const struct pt_oom_kill *k = &s->oom_victims.v[i];
		struct pt_culprit who;
		char key[PT_CGROUP_MAX + PT_COMM_MAX + 2];

		memset(&who, 0, sizeof(who));
		who.kind = PT_CULPRIT_TASK;
		who.task.pid = k->pid;
		who.task.tgid = k->tgid;
		pt_strlcpy(who.task.comm, k->comm, sizeof(who.task.comm));
		pt_strlcpy(who.task.cgroup, k->cgroup, sizeof(who.task.cgroup));
		/* one culprit per command and cgroup: a respawning task is
		 * killed under a new pid each time */
		snprintf(key, sizeof(key), "%s/%s", k->cgroup, k->comm);
		pt_rule_add_entity(c, key, &who, 1, 1, 0);
		last = k;
	}
	if (last) {
		const struct pt_cgroup *g =
			mem_limiter(s, last->mem_cgroup[0] ? last->mem_cgroup
							   : last->cgroup);

		/* none on the victim's path: a limited cgroup that counted
		 * kills itself (on v1 the memory cgroup may be another path
		 * than the one naming the task: user/collection/cgroup.c) */
		if (!g)
			g = oom_counter(s);

		if (g)
			pt_rule_say(c, "the OOM killer killed %s (%llu MiB resident) in %s, at the memory limit of %s (%.0f MiB): raise that limit (memory.max, memory.limit_in_bytes) or reduce the memory its tasks use",
				 last->comm,
				 (unsigned long long)(last->rss_bytes >> 20),
				 last->cgroup, g->path,
				 (double)g->mem_limit_bytes / MIB);
		else
			pt_rule_say(c, "the OOM killer killed %s (%llu MiB resident) in %s: the machine ran out of memory; add memory, or cap the largest consumers (cgroup memory.max)",
				 last->comm,
				 (unsigned long long)(last->rss_bytes >> 20),
				 last->cgroup);
	}
}

/* Are g's refaults (nearly) all one descendant's?  Both v1 (total_) and
 * v2 count a child's refaults in every ancestor: name the child. */
static bool explained_below(const struct pt_snapshot *s,
			    const struct pt_cgroup *g)
{
	size_t i;

	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *h = &s->cgroups.v[i];

		if (h != g && strcmp(h->path, g->path) &&
		    under(h->path, g->path) &&
		    (double)h->mem_refaults >= 0.95 * (double)g->mem_refaults)
			return true;
	}
	return false;
}

/*
 * The root's refaults are the machine's.  It is a candidate of its own
 * when the page cache of the whole machine is too small for what runs
 * (a 3 GiB file re-read with 2.3 GiB available: 445k refaults/s, memory
 * PSI 5.7%, no finding but disk ones before; explore helper, 2026-12-03),
 * not when most of them are one memory-limited cgroup's, which is named
 * instead (v1 and v2 count a child's refaults in every ancestor).
 */
static bool root_thrashes(const struct pt_snapshot *s,
			  const struct pt_cgroup *root)
{
	size_t i;

	if (explained_below(s, root))
		return false;
	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];

		if (g != root && strcmp(g->path, "/") &&
		    mem_limiter(s, g->path) &&
		    (double)g->mem_refaults >= 0.5 * (double)root->mem_refaults)
			return false;
	}
	return true;
}

/*
 * A memory-limited cgroup's thrashing is the machine's major faults and
 * memory pressure too: a process re-reading a 256 MiB mapping in a 64 MiB
 * memory cgroup made memory.major_faults and memory.pressure advise "add
 * RAM" beside memory.thrashing's "raise the limit", with 23 GB free
 * (explore helper, 2026-12-04).  Most (half) of the root's refaults, as
 * root_thrashes() divides them the other way; with no root in view, its
 * own rate must reach the warning.
 */
static const struct pt_cgroup *limited_thrasher(const struct rule_ctx *c,
						const struct pt_cgroup **lim)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_cgroup *best = NULL, *root = NULL;
	double secs = pt_rule_interval_s(s);
	size_t i;

	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];

		if (!strcmp(g->path, "/")) {
			root = g;
			continue;
		}
		if (g->mem_refaults && mem_limiter(s, g->path) &&
		    !explained_below(s, g) &&
		    (!best || g->mem_refaults > best->mem_refaults))
			best = g;
	}
	if (!best || (double)best->mem_refaults / secs <
			     c->cfg->thr[PT_RULE_THRASHING].warning)
		return NULL;
	if (root && (double)best->mem_refaults <
			    0.5 * (double)root->mem_refaults)
		return NULL;
	*lim = mem_limiter(s, best->path);
	return best;
}

bool pt_say_limited_thrasher(struct rule_ctx *c, const char *what)
{
	const struct pt_cgroup *lim, *g = limited_thrasher(c, &lim);

	if (!g)
		return false;
	pt_rule_say(c, "%s come from cgroup %s, which re-reads %.0f MiB/s of evicted pages at the memory limit of %s (%.0f MiB, %.0f MiB in use): raise that limit (memory.max, memory.limit_in_bytes) or shrink its working set; more RAM for the machine does not help it",
		    what, g->path,
		    (double)g->mem_refaults * 4096 / MIB / pt_rule_interval_s(c->s),
		    lim->path, (double)lim->mem_limit_bytes / MIB,
		    (double)lim->mem_usage_bytes / MIB);
	return true;
}

void pt_sample_thrashing(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_cgroup *worst = NULL, *lim;
	double secs = pt_rule_interval_s(s);
	size_t i;

	if (!(s->families & (1u << PT_CGROUP)))
		return;
	out->measured = true;
	for (i = 0; i < s->cgroups.n; i++) {
		const struct pt_cgroup *g = &s->cgroups.v[i];
		double rate = (double)g->mem_refaults / secs;

		if (!g->mem_refaults ||
		    (!strcmp(g->path, "/") ? !root_thrashes(s, g) :
		     explained_below(s, g)))
			continue;
		cgroup_culprit(c, g, rate);
		if (rate > out->value) {
			out->value = rate;
			worst = g;
		}
	}
	if (!worst)
		return;
	lim = mem_limiter(s, worst->path);
	if (!strcmp(worst->path, "/"))
		pt_rule_say(c, "the machine re-reads %.0f MiB/s of evicted pages (%.0f refaults/s), in no memory-limited cgroup: its memory does not hold the working set of what runs (page cache included); add memory, or shrink or move the largest consumers",
			 out->value * 4096 / MIB, out->value);
	else if (lim)
		pt_rule_say(c, "cgroup %s re-reads %.0f MiB/s of evicted pages (%.0f refaults/s) at the memory limit of %s (%.0f MiB, %.0f MiB in use): its working set is larger than the limit; raise it (memory.max, memory.limit_in_bytes) or shrink the working set",
			 worst->path, out->value * 4096 / MIB, out->value,
			 lim->path, (double)lim->mem_limit_bytes / MIB,
			 (double)lim->mem_usage_bytes / MIB);
	else
		pt_rule_say(c, "cgroup %s re-reads %.0f MiB/s of evicted pages (%.0f refaults/s): the machine's memory does not hold its working set; add memory or move work elsewhere",
			 worst->path, out->value * 4096 / MIB, out->value);
}
