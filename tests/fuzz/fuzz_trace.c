// SPDX-License-Identifier: GPL-2.0
/*
 * Trace reader: the input is the file's bytes (plain, or gzip when it starts
 * with the gzip magic), fed through a memfd into pt_recording_load_fd() as
 * replay and report do.  Whatever loads is written back with the writer's
 * JSON functions, so both directions see hostile values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "fuzz_common.h"
#include "trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pt_fuzz_quiet();
	return 0;
}

static void write_back(const struct pt_recording *rec)
{
	size_t i;

	cJSON_Delete(pt_json_header(&rec->header));
	for (i = 0; i < rec->nr_snaps; i++) {
		cJSON *o = pt_json_snapshot(&rec->snaps[i]);
		char *s = cJSON_PrintUnformatted(o);

		cJSON_free(s);
		cJSON_Delete(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_recording rec;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	if (pt_recording_load_fd(fd, "fuzz", &rec) == 0) {
		write_back(&rec);
		pt_recording_free(&rec);
	}
	return 0;
}
