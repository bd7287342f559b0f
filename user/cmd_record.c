// SPDX-License-Identifier: GPL-2.0
/* perftop record: the JSON trace, one snapshot line per interval. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "collector.h"
#include "commands.h"
#include "trace.h"
#include "util.h"

static int write_obj(struct pt_trace_writer *w, cJSON *obj)
{
	int err = obj ? pt_trace_write(w, obj) : -ENOMEM;

	if (!obj)
		pt_err("out of memory building a trace line");
	cJSON_Delete(obj);
	return err;
}

/* Discard a file we created when nothing useful could go into it. */
static void discard_output(struct pt_trace_writer *w, const struct pt_opts *o)
{
	pt_trace_close(w);
	if (o->output && strcmp(o->output, "-"))
		unlink(o->output);
}

static int record_loop(struct pt_collector *c, struct pt_trace_writer *w,
		       const struct pt_opts *o)
{
	uint64_t end = o->duration_set ?
		c->interval_start + (uint64_t)(o->duration_s * 1e9) : UINT64_MAX;
	struct pt_snapshot snap;
	uint64_t count = 0;
	int err = 0;

	pt_snapshot_init(&snap);
	while (!err) {
		if (c->deadline > end)
			c->deadline = end;
		err = pt_collector_wait(c, &pt_stop);
		if (err)
			break;
		/* After a stop signal, keep the partial interval too: the sums
		 * over all snapshots must cover the whole recording. */
		if (pt_stop && pt_now_mono_ns() - c->interval_start < 1000000)
			break;
		err = pt_collector_snapshot(c, &snap);
		if (!err)
			err = write_obj(w, pt_json_snapshot(&snap));
		if (!err)
			count++;
		if (pt_stop || pt_now_mono_ns() >= end)
			break;
	}
	if (!err)
		err = write_obj(w, pt_json_end(count, &c->loss_total));
	pt_snapshot_free(&snap);
	return err;
}

int pt_cmd_record(const struct pt_opts *o)
{
	struct pt_trace_writer *w;
	struct pt_collector c;
	int err;

	pt_install_stop_signals();
	w = pt_trace_create(o->output, o->force);
	if (!w)
		return PT_EXIT_FAIL;
	err = pt_collector_start(&c, o, false);
	if (err) {
		discard_output(w, o);
		return err == PT_ERR_CONFIG ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	err = write_obj(w, pt_json_header(&c.header));
	if (!err)
		err = record_loop(&c, w, o);
	pt_collector_stop(&c);
	if (pt_trace_close(w))
		err = -EIO;
	return err ? PT_EXIT_FAIL : PT_EXIT_OK;
}
