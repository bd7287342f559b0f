/* SPDX-License-Identifier: GPL-2.0 */
/* Machine facts read from /proc and uname, for headers and detection. */
#ifndef PT_SYSINFO_H
#define PT_SYSINFO_H

#include "model.h"

/* The last reading of /proc/pressure's "some ... total=" counters. */
struct pt_psi_prev {
	unsigned long long total_us[3];	/* cpu, memory, io */
	bool have[3];
	uint64_t at_ns;			/* CLOCK_MONOTONIC; 0: none yet */
};

/* PSI per resource: "some avg10", and the share of the time since the
 * previous call (prev) in which some task stalled; -1 where
 * /proc/pressure is missing (or, for the share, at the first call). */
void pt_read_pressure(struct pt_pressure *p, struct pt_psi_prev *prev);
/* From a pressure file's text (/proc/pressure/X, a cgroup's X.pressure):
 * the "some" or "full" line's total= in us, and its avg10 unless NULL. */
bool pt_psi_parse(const char *text, const char *kind, double *avg10,
		  unsigned long long *total_us);
/* The share (%) of elapsed_ns in which some task stalled, from two reads
 * of a total (us): at most 100; -1 when the total went back or elapsed_ns
 * is 0. */
double pt_psi_share(unsigned long long prev_us, unsigned long long now_us,
		    uint64_t elapsed_ns);
/* Fill hostname, kernel, nr_cpus of a header. */
void pt_read_machine(struct pt_header *h);

struct pt_cpu_times {
	unsigned long long busy, total;	/* jiffies since boot */
};
int pt_read_cpu_times(struct pt_cpu_times *t);
/* Each online CPU's idle time (idle + iowait) in ns since boot, from
 * /proc/stat's "cpuN" lines, into idle_ns[N] for N < n; offline CPUs'
 * are left as they were.  0, or -errno when /proc/stat cannot be read. */
int pt_read_cpu_idle(uint64_t *idle_ns, unsigned int n);
/* Uptime seconds and 1-minute load; -1 where unknown. */
double pt_read_uptime(void);
double pt_read_loadavg1(void);

#endif /* PT_SYSINFO_H */
