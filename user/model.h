/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The snapshot model: everything perftop knows about one interval.  Live
 * collection and trace replay both produce it; the TUI, the JSON writer,
 * detection and reports only ever read it.  Pure data and pure functions:
 * no libbpf, ncurses or cJSON here.
 */
#ifndef PT_MODEL_H
#define PT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_COMM_MAX 16		/* kernel TASK_COMM_LEN, NUL included */
#define PT_CGROUP_MAX 256	/* cgroup path under the cgroup2 mount */
#define PT_DEV_MAX 32
#define PT_ADDR_MAX 46		/* INET6_ADDRSTRLEN */
#define PT_TEXT_MAX 256
#define PT_MAX_CULPRITS 5

enum pt_family_id {
	PT_SCHED = 0,
	PT_FAULT,
	PT_BLOCK,
	PT_TCP,
	PT_NR_FAMILIES,
};
#define PT_ALL_FAMILIES ((1u << PT_NR_FAMILIES) - 1)

const char *pt_family_name(enum pt_family_id id);
/* Parse "sched,fault" into a bit mask; -EINVAL with *bad set on a bad name. */
int pt_parse_families(const char *list, unsigned int *mask, const char **bad,
		      size_t *bad_len);

/* Identity shared by every per-task record. */
struct pt_task_id {
	uint32_t pid;		/* thread id */
	uint32_t tgid;		/* process id */
	char comm[PT_COMM_MAX];
	char cgroup[PT_CGROUP_MAX];
};

struct pt_sched_task {
	struct pt_task_id id;
	uint64_t runq_wait_ns, runq_count, runq_max_ns;
	uint64_t runq_p50_ns, runq_p99_ns;
	uint64_t oncpu_ns;
};

struct pt_sched_cpu {
	uint32_t cpu;
	uint64_t runq_wait_ns, runq_count, runq_max_ns;
	uint64_t runq_p50_ns, runq_p99_ns;
	uint64_t oncpu_ns;
};

/* System-wide figures, from the merged per-CPU histograms. */
struct pt_sched_system {
	uint64_t runq_wait_ns, runq_count, runq_max_ns;
	uint64_t runq_p50_ns, runq_p99_ns;
	uint64_t oncpu_ns;
};

struct pt_fault_task {
	struct pt_task_id id;
	uint64_t minor, major;
};

struct pt_block_dev {
	char dev[PT_DEV_MAX];
	uint32_t major, minor;
	uint64_t read_ios, write_ios, read_bytes, write_bytes;
	uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns;
	uint64_t queue_ns;	/* total insert->issue time of completed I/Os */
	uint64_t device_ns;	/* total issue->complete time */
	uint64_t inflight;	/* issued, not completed at interval end */
};

struct pt_block_task {
	struct pt_task_id id;
	uint64_t read_bytes, write_bytes, ios;
};

enum pt_tcp_flags {
	PT_TCP_F_CONNECT = 1 << 0,
	PT_TCP_F_ACCEPT = 1 << 1,
	PT_TCP_F_CLOSE = 1 << 2,
	PT_TCP_F_RESET = 1 << 3,
};

struct pt_tcp_conn {
	struct pt_task_id id;
	int family;		/* 4 or 6 */
	char saddr[PT_ADDR_MAX], daddr[PT_ADDR_MAX];
	uint16_t sport, dport;
	uint64_t tx_bytes, rx_bytes;
	uint64_t retransmits, segs_out;
	uint32_t srtt_us;
	uint32_t events;	/* pt_tcp_flags seen in the interval */
};

/* Every way data can be lost, per interval (in the end line: totals). */
struct pt_loss {
	uint64_t ringbuf_drops;	/* ring buffer full: records dropped */
	uint64_t map_full;	/* aggregation map full: events dropped */
	uint64_t storage_fail;	/* per-task storage could not be created */
	uint64_t attach_failed;	/* requested families that are not running */
};

enum pt_severity { PT_SEV_OK = 0, PT_SEV_WARNING = 1, PT_SEV_CRITICAL = 2 };

