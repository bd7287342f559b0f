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
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>

#include "model.h"
#include "names.h"
#include "util.h"

/* ---- the hierarchy that names tasks ---- */

/*
 * One hierarchy names every task, the same one the BPF side reads
 * (bpf/cgroup.bpf.h): cgroup2 when it carries controllers (or is all there
 * is), else on the v1/v2 hybrid layout the v1 hierarchy of the cpu
 * controller, else memory's.  On hybrid the cgroup2 mount is empty: every
 * task sits at its root and "/" says nothing.
 */
struct cg_layout {
	bool probed;
	enum pt_cgroup_hier hier;
	char mount[256];		/* the naming hierarchy's mount */
	char v2[256], v1_cpu[256], v1_mem[256];	/* "" when absent */
	struct { char dir[256], opts[256]; } v1[16];	/* every v1 mount */
	int nr_v1;
};

static struct cg_layout cgl;

/* Does the comma-separated mount option list hold `opt` as a word? */
static bool has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = opts;

	while ((p = strstr(p, opt)) != NULL) {
		if ((p == opts || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* Are cpu or memory bound to cgroup2?  Its root's cgroup.controllers
 * lists the controllers no v1 hierarchy took: on the hybrid layout only
 * leftovers such as hugetlb, which say nothing about where tasks run. */
static bool v2_has_controllers(const char *mnt)
{
	char path[PATH_MAX], buf[256], *tok, *save;

	snprintf(path, sizeof(path), "%s/cgroup.controllers", mnt);
	if (pt_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (tok = strtok_r(buf, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, "cpu") || !strcmp(tok, "memory"))
			return true;
	return false;
}

static void cg_probe(void)
{
	char line[1024];
	FILE *f;

	if (cgl.probed)
		return;
	cgl.probed = true;
	f = fopen("/proc/self/mounts", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char dev[64], dir[256], type[64], opts[512];

		if (sscanf(line, "%63s %255s %63s %511s", dev, dir, type, opts) != 4)
			continue;
		if (!strcmp(type, "cgroup") && cgl.nr_v1 < (int)PT_ARRAY_SIZE(cgl.v1)) {
			pt_strlcpy(cgl.v1[cgl.nr_v1].dir, dir, sizeof(cgl.v1[0].dir));
			pt_strlcpy(cgl.v1[cgl.nr_v1].opts, opts, sizeof(cgl.v1[0].opts));
			cgl.nr_v1++;
		}
		if (!strcmp(type, "cgroup2") && !cgl.v2[0])
			pt_strlcpy(cgl.v2, dir, sizeof(cgl.v2));
		else if (!strcmp(type, "cgroup") && has_opt(opts, "cpu") &&
			 !cgl.v1_cpu[0])
			pt_strlcpy(cgl.v1_cpu, dir, sizeof(cgl.v1_cpu));
		else if (!strcmp(type, "cgroup") && has_opt(opts, "memory") &&
			 !cgl.v1_mem[0])
			pt_strlcpy(cgl.v1_mem, dir, sizeof(cgl.v1_mem));
	}
	if (f)
		fclose(f);
	if (cgl.v2[0] && (v2_has_controllers(cgl.v2) ||
			  (!cgl.v1_cpu[0] && !cgl.v1_mem[0]))) {
		cgl.hier = PT_CG_HIER_DFL;
		pt_strlcpy(cgl.mount, cgl.v2, sizeof(cgl.mount));
	} else if (cgl.v1_cpu[0]) {
		cgl.hier = PT_CG_HIER_V1_CPU;
		pt_strlcpy(cgl.mount, cgl.v1_cpu, sizeof(cgl.mount));
	} else if (cgl.v1_mem[0]) {
		cgl.hier = PT_CG_HIER_V1_MEMORY;
		pt_strlcpy(cgl.mount, cgl.v1_mem, sizeof(cgl.mount));
	}
}

enum pt_cgroup_hier pt_cgroup_hier(void)
{
	cg_probe();
	return cgl.hier;
}

const char *pt_cgroup_mount(void)
{
	cg_probe();
	return cgl.mount[0] ? cgl.mount : NULL;
}

const char *pt_cgroup_v1_mount(const char *controller)
{
	int i;

	cg_probe();
	for (i = 0; i < cgl.nr_v1; i++)
		if (has_opt(cgl.v1[i].opts, controller))
			return cgl.v1[i].dir;
	return NULL;
}

const char *pt_cgroup_hier_name(void)
{
	cg_probe();
	if (!cgl.mount[0])
		return "none";
	return cgl.hier == PT_CG_HIER_V1_CPU ? "v1:cpu" :
	       cgl.hier == PT_CG_HIER_V1_MEMORY ? "v1:memory" : "v2";
}

/* If path lies on a cgroup mount (any hierarchy), the part after it. */
static const char *strip_mount(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	if (n && !strncmp(path, mnt, n) && (path[n] == '/' || !path[n]))
		return path + n;
	return NULL;
}

/* Is `dir` on a cgroup file system (v1 or v2)? */
static bool on_cgroupfs(const char *dir)
{
	struct statfs sf;

	return !statfs(dir, &sf) && ((unsigned long)sf.f_type == CGROUP_SUPER_MAGIC ||
				     (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC);
}

/*
 * -c PATH to the cgroup's id and depth on the naming hierarchy.  The depth
 * is what the BPF side compares (the ancestor at that level), so it is
 * counted on the canonical path: "./a", "a/../b", "a//b/" and a path
 * through a symbolic link (/sys/fs/cgroup/cpu -> cpu,cpuacct) would
 * otherwise count components that are not levels, and the filter would
 * match nothing, silently.  A path that leaves the hierarchy or is not a
 * cgroup (-c .., a cgroup's file) is an error, not an empty filter.
 */
/*
 * rel (under a mount) without ".", "..", empty components or a trailing
 * slash, into out ("" for the mount's root).  Inside a cgroup file system
 * there are no symbolic links, so this is what the kernel's path walk
 * would find.  -1 when ".." leaves the mount.
 */
static int normalise_rel(const char *rel, char *out, size_t len)
{
	size_t used = 0, n;
	const char *p = rel, *e;

	out[0] = '\0';
	while (*p) {
		while (*p == '/')
			p++;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (!used)
				return -1;
			while (used && out[used - 1] != '/')
				used--;
			if (used)
				used--;	/* the slash before it */
			out[used] = '\0';
		} else {
			if (used + !!used + n + 1 > len)
				return -1;
			if (used)
				out[used++] = '/';
			memcpy(out + used, p, n);
			used += n;
			out[used] = '\0';
		}
		p += n;
	}
	return 0;
}

int pt_cgroup_resolve(const char *path, uint64_t *id, uint32_t *level,
		      char *err, size_t errlen)
{
	const char *mnt = pt_cgroup_mount(), *rel = NULL, *p;
	char full[2 * PATH_MAX + 2], canon[PATH_MAX], given[PATH_MAX];
	char cmnt[PATH_MAX], norm[PATH_MAX];
	struct stat st;
	int i;

	if (!mnt) {
		snprintf(err, errlen, "no cgroup filesystem is mounted: mount cgroup2 (mount -t cgroup2 none /sys/fs/cgroup) or drop --cgroup");
		return -ENOENT;
	}
	if (!realpath(mnt, cmnt))
		pt_strlcpy(cmnt, mnt, sizeof(cmnt));
	/* An absolute path through a symbolic link names the same cgroup. */
	if (path[0] == '/' && realpath(path, given))
		path = given;
	/* A path on another hierarchy's mount names the same cgroup path on
	 * the one that names tasks (systemd and container runtimes create
	 * the same path in every hierarchy). */
	rel = strip_mount(path, cmnt);
	if (!rel && cgl.v2[0])
		rel = strip_mount(path, cgl.v2);
	for (i = 0; i < cgl.nr_v1 && !rel; i++)
		rel = strip_mount(path, cgl.v1[i].dir);
	if (!rel)
		rel = path;
	if (normalise_rel(rel, norm, sizeof(norm))) {
		snprintf(err, errlen, "cgroup '%s' leaves the %s hierarchy's mount %s: give a path under it",
			 path, pt_cgroup_hier_name(), mnt);
		return -ENOENT;
	}
	snprintf(full, sizeof(full), "%s%s%s", cmnt, norm[0] ? "/" : "", norm);
	if (stat(full, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cgroup '%s' not found at %s: give a path under the %s cgroup mount %s",
			 path, full, pt_cgroup_hier_name(), mnt);
		return -ENOENT;
	}
	/* A directory whose own path has a symbolic link or leaves the
	 * mount, or that is on no cgroup file system, is not a cgroup here. */
	if (!realpath(full, canon) || !strip_mount(canon, cmnt) ||
	    !on_cgroupfs(canon)) {
		snprintf(err, errlen, "'%s' is %s, not a cgroup of the %s hierarchy: give a path under its mount %s",
			 path, full, pt_cgroup_hier_name(), mnt);
		return -ENOENT;
	}
	*id = st.st_ino;
	*level = 0;
	for (p = norm; *p; p++)
		if ((p == norm || p[-1] == '/') && *p != '/')
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
	const char *rel = fpath + strlen(cgl.mount);

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

/* pt_cgroup_v1_path()'s walk: what it looks for, where, and the last
 * answers. */
static struct {
	uint64_t want;
	size_t mnt_len;
	char found[PT_CGROUP_MAX];
	struct { uint64_t id; char path[PT_CGROUP_MAX]; } last[16];
	unsigned int next;
} v1p;

static int v1p_cb(const char *fpath, const struct stat *sb, int type,
		  struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || sb->st_ino != v1p.want)
		return FTW_CONTINUE;
	pt_strlcpy(v1p.found, fpath[v1p.mnt_len] ? fpath + v1p.mnt_len : "/",
		   sizeof(v1p.found));
	return FTW_STOP;
}

const char *pt_cgroup_v1_path(const char *ctrl, uint64_t id)
{
	const char *mnt = pt_cgroup_v1_mount(ctrl);
	unsigned int i;

	if (!mnt || !id)
		return NULL;
	for (i = 0; i < PT_ARRAY_SIZE(v1p.last); i++)
		if (v1p.last[i].id == id)
			return v1p.last[i].path;
	v1p.want = id;
	v1p.mnt_len = strlen(mnt);
	v1p.found[0] = '\0';
	nftw(mnt, v1p_cb, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	if (!v1p.found[0])
		return NULL;
	i = v1p.next++ % PT_ARRAY_SIZE(v1p.last);
	v1p.last[i].id = id;
	pt_strlcpy(v1p.last[i].path, v1p.found, sizeof(v1p.last[i].path));
	return v1p.last[i].path;
}

bool pt_proc_cgroup(uint32_t pid, const char *ctrl, char *out, size_t len)
{
	char procf[64], buf[4096], *line, *save;

	snprintf(procf, sizeof(procf), "/proc/%u/cgroup", pid);
	if (!pid || pt_read_file(procf, buf, sizeof(buf)) <= 0)
		return false;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2, *tok, *s2;

		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c2 = '\0';
		if (!*ctrl) {
			if (!strcmp(line, "0")) {
				pt_strlcpy(out, c2 + 1, len);
				return true;
			}
			continue;
		}
		for (tok = strtok_r(c1 + 1, ",", &s2); tok;
		     tok = strtok_r(NULL, ",", &s2))
			if (!strcmp(tok, ctrl)) {
				pt_strlcpy(out, c2 + 1, len);
				return true;
			}
	}
	return false;
}

const char *pt_cgroup_path(uint64_t id)
{
	const char *p = cg_find(id);

	if (p)
		return p;
	if (!cg_walked_this_tick && pt_cgroup_mount()) {
		cg_walked_this_tick = true;
		nftw(cgl.mount, cg_walk_cb, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
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

void pt_cgroup_each(void (*fn)(const char *path, void *ctx), void *ctx)
{
	size_t i;

	if (!pt_cgroup_mount())
		return;
	if (!cg_walked_this_tick) {
		cg_walked_this_tick = true;
		nftw(cgl.mount, cg_walk_cb, 16, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	}
	for (i = 0; i < cg_cap; i++)
		if (cg_tab[i].path)
			fn(cg_tab[i].path, ctx);
}

void pt_names_tick(void)
{
	cg_walked_this_tick = false;
}
