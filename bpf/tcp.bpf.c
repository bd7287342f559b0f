// SPDX-License-Identifier: GPL-2.0
/*
 * TCP probe family: per connection (IPv4 and IPv6, every network namespace)
 * the owning task, the 4-tuple, bytes sent and received, retransmitted and
 * sent segments, smoothed RTT and lifecycle events.
 *
 * Bytes and segments are never summed from event arguments: they are deltas
 * of the socket's own counters (tcp_sock bytes_acked, bytes_received,
 * total_retrans, segs_out, the numbers `ss -ti` shows), read with CO-RE at
 * every sample point.  So sendfile, splice and io_uring traffic counts too,
 * retransmits are segments exactly as TcpRetransSegs counts them, and a
 * missed event only moves bytes into a later sample, never loses them.
 *
 * Sample points: every tracked socket at the end of each interval
 * (tcp_boundary, a walk of the per-socket state userspace runs just before
 * the epoch flip), every state change (the last sample of a closing
 * connection is its transition to CLOSE), retransmits, resets, and
 * send/recv calls outside ESTABLISHED.  Nothing reads the counters per
 * segment or per call of an established connection: the interval-end
 * reading puts its bytes in the interval they moved in, and per-segment
 * readings only cost (docs/performance.md).
 *
 * Meeting connections and naming owners (docs/tcp.md, Owner): by default
 * (--tcp-owner process) from per-connection events only: connect()'s
 * SYN_SENT (the connecting task), an accepted child's SYN_RECV ->
 * ESTABLISHED (the listener's owner, lent), the application's close or
 * shutdown (the closing task), and the owner scan (tcp_owners, a
 * task_file iterator userspace runs after attach and at the next interval
 * end when a connection without an owner of its own appears: the process
 * holding the socket's file).  Even an empty program on tcp_probe and the
 * send/recv tracepoints costs more than perftop serve's 1% budget under
 * nginx + wrk.  --tcp-owner thread attaches them as well: incoming
 * segments (tcp_probe) and send/recv calls meet connections, and calls
 * name the owner, the task making the call.
 *
 * Byte events are per call and per segment, so the results are aggregated
 * in a per-interval hash keyed by {socket, epoch}, not sent per event; the
 * rare state changes become flags on the same entry (docs/tcp.md).
 *
 * The per-socket state lives in a hash keyed by socket address (not in
 * socket storage) because the interval-end reading must walk every
 * tracked socket in every network namespace: bpf_for_each_map_elem can
 * walk a hash, nothing can walk socket storage here (the storage map
 * iterator, like every map-element iterator, does not load on this 6.18
 * kernel: EPERM), and iter/tcp walks one namespace's share of the whole
 * established hash per run (0.9 ms for 262144 buckets, per namespace).
 * Entries go when the socket is destroyed (tcp_destroy_sock), or at CLOSE
 * on kernels without that tracepoint.
 */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define PT_PF_KTHREAD 0x00200000	/* include/linux/sched.h */

/* Who owns a connection: the last task seen connecting, listening (for the
 * connections its listener accepts), sending or receiving on it. */
struct tcp_owner {
	__u64 cgroup_id;
	__u32 pid;
	__u32 tgid;
	char comm[PT_COMM_LEN];
	__u32 wanted;	/* passes the -p / -c filter */
	__u32 known;	/* pid..comm are set */
	/* The listener's owner, lent to a connection it accepted: the owner
	 * scan or a call (--tcp-owner thread) or the close replaces it.
	 * Under -p/-c an accepted connection whose lent owner fails the
	 * filter waits (as one with no owner) for the real one. */
	__u32 provisional;
	__u32 pad;
};

/* Per socket, across intervals. */
struct tcp_sk_state {
	__u64 acked, rcvd, retrans, segs_out;	/* counters at the last sample */
	__u64 pending;	/* PT_TCP_EV_* waiting for an interval entry */
	__u64 closed;	/* reached CLOSE: counters are final */
	__u64 gen;	/* incarnation, part of the interval key */
	__u32 born_scan;	/* owner_scan_gen when perftop first met it */
	__u32 stalled;	/* PT_TCP_EV_TIMEOUT at the last interval end */
	struct tcp_owner owner;
	struct pt_tcp_tuple tuple;
};

