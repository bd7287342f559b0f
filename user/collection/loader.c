// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf plumbing shared by the families: attach-point selection by probing
 * the kernel's BTF, filters, loss counters and draining of the per-interval
 * aggregation maps.  The only user-side home of kernel-version differences.
 */
#include <errno.h>
#include <sched.h>
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
	[PT_ATTACH_FILES] = "files",
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
	/* libbpf prefixes most of its own lines ("libbpf: prog '...': ..."):
	 * add the prefix only where it is missing */
	if (libbpf_verbose)
		fprintf(stderr, "%s%s\n",
			strncmp(line, "libbpf: ", 8) ? "libbpf: " : "", line);
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

/* Does the kernel have kfunc (or any function) `name` in its BTF? */
bool pt_btf_has_func(const char *name)
{
	struct btf *btf = kernel_btf();

	return btf && btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
}

/*
 * The value of enumerator `name` in the kernel's BTF, whichever enum holds
 * it: named (enum rqf_flags) or anonymous (enum { __RQF_STARTED, ... }),
 * 32 or 64 bits.  Only vmlinux BTF is searched, which any process may
 * read; libbpf's CO-RE enum relocations would search module BTF too when
 * vmlinux has no enum of the expected name, and listing modules' BTF
 * needs CAP_SYS_ADMIN.  0 with *val set, -ENOENT, or -ENODATA (no BTF).
 */
int pt_btf_enum_value(const char *name, long long *val)
{
	struct btf *btf = kernel_btf();
	__u32 id, n, i;

	if (!btf)
		return -ENODATA;
	n = btf__type_cnt(btf);
	for (id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);

			for (i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(btf, e->name_off), name)) {
					*val = e->val;
					return 0;
				}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);

			for (i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(btf, e->name_off), name)) {
					*val = (long long)btf_enum64_value(e);
					return 0;
				}
		}
	}
	return -ENOENT;
}

int pt_btf_tracepoint_arg_is_ptr(const char *tp, unsigned int arg)
{
	struct btf *btf = kernel_btf();
	const struct btf_type *t;
	const struct btf_param *params;
	char name[128];
	int id;

	if (!btf)
		return -ENOENT;
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -ENOENT;
	/* typedef -> pointer -> func_proto (void *ctx, args...) */
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return -EINVAL;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < arg + 2)
		return -EINVAL;
	params = btf_params(t);
	t = btf__type_by_id(btf, btf__resolve_type(btf, params[arg + 1].type));
	return t && btf_is_ptr(t);
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
		    struct pt_skel *s, const struct pt_filter *flt,
		    enum pt_attach mode, struct pt_skel **out)
{
	struct bpf_map *inflight;
	int err;

	if (!s) {
		err = -errno ? -errno : -EINVAL;
		pt_family_fail(f, "open", err);
		return err;
	}
	pt_select_attach(s->obj, mode);
	inflight = bpf_object__find_map_by_name(s->obj, "inflight");
	if (inflight)
		bpf_map__set_max_entries(inflight, flt->nr_cpus);
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
	f->obj = s->obj;
	f->loss_map = bpf_object__find_map_by_name(s->obj, "loss");
	f->inflight_map = inflight;
	f->nr_cpus = flt->nr_cpus;
	return 0;
fail:
	pt_skel_destroy(s);
	return err;
}

/* The family's object in this mode; where it fails to load, its second
 * build if it has one (ops->open_alt). */
static int skel_try_mode(struct pt_family *f, const struct pt_skel_ops *ops,
			 const struct pt_filter *flt, enum pt_attach mode,
			 struct pt_skel **out)
{
	char first[sizeof(f->error)];
	struct pt_skel *alt;
	int err = skel_try(f, ops, ops->open(), flt, mode, out);

	if (err && ops->open_alt && (alt = ops->open_alt()) != NULL) {
		pt_strlcpy(first, f->error, sizeof(first));
		err = skel_try(f, ops, alt, flt, mode, out);
		if (!err)	/* it works, at a cost: said */
			pt_warn("probe family %s: %s; its second build loaded (docs/design.md)",
				pt_family_name(f->id), first);
	}
	return err;
}

