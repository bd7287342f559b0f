// SPDX-License-Identifier: GPL-2.0
/*
 * Page-fault workload for perftop's tests and measurements.
 *
 *   faulter anon MB          touch every page of a fresh MB-sized anonymous
 *                            mapping, unmap, repeat: minor faults only
 *   faulter file PATH        map PATH, drop it from the page cache
 *                            (POSIX_FADV_DONTNEED), read one byte per page
 *                            in random-access mode, repeat: major faults
 *   faulter populate MB      mmap(MAP_POPULATE) MB and unmap, repeat: minor
 *                            faults taken by the kernel on our behalf (GUP)
 *   faulter fork MB          fork a child that touches MB of anonymous
 *                            memory and exits, reap it, repeat: short-lived
 *                            processes, counted in our cminflt (field 11)
 *
 * Runs until killed.  Prints "ready" on stdout once the first pass is done.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long sink;

static int anon_pass(size_t len, long page)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (p == MAP_FAILED)
		return -1;
	for (off = 0; off < len; off += page)
		p[off] = 1;
	return munmap(p, len);
}

static int populate_pass(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	return munmap(p, len);
}

static int fork_pass(size_t len, long page)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return -1;
	if (child == 0)
		_exit(anon_pass(len, page) ? 1 : 0);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

static int file_pass(int fd, size_t len, long page)
{
	char *p;
	size_t off;

	/* Clean pages only (we never write), so DONTNEED really drops them. */
	if (posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		return -1;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	/* No readahead: one major fault per page. */
	madvise(p, len, MADV_RANDOM);
	for (off = 0; off < len; off += page)
		sink += (unsigned char)p[off];
	return munmap(p, len);
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	size_t len;
	int fd = -1, first = 1, err;

	if (argc != 3) {
		fprintf(stderr, "usage: faulter anon|populate|fork MB | faulter file PATH\n");
		return 2;
	}
	/* One fault per base page, by construction: with transparent huge
	 * pages "always" (Debian's kernels) one fault maps 2 MiB, and the
	 * counts the tests need would be 512 times smaller.  Inherited by
	 * the fork workload's children. */
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)) {
		perror("prctl(PR_SET_THP_DISABLE)");
		return 1;
	}
	if (!strcmp(argv[1], "file")) {
		fd = open(argv[2], O_RDONLY);
		if (fd < 0 || fstat(fd, &st) || !st.st_size) {
			perror(argv[2]);
			return 1;
		}
		len = (size_t)st.st_size;
	} else {
		len = (size_t)atol(argv[2]) << 20;
	}
	for (;;) {
		if (fd >= 0)
			err = file_pass(fd, len, page);
		else if (!strcmp(argv[1], "anon"))
			err = anon_pass(len, page);
		else if (!strcmp(argv[1], "fork"))
			err = fork_pass(len, page);
		else
			err = populate_pass(len);
		if (err) {
			perror("faulter");
			return 1;
		}
		if (first) {
			first = 0;
			printf("ready\n");
			fflush(stdout);
		}
	}
}
