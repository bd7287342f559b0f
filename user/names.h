/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names the kernel gives us only as numbers: cgroup ids (cgroup2 inode
 * numbers) to paths, dev_t to device names.  Both are cached and looked up
 * again only when an unknown number shows up, at most once per interval.
 */
#ifndef PT_NAMES_H
#define PT_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Mount point of the cgroup2 hierarchy, or NULL when there is none. */
const char *pt_cgroup2_mount(void);

/* Resolve -c PATH (relative to the cgroup2 mount, or absolute) to the id
 * and depth the BPF filter compares; -errno with a message in err. */
int pt_cgroup_resolve(const char *path, uint64_t *id, uint32_t *level,
		      char *err, size_t errlen);

/* Path of cgroup `id` under the cgroup2 mount ("/" for the root);
 * "?" while unknown.  Never NULL. */
const char *pt_cgroup_path(uint64_t id);

/* Name of block device dev_t (kernel encoding: major << 20 | minor) as in
 * /proc/diskstats, e.g. "vda" or "loop3". */
const char *pt_blockdev_name(uint32_t major, uint32_t minor);

/* Forget the caches that allow a rescan (call once per interval). */
void pt_names_tick(void);

#endif /* PT_NAMES_H */
