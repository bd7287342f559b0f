// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sysinfo.h"
#include "util.h"

static double psi_some_avg10(const char *path)
{
	char buf[512];
	double v;

	if (pt_read_file(path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "some avg10=%lf", &v) != 1)
		return -1;
	return v;
}

void pt_read_pressure(struct pt_pressure *p)
{
	p->cpu = psi_some_avg10("/proc/pressure/cpu");
	p->memory = psi_some_avg10("/proc/pressure/memory");
	p->io = psi_some_avg10("/proc/pressure/io");
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
