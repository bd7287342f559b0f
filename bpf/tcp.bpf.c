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
 * Sample points: send/recv calls (also naming the owner, the task making
 * the call), every incoming segment (tcp_probe), retransmits, resets and
 * every state change.  The last sample is the transition to CLOSE, so a
 * connection that closes inside an interval still reports its bytes there.
 *
 * Byte events are per call and per segment, so the results are aggregated
 * in a per-interval hash keyed by {socket, epoch}, not sent per event; the
 * rare state changes become flags on the same entry (docs/tcp.md).
 */
#include "common.bpf.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10

/* Who owns a connection: the last task seen connecting, listening (for the
 * connections its listener accepts), sending or receiving on it. */
struct tcp_owner {
	__u64 cgroup_id;
	__u32 pid;
	__u32 tgid;
	char comm[PT_COMM_LEN];
	__u32 wanted;	/* passes the -p / -c filter */
	__u32 known;	/* pid..comm are set */
};

/* Per socket, across intervals. */
struct tcp_sk_state {
	__u64 acked, rcvd, retrans, segs_out;	/* counters at the last sample */
	__u64 pending;	/* PT_TCP_EV_* waiting for an interval entry */
	__u64 closed;	/* reached CLOSE: counters are final */
	__u64 gen;	/* incarnation, part of the interval key */
	struct tcp_owner owner;
	struct pt_tcp_tuple tuple;
};

/* With BTF the kernel frees socket storage with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcp_sk_state);
} sk_states SEC(".maps");

/* raw_tp fallback: keyed by socket address, deleted when the socket is
 * destroyed.  The loader shrinks it to one entry when tp_btf is used. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
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
__u64 last_gen = 0;
const struct pt_tcp_val zero_conn = {};

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
 * Move the baseline to `now` and return what happened since.  Samplers on
 * two CPUs may race (softirq and a send call); the exchange makes every
 * delta end where the previous one started, so the sum stays exact even
 * when one delta comes out negative.  Mod 2^32: the pre-4.1 fallback
 * counters are sequence numbers.
 */
static __always_inline __s64 advance(__u64 *last, __u64 now)
{
	__u64 prev = __sync_lock_test_and_set(last, now);

	return (__s32)(__u32)(now - prev);
}

static __always_inline void own_by_current(struct tcp_owner *o)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct task_struct *t;

	if (o->known && o->pid == (__u32)id)
		return;
	t = (struct task_struct *)bpf_get_current_task();
	o->pid = (__u32)id;
	o->tgid = id >> 32;
	o->cgroup_id = pt_task_cgroup_id(t);
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	o->wanted = pt_task_wanted(t);
	o->known = 1;
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
conn_entry(struct sock *sk, const struct tcp_sk_state *st)
{
	struct pt_tcp_key key = {
		.sock = (__u64)sk, .epoch = pt_epoch(), .gen = (__u32)st->gen,
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

/*
 * One sample: advance the baselines (when `sample`: the counters are
 * meaningful in `state`) and add what moved, plus `events`, to this
 * interval's entry.  Nothing moved and nothing happened: no entry.
 */
static __always_inline void account(struct sock *sk, struct tcp_sk_state *st,
				    int state, __u64 events, bool sample)
{
	__s64 tx = 0, rx = 0, retrans = 0, segs = 0;
	struct pt_tcp_val *v;
	struct tcp_counts c;

	/* A filter is on and no task has shown up yet: keep the baseline
	 * and the events until one does, and decide then. */
	if (!st->owner.known && !st->owner.wanted) {
		if (events)
			__sync_fetch_and_or(&st->pending, events);
		return;
	}
	if (sample) {
		read_counts(sk, state, &c);
		tx = advance(&st->acked, c.acked);
		rx = advance(&st->rcvd, c.rcvd);
		retrans = advance(&st->retrans, c.retrans);
		segs = advance(&st->segs_out, c.segs_out);
	}
	if (!st->owner.wanted)
		return;
	if (!(tx | rx | retrans | segs) && !events && !st->pending)
		return;
	capture_tuple(&st->tuple, sk);
	v = conn_entry(sk, st);
	if (!v)
		return;
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
}

/* Find the socket's state; with `init`, create it from there if absent. */
static __always_inline struct tcp_sk_state *
sk_state(struct sock *sk, bool btf, struct tcp_sk_state *init)
{
	struct tcp_sk_state *st;
	__u64 key = (__u64)sk;

	if (btf) {
		st = bpf_sk_storage_get(&sk_states, sk, init, init ?
					BPF_SK_STORAGE_GET_F_CREATE : 0);
		if (!st && init)
			pt_count_loss(PT_LOSS_STORAGE);
		return st;
	}
	st = bpf_map_lookup_elem(&sk_state_hash, &key);
	if (st || !init)
		return st;
	bpf_map_update_elem(&sk_state_hash, &key, init, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&sk_state_hash, &key);
	if (!st)
		pt_count_loss(PT_LOSS_MAP_FULL);
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
	capture_tuple(&init->tuple, sk);
	init->owner.wanted = !filter_tgid_on && !filter_cgroup_id;
}

/* The socket's state, created for a connection perftop meets mid-way. */
static __always_inline struct tcp_sk_state *track(struct sock *sk, bool btf,
						  int state)
{
	struct tcp_sk_state *st = sk_state(sk, btf, NULL), init;

	if (st || !data_state(state))
		return st;
	init_state(&init, sk, state);
	return sk_state(sk, btf, &init);
}

static __always_inline int sk_state_now(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_state);
}

/* Send/recv calls, segments, retransmits: sample; `own` names the caller
 * as owner (only for hooks that run in the calling task). */
static __always_inline int on_sample(struct sock *sk, bool btf, bool own)
{
	int state = sk_state_now(sk);
	struct tcp_sk_state *st = track(sk, btf, state);

	if (!st)
		return 0;
	if (own) {
		own_by_current(&st->owner);
		/* In ESTABLISHED tcp_probe samples every incoming segment,
		 * the only thing that moves bytes_acked and bytes_received;
		 * a call need not sample again.  In the closing states it
		 * does not fire, so calls sample there. */
		if (state == TCP_ESTABLISHED)
			return 0;
	}
	account(sk, st, state, 0, data_state(state) && !st->closed);
	return 0;
}

/* send/recv tracepoints fire for every socket type. */
static __always_inline int on_call(struct sock *sk, bool btf)
{
	__u16 family;

	if (!sk || pt_sk_protocol(sk) != IPPROTO_TCP)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	return on_sample(sk, btf, true);
}

static __always_inline int on_reset(struct sock *sk, bool btf)
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
	st = track(sk, btf, state);
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
static __always_inline void on_connect(struct sock *sk, bool btf)
{
	struct tcp_sk_state init, *st;

	init_state(&init, sk, TCP_SYN_SENT);
	own_by_current(&init.owner);
	init.pending = PT_TCP_EV_CONNECT;
	st = sk_state(sk, btf, &init);
	if (st)	/* a socket connecting again: start over */
		__builtin_memcpy(st, &init, sizeof(init));
}

static __always_inline void on_established(struct sock *sk, int old, bool btf)
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
		if (lo)
			init.owner = *lo;
		st = sk_state(sk, btf, &init);
		if (st)
			account(sk, st, TCP_ESTABLISHED, PT_TCP_EV_ACCEPT, true);
		return;
	}
	st = sk_state(sk, btf, NULL);
	if (st) {
		/* bytes_acked just counted our SYN: not payload. */
		read_counts(sk, TCP_ESTABLISHED, &c);
		__sync_lock_test_and_set(&st->acked, c.acked);
	} else {
		st = track(sk, btf, TCP_ESTABLISHED);
		if (!st)
			return;
	}
	account(sk, st, TCP_ESTABLISHED, 0, true);
}