/*
 * PERFTOP_ATTACH=raw_tp makes every family take its raw_tp programs even
 * where tp_btf works (CI runs the e2e suite once that way: the path of
 * kernels whose BTF lacks a tracepoint, proven on a kernel that has it);
 * =tp_btf forbids the fallback.  Unset or "auto": tp_btf, else raw_tp.
 */
enum pt_attach pt_forced_attach(void)
{
	const char *v = getenv("PERFTOP_ATTACH");

	if (v && !strcmp(v, "raw_tp"))
		return PT_ATTACH_RAW_TP;
	if (v && !strcmp(v, "tp_btf"))
		return PT_ATTACH_TP_BTF;
	return PT_ATTACH_NONE;
}

int pt_skel_start(struct pt_family *f, const struct pt_skel_ops *ops,
		  const struct pt_filter *flt, struct pt_skel **out)
{
	enum pt_attach forced = pt_forced_attach();
	const char *const *tp;
	int err = -ENOENT;

	for (tp = ops->tracepoints; *tp; tp++)
		if (!pt_btf_has_tracepoint(*tp))
			break;
	if (forced == PT_ATTACH_RAW_TP)
		snprintf(f->error, sizeof(f->error),
			 "PERFTOP_ATTACH=raw_tp: tp_btf not tried");
	else if (!*tp)
		err = skel_try_mode(f, ops, flt, PT_ATTACH_TP_BTF, out);
	else
		snprintf(f->error, sizeof(f->error),
			 "kernel BTF has no type for tracepoint %s", *tp);
	if (err && forced != PT_ATTACH_TP_BTF)
		err = skel_try_mode(f, ops, flt, PT_ATTACH_RAW_TP, out);
	if (!err)
		f->error[0] = '\0';
	return err;
}

/* ---- what a running family is attached to ---- */

/* The hook a program attaches to: its section name after the kind
 * ("tp_btf/block_io_start" -> "block_io_start"; "iter/task" stays). */
static const char *prog_hook(struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	return slash && strncmp(sec, "iter/", 5) ? slash + 1 : sec;
}

/*
 * Hooks some kernels lack, and what their absence costs the user: one
 * named table for every family, read by doctor (docs/design.md, kernel
 * differences).
 */
static const struct hook_cost {
	const char *hook, *since, *cost;
} hook_costs[] = {
	{ .hook = "block_io_start", .since = "6.5",
	  .cost = "issuer attribution at insert: requests inserted by kblockd or the flush machinery are charged to them, and empty pre-flush writes' time is not split into queue and device" },
	{ .hook = "sock_send_length", .since = "6.3",
	  .cost = "with --tcp-owner thread, a connection that only sends is owned by the process holding it open (the owner scan), not the thread that sends" },
	{ .hook = "sock_recv_length", .since = "6.3",
	  .cost = "with --tcp-owner thread, the receiving task is named at tcp_rcv_space_adjust instead" },
	{ .hook = "tcp_destroy_sock", .since = "5.x",
	  .cost = "sockets are forgotten at their TCP_CLOSE state change instead" },
};