/* Per socket, keyed by its address; sized at load (tcp.c) from the
 * sockets in use, never below 65536. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcp_sk_state);
} sk_state_hash SEC(".maps");

/* Listening sockets' owners, so accepted connections have one from their
 * first byte; keyed by network namespace and port. */
struct listen_key {
	__u32 netns;
	__u32 port;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct listen_key);
	__type(value, struct tcp_owner);
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 2 * PT_DEF_CONN_ENTRIES);
	__type(key, struct pt_tcp_key);
	__type(value, struct pt_tcp_val);
} tcp_conns SEC(".maps");

/* Set by the loader: tcp_destroy_sock exists (4.x kernels lack it). */
const volatile bool have_destroy_tp = true;
/* --tcp-owner thread: the per-call hooks (sock_send_length,
 * sock_recv_length, tcp_rcv_space_adjust) and tcp_probe are attached and
 * name the last task that sent or received.  Off (the default, process):
 * none of them is, and connections are met and owned from per-connection
 * events only (docs/tcp.md, Owner). */
const volatile bool owner_by_call = false;
__u64 last_gen = 0;
/* Owner scans (tcp_owners_*): userspace counts them here before each run,
 * and runs one at the next interval end when a program sets
 * owner_scan_wanted (a socket met without an owner). */
__u32 owner_scan_gen = 0;
__u32 owner_scan_wanted = 0;
const struct pt_tcp_val zero_conn = {};

/* bytes_acked / bytes_received (4.1+) are 64 bits; the sequence numbers
 * compat.bpf.h falls back to are 32. */
static __always_inline bool wide_bytes(void)
{
	return bpf_core_field_exists(struct tcp_sock, bytes_acked);
}

struct tcp_counts {
	__u64 acked, rcvd, retrans, segs_out;
};

/* States in which the byte counters move. */
static __always_inline bool data_state(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_FIN_WAIT1 ||
	       state == TCP_FIN_WAIT2 || state == TCP_CLOSE_WAIT ||
	       state == TCP_LAST_ACK || state == TCP_CLOSING;
}

/* States in which our FIN holds the last sequence number. */
static __always_inline bool fin_sent_state(int state)
{
	return state == TCP_FIN_WAIT1 || state == TCP_FIN_WAIT2 ||
	       state == TCP_CLOSING || state == TCP_LAST_ACK ||
	       state == TCP_TIME_WAIT;
}

/*
 * The counters as bytes of payload.  A FIN takes a sequence number, so the
 * kernel counts ours in bytes_acked once it is acknowledged and the peer's
 * in bytes_received (tcp_fin() sets SOCK_DONE right after).  `state` is the
 * state the counters belong to: for a transition, the old one.
 */
static __always_inline void read_counts(struct sock *sk, int state,
					struct tcp_counts *c)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	unsigned long done = 1ul << bpf_core_enum_value(enum sock_flags,
							 SOCK_DONE);

	c->acked = pt_tcp_bytes_acked(tp);
	if (fin_sent_state(state) &&
	    BPF_CORE_READ(tp, snd_una) == BPF_CORE_READ(tp, write_seq))
		c->acked--;
	c->rcvd = pt_tcp_bytes_received(tp);
	if (pt_sk_flags(sk) & done)
		c->rcvd--;
	c->retrans = BPF_CORE_READ(tp, total_retrans);
	c->segs_out = pt_tcp_segs_out(tp);
}

