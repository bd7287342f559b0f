// SPDX-License-Identifier: GPL-2.0
/* perftop: parse the command line, run one command. */

#include "commands.h"
#include "opts.h"
#include "util.h"

int main(int argc, char **argv)
{
	struct pt_opts o;
	bool done;
	int st;

	st = pt_opts_parse(argc, argv, &o, &done);
	if (done)
		return st;
	switch (o.cmd) {
	case PT_CMD_TOP:
		return pt_cmd_top(&o);
	case PT_CMD_RECORD:
		return pt_cmd_record(&o);
	case PT_CMD_SCAN:
		return pt_cmd_scan(&o);
	case PT_CMD_REPLAY:
		return pt_cmd_replay(&o);
	case PT_CMD_REPORT:
		return pt_cmd_report(&o);
	case PT_CMD_DOCTOR:
		return pt_cmd_doctor(&o);
	default:
		return PT_EXIT_USAGE;
	}
}
