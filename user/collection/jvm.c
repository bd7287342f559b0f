// SPDX-License-Identifier: GPL-2.0
/*
 * Java monitor waits (jvm.h, bpf/jvm.bpf.c).  A process is a HotSpot JVM
 * when it maps a libjvm.so; that file gets uprobes at entry and return of
 * ObjectMonitor's slow enter functions, found by name in its symbol table
 * (libjvm.so keeps .symtab in Debian's and Temurin's builds: EnterI and
 * ReenterI through JDK 23, enter_internal and reenter_internal since
 * JDK 24).  A uprobe is per file, so one attach covers every JVM of that
 * JDK, in any container: the file is opened through the process's
 * /proc/PID/map_files link, which names the mapped file itself whatever
 * mount namespace it lives in.
 *
 * Cost: a maps read per process when first seen (and, backing off, when
 * it starts threads); the uprobes trap only on contended monitor enters.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "family.h"
#include "jvm.h"
#include "jvm.skel.h"
#include "keyindex.h"
#include "util.h"

/* Processes seen (keyed by tgid, as text for keyindex). */
struct proc_seen {
	char key[12];
	uint32_t last_pass;	/* a thread of it read then */
	uint32_t next_pass;	/* look again at a new thread from then */
	uint32_t queued_pass;	/* the pass it was last queued in */
	uint8_t checks;		/* looks that found no libjvm.so */
	bool done;		/* a JVM: its file is probed or counted */
	bool hotspot;		/* a thread of it has a HotSpot thread name */
};

/* A libjvm.so looked at, by inode. */
struct jvm_file {
	dev_t dev;
	ino_t ino;
};

#define MAX_FILES 32		/* JDKs on one host, containers included */
#define MAX_LINKS 64		/* entry and return of up to 4 functions per
				 * file, over the files probed */
#define MAX_SYMS 8
/* Backoff between looks at a process that starts threads: 2^checks
 * passes, at most this (a JDK loaded later than 4 minutes into a
 * process's life at 1 s intervals is found within 4 minutes). */
#define MAX_BACKOFF_SHIFT 8
#define FORGET_PASSES 600

struct pt_jvm {
	struct jvm *skel;	/* opened at the first libjvm.so */
	int mon_fd, loss_fd;
	uint32_t *jvm_on;
	PT_ARRAY(struct proc_seen, procs);
	struct pt_keyindex ix;
	uint32_t *queue;	/* tgids to look at this pass */
	size_t nqueue, capqueue;
	struct jvm_file files[MAX_FILES];
	unsigned int nfiles, probed;
	struct bpf_link *links[MAX_LINKS];
	unsigned int nlinks;
	uint64_t unprobed;
};

/* Symbol name prefixes of the monitor's slow enter, by JDK (mangled
 * C++: the argument list follows and changed between JDKs). */
static const char *const monitor_syms[] = {
	"_ZN13ObjectMonitor6EnterIE",		/* JDK 8-23 */
	"_ZN13ObjectMonitor8ReenterIE",		/* after Object.wait() */
	"_ZN13ObjectMonitor14enter_internalE",	/* JDK 24+ */
	"_ZN13ObjectMonitor16reenter_internalE",
};

struct pt_jvm *pt_jvm_new(int mon_fd, int loss_fd, uint32_t *jvm_on)
{
	struct pt_jvm *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->mon_fd = mon_fd;
	j->loss_fd = loss_fd;
	j->jvm_on = jvm_on;
	pt_keyindex_init(&j->ix, sizeof(struct proc_seen),
			 offsetof(struct proc_seen, key));
	return j;
}

static struct proc_seen *proc_get(struct pt_jvm *j, uint32_t tgid)
{
	struct proc_seen *p;
	char key[12];
	long pos;

	snprintf(key, sizeof(key), "%u", tgid);
	pos = pt_keyindex_find(&j->ix, j->procs.v, key);
	if (pos >= 0)
		return &j->procs.v[pos];
	if (pt_keyindex_reserve(&j->ix, j->procs.v, j->procs.n))
		return NULL;
	p = PT_REC_PUSH(j->procs);
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	memcpy(p->key, key, sizeof(key));
	pt_keyindex_add(&j->ix, j->procs.v, j->procs.n - 1);
	return p;
}

