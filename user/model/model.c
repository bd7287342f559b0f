// SPDX-License-Identifier: GPL-2.0
/* The snapshot model: allocation, sorting, histogram percentiles. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "model.h"
#include "pt_hist.h"

static const char *const family_names[PT_NR_FAMILIES] = {
	[PT_SCHED] = "sched",
	[PT_FAULT] = "fault",
	[PT_BLOCK] = "block",
	[PT_TCP] = "tcp",
	[PT_OOM] = "oom",
	[PT_CGROUP] = "cgroup",
};

static const char *const severity_names[] = {
	[PT_SEV_OK] = "ok",
	[PT_SEV_WARNING] = "warning",
	[PT_SEV_CRITICAL] = "critical",
};

const char *pt_severity_name(enum pt_severity sev)
{
	return sev <= PT_SEV_CRITICAL ? severity_names[sev] : "?";
}

int pt_severity_parse(const char *name, enum pt_severity *sev)
{
	int i;

	for (i = PT_SEV_OK; i <= PT_SEV_CRITICAL; i++)
		if (!strcmp(name, severity_names[i])) {
			*sev = (enum pt_severity)i;
			return 0;
		}
	return -EINVAL;
}

const char *pt_family_name(enum pt_family_id id)
{
	return id < PT_NR_FAMILIES ? family_names[id] : "?";
}

static const char *const wait_names[PT_W_NR] = {
	[PT_W_ONCPU] = "cpu", [PT_W_RUNQ] = "runq",
	[PT_W_THROTTLED] = "throttled", [PT_W_IO] = "io", [PT_W_MEM] = "mem",
	[PT_W_LOCK] = "lock", [PT_W_SLEEP] = "sleep", [PT_W_STEAL] = "steal",
};

const char *pt_wait_name(enum pt_wait w)
{
	return w < PT_W_NR ? wait_names[w] : "?";
}

int pt_wait_parse(const char *name)
{
	int i;

	for (i = 0; i < PT_W_NR; i++)
		if (!strcmp(name, wait_names[i]))
			return i;
	return -1;
}

int pt_parse_families(const char *list, unsigned int *mask, const char **bad,
		      size_t *bad_len)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		int i, found = -1;

		for (i = 0; i < PT_NR_FAMILIES; i++)
			if (len == strlen(family_names[i]) &&
			    !strncmp(p, family_names[i], len))
				found = i;
		if (found < 0) {
			*bad = p;
			*bad_len = len;
			return -EINVAL;
		}
		*mask |= 1u << found;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!*mask) {
		*bad = list;
		*bad_len = 0;
		return -EINVAL;
	}
	return 0;
}

void *pt_array_grow(void **v, size_t *n, size_t *cap, size_t elsz)
{
	char *base;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *nv = realloc(*v, ncap * elsz);

		if (!nv)
			return NULL;
		*v = nv;
		*cap = ncap;
	}
	base = *v;
	memset(base + *n * elsz, 0, elsz);
	return base + (*n)++ * elsz;
}

void pt_array_trim(void **v, size_t used, size_t *cap, size_t elsz)
{
	size_t ncap = used > 8 ? used * 2 : 16;
	void *nv;

	if (*cap * elsz < PT_TRIM_BYTES || used >= *cap / 4)
		return;
	nv = realloc(*v, ncap * elsz);
	if (nv) {	/* else it keeps the larger block: no harm */
		*v = nv;
		*cap = ncap;
	}
}

void pt_snapshot_init(struct pt_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->pressure.cpu = s->pressure.memory = s->pressure.io = -1;
	s->pressure.cpu_some = s->pressure.memory_some = s->pressure.io_some = -1;
}

/* Every array member of struct pt_snapshot, by name. */
#define PT_FOR_EACH_ARRAY(X) \
	X(sched_tasks) X(sched_cpus) X(sched_sites) X(fault_tasks) X(block_devs) \
	X(block_tasks) X(tcp_conns) X(oom_victims) X(cgroups) X(findings) \
	X(hist_bins)

