/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /metrics endpoint: libmicrohttpd (Debian's libmicrohttpd12) on its
 * own thread, serving only what the collector published on a pt_board
 * (page.h).  Only GET (and HEAD) of "/" and "/metrics"; anything else is
 * a 4xx, never a crash.  Bounded: at most max_conns connections (more are
 * refused at accept), 32 KiB of request per connection (longer headers
 * get 431), an idle connection closed after idle_s, a request that has
 * not been answered request_s after its first line arrived cut off, and
 * any connection closed after max_age_s however it trickles bytes.
 */
#ifndef PT_HTTP_H
#define PT_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "listen.h"
#include "page.h"

struct pt_http_opts {
	unsigned int max_conns;		/* default 16 */
	unsigned int idle_s;		/* default 15 */
	unsigned int request_s;		/* default 10 */
	unsigned int max_age_s;		/* default 120 */
};

/* Counters for /metrics itself (read while the server runs). */
enum pt_http_code {
	PT_HTTP_200, PT_HTTP_400, PT_HTTP_404, PT_HTTP_405, PT_HTTP_406,
	PT_HTTP_503, PT_HTTP_OTHER, PT_HTTP_NR_CODES,
};
struct pt_http_stats {
	uint64_t responses[PT_HTTP_NR_CODES];
	uint64_t connections;		/* accepted */
	uint64_t cut_off;		/* closed by the request or age limit */
	uint64_t open;			/* now */
};
const char *pt_http_code_name(enum pt_http_code c);	/* "200" */

struct pt_http;

/* Serve board's pages on the listening socket fd (taken over).  NULL
 * with one error line printed. */
struct pt_http *pt_http_start(int fd, const struct pt_http_opts *o,
			      struct pt_board *board);
void pt_http_stats(struct pt_http *h, struct pt_http_stats *st);
/* Stop the thread, close every connection and the socket. */
void pt_http_stop(struct pt_http *h);

/*
 * Content negotiation (pure, fuzzed): does this Accept header prefer
 * OpenMetrics 1.0.0 to the Prometheus text format?  q-values are honoured;
 * a tie goes to the text format, and so does a missing or unparsable
 * header.
 */
bool pt_http_wants_openmetrics(const char *accept);

#endif /* PT_HTTP_H */
