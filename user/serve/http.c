// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP server of `serve` (http.h), on libmicrohttpd.
 *
 * libmicrohttpd runs in "external polling" mode on a thread of our own, so
 * the thread can also enforce what the library has no option for: a
 * deadline per request and a maximum age per connection.  Its own
 * timeout is an inactivity timer that any trickled byte resets, so a
 * client sending a header a byte every few seconds would hold a
 * connection slot for hours; the sweep below shuts such a socket down, and
 * the library then closes it as it would a peer's hang-up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>

#include "http.h"
#include "util.h"

#define MEMORY_LIMIT (32 * 1024)	/* per connection: request line + headers */
#define SWEEP_MS 250

static const char *const code_names[PT_HTTP_NR_CODES] = {
	[PT_HTTP_200] = "200", [PT_HTTP_400] = "400", [PT_HTTP_404] = "404",
	[PT_HTTP_405] = "405", [PT_HTTP_406] = "406", [PT_HTTP_503] = "503",
	[PT_HTTP_OTHER] = "other",
};

const char *pt_http_code_name(enum pt_http_code c)
{
	return c < PT_HTTP_NR_CODES ? code_names[c] : "other";
}

/* One accepted connection, for the deadlines. */
struct conn {
	bool used;
	int fd;
	uint64_t opened_ns;
	uint64_t request_ns;	/* first line of the current request; 0: none */
	bool cut;		/* shut down by the sweep already */
};

struct pt_http {
	struct MHD_Daemon *d;
	struct pt_board *board;
	struct pt_http_opts o;
	pthread_t thread;
	bool stopping;		/* atomic: the thread ends */
	struct conn *conns;	/* o.max_conns slots */
	/* written by the HTTP thread, read by the collector's */
	uint64_t responses[PT_HTTP_NR_CODES];
	uint64_t connections, cut_off, open;
};