void pt_snapshot_reset(struct pt_snapshot *s)
{
#define RESET(a) PT_TRIM(s->a); s->a.n = 0;
	PT_FOR_EACH_ARRAY(RESET)
#undef RESET
	s->seq = s->time_ns = s->ts_ns = s->interval_ns = 0;
	s->families = 0;
	s->self_tgid = 0;
	memset(&s->sched_sys, 0, sizeof(s->sched_sys));
	s->fault_minor = s->fault_major = 0;
	s->oom.kills = 0;
	memset(&s->loss, 0, sizeof(s->loss));
	s->pressure.cpu = s->pressure.memory = s->pressure.io = -1;
	s->pressure.cpu_some = s->pressure.memory_some = s->pressure.io_some = -1;
}

void pt_snapshot_free(struct pt_snapshot *s)
{
#define FREE(a) free(s->a.v);
	PT_FOR_EACH_ARRAY(FREE)
#undef FREE
	pt_snapshot_init(s);
}

static int copy_into(void **dst, size_t *dn, size_t *dcap, const void *src,
		     size_t n, size_t elsz)
{
	*dn = 0;
	if (n > *dcap) {
		void *nv = realloc(*dst, n * elsz);

		if (!nv)
			return -ENOMEM;
		*dst = nv;
		*dcap = n;
	} else {
		pt_array_trim(dst, n, dcap, elsz);
	}
	if (n)
		memcpy(*dst, src, n * elsz);
	*dn = n;
	return 0;
}

int pt_snapshot_copy_into(struct pt_snapshot *dst,
			  const struct pt_snapshot *src)
{
	struct pt_snapshot own = *dst;
	int err = 0;

	*dst = *src;
	/* dst's arrays are its own again before any copy can fail */
#define OWN(a) dst->a = own.a;
	PT_FOR_EACH_ARRAY(OWN)
#undef OWN
#define INTO(a) \
	err = err ? err : copy_into((void **)&dst->a.v, &dst->a.n, \
				    &dst->a.cap, src->a.v, src->a.n, \
				    sizeof(*src->a.v));
	PT_FOR_EACH_ARRAY(INTO)
#undef INTO
	if (err) {
#define EMPTY(a) dst->a.n = 0;
		PT_FOR_EACH_ARRAY(EMPTY)
#undef EMPTY
	}
	return err;
}

int pt_snapshot_copy(struct pt_snapshot *dst, const struct pt_snapshot *src)
{
	int err;

	pt_snapshot_init(dst);
	err = pt_snapshot_copy_into(dst, src);
	if (err)
		pt_snapshot_free(dst);	/* empty again */
	return err;
}

