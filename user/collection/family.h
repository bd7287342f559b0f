/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A probe family as the collector sees it.  Each family (sched.c, fault.c,
 * block.c, tcp.c) owns its BPF skeleton and fills its part of a snapshot;
 * nothing outside user/<family>.c and loader.c touches libbpf.
 */
#ifndef PT_FAMILY_H
#define PT_FAMILY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "perftop.h"

struct ring_buffer;
struct bpf_object;
struct bpf_map;
struct bpf_link;

/* Attach points, in the loader's order of preference. */
enum pt_attach {
	PT_ATTACH_NONE = 0,
	PT_ATTACH_TP_BTF,
	PT_ATTACH_RAW_TP,
	PT_ATTACH_TRACEPOINT,
	PT_ATTACH_PERF_EVENT,
	PT_ATTACH_FENTRY,
	PT_ATTACH_KPROBE,
	PT_ATTACH_FILES,	/* no BPF: reads kernel files (cgroup family) */
};

const char *pt_attach_name(enum pt_attach a);	/* as in the trace header: docs/json-format.md */

/* What the loader passes every family before load. */
struct pt_filter {
	const uint32_t *tgids;
	int nr_tgids;
	uint64_t cgroup_id;	/* 0: no cgroup filter */
	uint32_t cgroup_level;
	uint32_t cgroup_v1_ssid;	/* 0: tasks named by cgroup2; else 1 +
					 * the v1 controller's subsystem index */
	unsigned int nr_cpus;	/* possible CPUs */
	uint64_t test_delay_ns;	/* tests only: PERFTOP_TEST_BPF_DELAY_NS */
	bool tcp_owner_thread;	/* --tcp-owner thread: per-call owner hooks */
};

struct pt_family {
	enum pt_family_id id;
	/*
	 * Open, configure, load and attach, trying attach points in order.
	 * On success sets ->attach; on failure returns -errno and leaves a
	 * one-line reason in ->error.  `rb` collects the family's ring
	 * buffers (may be NULL when the family has none).
	 */
	int (*start)(struct pt_family *f, const struct pt_filter *flt,
		     struct ring_buffer **rb);
	/* The interval is over: epoch was just flipped to `new_epoch`.
	 * Move the old half and any ring-buffer records into s. */
	int (*collect)(struct pt_family *f, struct pt_snapshot *s,
		       uint32_t new_epoch);
	/* Flip the epoch the programs write (before the settle delay). */
	void (*set_epoch)(struct pt_family *f, uint32_t epoch);
	/* Optional: loss the family counts itself in userspace, added to
	 * the kernel's (cumulative since start). */
	void (*read_loss)(struct pt_family *f, struct pt_loss *l);
	void (*stop)(struct pt_family *f);

	enum pt_attach attach;
	/* Set by pt_skel_start(): the loaded object (doctor lists its
	 * hooks), its per-CPU `loss` array, and its in-flight counts per CPU
	 * and epoch (common.bpf.h). */
	struct bpf_object *obj;
	struct bpf_map *loss_map;
	/* Its kernel counters at the last read that worked: a failed read
	 * reports these (pt_loss_read_kind()), not zero. */
	uint64_t loss_last[PT_LOSS_NR];
	uint64_t loss_unread;	/* reads of loss_map that failed */
	struct bpf_map *inflight_map;
	unsigned int nr_cpus;
	char error[256];
	void *priv;
};

/* Constructors, one per family file. */
struct pt_family *pt_sched_family(void);
struct pt_family *pt_fault_family(void);
struct pt_family *pt_block_family(void);
struct pt_family *pt_tcp_family(void);
struct pt_family *pt_oom_family(void);
struct pt_family *pt_cgroup_family(void);

/* ---- helpers for family implementations (loader.c) ---- */

/* Route libbpf's messages: quiet by default, all with --verbose, and keep
 * the last warning so failures can be explained in one line. */
void pt_libbpf_setup(bool verbose);
const char *pt_libbpf_last_error(void);

/* Does this kernel's BTF describe tracepoint `tp` (btf_trace_<tp>)? */
bool pt_btf_has_tracepoint(const char *tp);
bool pt_btf_has_func(const char *name);
bool pt_have_vmlinux_btf(void);
/* Enumerator `name` of any enum in vmlinux BTF (named or anonymous): 0 and
 * *val, -ENOENT when no enum has it, -ENODATA without kernel BTF. */
int pt_btf_enum_value(const char *name, long long *val);
/* Is argument `arg` (0 = first after the context) of tracepoint `tp` a
 * pointer in this kernel's BTF?  1, 0, or -errno when unknown. */
int pt_btf_tracepoint_arg_is_ptr(const char *tp, unsigned int arg);
void pt_release_kernel_btf(void);
/* Run a task iterator program (iter/task) over every thread once. */
int pt_run_task_iter(struct bpf_link *link);

/* Keep the programs built for `mode` (section prefix tp_btf/ or raw_tp/),
 * disable their twins.  Programs of other section kinds stay as they are. */
void pt_select_attach(struct bpf_object *obj, enum pt_attach mode);

/* Attach every program that is set to load; -errno on the first failure
 * with ->error filled.  Links are owned by the skeleton or returned. */
int pt_attach_loaded(struct bpf_object *obj, struct pt_family *f);

