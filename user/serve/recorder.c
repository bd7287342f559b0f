// SPDX-License-Identifier: GPL-2.0
/* The flight recorder's writer thread (recorder.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "recorder.h"
#include "util.h"

/* Intervals the disk may fall behind before snapshots are dropped: at
 * -i 1, four seconds of a stalled disk. */
#define QUEUE_LEN 4
/* ... and the bytes the copies held (queued, and the one being written)
 * may reach: under the serve soak's churn a copy took ~13 MB and four
 * queued held 53.5 MB at the peak (heaptrack, docs/serve.md), RSS that
 * only the churn decided.  A copy is always taken when none is held, so
 * a node whose snapshot alone is larger still records every interval the
 * disk keeps up with. */
#define QUEUE_BYTES ((size_t)32 << 20)

/*
 * A written copy is kept as the spare the next copy is taken into
 * (pt_snapshot_copy_into), not freed: under the serve soak's churn a copy
 * was 7-8 MB (35,000 connections an interval), mapped, faulted in and
 * unmapped every second, and RSS read 50 or 59 MB by whether a sample
 * caught a copy alive (docs/performance-serve.md).  The spare is one
 * snapshot's memory held for good, trimmed to what the intervals need.
 */

struct pt_recorder {
	struct pt_rotator *rot;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pt_snapshot q[QUEUE_LEN];
	struct pt_snapshot spare;	/* a written copy's arrays, for reuse */
	bool have_spare;
	size_t head, len;
	size_t bytes[QUEUE_LEN], queued;	/* copies' sizes, their sum */
	bool stopping;
	uint64_t queue_dropped;
	uint64_t last_seq;		/* the last offered (pushing thread's) */
	struct pt_rotate_stats st;	/* a copy, under lock */
};

static void *writer(void *arg)
{
	struct pt_recorder *r = arg;
	struct pt_snapshot s;
	size_t held;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->len && !r->stopping)
			pthread_cond_wait(&r->cond, &r->lock);
		if (!r->len)
			break;
		/* take it out of the queue; write without the lock */
		s = r->q[r->head];
		held = r->bytes[r->head];
		pt_snapshot_init(&r->q[r->head]);
		r->head = (r->head + 1) % QUEUE_LEN;
		r->len--;
		pthread_mutex_unlock(&r->lock);
		pt_rotator_write(r->rot, &s);
		pthread_mutex_lock(&r->lock);
		if (r->have_spare) {
			pt_snapshot_free(&s);
		} else {
			r->spare = s;
			r->have_spare = true;
		}
		r->queued -= held;	/* its bytes counted until written */
		pt_rotator_stats(r->rot, &r->st);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct pt_recorder *pt_recorder_start(const struct pt_rotate_opts *o,
				      const struct pt_header *h)
{
	struct pt_recorder *r = calloc(1, sizeof(*r));
	int i, err;

	if (!r) {
		pt_err("out of memory starting the flight recorder");
		return NULL;
	}
	r->rot = pt_rotator_open(o, h);
	if (!r->rot) {
		free(r);
		return NULL;
	}
	pt_rotator_stats(r->rot, &r->st);
	for (i = 0; i < QUEUE_LEN; i++)
		pt_snapshot_init(&r->q[i]);
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	err = pthread_create(&r->thread, NULL, writer, r);
	if (err) {
		pt_err("cannot start the flight recorder's thread: %s", strerror(err));
		pt_rotator_close(r->rot, 0);
		free(r);
		return NULL;
	}
	return r;
}

void pt_recorder_push(struct pt_recorder *r, const struct pt_snapshot *s)
{
	struct pt_snapshot copy;
	size_t bytes = pt_snapshot_bytes(s);
	bool reuse;
	int err;

	r->last_seq = s->seq;
	pthread_mutex_lock(&r->lock);
	/* full by count, or by bytes unless nothing is held (the writer's
	 * copy in hand counts: it is freed after its write) */
	if (r->len == QUEUE_LEN ||
	    (r->queued && r->queued + bytes > QUEUE_BYTES)) {
		r->queue_dropped++;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	reuse = r->have_spare;
	if (reuse) {
		copy = r->spare;
		r->have_spare = false;
	}
	pthread_mutex_unlock(&r->lock);
	/* copied outside the lock: only this thread adds to the queue */
	err = reuse ? pt_snapshot_copy_into(&copy, s) : pt_snapshot_copy(&copy, s);
	if (err) {
		if (reuse)
			pt_snapshot_free(&copy);
		pthread_mutex_lock(&r->lock);
		r->queue_dropped++;
		pthread_mutex_unlock(&r->lock);
		return;
	}
	pthread_mutex_lock(&r->lock);
	r->bytes[(r->head + r->len) % QUEUE_LEN] = bytes;
	r->q[(r->head + r->len) % QUEUE_LEN] = copy;
	r->queued += bytes;
	r->len++;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

void pt_recorder_stats(struct pt_recorder *r, struct pt_rotate_stats *st,
		       uint64_t *queue_dropped)
{
	pthread_mutex_lock(&r->lock);
	*st = r->st;
	*queue_dropped = r->queue_dropped;
	pthread_mutex_unlock(&r->lock);
}

int pt_recorder_stop(struct pt_recorder *r)
{
	int err;

	if (!r)
		return 0;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	err = pt_rotator_close(r->rot, r->last_seq);
	if (r->have_spare)
		pt_snapshot_free(&r->spare);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
	return err;
}
