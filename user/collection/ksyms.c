// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms, sorted by address, text symbols only: ~150k names on a
 * Debian kernel (~5 MiB), read once, on the first wait site to name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"
#include "util.h"

struct ksym {
	uint64_t addr;
	uint32_t name;		/* offset into names */
};

static struct ksym *syms;
static size_t nsyms;
static char *names;
static uint64_t sched_start, sched_end;
static bool loaded;

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static void load(void)
{
	size_t cap = 0, ncap = 0, nlen = 0;
	char line[512], name[256], type;
	unsigned long long addr;
	FILE *f;

	loaded = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t l;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 ||
		    !addr)
			continue;
		if (!strcmp(name, "__sched_text_start"))
			sched_start = addr;
		else if (!strcmp(name, "__sched_text_end"))
			sched_end = addr;
		if (type != 't' && type != 'T' && type != 'W' && type != 'w')
			continue;
		l = strlen(name) + 1;
		if (nsyms == cap) {
			struct ksym *n = realloc(syms, (cap = cap ? cap * 2 : 65536) *
						 sizeof(*syms));
			if (!n)
				break;
			syms = n;
		}
		if (nlen + l > ncap) {
			char *n = realloc(names, ncap = (ncap + l) * 2);

			if (!n)
				break;
			names = n;
		}
		memcpy(names + nlen, name, l);
		syms[nsyms].addr = addr;
		syms[nsyms++].name = (uint32_t)nlen;
		nlen += l;
	}
	fclose(f);
	if (nsyms > 1)	/* syms is NULL when kallsyms was empty */
		qsort(syms, nsyms, sizeof(*syms), cmp_ksym);
}

void pt_ksyms_load(void)
{
	if (!loaded)
		load();
}

const char *pt_ksym(uint64_t addr)
{
	size_t lo = 0, hi;

	if (!loaded)
		load();
	hi = nsyms;
	if (!nsyms || addr < syms[0].addr)
		return "?";
	while (hi - lo > 1) {	/* last symbol at or below addr */
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return names + syms[lo].name;
}

bool pt_ksym_is_sched(uint64_t addr)
{
	if (!loaded)
		load();
	return addr >= sched_start && addr < sched_end;
}

void pt_ksym_site(const uint64_t *ips, size_t n, char *out, size_t len)
{
	size_t i = 0, k, used = 0;

	while (i < n && ips[i] && pt_ksym_is_sched(ips[i]))
		i++;
	if (i > 0)
		i--;	/* the outermost scheduler frame: how it waited */
	out[0] = '\0';
	for (k = 0; k < 3 && i + k < n && ips[i + k]; k++) {
		int w = snprintf(out + used, len - used, "%s%s",
				 k ? " <- " : "", pt_ksym(ips[i + k]));

		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
}

void pt_ksyms_free(void)
{
	free(syms);
	free(names);
	syms = NULL;
	names = NULL;
	nsyms = 0;
	loaded = false;
}
