// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "config.h"
#include "names.h"
#include "sysinfo.h"
#include "util.h"

/* Drain ring buffers at least this often, so a burst never fills them
 * between interval ends (the producers also wake us at a watermark). */
#define DRAIN_PERIOD_MS 100

typedef struct pt_family *(*pt_family_ctor)(void);

static const pt_family_ctor family_ctors[PT_NR_FAMILIES] = {
	[PT_SCHED] = pt_sched_family,
	[PT_FAULT] = pt_fault_family,
	[PT_BLOCK] = pt_block_family,
	[PT_TCP] = pt_tcp_family,
	[PT_OOM] = pt_oom_family,
	[PT_CGROUP] = pt_cgroup_family,
};

struct pt_family *pt_family_lookup(enum pt_family_id id)
{
	return id < PT_NR_FAMILIES && family_ctors[id] ? family_ctors[id]() :
							 NULL;
}

/* What each family reads besides its hooks (doctor). */
static const char *const family_reads[PT_NR_FAMILIES] = {
	[PT_SCHED] = "the kernel's sched_info timestamps",
	[PT_FAULT] = "task min_flt/maj_flt",
	[PT_BLOCK] = "one record per request",
	[PT_TCP] = "tcp_sock counters",
	[PT_OOM] = "the victim task: pid, comm, cgroup, RSS",
	[PT_CGROUP] = "cpu.stat, cpu.max, memory.*, io.max, *.pressure of the cgroups in view (v1: cpu, cpuacct, memory, blkio)",
};

int pt_family_check(enum pt_family_id id, bool tcp_owner_thread,
		     struct pt_family_check *out)
{
	struct pt_filter flt = { 0 };
	struct ring_buffer *rb = NULL;
	struct pt_family *f;
	int ncpu = libbpf_num_possible_cpus(), err;

	memset(out, 0, sizeof(*out));
	f = pt_family_lookup(id);
	if (!f) {
		snprintf(out->error, sizeof(out->error),
			 "not built into this perftop");
		return -ENOENT;
	}
	flt.nr_cpus = ncpu > 0 ? (unsigned int)ncpu : 1;
	flt.tcp_owner_thread = tcp_owner_thread;
	f->attach = PT_ATTACH_NONE;
	f->error[0] = '\0';
	err = f->start(f, &flt, &rb);
	if (err) {
		snprintf(out->error, sizeof(out->error), "FAILED: %s", f->error);
		return err;
	}
	pt_strlcpy(out->attach, pt_attach_name(f->attach), sizeof(out->attach));
	pt_family_hooks(f, out->hooks, sizeof(out->hooks), out->lacking,
			sizeof(out->lacking));
	pt_strlcpy(out->reads, family_reads[id], sizeof(out->reads));
	if (rb)
		ring_buffer__free(rb);
	f->stop(f);
	f->obj = NULL;
	return 0;
}

static int resolve_filter(struct pt_collector *c, const struct pt_opts *o)
{
	char err[512], path[64];
	int i, ncpu;
	uint64_t v;

	for (i = 0; i < o->nr_pids; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%u", o->pids[i]);
		if (stat(path, &st)) {
			pt_err("no process with pid %u: check the id with ps -p %u",
			       o->pids[i], o->pids[i]);
			return -ESRCH;
		}
	}
	c->filter.tgids = o->pids;
	if (pt_cgroup_hier() != PT_CG_HIER_DFL) {
		const char *e = pt_cgroup_hier() == PT_CG_HIER_V1_CPU ?
					"cpu_cgrp_id" : "memory_cgrp_id";
		long long ssid;

		if (pt_btf_enum_value(e, &ssid) || ssid < 0 || ssid >= 32) {
			pt_err("kernel BTF has no %s, needed to name tasks by the v1 %s hierarchy: mount cgroup2 with the controllers, or report this kernel",
			       e, pt_cgroup_hier_name() + 3);
			return -ENOTSUP;
		}
		c->filter.cgroup_v1_ssid = (uint32_t)ssid + 1;
	}
	c->filter.nr_tgids = o->nr_pids;
	if (o->cgroup &&
	    pt_cgroup_resolve(o->cgroup, &c->filter.cgroup_id,
			      &c->filter.cgroup_level, err, sizeof(err))) {
		pt_err("%s", err);
		return PT_ERR_CONFIG;	/* bad input: exit 2 (scan: 3) */
	}
	ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		pt_err("cannot read the number of possible CPUs: is /sys mounted?");
		return -EINVAL;
	}
	c->filter.nr_cpus = (unsigned int)ncpu;
	c->filter.tcp_owner_thread = o->tcp_owner_thread;
	/* tests/e2e/handover_stress.sh: make BPF writers late on purpose (it
	 * uses 1 ms); at most 10 ms, a tenth of the shortest interval (every
	 * thread exit spins that long in the kernel) */
	if (pt_test_env("PERFTOP_TEST_BPF_DELAY_NS", 1, 10000000, &v))
		c->filter.test_delay_ns = v;
	return 0;
}

