// SPDX-License-Identifier: GPL-2.0
/*
 * Container identity from a cgroup path.  The shapes, by runtime and cgroup
 * driver (v1 paths are the same under each controller's mount):
 *
 *   docker     cgroupfs  /docker/<id>
 *              systemd   /system.slice/docker-<id>.scope
 *   containerd cgroupfs  /kubepods/burstable/pod<uid>/<id>, /default/<id>
 *              systemd   /kubepods.slice/kubepods-burstable.slice/
 *                        kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope
 *   CRI-O      cgroupfs  /kubepods/pod<uid>/crio-<id>
 *              systemd   .../kubepods-pod<uid_>.slice/crio-<id>.scope
 *                        (crio-conmon-<id>.scope: the monitor, not the container)
 *   podman     systemd   /machine.slice/libpod-<id>.scope, rootless under
 *                        /user.slice/user-1000.slice/user@1000.service/...
 *              cgroupfs  /libpod_parent/libpod-<id>
 *   lxc                  /lxc/<name>, /lxc.payload.<name>
 *   systemd              /system.slice/nginx.service, .../session-3.scope
 *
 * <id> is 64 hex digits; the systemd driver writes the pod uid with '_' for
 * '-' (a '-' would nest slices).  A container may create cgroups below its
 * own (/docker/<id>/init.scope): the innermost container wins, the pod is
 * taken from anywhere above it.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "util.h"

/* Length of the run of hex digits at s (stops at n). */
static size_t hex_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && isxdigit((unsigned char)s[i]))
		i++;
	return i;
}

/* Is [s, s+n) exactly a 64-hex-digit container id? */
static bool is_id(const char *s, size_t n)
{
	return n == 64 && hex_run(s, n) == 64;
}

static bool has_prefix(const char *s, size_t n, const char *pfx, size_t *plen)
{
	*plen = strlen(pfx);
	return n > *plen && !strncmp(s, pfx, *plen);
}

static void set_id(struct pt_container *c, const char *runtime,
		   const char *id, size_t n)
{
	pt_strlcpy(c->runtime, runtime, sizeof(c->runtime));
	if (n >= sizeof(c->id))
		n = sizeof(c->id) - 1;
	memcpy(c->id, id, n);
	c->id[n] = '\0';
}

/* "pod<uid>" or "<...>-pod<uid_>.slice": the uid with dashes. */
static bool parse_pod(const char *s, size_t n, struct pt_container *c)
{
	const char *p = NULL;
	size_t i, len;

	if (n > 3 && !strncmp(s, "pod", 3))
		p = s + 3;
	for (i = 0; !p && i + 4 < n; i++)
		if (!strncmp(s + i, "-pod", 4))
			p = s + i + 4;
	if (!p)
		return false;
	len = (size_t)(s + n - p);
	if (len > 6 && !strncmp(p + len - 6, ".slice", 6))
		len -= 6;
	if (len != 36)		/* 8-4-4-4-12 */
		return false;
	for (i = 0; i < len; i++) {
		char ch = p[i] == '_' ? '-' : p[i];

		if (ch != '-' && !isxdigit((unsigned char)ch))
			return false;
		c->pod_uid[i] = (char)tolower((unsigned char)ch);
	}
	c->pod_uid[len] = '\0';
	return true;
}

static void parse_qos(const char *s, size_t n, struct pt_container *c)
{
	static const char *const classes[] = { "burstable", "besteffort",
					       "guaranteed" };
	size_t i;

	for (i = 0; i < PT_ARRAY_SIZE(classes); i++) {
		size_t k = strlen(classes[i]);

		/* "burstable" or "kubepods-burstable.slice" */
		if ((n == k && !strncmp(s, classes[i], k)) ||
		    (n == k + 15 && !strncmp(s, "kubepods-", 9) &&
		     !strncmp(s + 9, classes[i], k) &&
		     !strncmp(s + 9 + k, ".slice", 6)))
			pt_strlcpy(c->qos, classes[i], sizeof(c->qos));
	}
}

