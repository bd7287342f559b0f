// SPDX-License-Identifier: GPL-2.0
/*
 * The rules over waits for CPUs (cpu.runq_latency, cpu.pressure) and the
 * cause their advice names: a cgroup's CPU quota, real-time threads, idle
 * CPUs beside the waits (affinity), low-priority waiters, or else a
 * shortage of CPUs.  docs/detection.md explains each.  Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_rules.h"
#include "fields.h"
#include "util.h"

/*
 * A thread's wait for a CPU in the interval: runnable plus throttled, the
 * sched family's own classes (open waits credited up to the interval's
 * end).  Not run_delay (runq_wait_ns): whether the kernel counts a
 * throttled task's time off the CPU there is the kernel's business, and
 * run_delay only counts waits that ended in the interval.  A trace
 * without wait classes (written before them) has only run_delay.
 */
static double cpu_wait(const struct pt_sched_task *t, bool classes)
{
	return classes ? (double)(t->runnable_ns + t->throttled_ns) :
			 (double)t->runq_wait_ns;
}

/* Has any task wait classes (a trace written before them has none)? */
static bool has_classes(const struct pt_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->sched_tasks.n; i++)
		if (s->sched_tasks.v[i].runnable_ns ||
		    s->sched_tasks.v[i].throttled_ns)
			return true;
	return false;
}

/*
 * Does CPU-quota throttling explain the interval's wait for CPUs?  A task
 * in a cgroup that ran out of CPU quota is runnable but off the CPU while
 * its cgroup is throttled, and PSI counts it as stalled: that wait is the
 * quota's (cpu.throttling), not a lack of CPUs.  The throttled cgroup
 * whose tasks hold at least half of all the wait, or NULL; *thr_ms and
 * *all_ms: those tasks' wait and everyone's, in ms per second.
 */
static const struct pt_cgroup *quota_explains(const struct pt_snapshot *s,
					      double *thr_ms, double *all_ms)
{
	const struct pt_cgroup *thr = NULL;
	double wait = 0, thr_wait = 0, secs = pt_rule_interval_s(s);
	bool classes = has_classes(s);
	size_t i;

	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		const struct pt_cgroup *g = pt_throttled_cgroup(s, t->id.cgroup);
		double w = cpu_wait(t, classes);

		wait += w;
		if (g) {
			thr_wait += w;
			if (!thr || g->cpu_throttled_ns > thr->cpu_throttled_ns)
				thr = g;
		}
	}
	*thr_ms = thr_wait / NS_PER_MS / secs;
	*all_ms = wait / NS_PER_MS / secs;
	return thr && thr_wait * 2 >= wait ? thr : NULL;
}

static void quota_advice(struct rule_ctx *c, const struct pt_cgroup *thr,
			 double thr_ms, double all_ms)
{
	pt_rule_say(c, "most of the wait for CPUs (%.0f of %.0f ms/s runnable or throttled) is CPU-quota throttling of cgroup %s (see cpu.throttling), not a shortage of CPUs; for the other tasks: reduce parallelism or lower their priority (nice, cgroup cpu.weight)",
		       thr_ms, all_ms, thr->path);
}

/* Append CPU numbers of s->sched_cpus (sorted by CPU) for which pick()
 * holds to buf as ranges, "0-3,6". */
static void cpu_ranges(char *buf, size_t len, const struct pt_snapshot *s,
		       bool (*pick)(const struct pt_sched_cpu *, double),
		       double arg)
{
	size_t i, j, at = 0;

	buf[0] = 0;
	for (i = 0; i < s->sched_cpus.n; i = j) {
		const struct pt_sched_cpu *a = &s->sched_cpus.v[i];

		j = i + 1;
		if (!pick(a, arg))
			continue;
		while (j < s->sched_cpus.n && pick(&s->sched_cpus.v[j], arg) &&
		       s->sched_cpus.v[j].cpu == s->sched_cpus.v[j - 1].cpu + 1)
			j++;
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%u", at ? "," : "",
					       a->cpu);
		if (at < len && j - i > 1)
			at += (size_t)snprintf(buf + at, len - at, "-%u",
					       s->sched_cpus.v[j - 1].cpu);
	}
}

