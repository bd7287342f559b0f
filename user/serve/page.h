/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the collector hands the HTTP thread: rendered /metrics pages,
 * immutable once published and reference-counted.  The collector swaps in
 * new pages under a mutex held for two pointer stores; a request takes a
 * reference under the same mutex and lets go of the mutex before a byte
 * is sent.  So a scraper that stalls mid-response holds one old page (at
 * most one per connection, and connections are bounded), never the lock,
 * and never the collector.
 */
#ifndef PT_PAGE_H
#define PT_PAGE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum pt_page_fmt {
	PT_PAGE_TEXT = 0,	/* Prometheus text format 0.0.4 */
	PT_PAGE_OPENMETRICS,	/* OpenMetrics 1.0.0 */
	PT_PAGE_NR_FMT,
};

struct pt_page {
	int refs;		/* atomic */
	uint64_t seq;		/* the snapshot it was rendered from */
	size_t len;
	char data[];
};

/* A page holding a copy of len bytes (refs 1); NULL when out of memory. */
struct pt_page *pt_page_new(const char *data, size_t len, uint64_t seq);
void pt_page_get(struct pt_page *p);
void pt_page_put(struct pt_page *p);	/* NULL is fine */

struct pt_board {
	pthread_mutex_t lock;
	struct pt_page *pages[PT_PAGE_NR_FMT];
};

void pt_board_init(struct pt_board *b);
/* Publish pages (references taken over; NULL keeps that format's page). */
void pt_board_publish(struct pt_board *b, struct pt_page *pages[PT_PAGE_NR_FMT]);
/* The current page of fmt with a reference for the caller, or NULL
 * before the first publication. */
struct pt_page *pt_board_take(struct pt_board *b, enum pt_page_fmt fmt);
void pt_board_free(struct pt_board *b);

#endif /* PT_PAGE_H */
