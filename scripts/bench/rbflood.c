// SPDX-License-Identifier: GPL-2.0
/*
 * rbflood: load rbflood.bpf.o over perftop's own block ring buffer and loss
 * map (by map id, from `bpftool map show`), then call getppid() RATE times
 * a second for SECONDS on CPU, each call one record into perftop's buffer.
 * Prints what the BPF side submitted and what found the buffer full.
 * Part of scripts/bench.sh; not part of perftop.
 *
 *   rbflood EVENTS_MAP_ID LOSS_MAP_ID RATE SECONDS CPU
 *
 * Built by scripts/bench.sh with the skeleton of rbflood.bpf.o.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "rbflood.skel.h"

#define FAKE_DEV ((4095u << 20) | 1u)	/* major 4095: no real disk */
#define BATCH 64

static int die(const char *what, int err)
{
	fprintf(stderr, "rbflood: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int reuse(struct bpf_map *map, unsigned int id, __u32 *max_entries)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		return -ENOENT;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (max_entries)
		*max_entries = info.max_entries;
	return bpf_map__reuse_fd(map, fd);
}

/* Paced getppid(): the rate is held per batch, sleeping when ahead. */
static unsigned long long flood(double rate, double seconds)
{
	unsigned long long calls = 0;
	double t0 = now_s(), t;
	int i;

	while ((t = now_s()) - t0 < seconds) {
		double ahead = t0 + calls / rate - t;

		if (ahead > 0.0002) {
			struct timespec ts = { 0, (long)(ahead * 1e9) };

			nanosleep(&ts, NULL);
			continue;
		}
		for (i = 0; i < BATCH; i++)
			syscall(SYS_getppid);
		calls += BATCH;
	}
	return calls;
}

int main(int argc, char **argv)
{
	struct rbflood_bpf *skel;
	unsigned long long calls;
	double rate, seconds, t0, elapsed;
	__u32 rb_size = 0;
	cpu_set_t set;
	int err;

	if (argc != 6) {
		fprintf(stderr, "usage: rbflood EVENTS_MAP_ID LOSS_MAP_ID RATE SECONDS CPU\n");
		return 2;
	}
	rate = atof(argv[3]);
	seconds = atof(argv[4]);
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[5]), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return die("pinning to the CPU", errno);
	skel = rbflood_bpf__open();
	if (!skel)
		return die("opening the object", errno);
	err = reuse(skel->maps.block_events, (unsigned int)atoi(argv[1]),
		    &rb_size);
	if (!err)
		err = reuse(skel->maps.loss, (unsigned int)atoi(argv[2]), NULL);
	if (err)
		return die("reusing perftop's maps", err);
	skel->rodata->flood_tgid = (__u32)getpid();
	skel->rodata->fake_dev = FAKE_DEV;
	skel->rodata->rb_wakeup_bytes = rb_size / 2;	/* perftop's rule */
	err = rbflood_bpf__load(skel);
	if (!err)
		err = rbflood_bpf__attach(skel);
	if (err)
		return die("loading and attaching to sys_enter", err);
	t0 = now_s();
	calls = flood(rate, seconds);
	elapsed = now_s() - t0;
	printf("calls %llu submitted %llu dropped %llu seconds %.2f rate %.0f ring_bytes %u\n",
	       calls, (unsigned long long)skel->bss->submitted,
	       (unsigned long long)skel->bss->dropped, elapsed, calls / elapsed,
	       rb_size);
	rbflood_bpf__destroy(skel);
	return 0;
}
