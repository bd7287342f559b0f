// SPDX-License-Identifier: GPL-2.0
/* TEMPORARY: commands still being built this session; removed when each
 * command lands in its own file. */
#include "commands.h"
#include "util.h"

static int pending(const char *what)
{
	pt_err("'%s' is not available in this build yet: use perftop record", what);
	return PT_EXIT_FAIL;
}

int pt_cmd_scan(const struct pt_opts *o) { (void)o; return pending("scan"); }
int pt_cmd_report(const struct pt_opts *o) { (void)o; return pending("report"); }