static void count(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/* ---- content negotiation ---- */

/* The q of one media range's parameters (";q=0.5;version=1.0.0"), or -1
 * if a version parameter names none of `versions` (NULL: any). */
static double range_q(const char *params, size_t len,
		      const char *const *versions)
{
	double q = 1;
	size_t i = 0;

	while (i < len) {
		size_t start, end, eq;
		char name[16], value[32];

		while (i < len && (params[i] == ';' || params[i] == ' ' || params[i] == '\t'))
			i++;
		start = i;
		while (i < len && params[i] != ';')
			i++;
		end = i;
		while (end > start && (params[end - 1] == ' ' || params[end - 1] == '\t'))
			end--;
		for (eq = start; eq < end && params[eq] != '='; eq++)
			;
		if (eq == end || eq - start >= sizeof(name) ||
		    end - eq - 1 >= sizeof(value))
			continue;	/* not name=value: ignored, as RFC 9110 allows */
		memcpy(name, params + start, eq - start);
		name[eq - start] = '\0';
		memcpy(value, params + eq + 1, end - eq - 1);
		value[end - eq - 1] = '\0';
		if (!strcasecmp(name, "q")) {
			char *e;

			q = strtod(value, &e);
			if (*e || !(q >= 0 && q <= 1))
				return -1;	/* a malformed q: the range is ignored */
		} else if (!strcasecmp(name, "version") && versions) {
			const char *const *v;

			for (v = versions; *v && strcmp(*v, value); v++)
				;
			if (!*v)
				return -1;
		}
	}
	return q;
}

bool pt_http_wants_openmetrics(const char *accept)
{
	/* 0.0.1 is the draft 1.0.0 grew from: the same syntax for all that
	 * perftop writes */
	static const char *const om_versions[] = { "1.0.0", "0.0.1", NULL };
	static const char *const text_versions[] = { "0.0.4", NULL };
	double q_om = -1, q_text = -1;
	const char *p = accept;

	if (!accept)
		return false;
	while (*p) {
		const char *end = strchr(p, ','), *semi, *params;
		size_t len, tlen, plen;
		char type[64];
		double q;

		if (!end)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		len = (size_t)(end - p);
		semi = memchr(p, ';', len);
		tlen = semi ? (size_t)(semi - p) : len;
		while (tlen && (p[tlen - 1] == ' ' || p[tlen - 1] == '\t'))
			tlen--;
		if (tlen && tlen < sizeof(type)) {
			memcpy(type, p, tlen);
			type[tlen] = '\0';
			params = semi ? semi : p + len;
			plen = semi ? (size_t)(p + len - semi) : 0;
			if (!strcasecmp(type, "application/openmetrics-text")) {
				q = range_q(params, plen, om_versions);
				if (q > q_om)
					q_om = q;
			} else if (!strcasecmp(type, "text/plain")) {
				q = range_q(params, plen, text_versions);
				if (q > q_text)
					q_text = q;
			} else if (!strcasecmp(type, "text/*") ||
				   !strcasecmp(type, "*/*")) {
				q = range_q(params, plen, NULL);
				if (q > q_text)
					q_text = q;
			}
		}
		p = *end ? end + 1 : end;
	}
	return q_om > 0 && q_om > q_text;
}

/* ---- requests ---- */

static enum pt_http_code code_of(unsigned int status)
{
	switch (status) {
	case 200: return PT_HTTP_200;
	case 400: return PT_HTTP_400;
	case 404: return PT_HTTP_404;
	case 405: return PT_HTTP_405;
	case 406: return PT_HTTP_406;
	case 503: return PT_HTTP_503;
	default: return PT_HTTP_OTHER;
	}
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int status,
				  const char *text, const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == 503)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static void page_free(void *cls)
{
	pt_page_put(cls);
}

static enum MHD_Result reply_metrics(struct pt_http *h, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	bool om = pt_http_wants_openmetrics(accept);
	struct pt_page *pg = pt_board_take(h->board, om ? PT_PAGE_OPENMETRICS :
							  PT_PAGE_TEXT);
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!pg)
		return reply_text(c, 503, "perftop serve: the first interval is not over yet\n",
				  NULL);
	/* the page stays alive until the library is done sending it */
	r = MHD_create_response_from_buffer_with_free_callback_cls(
		pg->len, pg->data, page_free, pg);
	if (!r) {
		pt_page_put(pg);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om ?
		"application/openmetrics-text; version=1.0.0; charset=utf-8" :
		"text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	ret = MHD_queue_response(c, 200, r);
	MHD_destroy_response(r);
	return ret;
}

static const char index_text[] =
	"perftop serve\n"
	"\n"
	"/metrics  Prometheus text format, or OpenMetrics 1.0.0 when the scraper\n"
	"          asks for it (Accept: application/openmetrics-text)\n"
	"\n"
	"Documentation: man perftop, README.md (\"perftop serve\").\n";

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	struct pt_http *h = cls;
	const char *q;
	size_t plen;

	(void)version;
	(void)upload;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, 405, "only GET is served here\n", "GET, HEAD");
	/* A GET has no body; one that sends one is malformed here.  The
	 * first call comes before any body byte is read. */
	if (!*req) {
		*req = h;
		if (MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_CONTENT_LENGTH) ||
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
			const char *cl = MHD_lookup_connection_value(
				c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

			if (!cl || strcmp(cl, "0"))
				return reply_text(c, 400, "a GET request has no body\n", NULL);
		}
		return MHD_YES;
	}
	if (*upload_size)
		return reply_text(c, 400, "a GET request has no body\n", NULL);
	/* the path, without a query string (scrapers may add parameters) */
	q = strchr(url, '?');
	plen = q ? (size_t)(q - url) : strlen(url);
	if (plen == 8 && !strncmp(url, "/metrics", 8))
		return reply_metrics(h, c);
	if (plen == 1 && url[0] == '/')
		return reply_text(c, 200, index_text, NULL);
	return reply_text(c, 404, "not found: perftop serves /metrics\n", NULL);
}

/* Paths are compared as sent: %-escapes are not decoded, so /metrics%00
 * or /%6detrics are not /metrics (the library would decode them, and a
 * %00 would end the C string early). */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *uri)
{
	(void)cls;
	(void)c;
	return strlen(uri);
}

/* ---- connections and their deadlines ---- */

static struct conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode what)
{
	struct pt_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *k = *ctx;
	unsigned int i;

	if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (k) {
			k->used = false;
			__atomic_sub_fetch(&h->open, 1, __ATOMIC_RELAXED);
		}
		*ctx = NULL;
		return;
	}
	count(&h->connections);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	for (i = 0; i < h->o.max_conns; i++)
		if (!h->conns[i].used)
			break;
	if (i == h->o.max_conns || !ci) {
		/* the library keeps to the same limit, so never here */
		if (ci)
			shutdown(ci->connect_fd, SHUT_RDWR);
		return;
	}
	k = &h->conns[i];
	memset(k, 0, sizeof(*k));
	k->used = true;
	k->fd = ci->connect_fd;
	k->opened_ns = pt_now_mono_ns();
	*ctx = k;
	__atomic_add_fetch(&h->open, 1, __ATOMIC_RELAXED);
}