size_t pt_snapshot_bytes(const struct pt_snapshot *s)
{
	size_t n = 0;

#define BYTES(a) n += s->a.n * sizeof(*s->a.v);
	PT_FOR_EACH_ARRAY(BYTES)
#undef BYTES
	return n;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_sched_task(const void *a, const void *b)
{
	const struct pt_sched_task *x = a, *y = b;
	int c = cmp_u64_desc(x->runq_wait_ns, y->runq_wait_ns);

	return c ? c : cmp_u64_desc(x->oncpu_ns, y->oncpu_ns);
}

static int cmp_sched_site(const void *a, const void *b)
{
	const struct pt_sched_site *x = a, *y = b;

	return cmp_u64_desc(x->ns, y->ns);
}

static int cmp_sched_cpu(const void *a, const void *b)
{
	const struct pt_sched_cpu *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

static int cmp_fault_task(const void *a, const void *b)
{
	const struct pt_fault_task *x = a, *y = b;
	int c = cmp_u64_desc(x->major, y->major);

	return c ? c : cmp_u64_desc(x->minor, y->minor);
}

static int cmp_block_dev(const void *a, const void *b)
{
	const struct pt_block_dev *x = a, *y = b;

	return cmp_u64_desc(x->read_bytes + x->write_bytes,
			    y->read_bytes + y->write_bytes);
}

static int cmp_block_task(const void *a, const void *b)
{
	const struct pt_block_task *x = a, *y = b;

	return cmp_u64_desc(x->read_bytes + x->write_bytes,
			    y->read_bytes + y->write_bytes);
}

static int cmp_tcp_conn(const void *a, const void *b)
{
	const struct pt_tcp_conn *x = a, *y = b;

	return cmp_u64_desc(x->tx_bytes + x->rx_bytes,
			    y->tx_bytes + y->rx_bytes);
}

/* Most throttled first, then most memory stalled, then CPU used. */
static int cmp_cgroup(const void *a, const void *b)
{
	const struct pt_cgroup *x = a, *y = b;

	if (x->cpu_throttled_ns != y->cpu_throttled_ns)
		return x->cpu_throttled_ns < y->cpu_throttled_ns ? 1 : -1;
	if (x->mem_refaults != y->mem_refaults)
		return x->mem_refaults < y->mem_refaults ? 1 : -1;
	if (x->cpu_usage_ns != y->cpu_usage_ns)
		return x->cpu_usage_ns < y->cpu_usage_ns ? 1 : -1;
	return strcmp(x->path, y->path);
}

void pt_snapshot_sort(struct pt_snapshot *s)
{
#define SORT(a, cmp) \
	if ((a).n > 1) qsort((a).v, (a).n, sizeof(*(a).v), cmp);
	SORT(s->sched_tasks, cmp_sched_task)
	SORT(s->sched_cpus, cmp_sched_cpu)
	SORT(s->sched_sites, cmp_sched_site)
	SORT(s->fault_tasks, cmp_fault_task)
	SORT(s->block_devs, cmp_block_dev)
	SORT(s->block_tasks, cmp_block_task)
	SORT(s->tcp_conns, cmp_tcp_conn)
	SORT(s->cgroups, cmp_cgroup)
#undef SORT
}

/* struct pt_loss as its counters, so no function lists them again. */
#define LOSS_AT(l, k) (((uint64_t *)(l))[k])

const char *pt_sched_policy_name(uint32_t policy, char *buf, size_t len)
{
	static const char *const names[] = {
		[PT_SCHED_NORMAL] = "SCHED_OTHER", [PT_SCHED_FIFO] = "SCHED_FIFO",
		[PT_SCHED_RR] = "SCHED_RR", [PT_SCHED_BATCH] = "SCHED_BATCH",
		[PT_SCHED_IDLE] = "SCHED_IDLE", [PT_SCHED_DEADLINE] = "SCHED_DEADLINE",
	};

	if (policy < sizeof(names) / sizeof(names[0]) && names[policy])
		return names[policy];
	snprintf(buf, len, "policy %u", policy);
	return buf;
}

bool pt_sched_policy_rt(uint32_t policy)
{
	return policy == PT_SCHED_FIFO || policy == PT_SCHED_RR ||
	       policy == PT_SCHED_DEADLINE;
}

double pt_pressure_of(const struct pt_pressure *p, enum pt_psi_res r)
{
	const double share[3] = { p->cpu_some, p->memory_some, p->io_some };
	const double avg10[3] = { p->cpu, p->memory, p->io };

	return share[r] >= 0 ? share[r] : avg10[r];
}

void pt_loss_add(struct pt_loss *sum, const struct pt_loss *add)
{
	uint64_t down = sum->attach_failed;
	size_t k;

	for (k = 0; k < PT_LOSS_NR_KINDS; k++)
		LOSS_AT(sum, k) += LOSS_AT((struct pt_loss *)add, k);
	/* Not additive: the same families stay down in every interval. */
	sum->attach_failed = add->attach_failed > down ? add->attach_failed :
			     down;
}

uint64_t pt_loss_total(const struct pt_loss *l)
{
	uint64_t t = 0;
	size_t k;

	for (k = 0; k < PT_LOSS_NR_KINDS; k++)
		t += LOSS_AT((struct pt_loss *)l, k);
	return t;
}

uint64_t pt_loss_read_kind(int err, const uint64_t *vals, unsigned int nr_cpus,
			   uint64_t *last, uint64_t *unread)
{
	uint64_t sum = 0;
	unsigned int c;

	if (err) {
		(*unread)++;
		return *last;
	}
	for (c = 0; c < nr_cpus; c++)
		sum += vals[c];
	*last = sum;
	return sum;
}

void pt_loss_delta(struct pt_loss *out, const struct pt_loss *now,
		   const struct pt_loss *prev)
{
	size_t k;

	for (k = 0; k < PT_LOSS_NR_KINDS; k++)
		LOSS_AT(out, k) = LOSS_AT((struct pt_loss *)now, k) -
				  LOSS_AT((struct pt_loss *)prev, k);
}

_Static_assert(PT_LAT_BUCKETS == PT_HIST_BUCKETS,
	       "model histograms hold the kernel's buckets");

void pt_lat_hist_add_fine(struct pt_lat_hist *h, const uint32_t *fine,
			  uint64_t sum_ns)
{
	uint32_t b;

	for (b = 0; b < PT_HIST_BUCKETS; b++) {
		h->bucket[b] += fine[b];
		h->count += fine[b];
	}
	h->sum_ns += sum_ns;
}

void pt_lat_hist_add_value(struct pt_lat_hist *h, uint64_t ns)
{
	h->bucket[pt_hist_bucket(ns)]++;
	h->count++;
	h->sum_ns += ns;
}

void pt_lat_hist_merge(struct pt_lat_hist *acc, const struct pt_lat_hist *x)
{
	uint32_t b;

	for (b = 0; b < PT_HIST_BUCKETS; b++)
		acc->bucket[b] += x->bucket[b];
	acc->count += x->count;
	acc->sum_ns += x->sum_ns;
	acc->missing += x->missing;
}

uint64_t pt_lat_hist_lower(unsigned int b)
{
	return pt_hist_lower(b);
}

unsigned int pt_lat_hist_bucket(uint64_t ns)
{
	return pt_hist_bucket(ns);
}

void pt_lat_hist_fold_le(const struct pt_lat_hist *h,
			 uint64_t le[PT_LE_BUCKETS])
{
	uint32_t b;

	memset(le, 0, PT_LE_BUCKETS * sizeof(*le));
	for (b = 0; b < PT_HIST_BUCKETS; b++) {
		uint64_t lo = pt_hist_lower(b);
		unsigned int k = 0;

		if (!h->bucket[b])
			continue;
		/* log-linear buckets never straddle a power of two */
		if (lo >= (1ull << PT_LE_MIN_LOG2))
			k = pt_log2(lo) - PT_LE_MIN_LOG2 + 1;
		if (b == PT_HIST_BUCKETS - 1 || k > PT_LE_BUCKETS - 1)
			k = PT_LE_BUCKETS - 1;	/* the kernel's top bucket */
		le[k] += h->bucket[b];
	}
}

uint64_t pt_le_bound_ns(unsigned int k)
{
	return k < PT_LE_BUCKETS - 1 ? 1ull << (PT_LE_MIN_LOG2 + k) : 0;
}

uint64_t pt_hist_percentile(const struct pt_lat_hist *h, double q,
			    uint64_t max_ns)
{
	uint64_t rank, seen = 0, lo, hi, mid, count = h->count;
	uint32_t b;

	if (!count)
		return 0;
	/* Nearest-rank: the smallest value with at least q*count at or below. */
	rank = (uint64_t)(q * (double)count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank >= count && max_ns)
		return max_ns;	/* the largest sample is known exactly */
	for (b = 0; b < PT_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank)
			break;
	}
	if (b >= PT_HIST_BUCKETS)
		return max_ns;
	lo = pt_hist_lower(b);
	hi = b + 1 < PT_HIST_BUCKETS ? pt_hist_lower(b + 1) : max_ns + 1;
	mid = b < PT_HIST_LINEAR || hi <= lo ? lo : lo + (hi - lo) / 2;
	return max_ns && mid > max_ns ? max_ns : mid;
}

int pt_lat_sparse_store(struct pt_snapshot *s, struct pt_lat_sparse *sp,
			const struct pt_lat_hist *h)
{
	size_t first = s->hist_bins.n;
	unsigned int b;

	sp->count = h->count;
	sp->sum_ns = h->sum_ns;
	sp->missing = h->missing;
	sp->first = (uint32_t)first;
	sp->nr = 0;
	for (b = 0; b < PT_LAT_BUCKETS; b++) {
		struct pt_lat_bin *bin;

		if (!h->bucket[b])
			continue;
		bin = PT_PUSH(s->hist_bins);
		if (!bin || s->hist_bins.n > UINT32_MAX) {
			s->hist_bins.n = first;
			memset(sp, 0, sizeof(*sp));
			sp->missing = 1;
			return -ENOMEM;
		}
		bin->bucket = b;
		bin->count = h->bucket[b];
		sp->nr++;
	}
	return 0;
}

void pt_lat_sparse_load(const struct pt_snapshot *s,
			const struct pt_lat_sparse *sp, struct pt_lat_hist *h)
{
	uint32_t i;

	memset(h, 0, sizeof(*h));
	h->count = sp->count;
	h->sum_ns = sp->sum_ns;
	h->missing = sp->missing;
	for (i = 0; i < sp->nr; i++) {
		const struct pt_lat_bin *bin = &s->hist_bins.v[sp->first + i];

		h->bucket[bin->bucket] = bin->count;
	}
}
