// SPDX-License-Identifier: GPL-2.0
/*
 * The detection rules: what each one measures in one snapshot (its value,
 * and who contributed), its thresholds and advice, and the defaults.  The
 * engine that turns these per-interval samples into findings over a
 * window is detect.c; docs/detection.md explains both.  Pure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect_rules.h"
#include "fields.h"
#include "util.h"

void pt_rule_say(struct rule_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->advice, sizeof(c->advice), fmt, ap);
	va_end(ap);
}

/* Processes by major faults (threads summed into their tgid). */
static void add_faulters(struct rule_ctx *c)
{
	size_t i;

	for (i = 0; i < c->s->fault_tasks.n; i++) {
		const struct pt_fault_task *t = &c->s->fault_tasks.v[i];

		/* keyed and named by process (model/fields.c) */
		if (t->major)
			pt_rule_add_record(c, &pt_rec_fault_tasks, t,
					   (double)t->major, (double)t->major, 0);
	}
}

/* The interval's share (pt_pressure); avg10 only from traces older than
 * it. */
void pt_rule_sample_psi(const struct pt_snapshot *s, enum pt_psi_res r,
			struct sample *out)
{
	double psi = pt_pressure_of(&s->pressure, r);

	if (psi < 0)
		return;
	out->measured = true;
	out->value = psi;
}

static void sample_major(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;

	if (!(s->families & (1u << PT_FAULT)))
		return;
	out->measured = true;
	if (s->fault_major >= c->cfg->min.major_faults)
		out->value = (double)s->fault_major / pt_rule_interval_s(s);
	add_faulters(c);
	pt_say_limited_thrasher(c, "the major faults");
}

static void sample_mem_psi(struct rule_ctx *c, struct sample *out)
{
	pt_rule_sample_psi(c->s, PT_PSI_MEMORY, out);
	add_faulters(c);
	pt_say_limited_thrasher(c, "the memory stalls");
}

/* disk.latency: the worst device's p99 (each device on its own). */
static void sample_disk(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	size_t i;

	if (!(s->families & (1u << PT_BLOCK)))
		return;
	out->measured = true;
	for (i = 0; i < s->block_devs.n; i++) {
		const struct pt_block_dev *d = &s->block_devs.v[i];
		uint64_t ios = d->read_ios + d->write_ios;
		double p99 = (double)d->lat_p99_ns / NS_PER_MS;

		if (!ios)
			continue;
		if (ios >= c->cfg->min.disk_ios && p99 > out->value)
			out->value = p99;
		/* the slow device is the culprit: ordered by its p99 */
		pt_rule_add_record(c, &pt_rec_block_devs, d, 0,
				   p99 * (double)ios, (double)ios);
	}
}

/*
 * The devices answer in time: every device with enough I/Os has a p99
 * under this (a healthy SSD stays under 5 ms; a disk.latency warning is
 * 50).  Then tasks stalled on I/O wait above the device, and "faster
 * storage" is the wrong advice: dd under a 2 MB/s blkio limit (device
 * p99 0.6 ms) and a writer in balance_dirty_pages both got it, naming the
 * kworkers that issued the writeback (explore helper, 2026-12-04).
 */
#define DEV_FAST_P99_NS (5 * NS_PER_MS)

static const char *top_site(const struct pt_snapshot *s, uint32_t pid,
			    uint32_t tgid, enum pt_wait w);

/* Is every device fast (and one measured)?  Its worst p99 in *p99. */
static bool devices_fast(const struct rule_ctx *c, double *p99)
{
	const struct pt_snapshot *s = c->s;
	bool any = false;
	size_t i;

	*p99 = 0;
	if (!(s->families & (1u << PT_BLOCK)))
		return false;
	for (i = 0; i < s->block_devs.n; i++) {
		const struct pt_block_dev *d = &s->block_devs.v[i];

		if (d->read_ios + d->write_ios < c->cfg->min.disk_ios)
			continue;
		if ((double)d->lat_p99_ns >= DEV_FAST_P99_NS)
			return false;
		any = true;
		if ((double)d->lat_p99_ns > *p99)
			*p99 = (double)d->lat_p99_ns;
	}
	return any;
}

/* disk.pressure: tasks issuing the I/O, in I/Os per second; when the
 * devices are fast, the advice names the thread blocked on I/O the
 * longest and where, since the wait is above the device. */
