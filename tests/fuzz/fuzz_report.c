// SPDX-License-Identifier: GPL-2.0
/*
 * The whole `perftop report FILE` path over hostile traces: reader,
 * detection over the window, summary, and the text, JSON or HTML report
 * (chosen by the first byte; HTML as `--html -` to stdout), exactly as the
 * command runs it; the trace reaches it as /proc/self/fd/N of a memfd.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"
#include "fuzz_common.h"
#include "opts.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pt_fuzz_quiet();
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* as the parser leaves them: no --from/--to */
	struct pt_opts o = { .cmd = PT_CMD_REPORT, .to_ns = UINT64_MAX,
			     .base_to_ns = UINT64_MAX };
	char path[64];
	int fd, st;

	if (!size)
		return 0;
	fd = memfd_create("report", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	o.file = path;
	o.json = data[0] & 1;
	if (data[0] & 2)
		o.html = "-";
	st = pt_cmd_report(&o);
	if (st < 0 || st > 3)
		abort();	/* only the monitoring-plugin statuses */
	close(fd);
	return 0;
}
