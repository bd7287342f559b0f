/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the libFuzzer targets: silence perftop's own error lines (the
 * sanitizers write their reports with write(2), so they still show). */
#ifndef PT_FUZZ_COMMON_H
#define PT_FUZZ_COMMON_H

#include <stdio.h>

static inline void pt_fuzz_quiet(void)
{
	FILE *null = fopen("/dev/null", "w");

	if (null)
		stderr = null;
}

#endif /* PT_FUZZ_COMMON_H */