static void sample_io_psi(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_sched_task *worst = NULL;
	char who[PT_SITE_MAX + PT_CGROUP_MAX + 128] = "";
	double p99;
	size_t i;

	pt_rule_sample_psi(s, PT_PSI_IO, out);
	for (i = 0; i < s->block_tasks.n; i++) {
		const struct pt_block_task *t = &s->block_tasks.v[i];

		if (t->ios)
			pt_rule_add_record(c, &pt_rec_block_tasks, t,
					   (double)t->ios, (double)t->ios, 0);
	}
	if (!devices_fast(c, &p99))
		return;
	for (i = 0; i < s->sched_tasks.n; i++)
		if (s->sched_tasks.v[i].io_ns &&
		    (!worst || s->sched_tasks.v[i].io_ns > worst->io_ns))
			worst = &s->sched_tasks.v[i];
	if (worst) {
		const char *site = top_site(s, worst->id.pid, 0, PT_W_IO);
		const struct pt_cgroup *lim = pt_io_limiter(s, worst->id.cgroup);
		size_t n;

		n = (size_t)snprintf(who, sizeof(who),
				     "; %s[%u] waited longest (%.0f ms/s%s%s)",
				     worst->id.comm, worst->id.pid,
				     (double)worst->io_ns / NS_PER_MS /
					     pt_rule_interval_s(s),
				     site[0] ? ", in " : "", site);
		if (lim && n < sizeof(who))
			snprintf(who + n, sizeof(who) - n,
				 "; cgroup %s has an I/O limit%s%s%s", lim->path,
				 lim->io_limit[0] ? " (" : "", lim->io_limit,
				 lim->io_limit[0] ? ")" : "");
	}
	pt_rule_say(c, "tasks stall on I/O %.0f%% of the time while the devices answer in time (worst p99 %.1f ms): the wait is above the device, not its speed: a cgroup I/O limit (io.max, blkio.throttle.*), dirty-page writeback throttling, a journal or fsync%s",
		    out->value, p99 / NS_PER_MS, who);
}

/*
 * network.retransmits: system ratio, or one connection's if worse.  A
 * ratio counts over min.tcp_segs segments or more, except a connection's
 * stalled in retransmission timeouts (PT_TCP_F_TIMEOUT): it sends few
 * segments because it is stalled (one CI run's sender: 4, 18 and 14 a
 * half second, every one a retransmission, and none in the intervals
 * between, waiting on the timer), so its ratio counts at any count, and
 * as 100% when it sent nothing: nothing it had to send got through.  (The
 * two counters are read apart, so a handful of segments can show more
 * retransmits than segments: at most 100%.)
 */
/* Added to a stalled connection's rank for each interval it is stalled
 * in and retransmits: over the retransmits any connection makes in a
 * window (1e9 segments is hours of a 100 Gbit/s link), and a double adds
 * it exactly 9 million times (2^53), years of 1 s intervals. */
#define RANK_STALLED 1e9

static void sample_retrans(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	uint64_t retrans = 0, segs = 0, min = c->cfg->min.tcp_segs;
	const struct pt_tcp_conn *worst = NULL;
	size_t i;

	if (!(s->families & (1u << PT_TCP)))
		return;
	out->measured = true;
	for (i = 0; i < s->tcp_conns.n; i++) {
		const struct pt_tcp_conn *t = &s->tcp_conns.v[i];
		bool timeout = t->events & PT_TCP_F_TIMEOUT;
		double pct = t->segs_out ? 100.0 * (double)t->retransmits /
						   (double)t->segs_out : 100;

		if (pct > 100)
			pct = 100;
		retrans += t->retransmits;
		segs += t->segs_out;
		if ((timeout || (t->segs_out >= min && t->segs_out)) &&
		    pct > out->value) {
			out->value = pct;
			worst = t;
		}
		/* a connection stalled in timeouts makes no progress at
		 * all: it ranks above any that still moves data, whatever
		 * their retransmit counts (a busy lossy one's hundreds ranked
		 * a dead peer's 3 second) */
		if (t->retransmits)
			pt_rule_add_record(c, &pt_rec_tcp_conns, t,
					   (double)t->retransmits +
					   (timeout ? RANK_STALLED : 0),
					   100.0 * (double)t->retransmits,
					   (double)t->segs_out);
	}
	if (segs >= min && segs &&
	    100.0 * (double)retrans / (double)segs > out->value) {
		out->value = 100.0 * (double)retrans / (double)segs;
		worst = NULL;
	}
	/* the value is a stalled connection's: say so */
	if (worst && (worst->events & PT_TCP_F_TIMEOUT))
		pt_rule_say(c, "the connection to %s port %u waits on retransmission timeouts: nothing it sent since the first is acknowledged (a peer that is down or unreachable, a firewall dropping the flow, a path MTU black hole: ping -M do -s SIZE); its backoff shows in ss -ti",
			    worst->daddr, worst->dport);
}