/*
 * Stalled in retransmission timeouts: the retransmission timer fired
 * (tcp_retransmit_timer() counts it in icsk_retransmits) and no ACK has
 * acknowledged new data since (tcp_ack() zeroes icsk_retransmits when
 * snd_una advances), with data still outstanding.  The connection
 * delivers nothing until then: it waits on the timer, backing off (0.2 s,
 * 0.4 s, ... on a LAN), and its segment count in such an interval is
 * small, often 0, so its ratio alone cannot show the stall
 * (network.retransmits, docs/detection.md).  Read only where a reading
 * stands for the interval's end or the connection's end (tcp_boundary, a
 * state change), not at the timer's own retransmission: one timeout that
 * an ACK answers a round trip later is a lost segment, not a stall.  An
 * interval is flagged when the connection was stalled at its start (the
 * last end's reading, tcp_sk_state.stalled) or at its end: the one a
 * stall ends in holds the recovery's resend (240 of 13,880 segments in
 * one run) and is part of it.  Not TCP_CA_Loss: that state also follows
 * a path-MTU drop (tcp_simple_retransmit()) and lasts through the
 * recovery's resend while ACKs arrive.
 */
static __always_inline __u64 timeout_event(struct sock *sk)
{
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;

	return BPF_CORE_READ(icsk, icsk_retransmits) &&
	       BPF_CORE_READ((struct tcp_sock *)sk, packets_out) ?
	       PT_TCP_EV_TIMEOUT : 0;
}

/*
 * Move the baseline forward to `now` and return what happened since.
 * Samplers on two CPUs may race (a softirq, a send call, the boundary
 * iterator): the compare-and-swap only ever moves the baseline forward, so
 * a sampler holding an older reading adds nothing and every unit is counted
 * exactly once, by whoever moves the baseline past it, and never as a
 * negative share of some interval.  A sampler that loses the race
 * PT_TCP_CAS_TRIES times leaves its units to the next reading, which
 * starts from the same baseline: later, never lost.
 *
 * `wide`: the kernel counter is 64 bits (bytes_acked, bytes_received), and
 * so is the delta: a connection whose owner was unknown under -p/-c while
 * it moved more than 2 GiB used to wrap through a 32-bit delta.  32-bit
 * counters (total_retrans, segs_out, the pre-4.1 sequence numbers) are
 * taken modulo 2^32.
 */
#define PT_TCP_CAS_TRIES 8

static __always_inline __u64 advance(__u64 *last, __u64 now, bool wide)
{
	__u64 prev = *(volatile __u64 *)last, seen, d;
	int i;

	for (i = 0; i < PT_TCP_CAS_TRIES; i++) {
		d = wide ? now - prev : (__u32)(now - prev);
		/* "Behind" (a stale reading) is a negative distance. */
		if (!d || (wide ? (__s64)d < 0 : (__s32)d < 0))
			return 0;
		seen = __sync_val_compare_and_swap(last, prev, now);
		if (seen == prev)
			return d;
		prev = seen;
	}
	return 0;
}

/* Name task t as the owner (thread pid; a task_file scan names the
 * process leader). */
static __always_inline void owner_of_task(struct tcp_owner *o,
					  struct task_struct *t)
{
	o->pid = BPF_CORE_READ(t, pid);
	o->tgid = BPF_CORE_READ(t, tgid);
	o->cgroup_id = pt_task_cgroup_id(t);
	BPF_CORE_READ_STR_INTO(&o->comm, t, comm);
	o->wanted = pt_task_wanted(t);
	o->known = 1;
	o->provisional = 0;
}

static __always_inline void own_by_current(struct tcp_owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (o->known && !o->provisional && o->pid == (__u32)id)
		return;
	owner_of_task(o, (struct task_struct *)bpf_get_current_task());
}

static __always_inline __u32 sk_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* Capture the 4-tuple once the source port is bound: connect() picks it
 * after the SYN_SENT transition, and CLOSE releases it again. */
static __always_inline void capture_tuple(struct pt_tcp_tuple *t,
					  struct sock *sk)
{
	__u16 sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 family;

