// SPDX-License-Identifier: GPL-2.0
/* Stop signals shared by every long-running command. */
#include <signal.h>
#include <string.h>

#include "commands.h"

volatile sig_atomic_t pt_stop;
volatile sig_atomic_t pt_stop_signal;
volatile sig_atomic_t pt_reload;

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

static void on_reload(int sig)
{
	(void)sig;
	pt_reload = 1;
}

void pt_install_reload_signal(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_reload;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;	/* acted on between intervals */
	sigaction(SIGHUP, &sa, NULL);
}