/* The heaviest wait site of thread pid (or, pid 0, of process tgid) for
 * one wait class in this interval ("" when none was sampled). */
static const char *top_site(const struct pt_snapshot *s, uint32_t pid,
			    uint32_t tgid, enum pt_wait w)
{
	const char *name = pt_wait_name(w);
	size_t i;

	/* sites are sorted by time, largest first */
	for (i = 0; i < s->sched_sites.n; i++) {
		const struct pt_sched_site *x = &s->sched_sites.v[i];

		if (!strcmp(x->wait, name) &&
		    (pid ? x->id.pid == pid : x->id.tgid == tgid))
			return x->site;
	}
	return "";
}

/*
 * io.blocked: the thread blocked on I/O the longest, in ms per second.
 * Time blocked on I/O counts the wait wherever it happens, before the
 * device too (a cgroup's blkio throttle, a full tag set, writeback
 * throttling), where disk.latency sees nothing wrong.
 */
static void sample_io_blocked(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_sched_task *worst = NULL;
	const struct pt_cgroup *lim;
	double secs = pt_rule_interval_s(s);
	size_t i;

	if (!(s->families & (1u << PT_SCHED)))
		return;
	out->measured = true;
	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		double ms_s = (double)t->io_ns / NS_PER_MS / secs;
		struct pt_culprit who;
		char key[64];

		if (!t->io_ns)
			continue;
		if (ms_s > out->value) {
			out->value = ms_s;
			worst = t;
		}
		pt_rec_sched_tasks.who(t, &who);
		pt_rec_sched_tasks.key(t, false, key, sizeof(key));
		pt_strlcpy(who.site, top_site(s, t->id.pid, 0, PT_W_IO),
			   sizeof(who.site));
		pt_rule_add_entity(c, key, &who, (double)t->io_ns,
				   (double)t->io_ns / NS_PER_MS, 0);
	}
	/* a limit someone set is named (dd under a 2 MB/s blkio limit got
	 * only the generic advice: explore helper, 2026-12-04) */
	if (worst && (lim = pt_io_limiter(s, worst->id.cgroup)))
		pt_rule_say(c, "the named threads wait for I/O, and cgroup %s has an I/O limit (%s): if disk.latency is fine, that limit holds them back: raise it or move the work; else reduce their I/O or use faster storage",
			    lim->path,
			    lim->io_limit[0] ? lim->io_limit :
					       "io.max, blkio.throttle.*");
}

/* A thread's lock waits that look like contention: they end, and last at
 * most lock_wait_ms on average. */
static bool contended(const struct pt_sched_task *t, double max_avg_ms)
{
	return t->lock_waits &&
	       (double)t->lock_ns / (double)t->lock_waits <= max_avg_ms * NS_PER_MS;
}

/*
 * Processes of one command with one waiting thread each, two or more of
 * them: a lock they share (in shared memory: multiprocessing.Lock, a
 * pthread mutex with PTHREAD_PROCESS_SHARED, a database's; or a kernel
 * lock on a shared object).  8 processes on one multiprocessing.Lock
 * waited 6,859 ms/s together, 860 each, and the per-process rule said
 * nothing (explore helper, 2026-12-04).  Each is a culprit; the value is
 * the command's sum.  Over the contended threads only (at most
 * MAX_SHARED), which are few.
 */
#define MAX_SHARED 512