/* A CPU idle at least half the interval (arg: the interval in ns). */
static bool cpu_idle(const struct pt_sched_cpu *c, double interval_ns)
{
	return (double)c->idle_ns * 2 >= interval_ns;
}

static bool cpu_busy(const struct pt_sched_cpu *c, double interval_ns)
{
	return !cpu_idle(c, interval_ns);
}

/*
 * Do threads wait for CPUs while other CPUs sit idle?  Then CPUs are not
 * short: the waiting threads cannot move to the idle ones (CPU affinity,
 * a cpuset), which the load balancer otherwise does within milliseconds
 * (3 spinners pinned to one CPU of two here: 2.0 s/s of wait on it, the
 * other 98% idle; unpinned they spread at once).  Judged per CPU, from
 * /proc/stat's idle time (pt_sched_cpu.idle_ns): some CPU idle at least
 * half the interval, and the CPUs idle that long hold at most a tenth of
 * the interval's run-queue wait (waits ended on them).  A machine loaded
 * in bursts, idle half the time everywhere, has its waits on its idle
 * CPUs and is not confined.  A trace without idle_ns has no idle CPU.
 */
static bool confined(const struct pt_snapshot *s, char *advice, size_t len)
{
	double ns = (double)s->interval_ns, wait = 0, idle_wait = 0;
	double idle = 0;
	char idle_cpus[64], busy_cpus[64];
	size_t i, nidle = 0;

	for (i = 0; i < s->sched_cpus.n; i++) {
		const struct pt_sched_cpu *c = &s->sched_cpus.v[i];

		wait += (double)c->runq_wait_ns;
		if (cpu_idle(c, ns)) {
			nidle++;
			idle += (double)c->idle_ns;
			idle_wait += (double)c->runq_wait_ns;
		}
	}
	if (!ns || !nidle || !wait || idle_wait * 10 > wait)
		return false;
	cpu_ranges(idle_cpus, sizeof(idle_cpus), s, cpu_idle, ns);
	cpu_ranges(busy_cpus, sizeof(busy_cpus), s, cpu_busy, ns);
	snprintf(advice, len, "CPU%s %s sat idle %.0f%% of the time while threads waited %.0f ms/s for CPU%s %s: not a shortage of CPUs, the waiting threads cannot move to the idle ones (CPU affinity: taskset -cp PID; their cgroup's cpuset.cpus); widen the CPUs they may use, or spread the work",
		 nidle > 1 ? "s" : "", idle_cpus, idle / (double)nidle / ns * 100,
		 (wait - idle_wait) / NS_PER_MS / pt_rule_interval_s(s),
		 s->sched_cpus.n - nidle > 1 ? "s" : "", busy_cpus);
	return true;
}

/* Tasks split by a predicate: the sum of in_val over those it holds for
 * (top: the largest), of out_val over the others. */
struct tally {
	const struct pt_sched_task *top;
	double in, out, top_val;
};

typedef double (*task_val)(const struct pt_sched_task *t, bool classes);

static struct tally tally(const struct pt_snapshot *s, bool classes,
			  bool (*pred)(const struct pt_sched_task *),
			  task_val in_val, task_val out_val)
{
	struct tally r = { 0 };
	size_t i;

	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		double v;

		if (!pred(t)) {
			r.out += out_val(t, classes);
			continue;
		}
		v = in_val(t, classes);
		r.in += v;
		if (!r.top || v > r.top_val) {
			r.top = t;
			r.top_val = v;
		}
	}
	return r;
}

static double oncpu(const struct pt_sched_task *t, bool classes)
{
	(void)classes;
	return (double)t->oncpu_ns;
}

static bool real_time(const struct pt_sched_task *t)
{
	return pt_sched_policy_rt(t->policy);
}

/*
 * Real-time threads holding CPUs: a SCHED_FIFO, RR or DEADLINE thread runs
 * ahead of every normal thread on its CPU whatever their nice or weight
 * (sched_rt_runtime_us, 95% by default, is a budget a CPU may borrow from
 * the others: a FIFO spinner here ran 999 ms/s of its CPU, two normal
 * spinners pinned beside it none), so the waiters are its victims and
 * "lower their priority" is wrong.  When real-time threads in the
 * snapshot ran at least half a CPU in the interval while others waited
 * for CPUs, the advice names the busiest one.  Under -p/-c a real-time
 * thread outside the filter is not in the snapshot and is not named.
 */
