// SPDX-License-Identifier: GPL-2.0
/* perftop's own CPU, memory and BPF run time (model/selfcost.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "selfstat.h"
#include "util.h"

int pt_bpf_stats_enable(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);

	return fd < 0 ? -errno : fd;
}

static void read_status(struct pt_self_cost *c)
{
	char buf[4096], *p;
	long pages = 0, rss = 0;

	if (pt_read_file("/proc/self/statm", buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%ld %ld", &pages, &rss) == 2)
		c->rss_bytes = (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
	if (pt_read_file("/proc/self/status", buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "\nThreads:")))
		c->threads = (unsigned int)strtoul(p + 9, NULL, 10);
}

/* Is fd a BPF program?  /proc/self/fd/N reads "anon_inode:bpf-prog". */
static bool is_prog(const char *fdname)
{
	char path[300], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%s", fdname);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:bpf-prog");
}

static void read_progs(struct pt_self_cost *c)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	c->nr_progs = 0;
	c->open_fds = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		struct pt_prog_cost *p;
		int i, fd;

		if (de->d_name[0] == '.')
			continue;
		c->open_fds++;
		if (!is_prog(de->d_name))
			continue;
		fd = atoi(de->d_name);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		/* one program may be open through several fds */
		for (i = 0; i < c->nr_progs && c->progs[i].id != info.id; i++)
			;
		if (i < c->nr_progs || c->nr_progs == PT_SELF_MAX_PROGS)
			continue;
		p = &c->progs[c->nr_progs++];
		pt_strlcpy(p->name, info.name, sizeof(p->name));
		p->id = info.id;
		p->run_ns = info.run_time_ns;
		p->run_cnt = info.run_cnt;
	}
	closedir(d);
	c->open_fds--;	/* the directory's own fd */
}

int pt_self_cost_read(struct pt_self_cost *c)
{
	struct rusage ru;
	char buf[16];

	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	c->cpu_user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	c->cpu_sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	read_status(c);
	read_progs(c);
	if (pt_read_file("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf)) > 0 &&
	    buf[0] == '1')
		c->bpf_stats_on = true;
	return 0;
}
