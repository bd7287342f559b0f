// SPDX-License-Identifier: GPL-2.0
/*
 * faulter: the page-fault-heavy workload of scripts/bench.sh.  Maps anonymous
 * memory, writes one byte per page (one minor fault each), unmaps, repeats.
 * Prints "faults=N ns=T" (faults from getrusage, so the kernel's own count).
 *
 *   faulter MIB ROUNDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

int main(int argc, char **argv)
{
	size_t len, off, page = (size_t)sysconf(_SC_PAGESIZE);
	long rounds, r, f0;
	long long t0;

	if (argc != 3) {
		fprintf(stderr, "usage: faulter MIB ROUNDS\n");
		return 2;
	}
	len = strtoul(argv[1], NULL, 0) << 20;
	rounds = strtol(argv[2], NULL, 0);
	f0 = minflt();
	t0 = now_ns();
	for (r = 0; r < rounds; r++) {
		volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("faulter: mmap");
			return 1;
		}
		/* Small pages only: one fault per 4 KiB, not per 2 MiB. */
		madvise((void *)p, len, MADV_NOHUGEPAGE);
		for (off = 0; off < len; off += page)
			p[off] = 1;
		munmap((void *)p, len);
	}
	printf("faults=%ld ns=%lld\n", minflt() - f0, now_ns() - t0);
	return 0;
}
