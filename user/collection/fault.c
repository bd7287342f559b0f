// SPDX-License-Identifier: GPL-2.0
/*
 * Page-fault family: loads bpf/fault.bpf.c, runs its task iterator at the
 * end of every interval so each thread's fault counters are read into that
 * interval, and turns the aggregates into pt_fault_task records plus the
 * system totals (the sum over the tasks the filters let through).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "family.h"
#include "names.h"
#include "perftop.h"
#include "fault.skel.h"
#include "util.h"

struct fault_priv {
	struct fault *skel;
	int iter_err;	/* from the last pass, reported by collect() */
};

/* Every wanted thread's counter growth since its last read lands in the
 * current epoch. */
static int run_iter(struct fault *skel)
{
	return pt_run_task_iter(skel->links.fault_iter);
}

static struct pt_skel *fault_open(void)
{
	return (struct pt_skel *)fault__open();
}

static void fault_configure(struct pt_skel *s, const struct pt_filter *flt,
			    enum pt_attach mode)
{
	struct fault *skel = (struct fault *)s;
	bool storage = mode == PT_ATTACH_TP_BTF;

	PT_SKEL_SET_FILTERS(skel, flt);
	skel->rodata->start_ns = pt_now_mono_ns();
	/* raw_tp is the path of kernels whose tracing programs may not use
	 * task storage (before 5.13): the baselines go into a hash. */
	skel->rodata->use_task_storage = storage;
	bpf_map__set_autocreate(skel->maps.fault_seen_storage, storage);
	bpf_map__set_autocreate(skel->maps.fault_seen_hash, !storage);
}

static struct bpf_map *fault_tgid_filter(struct pt_skel *s)
{
	return ((struct fault *)s)->maps.filter_tgids;
}

/* Baseline pass: threads alive now start counting from here. */
static int fault_attached(struct pt_skel *s)
{
	return run_iter((struct fault *)s);
}

static const char *const fault_tracepoints[] = { "sched_process_exit", NULL };

static const struct pt_skel_ops fault_ops = {
	.tracepoints = fault_tracepoints,
	.open = fault_open,
	.configure = fault_configure,
	.tgid_filter = fault_tgid_filter,
	.attached = fault_attached,
};

static int fault_start(struct pt_family *f, const struct pt_filter *flt,
		       struct ring_buffer **rb)
{
	struct fault_priv *p = f->priv;

	(void)rb;	/* aggregated in-kernel: no ring buffer */
	p->iter_err = 0;
	return pt_skel_start(f, &fault_ops, flt, (struct pt_skel **)&p->skel);
}

/* Close the interval: read every thread's counters into the old epoch,
 * then flip.  Threads exiting after the flip land in the new one. */
static void fault_set_epoch(struct pt_family *f, uint32_t epoch)
{
	struct fault_priv *p = f->priv;
	int err = run_iter(p->skel);

	if (err && !p->iter_err)
		p->iter_err = err;
	__atomic_store_n(&p->skel->bss->epoch, epoch, __ATOMIC_RELEASE);
}

static void fill_task(uint32_t pid, const void *val, void *ctx)
{
	const struct pt_fault_task_val *v = val;
	struct pt_snapshot *s = ctx;
	struct pt_fault_task *t;

	if (!v->minor && !v->major)
		return;
	s->fault_minor += v->minor;
	s->fault_major += v->major;
	t = PT_REC_PUSH(s->fault_tasks);
	if (!t)
		return;
	t->id.pid = pid;
	t->id.tgid = v->tgid;
	pt_strlcpy(t->id.comm, v->comm, sizeof(t->id.comm));
	pt_strlcpy(t->id.cgroup, pt_cgroup_path(v->cgroup_id),
		   sizeof(t->id.cgroup));
	t->minor = v->minor;
	t->major = v->major;
}

static int fault_collect(struct pt_family *f, struct pt_snapshot *s,
			 uint32_t new_epoch)
{
	struct fault_priv *p = f->priv;
	int n, err = p->iter_err;

	p->iter_err = 0;
	if (err)
		return err;
	n = pt_drain_agg_map(p->skel->maps.fault_tasks, new_epoch ^ 1,
			     fill_task, s);
	return n < 0 ? n : 0;
}

static void fault_stop(struct pt_family *f)
{
	struct fault_priv *p = f->priv;

	fault__destroy(p->skel);
	p->skel = NULL;
}

struct pt_family *pt_fault_family(void)
{
	static struct fault_priv priv;
	static struct pt_family fam = {
		.id = PT_FAULT,
		.start = fault_start,
		.collect = fault_collect,
		.set_epoch = fault_set_epoch,
		.stop = fault_stop,
		.priv = &priv,
	};

	return &fam;
}