	if (t->sport || !sport)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	t->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	t->netns = sk_netns(sk);
	if (family == AF_INET6) {
		bpf_core_read(t->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(t->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		bpf_core_read(t->saddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(t->daddr, 4, &sk->__sk_common.skc_daddr);
	}
	t->family = family;
	t->sport = sport;
}

/* This interval's entry for the socket; a full map is counted. */
static __always_inline struct pt_tcp_val *
conn_entry(struct sock *sk, const struct tcp_sk_state *st, __u32 epoch)
{
	struct pt_tcp_key key = {
		.sock = (__u64)sk, .epoch = epoch, .gen = (__u32)st->gen,
	};
	struct pt_tcp_val *v = bpf_map_lookup_elem(&tcp_conns, &key);
	bool created;

	if (v)
		return v;
	created = !bpf_map_update_elem(&tcp_conns, &key, &zero_conn,
				       BPF_NOEXIST);
	v = bpf_map_lookup_elem(&tcp_conns, &key);
	if (!v)
		pt_count_loss(PT_LOSS_MAP_FULL);
	else if (created)
		v->tuple = st->tuple;
	return v;
}

static __always_inline void copy_owner(struct pt_tcp_val *v,
				       const struct tcp_owner *o)
{
	v->pid = o->pid;
	v->tgid = o->tgid;
	v->cgroup_id = o->cgroup_id;
	__builtin_memcpy(v->comm, o->comm, sizeof(v->comm));
}

/* Under -p/-c, an owner not known yet, or only lent by the listener and
 * failing the filter: the connection's bytes and events wait for it. */
static __always_inline bool owner_pending(const struct tcp_owner *o)
{
	return !o->wanted && (!o->known || o->provisional);
}

/*
 * One sample: advance the baselines (when `sample`: the counters are
 * meaningful in `state`) and add what moved, plus `events`, to this
 * interval's entry.  Nothing moved and nothing happened: no entry.
 */
static __always_inline void account(struct sock *sk, struct tcp_sk_state *st,
				    int state, __u64 events, bool sample)
{
	__u64 tx = 0, rx = 0, retrans = 0, segs = 0;
	struct pt_tcp_val *v;
	struct tcp_counts c;
	__u32 e;

	/* A filter is on and no task has shown up yet (or only the
	 * listener's, lent, which fails it): keep the baseline and the
	 * events until one does, and decide then. */
	if (owner_pending(&st->owner)) {
		if (events)
			__sync_fetch_and_or(&st->pending, events);
		return;
	}
	if (sample) {
		read_counts(sk, state, &c);
		tx = advance(&st->acked, c.acked, wide_bytes());
		rx = advance(&st->rcvd, c.rcvd, wide_bytes());
		retrans = advance(&st->retrans, c.retrans, false);
		segs = advance(&st->segs_out, c.segs_out, false);
	}
	if (!st->owner.wanted)
		return;
	if (!(tx | rx | retrans | segs) && !events && !st->pending)
		return;
	capture_tuple(&st->tuple, sk);
	/* in flight on its epoch until the last write (common.bpf.h) */
	e = pt_epoch_enter();
	v = conn_entry(sk, st, e);
	if (!v) {
		pt_epoch_exit(e);
		return;
	}
	if (tx)
		__sync_fetch_and_add(&v->tx_bytes, tx);
	if (rx)
		__sync_fetch_and_add(&v->rx_bytes, rx);
	if (retrans)
		__sync_fetch_and_add(&v->retransmits, retrans);
	if (segs)
		__sync_fetch_and_add(&v->segs_out, segs);
	v->srtt_us = BPF_CORE_READ((struct tcp_sock *)sk, srtt_us) >> 3;
	if (st->pending)
		events |= __sync_lock_test_and_set(&st->pending, 0);
	if (events)
		__sync_fetch_and_or(&v->events, events);
	if (v->pid != st->owner.pid)
		copy_owner(v, &st->owner);
	pt_epoch_exit(e);
}

/* Find the socket's state; with `init`, create it from there if absent. */
static __always_inline struct tcp_sk_state *
sk_state(struct sock *sk, struct tcp_sk_state *init)
{
	struct tcp_sk_state *st;
	__u64 key = (__u64)sk;

	st = bpf_map_lookup_elem(&sk_state_hash, &key);
	if (st || !init)
		return st;
	bpf_map_update_elem(&sk_state_hash, &key, init, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&sk_state_hash, &key);
	if (!st)
		pt_count_loss(PT_LOSS_STORAGE);
	return st;
}

/* Fresh state: counting starts now, owner not known yet. */
static __always_inline void init_state(struct tcp_sk_state *init,
				       struct sock *sk, int state)
{
	struct tcp_counts c;

	__builtin_memset(init, 0, sizeof(*init));
	read_counts(sk, state, &c);
	init->acked = c.acked;
	init->rcvd = c.rcvd;
	init->retrans = c.retrans;
	init->segs_out = c.segs_out;
	init->gen = __sync_fetch_and_add(&last_gen, 1) + 1;
	init->born_scan = owner_scan_gen;
	capture_tuple(&init->tuple, sk);
	init->owner.wanted = !filter_tgid_on && !filter_cgroup_id;
}

/* The socket's state, created for a connection perftop meets mid-way. */
static __always_inline struct tcp_sk_state *track(struct sock *sk, int state)
{
	struct tcp_sk_state *st = sk_state(sk, NULL), init;

	if (st || !data_state(state))
		return st;
	init_state(&init, sk, state);
	st = sk_state(sk, &init);
	/* No task in sight: the next owner scan looks for its file. */
	if (st && !st->owner.known)
		owner_scan_wanted = 1;
	return st;
}

static __always_inline int sk_state_now(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_state);
}

/* Send/recv calls, segments, retransmits: sample; `own` names the caller
 * as owner (only for hooks that run in the calling task). */
static __always_inline int on_sample(struct sock *sk, bool own, bool btf)
{
	int state = PT_BTF_READ(btf, sk, __sk_common.skc_state);
	struct tcp_sk_state *st = track(sk, state);

	if (!st)
		return 0;
	if (own) {
		own_by_current(&st->owner);
		/* In ESTABLISHED the interval-end reading (tcp_boundary)
		 * and the state change that ends it read the counters; a
		 * call, like a segment (on_segment), need not.  In the
		 * closing states calls sample (rare, and the old
		 * behaviour there). */
		if (state == TCP_ESTABLISHED)
			return 0;
	}
	account(sk, st, state, 0, data_state(state) && !st->closed);
	return 0;
}

/*
 * Incoming segments (tcp_probe: tcp_rcv_established(), so ESTABLISHED,
 * before the segment is processed): only meet the connection.  Reading
 * its counters here, at every segment, added nothing the interval-end
 * reading (tcp_boundary) and the state changes do not: bytes are deltas of
 * the socket's own counters, so they land in the interval they moved in
 * either way, and a connection's last reading is its transition out of
 * ESTABLISHED.  That reading was 600 ns a segment, at 160k segments/s
 * (nginx + wrk on loopback) a tenth of a CPU (docs/performance.md).
 */
static __always_inline int on_segment(struct sock *sk, bool btf)
{
	int state = PT_BTF_READ(btf, sk, __sk_common.skc_state);
	struct tcp_sk_state *st = track(sk, state);

	if (st && state != TCP_ESTABLISHED)	/* not from tcp_rcv_established */
		account(sk, st, state, 0, data_state(state) && !st->closed);
	return 0;
}

/* send/recv tracepoints fire for every socket type. */
static __always_inline int on_call(struct sock *sk, bool btf)
{
	__u16 family;

	if (!sk || (btf ? BPF_CORE_READ_BITFIELD(sk, sk_protocol) :
			  pt_sk_protocol(sk)) != IPPROTO_TCP)
		return 0;
	family = PT_BTF_READ(btf, sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	return on_sample(sk, true, btf);
}

static __always_inline int on_reset(struct sock *sk)
{
	struct tcp_sk_state *st;
	int state;

	if (!sk)
		return 0;
	/* tcp_send_reset also names request and time-wait sockets. */
	state = sk_state_now(sk);
	if (state == TCP_TIME_WAIT || state == TCP_NEW_SYN_RECV ||
	    state == TCP_LISTEN)
		return 0;
	st = track(sk, state);
	if (st)
		account(sk, st, state, PT_TCP_EV_RESET,
			data_state(state) && !st->closed);
	return 0;
}

static __always_inline void listen_key_of(struct listen_key *k,
					  struct sock *sk)
{
	k->netns = sk_netns(sk);
	k->port = BPF_CORE_READ(sk, __sk_common.skc_num);
}

static __always_inline void on_listen(struct sock *sk, bool start)
{
	struct listen_key k;
	struct tcp_owner o = {};

	listen_key_of(&k, sk);
	if (!start) {
		bpf_map_delete_elem(&listeners, &k);
		return;
	}
	own_by_current(&o);
	if (bpf_map_update_elem(&listeners, &k, &o, BPF_ANY))
		pt_count_loss(PT_LOSS_MAP_FULL);
}

/* connect(): counting starts at zero; the tuple is complete only after the
 * source port is chosen, so the event waits in `pending`. */
static __always_inline void on_connect(struct sock *sk)
{
	struct tcp_sk_state init, *st;

	init_state(&init, sk, TCP_SYN_SENT);
	own_by_current(&init.owner);
	init.pending = PT_TCP_EV_CONNECT;
	st = sk_state(sk, &init);
	if (st)	/* a socket connecting again: start over */
		__builtin_memcpy(st, &init, sizeof(init));
}

static __always_inline void on_established(struct sock *sk, int old)
{
	struct tcp_sk_state init, *st;
	struct listen_key k;
	struct tcp_owner *lo;
	struct tcp_counts c;

	if (old == TCP_SYN_RECV) {
		/* Accepted: owned by the listener's task until a task does
		 * I/O on it.  SYN-ACK retransmits count, as in
		 * TcpRetransSegs (the child inherits them). */
		init_state(&init, sk, TCP_ESTABLISHED);
		init.retrans = 0;
		listen_key_of(&k, sk);
		lo = bpf_map_lookup_elem(&listeners, &k);
		if (lo) {
			init.owner = *lo;
			init.owner.provisional = 1;
		}
		st = sk_state(sk, &init);
		if (!st)
			return;
		/* Without per-call hooks only the owner scan (or the close)
		 * finds who holds it: the next interval end runs one (at
		 * most one an interval, however many are accepted). */
		if (!owner_by_call && (!st->owner.known || st->owner.provisional))
			owner_scan_wanted = 1;
		account(sk, st, TCP_ESTABLISHED, PT_TCP_EV_ACCEPT, true);
		return;
	}
	st = sk_state(sk, NULL);
	if (st) {
		/* bytes_acked just counted our SYN: not payload. */
		read_counts(sk, TCP_ESTABLISHED, &c);
		__sync_lock_test_and_set(&st->acked, c.acked);
	} else {
		st = track(sk, TCP_ESTABLISHED);
		if (!st)
			return;
	}
	account(sk, st, TCP_ESTABLISHED, 0, true);
}

/* Forget a socket that is going away.  Under -p/-c, one whose owner never
 * became known took its events and bytes along, unreported: counted. */
static __always_inline void sk_state_forget(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct tcp_sk_state *st = bpf_map_lookup_elem(&sk_state_hash, &key);

	if (st && owner_pending(&st->owner))
		pt_count_loss(PT_LOSS_OWNER_UNKNOWN);
	bpf_map_delete_elem(&sk_state_hash, &key);
}

/*
 * The application's close() or shutdown(SHUT_WR): ESTABLISHED -> FIN_WAIT1
 * and CLOSE_WAIT -> LAST_ACK are made only by tcp_close_state(), which only
 * tcp_close() and tcp_shutdown() call, in the task making the call (never
 * in softirq or a timer; an orphan's later steps are).  So the current
 * task is the one closing: the connection's owner.  A kernel thread (a
 * delayed fput, a kernel socket) owns nothing.  An abortive close
 * (ESTABLISHED -> CLOSE with unread data, SO_LINGER 0) cannot be told from
 * a reset received in softirq by the transition: it names no one.
 */
static __always_inline bool closed_by_task(int old, int new)
{
	struct task_struct *t;

	if (!((old == TCP_ESTABLISHED && new == TCP_FIN_WAIT1) ||
	      (old == TCP_CLOSE_WAIT && new == TCP_LAST_ACK)))
		return false;
	t = (struct task_struct *)bpf_get_current_task();
	return !(BPF_CORE_READ(t, flags) & PT_PF_KTHREAD);
}

static __always_inline int on_set_state(struct sock *sk, int old, int new)
{
	struct tcp_sk_state *st;
	bool final;

	if (pt_sk_protocol(sk) != IPPROTO_TCP)
		return 0;
	/* A child is cloned from its listener: LISTEN -> SYN_RECV is its
	 * birth, not the listener's end. */
	if (new == TCP_LISTEN || (old == TCP_LISTEN && new == TCP_CLOSE)) {
		on_listen(sk, new == TCP_LISTEN);
		return 0;
	}
	if (new == TCP_SYN_SENT) {
		on_connect(sk);
		return 0;
	}
	if (new == TCP_ESTABLISHED) {
		on_established(sk, old);
		return 0;
	}
	if (new == TCP_SYN_RECV)
		return 0;	/* a child being born: counted once established */
	st = track(sk, old);
	if (!st)
		return 0;
	if (closed_by_task(old, new))
		own_by_current(&st->owner);
	final = new == TCP_CLOSE;
	/* Counters belong to the old state; in CLOSE nothing moves any
	 * more, and an abortive close still sends its RST after this. */
	account(sk, st, old, (final ? PT_TCP_EV_CLOSE : 0) |
		(data_state(old) ? timeout_event(sk) | st->stalled : 0),
		!st->closed &&
		(data_state(old) || old == TCP_SYN_SENT));
	if (final) {
		st->closed = 1;
		if (!have_destroy_tp)
			sk_state_forget(sk);
	}
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tpbtf_set_state, const struct sock *sk, int old, int new)
{ return on_set_state((struct sock *)sk, old, new); }
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(rawtp_set_state, const struct sock *sk, int old, int new)
{ return on_set_state((struct sock *)sk, old, new); }

SEC("tp_btf/tcp_probe")
int BPF_PROG(tpbtf_tcp_probe, struct sock *sk)
{ return on_segment(sk, true); }
SEC("raw_tp/tcp_probe")
int BPF_PROG(rawtp_tcp_probe, struct sock *sk)
{ return on_segment(sk, false); }

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tpbtf_tcp_retransmit_skb, const struct sock *sk)
{ return on_sample((struct sock *)sk, false, true); }
SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(rawtp_tcp_retransmit_skb, const struct sock *sk)
{ return on_sample((struct sock *)sk, false, false); }

SEC("tp_btf/sock_send_length")
int BPF_PROG(tpbtf_sock_send_length, struct sock *sk)
{ return on_call(sk, true); }
SEC("raw_tp/sock_send_length")
int BPF_PROG(rawtp_sock_send_length, struct sock *sk)
{ return on_call(sk, false); }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tpbtf_sock_recv_length, struct sock *sk)
{ return on_call(sk, true); }
SEC("raw_tp/sock_recv_length")
int BPF_PROG(rawtp_sock_recv_length, struct sock *sk)
{ return on_call(sk, false); }

/* Kernels without sock_recv_length: receive calls still name the owner
 * (tcp_recvmsg adjusts the receive space in the reading task). */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(tpbtf_tcp_rcv_space_adjust, struct sock *sk)
{ return on_sample(sk, true, true); }
SEC("raw_tp/tcp_rcv_space_adjust")
int BPF_PROG(rawtp_tcp_rcv_space_adjust, struct sock *sk)
{ return on_sample(sk, true, false); }

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tpbtf_tcp_receive_reset, struct sock *sk)
{ return on_reset(sk); }
SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(rawtp_tcp_receive_reset, struct sock *sk)
{ return on_reset(sk); }

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tpbtf_tcp_send_reset, const struct sock *sk)
{ return on_reset((struct sock *)sk); }
SEC("raw_tp/tcp_send_reset")
int BPF_PROG(rawtp_tcp_send_reset, const struct sock *sk)
{ return on_reset((struct sock *)sk); }

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(tpbtf_tcp_destroy_sock, struct sock *sk)
{
	sk_state_forget(sk);
	return 0;
}
SEC("raw_tp/tcp_destroy_sock")
int BPF_PROG(rawtp_tcp_destroy_sock, struct sock *sk)
{
	sk_state_forget(sk);
	return 0;
}