enum pt_culprit_kind { PT_CULPRIT_TASK, PT_CULPRIT_DEV, PT_CULPRIT_CONN };

struct pt_culprit {
	enum pt_culprit_kind kind;
	struct pt_task_id task;		/* PT_CULPRIT_TASK (and conn owner) */
	char dev[PT_DEV_MAX];		/* PT_CULPRIT_DEV */
	char saddr[PT_ADDR_MAX], daddr[PT_ADDR_MAX];	/* PT_CULPRIT_CONN */
	uint16_t sport, dport;
	double value;			/* its contribution, in the rule's unit */
};

struct pt_finding {
	enum pt_severity severity;
	char subsystem[16];
	char rule[32];
	char summary[PT_TEXT_MAX];
	double value, threshold;
	char unit[8];
	struct pt_culprit culprits[PT_MAX_CULPRITS];
	int nr_culprits;
	char advice[PT_TEXT_MAX];
};

/* Pressure stall information, "some avg10" in percent; < 0 if unknown. */
struct pt_pressure {
	double cpu, memory, io;
};

/* What a trace's header line holds: the machine and how it was measured. */
struct pt_probe_status {
	bool requested;
	bool ok;
	char attach[16];	/* "tp_btf", "raw_tp", ...; "" when none */
	char error[PT_TEXT_MAX];
};

struct pt_header {
	char hostname[64];
	char kernel[64];
	unsigned int nr_cpus;
	uint64_t start_time_ns;	/* wall clock */
	uint64_t interval_ns;
	struct pt_probe_status probes[PT_NR_FAMILIES];
	uint32_t filter_pids[64];
	int nr_filter_pids;
	char filter_cgroup[PT_CGROUP_MAX];
};

#define PT_ARRAY(type, name) \
	struct { type *v; size_t n, cap; } name

struct pt_snapshot {
	uint64_t seq;
	uint64_t time_ns;	/* wall clock (CLOCK_REALTIME) at interval end */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC at interval end */
	uint64_t interval_ns;	/* length actually covered */
	unsigned int families;	/* mask of families that produced data */

	PT_ARRAY(struct pt_sched_task, sched_tasks);
	PT_ARRAY(struct pt_sched_cpu, sched_cpus);
	struct pt_sched_system sched_sys;

	PT_ARRAY(struct pt_fault_task, fault_tasks);
	uint64_t fault_minor, fault_major;	/* system totals */

	PT_ARRAY(struct pt_block_dev, block_devs);
	PT_ARRAY(struct pt_block_task, block_tasks);

	PT_ARRAY(struct pt_tcp_conn, tcp_conns);

	struct pt_pressure pressure;
	struct pt_loss loss;
	PT_ARRAY(struct pt_finding, findings);
};

/* Append one zeroed element; NULL when out of memory. */
#define PT_PUSH(arr) \
	((struct { __typeof__((arr).v) p; }){ \
		pt_array_grow((void **)&(arr).v, &(arr).n, &(arr).cap, \
			      sizeof(*(arr).v)) }).p

void *pt_array_grow(void **v, size_t *n, size_t *cap, size_t elsz);

void pt_snapshot_init(struct pt_snapshot *s);
/* Empty it for the next interval, keeping allocations. */
void pt_snapshot_reset(struct pt_snapshot *s);
void pt_snapshot_free(struct pt_snapshot *s);
/* Deep copy; -ENOMEM on failure (dst left empty). */
int pt_snapshot_copy(struct pt_snapshot *dst, const struct pt_snapshot *src);

/* Sort records the way every output shows them: largest first. */
void pt_snapshot_sort(struct pt_snapshot *s);

void pt_loss_add(struct pt_loss *sum, const struct pt_loss *add);
uint64_t pt_loss_total(const struct pt_loss *l);

/* Percentile (0 < q < 1) of a log-linear histogram (include/pt_hist.h),
 * as the midpoint of the bucket holding it, clamped to max_ns. */
uint64_t pt_hist_percentile(const uint32_t *hist, uint64_t count, double q,
			    uint64_t max_ns);

#endif /* PT_MODEL_H */