static void lock_shared(struct rule_ctx *c, struct sample *out,
			double max_avg)
{
	const struct pt_snapshot *s = c->s;
	const struct pt_sched_task *v[MAX_SHARED];
	bool multi[MAX_SHARED] = { false };
	double secs = pt_rule_interval_s(s), best = 0;
	size_t i, j, n = 0, best_i = 0;
	unsigned int best_n = 0;

	for (i = 0; i < s->sched_tasks.n && n < MAX_SHARED; i++)
		if (contended(&s->sched_tasks.v[i], max_avg))
			v[n++] = &s->sched_tasks.v[i];
	/* keep the processes with one such thread */
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (j != i && v[j]->id.tgid == v[i]->id.tgid) {
				multi[i] = true;
				break;
			}
	for (i = 0; i < n; i++)
		if (multi[i])
			v[i] = NULL;
	for (i = 0; i < n; i++) {
		unsigned int procs = 0;
		double sum = 0;

		if (!v[i])
			continue;
		for (j = 0; j < n; j++)
			if (v[j] && !strcmp(v[j]->id.comm, v[i]->id.comm)) {
				if (j < i)
					break;	/* counted at the first */
				sum += (double)v[j]->lock_ns;
				procs++;
			}
		if (j == n && procs >= 2 && sum > best) {
			best = sum;
			best_i = i;
			best_n = procs;
		}
	}
	if (!best_n || best / NS_PER_MS / secs <= out->value)
		return;
	out->value = best / NS_PER_MS / secs;
	for (j = 0; j < n; j++) {
		struct pt_culprit who;
		char key[64];

		if (!v[j] || strcmp(v[j]->id.comm, v[best_i]->id.comm))
			continue;
		pt_rec_sched_tasks.who(v[j], &who);
		who.task.pid = v[j]->id.tgid;	/* the process */
		pt_strlcpy(who.site, top_site(s, 0, v[j]->id.tgid, PT_W_LOCK),
			   sizeof(who.site));
		snprintf(key, sizeof(key), "p%u/%s", v[j]->id.tgid,
			 v[j]->id.comm);
		pt_rule_add_entity(c, key, &who, (double)v[j]->lock_ns,
				   (double)v[j]->lock_ns / NS_PER_MS, 0);
	}
	pt_rule_say(c, "%u processes of %s queue on a lock they share (%.0f ms/s together, one waiting thread each: a lock in shared memory or on a shared kernel object; the wait site says which): shorten the critical section, split the lock, or run fewer of them",
		    best_n, v[best_i]->id.comm, out->value);
}

/*
 * lock.contention: the process whose threads wait on locks (futex, or a
 * sleeping kernel lock) the longest, summed over its threads, in ms per
 * second.  Only waits that end, at most lock_wait_ms on average, count:
 * threads parked for seconds on a condition variable (an idle pool) wait
 * on a futex too, but nothing contends there; and only processes with two
 * such threads or more, or processes of one command sharing a lock
 * (lock_shared()).
 */
static void sample_lock(struct rule_ctx *c, struct sample *out)
{
	const struct pt_snapshot *s = c->s;
	double secs = pt_rule_interval_s(s);
	double max_avg = (double)c->cfg->min.lock_wait_ms;
	size_t i, j;

	if (!(s->families & (1u << PT_SCHED)))
		return;
	out->measured = true;
	for (i = 0; i < s->sched_tasks.n; i++) {
		const struct pt_sched_task *t = &s->sched_tasks.v[i];
		const struct pt_sched_task *name = NULL, *top = NULL;
		unsigned int waiters = 0;
		struct pt_culprit who;
		double sum = 0;
		char key[64];

		if (!contended(t, max_avg))
			continue;
		for (j = 0; j < i; j++)	/* the process's first such thread */
			if (s->sched_tasks.v[j].id.tgid == t->id.tgid &&
			    contended(&s->sched_tasks.v[j], max_avg))
				break;
		if (j < i)
			continue;
		for (j = 0; j < s->sched_tasks.n; j++) {
			const struct pt_sched_task *u = &s->sched_tasks.v[j];

			if (u->id.tgid != t->id.tgid)
				continue;
			if (u->id.pid == u->id.tgid)
				name = u;
			if (contended(u, max_avg)) {
				sum += (double)u->lock_ns;
				waiters++;
				if (!top || u->lock_ns > top->lock_ns)
					top = u;
			}
		}
		if (waiters < 2)
			continue;	/* one waiter: no one to contend with */
		if (sum / NS_PER_MS / secs > out->value)
			out->value = sum / NS_PER_MS / secs;
		/* one culprit per process, named by its main thread where it
		 * ran, else by its longest waiter (keyed by the first
		 * waiter's name, a JVM's convoy was 5 culprits, 'convoy-5',
		 * 'C2 CompilerThre', 'producer'... of one process) */
		pt_rec_sched_tasks.who(name ? name : top, &who);
		who.task.pid = t->id.tgid;	/* the process */
		pt_strlcpy(who.site, top_site(s, 0, t->id.tgid, PT_W_LOCK),
			   sizeof(who.site));
		snprintf(key, sizeof(key), "p%u", t->id.tgid);
		pt_rule_add_entity(c, key, &who, sum, sum / NS_PER_MS, 0);
	}
	lock_shared(c, out, max_avg);
}

