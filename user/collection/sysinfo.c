// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sysinfo.h"
#include "util.h"

/* "some avg10=A avg60=B avg300=C total=T": A, and T (microseconds). */
static bool psi_some(const char *path, double *avg10, unsigned long long *total)
{
	char buf[512];

	return pt_read_file(path, buf, sizeof(buf)) > 0 &&
	       sscanf(buf, "some avg10=%lf avg60=%*f avg300=%*f total=%llu",
		      avg10, total) == 2;
}

/*
 * The rules judge the share, not avg10: avg10 is an exponential average
 * with a 10 s time constant, updated every 2 s, so it lags both ways.  A
 * scan started a second after six spinners stopped read cpu.pressure
 * 52.9% (CRITICAL) from avg10 while the total grew 11.5 ms in 10.45 s
 * (0.11%), and one started with the load crossed 20% only 4-6 s in.
 */
void pt_read_pressure(struct pt_pressure *p, struct pt_psi_prev *prev)
{
	static const char *const path[3] = {
		"/proc/pressure/cpu", "/proc/pressure/memory", "/proc/pressure/io",
	};
	double *avg10[3] = { &p->cpu, &p->memory, &p->io };
	double *share[3] = { &p->cpu_some, &p->memory_some, &p->io_some };
	uint64_t now = pt_now_mono_ns();
	unsigned long long total;
	int i;

	for (i = 0; i < 3; i++) {
		bool ok = psi_some(path[i], avg10[i], &total);

		if (!ok)
			*avg10[i] = -1;
		*share[i] = -1;
		if (ok && prev->have[i] && prev->at_ns && now > prev->at_ns &&
		    total >= prev->total_us[i]) {
			*share[i] = 100.0 * (double)(total - prev->total_us[i]) *
				    1000.0 / (double)(now - prev->at_ns);
			if (*share[i] > 100)	/* two reads' own delays */
				*share[i] = 100;
		}
		prev->have[i] = ok;
		prev->total_us[i] = ok ? total : 0;
	}
	prev->at_ns = now;
}

void pt_read_machine(struct pt_header *h)
{
	struct utsname u;

	if (gethostname(h->hostname, sizeof(h->hostname)))
		pt_strlcpy(h->hostname, "?", sizeof(h->hostname));
	h->hostname[sizeof(h->hostname) - 1] = '\0';
	if (!uname(&u))
		pt_strlcpy(h->kernel, u.release, sizeof(h->kernel));
	h->nr_cpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
}

int pt_read_cpu_times(struct pt_cpu_times *t)
{
	unsigned long long v[8] = { 0 };
	char buf[512];

	if (pt_read_file("/proc/stat", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 5)
		return -1;
	/* idle and iowait are not busy */
	t->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	t->total = t->busy + v[3] + v[4];
	return 0;
}

double pt_read_uptime(void)
{
	char buf[128];
	double up;

	if (pt_read_file("/proc/uptime", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%lf", &up) != 1)
		return -1;
	return up;
}

double pt_read_loadavg1(void)
{
	char buf[128];
	double l;

	if (pt_read_file("/proc/loadavg", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%lf", &l) != 1)
		return -1;
	return l;
}
