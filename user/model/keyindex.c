// SPDX-License-Identifier: GPL-2.0
/* String-keyed index over an array of records (keyindex.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyindex.h"

void pt_keyindex_init(struct pt_keyindex *ix, size_t stride, size_t key_off)
{
	memset(ix, 0, sizeof(*ix));
	ix->stride = stride;
	ix->key_off = key_off;
}

static const char *key_at(const struct pt_keyindex *ix, const void *base,
			  size_t pos)
{
	return (const char *)base + pos * ix->stride + ix->key_off;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const struct pt_keyindex *ix, const void *base,
		    const char *key)
{
	size_t j = pt_hash_str(key) & (ix->cap - 1);

	while (ix->slot[j] && strcmp(key_at(ix, base, ix->slot[j] - 1), key))
		j = (j + 1) & (ix->cap - 1);
	return j;
}

long pt_keyindex_find(const struct pt_keyindex *ix, const void *base,
		      const char *key)
{
	size_t j;

	if (!ix->cap)
		return -1;
	j = probe(ix, base, key);
	return ix->slot[j] ? (long)(ix->slot[j] - 1) : -1;
}

int pt_keyindex_reserve(struct pt_keyindex *ix, const void *base, size_t n)
{
	size_t ncap, i, *old = ix->slot, oldcap = ix->cap;

	if ((n + 1) * 2 <= ix->cap)
		return 0;
	ncap = ix->cap ? ix->cap * 2 : 64;
	while ((n + 1) * 2 > ncap)
		ncap *= 2;
	ix->slot = calloc(ncap, sizeof(*ix->slot));
	if (!ix->slot) {
		ix->slot = old;
		return -ENOMEM;
	}
	ix->cap = ncap;
	for (i = 0; i < oldcap; i++)
		if (old[i])
			ix->slot[probe(ix, base, key_at(ix, base, old[i] - 1))] =
				old[i];
	free(old);
	return 0;
}

void pt_keyindex_add(struct pt_keyindex *ix, const void *base, size_t pos)
{
	ix->slot[probe(ix, base, key_at(ix, base, pos))] = pos + 1;
}

void pt_keyindex_clear(struct pt_keyindex *ix)
{
	if (ix->cap)
		memset(ix->slot, 0, ix->cap * sizeof(*ix->slot));
}

void pt_keyindex_free(struct pt_keyindex *ix)
{
	free(ix->slot);
	ix->slot = NULL;
	ix->cap = 0;
}
