// SPDX-License-Identifier: GPL-2.0
/*
 * Container and pod names from the node's own files: what the kubelet and
 * docker leave on disk, so no API server and no runtime socket is needed.
 *  - /var/log/containers/<pod>_<namespace>_<container>-<id>.log: the
 *    kubelet's symlink per container (pod, namespace and container names
 *    are DNS labels: no '_' in them);
 *  - /var/log/pods/<namespace>_<pod>_<uid>/: the pod's log directory;
 *  - /var/lib/docker/containers/<id>/config.v2.json: "Name":"/<name>".
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"

/* <pod>_<ns>_<ctr>-<id>.log */
static void from_container_logs(struct pt_container *c, const char *logroot)
{
	char dir[512], suffix[PT_CTR_ID_MAX + 8];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/containers", logroot);
	snprintf(suffix, sizeof(suffix), "-%s.log", c->id);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name), k = strlen(suffix);
		char name[512], *a, *b;

		if (n <= k || strcmp(de->d_name + n - k, suffix))
			continue;
		pt_strlcpy(name, de->d_name, sizeof(name));
		name[n - k] = '\0';
		a = strchr(name, '_');
		b = a ? strchr(a + 1, '_') : NULL;
		if (!a || !b)
			continue;
		*a = *b = '\0';
		pt_strlcpy(c->pod, name, sizeof(c->pod));
		pt_strlcpy(c->ns, a + 1, sizeof(c->ns));
		pt_strlcpy(c->name, b + 1, sizeof(c->name));
		break;
	}
	closedir(d);
}

/* <ns>_<pod>_<uid> */
static void from_pod_logs(struct pt_container *c, const char *logroot)
{
	char dir[512], suffix[48];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/pods", logroot);
	snprintf(suffix, sizeof(suffix), "_%s", c->pod_uid);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name), k = strlen(suffix);
		char name[512], *a;

		if (n <= k || strcmp(de->d_name + n - k, suffix))
			continue;
		pt_strlcpy(name, de->d_name, sizeof(name));
		name[n - k] = '\0';
		a = strchr(name, '_');
		if (!a)
			continue;
		*a = '\0';
		pt_strlcpy(c->ns, name, sizeof(c->ns));
		pt_strlcpy(c->pod, a + 1, sizeof(c->pod));
		break;
	}
	closedir(d);
}

static void from_docker(struct pt_container *c, const char *dockerroot)
{
	char path[512], buf[8192], *p, *e;

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
		 dockerroot, c->id);
	if (pt_read_file(path, buf, sizeof(buf)) <= 0)
		return;
	p = strstr(buf, "\"Name\":\"");
	if (!p)
		return;
	p += strlen("\"Name\":\"");
	if (*p == '/')
		p++;
	e = strchr(p, '"');
	if (!e || e == p)
		return;
	*e = '\0';
	pt_strlcpy(c->name, p, sizeof(c->name));
}

void pt_container_names(struct pt_container *c, const char *logroot,
			const char *dockerroot)
{
	if (c->id[0] && strspn(c->id, "0123456789abcdef") == 64) {
		from_container_logs(c, logroot);
		if (!c->name[0] && !strcmp(c->runtime, "docker"))
			from_docker(c, dockerroot);
	}
	if (!c->pod[0] && c->pod_uid[0])
		from_pod_logs(c, logroot);
}
