// SPDX-License-Identifier: GPL-2.0
/*
 * A lock convoy that measures its own lock waits, for perftop's tests.
 *
 *   convoy mutex|sem THREADS HOLD_US OUT_US SEC
 *
 * THREADS threads take one lock in turn for SEC seconds, each holding it
 * HOLD_US microseconds asleep (nanosleep) before releasing it, then
 * sleeping OUT_US outside it, so at most times one holds it and the
 * others wait.  OUT_US lets the woken waiter take the lock: with 0 the
 * releaser takes it back before the waiter runs (glibc's locks let it),
 * and one thread held the lock 593 times in 3 s while 7 waited the whole
 * time in one call each.  The lock is a glibc
 * pthread_mutex_t (its waiters expect the futex's contended value) or a
 * POSIX semaphore used as one (a binary semaphore, as CPython's Lock is:
 * its waiters expect 0, so only their waker tells a lock from a queue).
 *
 * Each thread reads CLOCK_MONOTONIC around every lock() call, so the
 * time it spent in them is measured by a second clock, not the
 * scheduler's.  On stdout, one JSON object after the threads have ended:
 *   {"tids": [...], "calls": [[[t0, t1, steady], ...], ...]}
 * per thread its id and its lock() calls: when each began and returned
 * (CLOCK_MONOTONIC ns) and whether it began once every thread had found
 * the lock taken at least once (steady: from then on every releaser has
 * waited on the lock's word itself, barring a release between a failed
 * trylock and the wait).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static sem_t sem;
static int use_sem;
static long hold_us, out_us;
static unsigned long long deadline;
static atomic_int contended;	/* threads that have found the lock taken */
static int nthreads;

struct call {
	unsigned long long t0, t1;
	int steady;
};

struct worker {
	pthread_t thread;
	pid_t tid;
	struct call *calls;
	size_t n, cap;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Takes the lock; returns whether it was taken by another thread first
 * (the call then waited, unless the holder let go in between). */
static int lock(void)
{
	if (use_sem) {
		if (sem_trywait(&sem) == 0)
			return 0;
		while (sem_wait(&sem))
			;
		return 1;
	}
	if (pthread_mutex_trylock(&mutex) == 0)
		return 0;
	pthread_mutex_lock(&mutex);
	return 1;
}

static void unlock(void)
{
	if (use_sem)
		sem_post(&sem);
	else
		pthread_mutex_unlock(&mutex);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct timespec hold = { hold_us / 1000000, hold_us % 1000000 * 1000 };
	struct timespec out = { out_us / 1000000, out_us % 1000000 * 1000 };
	int waited = 0;

	w->tid = gettid();
	while (now_ns() < deadline) {
		int steady = atomic_load(&contended) == nthreads;
		unsigned long long t0 = now_ns(), t1;
		int was_taken = lock();

		t1 = now_ns();
		if (w->n == w->cap) {
			w->cap = w->cap ? 2 * w->cap : 256;
			w->calls = realloc(w->calls, w->cap * sizeof(*w->calls));
			if (!w->calls) {
				perror("convoy");
				exit(1);
			}
		}
		w->calls[w->n++] = (struct call){ t0, t1, steady };
		if (was_taken && !waited) {
			waited = 1;
			atomic_fetch_add(&contended, 1);
		}
		nanosleep(&hold, NULL);
		unlock();
		if (out_us)
			nanosleep(&out, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct worker w[MAX_THREADS];
	const char *sep = "";
	int i;

	if (argc != 6 || (strcmp(argv[1], "mutex") && strcmp(argv[1], "sem"))) {
		fprintf(stderr,
			"usage: convoy mutex|sem THREADS HOLD_US OUT_US SEC\n");
		return 2;
	}
	use_sem = !strcmp(argv[1], "sem");
	nthreads = atoi(argv[2]);
	hold_us = atol(argv[3]);
	out_us = atol(argv[4]);
	if (nthreads < 2 || nthreads > MAX_THREADS || hold_us <= 0 ||
	    out_us < 0) {
		fprintf(stderr, "convoy: 2 to %d threads, HOLD_US > 0, OUT_US >= 0\n",
			MAX_THREADS);
		return 2;
	}
	if (use_sem && sem_init(&sem, 0, 1)) {
		perror("sem_init");
		return 1;
	}
	deadline = now_ns() + (unsigned long long)(atof(argv[5]) * 1e9);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&w[i].thread, NULL, work, &w[i])) {
			perror("pthread_create");
			return 1;
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].thread, NULL);
	printf("{\"tids\": [");
	for (i = 0; i < nthreads; i++, sep = ", ")
		printf("%s%d", sep, w[i].tid);
	printf("], \"calls\": [");
	for (sep = "", i = 0; i < nthreads; i++, sep = ", ") {
		const char *csep = "";
		size_t k;

		printf("%s[", sep);
		for (k = 0; k < w[i].n; k++, csep = ", ")
			printf("%s[%llu, %llu, %d]", csep, w[i].calls[k].t0,
			       w[i].calls[k].t1, w[i].calls[k].steady);
		printf("]");
	}
	printf("]}\n");
	return 0;
}
