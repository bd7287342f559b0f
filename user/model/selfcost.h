/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What perftop itself costs, for `serve`'s /metrics: its CPU time and
 * memory, and the run time of its BPF programs as the kernel counts it
 * (bpf_prog_info run_time_ns / run_cnt, kept while BPF run-time stats are
 * on).  Filled by user/collection/selfcost.c; plain data.
 */
#ifndef PT_SELFCOST_H
#define PT_SELFCOST_H

#include <stdbool.h>
#include <stdint.h>

#define PT_SELF_MAX_PROGS 64
#define PT_PROG_NAME_MAX 16	/* BPF_OBJ_NAME_LEN */

struct pt_prog_cost {
	char name[PT_PROG_NAME_MAX];	/* as the kernel keeps it (15 chars) */
	uint32_t id;
	uint64_t run_ns;		/* cumulative, while stats were on */
	uint64_t run_cnt;
};

struct pt_self_cost {
	double cpu_user_s, cpu_sys_s;	/* every thread, since start */
	uint64_t rss_bytes;
	uint64_t start_time_ns;		/* wall clock */
	unsigned int threads;
	int open_fds;
	/* 1: the kernel counts BPF run time now (kernel.bpf_stats_enabled,
	 * or perftop's own BPF_ENABLE_STATS); 0: it does not, and run_ns
	 * stands still */
	bool bpf_stats_on;
	struct pt_prog_cost progs[PT_SELF_MAX_PROGS];
	int nr_progs;
};

#endif /* PT_SELFCOST_H */
