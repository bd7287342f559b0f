/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands: one file each (cmd_*.c), listed in cmdlist.h.  Each file
 * owns its entry point and its descriptor, bpftool style: name, help,
 * the options it takes, whether it needs privileges.
 */
#ifndef PT_COMMANDS_H
#define PT_COMMANDS_H

#include <signal.h>
#include <stdbool.h>

#include "cmdlist.h"
#include "opts.h"

struct pt_command {
	const char *name;
	/* Runs the command; returns the process exit status. */
	int (*run)(const struct pt_opts *o);
	/* Its lines in the command list of `perftop --help`. */
	const char *overview;
	/* `perftop NAME --help`: usage line(s), then what it does. */
	const char *usage;
	/* Long names of the options it takes, space-separated ("duration
	 * interval verbose"); the options themselves are in opts.c. */
	const char *options;
	/* It needs one positional argument (o->file): what it is, as the
	 * error for a missing one says it ("a trace FILE: perftop replay
	 * FILE"); NULL: it takes none. */
	const char *operand;
	/* Loads BPF programs: root, or CAP_BPF + CAP_PERFMON. */
	bool needs_privileges;
	/* Monitoring-plugin exit statuses 0-3: a usage error is 3 (UNKNOWN). */
	bool monitoring;
	/* Rules between its options after parsing (defaults that depend on
	 * the command); 0, or a usage error already printed. */
	int (*check)(struct pt_opts *o);
};

#define PT_DECLARE_COMMAND(ID, name) \
	int pt_cmd_##name(const struct pt_opts *o); \
	extern const struct pt_command pt_command_##name;
PT_COMMANDS(PT_DECLARE_COMMAND)
#undef PT_DECLARE_COMMAND

/* Indexed by enum pt_cmd. */
extern const struct pt_command *const pt_commands[PT_NR_CMDS];

/* Set by SIGINT/SIGTERM once pt_install_stop_signals() ran. */
extern volatile sig_atomic_t pt_stop;
extern volatile sig_atomic_t pt_stop_signal;
void pt_install_stop_signals(void);
/* Daemons (serve): SIGHUP sets pt_reload instead of stopping. */
extern volatile sig_atomic_t pt_reload;
void pt_install_reload_signal(void);

#endif /* PT_COMMANDS_H */
