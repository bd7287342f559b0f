// SPDX-License-Identifier: GPL-2.0
/* Top-N label sets with an "other" series (topn.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyindex.h"
#include "model.h"
#include "topn.h"

#define IDLE_NS (600ull * 1000000000ull)	/* a member without activity leaves */
#define TENURE_NS (10ull * 1000000000ull)	/* before it can be pushed out */
#define EWMA_NS 60e9				/* time constant of the rate */
#define DISPLACE 2.0				/* newcomer's rate / member's */

struct member {
	char *key;
	double *vals;
	double rate;		/* EWMA of score per second */
	double score;		/* this interval */
	uint64_t joined_ns, active_ns;
};

/* A key's rows of the current interval, dense, found through a
 * keyindex; the array and its values are kept between intervals, so a
 * busy node's 10,000 thread names cost no allocation per row. */
struct pend {
	char key[PT_CGROUP_MAX];	/* the longest label value: a cgroup path */
	double score;
};

struct pt_topn {
	size_t max, nv;
	struct member *m;
	size_t nm;
	double *other;
	uint64_t last_ns, evictions;
	struct pend *pend;		/* this interval's keys */
	size_t npend, pend_cap;
	struct pt_keyindex ix;
	double *pvals;			/* nv per pend */
	size_t pvals_cap;
};

struct pt_topn *pt_topn_new(size_t max_keys, size_t nr_vals)
{
	struct pt_topn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max_keys;
	t->nv = nr_vals;
	pt_keyindex_init(&t->ix, sizeof(struct pend), offsetof(struct pend, key));
	t->m = calloc(max_keys ? max_keys : 1, sizeof(*t->m));
	t->other = calloc(nr_vals ? nr_vals : 1, sizeof(double));
	if (!t->m || !t->other) {
		pt_topn_free(t);
		return NULL;
	}
	return t;
}

void pt_topn_free(struct pt_topn *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nm; i++) {
		free(t->m[i].key);
		free(t->m[i].vals);
	}
	free(t->m);
	free(t->other);
	pt_keyindex_free(&t->ix);
	free(t->pend);
	free(t->pvals);
	free(t);
}

static int grow(void **p, size_t *cap, size_t need, size_t elsz)
{
	size_t ncap = *cap ? *cap : 1024;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elsz);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

int pt_topn_add(struct pt_topn *t, const char *key, const double *vals,
		double score)
{
	long pos = pt_keyindex_find(&t->ix, t->pend, key);
	struct pend *p;
	size_t k;

	if (pos < 0) {
		if (grow((void **)&t->pend, &t->pend_cap, t->npend + 1, sizeof(*t->pend)) ||
		    grow((void **)&t->pvals, &t->pvals_cap, (t->npend + 1) * t->nv,
			 sizeof(double)) ||
		    pt_keyindex_reserve(&t->ix, t->pend, t->npend))
			goto other;
		p = &t->pend[t->npend];
		snprintf(p->key, sizeof(p->key), "%s", key);
		p->score = 0;
		memset(t->pvals + t->npend * t->nv, 0, t->nv * sizeof(double));
		pos = (long)t->npend++;
		pt_keyindex_add(&t->ix, t->pend, (size_t)pos);
	}
	p = &t->pend[pos];
	p->score += score;
	for (k = 0; k < t->nv; k++)
		t->pvals[(size_t)pos * t->nv + k] += vals[k];
	return 0;
other:
	for (k = 0; k < t->nv; k++)
		t->other[k] += vals[k];
	return -ENOMEM;
}

static struct member *find(struct pt_topn *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->nm; i++)
		if (!strcmp(t->m[i].key, key))
			return &t->m[i];
	return NULL;
}

static void drop(struct pt_topn *t, size_t i)
{
	free(t->m[i].key);
	free(t->m[i].vals);
	t->m[i] = t->m[--t->nm];
	t->evictions++;
}

static void add_vals(double *dst, const double *src, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		dst[k] += src[k];
}

static double *pvals_of(struct pt_topn *t, const struct pend *p)
{
	return t->pvals + (size_t)(p - t->pend) * t->nv;
}

/* A newcomer joins in place of slot i (or a new slot); false without
 * memory. */
static bool join(struct pt_topn *t, struct member *m, const struct pend *p,
		 double rate, uint64_t now)
{
	char *key = strdup(p->key);
	double *vals = malloc(t->nv * sizeof(double) + 1);

	if (!key || !vals) {
		free(key);
		free(vals);
		return false;
	}
	memcpy(vals, pvals_of(t, p), t->nv * sizeof(double));
	*m = (struct member){ .key = key, .vals = vals,
			      .rate = rate, .joined_ns = now, .active_ns = now };
	return true;
}

static int by_score(const void *a, const void *b)
{
	const struct pend *x = *(const struct pend *const *)a;
	const struct pend *y = *(const struct pend *const *)b;

	return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

void pt_topn_commit(struct pt_topn *t, uint64_t now)
{
	double dt = t->last_ns && now > t->last_ns ? (double)(now - t->last_ns) : 1e9;
	double alpha = 1 - exp(-dt / EWMA_NS);
	struct pend **cand = NULL;
	size_t i, nc = 0;

	t->last_ns = now;
	for (i = 0; i < t->nm; i++)
		t->m[i].score = 0;
	if (t->npend)
		cand = malloc(t->npend * sizeof(*cand));
	for (i = 0; i < t->npend; i++) {
		struct pend *p = &t->pend[i];
		struct member *m = find(t, p->key);

		if (m) {
			add_vals(m->vals, pvals_of(t, p), t->nv);
			m->score += p->score;
			m->active_ns = now;
		} else if (cand) {
			cand[nc++] = p;
		} else {
			add_vals(t->other, pvals_of(t, p), t->nv);
		}
	}
	for (i = 0; i < t->nm; i++)
		t->m[i].rate += alpha * (t->m[i].score / dt * 1e9 - t->m[i].rate);
	for (i = t->nm; i-- > 0;)
		if (now - t->m[i].active_ns > IDLE_NS)
			drop(t, i);
	if (nc)
		qsort(cand, nc, sizeof(*cand), by_score);
	for (i = 0; i < nc; i++) {
		struct pend *p = cand[i];
		double rate = p->score / dt * 1e9;
		size_t v, j;

		if (t->nm < t->max && join(t, &t->m[t->nm], p, rate, now)) {
			t->nm++;
			continue;
		}
		/* the weakest member that has had its minute */
		for (v = SIZE_MAX, j = 0; j < t->nm; j++)
			if (now - t->m[j].joined_ns >= TENURE_NS &&
			    (v == SIZE_MAX || t->m[j].rate < t->m[v].rate))
				v = j;
		if (v != SIZE_MAX && rate > DISPLACE * t->m[v].rate && rate > 0) {
			struct member m;

			if (join(t, &m, p, rate, now)) {
				drop(t, v);
				t->m[t->nm++] = m;
				continue;
			}
		}
		add_vals(t->other, pvals_of(t, p), t->nv);
	}
	free(cand);
	/* the next interval starts empty; memory is kept */
	pt_keyindex_clear(&t->ix);
	t->npend = 0;
}

size_t pt_topn_count(const struct pt_topn *t)
{
	return t->nm;
}

const char *pt_topn_key(const struct pt_topn *t, size_t i)
{
	return t->m[i].key;
}

const double *pt_topn_vals(const struct pt_topn *t, size_t i)
{
	return t->m[i].vals;
}

const double *pt_topn_other(const struct pt_topn *t)
{
	return t->other;
}

uint64_t pt_topn_evictions(const struct pt_topn *t)
{
	return t->evictions;
}
