// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sysinfo.h"
#include "util.h"

/* "some avg10=A avg60=B avg300=C total=T" (and a "full" line after it
 * but for /proc/pressure/cpu before 5.13). */
bool pt_psi_parse(const char *text, const char *kind, double *avg10,
		  unsigned long long *total_us)
{
	size_t n = strlen(kind);
	const char *p;
	double a;

	for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, kind, n) || p[n] != ' ')
			continue;
		if (sscanf(p + n, " avg10=%lf avg60=%*f avg300=%*f total=%llu",
			   &a, total_us) != 2)
			return false;
		if (avg10)
			*avg10 = a;
		return true;
	}
	return false;
}

/* Two reads' own delays can make the growth a hair over the time between
 * them: capped. */
double pt_psi_share(unsigned long long prev_us, unsigned long long now_us,
		    uint64_t elapsed_ns)
{
	double share;

	if (!elapsed_ns || now_us < prev_us)
		return -1;
	share = 100.0 * (double)(now_us - prev_us) * 1000.0 / (double)elapsed_ns;
	return share > 100 ? 100 : share;
}

static bool psi_some(const char *path, double *avg10, unsigned long long *total)
{
	char buf[512];

	return pt_read_file(path, buf, sizeof(buf)) > 0 &&
	       pt_psi_parse(buf, "some", avg10, total);
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
		if (ok && prev->have[i] && prev->at_ns && now > prev->at_ns)
			*share[i] = pt_psi_share(prev->total_us[i], total,
						 now - prev->at_ns);
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

int pt_read_cpu_idle(uint64_t *idle_ns, unsigned int n)
{
	uint64_t ns_per_tick = 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
	unsigned long long idle, iowait;
	FILE *f = fopen("/proc/stat", "re");
	char line[512];
	unsigned int c;

	if (!f)
		return -errno;
	/* "cpu" first, then "cpuN" for each online CPU, then the rest; the
	 * digit check, or %u would read the sum line's user ticks as N */
	while (fgets(line, sizeof(line), f) && !strncmp(line, "cpu", 3)) {
		if (isdigit((unsigned char)line[3]) &&
		    sscanf(line, "cpu%u %*u %*u %*u %llu %llu", &c, &idle,
			   &iowait) == 3 && c < n)
			idle_ns[c] = (uint64_t)(idle + iowait) * ns_per_tick;
	}
	fclose(f);
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
