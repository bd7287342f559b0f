// SPDX-License-Identifier: GPL-2.0
/*
 * floor: attach the empty programs of floor.bpf.o to the given hooks, print
 * "ready", and hold them until SIGINT/SIGTERM.  Part of scripts/bench.sh.
 *
 *   floor OBJ HOOK...
 *     btf:NAME        BTF-typed tracepoint (tp_btf), e.g. btf:sched_switch
 *     tp:CAT/NAME     classic tracepoint, e.g. tp:sched/sched_switch
 *     perf:faults     software page-fault event, every fault, all CPUs
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define MAX_HOOKS 32

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int die(const char *what, const char *detail)
{
	fprintf(stderr, "floor: %s: %s\n", what, detail);
	return 1;
}

/* The next unused program whose name starts with prefix. */
static struct bpf_program *next_prog(struct bpf_object *obj,
				     const char *prefix, int *used)
{
	char name[16];

	snprintf(name, sizeof(name), "%s%d", prefix, (*used)++);
	return bpf_object__find_program_by_name(obj, name);
}

static int attach_perf(struct bpf_program *prog, struct bpf_link **links,
		       int *nr_links)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = 1,
	};
	int cpu, ncpu = libbpf_num_possible_cpus();

	for (cpu = 0; cpu < ncpu && *nr_links < MAX_HOOKS; cpu++) {
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1,
				 PERF_FLAG_FD_CLOEXEC);

		if (fd < 0)
			continue;	/* offline CPU */
		links[*nr_links] = bpf_program__attach_perf_event(prog, fd);
		if (!links[*nr_links])
			return -errno;
		(*nr_links)++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_program *prog, *btf_progs[MAX_HOOKS] = {}, *tp_progs[MAX_HOOKS] = {};
	const char *tp_names[MAX_HOOKS] = {};
	struct bpf_link *links[MAX_HOOKS];
	int i, nr_btf = 0, nr_tp = 0, nr_links = 0, used_btf = 0, used_tp = 0;
	bool perf = false;
	struct bpf_object *obj;

	if (argc < 3)
		return die("usage", "floor OBJ btf:NAME|tp:CAT/NAME|perf:faults...");
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		return die(argv[1], strerror(errno));
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
	for (i = 2; i < argc; i++) {
		const char *hook = argv[i];

		if (!strncmp(hook, "btf:", 4)) {
			prog = next_prog(obj, "btf", &used_btf);
			if (!prog || bpf_program__set_attach_target(prog, 0, hook + 4))
				return die(hook, "no free program or unknown target");
			btf_progs[nr_btf++] = prog;
		} else if (!strncmp(hook, "tp:", 3) && strchr(hook, '/')) {
			prog = next_prog(obj, "tp", &used_tp);
			if (!prog)
				return die(hook, "no free program");
			tp_names[nr_tp] = hook + 3;
			tp_progs[nr_tp++] = prog;
		} else if (!strcmp(hook, "perf:faults")) {
			perf = true;
			prog = bpf_object__find_program_by_name(obj, "perf0");
		} else {
			return die(hook, "unknown hook kind");
		}
		bpf_program__set_autoload(prog, true);
	}
	if (bpf_object__load(obj))
		return die("load", strerror(errno));
	for (i = 0; i < nr_btf; i++) {
		links[nr_links] = bpf_program__attach(btf_progs[i]);
		if (!links[nr_links++])
			return die("attach tp_btf", strerror(errno));
	}
	for (i = 0; i < nr_tp; i++) {
		char cat[64];
		const char *slash = strchr(tp_names[i], '/');

		snprintf(cat, sizeof(cat), "%.*s", (int)(slash - tp_names[i]),
			 tp_names[i]);
		links[nr_links] = bpf_program__attach_tracepoint(tp_progs[i],
								 cat, slash + 1);
		if (!links[nr_links++])
			return die(tp_names[i], strerror(errno));
	}
	if (perf && attach_perf(bpf_object__find_program_by_name(obj, "perf0"),
				links, &nr_links))
		return die("attach perf_event", strerror(errno));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	for (i = 0; i < nr_links; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
	return 0;
}