/* raw_tp fallback: forget a socket that is going away. */
static __always_inline void sk_state_forget(struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&sk_state_hash, &key);
}

static __always_inline int on_set_state(struct sock *sk, int old, int new,
					bool btf)
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
		on_connect(sk, btf);
		return 0;
	}
	if (new == TCP_ESTABLISHED) {
		on_established(sk, old, btf);
		return 0;
	}
	if (new == TCP_SYN_RECV)
		return 0;	/* a child being born: counted once established */
	st = track(sk, btf, old);
	if (!st)
		return 0;
	final = new == TCP_CLOSE;
	/* Counters belong to the old state; in CLOSE nothing moves any
	 * more, and an abortive close still sends its RST after this. */
	account(sk, st, old, final ? PT_TCP_EV_CLOSE : 0, !st->closed &&
		(data_state(old) || old == TCP_SYN_SENT));
	if (final) {
		st->closed = 1;
		if (!btf && !have_destroy_tp)
			sk_state_forget(sk);
	}
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tpbtf_set_state, const struct sock *sk, int old, int new)
{ return on_set_state((struct sock *)sk, old, new, true); }
SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(rawtp_set_state, const struct sock *sk, int old, int new)
{ return on_set_state((struct sock *)sk, old, new, false); }

SEC("tp_btf/tcp_probe")
int BPF_PROG(tpbtf_tcp_probe, struct sock *sk)
{ return on_sample(sk, true, false); }
SEC("raw_tp/tcp_probe")
int BPF_PROG(rawtp_tcp_probe, struct sock *sk)
{ return on_sample(sk, false, false); }

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tpbtf_tcp_retransmit_skb, const struct sock *sk)
{ return on_sample((struct sock *)sk, true, false); }
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
{ return on_sample(sk, false, true); }

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tpbtf_tcp_receive_reset, struct sock *sk)
{ return on_reset(sk, true); }
SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(rawtp_tcp_receive_reset, struct sock *sk)
{ return on_reset(sk, false); }

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tpbtf_tcp_send_reset, const struct sock *sk)
{ return on_reset((struct sock *)sk, true); }
SEC("raw_tp/tcp_send_reset")
int BPF_PROG(rawtp_tcp_send_reset, const struct sock *sk)
{ return on_reset((struct sock *)sk, false); }

/* Only the fallback needs it: socket storage dies with the socket. */
SEC("raw_tp/tcp_destroy_sock")
int BPF_PROG(rawtp_tcp_destroy_sock, struct sock *sk)
{
	sk_state_forget(sk);
	return 0;
}
