/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where `serve` listens: --listen 127.0.0.1:19273 (the default),
 * [::1]:19273, 0.0.0.0:19273 (every interface: the metrics name commands
 * and cgroups, so this is a choice to make on purpose), or
 * unix:/run/perftop/metrics.sock with --socket-mode (default 0600).
 *
 * The default port: the Prometheus project's register of exporter ports
 * (its wiki, "Default port allocations") has given out every port of
 * 9100-9999, so perftop takes one outside it that is also outside Linux's
 * ephemeral range (32768-60999), Kubernetes' NodePort range
 * (30000-32767) and IANA's registered names in /etc/services.
 */
#ifndef PT_LISTEN_H
#define PT_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#define PT_DEFAULT_PORT 19273
#define PT_DEFAULT_LISTEN "127.0.0.1:19273"

struct pt_listen {
	int family;		/* AF_INET, AF_INET6 or AF_UNIX */
	unsigned char addr[16];	/* network byte order */
	uint16_t port;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	unsigned int mode;	/* unix: the socket file's mode */
	char text[128];		/* as given, for messages */
};

/* 0, or -EINVAL with what is wrong in err. */
int pt_listen_parse(const char *spec, unsigned int mode,
		    struct pt_listen *l, char *err, size_t errlen);
/* Bound and listening, non-blocking, close-on-exec: the fd, or -errno
 * after one error line.  A stale unix socket file is replaced; a live
 * one, or any other file, is not.  Port 0 takes a free port: l->port
 * then says which. */
int pt_listen_open(struct pt_listen *l);
/* "http://127.0.0.1:19273/metrics", "unix:/run/perftop.sock" */
void pt_listen_url(const struct pt_listen *l, char *buf, size_t len);
/* Remove the unix socket file (nothing for TCP). */
void pt_listen_cleanup(const struct pt_listen *l);

#endif /* PT_LISTEN_H */
