// SPDX-License-Identifier: GPL-2.0
/* Scheduler family: loads bpf/sched.bpf.c and turns its per-interval
 * aggregates into pt_sched_task / pt_sched_cpu records. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "family.h"
#include "names.h"
#include "pt_hist.h"
#include "sched.skel.h"
#include "util.h"

struct sched_priv {
	struct sched *skel;
	unsigned int nr_cpus;
	struct pt_sched_cpu_val *cpu_vals;	/* nr_cpus values, reused */
	__u32 cpu_hist[PT_HIST_BUCKETS];	/* merged, for system p50/p99 */
};

/*
 * A hash map without preallocation takes elements from per-CPU caches that
 * start with one element each and refill from irq_work.  The first context
 * switch on a CPU creates two entries (prev and next) with interrupts off,
 * so the second failed, one map_full per CPU at every start.  Fill each
 * CPU's cache before attaching: insert and delete a few entries from every
 * CPU we may run on.  Best effort: a CPU we cannot move to is skipped.
 */
#define WARM_ENTRIES 16

static void warm_task_map(int fd, unsigned int nr_cpus)
{
	static const struct pt_sched_task_val zero;
	cpu_set_t old, one;
	unsigned int cpu;
	__u32 i;

	if (sched_getaffinity(0, sizeof(old), &old))
		return;
	for (cpu = 0; cpu < nr_cpus && cpu < CPU_SETSIZE; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (!CPU_ISSET(cpu, &old) ||
		    sched_setaffinity(0, sizeof(one), &one))
			continue;
		for (i = 0; i < WARM_ENTRIES; i++) {
			/* epoch 2: never a key the programs or drains use */
			struct pt_key key = { .id = i, .epoch = 2 };

			bpf_map_update_elem(fd, &key, &zero, BPF_ANY);
		}
		for (i = 0; i < WARM_ENTRIES; i++) {
			struct pt_key key = { .id = i, .epoch = 2 };

			bpf_map_delete_elem(fd, &key);
		}
	}
	sched_setaffinity(0, sizeof(old), &old);
}

static struct pt_skel *sched_open(void)
{
	return (struct pt_skel *)sched__open();
}

static void sched_configure(struct pt_skel *s, const struct pt_filter *flt,
			    enum pt_attach mode)
{
	struct sched *skel = (struct sched *)s;

	(void)mode;
	PT_SKEL_SET_FILTERS(skel, flt);
	skel->rodata->nr_cpus = flt->nr_cpus;
	bpf_map__set_max_entries(skel->maps.sched_cpus, 2 * flt->nr_cpus);
}

static struct bpf_map *sched_tgid_filter(struct pt_skel *s)
{
	return ((struct sched *)s)->maps.filter_tgids;
}

static int sched_loaded(struct pt_skel *s, const struct pt_filter *flt)
{
	warm_task_map(bpf_map__fd(((struct sched *)s)->maps.sched_tasks),
		      flt->nr_cpus);
	return 0;
}

static const char *const sched_tracepoints[] = { "sched_switch",
						 "sched_process_exit", NULL };

static const struct pt_skel_ops sched_ops = {
	.tracepoints = sched_tracepoints,
	.open = sched_open,
	.configure = sched_configure,
	.tgid_filter = sched_tgid_filter,
	.loaded = sched_loaded,
};

static int sched_start(struct pt_family *f, const struct pt_filter *flt,
		       struct ring_buffer **rb)
{
	struct sched_priv *p = f->priv;
	int err;

	(void)rb;	/* aggregated in-kernel: no ring buffer */
	p->nr_cpus = flt->nr_cpus;
	p->cpu_vals = calloc(flt->nr_cpus, sizeof(*p->cpu_vals));
	if (!p->cpu_vals)
		return -ENOMEM;
	err = pt_skel_start(f, &sched_ops, flt, (struct pt_skel **)&p->skel);
	if (err) {
		free(p->cpu_vals);
		p->cpu_vals = NULL;
	}
	return err;
}

static void sched_set_epoch(struct pt_family *f, uint32_t epoch)
{
	struct sched_priv *p = f->priv;

	__atomic_store_n(&p->skel->bss->epoch, epoch, __ATOMIC_RELEASE);
}

