// SPDX-License-Identifier: GPL-2.0
/*
 * Scheduler family: loads bpf/sched.bpf.c and turns its ever-growing
 * per-thread and per-CPU counters into one interval's pt_sched_task /
 * pt_sched_cpu records: each interval is the difference between this read
 * and the last one (bpf/sched.bpf.c says why nothing is reset in-kernel).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "family.h"
#include "ksyms.h"
#include "names.h"
#include "pt_hist.h"
#include "jvm.h"
#include "sched.skel.h"
#include "sched_helper.skel.h"
#include "sysinfo.h"
#include "util.h"

/* One non-empty bucket of a thread's cumulative run-queue histogram. */
struct hist_bin {
	uint16_t b;
	uint32_t n;
};

/*
 * Last counters read of one thread: pt_sched_cum's counters, and its
 * histogram kept sparse, only the buckets that ever counted.  Whole, the
 * histogram was 1,088 of the entry's 1,272 bytes, and the table keeps
 * twice as many slots as threads: at 10,000 threads (scripts/bench.sh's
 * measure_rss) a 41.7 MB table, 39.6 MB of it resident, a third of
 * perftop's 118 MiB peak.  A thread waking once a second has a few
 * buckets (16 bytes after 10 s); a busy one at most PT_HIST_BUCKETS.
 */
struct thread_seen {
	uint32_t pid;		/* 0: free slot */
	uint32_t last_pass;	/* pass that last read it */
	uint64_t start_time;
	uint64_t at;
	struct {
		__u64 ns[PT_WAIT_NR], waits[PT_WAIT_NR];
		__u64 vol_switches, invol_switches;
		__u64 runq_wait_ns, runq_count;
	} cum;			/* pt_sched_cum without hist[] */
	struct hist_bin *bins;	/* hist[]'s non-zero buckets, by bucket */
	uint16_t nbins, cap;
};

/* Open addressing by pid, linear probing, backward-shift deletion. */
struct thread_table {
	struct thread_seen *v;
	size_t cap, n;		/* cap: a power of two */
};

struct sched_priv {
	struct sched *skel;
	unsigned int nr_cpus;
	struct pt_sched_cpu_val *cpu_vals;	/* nr_cpus values read now */
	struct pt_sched_cpu_val *cpu_prev;	/* ... and at the last read */
	uint64_t *idle_now, *idle_prev;	/* /proc/stat idle ns per CPU */
	bool idle_have;			/* idle_prev holds a reading */
	struct thread_table threads;
	/* final records of threads that ended during the interval */
	PT_ARRAY(struct pt_sched_rec, dead);
	uint32_t pass;
	uint64_t pass_at;	/* rq clock of the last interval end */
	uint64_t window;	/* rq-clock length of the interval read */
	uint32_t old_epoch;
	struct pt_jvm *jvm;	/* Java monitor waits (jvm.h); NULL: none */
	bool debug;		/* PERFTOP_DEBUG_SCHED: every read to stderr */
};

/* A thread not read for this many intervals is forgotten (it vanished
 * without a final record: a ring-buffer drop, counted). */
#define FORGET_PASSES 600

static size_t slot_of(const struct thread_table *t, uint32_t pid)
{
	return (pid * 2654435761u) & (t->cap - 1);
}

static int table_grow(struct thread_table *t)
{
	struct thread_table n = { 0 };
	size_t i;

	n.cap = t->cap ? t->cap * 2 : 1024;
	n.v = calloc(n.cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		size_t j;

		if (!t->v[i].pid)
			continue;
		for (j = slot_of(&n, t->v[i].pid); n.v[j].pid;
		     j = (j + 1) & (n.cap - 1))
			;
		n.v[j] = t->v[i];
		n.n++;
	}
	free(t->v);
	*t = n;
	return 0;
}