static void fill_header(struct pt_collector *c, const struct pt_opts *o)
{
	struct pt_header *h = &c->header;
	int i;

	memset(h, 0, sizeof(*h));
	pt_read_machine(h);
	h->start_time_ns = pt_now_real_ns();
	h->interval_ns = o->interval_ns;
	for (i = 0; i < o->nr_pids; i++)
		h->filter_pids[h->nr_filter_pids++] = o->pids[i];
	if (o->cgroup)
		pt_strlcpy(h->filter_cgroup, o->cgroup, sizeof(h->filter_cgroup));
	pt_strlcpy(h->cgroup_hierarchy, pt_cgroup_hier_name(),
		   sizeof(h->cgroup_hierarchy));
	pt_strlcpy(h->tcp_owner, o->tcp_owner_thread ? "thread" : "process",
		   sizeof(h->tcp_owner));
	h->perftop_pid = (uint32_t)getpid();
}

static void start_family(struct pt_collector *c, enum pt_family_id id,
			 bool quiet)
{
	struct pt_probe_status *ps = &c->header.probes[id];
	struct pt_family *f;

	ps->requested = true;
	f = pt_family_lookup(id);
	if (!f) {
		snprintf(ps->error, sizeof(ps->error),
			 "not built into this perftop");
		return;
	}
	f->attach = PT_ATTACH_NONE;
	f->error[0] = '\0';
	if (f->start(f, &c->filter, &c->rb)) {
		pt_strlcpy(ps->error, f->error, sizeof(ps->error));
		if (!quiet)
			pt_warn("probe family %s is off: %s", pt_family_name(id),
				f->error);
		return;
	}
	ps->ok = true;
	pt_strlcpy(ps->attach, pt_attach_name(f->attach), sizeof(ps->attach));
	c->fams[id] = f;
	c->running |= 1u << id;
}

/*
 * Families start one after another, seconds apart on a loaded machine:
 * drop what the first ones counted meanwhile, so the first interval covers
 * [interval_start, its end] like every other (a thread cannot wait 7 s in
 * a 0.6 s interval).  Kernel-side loss stays for the first snapshot.
 */
/*
 * Flip every family to the other half of its per-interval maps, then wait
 * until no BPF program still writes into the old half (common.bpf.h,
 * pt_epoch_enter()): after this the old half is complete and stays so.
 */
static void flip_epoch(struct pt_collector *c, uint32_t new_epoch)
{
	int id;

	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (c->fams[id])
			c->fams[id]->set_epoch(c->fams[id], new_epoch);
	c->epoch = new_epoch;
	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (c->fams[id] &&
		    pt_epoch_settle(c->fams[id], new_epoch ^ 1) &&
		    !c->settle_warned) {
			c->settle_warned = true;
			pt_warn("%s: a BPF program stayed in the ended interval for over a second: its last events may land in the next one",
				pt_family_name((enum pt_family_id)id));
		}
}

static void discard_startup(struct pt_collector *c)
{
	uint32_t new_epoch = c->epoch ^ 1;
	struct pt_snapshot junk;
	int id;

	pt_snapshot_init(&junk);
	flip_epoch(c, new_epoch);
	pt_collector_drain(c);
	/* the cgroup family baselines the cgroups in view meanwhile, so the
	 * first interval has their counters too */
	junk.families = c->running;
	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (c->fams[id])
			c->fams[id]->collect(c->fams[id], &junk, new_epoch);
	pt_snapshot_free(&junk);
	/* records of this stretch are discarded anyway: one the readers
	 * could not allocate is no loss of the first interval */
	c->loss_prev.alloc_failed = pt_alloc_failures();
}