static bool rt_explains(const struct pt_snapshot *s, bool classes,
			char *advice, size_t len)
{
	struct tally rt = tally(s, classes, real_time, oncpu, cpu_wait);
	double secs = pt_rule_interval_s(s);
	char pol[24];

	if (!rt.top || rt.in * 2 < (double)s->interval_ns || !rt.out)
		return false;
	snprintf(advice, len, "real-time threads ran %.0f ms/s (most: %s[%u], %s, %.0f ms/s) and run ahead of every normal thread on their CPUs: the named threads wait %.0f ms/s behind them whatever their nice or cpu.weight; make the real-time work block or yield, run it as a normal thread (chrt -o -p 0 PID), or keep it off their CPUs",
		 rt.in / NS_PER_MS / secs, rt.top->id.comm, rt.top->id.pid,
		 pt_sched_policy_name(rt.top->policy, pol, sizeof(pol)),
		 rt.top_val / NS_PER_MS / secs, rt.out / NS_PER_MS / secs);
	return true;
}

/* A thread of low priority: nice 10 or more (a weight of at most 1/9 of
 * nice 0's) or SCHED_IDLE (weight 3). */
static bool low_priority(const struct pt_sched_task *t)
{
	return t->policy == PT_SCHED_IDLE ||
	       (!pt_sched_policy_rt(t->policy) && t->nice >= 10);
}

/*
 * Are the waiters mostly of low priority?  Then they wait by design while
 * the others run, and lowering their priority (the default advice) is
 * what was done already.  Half of the wait or more, by such threads.
 */
static bool low_priority_waits(const struct pt_snapshot *s, bool classes,
			       char *advice, size_t len)
{
	struct tally low = tally(s, classes, low_priority, cpu_wait, cpu_wait);
	double secs = pt_rule_interval_s(s);
	char pol[24];

	if (!low.top || low.in < low.out)
		return false;
	if (low.top->policy == PT_SCHED_IDLE)
		pt_strlcpy(pol, "SCHED_IDLE", sizeof(pol));
	else
		snprintf(pol, sizeof(pol), "nice %d", low.top->nice);
	snprintf(advice, len, "most of the wait for CPUs (%.0f of %.0f ms/s) is of low-priority threads (most: %s[%u], %s): they give way to the other threads by design; if their work matters, raise its priority (renice, cgroup cpu.weight) or add CPUs, else this wait is the intent",
		 low.in / NS_PER_MS / secs,
		 (low.in + low.out) / NS_PER_MS / secs, low.top->id.comm,
		 low.top->id.pid, pol);
	return true;
}

/*
 * A plain shortage: who ran on the CPUs the waiters wanted.  The culprits
 * are the threads that waited, which may be victims (the kernel's
 * rcu_preempt and kworkers waited longest beside stress-ng's switch
 * stressor, 5th, and the advice told them to reduce their parallelism:
 * explore helper, 2026-12-04), so the advice names who held the CPUs:
 * the 3 commands with the most on-CPU time in the interval, down to a
 * tenth of the first's (a command's processes together: stress-ng's 8
 * are one load), perftop left out.
 * False when there is none (no sched records).
 */
#define TOP_RUNNERS 3

struct runner {
	const char *comm;	/* the process's: its main thread's name */
	uint32_t tgid, pid, procs;	/* procs: of one command, grouped */
	double ns;
};

