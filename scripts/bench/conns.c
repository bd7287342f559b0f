// SPDX-License-Identifier: GPL-2.0
/*
 * conns: live threads and open TCP connections, for perftop's memory bound
 * in scripts/bench.sh.  Every thread wakes once a second (so the scheduler
 * family sees all of them each interval); every connection carries a few
 * bytes each second from one sender thread.  The accepting ends live in a
 * child process, so neither process needs more than CONNECTIONS descriptors
 * (the hard RLIMIT_NOFILE may be low and not raisable).  Prints "ready" once
 * all exist, then runs until SIGTERM/SIGINT.
 *
 *   conns THREADS CONNECTIONS
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static int *client_fds, nr_conns;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void *sleeper(void *arg)
{
	struct timespec second = { .tv_sec = 1 };

	(void)arg;
	while (!stop)
		nanosleep(&second, NULL);
	return NULL;
}

/* One small write per connection per second. */
static void *sender(void *arg)
{
	struct timespec second = { .tv_sec = 1 };
	int i;

	(void)arg;
	while (!stop) {
		for (i = 0; i < nr_conns; i++)
			if (send(client_fds[i], "x", 1, MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN)
				perror("conns: send");
		nanosleep(&second, NULL);
	}
	return NULL;
}

static int open_listener(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr->sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, len) ||
	    listen(fd, 4096) || getsockname(fd, (struct sockaddr *)addr, &len))
		return -1;
	return fd;
}

/* Child: accept every connection, keep it open, die with the parent. */
static void acceptor(int lfd)
{
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < nr_conns; i++)
		if (accept(lfd, NULL, NULL) < 0) {
			perror("conns: accept");
			_exit(1);
		}
	for (;;)
		pause();
}

static int connect_all(int lfd, const struct sockaddr_in *addr)
{
	int i;

	if (fork() == 0)
		acceptor(lfd);
	close(lfd);
	for (i = 0; i < nr_conns; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);

		if (c < 0 || connect(c, (const struct sockaddr *)addr,
				     sizeof(*addr)))
			return -1;
		client_fds[i] = c;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit nofile;
	struct sockaddr_in addr;
	pthread_attr_t attr;
	pthread_t tid;
	int i, nr_threads, lfd;

	if (argc != 3) {
		fprintf(stderr, "usage: conns THREADS CONNECTIONS\n");
		return 2;
	}
	nr_threads = atoi(argv[1]);
	nr_conns = atoi(argv[2]);
	getrlimit(RLIMIT_NOFILE, &nofile);
	nofile.rlim_cur = nofile.rlim_max;
	if ((rlim_t)nr_conns + 64 > nofile.rlim_cur) {
		fprintf(stderr, "conns: %d connections need more than the hard RLIMIT_NOFILE %lu\n",
			nr_conns, (unsigned long)nofile.rlim_max);
		return 1;
	}
	setrlimit(RLIMIT_NOFILE, &nofile);
	client_fds = calloc(nr_conns + 1, sizeof(*client_fds));
	lfd = open_listener(&addr);
	if (!client_fds || lfd < 0 || connect_all(lfd, &addr)) {
		perror("conns: connections");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (i = 0; i <= nr_threads; i++) {
		int err = pthread_create(&tid, &attr,
					 i < nr_threads ? sleeper : sender, NULL);

		if (err) {
			fprintf(stderr, "conns: thread %d: %s\n", i, strerror(err));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop)
		pause();
	return 0;	/* exit tears everything down */
}