static bool hook_listed(const char *list, const char *hook)
{
	size_t n = strlen(hook);
	const char *p = list;

	while ((p = strstr(p, hook)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* A program attached to something (SEC("kind/target")), not one that
 * userspace only runs (SEC("raw_tp") with BPF_PROG_TEST_RUN). */
static bool is_hook(struct bpf_program *prog)
{
	return strchr(bpf_program__section_name(prog), '/') != NULL;
}

/* Does a line of `list` start with "hook "? */
static bool line_listed(const char *list, const char *hook)
{
	size_t n = strlen(hook);
	const char *p = list;

	while (*p) {
		if (!strncmp(p, hook, n) && (p[n] == ' ' || !p[n]))
			return true;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return false;
}

static void append(char *buf, size_t size, const char *sep, const char *s)
{
	size_t len = strlen(buf);

	if (len < size)
		snprintf(buf + len, size - len, "%s%s", len ? sep : "", s);
}

void pt_family_hooks(const struct pt_family *f, char *attached, size_t asz,
		     char *lacking, size_t lsz)
{
	struct bpf_program *prog;
	size_t i;

	attached[0] = lacking[0] = '\0';
	if (!f->obj)
		return;
	bpf_object__for_each_program(prog, f->obj)
		if (bpf_program__autoload(prog) && is_hook(prog) &&
		    !hook_listed(attached, prog_hook(prog)))
			append(attached, asz, ", ", prog_hook(prog));
	bpf_object__for_each_program(prog, f->obj) {
		const char *hook = prog_hook(prog);
		char line[400];

		if (!is_hook(prog) || hook_listed(attached, hook) ||
		    line_listed(lacking, hook) ||
		    pt_btf_has_tracepoint(hook))
			continue;	/* attached, said, or left out by choice */
		snprintf(line, sizeof(line), "%s", hook);
		for (i = 0; i < PT_ARRAY_SIZE(hook_costs); i++)
			if (!strcmp(hook_costs[i].hook, hook))
				snprintf(line, sizeof(line), "%s (%s+): %s", hook,
					 hook_costs[i].since, hook_costs[i].cost);
		append(lacking, lsz, "\n", line);
	}
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

int pt_epoch_settle(struct pt_family *f, uint32_t old)
{
	uint64_t deadline = pt_now_mono_ns() + 1000000000ull;
	struct pt_inflight v;
	unsigned int c = 0;

	if (!f->inflight_map)
		return 0;
	/* the flip (a plain store into the mapped .bss) before the reads */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (c < f->nr_cpus) {
		__u32 key = c;

		if (bpf_map__lookup_elem(f->inflight_map, &key, sizeof(key),
					 &v, sizeof(v), 0) ||
		    !v.n[old & 1]) {
			c++;	/* this CPU is done with `old` */
			continue;
		}
		if (pt_now_mono_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
	return 0;
}

static uint64_t alloc_failures;
static uint64_t alloc_fail_every;	/* 0: never; tests only */

void pt_alloc_fail_every(uint64_t n)
{
	alloc_fail_every = n;
}

bool pt_alloc_test_fail(uint64_t *calls)
{
	return alloc_fail_every && ++*calls % alloc_fail_every == 0;
}

void pt_alloc_failed(void)
{
	__atomic_add_fetch(&alloc_failures, 1, __ATOMIC_RELAXED);
}

uint64_t pt_alloc_failures(void)
{
	return __atomic_load_n(&alloc_failures, __ATOMIC_RELAXED);
}

void pt_family_read_loss(struct pt_family *f, struct pt_loss *l)
{
	uint64_t vals[f->nr_cpus ? f->nr_cpus : 1];
	uint64_t sum[PT_LOSS_NR] = { 0 };
	__u32 k;
	int err;

	for (k = 0; f->loss_map && k < PT_LOSS_NR; k++) {
		err = bpf_map__lookup_elem(f->loss_map, &k, sizeof(k), vals,
					   sizeof(vals), 0);
		sum[k] = pt_loss_read_kind(err, vals, f->nr_cpus,
					   &f->loss_last[k], &f->loss_unread);
	}
	l->ringbuf_drops += sum[PT_LOSS_RINGBUF];
	l->map_full += sum[PT_LOSS_MAP_FULL];
	l->storage_fail += sum[PT_LOSS_STORAGE];
	l->block_untracked += sum[PT_LOSS_UNTRACKED];
	l->tcp_owner_unknown += sum[PT_LOSS_OWNER_UNKNOWN];
	l->sched_unseen += sum[PT_LOSS_SCHED_UNSEEN];
	l->loss_unread += f->loss_unread;
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