static int by_tgid_main(const void *a, const void *b)
{
	const struct runner *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	/* the main thread first: its name names the process */
	if ((x->pid != x->tgid) != (y->pid != y->tgid))
		return (x->pid != x->tgid) - (y->pid != y->tgid);
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int by_comm(const void *a, const void *b)
{
	return strcmp(((const struct runner *)a)->comm,
		      ((const struct runner *)b)->comm);
}

static bool who_ran(const struct pt_snapshot *s, char *advice, size_t len)
{
	struct runner *v, top[TOP_RUNNERS];
	char names[TOP_RUNNERS * (PT_COMM_MAX + 48)] = "";
	size_t i, k, n = 0, p = 0, m = 0, off = 0;

	v = calloc(s->sched_tasks.n ? s->sched_tasks.n : 1, sizeof(*v));
	if (!v)
		return false;
	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];

		if (t->id.tgid != s->self_tgid && t->oncpu_ns)
			v[n++] = (struct runner){ t->id.comm, t->id.tgid,
						  t->id.pid, 1,
						  (double)t->oncpu_ns };
	}
	/* one entry per process, named by its main thread when it ran
	 * (a JVM's threads have names of their own), else its lowest id */
	qsort(v, n, sizeof(*v), by_tgid_main);
	for (i = 0; i < n; i++) {
		if (p && v[p - 1].tgid == v[i].tgid) {
			v[p - 1].ns += v[i].ns;
			continue;
		}
		v[p++] = v[i];
	}
	/* then one per command, its processes counted (stress-ng's 8
	 * switch processes are one load) */
	qsort(v, p, sizeof(*v), by_comm);
	for (i = 0; i < p; i++) {
		struct runner r = v[i];

		while (i + 1 < p && !strcmp(v[i + 1].comm, r.comm)) {
			i++;
			r.ns += v[i].ns;
			r.procs++;
		}
		for (k = m; k > 0 && top[k - 1].ns < r.ns; k--)
			if (k < TOP_RUNNERS)
				top[k] = top[k - 1];
		if (k < TOP_RUNNERS) {
			top[k] = r;
			if (m < TOP_RUNNERS)
				m++;
		}
	}
	/* the ones that matter: a tenth of the first's time or more */
	for (k = 1; k < m; k++)
		if (top[k].ns * 10 < top[0].ns)
			m = k;
	for (k = 0; k < m && off < sizeof(names); k++) {
		double cpus = top[k].ns / NS_PER_S / pt_rule_interval_s(s);

		if (top[k].procs > 1)
			off += (size_t)snprintf(names + off, sizeof(names) - off,
						"%s%s (%u processes) %.1f CPUs",
						k ? ", " : "", top[k].comm,
						top[k].procs, cpus);
		else
			off += (size_t)snprintf(names + off, sizeof(names) - off,
						"%s%s[%u] %.1f CPUs",
						k ? ", " : "", top[k].comm,
						top[k].tgid, cpus);
	}
	if (m)
		snprintf(advice, len, "more runnable threads than CPUs: the CPUs ran %s, and the named threads waited behind them: reduce that work or its parallelism, give it more CPUs, or lower the priority of what can wait (nice, cgroup cpu.weight)",
			 names);
	free(v);
	return m > 0;
}

/*
 * The advice for a wait for CPUs, most specific cause first: a cgroup's
 * quota, real-time threads, idle CPUs beside the waits, low-priority
 * waiters; else a shortage, naming who ran (who_ran()), or the rule's own.
 */
static void runq_advice(struct rule_ctx *c)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_cgroup *thr;
	bool classes = has_classes(s);
	double thr_ms, all_ms;

	thr = quota_explains(s, &thr_ms, &all_ms);
	if (thr)
		quota_advice(c, thr, thr_ms, all_ms);
	else if (!rt_explains(s, classes, c->advice, sizeof(c->advice)) &&
		 !confined(s, c->advice, sizeof(c->advice)) &&
		 !low_priority_waits(s, classes, c->advice, sizeof(c->advice)))
		who_ran(s, c->advice, sizeof(c->advice));
}

/*
 * cpu.runq_latency: system p99, or a thread's own p99 if worse.  When
 * throttling explains the wait (quota_explains), the system p99 (which
 * mixes the throttled tasks in) and the throttled tasks are left out:
 * only the other threads' own p99 count, and the advice names the quota.
 */
