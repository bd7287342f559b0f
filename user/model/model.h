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
#define PT_CGROUP_MAX 256	/* cgroup path under its hierarchy's mount */
#define PT_DEV_MAX 32
#define PT_ADDR_MAX 46		/* INET6_ADDRSTRLEN */
#define PT_TEXT_MAX 512	/* advice names a cgroup path and its limits */
#define PT_MAX_CULPRITS 5
#define PT_SITE_MAX 160		/* a kernel wait site, "a <- b <- c" */

enum pt_family_id {
	PT_SCHED = 0,
	PT_FAULT,
	PT_BLOCK,
	PT_TCP,
	PT_OOM,
	PT_CGROUP,		/* not BPF: the cgroups' own files */
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

/*
 * A latency distribution: counts in the kernel's log-linear buckets
 * (include/pt_hist.h: exact below 16 ns, then 8 per power of two, each at
 * most 1/8 of its lower bound wide, so a bucket's midpoint is within
 * 6.25% of any value in it).  One interval's (the collectors fill it), or
 * a window's: histograms add up bucket by bucket, so a window's p99 is a
 * real p99 of every wait in it, not a mean of the intervals' p99s.
 * Written in traces (docs/json-format.md): the system's and each
 * device's from version 2, each thread's and CPU's from version 3;
 * `missing` counts the intervals added without one (read from an older
 * trace), whose percentiles can only be averaged.  2,200 bytes, so
 * threads keep theirs sparse (struct pt_lat_sparse below).
 */
#define PT_LAT_BUCKETS 272	/* PT_HIST_BUCKETS, checked in model.c */
struct pt_lat_hist {
	uint64_t count, sum_ns;
	uint64_t missing;
	uint64_t bucket[PT_LAT_BUCKETS];
};

/*
 * The same histogram kept sparse, for records there are thousands of
 * (each thread's): only its non-empty buckets, bins[first .. first + nr)
 * of the snapshot's hist_bins, in bucket order.  A thread waits a few
 * times an interval, so a few buckets: at 10,000 threads (scripts/
 * bench.sh's measure_rss) whole ones were 22 MB of every snapshot, 26 MB
 * of perftop's 118 MiB peak with the rest of the records; sparse, 32
 * bytes and 16 per bucket.  pt_record_hist() gives it whole.
 */
struct pt_lat_bin {
	uint32_t bucket;
	uint64_t count;
};

struct pt_lat_sparse {
	uint64_t count, sum_ns;
	uint64_t missing;
	uint32_t first, nr;	/* in pt_snapshot.hist_bins */
};

/*
 * runq_* describe the run-queue waits that ended in the interval (schedstat
 * run_delay's arithmetic).  oncpu_ns .. sleep_ns split the thread's time in
 * the interval by state, open states included (a thread runnable all along
 * shows its wait so far): they add up to the time the thread was seen.
 */
struct pt_sched_task {
	struct pt_task_id id;
	uint64_t runq_wait_ns, runq_count, runq_max_ns;
	uint64_t runq_p50_ns, runq_p99_ns;
	uint64_t oncpu_ns;
	uint64_t runnable_ns;	/* runnable, waiting for a CPU */
	uint64_t throttled_ns;	/* runnable, cgroup out of CPU quota */
	uint64_t io_ns, mem_ns, lock_ns, sleep_ns;	/* blocked, by cause */
	uint64_t io_waits, mem_waits, lock_waits;	/* blocked episodes ended */
	uint64_t vol_switches, invol_switches;
	uint64_t steal_ns;	/* on a CPU the hypervisor took (not run time) */
	/* scheduling class at the interval's end (or its exit): policy as
	 * sched_setscheduler(2) numbers it, nice -20..19 (its weight under
	 * SCHED_NORMAL/BATCH); 0 and 0 in traces older than them */
	uint32_t policy;
	int nice;
	struct pt_lat_sparse runq_hist;	/* its waits of the interval */
};

struct pt_sched_cpu {
	uint32_t cpu;
	uint64_t runq_wait_ns, runq_count, runq_max_ns;
	uint64_t runq_p50_ns, runq_p99_ns;
	uint64_t oncpu_ns;
	/* idle (and iowait) time in the interval, from /proc/stat's ticks;
	 * 0 in the first interval after a failed read */
	uint64_t idle_ns;
	struct pt_lat_hist runq_hist;	/* waits that ended on it */
};

/*
 * Prometheus histograms (serve) fold those buckets at powers of two: le
 * bound k is 2^(PT_LE_MIN_LOG2 + k) ns, the last one +Inf (everything from
 * 2^35 ns, 34 s, up).  Log-linear buckets never straddle a power of two,
 * so the fold interpolates nothing.
 */
#define PT_LE_MIN_LOG2 10		/* 1.024 us */
#define PT_LE_MAX_LOG2 35		/* 34.4 s */
#define PT_LE_BUCKETS (PT_LE_MAX_LOG2 - PT_LE_MIN_LOG2 + 2)

/* sched_setscheduler(2)'s policies */
enum pt_sched_policy {
	PT_SCHED_NORMAL = 0, PT_SCHED_FIFO = 1, PT_SCHED_RR = 2,
	PT_SCHED_BATCH = 3, PT_SCHED_IDLE = 5, PT_SCHED_DEADLINE = 6,
};
/* "SCHED_FIFO", ...; "policy N" for another number (buf) */
const char *pt_sched_policy_name(uint32_t policy, char *buf, size_t len);
/* FIFO, RR, DEADLINE: it preempts every normal thread on its CPU */
bool pt_sched_policy_rt(uint32_t policy);

/* Why a thread's time went where it did (enum pt_wait_class in
 * include/perftop.h has the same order). */
enum pt_wait {
	PT_W_ONCPU = 0, PT_W_RUNQ, PT_W_THROTTLED, PT_W_IO, PT_W_MEM,
	PT_W_LOCK, PT_W_SLEEP, PT_W_STEAL, PT_W_NR,
};
const char *pt_wait_name(enum pt_wait w);	/* "io", "lock", ... */
int pt_wait_parse(const char *name);		/* -1 when unknown */

/* A kernel wait site: where a thread's blocked waits of one class sat,
 * e.g. "io_schedule <- blk_mq_get_tag <- __blk_mq_alloc_requests". */
struct pt_sched_site {
	struct pt_task_id id;
	char wait[8];		/* pt_wait_name(): "io", "mem" or "lock" */
	uint64_t ns, waits;
	char site[PT_SITE_MAX];
};

/* System-wide figures, from the merged per-CPU histograms. */
struct pt_sched_system {
	uint64_t runq_wait_ns, runq_count, runq_max_ns;
	uint64_t runq_p50_ns, runq_p99_ns;
	uint64_t oncpu_ns;
	struct pt_lat_hist runq_hist;	/* every wait of the interval */
	/* the wait causes of the threads in sched_tasks, summed */
	uint64_t runnable_ns, throttled_ns, io_ns, mem_ns, lock_ns;
	/* the run-queue-clock time between this pass of reads of the
	 * threads and the last: what each thread's classes add up to (the
	 * reads run after the interval's end, a preemptible reader later or
	 * sooner, so this is interval_ns give or take that delay) */
	uint64_t span_ns;
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
	struct pt_lat_hist lat_hist;	/* every completed request's latency */
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
	PT_TCP_F_TIMEOUT = 1 << 4,	/* stalled in retransmission timeouts */
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

/*
 * One cgroup with tasks in view (docs/cgroups.md): its limits as set now,
 * and what the kernel counted for it over the interval.  Read from its
 * files once per interval; on v1 each controller's file from the task's
 * cgroup on that controller's hierarchy.  Counters are interval deltas,
 * 0 in the first interval a cgroup is seen (`first`: no baseline yet).
 */
#define PT_CG_LABEL_MAX 128

struct pt_cgroup {
	char path[PT_CGROUP_MAX];	/* on the naming hierarchy */
	char container[PT_CG_LABEL_MAX];	/* docker:3f4e5a6b7c8d, k8s:ns/pod/ctr,
					 * nginx.service; "" none */
	char runtime[16];		/* docker, containerd, cri-o, podman,
					 * lxc, kubernetes, systemd; "" none */
	char container_id[65];
	char pod[PT_CG_LABEL_MAX], pod_namespace[64];	/* kubelet's files */
	uint32_t tasks;			/* its threads in this snapshot */
	uint32_t first;			/* 1: first interval seen */
	/* CPU bandwidth (v2 cpu.max; v1 cpu.cfs_quota_us/cfs_period_us) */
	uint64_t cpu_quota_us;		/* 0: no quota */
	uint64_t cpu_period_us;
	uint64_t cpu_usage_ns;		/* CPU time used (v1: cpuacct.usage) */
	uint64_t cpu_periods;		/* cpu.stat nr_periods */
	uint64_t cpu_throttled_periods;	/* nr_throttled */
	uint64_t cpu_throttled_ns;	/* throttled_usec / throttled_time */
	/* memory (v2 memory.max/current/events/stat; v1 memory.*) */
	uint64_t mem_limit_bytes;	/* 0: no limit */
	uint64_t mem_usage_bytes;	/* now */
	uint64_t mem_oom_kills;		/* OOM kills in it (hierarchical) */
	uint64_t mem_refaults;		/* workingset refaults, file + anon */
	uint32_t io_limited;		/* 1: io.max / blkio.throttle set */
	char io_limit[PT_CG_LABEL_MAX];	/* those limits in words: "sda write
					 * 1 MiB/s, sda read 100 IO/s" */
	/* PSI of the cgroup (v2 only) as % of the interval, from the
	 * "total" stall counters; -1 unknown */
	double psi_cpu_some, psi_mem_some, psi_mem_full, psi_io_some;
};

/* Family oom: every kill, exact (the victims list may be capped). */
struct pt_oom_totals {
	uint64_t kills;
};

/* An OOM kill (oom:mark_victim), victim as the kernel named it. */
struct pt_oom_kill {
	uint32_t pid, tgid;
	char comm[PT_COMM_MAX];
	char cgroup[PT_CGROUP_MAX];	/* victim's, on the naming hierarchy */
	/* its memory cgroup where that is another path (v1 hosts named by
	 * the cpu hierarchy), else "" */
	char mem_cgroup[PT_CGROUP_MAX];
	uint64_t rss_bytes;		/* anon + file + shmem; 0 unknown */
};

/* Every way data can be lost, per interval (in the end line: totals). */
struct pt_loss {
	uint64_t ringbuf_drops;	/* ring buffer full: records dropped */
	uint64_t map_full;	/* aggregation map full: events dropped */
	uint64_t storage_fail;	/* per-task storage could not be created */
	uint64_t attach_failed;	/* requested families that are not running */
	uint64_t cgroups_skipped;	/* cgroups in view not read (over the
					 * per-interval cap) */
	uint64_t block_untracked;	/* block completions under -p/-c of
					 * requests never seen starting */
	uint64_t block_reaped;	/* block requests tracked for over 300 s,
				 * forgotten */
	uint64_t tcp_owner_unknown;	/* connections under -p/-c gone before
					 * their owner was known */
	uint64_t sched_unseen;	/* context switches made without the
				 * sched_switch tracepoint (found later) */
	uint64_t alloc_failed;	/* records the readers could not allocate */
	uint64_t loss_unread;	/* loss counter reads that failed (counted
				 * at the next read that works) */
	uint64_t record_dropped;	/* intervals the flight recorder did not
					 * write (queue full, disk), counted on
					 * the next one it wrote */
	uint64_t jvm_unprobed;	/* JVMs' libjvm.so whose monitor waits
				 * could not be probed (read as sleep) */
};
/* Every member is a uint64_t counter (pt_loss_add(), collect_loss() and
 * the field table rely on it; test_fields checks the table covers all). */
#define PT_LOSS_NR_KINDS (sizeof(struct pt_loss) / sizeof(uint64_t))

enum pt_severity { PT_SEV_OK = 0, PT_SEV_WARNING = 1, PT_SEV_CRITICAL = 2 };

/* As in JSON: "ok", "warning", "critical"; parse: 0 or -EINVAL. */
const char *pt_severity_name(enum pt_severity sev);
int pt_severity_parse(const char *name, enum pt_severity *sev);

enum pt_culprit_kind {
	PT_CULPRIT_TASK, PT_CULPRIT_DEV, PT_CULPRIT_CONN,
	PT_CULPRIT_CGROUP,	/* task.cgroup names it, no task */
};

struct pt_culprit {
	enum pt_culprit_kind kind;
	struct pt_task_id task;		/* PT_CULPRIT_TASK (and conn owner) */
	char dev[PT_DEV_MAX];		/* PT_CULPRIT_DEV */
	char saddr[PT_ADDR_MAX], daddr[PT_ADDR_MAX];	/* PT_CULPRIT_CONN */
	uint16_t sport, dport;
	double value;			/* its contribution, in the rule's unit */
	char site[PT_SITE_MAX];		/* where it waited (io.blocked,
					 * lock.contention), "" if unknown */
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

/* Pressure stall information in percent; < 0 if unknown. */
struct pt_pressure {
	double cpu, memory, io;		/* some avg10 at the interval's end */
	/* the share of the interval in which some task stalled, from the
	 * `total=` counters' growth: what the rules judge (avg10 still
	 * holds up to ~10 s of what went before) */
	double cpu_some, memory_some, io_some;
};

enum pt_psi_res { PT_PSI_CPU, PT_PSI_MEMORY, PT_PSI_IO };
/* The pressure of r that the rules judge and the views show: the
 * interval's share, or avg10 in a trace written before the share; -1
 * when neither was read. */
double pt_pressure_of(const struct pt_pressure *p, enum pt_psi_res r);

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
	/* Hierarchy naming tasks' cgroups: "v2", "v1:cpu", "v1:memory";
	 * "" in traces older than the field. */
	char cgroup_hierarchy[16];
	/* --tcp-owner: "process" or "thread"; "" in older traces */
	char tcp_owner[8];
	uint32_t perftop_pid;	/* the recorder's own process; 0: unknown */
};

#define PT_ARRAY(type, name) \
	struct { type *v; size_t n, cap; } name

struct pt_snapshot {
	uint64_t seq;
	uint64_t time_ns;	/* wall clock (CLOCK_REALTIME) at interval end */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC at interval end */
	uint64_t interval_ns;	/* length actually covered */
	unsigned int families;	/* mask of families that produced data */
	/* perftop's own process (the header's perftop_pid; not in the JSON
	 * snapshot): its threads are never named culprits; 0: unknown */
	uint32_t self_tgid;

