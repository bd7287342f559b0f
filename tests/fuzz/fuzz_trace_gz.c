// SPDX-License-Identifier: GPL-2.0
/*
 * Trace reader, gzip path: the input is the decompressed text; it is
 * compressed the way the writer does it (a sync flush per line) and then
 * cut at a point taken from the input's last byte, so truncated streams
 * (SIGKILL, full disk) are explored on meaningful content.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pt_fuzz_quiet();
	return 0;
}

static void gz_lines(int fd, const uint8_t *data, size_t size)
{
	gzFile gz = gzdopen(dup(fd), "wb1");
	const uint8_t *p = data, *end = data + size, *nl;

	if (!gz)
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		gzwrite(gz, p, (unsigned int)(nl - p));
		gzflush(gz, Z_SYNC_FLUSH);
		p = nl;
	}
	gzclose(gz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_recording rec;
	uint8_t cut = size ? data[size - 1] : 0;
	int fd = memfd_create("fuzz.gz", MFD_CLOEXEC);
	off_t len;

	if (fd < 0)
		abort();
	gz_lines(fd, data, size ? size - 1 : 0);
	len = lseek(fd, 0, SEEK_END);
	/* cut & 0x80: drop (cut & 0x7f) bytes off the end (trailer, data) */
	if ((cut & 0x80) && ftruncate(fd, len > (cut & 0x7f) ? len - (cut & 0x7f) : 0))
		abort();
	lseek(fd, 0, SEEK_SET);
	if (pt_recording_load_fd(fd, "fuzz.gz", &rec) == 0)
		pt_recording_free(&rec);
	return 0;
}
