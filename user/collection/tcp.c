// SPDX-License-Identifier: GPL-2.0
/*
 * TCP family: loads bpf/tcp.bpf.c, attaches the tracepoints this kernel
 * has, and turns the per-interval connection aggregates into pt_tcp_conn
 * records.  docs/tcp.md says what each number means.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "family.h"
#include "names.h"
#include "perftop.h"
#include "tcp.skel.h"
#include "util.h"

/* Without these there is no connection lifecycle to count in (4.16+). */
static const char *const tcp_required[] = {
	"inet_sock_set_state", "tcp_probe", NULL,
};

struct tcp_priv {
	struct tcp *skel;
	int iter_err;	/* from the last interval end, reported by collect() */
	uint64_t next_scan_ns;	/* no owner scan before (monotonic) */
};

/*
 * An owner scan visits every process's open files: 0.37 ms a run here (92
 * processes; mean of 12 under nginx + wrk with a new connection per
 * request, max 0.52 ms), but it grows with the files a host has open.  It
 * runs at most once an interval, and after one that took t none runs for
 * SCAN_GAP * t, so scans take at most 1 / (SCAN_GAP + 1) of one CPU (0.5%)
 * on any host; a connection waiting for its owner meanwhile keeps its
 * bytes and events in the kernel (under -p/-c) or shows pid 0 (without).
 */
#define SCAN_GAP 199

/* Tracepoint a program attaches to: its section name after the prefix. */
static const char *prog_tracepoint(struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/');

	return slash ? slash + 1 : sec;
}

/* Programs perftop runs itself (the interval-end reading, a SEC("raw_tp")
 * with no tracepoint, and the owner scan, an iterator): no hook to check. */
static bool run_by_us(struct bpf_program *prog)
{
	return bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER ||
	       !strchr(bpf_program__section_name(prog), '/');
}

/* Hooks on every segment or send/recv call: attached only with
 * --tcp-owner thread (docs/tcp.md, Owner).  Even empty, a program on them
 * costs ~1.4% of the machine under nginx + wrk on loopback, more than
 * perftop serve's whole budget (issue #15). */
static bool per_call_hook(const char *tp)
{
	return !strcmp(tp, "tcp_probe") || !strcmp(tp, "sock_send_length") ||
	       !strcmp(tp, "sock_recv_length") ||
	       !strcmp(tp, "tcp_rcv_space_adjust");
}

/*
 * Leave out hooks this kernel has no tracepoint for (sock_send_length and
 * sock_recv_length are 6.3+, tcp_destroy_sock 5.x), the receive-space
 * hook where sock_recv_length already names the reading task, and without
 * --tcp-owner thread every per-segment and per-call hook.  Called after
 * pt_select_attach(), so it only ever turns programs off.
 */
static void drop_missing_hooks(struct tcp *skel, bool by_call)
{
	bool have_recv_len = pt_btf_has_tracepoint("sock_recv_length");
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *tp = prog_tracepoint(prog);

		if (!bpf_program__autoload(prog) || run_by_us(prog))
			continue;
		if (!pt_btf_has_tracepoint(tp) ||
		    (!by_call && per_call_hook(tp)) ||
		    (have_recv_len && !strcmp(tp, "tcp_rcv_space_adjust")))
			bpf_program__set_autoload(prog, false);
	}
	skel->rodata->have_destroy_tp =
		pt_btf_has_tracepoint("tcp_destroy_sock");
	skel->rodata->owner_by_call = by_call;
}

/* "TCP: inuse N" of /proc/net/sockstat (and TCP6 of sockstat6): sockets
 * in this network namespace now; 0 when unreadable. */
static unsigned long tcp_in_use(void)
{
	static const char *const files[] = {
		"/proc/net/sockstat", "/proc/net/sockstat6",
	};
	unsigned long n, sum = 0;
	char line[256];
	size_t i;

	for (i = 0; i < PT_ARRAY_SIZE(files); i++) {
		FILE *f = fopen(files[i], "re");

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "TCP: inuse %lu", &n) == 1 ||
			    sscanf(line, "TCP6: inuse %lu", &n) == 1)
				sum += n;
		fclose(f);
	}
	return sum;
}

/* Room for four times the TCP sockets in use at start (other namespaces'
 * and growth), at least 65536, at most 2^20 (16 MiB of buckets; the
 * entries themselves are allocated as sockets are met).  A full map is
 * counted as storage_fail. */
static __u32 state_entries(void)
{
	unsigned long want = 4 * tcp_in_use();
	__u32 n = 65536;

	while (n < want && n < (1u << 20))
		n <<= 1;
	return n;
}

static struct pt_skel *tcp_open(void)
{
	return (struct pt_skel *)tcp__open();
}

static void tcp_configure(struct pt_skel *s, const struct pt_filter *flt,
			  enum pt_attach mode)
{
	struct tcp *skel = (struct tcp *)s;

	(void)mode;
	PT_SKEL_SET_FILTERS(skel, flt);
	bpf_map__set_max_entries(skel->maps.sk_state_hash, state_entries());
	drop_missing_hooks(skel, flt->tcp_owner_thread);
}

static struct bpf_map *tcp_tgid_filter(struct pt_skel *s)
{
	return ((struct tcp *)s)->maps.filter_tgids;
}

/* One owner scan: every process's open TCP sockets (tcp_owners). */
static int scan_owners(struct tcp *skel)
{
	__atomic_add_fetch(&skel->bss->owner_scan_gen, 1, __ATOMIC_ACQ_REL);
	return pt_run_task_iter(skel->links.tcp_owners);
}