static void fill_task(uint32_t pid, const void *val, void *ctx)
{
	const struct pt_sched_task_val *v = val;
	struct pt_snapshot *s = ctx;
	struct pt_sched_task *t;

	if (!v->runq_count && !v->oncpu_ns)
		return;
	t = PT_PUSH(s->sched_tasks);
	if (!t)
		return;
	t->id.pid = pid;
	t->id.tgid = v->tgid;
	pt_strlcpy(t->id.comm, v->comm, sizeof(t->id.comm));
	pt_strlcpy(t->id.cgroup, pt_cgroup_path(v->cgroup_id),
		   sizeof(t->id.cgroup));
	t->runq_wait_ns = v->runq_wait_ns;
	t->runq_count = v->runq_count;
	t->runq_max_ns = v->runq_max_ns;
	t->runq_p50_ns = pt_hist_percentile(v->hist, v->runq_count, 0.50,
					    v->runq_max_ns);
	t->runq_p99_ns = pt_hist_percentile(v->hist, v->runq_count, 0.99,
					    v->runq_max_ns);
	t->oncpu_ns = v->oncpu_ns;
}

/* Read and zero the old half of the per-CPU array. */
static int collect_cpus(struct sched_priv *p, struct pt_snapshot *s,
			uint32_t old_epoch)
{
	int fd = bpf_map__fd(p->skel->maps.sched_cpus);
	struct pt_sched_system *sys = &s->sched_sys;
	struct pt_sched_cpu_val *v;
	unsigned int c;
	__u32 b;

	memset(p->cpu_hist, 0, sizeof(p->cpu_hist));
	for (c = 0; c < p->nr_cpus; c++) {
		__u32 idx = old_epoch * p->nr_cpus + c;
		struct pt_sched_cpu *out;

		v = &p->cpu_vals[c];
		if (bpf_map_lookup_elem(fd, &idx, v))
			return -errno;
		if (v->runq_count || v->oncpu_ns) {
			struct pt_sched_cpu_val zero;

			memset(&zero, 0, sizeof(zero));
			bpf_map_update_elem(fd, &idx, &zero, BPF_ANY);
		}
		out = PT_PUSH(s->sched_cpus);
		if (!out)
			return -ENOMEM;
		out->cpu = c;
		out->runq_wait_ns = v->runq_wait_ns;
		out->runq_count = v->runq_count;
		out->runq_max_ns = v->runq_max_ns;
		out->runq_p50_ns = pt_hist_percentile(v->hist, v->runq_count,
						      0.50, v->runq_max_ns);
		out->runq_p99_ns = pt_hist_percentile(v->hist, v->runq_count,
						      0.99, v->runq_max_ns);
		out->oncpu_ns = v->oncpu_ns;
		sys->runq_wait_ns += v->runq_wait_ns;
		sys->runq_count += v->runq_count;
		sys->oncpu_ns += v->oncpu_ns;
		if (v->runq_max_ns > sys->runq_max_ns)
			sys->runq_max_ns = v->runq_max_ns;
		for (b = 0; b < PT_HIST_BUCKETS; b++)
			p->cpu_hist[b] += v->hist[b];
	}
	sys->runq_p50_ns = pt_hist_percentile(p->cpu_hist, sys->runq_count,
					      0.50, sys->runq_max_ns);
	sys->runq_p99_ns = pt_hist_percentile(p->cpu_hist, sys->runq_count,
					      0.99, sys->runq_max_ns);
	return 0;
}

static int sched_collect(struct pt_family *f, struct pt_snapshot *s,
			 uint32_t new_epoch)
{
	struct sched_priv *p = f->priv;
	uint32_t old = new_epoch ^ 1;
	int n;

	/* threads' task-local counters of the ended interval -> the hash */
	n = pt_run_task_iter(p->skel->links.sched_iter);
	if (n < 0)
		return n;
	n = pt_drain_agg_map(p->skel->maps.sched_tasks, old, fill_task, s);
	if (n < 0)
		return n;
	return collect_cpus(p, s, old);
}

static void sched_stop(struct pt_family *f)
{
	struct sched_priv *p = f->priv;

	sched__destroy(p->skel);
	p->skel = NULL;
	free(p->cpu_vals);
	p->cpu_vals = NULL;
}

struct pt_family *pt_sched_family(void)
{
	static struct sched_priv priv;
	static struct pt_family fam = {
		.id = PT_SCHED,
		.start = sched_start,
		.collect = sched_collect,
		.set_epoch = sched_set_epoch,
		.stop = sched_stop,
		.priv = &priv,
	};

	return &fam;
}
