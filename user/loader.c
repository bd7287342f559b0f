// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf plumbing shared by the families: attach-point selection by probing
 * the kernel's BTF, filters, loss counters and draining of the per-interval
 * aggregation maps.  The only user-side home of kernel-version differences.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "family.h"
#include "perftop.h"
#include "util.h"

static const char *const attach_names[] = {
	[PT_ATTACH_NONE] = NULL,
	[PT_ATTACH_TP_BTF] = "tp_btf",
	[PT_ATTACH_RAW_TP] = "raw_tp",
	[PT_ATTACH_TRACEPOINT] = "tracepoint",
	[PT_ATTACH_PERF_EVENT] = "perf_event",
	[PT_ATTACH_FENTRY] = "fentry",
	[PT_ATTACH_KPROBE] = "kprobe",
};

const char *pt_attach_name(enum pt_attach a)
{
	return attach_names[a];
}

/* ---- libbpf messages ---- */

static bool libbpf_verbose;
static char last_error[200];

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char line[512];
	size_t len;

	if (level == LIBBPF_DEBUG && !libbpf_verbose)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (level == LIBBPF_WARN && len)
		pt_strlcpy(last_error, line, sizeof(last_error));
	if (libbpf_verbose)
		fprintf(stderr, "libbpf: %s\n", line);
	return 0;
}

void pt_libbpf_setup(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

const char *pt_libbpf_last_error(void)
{
	return last_error;
}

void pt_family_fail(struct pt_family *f, const char *what, int err)
{
	if (err == -EPERM || err == -EACCES)
		snprintf(f->error, sizeof(f->error),
			 "%s: permission denied: %s", what, PT_PRIV_HINT);
	else if (last_error[0])
		snprintf(f->error, sizeof(f->error), "%s: %s (%.200s)", what,
			 strerror(-err), last_error);
	else
		snprintf(f->error, sizeof(f->error), "%s: %s", what,
			 strerror(-err));
	last_error[0] = '\0';
}

/* ---- kernel BTF ---- */

static struct btf *vmlinux_btf;
static bool vmlinux_btf_probed;

static struct btf *kernel_btf(void)
{
	if (!vmlinux_btf_probed) {
		vmlinux_btf_probed = true;
		vmlinux_btf = btf__load_vmlinux_btf();
		if (libbpf_get_error(vmlinux_btf))
			vmlinux_btf = NULL;
	}
	return vmlinux_btf;
}

/* The parsed kernel BTF is ~5.5 MiB; once every family is loaded nothing
 * needs it until the next start. */
void pt_release_kernel_btf(void)
{
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
	vmlinux_btf_probed = false;
}

bool pt_have_vmlinux_btf(void)
{
	return kernel_btf() != NULL;
}

bool pt_btf_has_tracepoint(const char *tp)
{
	struct btf *btf = kernel_btf();
	char name[128];

	if (!btf)
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
}

/* ---- programs ---- */

/*
 * Run a task iterator once.  The programs write no output, so one read()
 * reaching end-of-file means every thread was visited.
 */
int pt_run_task_iter(struct bpf_link *link)
{
	char buf[64];
	ssize_t n;
	int fd, err = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

void pt_select_attach(struct bpf_object *obj, enum pt_attach mode)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		bool btf = !strncmp(sec, "tp_btf/", 7);
		bool raw = !strncmp(sec, "raw_tp/", 7);

		if (btf)
			bpf_program__set_autoload(prog, mode == PT_ATTACH_TP_BTF);
		else if (raw)
			bpf_program__set_autoload(prog, mode == PT_ATTACH_RAW_TP);
	}
}

void pt_skel_destroy(struct pt_skel *s)
{
	if (!s)
		return;
	bpf_object__destroy_skeleton(s->skeleton);
	free(s);	/* the generated <name>__destroy() does the same */
}

static int skel_try(struct pt_family *f, const struct pt_skel_ops *ops,
		    const struct pt_filter *flt, enum pt_attach mode,
		    struct pt_skel **out)
{
	struct pt_skel *s = ops->open();
	int err;