/*
 * -v: say on stderr when the first interval starts (every family attached,
 * what they counted meanwhile dropped), so a script can start its workload
 * inside the measurement: a scan prints nothing else before its report.
 */
static void announce_start(const struct pt_collector *c)
{
	char list[128] = "";
	size_t len = 0;
	int id;

	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (c->running & (1u << id))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s", len ? "," : "",
						pt_family_name((enum pt_family_id)id));
	fprintf(stderr, "perftop: attached %s, measuring\n", list);
	fflush(stderr);
}

int pt_collector_start(struct pt_collector *c, const struct pt_opts *o,
		       bool quiet)
{
	unsigned long pidns;
	uint64_t every;
	int id, err;

	memset(c, 0, sizeof(*c));
	c->requested = o->probes;
	c->interval_ns = o->interval_ns;
	/* A bad config is a usage error: report it before anything else. */
	if (pt_config_load(o->config, &c->cfg))
		return PT_ERR_CONFIG;
	if (!o->interval_set && c->cfg.interval_s > 0)
		c->interval_ns = (uint64_t)(c->cfg.interval_s * 1e9);
	if (!pt_have_bpf_privileges()) {
		pt_err("cannot load BPF programs: insufficient privileges: %s",
		       PT_PRIV_HINT);
		return -EPERM;
	}
	if (pt_pid_ns_private(&pidns) == 1) {
		pt_err("running in a PID namespace of its own (pid:[%lu]), where /proc and the kernel's task iterators show only its tasks: %s",
		       pidns, PT_PIDNS_HINT);
		return -EPERM;
	}
	pt_libbpf_setup(o->verbose);
	if (!pt_have_vmlinux_btf()) {
		pt_err("kernel has no BTF at /sys/kernel/btf/vmlinux: perftop needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.11 or newer)");
		return -ENOTSUP;
	}
	err = resolve_filter(c, o);
	if (err)
		return err;
	fill_header(c, o);
	c->header.interval_ns = c->interval_ns;
	c->detector = pt_detector_new(&c->cfg);
	if (!c->detector) {
		pt_err("out of memory starting detection: free some memory");
		return -ENOMEM;
	}
	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (o->probes & (1u << id))
			start_family(c, (enum pt_family_id)id, quiet);
	pt_release_kernel_btf();
	if (!c->running) {
		for (id = 0; id < PT_NR_FAMILIES; id++)
			if (c->header.probes[id].requested)
				break;
		pt_err("no probe family could start (%s: %s): run perftop doctor for details",
		       pt_family_name((enum pt_family_id)id),
		       c->header.probes[id].error);
		pt_collector_stop(c);
		return -ENODEV;
	}
	discard_startup(c);
	/* tests/e2e/loss_alloc_failed.sh: record allocations that fail, from
	 * the first interval on (each call site counts its calls from 0) */
	pt_alloc_fail_every(pt_test_env("PERFTOP_TEST_ALLOC_FAIL_EVERY", 1,
					1000000, &every) ? every : 0);
	c->interval_start = pt_now_mono_ns();
	c->deadline = c->interval_start + c->interval_ns;
	{	/* the PSI totals' baseline for the first interval's share */
		struct pt_pressure p;

		pt_read_pressure(&p, &c->psi_prev);
	}
	if (o->verbose)
		announce_start(c);
	return 0;
}

int pt_collector_fd(const struct pt_collector *c)
{
	return c->rb ? ring_buffer__epoll_fd(c->rb) : -1;
}

void pt_collector_drain(struct pt_collector *c)
{
	if (c->rb)
		ring_buffer__consume(c->rb);
}

int pt_collector_wait(struct pt_collector *c, volatile sig_atomic_t *stop)
{
	uint64_t now;

	while (!*stop && (now = pt_now_mono_ns()) < c->deadline) {
		uint64_t left_ms = (c->deadline - now + 999999) / 1000000;
		int wait_ms = left_ms < DRAIN_PERIOD_MS ? (int)left_ms :
							 DRAIN_PERIOD_MS;

		if (c->rb) {
			int n = ring_buffer__poll(c->rb, wait_ms);

			if (n < 0 && n != -EINTR)
				return n;
		} else {
			struct timespec ts = {
				.tv_sec = wait_ms / 1000,
				.tv_nsec = (long)(wait_ms % 1000) * 1000000,
			};

			nanosleep(&ts, NULL);	/* EINTR: re-check *stop */
		}
	}
	return 0;
}

