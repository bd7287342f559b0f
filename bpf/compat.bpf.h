/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the BPF programs care about, in one place.
 * CO-RE relocations resolve these at load time against the running kernel.
 */
#ifndef PT_COMPAT_BPF_H
#define PT_COMPAT_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/* task_struct::state was renamed __state in 5.14. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

static __always_inline long pt_task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* cgroup v2 id of a task: the kernfs node id, which is also the inode
 * number of the cgroup directory on the cgroup2 mount. */
static __always_inline __u64 pt_task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/* Before 6.1 the ancestry was an id array instead of pointers. */
struct cgroup___pre61 {
	int level;
	__u64 ancestor_ids[];
} __attribute__((preserve_access_index));

/* Is task t inside the cgroup with this id at this depth (or below it)? */
static __always_inline bool pt_task_in_cgroup(struct task_struct *t,
					      __u64 cgid, __u32 level)
{
	struct cgroup *cg = BPF_CORE_READ(t, cgroups, dfl_cgrp);
	struct cgroup *anc;

	if (!cg || (__u32)BPF_CORE_READ(cg, level) < level)
		return false;
	if (bpf_core_field_exists(cg->ancestors)) {
		if (bpf_probe_read_kernel(&anc, sizeof(anc),
					  &cg->ancestors[level & 0xff]))
			return false;
		return BPF_CORE_READ(anc, kn, id) == cgid;
	}
	return BPF_CORE_READ((struct cgroup___pre61 *)cg,
			     ancestor_ids[level & 0xff]) == cgid;
}

#endif /* PT_COMPAT_BPF_H */