	if (!s) {
		err = -errno ? -errno : -EINVAL;
		pt_family_fail(f, "open", err);
		return err;
	}
	pt_select_attach(s->obj, mode);
	ops->configure(s, flt, mode);
	err = bpf_object__load_skeleton(s->skeleton);
	if (err) {
		pt_family_fail(f, "load", err);
		goto fail;
	}
	err = pt_fill_tgid_filter(ops->tgid_filter(s), flt);
	if (err) {
		pt_family_fail(f, "pid filter", err);
		goto fail;
	}
	if (ops->loaded && (err = ops->loaded(s, flt)) != 0) {
		pt_family_fail(f, "setup", err);
		goto fail;
	}
	err = bpf_object__attach_skeleton(s->skeleton);
	if (err) {
		pt_family_fail(f, "attach", err);
		goto fail;
	}
	if (ops->attached && (err = ops->attached(s)) != 0) {
		pt_family_fail(f, "start", err);
		goto fail;
	}
	*out = s;
	f->attach = mode;
	f->loss_map = bpf_object__find_map_by_name(s->obj, "loss");
	f->nr_cpus = flt->nr_cpus;
	return 0;
fail:
	pt_skel_destroy(s);
	return err;
}

int pt_skel_start(struct pt_family *f, const struct pt_skel_ops *ops,
		  const struct pt_filter *flt, struct pt_skel **out)
{
	const char *const *tp;
	int err = -ENOENT;

	for (tp = ops->tracepoints; *tp; tp++)
		if (!pt_btf_has_tracepoint(*tp))
			break;
	if (!*tp)
		err = skel_try(f, ops, flt, PT_ATTACH_TP_BTF, out);
	else
		snprintf(f->error, sizeof(f->error),
			 "kernel BTF has no type for tracepoint %s", *tp);
	if (err)
		err = skel_try(f, ops, flt, PT_ATTACH_RAW_TP, out);
	if (!err)
		f->error[0] = '\0';
	return err;
}

int pt_fill_tgid_filter(struct bpf_map *map, const struct pt_filter *flt)
{
	__u8 one = 1;
	int i;

	for (i = 0; i < flt->nr_tgids; i++)
		if (bpf_map__update_elem(map, &flt->tgids[i], sizeof(__u32),
					 &one, sizeof(one), BPF_ANY))
			return -errno;
	return 0;
}

void pt_family_read_loss(struct pt_family *f, struct pt_loss *l)
{
	__u64 vals[f->nr_cpus ? f->nr_cpus : 1];
	__u64 sum[PT_LOSS_NR] = { 0 };
	__u32 k;
	unsigned int c;

	for (k = 0; k < PT_LOSS_NR; k++) {
		if (!f->loss_map ||
		    bpf_map__lookup_elem(f->loss_map, &k, sizeof(k), vals,
					 sizeof(vals), 0))
			continue;
		for (c = 0; c < f->nr_cpus; c++)
			sum[k] += vals[c];
	}
	l->ringbuf_drops += sum[PT_LOSS_RINGBUF];
	l->map_full += sum[PT_LOSS_MAP_FULL];
	l->storage_fail += sum[PT_LOSS_STORAGE];
	if (f->read_loss)
		f->read_loss(f, l);
}

/* ---- per-interval aggregation maps ---- */

/* Scratch buffers reused across intervals: no allocation per interval once
 * the map's size has been seen. */
struct drain_buf {
	void *keys, *vals, *old_keys;
	size_t cap, ksz, vsz;
};

/* Entries fetched per batch lookup.  The value buffer holds one chunk, not
 * the whole map: values can be KiBs (sched's histograms) and maps hold tens
 * of thousands of entries, which was most of perftop's RSS. */
#define DRAIN_CHUNK 1024u

static int drain_buf_fit(struct drain_buf *b, size_t n, size_t ksz,
			 size_t vsz)
{
	size_t chunk = n < DRAIN_CHUNK ? n : DRAIN_CHUNK;
	void *k, *v, *o;

	if (vsz != b->vsz || ksz != b->ksz)
		b->cap = 0;	/* another map took this slot */
	if (n <= b->cap)
		return 0;
	k = realloc(b->keys, chunk * ksz);
	if (k)
		b->keys = k;
	v = realloc(b->vals, chunk * vsz);
	if (v)
		b->vals = v;
	o = realloc(b->old_keys, n * ksz);
	if (o)
		b->old_keys = o;
	if (!k || !v || !o)
		return -ENOMEM;
	b->cap = n;
	b->ksz = ksz;
	b->vsz = vsz;
	return 0;
}

/* Which entries to drain: the __u32 at epoch_off in the key equals epoch. */
struct drain_sel {
	size_t epoch_off;
	uint32_t epoch;
	pt_drain_key_fn fn;
	void *ctx;
};