void pt_sample_runq(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_min_samples *min = &c->cfg->min;
	bool classes = has_classes(s);
	double thr_ms, all_ms;
	size_t i;

	if (!(s->families & (1u << PT_SCHED)))
		return;
	out->measured = true;
	quota_explains(s, &thr_ms, &all_ms);
	/* the system p99 mixes in throttled tasks' waits: only without any */
	if (!thr_ms && s->sched_sys.runq_count >= min->runq_waits)
		out->value = (double)s->sched_sys.runq_p99_ns / NS_PER_MS;
	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		double p99 = (double)t->runq_p99_ns / NS_PER_MS;
		double w = cpu_wait(t, classes);

		if (!w || pt_throttled_cgroup(s, t->id.cgroup))
			continue;	/* a throttled one's wait is the quota's */
		if (t->runq_count >= min->task_runq_waits && p99 > out->value)
			out->value = p99;
		/*
		 * A starving thread: runnable most of the interval, its waits
		 * too few to take a p99 of (a wait that has not ended, or
		 * ends once a second: behind a real-time thread, or at nice
		 * 19).  Its mean wait per episode, the open one counted, is a
		 * floor of its longest: it shows while the starving lasts.
		 */
		if (classes && t->runnable_ns * 2 >= s->interval_ns &&
		    t->runq_count < min->task_runq_waits) {
			double mean = (double)t->runnable_ns /
				      (double)(t->runq_count + 1) / NS_PER_MS;

			if (mean > out->value)
				out->value = mean;
		}
		/* contribution: time spent waiting, in ms per second */
		pt_rule_add_record(c, &pt_rec_sched_tasks, t, w,
				   w / NS_PER_MS, 0);
	}
	runq_advice(c);
}

/* Threads that waited for CPU, as % of the time: what PSI cpu counts. */
static void add_runq_waiters(struct rule_ctx *c)
{
	bool classes = has_classes(c->s);
	size_t i;

	for (i = 0; i < c->s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &c->s->sched_tasks.v[i];
		double w = cpu_wait(t, classes);

		/* a throttled cgroup's tasks are cpu.throttling's culprits */
		if (!w || pt_throttled_cgroup(c->s, t->id.cgroup))
			continue;
		pt_rule_add_record(c, &pt_rec_sched_tasks, t, w,
				   w / NS_PER_S * 100, 0);
	}
}

/*
 * A CPU shortage makes runnable threads wait a slice or more (3-4 ms at
 * HZ=250); waits whose p99 is under this are wakeups onto busy CPUs
 * waiting for the running task to be preempted.  PSI counts those too: a
 * spinner beside a pipe ping-pong on 2 CPUs read 30% of cpu pressure in
 * waits of 1.7 us (p99 0.00 ms), an fsync storm 38% in 2.4 us waits, and
 * the advice was the shortage's, "add CPUs" (explore helper, 2026-12-04).
 * Such waits cost throughput (the ping-pong waited 26% of its time), not
 * latency: the advice says which.
 */
#define SHORT_WAIT_P99_NS 1000000ull

/* cpu.pressure: PSI counts tasks of a throttled cgroup as stalled too;
 * when they hold most of the wait, the advice names the quota; when the
 * waits are all short, that they are wakeups, not a shortage. */
void pt_sample_cpu_psi(struct rule_ctx *c, struct sample *out)
{
	const struct pt_sched_system *sys = &c->s->sched_sys;

	pt_rule_sample_psi(c->s, PT_PSI_CPU, out);
	add_runq_waiters(c);
	/* a quota or a real-time thread makes long waits: not these */
	if (!(c->s->families & (1u << PT_SCHED)) ||
	    sys->runq_count < c->cfg->min.runq_waits ||
	    sys->runq_p99_ns >= SHORT_WAIT_P99_NS)
		runq_advice(c);
	else
		pt_rule_say(c, "tasks wait for a CPU %.0f%% of the time, but in short waits (p99 %.2f ms, %.0f a second): woken onto busy CPUs, each waits microseconds for the running task to be preempted, not a slice in a queue, so wakeup latency stays low; what the named tasks lose is their waiting share of throughput, which fewer wakeups (batching the work they hand each other) or more CPUs would win back",
			    out->value, (double)sys->runq_p99_ns / NS_PER_MS,
			    (double)sys->runq_count / pt_rule_interval_s(c->s));
}