/* ---- programs userspace runs ---- */

/*
 * Interval end: read every tracked socket's counters into the interval
 * that is ending (userspace runs this just before it flips the epoch), so
 * bytes land in the interval they moved in even when no later event would
 * read them.
 *
 * The key is the socket's address.  TCP sockets are SLAB_TYPESAFE_BY_RCU
 * and this runs under rcu_read_lock, so the memory is a TCP socket while
 * we read it.  It is the socket of this entry unless that one was
 * destroyed and the memory reused meanwhile: but a socket passes CLOSE
 * (which sets `closed`) before its entry goes at tcp_destroy_sock, and a
 * new socket at that address replaces the entry (connect, accept, first
 * sight) before it moves a byte; so an entry not `closed` names the live
 * socket at its address.
 */
static long boundary_one(struct bpf_map *map, __u64 *key,
			 struct tcp_sk_state *st, void *ctx)
{
	struct sock *sk = (struct sock *)*key;
	__u64 stalled;
	int state;

	if (st->closed)
		return 0;
	state = sk_state_now(sk);
	if (!data_state(state))
		return 0;
	stalled = timeout_event(sk);
	account(sk, st, state, stalled | st->stalled, true);
	st->stalled = stalled;	/* only this walk writes it */
	return 0;
}

SEC("raw_tp")
int tcp_boundary(void *ctx)
{
	bpf_for_each_map_elem(&sk_state_hash, boundary_one, NULL, 0);
	return 0;
}

