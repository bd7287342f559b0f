/* SPDX-License-Identifier: GPL-2.0 */
/* One entry point per command; each returns the process exit status. */
#ifndef PT_COMMANDS_H
#define PT_COMMANDS_H

#include <signal.h>

#include "opts.h"

int pt_cmd_top(const struct pt_opts *o);
int pt_cmd_record(const struct pt_opts *o);
int pt_cmd_scan(const struct pt_opts *o);
int pt_cmd_replay(const struct pt_opts *o);
int pt_cmd_report(const struct pt_opts *o);
int pt_cmd_doctor(const struct pt_opts *o);

/* Set by SIGINT/SIGTERM once pt_install_stop_signals() ran. */
extern volatile sig_atomic_t pt_stop;
extern volatile sig_atomic_t pt_stop_signal;
void pt_install_stop_signals(void);

#endif /* PT_COMMANDS_H */