static uint64_t min_disk_ios(const struct pt_detect_config *cfg)
{
	return cfg->min.disk_ios;
}

/*
 * Defaults, and why (docs/detection.md has the long form):
 * - run-queue p99 10 ms: with 2 runnable threads per CPU a thread waits
 *   about one slice (3-4 ms at HZ=250); 10 ms means a queue of 3+ per
 *   CPU, 50 ms is a user-visible stall on every wakeup.
 * - PSI "some" of 20%/50% cpu, 10%/30% memory, 20%/50% io: the share of
 *   the interval in which at least one task was stalled (from the total=
 *   counters; avg10 lags by ~10 s both ways); an idle or healthy busy
 *   machine stays in single digits.
 * - major faults 50/s, 500/s: each is a synchronous disk read (0.1-10 ms);
 *   50/s sustained is a working set that no longer fits.
 * - disk p99 50 ms, 250 ms: far above any healthy SSD (<5 ms) and above a
 *   busy HDD's seek-bound tail; 250 ms trips timeouts.
 * - retransmits 1%, 5%: healthy paths stay below 0.1%; at 1% loss-based
 *   congestion control already cuts throughput severalfold.
 * - io.blocked 250/750 ms/s: a thread blocked on I/O a quarter of its time
 *   is I/O-bound; three quarters is a thread that mostly waits.
 * - lock.contention 500/2000 ms/s: threads of one process together
 *   blocked on locks half a thread's time, or two threads' worth.
 */