static void collect_loss(struct pt_collector *c, struct pt_loss *out)
{
	struct pt_loss now = { 0 };
	int id;

	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (c->fams[id])
			pt_family_read_loss(c->fams[id], &now);
	now.alloc_failed = pt_alloc_failures();
	pt_loss_delta(out, &now, &c->loss_prev);
	out->attach_failed = (uint64_t)__builtin_popcount(c->requested &
							  ~c->running);
	c->loss_prev = now;
	pt_loss_add(&c->loss_total, out);
}

int pt_collector_snapshot(struct pt_collector *c, struct pt_snapshot *s)
{
	uint64_t now, real;
	uint32_t new_epoch = c->epoch ^ 1;
	int id, err = 0;

	pt_snapshot_reset(s);
	flip_epoch(c, new_epoch);
	/* The interval ends here, on both clocks: reading the wall clock
	 * after the families' collect put `time` that much late (ms under
	 * ASan, more at 10,000 threads), so a counter read at `time` (the
	 * disk's diskstats in serve_http) held I/O this interval did not. */
	now = pt_now_mono_ns();
	real = pt_now_real_ns();
	s->ts_ns = now;		/* families read it (sched: its pass's end) */
	s->time_ns = real;
	pt_collector_drain(c);
	pt_names_tick();
	/* the cgroup family (last) reads the others' records and these */
	s->families = c->running;
	s->interval_ns = now - c->interval_start;
	for (id = 0; id < PT_NR_FAMILIES; id++) {
		if (!c->fams[id])
			continue;
		err = c->fams[id]->collect(c->fams[id], s, new_epoch);
		if (err) {
			pt_err("reading %s aggregates failed: %s",
			       pt_family_name((enum pt_family_id)id),
			       strerror(-err));
			return err;
		}
	}
	s->seq = ++c->seq;
	s->self_tgid = c->header.perftop_pid;
	collect_loss(c, &s->loss);
	pt_read_pressure(&s->pressure, &c->psi_prev);
	pt_snapshot_sort(s);
	err = pt_detector_feed(c->detector, s);
	if (err) {
		pt_err("bottleneck detection failed: %s: free some memory",
		       strerror(-err));
		return err;
	}
	c->interval_start = now;
	/* Keep the cadence: the next deadline follows the last one, unless
	 * we fell more than an interval behind (suspend, stop signal). */
	c->deadline += c->interval_ns;
	if (c->deadline <= now)
		c->deadline = now + c->interval_ns;
	return 0;
}

int pt_collector_run(struct pt_collector *c, const struct pt_opts *o,
		     volatile sig_atomic_t *stop, pt_snapshot_fn fn, void *ctx)
{
	uint64_t end = o->duration_set ?
		c->interval_start + (uint64_t)(o->duration_s * 1e9) : UINT64_MAX;
	struct pt_snapshot snap;
	int err = 0;

	pt_snapshot_init(&snap);
	while (!err) {
		if (c->deadline > end)
			c->deadline = end;
		err = pt_collector_wait(c, stop);
		if (err)
			break;
		if (*stop && pt_now_mono_ns() - c->interval_start < 1000000)
			break;	/* stopped right at an interval's end */
		err = pt_collector_snapshot(c, &snap);
		if (!err)
			err = fn(&snap, ctx);
		if (err > 0 || *stop || pt_now_mono_ns() >= end)
			break;
	}
	pt_snapshot_free(&snap);
	return err > 0 ? 0 : err;
}

void pt_collector_set_interval(struct pt_collector *c, uint64_t ns)
{
	c->deadline = c->deadline - c->interval_ns + ns;
	c->interval_ns = ns;
}

void pt_collector_stop(struct pt_collector *c)
{
	int id;

	if (c->rb) {
		ring_buffer__free(c->rb);
		c->rb = NULL;
	}
	for (id = 0; id < PT_NR_FAMILIES; id++)
		if (c->fams[id]) {
			c->fams[id]->stop(c->fams[id]);
			c->fams[id] = NULL;
		}
	c->running = 0;
	pt_detector_free(c->detector);
	c->detector = NULL;
}
