// SPDX-License-Identifier: GPL-2.0
/* perftop record: the JSON trace, one snapshot line per interval. */
#include <errno.h>
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

struct record_ctx {
	struct pt_trace_writer *w;
	uint64_t count;
};

static int record_snapshot(struct pt_snapshot *s, void *arg)
{
	struct record_ctx *rc = arg;
	int err = pt_trace_write_snapshot(rc->w, s);

	if (!err)
		rc->count++;
	return err;
}

static int record_loop(struct pt_collector *c, struct pt_trace_writer *w,
		       const struct pt_opts *o)
{
	struct record_ctx rc = { .w = w };
	int err = pt_collector_run(c, o, &pt_stop, record_snapshot, &rc);

	if (!err)
		err = write_obj(w, pt_json_end(rc.count, &c->loss_total));
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
		pt_trace_abort(w);
		return err == PT_ERR_CONFIG ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	err = pt_trace_begin(w);
	if (!err)
		err = write_obj(w, pt_json_header(&c.header));
	if (!err)
		err = record_loop(&c, w, o);
	pt_collector_stop(&c);
	if (pt_trace_close(w))
		err = -EIO;
	return err ? PT_EXIT_FAIL : PT_EXIT_OK;
}

const struct pt_command pt_command_record = {
	.name = "record",
	.run = pt_cmd_record,
	.overview =
"  record [-o FILE]     JSON trace (NDJSON), one snapshot per interval; FILE\n"
"                       ending in .gz is gzip; no -o, or -o -, writes stdout\n",
	.usage =
"Usage: perftop record [-o FILE] [OPTIONS]\n"
"\n"
"Writes a JSON trace: a header line, one snapshot line per interval (each\n"
"flushed as its interval ends, so tail -f follows it), and an end line\n"
"with the loss totals.  FILE ending in .gz is gzip; no -o, or -o -, writes\n"
"stdout.  Files are created mode 0600, never over an existing file unless\n"
"--force.  SIGINT/SIGTERM end it cleanly.  docs/json-format.md has the format.\n",
	.options = "duration interval pid cgroup probes tcp-owner config output force verbose",
	.needs_privileges = true,
};
