/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The command table: every command, in the order `perftop --help` lists
 * them.  Adding a command is one file, cmd_NAME.c, defining its entry
 * point pt_cmd_NAME() and its descriptor pt_command_NAME (help text,
 * options, privileges: struct pt_command in commands.h), and one line
 * here.  docs/design.md, "Adding a command", has an example.
 */
#ifndef PT_CMDLIST_H
#define PT_CMDLIST_H

#define PT_COMMANDS(X) \
	X(TOP, top) \
	X(RECORD, record) \
	X(SCAN, scan) \
	X(REPLAY, replay) \
	X(REPORT, report) \
	X(DOCTOR, doctor) \
	X(SERVE, serve)

#endif /* PT_CMDLIST_H */