/* Fill the filter_tgids map after load. */
int pt_fill_tgid_filter(struct bpf_map *map, const struct pt_filter *flt);

/*
 * After flipping the epoch away from `old`: wait until no BPF program of
 * the family is still writing into `old` (common.bpf.h, pt_epoch_enter()).
 * Returns 0, or -ETIMEDOUT after a second (a program cannot run that long;
 * the caller reports it).
 */
int pt_epoch_settle(struct pt_family *f, uint32_t old);

/* Add a running family's cumulative loss (kernel counters and its own
 * read_loss) to l. */
void pt_family_read_loss(struct pt_family *f, struct pt_loss *l);

/* Records the readers could not allocate (PT_REC_PUSH() NULL): not in
 * the snapshot, counted as loss.alloc_failed. */
void pt_alloc_failed(void);
uint64_t pt_alloc_failures(void);

/*
 * PT_PUSH() for the readers' records: a NULL (the record is dropped) is
 * counted with pt_alloc_failed() here, so no caller can forget it.  Test
 * hook (tests/e2e/loss_alloc_failed.sh): after pt_alloc_fail_every(n),
 * n > 0, every nth call of each call site (a counter per site) fails as if
 * out of memory.
 */
void pt_alloc_fail_every(uint64_t n);
bool pt_alloc_test_fail(uint64_t *calls);
#define PT_REC_PUSH(arr) __extension__ ({ \
	static uint64_t calls_; \
	__typeof__((arr).v) rec_ = pt_alloc_test_fail(&calls_) ? NULL : \
				   PT_PUSH(arr); \
	if (!rec_) \
		pt_alloc_failed(); \
	rec_; })

/*
 * Drain the half of an aggregation map keyed by struct pt_key whose epoch
 * is `epoch`: call fn for every entry, then delete it.  Returns the number
 * of entries or -errno.
 */
typedef void (*pt_drain_fn)(uint32_t id, const void *val, void *ctx);
int pt_drain_agg_map(struct bpf_map *map, uint32_t epoch, pt_drain_fn fn,
		     void *ctx);

/* The same for any key layout: entries whose key holds `epoch` as a __u32
 * at byte offset epoch_off (e.g. sockets keyed by a 64-bit address). */
typedef void (*pt_drain_key_fn)(const void *key, const void *val, void *ctx);
int pt_drain_epoch_map(struct bpf_map *map, size_t epoch_off, uint32_t epoch,
		       pt_drain_key_fn fn, void *ctx);

/*
 * The head every bpftool-generated skeleton struct starts with; libbpf's
 * skeleton API (load, attach, destroy) works on it, so one driver serves
 * every family.  Families cast their `struct <name> *` to it.
 */
struct pt_skel {
	struct bpf_object_skeleton *skeleton;
	struct bpf_object *obj;
};

/* What a family tells the shared driver about its skeleton. */
struct pt_skel_ops {
	/* tracepoints whose BTF types tp_btf needs; NULL-terminated */
	const char *const *tracepoints;
	struct pt_skel *(*open)(void);
	/* Optional: a second build of the same programs, tried in each
	 * mode where open()'s fails to load; NULL when there is none */
	struct pt_skel *(*open_alt)(void);
	/* Before load, after pt_select_attach(): rodata (start with
	 * PT_SKEL_SET_FILTERS), map sizes, programs to leave out. */
	void (*configure)(struct pt_skel *s, const struct pt_filter *flt,
			  enum pt_attach mode);
	struct bpf_map *(*tgid_filter)(struct pt_skel *s);
	/* Optional: after load (before attach), and after attach. */
	int (*loaded)(struct pt_skel *s, const struct pt_filter *flt);
	int (*attached)(struct pt_skel *s);
};

#define PT_SKEL_SET_FILTERS(skel, flt) do { \
	(skel)->rodata->test_delay_ns = (flt)->test_delay_ns; \
	(skel)->rodata->filter_tgid_on = (flt)->nr_tgids > 0; \
	(skel)->rodata->filter_cgroup_id = (flt)->cgroup_id; \
	(skel)->rodata->filter_cgroup_level = (flt)->cgroup_level; \
	(skel)->rodata->cgroup_v1_ssid = (flt)->cgroup_v1_ssid; \
} while (0)

/*
 * Open, configure, load and attach: tp_btf when the kernel's BTF has every
 * tracepoint, else (or when that fails) raw_tp.  On success *out holds the
 * skeleton and f->attach the mode; on failure -errno with f->error set.
 */
int pt_skel_start(struct pt_family *f, const struct pt_skel_ops *ops,
		  const struct pt_filter *flt, struct pt_skel **out);
void pt_skel_destroy(struct pt_skel *s);

/* PERFTOP_ATTACH=raw_tp|tp_btf: the attach mode every family must use, or
 * PT_ATTACH_NONE (tp_btf where the BTF allows, else raw_tp). */
enum pt_attach pt_forced_attach(void);

/* A started family's hooks: the attached ones ("a, b, c") and, one per
 * line, those this kernel lacks with what that costs the user. */
void pt_family_hooks(const struct pt_family *f, char *attached, size_t asz,
		     char *lacking, size_t lsz);

/* Common failure text for a family that could not load. */
void pt_family_fail(struct pt_family *f, const char *what, int err);

#endif /* PT_FAMILY_H */
