/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A task's cgroup, the one way every family names it.
 *
 * On a cgroup2-only host that is the default hierarchy (css_set->dfl_cgrp).
 * On the v1/v2 hybrid layout (systemd's default before v2-only, and this
 * project's test host) the cgroup2 mount carries no controller and every
 * task sits at its root "/", so the loader picks the v1 hierarchy of the cpu
 * controller instead (memory when cpu is not mounted) and the task is named
 * by that controller's css: css_set->subsys[<ctrl>_cgrp_id]->cgroup.  The
 * subsystem index comes from the running kernel's BTF, read by userspace
 * (enum cgroup_subsys_id is config-dependent: cpu_cgrp_id is 1 on Debian's
 * 6.x kernels only because cpuset is built in).
 *
 * Either way the id is the cgroup's kernfs node id, which on 64-bit is the
 * inode number of its directory on that hierarchy's mount: userspace maps
 * ids to paths by walking that one mount (user/collection/names.c).
 */
#ifndef PT_CGROUP_BPF_H
#define PT_CGROUP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include "compat.bpf.h"

/* Set by the loader before load (PT_SKEL_SET_FILTERS): 0 names tasks by
 * cgroup2, else the v1 hierarchy of subsystem index cgroup_v1_ssid - 1
 * (enum cgroup_subsys_id, read from the kernel's BTF in userspace: no
 * CO-RE enum relocation).  Read-only, so the verifier drops the unused
 * path. */
const volatile __u32 cgroup_v1_ssid = 0;

/* Task t's cgroup on the v1 hierarchy of subsystem index ssid1 - 1 (0:
 * on cgroup2). */
static __always_inline struct cgroup *pt_task_v1_cgroup(struct task_struct *t,
							__u32 ssid1)
{
	struct css_set *cset = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = NULL;
	__u32 ssid = ssid1 - 1;

	if (!ssid1)
		return BPF_CORE_READ(cset, dfl_cgrp);
	if (!cset || ssid >= 32)
		return NULL;
	/* subsys[] indexed by a load-time constant: address it by the
	 * relocated offset of the array (a CO-RE access needs constant
	 * indices). */
	if (bpf_probe_read_kernel(&css, sizeof(css),
				  (void *)cset +
				  bpf_core_field_offset(cset->subsys) +
				  ssid * sizeof(void *)) || !css)
		return NULL;
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline struct cgroup *pt_task_cgroup(struct task_struct *t)
{
	return pt_task_v1_cgroup(t, cgroup_v1_ssid);
}

/* The task's cgroup id on the chosen hierarchy; 0 when it has none. */
static __always_inline __u64 pt_task_cgroup_id(struct task_struct *t)
{
	struct cgroup *cg = pt_task_cgroup(t);

	return cg ? BPF_CORE_READ(cg, kn, id) : 0;
}

/* Is task t inside the cgroup with this id at this depth (or below it),
 * on the same hierarchy?  v1 cgroups keep level and ancestors too. */
static __always_inline bool pt_task_in_cgroup(struct task_struct *t,
					      __u64 cgid, __u32 level)
{
	struct cgroup *cg = pt_task_cgroup(t);

	if (!cg || (__u32)BPF_CORE_READ(cg, level) < level)
		return false;
	return pt_cgroup_ancestor_id(cg, level) == cgid;
}

#endif /* PT_CGROUP_BPF_H */