static void enqueue(struct pt_jvm *j, uint32_t tgid)
{
	if (j->nqueue == j->capqueue) {
		size_t cap = j->capqueue ? j->capqueue * 2 : 64;
		uint32_t *q = realloc(j->queue, cap * sizeof(*q));

		if (!q) {
			pt_alloc_failed();
			return;
		}
		j->queue = q;
		j->capqueue = cap;
	}
	j->queue[j->nqueue++] = tgid;
}

/* Threads every HotSpot JVM starts, by the names it gives them: a
 * process whose maps perftop may not read is still known as a JVM. */
static bool hotspot_thread(const char *comm)
{
	static const char *const names[] = { "VM Thread", "C2 CompilerThre",
					     "C1 CompilerThre", "GC Thread#0",
					     "Reference Handl" };
	size_t k;

	for (k = 0; k < PT_ARRAY_SIZE(names); k++)
		if (!strcmp(comm, names[k]))
			return true;
	return false;
}

void pt_jvm_saw(struct pt_jvm *j, uint32_t tgid, const char *comm,
		bool fresh, uint32_t pass)
{
	struct proc_seen *p;
	bool look = false;

	if (!j || !tgid)
		return;
	p = proc_get(j, tgid);
	if (!p)
		return;		/* counted by PT_REC_PUSH, or retried later */
	if (!p->hotspot && hotspot_thread(comm)) {
		p->hotspot = true;
		look = true;	/* now known as a JVM: worth a look */
	}
	if (!p->last_pass || (fresh && pass >= p->next_pass))
		look = true;	/* first seen, or a new thread of it */
	p->last_pass = pass;
	if (look && !p->done && p->queued_pass != pass) {
		p->queued_pass = pass;	/* looked at once, after the pass */
		enqueue(j, tgid);
	}
}

/* A process's mapping of libjvm.so, as its maps line gives it. */
struct libjvm_map {
	char range[41];			/* start-end, hex */
	char path[PATH_MAX];		/* in the process's mount namespace */
	unsigned long long ino;
	bool deleted;			/* replaced since (a JDK upgrade under
					 * a running JVM): map_files only */
};

/* tgid's first mapping of a libjvm.so: 1, 0 when it maps none, -errno
 * when its maps cannot be read (gone: -ENOENT or -ESRCH; not allowed:
 * -EACCES, which a process of another user is without CAP_SYS_PTRACE). */
static int find_libjvm(uint32_t tgid, struct libjvm_map *m)
{
	char path[64], line[PATH_MAX + 128];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", tgid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *name = strchr(line, '/'), *end;
		unsigned long long ino;
		char range[41];

		if (!name || sscanf(line, "%40s %*s %*s %*s %llu", range,
				    &ino) != 2)
			continue;
		end = name + strcspn(name, "\n");
		*end = '\0';
		m->deleted = end - name > 10 && !strcmp(end - 10, " (deleted)");
		if (m->deleted)
			*(end -= 10) = '\0';
		if (end - name < 10 || strcmp(end - 10, "/libjvm.so"))
			continue;
		memcpy(m->range, range, sizeof(range));
		pt_strlcpy(m->path, name, sizeof(m->path));
		m->ino = ino;
		found = 1;
		break;
	}
	if (!found && ferror(f))
		found = -EIO;
	fclose(f);
	return found;
}

/*
 * Open the mapped file: through map_files (the mapping itself, in any
 * mount namespace; needs CAP_SYS_ADMIN), else the process's root, else
 * the path as this process sees it, if that is the same inode (a
 * process in this mount namespace).  The path opened in *link (the
 * uprobes attach to it).  The fd, or -errno.
 */