/* The thread's entry; *fresh when it was not there (zeroed). */
static struct thread_seen *table_get(struct thread_table *t, uint32_t pid,
				     bool *fresh)
{
	size_t i;

	*fresh = false;
	if ((t->n + 1) * 2 > t->cap && table_grow(t))
		return NULL;
	for (i = slot_of(t, pid); t->v[i].pid; i = (i + 1) & (t->cap - 1))
		if (t->v[i].pid == pid)
			return &t->v[i];
	memset(&t->v[i], 0, sizeof(t->v[i]));
	t->v[i].pid = pid;
	t->n++;
	*fresh = true;
	return &t->v[i];
}

static void table_del(struct thread_table *t, struct thread_seen *e)
{
	size_t i = (size_t)(e - t->v), j = i;

	free(e->bins);
	memset(e, 0, sizeof(*e));
	t->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & (t->cap - 1);
		if (!t->v[j].pid)
			return;
		home = slot_of(t, t->v[j].pid);
		/* move j back to i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			t->v[i] = t->v[j];
			memset(&t->v[j], 0, sizeof(t->v[j]));
			i = j;
		}
	}
}

static void table_free(struct thread_table *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->v[i].bins);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- BPF side ---- */

/*
 * sched_helper is bpf/sched.bpf.c built for kernels without
 * bpf_rdonly_cast() (before 6.2: task_regs() there): the same maps,
 * programs and variables in the same order, so its skeleton is used
 * through struct sched like the other.
 */
_Static_assert(sizeof(struct sched) == sizeof(struct sched_helper) &&
	       sizeof(*((struct sched *)0)->rodata) ==
	       sizeof(*((struct sched_helper *)0)->rodata) &&
	       sizeof(*((struct sched *)0)->bss) ==
	       sizeof(*((struct sched_helper *)0)->bss),
	       "sched and sched_helper skeletons differ");

/*
 * Tests: PERFTOP_TEST_SCHED_HELPER=1 takes the object without
 * bpf_rdonly_cast() where the kernel has it; =2 makes the one with it
 * fail to load (sched_configure()), so the fallback takes the other.
 */
static uint64_t sched_test_helper(void)
{
	static int asked;	/* once: the test setting warns */
	static uint64_t v;

	if (!asked) {
		asked = 1;
		pt_test_env("PERFTOP_TEST_SCHED_HELPER", 1, 2, &v);
	}
	return v;
}

/* The object with bpf_rdonly_cast() where the kernel has the kfunc. */
static bool sched_cast(void)
{
	return sched_test_helper() != 1 && pt_btf_has_func("bpf_rdonly_cast");
}

static struct pt_skel *sched_open(void)
{
	if (!sched_cast())
		return (struct pt_skel *)sched_helper__open();
	return (struct pt_skel *)sched__open();
}

/* Where the cast object fails to load (a verifier that refuses it on a
 * kernel none of the tests ran), the other one: slower, not blind. */
static struct pt_skel *sched_open_alt(void)
{
	return sched_cast() ? (struct pt_skel *)sched_helper__open() : NULL;
}

/* Load a begin/end pair only under tp_btf and where the kernel has both. */
static void optional_pair(struct bpf_program *b, struct bpf_program *e,
			  enum pt_attach mode, const char *tb, const char *te)
{
	bool on = mode == PT_ATTACH_TP_BTF && pt_btf_has_tracepoint(tb) &&
		  pt_btf_has_tracepoint(te);

	bpf_program__set_autoload(b, on);
	bpf_program__set_autoload(e, on);
}

static void sched_configure(struct pt_skel *s, const struct pt_filter *flt,
			    enum pt_attach mode)
{
	struct sched *skel = (struct sched *)s;
	PT_SKEL_SET_FILTERS(skel, flt);
	bpf_map__set_max_entries(skel->maps.sched_cpus, flt->nr_cpus);
	/* test: the object with the cast fails to load (no CPU slots) */
	if (sched_test_helper() == 2 && !strcmp(bpf_object__name(s->obj), "sched"))
		bpf_map__set_max_entries(skel->maps.sched_cpus, 0);
	/* kernel lock waits: optional (5.19+, CONFIG_LOCKDEP not needed) */
	optional_pair(skel->progs.tpbtf_lock_begin, skel->progs.tpbtf_lock_end,
		      mode, "contention_begin", "contention_end");
	/* on-CPU memory stall: optional, each pair where the kernel has it */
	optional_pair(skel->progs.tpbtf_reclaim_begin,
		      skel->progs.tpbtf_reclaim_end, mode,
		      "mm_vmscan_direct_reclaim_begin",
		      "mm_vmscan_direct_reclaim_end");
	optional_pair(skel->progs.tpbtf_memcg_reclaim_begin,
		      skel->progs.tpbtf_memcg_reclaim_end, mode,
		      "mm_vmscan_memcg_reclaim_begin",
		      "mm_vmscan_memcg_reclaim_end");
	optional_pair(skel->progs.tpbtf_compact_begin,
		      skel->progs.tpbtf_compact_end, mode,
		      "mm_compaction_begin", "mm_compaction_end");
	/* tp_btf keeps threads in task storage; raw_tp in the hash */
	if (mode == PT_ATTACH_TP_BTF)
		bpf_map__set_max_entries(skel->maps.sched_hash, 1);
}

static struct bpf_map *sched_tgid_filter(struct pt_skel *s)
{
	return ((struct sched *)s)->maps.filter_tgids;
}

static const char *const sched_tracepoints[] = { "sched_switch", "sched_waking",
							 NULL };

static const struct pt_skel_ops sched_ops = {
	.tracepoints = sched_tracepoints,
	.open = sched_open,
	.open_alt = sched_open_alt,
	.configure = sched_configure,
	.tgid_filter = sched_tgid_filter,
};

static int on_dead(void *ctx, void *data, size_t size)
{
	struct sched_priv *p = ctx;
	struct pt_sched_rec *r;

	if (size < sizeof(*r))
		return 0;
	r = PT_REC_PUSH(p->dead);
	if (r)
		memcpy(r, data, sizeof(*r));
	return 0;
}

static int add_ring(struct sched_priv *p, struct ring_buffer **rb)
{
	int fd = bpf_map__fd(p->skel->maps.sched_dead);

	if (!rb)
		return 0;
	if (!*rb) {
		*rb = ring_buffer__new(fd, on_dead, p, NULL);
		return *rb ? 0 : -errno;
	}
	return ring_buffer__add(*rb, fd, on_dead, p);
}

static void sched_free(struct sched_priv *p)
{
	free(p->cpu_vals);
	free(p->cpu_prev);
	free(p->idle_now);
	free(p->idle_prev);
	p->cpu_vals = p->cpu_prev = NULL;
	p->idle_now = p->idle_prev = NULL;
	table_free(&p->threads);
	pt_jvm_free(p->jvm);
	p->jvm = NULL;
	free(p->dead.v);
	memset(&p->dead, 0, sizeof(p->dead));
}

static int sched_start(struct pt_family *f, const struct pt_filter *flt,
		       struct ring_buffer **rb)
{
	struct sched_priv *p = f->priv;
	int err;

	p->nr_cpus = flt->nr_cpus;
	p->pass = 0;
	p->debug = getenv("PERFTOP_DEBUG_SCHED") != NULL;
	p->pass_at = 0;
	p->cpu_vals = calloc(flt->nr_cpus, sizeof(*p->cpu_vals));
	p->cpu_prev = calloc(flt->nr_cpus, sizeof(*p->cpu_prev));
	p->idle_now = calloc(flt->nr_cpus, sizeof(*p->idle_now));
	p->idle_prev = calloc(flt->nr_cpus, sizeof(*p->idle_prev));
	/* the first interval's idle time is from here */
	p->idle_have = p->idle_prev &&
		       !pt_read_cpu_idle(p->idle_prev, flt->nr_cpus);
	if (!p->cpu_vals || !p->cpu_prev || !p->idle_now || !p->idle_prev) {
		sched_free(p);
		return -ENOMEM;
	}
	err = pt_skel_start(f, &sched_ops, flt, (struct pt_skel **)&p->skel);
	if (!err && (err = add_ring(p, rb)) != 0) {
		pt_family_fail(f, "ring buffer", err);
		sched__destroy(p->skel);
		p->skel = NULL;
	}
	if (err) {
		sched_free(p);
		return err;
	}
	pt_ksyms_load();	/* see ksyms.h */
	/* no memory: monitor waits read as sleep, counted */
	p->jvm = pt_jvm_new(bpf_map__fd(p->skel->maps.jvm_mon),
			    bpf_map__fd(p->skel->maps.loss),
			    &p->skel->bss->jvm_on);
	if (!p->jvm)
		pt_alloc_failed();
	return err;
}

static void sched_set_epoch(struct pt_family *f, uint32_t epoch)
{
	struct sched_priv *p = f->priv;

	__atomic_store_n(&p->skel->bss->epoch, epoch, __ATOMIC_RELEASE);
	/* re-measure the run-queue clock's offset (bpf/sched.bpf.c) */
	__atomic_store_n(&p->skel->data->calib_fresh, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&p->skel->data->calib_left, 64, __ATOMIC_RELEASE);
}

/* ---- one interval from two reads ---- */

static uint64_t grown(__u64 now, __u64 *last)
{
	uint64_t d = now > *last ? now - *last : 0;

	if (now > *last)
		*last = now;
	return d;
}

/* Histogram counts are 32-bit and may wrap (a CPU's busiest bucket at
 * 300k switches/s does in 4 hours): modular differences stay right. */
static void hist_grown(uint32_t *d, const __u32 *now, __u32 *last)
{
	int b;

	for (b = 0; b < PT_HIST_BUCKETS; b++) {
		d[b] = now[b] - last[b];
		last[b] = now[b];
	}
}

/* Keep now[]'s non-zero buckets as e's last histogram; -ENOMEM leaves
 * e's as they were. */
static int bins_set(struct thread_seen *e, const __u32 *now)
{
	unsigned int b, k = 0;

	for (b = 0; b < PT_HIST_BUCKETS; b++)
		k += now[b] != 0;
	if (k > e->cap) {
		unsigned int cap = (k + 3) & ~3u;
		struct hist_bin *v = realloc(e->bins, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->bins = v;
		e->cap = (uint16_t)cap;
	}
	for (b = 0, k = 0; b < PT_HIST_BUCKETS; b++)
		if (now[b])
			e->bins[k++] = (struct hist_bin){ (uint16_t)b, now[b] };
	e->nbins = (uint16_t)k;
	return 0;
}

/* hist_grown() against e's sparse last histogram, which becomes now[]. */
static int bins_grown(uint32_t *d, const __u32 *now, struct thread_seen *e)
{
	unsigned int i;

	memcpy(d, now, PT_HIST_BUCKETS * sizeof(*d));
	for (i = 0; i < e->nbins; i++)
		d[e->bins[i].b] -= e->bins[i].n;
	return bins_set(e, now);
}

/* e's counters as of r's read (its baseline). */
static int cum_set(struct thread_seen *e, const struct pt_sched_cum *c)
{
	memcpy(e->cum.ns, c->ns, sizeof(e->cum.ns));
	memcpy(e->cum.waits, c->waits, sizeof(e->cum.waits));
	e->cum.vol_switches = c->vol_switches;
	e->cum.invol_switches = c->invol_switches;
	e->cum.runq_wait_ns = c->runq_wait_ns;
	e->cum.runq_count = c->runq_count;
	return bins_set(e, c->hist);
}

/* The largest wait: exact when the kernel kept it for this epoch, else
 * the top of the highest bucket that moved. */
static uint64_t interval_max(const uint32_t *hist, uint32_t max_epoch,
			     uint64_t max_ns, uint32_t old_epoch)
{
	int b;

	if (max_epoch == old_epoch && max_ns)
		return max_ns;
	for (b = PT_HIST_BUCKETS - 1; b >= 0; b--)
		if (hist[b])
			return b + 1 < PT_HIST_BUCKETS ?
				pt_hist_lower((__u32)b + 1) - 1 :
				pt_hist_lower((__u32)b);
	return 0;
}

static void fill_task(struct sched_priv *p, struct pt_snapshot *s,
		      const struct pt_sched_rec *r, const struct pt_sched_cum *d)
{
	struct pt_sched_task *t;
	uint64_t other = 0;
	int i;

	for (i = 0; i < PT_WAIT_NR; i++)
		if (i != PT_WAIT_SLEEP)
			other += d->ns[i];
	if (!other && !d->runq_count && !d->vol_switches && !d->invol_switches)
		return;	/* asleep all along: nothing to show */
	t = PT_REC_PUSH(s->sched_tasks);
	if (!t)
		return;
	t->id.pid = r->pid;
	t->id.tgid = r->tgid;
	t->policy = r->policy;
	t->nice = r->nice;
	pt_strlcpy(t->id.comm, r->comm, sizeof(t->id.comm));
	pt_strlcpy(t->id.cgroup, pt_cgroup_path(r->cgroup_id),
		   sizeof(t->id.cgroup));
	t->runq_wait_ns = d->runq_wait_ns;
	t->runq_count = d->runq_count;
	t->runq_max_ns = interval_max(d->hist, r->max_epoch, r->runq_max_ns,
				      p->old_epoch);
	if (d->runq_count) {
		/* kept (sparse: model.h, struct pt_lat_sparse): a window's
		 * p99 of the thread is taken from the intervals' histograms
		 * merged */
		struct pt_lat_hist h = { 0 };

		pt_lat_hist_add_fine(&h, d->hist, d->runq_wait_ns);
		t->runq_p50_ns = pt_hist_percentile(&h, 0.50, t->runq_max_ns);
		t->runq_p99_ns = pt_hist_percentile(&h, 0.99, t->runq_max_ns);
		if (pt_lat_sparse_store(s, &t->runq_hist, &h))
			pt_alloc_failed();	/* left missing */
	}
	t->oncpu_ns = d->ns[PT_WAIT_ONCPU];
	t->runnable_ns = d->ns[PT_WAIT_RUNQ];
	t->throttled_ns = d->ns[PT_WAIT_THROTTLED];
	t->io_ns = d->ns[PT_WAIT_IO];
	t->mem_ns = d->ns[PT_WAIT_MEM];
	t->lock_ns = d->ns[PT_WAIT_LOCK];
	t->sleep_ns = d->ns[PT_WAIT_SLEEP];
	t->steal_ns = d->ns[PT_WAIT_STEAL];
	t->io_waits = d->waits[PT_WAIT_IO];
	t->mem_waits = d->waits[PT_WAIT_MEM];
	t->lock_waits = d->waits[PT_WAIT_LOCK];
	t->vol_switches = d->vol_switches;
	t->invol_switches = d->invol_switches;
	s->sched_sys.runnable_ns += t->runnable_ns;
	s->sched_sys.throttled_ns += t->throttled_ns;
	s->sched_sys.io_ns += t->io_ns;
	s->sched_sys.mem_ns += t->mem_ns;
	s->sched_sys.lock_ns += t->lock_ns;
}

/*
 * One read of one thread: its growth since the last read is this
 * interval's.  Two reads of a thread in one pass (its final record and an
 * iterator read taken just before) merge: every counter only grows, so
 * each keeps its largest value.
 */
static void take_rec(struct sched_priv *p, struct pt_snapshot *s,
		     const struct pt_sched_rec *r)
{
	struct pt_sched_cum d;
	struct thread_seen *e;
	uint64_t sum = 0;
	bool fresh, lost = false, skipped;
	int i;

	e = table_get(&p->threads, r->pid, &fresh);
	if (!e)
		return;
	if (!fresh && e->start_time != r->start_time) {
		memset(&e->cum, 0, sizeof(e->cum));	/* thread id reused */
		e->nbins = 0;
		fresh = true;
	}
	e->start_time = r->start_time;
	skipped = !fresh && p->pass - e->last_pass > 1;
	e->last_pass = p->pass;
	pt_jvm_saw(p->jvm, r->tgid, r->comm, fresh, p->pass);
	/* forgotten, then seen again: this read is only a baseline */
	if (fresh && !(r->flags & PT_SCHED_REC_FIRST)) {
		e->at = r->at;
		if (cum_set(e, &r->cum)) {
			/* no baseline: its next read is one again */
			pt_alloc_failed();
			table_del(&p->threads, e);
		}
		return;
	}
	memset(&d, 0, sizeof(d));
	for (i = 0; i < PT_WAIT_NR; i++) {
		d.ns[i] = grown(r->cum.ns[i], &e->cum.ns[i]);
		d.waits[i] = grown(r->cum.waits[i], &e->cum.waits[i]);
		sum += d.ns[i];
	}
	d.vol_switches = grown(r->cum.vol_switches, &e->cum.vol_switches);
	d.invol_switches = grown(r->cum.invol_switches, &e->cum.invol_switches);
	d.runq_wait_ns = grown(r->cum.runq_wait_ns, &e->cum.runq_wait_ns);
	d.runq_count = grown(r->cum.runq_count, &e->cum.runq_count);
	/* an older read of the same thread moves none */
	if (d.runq_count && bins_grown(d.hist, r->cum.hist, e))
		lost = true;
	/*
	 * A thread left out of earlier reads (a quiet sleeper, which
	 * sched_iter does not send, or a read that gave up on a busy
	 * sequence count) was asleep meanwhile: that sleep belongs to those
	 * intervals, not this one.  Only then: a thread read in the last
	 * pass too can exceed the window by what it ran or slept between the
	 * interval's end and a switch before its read (0.07-0.36 ms on the
	 * host, 45 ms once in a TCG guest), which its next interval is short
	 * by (sched_iter reads such a thread again).  Capped, that time was
	 * lost: sched_waitcause's threads summed 1.5-7.4 ms under their
	 * window in 11 of 25 thread series (2026-12-05).
	 */
	if (skipped && p->window && sum > p->window) {
		uint64_t extra = sum - p->window;

		d.ns[PT_WAIT_SLEEP] -= extra < d.ns[PT_WAIT_SLEEP] ?
				       extra : d.ns[PT_WAIT_SLEEP];
	}
	e->at = r->at;
	if (p->debug)
		fprintf(stderr, "sched rec pid %u flags %u at %llu fresh %d cum on %llu rq %llu d on %llu rq %llu\n",
			r->pid, r->flags, (unsigned long long)r->at, fresh,
			(unsigned long long)r->cum.ns[0], (unsigned long long)r->cum.ns[1],
			(unsigned long long)d.ns[0], (unsigned long long)d.ns[1]);
	fill_task(p, s, r, &d);
	if (lost)	/* no baseline kept: its next read is one again */
		pt_alloc_failed();
	if ((r->flags & PT_SCHED_REC_DEAD) || lost)
		table_del(&p->threads, e);
}

/* Threads not read for a long time vanished without a final record. */
static void forget_stale(struct sched_priv *p)
{
	size_t i;

	if (p->pass % 64)
		return;
	for (i = 0; i < p->threads.cap; i++) {
		struct thread_seen *e = &p->threads.v[i];

		if (e->pid && p->pass - e->last_pass > FORGET_PASSES) {
			table_del(&p->threads, e);
			i--;	/* an entry may have shifted into i */
		}
	}
}

/*
 * Read the iterator's records (whole pt_sched_rec's, in read() chunks) and
 * take each at once: nothing is held per pass (at 10,000 threads that
 * would be 13 MB).  The interval's length on the run-queue clock, for
 * take_rec()'s sleep cap, is known from the first record: records of one
 * pass are read microseconds apart.
 */
static int read_threads(struct sched_priv *p, struct pt_snapshot *s)
{
	static char buf[64 * 1024];
	uint64_t prev_at = p->pass_at, max_at = 0;
	size_t have = 0, off;
	ssize_t n;
	int fd, err = 0;

	p->window = 0;
	p->skel->bss->pass_mono = s->ts_ns;	/* the interval's end */
	fd = bpf_iter_create(bpf_link__fd(p->skel->links.sched_iter));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		for (off = 0; off + sizeof(struct pt_sched_rec) <= have;
		     off += sizeof(struct pt_sched_rec)) {
			struct pt_sched_rec r;

			memcpy(&r, buf + off, sizeof(r));
			if (!max_at && prev_at && r.at > prev_at)
				p->window = r.at - prev_at;
			if (r.at > max_at)
				max_at = r.at;
			take_rec(p, s, &r);
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (n < 0)
		err = -errno;
	close(fd);
	if (max_at)
		p->pass_at = max_at;
	if (p->debug)
		fprintf(stderr, "sched pass %u at %llu mono %llu off %lld window %llu mode %d\n",
			p->pass, (unsigned long long)max_at,
			(unsigned long long)pt_now_mono_ns(),
			(long long)p->skel->bss->clock_off,
			(unsigned long long)p->window, 0);
	return err;
}

/* ---- wait sites ---- */

/* Sites kept per thread, and per snapshot: the top ones by time. */
#define SITES_PER_THREAD 3
#define SITES_MAX 64

static void take_site(const void *key, const void *val, void *ctx)
{
	const struct pt_site_key *k = key;
	const struct pt_site_val *v = val;
	struct pt_snapshot *s = ctx;
	struct pt_sched_site *o;
	uint64_t ips[PT_SITE_DEPTH];
	char site[PT_SITE_MAX];
	size_t i;

	for (i = 0; i < PT_SITE_DEPTH; i++)
		ips[i] = k->ips[i];
	pt_ksym_site(ips, PT_SITE_DEPTH, site, sizeof(site));
	for (i = 0; i < s->sched_sites.n; i++) {	/* same name: merge */
		o = &s->sched_sites.v[i];
		if (o->id.pid == k->pid && !strcmp(o->site, site) &&
		    !strcmp(o->wait, pt_wait_name((enum pt_wait)k->class))) {
			o->ns += v->ns;
			o->waits += v->count;
			return;
		}
	}
	o = PT_REC_PUSH(s->sched_sites);
	if (!o)
		return;
	o->id.pid = k->pid;
	o->id.tgid = k->tgid;
	pt_strlcpy(o->id.comm, v->comm, sizeof(o->id.comm));
	pt_strlcpy(o->id.cgroup, pt_cgroup_path(v->cgroup_id),
		   sizeof(o->id.cgroup));
	pt_strlcpy(o->wait, pt_wait_name((enum pt_wait)k->class),
		   sizeof(o->wait));
	o->ns = v->ns;
	o->waits = v->count;
	pt_strlcpy(o->site, site, sizeof(o->site));
}

static int cmp_site_ns(const void *a, const void *b)
{
	const struct pt_sched_site *x = a, *y = b;

	return (x->ns < y->ns) - (x->ns > y->ns);
}

/* The interval's sites (the collector waited for writers to leave it). */
static int collect_sites(struct sched_priv *p, struct pt_snapshot *s)
{
	size_t i, j, kept = 0;
	int n;

	n = pt_drain_epoch_map(p->skel->maps.sched_sites,
			       offsetof(struct pt_site_key, epoch),
			       p->old_epoch, take_site, s);
	if (n < 0)
		return n;
	if (s->sched_sites.n > 1)	/* v is NULL when there are none */
		qsort(s->sched_sites.v, s->sched_sites.n,
		      sizeof(*s->sched_sites.v), cmp_site_ns);
	for (i = 0; i < s->sched_sites.n && kept < SITES_MAX; i++) {
		size_t same = 0;

		for (j = 0; j < kept; j++)
			same += s->sched_sites.v[j].id.pid ==
				s->sched_sites.v[i].id.pid;
		if (same < SITES_PER_THREAD)
			s->sched_sites.v[kept++] = s->sched_sites.v[i];
	}
	s->sched_sites.n = kept;
	return 0;
}

/* Per CPU: this read minus the last.  Idle time from /proc/stat (idle
 * and iowait ticks; the kernel's own accounting, not the sched program's:
 * a CPU's on-CPU time here is only what its switches closed), so the
 * rules can tell waits beside idle CPUs (confinement) from a shortage. */
static int collect_cpus(struct sched_priv *p, struct pt_snapshot *s)
{
	int fd = bpf_map__fd(p->skel->maps.sched_cpus);
	struct pt_sched_system *sys = &s->sched_sys;
	uint32_t hist[PT_HIST_BUCKETS];
	bool read, idle;
	unsigned int c;

	memcpy(p->idle_now, p->idle_prev, p->nr_cpus * sizeof(*p->idle_now));
	read = !pt_read_cpu_idle(p->idle_now, p->nr_cpus);
	idle = read && p->idle_have;
	for (c = 0; c < p->nr_cpus; c++) {
		struct pt_sched_cpu_val *v = &p->cpu_vals[c], *o = &p->cpu_prev[c];
		struct pt_sched_cpu *out;
		__u32 idx = c;
		struct pt_lat_hist *h;

		if (bpf_map_lookup_elem(fd, &idx, v))
			return -errno;
		out = PT_PUSH(s->sched_cpus);
		if (!out)
			return -ENOMEM;
		hist_grown(hist, v->hist, o->hist);
		out->cpu = c;
		out->runq_wait_ns = grown(v->runq_wait_ns, &o->runq_wait_ns);
		out->runq_count = grown(v->runq_count, &o->runq_count);
		h = &out->runq_hist;
		pt_lat_hist_add_fine(h, hist, out->runq_wait_ns);
		pt_lat_hist_merge(&sys->runq_hist, h);
		out->oncpu_ns = grown(v->oncpu_ns, &o->oncpu_ns);
		/* a CPU that went offline and came back restarts its ticks */
		if (idle && p->idle_now[c] >= p->idle_prev[c])
			out->idle_ns = p->idle_now[c] - p->idle_prev[c];
		out->runq_max_ns = interval_max(hist, v->max_epoch,
						v->runq_max_ns, p->old_epoch);
		out->runq_p50_ns = pt_hist_percentile(h, 0.50, out->runq_max_ns);
		out->runq_p99_ns = pt_hist_percentile(h, 0.99, out->runq_max_ns);
		sys->runq_wait_ns += out->runq_wait_ns;
		sys->runq_count += out->runq_count;
		sys->oncpu_ns += out->oncpu_ns;
		if (out->runq_max_ns > sys->runq_max_ns)
			sys->runq_max_ns = out->runq_max_ns;
	}
	if (read) {
		memcpy(p->idle_prev, p->idle_now,
		       p->nr_cpus * sizeof(*p->idle_prev));
		p->idle_have = true;
	}
	sys->runq_p50_ns = pt_hist_percentile(&sys->runq_hist, 0.50,
					      sys->runq_max_ns);
	sys->runq_p99_ns = pt_hist_percentile(&sys->runq_hist, 0.99,
					      sys->runq_max_ns);
	return 0;
}

static int sched_collect(struct pt_family *f, struct pt_snapshot *s,
			 uint32_t new_epoch)
{
	struct sched_priv *p = f->priv;
	size_t i;
	int err;

	p->old_epoch = new_epoch ^ 1;
	p->pass++;
	err = read_threads(p, s);
	if (err)
		return err;
	s->sched_sys.span_ns = p->window;
	/* final records after the iterator's reads of the same threads */
	for (i = 0; i < p->dead.n; i++)
		take_rec(p, s, &p->dead.v[i]);
	PT_TRIM(p->dead);
	p->dead.n = 0;
	forget_stale(p);
	pt_jvm_scan(p->jvm, p->pass);
	err = collect_sites(p, s);
	return err ? err : collect_cpus(p, s);
}

/* JVMs whose monitor waits are not probed (jvm.h). */
static void sched_read_loss(struct pt_family *f, struct pt_loss *l)
{
	struct sched_priv *p = f->priv;

	l->jvm_unprobed += pt_jvm_unprobed(p->jvm);
}

static void sched_stop(struct pt_family *f)
{
	struct sched_priv *p = f->priv;

	sched__destroy(p->skel);
	p->skel = NULL;
	sched_free(p);
	pt_ksyms_free();
}

struct pt_family *pt_sched_family(void)
{
	static struct sched_priv priv;
	static struct pt_family fam = {
		.id = PT_SCHED,
		.start = sched_start,
		.collect = sched_collect,
		.set_epoch = sched_set_epoch,
		.read_loss = sched_read_loss,
		.stop = sched_stop,
		.priv = &priv,
	};

	return &fam;
}
