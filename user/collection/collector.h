/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live collection: starts the requested probe families, waits out each
 * interval while draining ring buffers, and turns the kernel's aggregates
 * into one pt_snapshot per interval.  Everything past this point (TUI,
 * record, scan) reads snapshots only.
 */
#ifndef PT_COLLECTOR_H
#define PT_COLLECTOR_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>

#include "detect.h"
#include "family.h"
#include "model.h"
#include "opts.h"
#include "sysinfo.h"

struct pt_collector {
	struct pt_family *fams[PT_NR_FAMILIES];	/* requested ones */
	unsigned int requested, running;	/* family masks */
	struct ring_buffer *rb;
	struct pt_filter filter;
	struct pt_header header;
	uint32_t epoch;
	bool settle_warned;
	uint64_t seq;
	uint64_t interval_ns;
	uint64_t interval_start;	/* CLOCK_MONOTONIC */
	uint64_t deadline;		/* end of the current interval */
	struct pt_loss loss_prev;	/* cumulative at the last snapshot */
	struct pt_loss loss_total;
	struct pt_psi_prev psi_prev;		/* PSI totals at the last snapshot */
	struct pt_detect_config cfg;		/* --config, or defaults */
	struct pt_detector *detector;		/* live findings per snapshot */
};

/* pt_collector_start's result for a bad --config or -c PATH (error printed):
 * a usage error, exit 3 for scan/report and 2 for the other commands. */
#define PT_ERR_CONFIG (-EBADMSG)

/*
 * Check privileges, resolve filters, start every family in o->probes.
 * Families that fail are reported in the header (and on stderr, unless
 * quiet), the others keep running.  Returns 0 when at least one family
 * runs; otherwise -errno after printing one error line.
 */
int pt_collector_start(struct pt_collector *c, const struct pt_opts *o,
		       bool quiet);

/* Block until the current interval's deadline or *stop; drains the ring
 * buffers meanwhile.  Returns early (0) when *stop becomes non-zero. */
int pt_collector_wait(struct pt_collector *c, volatile sig_atomic_t *stop);

/* Ring-buffer fd to include in a caller's poll set (-1 if none), and a
 * non-blocking drain for callers running their own loop (the TUI). */
int pt_collector_fd(const struct pt_collector *c);
void pt_collector_drain(struct pt_collector *c);

/* End the current interval now and fill s (reset first) with it,
 * findings included (the live detector, detect.h). */
int pt_collector_snapshot(struct pt_collector *c, struct pt_snapshot *s);

/*
 * The loop of every non-interactive command: one snapshot per interval
 * until -d elapses or *stop, each handed to fn.  After a stop signal the
 * partial last interval is delivered too, so sums over the snapshots cover
 * the whole run.  fn returns 0 to go on, > 0 to end, < 0 (-errno) to fail;
 * the result is 0 or the first error.
 */
typedef int (*pt_snapshot_fn)(struct pt_snapshot *s, void *ctx);
int pt_collector_run(struct pt_collector *c, const struct pt_opts *o,
		     volatile sig_atomic_t *stop, pt_snapshot_fn fn, void *ctx);

/* Change the interval; takes effect from the next interval. */
void pt_collector_set_interval(struct pt_collector *c, uint64_t ns);

void pt_collector_stop(struct pt_collector *c);

/* The family object for id, or NULL when it is not built in. */
struct pt_family *pt_family_lookup(enum pt_family_id id);

/* doctor: load and attach one family exactly as the collector would (with
 * --tcp-owner thread's hooks when tcp_owner_thread), then unload it.  0 with attach/hooks filled, or -errno with error filled
 * ("FAILED: <why>"). */
struct pt_family_check {
	char attach[16];		/* "tp_btf", "raw_tp" */
	char hooks[512];		/* hooks attached: "a, b, c" */
	char lacking[1024];		/* hooks this kernel lacks, one per
					 * line: "hook (since): what it costs" */
	char reads[128];		/* what it reads besides */
	char error[PT_TEXT_MAX + 16];
};
int pt_family_check(enum pt_family_id id, bool tcp_owner_thread,
		     struct pt_family_check *out);

#endif /* PT_COLLECTOR_H */
