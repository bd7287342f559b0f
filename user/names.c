// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "model.h"
#include "names.h"
#include "util.h"

/* ---- cgroup2 ---- */

static char cg2_mount[256];
static bool cg2_probed;

const char *pt_cgroup2_mount(void)
{
	char line[1024];
	FILE *f;

	if (cg2_probed)
		return cg2_mount[0] ? cg2_mount : NULL;
	cg2_probed = true;
	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char dev[64], dir[256], type[64];

		if (sscanf(line, "%63s %255s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			pt_strlcpy(cg2_mount, dir, sizeof(cg2_mount));
			break;
		}
	}
	fclose(f);
	return cg2_mount[0] ? cg2_mount : NULL;
}

int pt_cgroup_resolve(const char *path, uint64_t *id, uint32_t *level,
		      char *err, size_t errlen)
{
	const char *mnt = pt_cgroup2_mount();
	char full[PATH_MAX];
	const char *rel, *p;
	struct stat st;

	if (!mnt) {
		snprintf(err, errlen, "no cgroup2 filesystem is mounted: mount one (mount -t cgroup2 none /sys/fs/cgroup) or drop --cgroup");
		return -ENOENT;
	}
	if (!strncmp(path, mnt, strlen(mnt)) &&
	    (path[strlen(mnt)] == '/' || !path[strlen(mnt)]))
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", mnt,
			 path[0] == '/' ? path + 1 : path);
	if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cgroup '%s' not found at %s: give a path under the cgroup2 mount %s",
			 path, full, mnt);
		return -ENOENT;
	}
	*id = st.st_ino;
	*level = 0;
	rel = full + strlen(mnt);
	for (p = rel; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			(*level)++;
	return 0;
}

/* Open-addressing table id -> path; rebuilt from a walk of the mount. */
struct cg_entry {
	uint64_t id;
	char *path;
};

static struct cg_entry *cg_tab;
static size_t cg_cap, cg_used;
static bool cg_walked_this_tick;

static void cg_insert(uint64_t id, const char *path)
{
	size_t i;

	if ((cg_used + 1) * 2 > cg_cap) {
		struct cg_entry *old = cg_tab;
		size_t old_cap = cg_cap, j;

		cg_cap = cg_cap ? cg_cap * 2 : 256;
		cg_tab = calloc(cg_cap, sizeof(*cg_tab));
		if (!cg_tab) {
			cg_tab = old;
			cg_cap = old_cap;
			return;
		}
		cg_used = 0;
		for (j = 0; j < old_cap; j++)
			if (old[j].path) {
				for (i = old[j].id % cg_cap; cg_tab[i].path;
				     i = (i + 1) % cg_cap)
					;
				cg_tab[i] = old[j];
				cg_used++;
			}
		free(old);
	}
	for (i = id % cg_cap; cg_tab[i].path; i = (i + 1) % cg_cap)
		if (cg_tab[i].id == id)
			return;
	cg_tab[i].id = id;
	cg_tab[i].path = strdup(path);
	if (cg_tab[i].path)
		cg_used++;
}

static int cg_walk_cb(const char *fpath, const struct stat *sb, int type,
		      struct FTW *ftw)
{
	const char *rel = fpath + strlen(cg2_mount);

	(void)ftw;
	if (type == FTW_D)
		cg_insert(sb->st_ino, *rel ? rel : "/");
	return FTW_CONTINUE;
}

static const char *cg_find(uint64_t id)
{
	size_t i;

	if (!cg_cap)
		return NULL;
	for (i = id % cg_cap; cg_tab[i].path; i = (i + 1) % cg_cap)
		if (cg_tab[i].id == id)
			return cg_tab[i].path;
	return NULL;
}

const char *pt_cgroup_path(uint64_t id)
{
	const char *p = cg_find(id);

	if (p)
		return p;
	if (!cg_walked_this_tick && pt_cgroup2_mount()) {
		cg_walked_this_tick = true;
		nftw(cg2_mount, cg_walk_cb, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
		p = cg_find(id);
	}
	return p ? p : "?";
}

/* ---- block devices ---- */

struct dev_entry {
	uint32_t major, minor;
	char name[PT_DEV_MAX];
};

static struct dev_entry devs[256];
static size_t nr_devs;

const char *pt_blockdev_name(uint32_t major, uint32_t minor)
{
	char path[64], buf[512], *p;
	struct dev_entry *d;
	size_t i;

	for (i = 0; i < nr_devs; i++)
		if (devs[i].major == major && devs[i].minor == minor)
			return devs[i].name;
	d = nr_devs < PT_ARRAY_SIZE(devs) ? &devs[nr_devs++] : &devs[0];
	d->major = major;
	d->minor = minor;
	snprintf(d->name, sizeof(d->name), "%u:%u", major, minor);
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major, minor);
	if (pt_read_file(path, buf, sizeof(buf)) > 0 &&
	    (p = strstr(buf, "DEVNAME=")) != NULL) {
		p += strlen("DEVNAME=");
		p[strcspn(p, "\n")] = '\0';
		pt_strlcpy(d->name, p, sizeof(d->name));
	}
	return d->name;
}

void pt_names_tick(void)
{
	cg_walked_this_tick = false;
}