/* The first owner scan: sockets that exist now are tracked, with their
 * owners, from here on (the hooks are attached, so none is missed in
 * between). */
static int tcp_attached(struct pt_skel *s)
{
	return scan_owners((struct tcp *)s);
}

/* Read every tracked socket's counters into the current epoch. */
static int read_boundary(struct tcp *skel)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tcp_boundary),
				   &opts))
		return -errno;
	return 0;
}

static const struct pt_skel_ops tcp_ops = {
	.tracepoints = tcp_required,
	.open = tcp_open,
	.configure = tcp_configure,
	.tgid_filter = tcp_tgid_filter,
	.attached = tcp_attached,
};

static int tcp_start(struct pt_family *f, const struct pt_filter *flt,
		     struct ring_buffer **rb)
{
	struct tcp_priv *p = f->priv;
	size_t i;

	(void)rb;	/* aggregated in-kernel: no ring buffer */
	for (i = 0; tcp_required[i]; i++)
		if (!pt_btf_has_tracepoint(tcp_required[i])) {
			snprintf(f->error, sizeof(f->error),
				 "kernel has no %s tracepoint: the tcp family needs Linux 4.16 or newer",
				 tcp_required[i]);
			return -ENOENT;
		}
	p->iter_err = 0;
	p->next_scan_ns = 0;
	return pt_skel_start(f, &tcp_ops, flt, (struct pt_skel **)&p->skel);
}

/*
 * Close the interval: name owners if a socket without one appeared, then
 * read every tracked socket's counters into the old epoch, then flip.
 * Readings after the flip land in the new one.
 */
static void tcp_set_epoch(struct pt_family *f, uint32_t epoch)
{
	struct tcp_priv *p = f->priv;
	uint64_t now = pt_now_mono_ns();
	int err = 0;

	if (now >= p->next_scan_ns &&
	    __atomic_exchange_n(&p->skel->bss->owner_scan_wanted, 0,
				__ATOMIC_ACQ_REL)) {
		err = scan_owners(p->skel);
		p->next_scan_ns = pt_now_mono_ns();
		p->next_scan_ns += SCAN_GAP * (p->next_scan_ns - now);
	}
	if (!err)
		err = read_boundary(p->skel);
	if (err && !p->iter_err)
		p->iter_err = err;
	__atomic_store_n(&p->skel->bss->epoch, epoch, __ATOMIC_RELEASE);
}

static uint32_t conn_events(uint64_t ev)
{
	uint32_t out = 0;

	if (ev & PT_TCP_EV_CONNECT)
		out |= PT_TCP_F_CONNECT;
	if (ev & PT_TCP_EV_ACCEPT)
		out |= PT_TCP_F_ACCEPT;
	if (ev & PT_TCP_EV_CLOSE)
		out |= PT_TCP_F_CLOSE;
	if (ev & PT_TCP_EV_RESET)
		out |= PT_TCP_F_RESET;
	if (ev & PT_TCP_EV_TIMEOUT)
		out |= PT_TCP_F_TIMEOUT;
	return out;
}

static void fill_conn(const void *key, const void *val, void *ctx)
{
	const struct pt_tcp_val *v = val;
	struct pt_snapshot *s = ctx;
	int af = v->tuple.family == AF_INET6 ? AF_INET6 : AF_INET;
	struct pt_tcp_conn *c;

	(void)key;
	c = PT_REC_PUSH(s->tcp_conns);
	if (!c)
		return;
	c->id.pid = v->pid;
	c->id.tgid = v->tgid;
	pt_strlcpy(c->id.comm, v->comm, sizeof(c->id.comm));
	if (v->tgid)	/* owner known */
		pt_strlcpy(c->id.cgroup, pt_cgroup_path(v->cgroup_id),
			   sizeof(c->id.cgroup));
	c->family = af == AF_INET6 ? 6 : 4;
	inet_ntop(af, v->tuple.saddr, c->saddr, sizeof(c->saddr));
	inet_ntop(af, v->tuple.daddr, c->daddr, sizeof(c->daddr));
	c->sport = v->tuple.sport;
	c->dport = v->tuple.dport;
	c->tx_bytes = v->tx_bytes;
	c->rx_bytes = v->rx_bytes;
	c->retransmits = v->retransmits;
	c->segs_out = v->segs_out;
	c->srtt_us = v->srtt_us;
	c->events = conn_events(v->events);
}

static int tcp_collect(struct pt_family *f, struct pt_snapshot *s,
		       uint32_t new_epoch)
{
	struct tcp_priv *p = f->priv;
	int n, err = p->iter_err;

	p->iter_err = 0;
	if (err)
		return err;
	n = pt_drain_epoch_map(p->skel->maps.tcp_conns,
			       offsetof(struct pt_tcp_key, epoch),
			       new_epoch ^ 1, fill_conn, s);
	return n < 0 ? n : 0;
}

static void tcp_stop(struct pt_family *f)
{
	struct tcp_priv *p = f->priv;

	tcp__destroy(p->skel);
	p->skel = NULL;
}

struct pt_family *pt_tcp_family(void)
{
	static struct tcp_priv priv;
	static struct pt_family fam = {
		.id = PT_TCP,
		.start = tcp_start,
		.collect = tcp_collect,
		.set_epoch = tcp_set_epoch,
		.stop = tcp_stop,
		.priv = &priv,
	};

	return &fam;
}
