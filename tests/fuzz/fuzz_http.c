// SPDX-License-Identifier: GPL-2.0
/*
 * serve's request path, end to end: each input is the bytes a client
 * sends on one connection (then it stops sending) to the real server
 * (libmicrohttpd with perftop's handlers, serve/http.c) on loopback.
 * perftop's code runs under ASan/UBSan in-process; every response must be
 * one of the statuses the endpoint may give, or none (the connection
 * closed: bytes that are not HTTP), and the server must keep answering.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "http.h"
#include "listen.h"
#include "page.h"

static struct pt_board board;
static struct pt_http *srv;
static struct sockaddr_in addr;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] = "# TYPE x gauge\nx 1\n";
	struct pt_page *pages[PT_PAGE_NR_FMT];
	struct pt_listen l;
	char err[128];
	int fd;

	(void)argc;
	(void)argv;
	pt_fuzz_quiet();
	pt_board_init(&board);
	pages[PT_PAGE_TEXT] = pt_page_new(text, sizeof(text) - 1, 1);
	pages[PT_PAGE_OPENMETRICS] = pt_page_new(text, sizeof(text) - 1, 1);
	pt_board_publish(&board, pages);
	if (pt_listen_parse("127.0.0.1:0", 0600, &l, err, sizeof(err)))
		abort();
	fd = pt_listen_open(&l);
	if (fd < 0)
		abort();
	/* short limits: inputs that stop mid-request hold a connection until
	 * the deadline, and fuzzing makes many of them */
	srv = pt_http_start(fd, &(struct pt_http_opts){ .max_conns = 64,
			    .idle_s = 1, .request_s = 1 }, &board);
	if (!srv)
		abort();
	addr.sin_family = AF_INET;
	addr.sin_port = htons(l.port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return 0;
}

/* The first response's status; 0 when the server closed without one, or
 * sent nothing within wait_ms (it waits for the rest of a request). */
static int exchange(const uint8_t *data, size_t size, int wait_ms)
{
	char buf[4096];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = 0;
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		abort();
	/* the server may answer and close before it has read it all */
	if (size && send(fd, data, size, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		abort();
	shutdown(fd, SHUT_WR);
	/* up to the end of the first response's head, or the server's close
	 * (a keep-alive connection stays open after the response) */
	while (got < sizeof(buf) - 1 && poll(&pf, 1, wait_ms) == 1) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	buf[got] = '\0';
	close(fd);
	if (got >= 12 && !strncmp(buf, "HTTP/1.1 ", 9))
		status = atoi(buf + 9);
	else if (got)
		abort();	/* bytes that are not an HTTP response */
	return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t probe[] = "GET /metrics HTTP/1.0\r\n\r\n";
	int st = exchange(data, size, 300), i;

	switch (st) {
	case 0: case 200: case 400: case 404: case 405: case 413: case 414:
	case 431: case 505:
		break;
	default:
		fprintf(stdout, "unexpected status %d\n", st);
		abort();
	}
	/* still serving, once the connections left waiting for the rest of
	 * a request reach their 1 s deadline */
	for (i = 0; i < 10 && exchange(probe, sizeof(probe) - 1, 1000) != 200; i++)
		;
	if (i == 10)
		abort();
	return 0;
}
