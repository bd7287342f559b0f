// SPDX-License-Identifier: GPL-2.0
/*
 * Block I/O family: loads bpf/block.bpf.c, consumes one ring-buffer record
 * per completed request into per-device and per-task tables, and at each
 * interval end moves them into the snapshot together with the number of
 * requests still in the device.
 *
 * The tables are open-addressed and allocated once at start: consuming a
 * record never allocates.  A record that finds its table full is dropped
 * and counted as map_full, like an in-kernel map that is full.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "block.skel.h"
#include "family.h"
#include "names.h"
#include "perftop.h"
#include "util.h"

#define DEV_SLOTS 256		/* devices with I/O in one interval */
#define TASK_SLOTS 16384	/* tasks with I/O in one interval */
/* A tracked request this old has no completion coming: its device went
 * away, or a completion was missed.  Far above any driver timeout. */
#define ORPHAN_NS (300ULL * 1000000000ULL)

/* Hooks that must all exist for a mode; block_io_start is optional. */
static const char *const block_tracepoints[] = {
	"block_rq_insert", "block_rq_issue", "block_rq_complete",
	"block_rq_requeue", "block_rq_merge", NULL,
};

struct dev_acc {
	uint32_t dev;
	bool used;
	uint64_t ios[2], bytes[2];	/* [PT_BLK_READ], [PT_BLK_WRITE] */
	uint64_t lat_max_ns, queue_ns, device_ns, inflight;
	struct pt_lat_hist lat;		/* of the completions timed */
};

struct task_acc {
	uint32_t pid, tgid;
	bool used;
	uint64_t cgroup_id;
	char comm[PT_COMM_LEN];
	uint64_t bytes[2], ios;
};

struct block_priv {
	struct block *skel;
	uint32_t rqf_io_stat, rqf_flush_seq;	/* masks, see resolve_rqf() */
	struct dev_acc *devs;		/* DEV_SLOTS */
	uint32_t *dev_used;		/* indexes of used slots */
	size_t nr_dev_used;
	struct task_acc *tasks;		/* TASK_SLOTS */
	uint32_t *task_used;
	size_t nr_task_used;
	__u64 *req_keys;		/* scratch for the in-flight scan */
	struct pt_block_req *req_vals;
	__u32 req_cap;
	uint64_t dropped;		/* table full: as map_full */
	uint64_t reaped;		/* orphans forgotten: block_reaped */
	uint64_t orphan_ns;		/* ORPHAN_NS, or the test's age */
};

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	return x ^ (x >> 16);
}

static struct dev_acc *dev_slot(struct block_priv *p, uint32_t dev)
{
	uint32_t i, h = hash32(dev);

	for (i = 0; i < DEV_SLOTS; i++) {
		uint32_t idx = (h + i) & (DEV_SLOTS - 1);
		struct dev_acc *d = &p->devs[idx];

		if (d->used && d->dev == dev)
			return d;
		if (!d->used) {
			d->used = true;
			d->dev = dev;
			p->dev_used[p->nr_dev_used++] = idx;
			return d;
		}
	}
	p->dropped++;
	return NULL;
}

static struct task_acc *task_slot(struct block_priv *p,
				  const struct pt_block_event *e)
{
	uint32_t i, h = hash32(e->pid);

	for (i = 0; i < TASK_SLOTS; i++) {
		uint32_t idx = (h + i) & (TASK_SLOTS - 1);
		struct task_acc *t = &p->tasks[idx];

		if (t->used && t->pid == e->pid)
			return t;
		if (!t->used) {
			t->used = true;
			t->pid = e->pid;
			t->tgid = e->tgid;
			t->cgroup_id = e->cgroup_id;
			memcpy(t->comm, e->comm, sizeof(t->comm));
			t->comm[PT_COMM_LEN - 1] = '\0';
			p->task_used[p->nr_task_used++] = idx;
			return t;
		}
	}
	p->dropped++;
	return NULL;
}

static void account_dev(struct dev_acc *d, const struct pt_block_event *e)
{
	bool rw = e->group == PT_BLK_READ || e->group == PT_BLK_WRITE;

	if (rw)
		d->bytes[e->group] += e->bytes;
	if (!(e->flags & PT_BLK_F_IO))
		return;
	if (rw)
		d->ios[e->group]++;
	if (e->lat_ns) {
		pt_lat_hist_add_value(&d->lat, e->lat_ns);
		if (e->lat_ns > d->lat_max_ns)
			d->lat_max_ns = e->lat_ns;
	}
	/* The kernel side splits a latency completely or not at all, so
	 * queue + device adds up to the latency of the split ones. */
	d->queue_ns += e->queue_ns;
	d->device_ns += e->device_ns;
}

