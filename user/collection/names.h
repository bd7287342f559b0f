/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names the kernel gives us only as numbers: cgroup ids (kernfs inode
 * numbers on the naming hierarchy) to paths, dev_t to device names.  Both are cached and looked up
 * again only when an unknown number shows up, at most once per interval.
 */
#ifndef PT_NAMES_H
#define PT_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Which cgroup hierarchy names tasks: the default
 * (cgroup2) one, or on the v1/v2 hybrid layout a v1 controller's. */
enum pt_cgroup_hier {
	PT_CG_HIER_DFL = 0,
	PT_CG_HIER_V1_CPU = 1,
	PT_CG_HIER_V1_MEMORY = 2,
};


/*
 * The cgroup hierarchy that names tasks (the BPF side reads the same one,
 * bpf/cgroup.bpf.h): cgroup2 when it has controllers or is alone; on the
 * v1/v2 hybrid layout the v1 cpu hierarchy (memory's without cpu).
 */
enum pt_cgroup_hier pt_cgroup_hier(void);
/* Its mount point, or NULL when no cgroup filesystem is mounted. */
const char *pt_cgroup_mount(void);
/* "v2", "v1:cpu", "v1:memory" or "none": for the header and errors. */
const char *pt_cgroup_hier_name(void);
/* Mount of a v1 controller's hierarchy ("cpu", "cpuacct", "memory",
 * "blkio"), or NULL. */
const char *pt_cgroup_v1_mount(const char *controller);

/* Path of cgroup `id` on v1 controller ctrl's mount ("/" for its root),
 * or NULL when no directory there has it (removed, or no such mount).
 * Walks that mount on each call not answered by the last few: for rare
 * events (OOM kills). */
const char *pt_cgroup_v1_path(const char *ctrl, uint64_t id);
/* Process pid's cgroup on v1 controller `ctrl` ("cpu", "memory"...), or
 * on cgroup2 when ctrl is "", from /proc/<pid>/cgroup (a zombie's too,
 * until it is reaped); false when unknown. */
bool pt_proc_cgroup(uint32_t pid, const char *ctrl, char *out, size_t len);

/* Resolve -c PATH to the id and depth the BPF filter compares.  PATH is
 * relative to the naming hierarchy's mount, or absolute on any cgroup
 * mount (the same relative path is looked up on the naming hierarchy);
 * -errno with a message in err. */
int pt_cgroup_resolve(const char *path, uint64_t *id, uint32_t *level,
		      char *err, size_t errlen);

/* Path of cgroup `id` under the naming hierarchy's mount ("/" for the
 * root); "?" while unknown.  Never NULL. */
const char *pt_cgroup_path(uint64_t id);
/* Every cgroup of the naming hierarchy (walked at most once per tick;
 * removed cgroups may linger until the table is rebuilt), by path. */
void pt_cgroup_each(void (*fn)(const char *path, void *ctx), void *ctx);

/* Name of block device dev_t (kernel encoding: major << 20 | minor) as in
 * /proc/diskstats, e.g. "vda" or "loop3". */
const char *pt_blockdev_name(uint32_t major, uint32_t minor);

/* Forget the caches that allow a rescan (call once per interval). */
void pt_names_tick(void);

#endif /* PT_NAMES_H */