static int open_libjvm(uint32_t tgid, const struct libjvm_map *m,
		       char *link, size_t len)
{
	struct stat st;
	int k, fd, err = -ENOENT;

	for (k = 0; k < (m->deleted ? 1 : 3); k++) {
		int n = k == 0 ? snprintf(link, len, "/proc/%u/map_files/%s",
					  tgid, m->range) :
			k == 1 ? snprintf(link, len, "/proc/%u/root%s", tgid,
					  m->path) :
				 snprintf(link, len, "%s", m->path);

		if (n < 0 || (size_t)n >= len)
			continue;
		fd = open(link, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (!fstat(fd, &st) && (unsigned long long)st.st_ino == m->ino)
			return fd;
		close(fd);
		err = -ESTALE;	/* another file by that name */
	}
	return err;
}

/* File offset of a virtual address, by the program headers. */
static bool vaddr_to_off(Elf *e, GElf_Addr v, size_t *off)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		if (v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_filesz) {
			*off = v - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

static bool is_monitor_sym(const char *name)
{
	size_t k;

	if (strchr(name, '.'))	/* a compiler's clone or cold part */
		return false;
	for (k = 0; k < PT_ARRAY_SIZE(monitor_syms); k++)
		if (!strncmp(name, monitor_syms[k], strlen(monitor_syms[k])))
			return true;
	return false;
}

/* The file offsets of the monitor functions in fd's symbol tables
 * (.symtab, .dynsym), deduplicated; how many. */
static int monitor_offsets(int fd, size_t *offs, int max)
{
	Elf_Scn *scn = NULL;
	int n = 0;
	Elf *e;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e)
		return 0;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, cnt;

		if (!gelf_getshdr(scn, &sh) ||
		    (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		cnt = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < cnt && n < max; i++) {
			GElf_Sym sym;
			const char *name;
			size_t off;
			int k;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF || !sym.st_value)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || !is_monitor_sym(name) ||
			    !vaddr_to_off(e, sym.st_value, &off))
				continue;
			for (k = 0; k < n && offs[k] != off; k++)
				;
			if (k == n)
				offs[n++] = off;
		}
	}
	elf_end(e);
	return n;
}

/* The jvm object, sharing the sched object's maps; 0 or -errno. */
static int open_skel(struct pt_jvm *j)
{
	struct jvm *s;
	int err;

	if (j->skel)
		return 0;
	s = jvm__open();
	if (!s)
		return -errno ? -errno : -EINVAL;
	err = bpf_map__reuse_fd(s->maps.jvm_mon, j->mon_fd);
	if (!err)
		err = bpf_map__reuse_fd(s->maps.loss, j->loss_fd);
	if (!err)
		err = jvm__load(s);
	if (err) {
		jvm__destroy(s);
		return err;
	}
	j->skel = s;
	return 0;
}

/* Entry and return probes on each offset; 0 or -errno (none attached
 * then: a file is probed whole or not at all). */
static int attach_file(struct pt_jvm *j, const char *path, const size_t *offs,
		       int n)
{
	unsigned int first = j->nlinks;
	int i, r, err;

	if ((err = open_skel(j)) != 0)
		return err;
	if (j->nlinks + 2 * (unsigned int)n > MAX_LINKS)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		for (r = 0; r < 2; r++) {
			struct bpf_program *prog =
				r ? j->skel->progs.jvm_monitor_exit :
				    j->skel->progs.jvm_monitor_enter;
			struct bpf_link *l = bpf_program__attach_uprobe(
				prog, r, -1, path, offs[i]);

			if (!l) {
				err = -errno ? -errno : -EINVAL;
				while (j->nlinks > first)
					bpf_link__destroy(j->links[--j->nlinks]);
				return err;
			}
			j->links[j->nlinks++] = l;
		}
	}
	return 0;
}

/* A JVM whose monitor waits read as sleep: counted (loss:
 * jvm_unprobed), said once. */
static void unprobed(struct pt_jvm *j, uint32_t tgid, const char *why,
		     int err)
{
	j->unprobed++;
	fprintf(stderr, "perftop: JVM %u: its monitor waits will read as sleep: %s (%s)\n",
		tgid, why, strerror(-err));
}

/* Look at one process: a new libjvm.so gets probed.  True when it is a
 * JVM (probed now, before, or counted as unprobed). */
