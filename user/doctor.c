// SPDX-License-Identifier: GPL-2.0
/*
 * perftop doctor: really loads and attaches each requested family, the same
 * way every other command does, and says what worked or exactly why not.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "commands.h"
#include "util.h"

static const char *const family_hooks[PT_NR_FAMILIES] = {
	[PT_SCHED] = "sched_switch (reads the kernel's sched_info timestamps), iter/task, sched_process_exit",
	[PT_FAULT] = "task min_flt/maj_flt via iter/task, sched_process_exit",
	[PT_BLOCK] = "block_rq_insert/issue/requeue/merge/complete, block_io_start (6.5+)",
	[PT_TCP] = "inet_sock_set_state, tcp_probe, tcp_retransmit_skb, tcp resets, sock_send/recv_length; tcp_sock counters",
};

static bool check_family(enum pt_family_id id, const struct pt_filter *flt,
			 bool privileged)
{
	const char *name = pt_family_name(id);
	struct ring_buffer *rb = NULL;
	struct pt_family *f;

	if (!privileged) {
		printf("  %-6s %-11s cannot load: insufficient privileges: %s\n",
		       name, "-", PT_PRIV_HINT);
		return false;
	}
	f = pt_family_lookup(id);
	if (!f) {
		printf("  %-6s %-11s not built into this perftop\n", name, "-");
		return false;
	}
	f->attach = PT_ATTACH_NONE;
	f->error[0] = '\0';
	if (f->start(f, flt, &rb)) {
		printf("  %-6s %-11s FAILED: %s\n", name, "-", f->error);
		return false;
	}
	printf("  %-6s %-11s ok (%s)\n", name, pt_attach_name(f->attach),
	       family_hooks[id]);
	if (rb)
		ring_buffer__free(rb);
	f->stop(f);
	return true;
}

int pt_cmd_doctor(const struct pt_opts *o)
{
	bool privileged = pt_have_bpf_privileges(), all_ok = true, any_ok = false;
	struct pt_filter flt = { 0 };
	struct utsname u;
	int id, ncpu;

	pt_libbpf_setup(o->verbose);
	uname(&u);
	printf("perftop doctor\n");
	printf("  kernel      %s %s\n", u.release, u.machine);
	printf("  BTF         %s\n", pt_have_vmlinux_btf() ?
	       "/sys/kernel/btf/vmlinux" :
	       "MISSING: needs a kernel with CONFIG_DEBUG_INFO_BTF=y");
	printf("  privileges  %s\n", privileged ? (geteuid() == 0 ? "root" :
	       "CAP_BPF + CAP_PERFMON") : "insufficient: " PT_PRIV_HINT);
	ncpu = libbpf_num_possible_cpus();
	flt.nr_cpus = ncpu > 0 ? (unsigned int)ncpu : 1;
	printf("probe families:\n");
	for (id = 0; id < PT_NR_FAMILIES; id++) {
		bool ok;

		if (!(o->probes & (1u << id)))
			continue;
		ok = check_family((enum pt_family_id)id, &flt, privileged);
		all_ok &= ok;
		any_ok |= ok;
	}
	if (!any_ok)
		printf("no requested family can run: perftop cannot measure here\n");
	else if (!all_ok)
		printf("not every requested family can run; perftop will run the others\n");
	return all_ok ? PT_EXIT_OK : PT_EXIT_FAIL;
}
