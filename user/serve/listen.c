// SPDX-License-Identifier: GPL-2.0
/* --listen: parse, bind, listen (listen.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listen.h"
#include "util.h"

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9' || p - s >= 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int pt_listen_parse(const char *spec, unsigned int mode,
		    struct pt_listen *l, char *err, size_t errlen)
{
	char host[64];
	const char *colon;
	size_t hlen;

	memset(l, 0, sizeof(*l));
	pt_strlcpy(l->text, spec, sizeof(l->text));
	l->mode = mode;
	if (!strncmp(spec, "unix:", 5)) {
		const char *path = spec + 5;

		if (path[0] != '/') {
			snprintf(err, errlen, "give an absolute socket path, e.g. unix:/run/perftop/metrics.sock");
			return -EINVAL;
		}
		if (strlen(path) >= sizeof(l->path)) {
			snprintf(err, errlen, "socket path longer than %zu bytes",
				 sizeof(l->path) - 1);
			return -EINVAL;
		}
		l->family = AF_UNIX;
		strcpy(l->path, path);
		return 0;
	}
	if (spec[0] == '[') {		/* [v6]:port */
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':') {
			snprintf(err, errlen, "write an IPv6 address as [::1]:%d", PT_DEFAULT_PORT);
			return -EINVAL;
		}
		hlen = (size_t)(end - spec - 1);
		colon = end + 1;
		spec++;
	} else {
		colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(err, errlen, "give ADDR:PORT, e.g. 127.0.0.1:%d, or unix:PATH",
				 PT_DEFAULT_PORT);
			return -EINVAL;
		}
		hlen = (size_t)(colon - spec);
	}
	if (hlen >= sizeof(host)) {
		snprintf(err, errlen, "address too long");
		return -EINVAL;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	if (parse_port(colon + 1, &l->port)) {
		snprintf(err, errlen, "port must be 0-65535 (0: any free port)");
		return -EINVAL;
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (!host[0])
		strcpy(host, "0.0.0.0");
	if (inet_pton(AF_INET, host, l->addr) == 1) {
		l->family = AF_INET;
	} else if (inet_pton(AF_INET6, host, l->addr) == 1) {
		l->family = AF_INET6;
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address (names are not resolved)",
			 host);
		return -EINVAL;
	}
	return 0;
}

/* An existing path: remove it only if it is a socket nobody listens on. */
static int clear_stale(const struct pt_listen *l)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc;

	if (lstat(l->path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pt_err("--listen %s: that path exists and is not a socket: remove it or choose another path",
		       l->text);
		return -EEXIST;
	}
	strcpy(sa.sun_path, l->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!rc) {
		pt_err("--listen %s: another process is listening there: stop it or choose another path",
		       l->text);
		return -EADDRINUSE;
	}
	if (unlink(l->path) && errno != ENOENT)
		return -errno;
	return 0;
}

static int bind_unix(int fd, const struct pt_listen *l)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int rc, err;

	err = clear_stale(l);
	if (err)
		return err;
	strcpy(sa.sun_path, l->path);
	/* created with the mode asked for, not briefly wider: the umask
	 * is process-wide, and no other thread runs yet */
	old = umask(~l->mode & 0777);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	umask(old);
	if (rc)
		return -err;
	if (chmod(l->path, l->mode))
		return -errno;
	return 0;
}

static int bind_inet(int fd, const struct pt_listen *l)
{
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
					   .sin6_port = htons(l->port) };

		/* [::] means IPv6 only: 0.0.0.0 is asked for separately */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		memcpy(&sa.sin6_addr, l->addr, 16);
		return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(l->port) };

		memcpy(&sa.sin_addr, l->addr, 4);
		return bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	}
}

/* Port 0: which one the kernel chose. */
static void bound_port(int fd, struct pt_listen *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (l->family == AF_UNIX || l->port || getsockname(fd, (struct sockaddr *)&ss, &len))
		return;
	l->port = ntohs(ss.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&ss)->sin6_port :
			((struct sockaddr_in *)&ss)->sin_port);
}

void pt_listen_url(const struct pt_listen *l, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "";

	if (l->family == AF_UNIX) {
		snprintf(buf, len, "unix:%s (mode %04o)", l->path, l->mode);
		return;
	}
	inet_ntop(l->family, l->addr, host, sizeof(host));
	snprintf(buf, len, l->family == AF_INET6 ? "http://[%s]:%u/metrics" :
		 "http://%s:%u/metrics", host, l->port);
}

int pt_listen_open(struct pt_listen *l)
{
	int fd = socket(l->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0) {
		err = -errno;
		pt_err("--listen %s: cannot create a socket: %s", l->text, strerror(-err));
		return err;
	}
	err = l->family == AF_UNIX ? bind_unix(fd, l) : bind_inet(fd, l);
	if (!err && listen(fd, 64))
		err = -errno;
	if (!err) {
		bound_port(fd, l);
		return fd;
	}
	close(fd);
	if (err == -EADDRINUSE)
		pt_err("--listen %s: the address is in use (another perftop serve, or an exporter?): choose another port with --listen ADDR:PORT",
		       l->text);
	else if (err == -EADDRNOTAVAIL)
		pt_err("--listen %s: no interface of this machine has that address: give one it has, e.g. 127.0.0.1",
		       l->text);
	else if (err == -EACCES || err == -EPERM)
		pt_err("--listen %s: %s: choose a port above 1023 or a socket path you may create",
		       l->text, strerror(-err));
	else if (err != -EEXIST)
		pt_err("--listen %s: %s: choose another address or path", l->text,
		       strerror(-err));
	return err;
}

void pt_listen_cleanup(const struct pt_listen *l)
{
	if (l->family == AF_UNIX && l->path[0])
		unlink(l->path);
}
