// SPDX-License-Identifier: GPL-2.0
/* perftop: parse the command line, run one command (the command table is
 * in commands/cmdlist.h). */

#include "commands.h"
#include "opts.h"

int main(int argc, char **argv)
{
	struct pt_opts o;
	bool done;
	int st;

	st = pt_opts_parse(argc, argv, &o, &done);
	if (done)
		return st;
	return pt_commands[o.cmd]->run(&o);
}