/* One path component [s, s+n); prev is the component before it. */
static void parse_component(const char *s, size_t n, const char *prev,
			    size_t prevn, struct pt_container *c)
{
	static const struct { const char *pfx, *runtime; } scopes[] = {
		{ .pfx = "docker-", .runtime = "docker" },
		{ .pfx = "cri-containerd-", .runtime = "containerd" },
		{ .pfx = "crio-", .runtime = "cri-o" },
		{ .pfx = "libpod-", .runtime = "podman" },
		{ .pfx = "nerdctl-", .runtime = "containerd" },
	};
	size_t i, k, body = n;

	if (parse_pod(s, n, c)) {
		if (!c->qos[0])
			pt_strlcpy(c->qos, "guaranteed", sizeof(c->qos));
		return;
	}
	parse_qos(s, n, c);
	if (n > 6 && !strncmp(s + n - 6, ".scope", 6))
		body = n - 6;
	for (i = 0; i < PT_ARRAY_SIZE(scopes); i++)
		if (has_prefix(s, body, scopes[i].pfx, &k) &&
		    is_id(s + k, body - k)) {
			set_id(c, scopes[i].runtime, s + k, body - k);
			c->unit[0] = '\0';
			return;
		}
	/* libpod_parent/libpod-<id> without .scope is covered above; conmon
	 * scopes (crio-conmon-<id>, libpod-conmon-<id>) are not the
	 * container: leave them to the unit rule below. */
	if (is_id(s, n)) {
		/* bare id: docker's cgroupfs driver (/docker/<id>), or
		 * containerd/CRI under a pod or a containerd namespace */
		const char *rt = prevn == 6 && !strncmp(prev, "docker", 6) ?
					 "docker" : "containerd";

		set_id(c, rt, s, n);
		c->unit[0] = '\0';
		return;
	}
	if (prevn == 3 && !strncmp(prev, "lxc", 3)) {
		set_id(c, "lxc", s, n);
		return;
	}
	if (has_prefix(s, n, "lxc.payload.", &k)) {
		set_id(c, "lxc", s + k, n - k);
		return;
	}
	/* systemd leaf units: services and scopes (slices only group) */
	if ((n > 8 && !strncmp(s + n - 8, ".service", 8)) ||
	    (n > 6 && !strncmp(s + n - 6, ".scope", 6))) {
		if (n >= sizeof(c->unit))
			n = sizeof(c->unit) - 1;
		memcpy(c->unit, s, n);
		c->unit[n] = '\0';
	}
}

int pt_container_parse(const char *path, struct pt_container *c)
{
	const char *s = path, *prev = "";
	size_t prevn = 0;

	memset(c, 0, sizeof(*c));
	while (*s) {
		size_t n;

		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if (!n)
			break;
		parse_component(s, n, prev, prevn, c);
		prev = s;
		prevn = n;
		s += n;
	}
	/* inside a container, its own sub-cgroups (init.scope...) are not
	 * units of the host */
	if (c->id[0])
		c->unit[0] = '\0';
	if (c->pod_uid[0] && !c->runtime[0])
		pt_strlcpy(c->runtime, "kubernetes", sizeof(c->runtime));
	if (!c->runtime[0] && c->unit[0])
		pt_strlcpy(c->runtime, "systemd", sizeof(c->runtime));
	return c->id[0] || c->pod_uid[0];
}

void pt_container_label(const struct pt_container *c, const char *path,
			char *buf, size_t len)
{
	if (c->pod[0] && c->name[0])
		snprintf(buf, len, "k8s:%s/%s/%s", c->ns, c->pod, c->name);
	else if (c->pod[0])
		snprintf(buf, len, "k8s:%s/%s", c->ns, c->pod);
	else if (c->name[0])
		snprintf(buf, len, "%s:%s", c->runtime, c->name);
	else if (c->id[0] && strcmp(c->runtime, "lxc"))
		snprintf(buf, len, "%s:%.12s", c->runtime, c->id);
	else if (c->id[0])
		snprintf(buf, len, "lxc:%s", c->id);
	else if (c->pod_uid[0])
		snprintf(buf, len, "pod:%.8s", c->pod_uid);
	else if (c->unit[0])
		snprintf(buf, len, "%s", c->unit);
	else
		snprintf(buf, len, "%s", path);
}

void pt_cgroup_label(const char *path, char *buf, size_t len)
{
	struct pt_container c;

	pt_container_parse(path, &c);
	pt_container_label(&c, path, buf, len);
}
