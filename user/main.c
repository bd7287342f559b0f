// SPDX-License-Identifier: GPL-2.0
/* perftop: parse the command line, run one command. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "opts.h"
#include "util.h"

volatile sig_atomic_t pt_stop;
volatile sig_atomic_t pt_stop_signal;

static void on_stop(int sig)
{
	pt_stop = 1;
	pt_stop_signal = sig;
}

void pt_install_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a signal must cut short any wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* EPIPE is reported as an error */
}

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
