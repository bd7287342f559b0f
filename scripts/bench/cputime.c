// SPDX-License-Identifier: GPL-2.0
/*
 * cputime: run a command, then write "WALL_S CPU_S" to FILE: its wall time
 * and the user+system CPU time of it and its waited-for children (wait4
 * rusage, which the kernel derives from precise per-task runtime).  Part of
 * scripts/bench.sh: on a shared machine the workload's own CPU time moves
 * much less with other load than its wall time does.
 *
 *   cputime FILE CMD [ARG...]
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: cputime FILE CMD [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("cputime: exec");
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("cputime");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	f = fopen(argv[1], "w");
	if (!f) {
		perror("cputime: output");
		return 1;
	}
	fprintf(f, "%.6f %.6f\n", (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		tv_s(ru.ru_utime) + tv_s(ru.ru_stime));
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