/*
 * Owners from open files: every process's TCP sockets (threads sharing a
 * file table are visited once, as their leader).  A listener's owner goes
 * to `listeners` unless a listen() after attach already named one; a
 * connection is tracked from here on, and a socket without an owner gets
 * this one.  An owner named by a send/recv/connect stays: it is the task
 * really doing the I/O.
 */
SEC("iter/task_file")
int tcp_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct tcp_sk_state *st, init;
	struct tcp_owner o = {};
	struct listen_key k;
	struct socket *so;
	struct sock *sk;
	__u16 family;
	int state;

	if (!task || !file)
		return 0;
	so = bpf_sock_from_file(file);
	if (!so)
		return 0;
	sk = BPF_CORE_READ(so, sk);
	if (!sk || pt_sk_protocol(sk) != IPPROTO_TCP)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	state = sk_state_now(sk);
	if (state == TCP_LISTEN) {
		owner_of_task(&o, task);
		listen_key_of(&k, sk);
		bpf_map_update_elem(&listeners, &k, &o, BPF_NOEXIST);
		return 0;
	}
	st = sk_state(sk, NULL);
	if (st) {
		if (!st->owner.known || st->owner.provisional)
			owner_of_task(&st->owner, task);
		return 0;
	}
	if (!data_state(state))
		return 0;
	init_state(&init, sk, state);
	owner_of_task(&init.owner, task);
	sk_state(sk, &init);
	return 0;
}