static void account_task(struct task_acc *t, const struct pt_block_event *e)
{
	if (e->group == PT_BLK_READ || e->group == PT_BLK_WRITE)
		t->bytes[e->group] += e->bytes;
	if (e->flags & PT_BLK_F_IO)
		t->ios++;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct pt_block_event *e = data;
	struct block_priv *p = ctx;
	struct dev_acc *d;
	struct task_acc *t;

	if (size < sizeof(*e))
		return 0;
	d = dev_slot(p, e->dev);
	if (d)
		account_dev(d, e);
	if (!(e->flags & PT_BLK_F_TASK) || !e->pid)
		return 0;	/* issuer unknown, or the kernel itself */
	t = task_slot(p, e);
	if (t)
		account_task(t, e);
	return 0;
}

/* ---- in-flight requests ---- */

static void count_req(struct block_priv *p, __u64 key,
		      const struct pt_block_req *r, uint64_t now, int fd)
{
	uint64_t last = r->issue_ns > r->start_ns ? r->issue_ns : r->start_ns;
	struct dev_acc *d;

	/* Its completion, should it still come, finds no entry: counted
	 * without its issuer, or under -p/-c not at all (block_untracked). */
	if (now > last && now - last > p->orphan_ns) {
		if (!bpf_map_delete_elem(fd, &key))
			p->reaped++;
		return;
	}
	if (!r->issue_ns || !r->wanted)
		return;
	d = dev_slot(p, r->dev);
	if (d)
		d->inflight++;
}

/* Requests issued to a driver and not completed, per device (what
 * diskstats field 9 shows for blk-mq devices). */
static int scan_inflight(struct block_priv *p)
{
	int fd = bpf_map__fd(p->skel->maps.block_reqs), err;
	uint64_t now = pt_now_mono_ns();
	__u32 total = 0, i;
	__u64 token = 0;
	bool first = true, done = false;

	while (!done && total < p->req_cap) {
		__u32 count = p->req_cap - total;

		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   p->req_keys + total,
					   p->req_vals + total, &count, NULL);
		first = false;
		if (err && errno != ENOENT)
			return -errno;
		done = err != 0;
		total += count;
	}
	for (i = 0; i < total; i++)
		count_req(p, p->req_keys[i], &p->req_vals[i], now, fd);
	return 0;
}

/* ---- snapshot ---- */

static int fill_dev(struct pt_snapshot *s, const struct dev_acc *d)
{
	struct pt_block_dev *out = PT_PUSH(s->block_devs);
	uint32_t major = d->dev >> 20, minor = d->dev & 0xfffff;

	if (!out)
		return -ENOMEM;
	pt_strlcpy(out->dev, pt_blockdev_name(major, minor), sizeof(out->dev));
	out->major = major;
	out->minor = minor;
	out->read_ios = d->ios[PT_BLK_READ];
	out->write_ios = d->ios[PT_BLK_WRITE];
	out->read_bytes = d->bytes[PT_BLK_READ];
	out->write_bytes = d->bytes[PT_BLK_WRITE];
	out->lat_p50_ns = pt_hist_percentile(&d->lat, 0.50, d->lat_max_ns);
	out->lat_p99_ns = pt_hist_percentile(&d->lat, 0.99, d->lat_max_ns);
	out->lat_max_ns = d->lat_max_ns;
	out->lat_hist = d->lat;
	out->queue_ns = d->queue_ns;
	out->device_ns = d->device_ns;
	out->inflight = d->inflight;
	return 0;
}

static int fill_task(struct pt_snapshot *s, const struct task_acc *t)
{
	struct pt_block_task *out = PT_PUSH(s->block_tasks);

	if (!out)
		return -ENOMEM;
	out->id.pid = t->pid;
	out->id.tgid = t->tgid;
	pt_strlcpy(out->id.comm, t->comm, sizeof(out->id.comm));
	pt_strlcpy(out->id.cgroup, pt_cgroup_path(t->cgroup_id),
		   sizeof(out->id.cgroup));
	out->read_bytes = t->bytes[PT_BLK_READ];
	out->write_bytes = t->bytes[PT_BLK_WRITE];
	out->ios = t->ios;
	return 0;
}

static bool dev_active(const struct dev_acc *d)
{
	return d->ios[0] || d->ios[1] || d->bytes[0] || d->bytes[1] ||
	       d->inflight;
}