static bool look(struct pt_jvm *j, struct proc_seen *p, uint32_t tgid)
{
	static struct libjvm_map m;	/* PATH_MAX: off the stack */
	char link[PATH_MAX + 64];
	size_t offs[MAX_SYMS];
	struct stat st;
	unsigned int i;
	int fd, n, err;

	err = find_libjvm(tgid, &m);
	if (err == -EACCES || err == -EPERM) {
		/* only a process known by its threads' names is a JVM */
		if (!p->hotspot)
			return false;
		unprobed(j, tgid, "its maps are not readable (a process of another user: CAP_SYS_PTRACE)", err);
		return true;
	}
	if (err == 0 && p->hotspot) {
		/* HotSpot's threads, no libjvm.so: its code is elsewhere */
		unprobed(j, tgid, "HotSpot thread names but no libjvm.so mapped", -ENOENT);
		return true;
	}
	if (err <= 0)
		return false;	/* none, or gone */
	fd = open_libjvm(tgid, &m, link, sizeof(link));
	if (fd < 0) {
		if (fd == -ENOENT || fd == -ESRCH)
			return false;	/* gone meanwhile */
		unprobed(j, tgid, "its libjvm.so cannot be opened", fd);
		return true;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return false;
	}
	for (i = 0; i < j->nfiles; i++)
		if (j->files[i].dev == st.st_dev && j->files[i].ino == st.st_ino)
			break;
	if (i < j->nfiles) {
		close(fd);
		return true;
	}
	n = monitor_offsets(fd, offs, MAX_SYMS);
	close(fd);
	err = n ? attach_file(j, link, offs, n) : -ENOENT;
	if (j->nfiles < MAX_FILES) {
		j->files[j->nfiles].dev = st.st_dev;
		j->files[j->nfiles].ino = st.st_ino;
		j->nfiles++;
	} else if (!err) {
		err = -ENOSPC;
	}
	if (err) {
		/* once per file: its other JVMs are found as this one */
		unprobed(j, tgid, n ? "the uprobe attach failed" :
				      "no ObjectMonitor enter symbol in its libjvm.so (stripped?)",
			 err);
	} else {
		j->probed++;
		__atomic_store_n(j->jvm_on, 1, __ATOMIC_RELEASE);
	}
	return true;
}

/* Forget processes unseen for FORGET_PASSES (rebuilding the index). */
static void forget(struct pt_jvm *j, uint32_t pass)
{
	size_t i, n = 0;

	if (pass % 64)
		return;
	for (i = 0; i < j->procs.n; i++)
		if (pass - j->procs.v[i].last_pass <= FORGET_PASSES)
			j->procs.v[n++] = j->procs.v[i];
	if (n == j->procs.n)
		return;
	j->procs.n = n;
	pt_keyindex_clear(&j->ix);
	for (i = 0; i < n; i++)
		pt_keyindex_add(&j->ix, j->procs.v, i);
}

void pt_jvm_scan(struct pt_jvm *j, uint32_t pass)
{
	size_t i;

	if (!j)
		return;
	for (i = 0; i < j->nqueue; i++) {
		uint32_t tgid = j->queue[i];
		struct proc_seen *p = proc_get(j, tgid);

		if (!p || p->done)
			continue;
		if (look(j, p, tgid)) {
			p->done = true;
			continue;
		}
		if (p->checks < MAX_BACKOFF_SHIFT)
			p->checks++;
		p->next_pass = pass + (1u << p->checks);
	}
	j->nqueue = 0;
	forget(j, pass);
}

uint64_t pt_jvm_unprobed(const struct pt_jvm *j)
{
	return j ? j->unprobed : 0;
}

unsigned int pt_jvm_probed(const struct pt_jvm *j)
{
	return j ? j->probed : 0;
}

void pt_jvm_free(struct pt_jvm *j)
{
	if (!j)
		return;
	while (j->nlinks)
		bpf_link__destroy(j->links[--j->nlinks]);
	jvm__destroy(j->skel);
	pt_keyindex_free(&j->ix);
	free(j->procs.v);
	free(j->queue);
	free(j);
}