const struct rule_def pt_rules[PT_NR_RULES] = {
	[PT_RULE_RUNQ_LATENCY] = {
		.name = "cpu.runq_latency", .subsystem = "cpu", .unit = "ms",
		.what = "run-queue wait p99 (system-wide, or the worst thread's)",
		.advice = "more runnable threads than CPUs: reduce the named tasks' parallelism, give them more CPUs, or lower their priority (nice, cgroup cpu.weight)",
		.culprit_unit = "ms waited per s",
		.def = { .warning = 10, .critical = 50 },
		.rate = true, .sample = pt_sample_runq,
	},
	[PT_RULE_CPU_PRESSURE] = {
		.name = "cpu.pressure", .subsystem = "cpu", .unit = "%",
		.what = "CPU pressure (PSI some: share of the interval)",
		.advice = "tasks stall waiting for a CPU: add CPUs or cap the named tasks (cgroup cpu.max, cpu.weight)",
		.culprit_unit = "% of time waiting",
		.def = { .warning = 20, .critical = 50 },
		.rate = true, .sample = pt_sample_cpu_psi,
	},
	[PT_RULE_MAJOR_FAULTS] = {
		.name = "memory.major_faults", .subsystem = "memory", .unit = "1/s",
		.what = "major page fault rate",
		.advice = "pages are read back from disk on access: the working set does not fit in memory; add RAM, shrink the named processes, check swap (vmstat si/so)",
		.culprit_unit = "major faults/s",
		.def = { .warning = 50, .critical = 500 },
		.rate = true, .sample = sample_major,
	},
	[PT_RULE_MEMORY_PRESSURE] = {
		.name = "memory.pressure", .subsystem = "memory", .unit = "%",
		.what = "memory pressure (PSI some: share of the interval)",
		.advice = "tasks stall in memory reclaim and refaults: add memory or cap the named processes (cgroup memory.high)",
		.culprit_unit = "major faults/s",
		.def = { .warning = 10, .critical = 30 },
		.rate = true, .sample = sample_mem_psi,
	},
	[PT_RULE_DISK_LATENCY] = {
		.name = "disk.latency", .subsystem = "disk", .unit = "ms",
		.what = "block I/O latency p99 (worst device)",
		.advice = "requests on the named device are slow: check its queue depth and utilisation (iostat -x), the I/O mix, and the device's health",
		.culprit_unit = "ms p99",
		.def = { .warning = 50, .critical = 250 },
		.by_value = true, .min_den = min_disk_ios, .sample = sample_disk,
	},
	[PT_RULE_DISK_PRESSURE] = {
		.name = "disk.pressure", .subsystem = "disk", .unit = "%",
		.what = "I/O pressure (PSI some: share of the interval)",
		.advice = "tasks stall waiting for I/O: reduce or spread the named tasks' I/O, or move them to faster storage",
		.culprit_unit = "I/Os/s",
		.def = { .warning = 20, .critical = 50 },
		.rate = true, .sample = sample_io_psi,
	},
	[PT_RULE_RETRANSMITS] = {
		.name = "network.retransmits", .subsystem = "network", .unit = "%",
		.what = "TCP retransmit ratio (system-wide, or the worst connection's)",
		.advice = "segments are lost on the way to the named peers: check the path (ip -s link, nstat, ss -ti), NIC errors, firewall drops and congestion",
		.culprit_unit = "% retransmitted; stalled in retransmission timeouts first, then most retransmits",
		.def = { .warning = 1, .critical = 5 },
		.sample = sample_retrans,
	},
	[PT_RULE_IO_BLOCKED] = {
		.name = "io.blocked", .subsystem = "io", .unit = "ms/s",
		.what = "time blocked on I/O (worst thread, per second)",
		.advice = "the named threads wait for I/O: if disk.latency is fine, look above the device (a cgroup I/O limit: io.max or blkio.throttle.*, writeback throttling, fsync); else reduce their I/O or use faster storage",
		.culprit_unit = "ms blocked on I/O per s",
		.def = { .warning = 250, .critical = 750 },
		.rate = true, .sample = sample_io_blocked,
	},
	[PT_RULE_LOCK_CONTENTION] = {
		.name = "lock.contention", .subsystem = "lock", .unit = "ms/s",
		.what = "time threads wait on locks (worst process, per second)",
		.advice = "threads of the named process queue on a lock (the wait site says which): shorten the critical section, split the lock, or use fewer threads",
		.culprit_unit = "ms waited on locks per s",
		.def = { .warning = 500, .critical = 2000 },
		.rate = true, .sample = sample_lock,
	},
	/*
	 * - throttling 20%/50% of periods: a cgroup hitting its quota now and
	 *   then is the quota working; in half its periods its tasks stall
	 *   for most of every period (up to period - quota, 80 ms at 0.2 CPU).
	 * - OOM kills: any kill is worth a warning (0.001/s is "one kill"
	 *   at any interval up to 1000 s); one per second is a crash loop.
	 * - refaults 1000/s (4 MiB/s read back), 10000/s (40 MiB/s): a
	 *   working set that fits refaults next to nothing.
	 */
	[PT_RULE_CPU_THROTTLING] = {
		.name = "cpu.throttling", .subsystem = "cpu", .unit = "%",
		.what = "CFS bandwidth periods throttled (worst cgroup)",
		.advice = "a cgroup runs out of its CPU quota: raise the named cgroup's quota (cpu.max, cpu.cfs_quota_us) or reduce its work; more CPUs do not help",
		.culprit_unit = "% of periods throttled",
		.def = { .warning = 20, .critical = 50 },
		.by_value = true,
		.sample = pt_sample_throttling,
	},
	[PT_RULE_OOM_KILLS] = {
		.name = "memory.oom_kills", .subsystem = "memory", .unit = "1/s",
		.what = "OOM kills",
		.advice = "the OOM killer is killing tasks: raise the memory limit of their cgroup (memory.max) or add memory, and find what grows",
		.culprit_unit = "kills/s",
		.def = { .warning = 0.001, .critical = 1 },
		.rate = true, .event = true,
		.sample = pt_sample_oom_kills,
	},
	[PT_RULE_THRASHING] = {
		.name = "memory.thrashing", .subsystem = "memory", .unit = "1/s",
		.what = "workingset refaults (worst cgroup)",
		.advice = "evicted pages are read back at once: the named cgroup's working set is larger than its memory limit; raise the limit (memory.max) or shrink the working set",
		.culprit_unit = "refaults/s",
		.def = { .warning = 1000, .critical = 10000 },
		.by_value = true,
		.sample = pt_sample_thrashing,
	},
};

void pt_detect_defaults(struct pt_detect_config *cfg)
{
	int r;

	memset(cfg, 0, sizeof(*cfg));
	for (r = 0; r < PT_NR_RULES; r++)
		cfg->thr[r] = pt_rules[r].def;
	cfg->persistence = 0.5;
	cfg->window_s = 5;
	/* p99 of fewer than ~50 samples is the maximum of a handful */
	cfg->min.runq_waits = 50;
	cfg->min.task_runq_waits = 20;
	cfg->min.major_faults = 5;
	cfg->min.disk_ios = 20;
	cfg->min.tcp_segs = 100;
	/* a contended lock is held for ms; a parked thread waits for s */
	cfg->min.lock_wait_ms = 200;
}

