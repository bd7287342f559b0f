/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-cgroup limits and stall counters (docs/cgroups.md): for every cgroup
 * with tasks in a snapshot, and every ancestor of one that sets a limit,
 * read its files once per interval and append a pt_cgroup record.
 */
#ifndef PT_CGROUP_H
#define PT_CGROUP_H

#include <stdint.h>

#include "container.h"
#include "model.h"

struct pt_cgroups;

struct pt_cgroups *pt_cgroups_new(void);
void pt_cgroups_free(struct pt_cgroups *c);

/* Fill s->cgroups for the cgroups of s's task records (and OOM victims),
 * as deltas since the previous call.  A cgroup seen for the first time
 * gets its baseline now (record marked `first`); one no longer in view is
 * still read for a few intervals (an OOM-killed workload's cgroup), then
 * forgotten.  -ENOMEM only. */
/*
 * A cgroup's I/O limits in words, appended to out (", " between): per
 * device "sda write 1 MiB/s", "sda read 100 IO/s".  From cgroup2's io.max
 * ("8:0 rbps=1048576 wbps=max riops=max wiops=max" per device), or from
 * one of v1's blkio.throttle.{read,write}_{bps,iops}_device files
 * ("8:0 1048576" per device) with what it limits: write and iops.
 */
void pt_io_limit_v2(const char *iomax, char *out, size_t len);
void pt_io_limit_v1(const char *text, bool write, bool iops, char *out,
		    size_t len);

/* Read every existing cgroup once, so the first interval has deltas. */
void pt_cgroups_baseline(struct pt_cgroups *c);
int pt_cgroups_collect(struct pt_cgroups *c, struct pt_snapshot *s);

/* Names from the node's own files, no API server: the Kubernetes pod and
 * namespace from the kubelet's log directories under `logroot` (normally
 * /var/log: containers/<pod>_<ns>_<ctr>-<id>.log, pods/<ns>_<pod>_<uid>/),
 * the docker container name from `dockerroot`/containers/<id>/
 * config.v2.json (normally /var/lib/docker).  Fills what it finds. */
void pt_container_names(struct pt_container *ctr, const char *logroot,
			const char *dockerroot);

#endif /* PT_CGROUP_H */
