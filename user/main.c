// SPDX-License-Identifier: GPL-2.0
/* perftop: parse the command line, run one command (the command table is
 * in commands/cmdlist.h). */

#include <malloc.h>

#include "commands.h"
#include "opts.h"

int main(int argc, char **argv)
{
	struct pt_opts o;
	bool done;
	int st;

	/*
	 * A fixed mmap threshold: glibc's moves up to the size of each
	 * mmapped block freed (up to 32 MiB), after which the per-interval
	 * arrays (threads, connections, culprits: megabytes each at 10,000
	 * threads) live in the brk heap, where each doubling copies and
	 * leaves the old block resident.  At 10,000 threads and 10,000
	 * connections that was 61-67 MiB of peak RSS against 50 MiB with
	 * it fixed (mapped blocks grow by mremap and go back when freed).
	 */
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
	st = pt_opts_parse(argc, argv, &o, &done);
	if (done)
		return st;
	return pt_commands[o.cmd]->run(&o);
}
