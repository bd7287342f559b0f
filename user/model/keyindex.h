/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A string-keyed index over the caller's array of records: open
 * addressing, FNV-1a, positions stored (the records stay dense in their
 * own array and may move when it grows).  Each record holds its key as a
 * NUL-terminated char array at key_off.  Used by detection's culprit
 * tables and the window summary's rows.  Pure.
 */
#ifndef PT_KEYINDEX_H
#define PT_KEYINDEX_H

#include <stddef.h>
#include <stdint.h>

struct pt_keyindex {
	size_t *slot;		/* position + 1; 0 is empty */
	size_t cap;		/* a power of two, or 0 */
	size_t stride;		/* record size */
	size_t key_off;		/* offset of the key in a record */
};

/* FNV-1a of a string. */
static inline uint64_t pt_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

void pt_keyindex_init(struct pt_keyindex *ix, size_t stride, size_t key_off);
/* Position of key among the records at base, or -1. */
long pt_keyindex_find(const struct pt_keyindex *ix, const void *base,
		      const char *key);
/* Room for one more than n records (rehashing them from base when it
 * grows, at half load); 0 or -ENOMEM. */
int pt_keyindex_reserve(struct pt_keyindex *ix, const void *base, size_t n);
/* Index record pos of base, whose key is not indexed yet (after
 * pt_keyindex_reserve). */
void pt_keyindex_add(struct pt_keyindex *ix, const void *base, size_t pos);
/* Forget every key (the records are gone too); keeps the memory. */
void pt_keyindex_clear(struct pt_keyindex *ix);
void pt_keyindex_free(struct pt_keyindex *ix);

#endif /* PT_KEYINDEX_H */