static int block_collect(struct pt_family *f, struct pt_snapshot *s,
			 uint32_t new_epoch)
{
	struct block_priv *p = f->priv;
	int err = 0;
	size_t i;

	(void)new_epoch;	/* records, not epoch halves */
	err = scan_inflight(p);
	for (i = 0; i < p->nr_dev_used; i++) {
		struct dev_acc *d = &p->devs[p->dev_used[i]];

		if (!err && dev_active(d))
			err = fill_dev(s, d);
		memset(d, 0, sizeof(*d));
	}
	p->nr_dev_used = 0;
	for (i = 0; i < p->nr_task_used; i++) {
		struct task_acc *t = &p->tasks[p->task_used[i]];

		if (!err && (t->bytes[0] || t->bytes[1] || t->ios))
			err = fill_task(s, t);
		memset(t, 0, sizeof(*t));
	}
	p->nr_task_used = 0;
	return err;
}

/* ---- life cycle ---- */

static bool kernel_older_than(unsigned int major, unsigned int minor)
{
	struct utsname u;
	unsigned int ma, mi;

	if (uname(&u) || sscanf(u.release, "%u.%u", &ma, &mi) != 2)
		return false;
	return ma < major || (ma == major && mi < minor);
}

/*
 * The two request flags diskstats' accounting turns on: RQF_IO_STAT (the
 * request is counted) and RQF_FLUSH_SEQ (the flush machinery's own
 * request, not counted as an I/O).  Their bits moved in 6.11 (commit
 * 5f89154e8e9e "block: Use enum to define RQF_x bit indexes": the bits
 * became an enum, renumbered, __RQF_IO_STAT 8 and __RQF_FLUSH_SEQ 1,
 * anonymous until e7112524e5e8 "block: Name the RQF flags enum" in 6.14),
 * so the bits are read from the running kernel's BTF, named or not.  Before 6.11 they were #defines, absent
 * from BTF: RQF_FLUSH_SEQ (1 << 4) and RQF_IO_STAT (1 << 13) from the RQF_
 * namespace's start (v4.10) to the last #define list, which that commit's
 * diff removes; flags retired in between left their bits unused.
 * block_diskstats proves them on 6.1 (VM test bed, docs/testing.md).  A
 * kernel of 6.11 or later whose BTF lacks the enum is not guessed at.
 */
static int resolve_rqf(struct pt_family *f, struct block_priv *p)
{
	long long io = -1, fs = -1;
	int e_io = pt_btf_enum_value("__RQF_IO_STAT", &io);
	int e_fs = pt_btf_enum_value("__RQF_FLUSH_SEQ", &fs);

	if (!e_io && !e_fs && io >= 0 && io < 32 && fs >= 0 && fs < 32) {
		p->rqf_io_stat = 1u << io;
		p->rqf_flush_seq = 1u << fs;
		return 0;
	}
	if (e_io == -ENOENT && e_fs == -ENOENT && kernel_older_than(6, 11)) {
		p->rqf_io_stat = 1u << 13;
		p->rqf_flush_seq = 1u << 4;
		return 0;
	}
	snprintf(f->error, sizeof(f->error),
		 "cannot tell the request flags /proc/diskstats counts by "
		 "(__RQF_IO_STAT, __RQF_FLUSH_SEQ %s in the kernel's BTF): "
		 "leave the block family out (--probes sched,fault,tcp)",
		 e_io == -ENODATA ? "need it: no BTF" : "not found");
	return -ENOENT;
}

static struct pt_skel *block_open(void)
{
	return (struct pt_skel *)block__open();
}

static void block_configure(struct pt_skel *s, const struct pt_filter *flt,
			    enum pt_attach mode)
{
	struct block *skel = (struct block *)s;
	struct block_priv *p = pt_block_family()->priv;
	bool io_start = pt_btf_has_tracepoint("block_io_start");
	uint64_t n;

	(void)mode;
	PT_SKEL_SET_FILTERS(skel, flt);
	skel->rodata->have_io_start = io_start;
	skel->rodata->rqf_io_stat = p->rqf_io_stat;
	skel->rodata->rqf_flush_seq = p->rqf_flush_seq;
	/* tests/e2e/block_untracked.sh: a table that fills with a few
	 * requests held in flight; smaller only, never more memory */
	if (pt_test_env("PERFTOP_TEST_BLOCK_REQS", 1,
			bpf_map__max_entries(skel->maps.block_reqs), &n))
		bpf_map__set_max_entries(skel->maps.block_reqs, (uint32_t)n);
	if (!io_start) {	/* before 6.5: insert/issue start the entry */
		bpf_program__set_autoload(skel->progs.tpbtf_block_io_start, false);
		bpf_program__set_autoload(skel->progs.rawtp_block_io_start, false);
	}
}

