/* SPDX-License-Identifier: GPL-2.0 */
/* Machine facts read from /proc and uname, for headers and detection. */
#ifndef PT_SYSINFO_H
#define PT_SYSINFO_H

#include "model.h"

/* PSI "some avg10" per resource; -1 where /proc/pressure is missing. */
void pt_read_pressure(struct pt_pressure *p);
/* Fill hostname, kernel, nr_cpus of a header. */
void pt_read_machine(struct pt_header *h);

struct pt_cpu_times {
	unsigned long long busy, total;	/* jiffies since boot */
};
int pt_read_cpu_times(struct pt_cpu_times *t);
/* Uptime seconds and 1-minute load; -1 where unknown. */
double pt_read_uptime(void);
double pt_read_loadavg1(void);

#endif /* PT_SYSINFO_H */
