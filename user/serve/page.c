// SPDX-License-Identifier: GPL-2.0
/* Published pages and their references (page.h). */
#include <stdlib.h>
#include <string.h>

#include "page.h"

struct pt_page *pt_page_new(const char *data, size_t len, uint64_t seq)
{
	struct pt_page *p = malloc(sizeof(*p) + len + 1);

	if (!p)
		return NULL;
	p->refs = 1;
	p->seq = seq;
	p->len = len;
	memcpy(p->data, data, len);
	p->data[len] = '\0';
	return p;
}

void pt_page_get(struct pt_page *p)
{
	__atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

void pt_page_put(struct pt_page *p)
{
	if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(p);
}

void pt_board_init(struct pt_board *b)
{
	memset(b, 0, sizeof(*b));
	pthread_mutex_init(&b->lock, NULL);
}

void pt_board_publish(struct pt_board *b, struct pt_page *pages[PT_PAGE_NR_FMT])
{
	struct pt_page *old[PT_PAGE_NR_FMT] = { NULL };
	int i;

	pthread_mutex_lock(&b->lock);
	for (i = 0; i < PT_PAGE_NR_FMT; i++)
		if (pages[i]) {
			old[i] = b->pages[i];
			b->pages[i] = pages[i];
		}
	pthread_mutex_unlock(&b->lock);
	/* freed outside the lock: a free() never delays a request */
	for (i = 0; i < PT_PAGE_NR_FMT; i++)
		pt_page_put(old[i]);
}

struct pt_page *pt_board_take(struct pt_board *b, enum pt_page_fmt fmt)
{
	struct pt_page *p;

	pthread_mutex_lock(&b->lock);
	p = b->pages[fmt];
	if (p)
		pt_page_get(p);
	pthread_mutex_unlock(&b->lock);
	return p;
}

void pt_board_free(struct pt_board *b)
{
	int i;

	for (i = 0; i < PT_PAGE_NR_FMT; i++)
		pt_page_put(b->pages[i]);
	pthread_mutex_destroy(&b->lock);
	memset(b->pages, 0, sizeof(b->pages));
}