static struct bpf_map *block_tgid_filter(struct pt_skel *s)
{
	return ((struct block *)s)->maps.filter_tgids;
}

static const struct pt_skel_ops block_ops = {
	.tracepoints = block_tracepoints,
	.open = block_open,
	.configure = block_configure,
	.tgid_filter = block_tgid_filter,
};

static int alloc_tables(struct block_priv *p)
{
	p->devs = calloc(DEV_SLOTS, sizeof(*p->devs));
	p->dev_used = calloc(DEV_SLOTS, sizeof(*p->dev_used));
	p->tasks = calloc(TASK_SLOTS, sizeof(*p->tasks));
	p->task_used = calloc(TASK_SLOTS, sizeof(*p->task_used));
	if (!p->devs || !p->dev_used || !p->tasks || !p->task_used)
		return -ENOMEM;
	return 0;
}

static int alloc_scan(struct block_priv *p)
{
	p->req_cap = bpf_map__max_entries(p->skel->maps.block_reqs);
	p->req_keys = calloc(p->req_cap, sizeof(*p->req_keys));
	p->req_vals = calloc(p->req_cap, sizeof(*p->req_vals));
	return p->req_keys && p->req_vals ? 0 : -ENOMEM;
}

static int add_ring(struct block_priv *p, struct ring_buffer **rb)
{
	int fd = bpf_map__fd(p->skel->maps.block_events);

	if (!rb)
		return 0;	/* caller only checks that we can attach */
	if (!*rb) {
		*rb = ring_buffer__new(fd, on_event, p, NULL);
		return *rb ? 0 : -errno;
	}
	return ring_buffer__add(*rb, fd, on_event, p);
}

static void block_stop(struct pt_family *f);

static int block_start(struct pt_family *f, const struct pt_filter *flt,
		       struct ring_buffer **rb)
{
	struct block_priv *p = f->priv;
	uint64_t ms;
	int err;

	p->dropped = 0;
	p->reaped = 0;
	p->orphan_ns = ORPHAN_NS;
	/* tests/e2e/block_untracked.sh: reap within a test's few seconds;
	 * shorter only */
	if (pt_test_env("PERFTOP_TEST_BLOCK_ORPHAN_MS", 1, ORPHAN_NS / 1000000,
			&ms))
		p->orphan_ns = ms * 1000000ULL;
	if (resolve_rqf(f, p))
		return -ENOENT;
	if (alloc_tables(p)) {
		pt_family_fail(f, "allocating tables", -ENOMEM);
		block_stop(f);
		return -ENOMEM;
	}
	err = pt_skel_start(f, &block_ops, flt, (struct pt_skel **)&p->skel);
	if (!err) {
		/* from now on a request's start was seen (started_attached()
		 * in bpf/block.bpf.c); the clock of rq->start_time_ns */
		p->skel->bss->attach_ns = pt_now_mono_ns();
	}
	if (!err && (err = alloc_scan(p)) != 0)
		pt_family_fail(f, "allocating tables", err);
	else if (!err && (err = add_ring(p, rb)) != 0)
		pt_family_fail(f, "ring buffer", err);
	if (err) {
		block_stop(f);
		return err;
	}
	f->error[0] = '\0';
	return 0;
}

static void block_set_epoch(struct pt_family *f, uint32_t epoch)
{
	(void)f;	/* ring buffer records have no epoch */
	(void)epoch;
}

/* Records that found a table full, and requests whose tracking entries
 * were reaped as orphans (the kernel's own counters come from the loss
 * map, see pt_family_read_loss()). */
static void block_read_loss(struct pt_family *f, struct pt_loss *l)
{
	struct block_priv *p = f->priv;

	l->map_full += p->dropped;
	l->block_reaped += p->reaped;
}

static void block_stop(struct pt_family *f)
{
	struct block_priv *p = f->priv;

	block__destroy(p->skel);
	p->skel = NULL;
	free(p->devs);
	free(p->dev_used);
	free(p->tasks);
	free(p->task_used);
	free(p->req_keys);
	free(p->req_vals);
	memset(p, 0, sizeof(*p));
}

struct pt_family *pt_block_family(void)
{
	static struct block_priv priv;
	static struct pt_family fam = {
		.id = PT_BLOCK,
		.start = block_start,
		.collect = block_collect,
		.set_epoch = block_set_epoch,
		.read_loss = block_read_loss,
		.stop = block_stop,
		.priv = &priv,
	};

	return &fam;
}