/* Called once the request line has arrived: the request's clock starts. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn *k = conn_of(c);

	(void)cls;
	(void)uri;
	if (k)
		k->request_ns = pt_now_mono_ns();
	return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req,
			 enum MHD_RequestTerminationCode why)
{
	struct pt_http *h = cls;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
	struct conn *k = conn_of(c);

	(void)req;
	if (k)
		k->request_ns = 0;
	if (why == MHD_REQUEST_TERMINATED_COMPLETED_OK && ci)
		count(&h->responses[code_of(ci->http_status)]);
}

static void sweep(struct pt_http *h)
{
	uint64_t now = pt_now_mono_ns(), req = h->o.request_s * 1000000000ull,
		 age = h->o.max_age_s * 1000000000ull;
	unsigned int i;

	for (i = 0; i < h->o.max_conns; i++) {
		struct conn *k = &h->conns[i];

		if (!k->used || k->cut)
			continue;
		if ((k->request_ns && now - k->request_ns > req) ||
		    now - k->opened_ns > age) {
			shutdown(k->fd, SHUT_RDWR);
			k->cut = true;
			count(&h->cut_off);
		}
	}
}

static void *http_thread(void *arg)
{
	struct pt_http *h = arg;

	/* the library waits in its own epoll (edge-triggered: an outer
	 * poll() on its fd would miss work it left for later), at most a
	 * sweep period, so deadlines and a stop are seen within 250 ms */
	while (!__atomic_load_n(&h->stopping, __ATOMIC_ACQUIRE)) {
		if (MHD_run_wait(h->d, SWEEP_MS) != MHD_YES)
			break;
		sweep(h);
	}
	return NULL;
}

struct pt_http *pt_http_start(int fd, const struct pt_http_opts *o,
			      struct pt_board *board)
{
	struct pt_http *h = calloc(1, sizeof(*h));
	int err;

	if (!h) {
		close(fd);
		pt_err("out of memory starting the HTTP server");
		return NULL;
	}
	h->board = board;
	h->o = *o;
	if (!h->o.max_conns)
		h->o.max_conns = 16;
	if (!h->o.idle_s)
		h->o.idle_s = 15;
	if (!h->o.request_s)
		h->o.request_s = 10;
	if (!h->o.max_age_s)
		h->o.max_age_s = 120;
	h->conns = calloc(h->o.max_conns, sizeof(*h->conns));
	if (!h->conns) {
		close(fd);
		pt_err("out of memory starting the HTTP server");
		goto fail;
	}
	/* no MHD_USE_ERROR_LOG: a malformed request is the client's problem
	 * and gets its 4xx; it must not fill the journal */
	h->d = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, h,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, h->o.max_conns,
		MHD_OPTION_CONNECTION_TIMEOUT, h->o.idle_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MEMORY_LIMIT,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_STRICT_FOR_CLIENT, 1,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
		MHD_OPTION_END);
	if (!h->d) {
		close(fd);
		pt_err("cannot start the HTTP server (libmicrohttpd): check the --listen address");
		goto fail;
	}
	err = pthread_create(&h->thread, NULL, http_thread, h);
	if (err) {
		pt_err("cannot start the HTTP thread: %s", strerror(err));
		MHD_stop_daemon(h->d);
		goto fail;
	}
	return h;
fail:
	free(h->conns);
	free(h);
	return NULL;
}

void pt_http_stats(struct pt_http *h, struct pt_http_stats *st)
{
	int i;

	for (i = 0; i < PT_HTTP_NR_CODES; i++)
		st->responses[i] = __atomic_load_n(&h->responses[i], __ATOMIC_RELAXED);
	st->connections = __atomic_load_n(&h->connections, __ATOMIC_RELAXED);
	st->cut_off = __atomic_load_n(&h->cut_off, __ATOMIC_RELAXED);
	st->open = __atomic_load_n(&h->open, __ATOMIC_RELAXED);
}

void pt_http_stop(struct pt_http *h)
{
	if (!h)
		return;
	__atomic_store_n(&h->stopping, true, __ATOMIC_RELEASE);
	pthread_join(h->thread, NULL);
	MHD_stop_daemon(h->d);	/* closes connections and the socket */
	free(h->conns);
	free(h);
}
