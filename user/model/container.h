/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who runs in a cgroup, read from its path alone: container runtimes and
 * systemd put the container id, the pod uid or the unit name in the path
 * (docs/cgroups.md lists the shapes).  Pure string work: the kubelet's
 * files that turn a pod uid or container id into names are read by
 * user/collection/cgroup_ident.c.
 */
#ifndef PT_CONTAINER_H
#define PT_CONTAINER_H

#include <stddef.h>

#define PT_CTR_ID_MAX 65	/* 64 hex digits, NUL */
#define PT_CTR_NAME_MAX 128

struct pt_container {
	/* "docker", "containerd", "cri-o", "podman", "lxc", "systemd" ("" for
	 * a cgroup that is none of these) */
	char runtime[16];
	char id[PT_CTR_ID_MAX];		/* container id as in the path */
	char pod_uid[40];		/* Kubernetes pod uid, dashes restored */
	char qos[16];			/* "guaranteed", "burstable", "besteffort" */
	char unit[PT_CTR_NAME_MAX];	/* systemd unit: "nginx.service" */
	/* Filled by collection where the node's files say (else ""). */
	char name[PT_CTR_NAME_MAX];	/* container name */
	char pod[PT_CTR_NAME_MAX];	/* pod name */
	char ns[64];			/* pod namespace */
};

/* Parse a cgroup path (any hierarchy, v1 or v2, cgroupfs or systemd
 * driver).  Returns 1 when it found a container or a pod, 0 otherwise
 * (c->unit may still name a systemd unit). */
int pt_container_parse(const char *path, struct pt_container *c);

/*
 * Short human label for the view's CGROUP column: "docker:3f4e5a6b7c8d",
 * "k8s:ns/pod/name", "cri-o:3f4e5a6b7c8d", "nginx.service", or the path
 * itself when nothing is recognised.
 */
void pt_container_label(const struct pt_container *c, const char *path,
			char *buf, size_t len);

/* Both at once, for a path with no names from the node's files. */
void pt_cgroup_label(const char *path, char *buf, size_t len);

#endif /* PT_CONTAINER_H */