static bool key_in_epoch(const void *key, const struct drain_sel *sel)
{
	uint32_t e;

	memcpy(&e, (const char *)key + sel->epoch_off, sizeof(e));
	return e == sel->epoch;
}

/* Fast path: a few batch syscalls per interval (kernel 5.6+). */
static int drain_batched(struct bpf_map *map, const struct drain_sel *sel,
			 struct drain_buf *b)
{
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	__u32 max = bpf_map__max_entries(map), total = 0, i;
	__u32 chunk = max < DRAIN_CHUNK ? max : DRAIN_CHUNK;
	int fd = bpf_map__fd(map), err;
	size_t n_old = 0;
	__u64 token = 0;
	bool first = true, done = false;

	if (drain_buf_fit(b, max, ksz, vsz))
		return -ENOMEM;
	while (!done && total < max) {
		__u32 count = chunk;

		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   b->keys, b->vals, &count, NULL);
		first = false;
		if (err && errno != ENOENT)
			return -errno;
		done = err != 0;
		total += count;
		for (i = 0; i < count && n_old < max; i++) {
			const char *k = (const char *)b->keys + (size_t)i * ksz;

			if (!key_in_epoch(k, sel))
				continue;
			sel->fn(k, (char *)b->vals + (size_t)i * vsz, sel->ctx);
			memcpy((char *)b->old_keys + n_old++ * ksz, k, ksz);
		}
	}
	if (n_old) {
		__u32 count = (__u32)n_old;

		if (bpf_map_delete_batch(fd, b->old_keys, &count, NULL))
			return -errno;
	}
	return (int)n_old;
}

/* Slow path for kernels without batch operations on hash maps. */
static int drain_by_key(struct bpf_map *map, const struct drain_sel *sel,
			struct drain_buf *b)
{
	size_t ksz = bpf_map__key_size(map), vsz = bpf_map__value_size(map);
	__u32 max = bpf_map__max_entries(map);
	int fd = bpf_map__fd(map);
	char key[ksz], next[ksz];
	void *prev = NULL;
	size_t n = 0, i;

	if (drain_buf_fit(b, max, ksz, vsz))
		return -ENOMEM;
	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, ksz);
		prev = key;
		if (key_in_epoch(next, sel))
			memcpy((char *)b->old_keys + n++ * ksz, next, ksz);
	}
	for (i = 0; i < n; i++) {
		const char *k = (const char *)b->old_keys + i * ksz;

		if (!bpf_map_lookup_elem(fd, k, b->vals))
			sel->fn(k, b->vals, sel->ctx);
		bpf_map_delete_elem(fd, k);
	}
	return (int)n;
}

int pt_drain_epoch_map(struct bpf_map *map, size_t epoch_off, uint32_t epoch,
		       pt_drain_key_fn fn, void *ctx)
{
	/* One scratch per map: maps differ in key and value size. */
	static struct { struct bpf_map *map; struct drain_buf buf; } bufs[8];
	static bool no_batch;
	struct drain_sel sel = { epoch_off, epoch, fn, ctx };
	struct drain_buf *b = NULL;
	size_t i;
	int n;

	if (epoch_off + sizeof(uint32_t) > bpf_map__key_size(map))
		return -EINVAL;
	for (i = 0; i < PT_ARRAY_SIZE(bufs) && !b; i++)
		if (bufs[i].map == map || !bufs[i].map) {
			bufs[i].map = map;
			b = &bufs[i].buf;
		}
	if (!b)
		return -ENOSPC;
	if (!no_batch) {
		n = drain_batched(map, &sel, b);
		if (n != -EINVAL && n != -ENOTSUP && n != -EOPNOTSUPP)
			return n;
		no_batch = true;
	}
	return drain_by_key(map, &sel, b);
}

/* struct pt_key maps: hand the callback the id instead of the key. */
struct agg_ctx {
	pt_drain_fn fn;
	void *ctx;
};

static void agg_entry(const void *key, const void *val, void *ctx)
{
	const struct pt_key *k = key;
	struct agg_ctx *a = ctx;

	a->fn(k->id, val, a->ctx);
}

int pt_drain_agg_map(struct bpf_map *map, uint32_t epoch, pt_drain_fn fn,
		     void *ctx)
{
	struct agg_ctx a = { fn, ctx };

	return pt_drain_epoch_map(map, offsetof(struct pt_key, epoch), epoch,
				  agg_entry, &a);
}