	PT_ARRAY(struct pt_sched_task, sched_tasks);
	PT_ARRAY(struct pt_sched_cpu, sched_cpus);
	PT_ARRAY(struct pt_sched_site, sched_sites);
	struct pt_sched_system sched_sys;

	PT_ARRAY(struct pt_fault_task, fault_tasks);
	uint64_t fault_minor, fault_major;	/* system totals */

	PT_ARRAY(struct pt_block_dev, block_devs);
	PT_ARRAY(struct pt_block_task, block_tasks);

	PT_ARRAY(struct pt_tcp_conn, tcp_conns);

	struct pt_oom_totals oom;
	PT_ARRAY(struct pt_oom_kill, oom_victims);	/* the ones recorded */

	PT_ARRAY(struct pt_cgroup, cgroups);	/* family cgroup */

	struct pt_pressure pressure;
	struct pt_loss loss;
	PT_ARRAY(struct pt_finding, findings);

	/* the buckets of the records' sparse histograms (pt_lat_sparse) */
	PT_ARRAY(struct pt_lat_bin, hist_bins);
};

/* Append one zeroed element; NULL when out of memory. */
#define PT_PUSH(arr) \
	((struct { __typeof__((arr).v) p; }){ \
		pt_array_grow((void **)&(arr).v, &(arr).n, &(arr).cap, \
			      sizeof(*(arr).v)) }).p

void *pt_array_grow(void **v, size_t *n, size_t *cap, size_t elsz);
/*
 * Give most of a reused buffer back when its last use (`used` elements)
 * filled under a quarter of it: down to twice that.  A buffer refilled
 * every interval otherwise keeps its busiest interval's size for good,
 * and RSS climbs with every new peak (docs/performance-serve.md).  Only
 * blocks of PT_TRIM_BYTES or more: mapped blocks (main.c's mmap
 * threshold), whose pages a shrink really returns.
 */
#define PT_TRIM_BYTES (256 * 1024)
void pt_array_trim(void **v, size_t used, size_t *cap, size_t elsz);
#define PT_TRIM(arr) pt_array_trim((void **)&(arr).v, (arr).n, &(arr).cap, \
				   sizeof(*(arr).v))

void pt_snapshot_init(struct pt_snapshot *s);
/* Empty it for the next interval, keeping allocations (trimmed by
 * PT_TRIM to what the interval just ended used). */
void pt_snapshot_reset(struct pt_snapshot *s);
void pt_snapshot_free(struct pt_snapshot *s);
/* Deep copy; -ENOMEM on failure (dst left empty). */
int pt_snapshot_copy(struct pt_snapshot *dst, const struct pt_snapshot *src);
/* Deep copy into dst's own arrays, grown as needed and trimmed as
 * PT_TRIM does: a copy taken every interval reuses its memory instead of
 * mapping and faulting megabytes anew.  -ENOMEM on failure (dst's arrays
 * kept, emptied). */
int pt_snapshot_copy_into(struct pt_snapshot *dst,
			  const struct pt_snapshot *src);
/* Bytes a pt_snapshot_copy() of s allocates (its arrays' elements). */
size_t pt_snapshot_bytes(const struct pt_snapshot *s);

/* Sort records the way every output shows them: largest first. */
void pt_snapshot_sort(struct pt_snapshot *s);

void pt_loss_add(struct pt_loss *sum, const struct pt_loss *add);
uint64_t pt_loss_total(const struct pt_loss *l);
/* One kernel loss counter from a lookup of a per-CPU loss map that
 * returned `err` with `vals` (nr_cpus of them): their sum, kept in *last;
 * on failure *last as it was (the counter is cumulative: what happened
 * meanwhile shows at the next read that works) and *unread counts it.
 * A failed read taken as zero made the interval's delta wrap to ~2^64. */
uint64_t pt_loss_read_kind(int err, const uint64_t *vals, unsigned int nr_cpus,
			   uint64_t *last, uint64_t *unread);
/* out = now - prev, counter by counter (cumulative counters to an
 * interval's). */
void pt_loss_delta(struct pt_loss *out, const struct pt_loss *now,
		   const struct pt_loss *prev);

/* Add a kernel histogram (include/pt_hist.h buckets, 32-bit counts)
 * whose values sum to sum_ns to h. */
void pt_lat_hist_add_fine(struct pt_lat_hist *h, const uint32_t *fine,
			  uint64_t sum_ns);
/* Add one value. */
void pt_lat_hist_add_value(struct pt_lat_hist *h, uint64_t ns);
/* Keep h as *sp, its buckets appended to s->hist_bins (sp must not point
 * into them).  -ENOMEM: *sp is left as a record without a histogram
 * (missing = 1, as read from an older trace). */
int pt_lat_sparse_store(struct pt_snapshot *s, struct pt_lat_sparse *sp,
			const struct pt_lat_hist *h);
/* *sp of snapshot s, whole, into *h. */
void pt_lat_sparse_load(const struct pt_snapshot *s,
			const struct pt_lat_sparse *sp, struct pt_lat_hist *h);
/* acc += x, bucket by bucket (missing adds up too). */
void pt_lat_hist_merge(struct pt_lat_hist *acc, const struct pt_lat_hist *x);
/* h's counts folded at the Prometheus bounds (not cumulative). */
void pt_lat_hist_fold_le(const struct pt_lat_hist *h,
			 uint64_t le[PT_LE_BUCKETS]);
/* The upper bound of Prometheus bucket k in ns; 0 for the last (+Inf). */
uint64_t pt_le_bound_ns(unsigned int k);
/* Histogram bucket b as [lower, next lower): for writing and reading. */
uint64_t pt_lat_hist_lower(unsigned int b);
unsigned int pt_lat_hist_bucket(uint64_t ns);

/* Percentile (0 < q < 1) of h, nearest rank, as the midpoint of the
 * bucket holding it, clamped to max_ns (the largest value, known
 * exactly; 0 unknown).  0 when h is empty. */
uint64_t pt_hist_percentile(const struct pt_lat_hist *h, double q,
			    uint64_t max_ns);

#endif /* PT_MODEL_H */
