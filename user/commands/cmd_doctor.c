// SPDX-License-Identifier: GPL-2.0
/*
 * perftop doctor: really loads and attaches each requested family, the same
 * way every other command does, and says what worked or exactly why not.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collector.h"
#include "commands.h"
#include "util.h"

static bool check_family(enum pt_family_id id, bool privileged,
			 bool tcp_owner_thread)
{
	const char *name = pt_family_name(id);
	struct pt_family_check chk;
	char *line, *save = NULL;

	if (!privileged) {
		printf("  %-6s %-11s cannot load: insufficient privileges: %s\n",
		       name, "-", PT_PRIV_HINT);
		return false;
	}
	if (pt_family_check(id, tcp_owner_thread, &chk)) {
		printf("  %-6s %-11s %s\n", name, "-", chk.error);
		return false;
	}
	printf("  %-6s %-11s ok: %s%sreads %s\n", name, chk.attach, chk.hooks,
	       chk.hooks[0] ? "; " : "", chk.reads);
	for (line = strtok_r(chk.lacking, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("  %-6s %-11s lacks %s\n", "", "", line);
	return true;
}

int pt_cmd_doctor(const struct pt_opts *o)
{
	bool privileged = pt_have_bpf_privileges(), all_ok = true, any_ok = false;
	unsigned long pidns = 0;
	int id, priv_ns = pt_pid_ns_private(&pidns);
	struct utsname u;

	pt_libbpf_setup(o->verbose);
	uname(&u);
	printf("perftop doctor\n");
	printf("  kernel      %s %s\n", u.release, u.machine);
	printf("  BTF         %s\n", pt_have_vmlinux_btf() ?
	       "/sys/kernel/btf/vmlinux" :
	       "MISSING: needs a kernel with CONFIG_DEBUG_INFO_BTF=y");
	printf("  privileges  %s\n", privileged ? (geteuid() == 0 ? "root" :
	       "CAP_BPF + CAP_PERFMON") : "insufficient: " PT_PRIV_HINT);
	if (priv_ns == 1)
		printf("  PID ns      pid:[%lu], not the host's: /proc and the task iterators see only its tasks; perftop refuses to run here: %s\n",
		       pidns, PT_PIDNS_HINT);
	else
		printf("  PID ns      %s\n", priv_ns ? "unknown: cannot read /proc/self/ns/pid" :
		       "the host's");
	printf("probe families:\n");
	for (id = 0; id < PT_NR_FAMILIES; id++) {
		bool ok;

		if (!(o->probes & (1u << id)))
			continue;
		if (priv_ns == 1) {
			printf("  %-6s %-11s not tried: PID namespace (above)\n",
			       pt_family_name((enum pt_family_id)id), "-");
			ok = false;
		} else {
			ok = check_family((enum pt_family_id)id, privileged,
					  o->tcp_owner_thread);
		}
		all_ok &= ok;
		any_ok |= ok;
	}
	if (!any_ok)
		printf("no requested family can run: perftop cannot measure here\n");
	else if (!all_ok)
		printf("not every requested family can run; perftop will run the others\n");
	return all_ok ? PT_EXIT_OK : PT_EXIT_FAIL;
}

const struct pt_command pt_command_doctor = {
	.name = "doctor",
	.run = pt_cmd_doctor,
	.overview =
"  doctor               per probe family: the attach point this kernel and\n"
"                       these privileges allow, or why none works\n",
	.usage =
"Usage: perftop doctor [--probes LIST] [-v]\n"
"\n"
"Loads and attaches each probe family exactly as the other commands would,\n"
"and says which attach point works, or why none does (privileges, BTF,\n"
"missing tracepoints).  Exits 0 only when every requested family can run.\n",
	.options = "probes tcp-owner verbose",
};
