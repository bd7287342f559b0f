// SPDX-License-Identifier: GPL-2.0
/*
 * perftop serve: the collector always on.  Every interval its snapshot
 * goes to three places, none of which can hold up the next interval:
 *   - the /metrics state (serve/metrics.c), rendered in both exposition
 *     formats into immutable pages the HTTP thread only sends;
 *   - the flight recorder's queue (serve/recorder.c, --record-dir), which
 *     a thread of its own writes to disk;
 *   - nothing else: no scraper, disk or client is waited for here.
 * SIGHUP reloads --config (thresholds, window); SIGTERM/SIGINT end the
 * current interval, record it, write each file's end line, exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "collector.h"
#include "commands.h"
#include "config.h"
#include "http.h"
#include "listen.h"
#include "metrics.h"
#include "page.h"
#include "recorder.h"
#include "selfstat.h"
#include "util.h"
#include "version.h"

struct serve {
	const struct pt_opts *o;
	struct pt_collector *c;
	struct pt_metrics *m;
	struct pt_board board;
	struct pt_http *http;
	struct pt_recorder *rec;
	struct pt_self_cost self;
	int stats_fd;			/* our BPF_ENABLE_STATS, or -1 */
	uint64_t reloads, reload_errors, loaded_s;
	char *buf;			/* a page being rendered */
	size_t buf_len;
};

/* SIGHUP: --config again.  A bad file keeps the thresholds in use. */
static void reload(struct serve *sv)
{
	struct pt_detect_config cfg;
	struct pt_detector *d;

	pt_reload = 0;
	if (pt_config_load(sv->o->config, &cfg)) {
		sv->reload_errors++;
		pt_warn("SIGHUP: %s not reloaded: the previous thresholds stay in use",
			sv->o->config ? sv->o->config : "the configuration");
		return;
	}
	d = pt_detector_new(&cfg);
	if (!d) {
		sv->reload_errors++;
		pt_warn("SIGHUP: out of memory reloading the configuration: the previous one stays");
		return;
	}
	/* the live window starts over under the new thresholds */
	pt_detector_free(sv->c->detector);
	sv->c->detector = d;
	sv->c->cfg = cfg;
	if (!sv->o->interval_set && cfg.interval_s > 0)
		pt_collector_set_interval(sv->c, (uint64_t)(cfg.interval_s * 1e9));
	sv->reloads++;
	sv->loaded_s = pt_now_real_ns() / 1000000000ull;
	fprintf(stderr, "perftop: SIGHUP: configuration reloaded%s%s\n",
		sv->o->config ? " from " : "", sv->o->config ? sv->o->config : "");
}

/* Render one format into a new page; NULL without memory. */
static struct pt_page *render(struct serve *sv, enum pt_expo_fmt fmt,
			      const struct pt_metrics_ctx *ctx, uint64_t seq)
{
	FILE *f = open_memstream(&sv->buf, &sv->buf_len);
	struct pt_page *pg = NULL;
	struct pt_expo e;
	int err;

	if (!f)
		return NULL;
	pt_expo_init(&e, f, fmt);
	err = pt_metrics_render(sv->m, ctx, &e);
	if (fclose(f) || err)
		err = -ENOMEM;
	if (!err)
		pg = pt_page_new(sv->buf, sv->buf_len, seq);
	free(sv->buf);
	sv->buf = NULL;
	return pg;
}

static void publish(struct serve *sv, uint64_t seq)
{
	struct pt_page *pages[PT_PAGE_NR_FMT];
	struct pt_rotate_stats rs;
	struct pt_http_stats hs;
	struct pt_metrics_ctx ctx = {
		.version = PT_VERSION, .header = &sv->c->header,
		.cfg = &sv->c->cfg, .self = &sv->self, .http = &hs,
		.config_reloads = sv->reloads,
		.config_reload_errors = sv->reload_errors,
		.config_loaded_s = sv->loaded_s,
	};

	pt_self_cost_read(&sv->self);
	sv->self.bpf_stats_on |= sv->stats_fd >= 0;
	pt_http_stats(sv->http, &hs);
	if (sv->rec) {
		pt_recorder_stats(sv->rec, &rs, &ctx.rec_queue_dropped);
		ctx.rec = &rs;
	}
	pages[PT_PAGE_TEXT] = render(sv, PT_EXPO_TEXT, &ctx, seq);
	pages[PT_PAGE_OPENMETRICS] = render(sv, PT_EXPO_OPENMETRICS, &ctx, seq);
	if (!pages[PT_PAGE_TEXT] || !pages[PT_PAGE_OPENMETRICS])
		pt_warn("out of memory rendering /metrics: scrapers see the previous interval's page");
	pt_board_publish(&sv->board, pages);
}

static int serve_snapshot(struct pt_snapshot *s, void *arg)
{
	struct serve *sv = arg;

	if (pt_reload)
		reload(sv);
	if (pt_metrics_add(sv->m, s))
		pt_warn("out of memory updating /metrics: interval %llu is missing from its counters",
			(unsigned long long)s->seq);
	if (sv->rec)
		pt_recorder_push(sv->rec, s);
	publish(sv, s->seq);
	return 0;
}

static void say_where(const struct serve *sv, const struct pt_listen *l)
{
	char url[200];

	pt_listen_url(l, url, sizeof(url));
	fprintf(stderr, "perftop serve: metrics at %s%s%s\n", url,
		sv->o->record_dir ? ", recording into " : "",
		sv->o->record_dir ? sv->o->record_dir : "");
}

static int start_recorder(struct serve *sv)
{
	struct pt_rotate_opts ro = {
		.dir = sv->o->record_dir, .period_ns = sv->o->rotate_ns,
		.keep_ns = sv->o->keep_ns, .max_bytes = sv->o->max_size,
	};

	if (!sv->o->record_dir)
		return 0;
	sv->rec = pt_recorder_start(&ro, &sv->c->header);
	return sv->rec ? 0 : -EIO;
}

/* --print-alert-rules: with --config's thresholds; no BPF, no root. */
static int print_rules(const struct pt_opts *o)
{
	struct pt_detect_config cfg;

	if (pt_config_load(o->config, &cfg))
		return PT_EXIT_USAGE;
	if (pt_alert_rules(stdout, &cfg)) {
		pt_err("writing the alerting rules failed: %s", strerror(errno));
		return PT_EXIT_FAIL;
	}
	return PT_EXIT_OK;
}

int pt_cmd_serve(const struct pt_opts *o)
{
	struct pt_collector c;
	struct serve sv = { .o = o, .c = &c, .stats_fd = -1 };
	struct pt_http_opts ho = { 0 };
	struct pt_listen l;
	char why[160];
	int fd, err, st = PT_EXIT_FAIL;

	if (o->print_alert_rules)
		return print_rules(o);
	pt_install_stop_signals();
	pt_install_reload_signal();
	if (pt_listen_parse(o->listen, o->socket_mode, &l, why, sizeof(why))) {
		pt_err("bad --listen '%s': %s", o->listen, why);
		return PT_EXIT_USAGE;
	}
	/* the address first: a port in use fails before BPF loads */
	fd = pt_listen_open(&l);
	if (fd < 0)
		return PT_EXIT_FAIL;
	if (!o->no_bpf_stats)
		sv.stats_fd = pt_bpf_stats_enable();	/* needs CAP_SYS_ADMIN */
	err = pt_collector_start(&c, o, false);
	if (err) {
		close(fd);
		pt_listen_cleanup(&l);
		if (sv.stats_fd >= 0)
			close(sv.stats_fd);
		return err == PT_ERR_CONFIG ? PT_EXIT_USAGE : PT_EXIT_FAIL;
	}
	sv.self.start_time_ns = c.header.start_time_ns;
	sv.loaded_s = c.header.start_time_ns / 1000000000ull;
	sv.m = pt_metrics_new(o->top_n);
	pt_board_init(&sv.board);
	if (!sv.m) {
		pt_err("out of memory starting serve");
		close(fd);
		goto out;
	}
	if (start_recorder(&sv)) {
		close(fd);
		goto out;
	}
	sv.http = pt_http_start(fd, &ho, &sv.board);
	if (!sv.http)
		goto out;
	say_where(&sv, &l);
	err = pt_collector_run(&c, o, &pt_stop, serve_snapshot, &sv);
	st = err ? PT_EXIT_FAIL : PT_EXIT_OK;
out:
	pt_http_stop(sv.http);
	if (pt_recorder_stop(sv.rec))
		st = PT_EXIT_FAIL;
	pt_collector_stop(&c);
	pt_listen_cleanup(&l);
	pt_board_free(&sv.board);
	pt_metrics_free(sv.m);
	if (sv.stats_fd >= 0)
		close(sv.stats_fd);
	return st;
}

/* Rules between serve's options, and its defaults. */
static int serve_check(struct pt_opts *o)
{
	if (o->print_alert_rules)
		return 0;
	if (!o->record_dir && (o->keep_ns || o->max_size || o->rotate_ns)) {
		pt_err("--keep, --max-size and --rotate apply to the flight recorder: add --record-dir DIR");
		return -EINVAL;
	}
	if (o->socket_mode != 0600 && (!o->listen || strncmp(o->listen, "unix:", 5))) {
		pt_err("--socket-mode applies to a unix socket: add --listen unix:PATH");
		return -EINVAL;
	}
	if (!o->listen)
		o->listen = PT_DEFAULT_LISTEN;
	if (!o->keep_ns)
		o->keep_ns = 24 * 3600ull * 1000000000ull;
	if (!o->max_size)
		o->max_size = 1ull << 30;
	return 0;
}

const struct pt_command pt_command_serve = {
	.name = "serve",
	.run = pt_cmd_serve,
	.overview =
"  serve                always on: Prometheus /metrics over HTTP, and with\n"
"                       --record-dir a flight recorder of rotated traces\n",
	.usage =
"Usage: perftop serve [--listen ADDR:PORT|unix:PATH] [--record-dir DIR] [OPTIONS]\n"
"\n"
"Runs the collector continuously.  /metrics serves the Prometheus text\n"
"format, or OpenMetrics when the scraper asks for it: run-queue wait,\n"
"faults, disk and TCP counters, system-wide and per cgroup and command\n"
"(the --top busiest, the rest as \"other\"), the findings of the live\n"
"detector (perftop_finding), every loss counter, perftop's own CPU, memory\n"
"and BPF run time.  It listens on " PT_DEFAULT_LISTEN " unless told otherwise\n"
"(the metrics name commands and cgroups), answers only GET of / and\n"
"/metrics, and never makes collection wait for a scraper.\n"
"\n"
"With --record-dir, also a flight recorder: the JSON trace as gzip files,\n"
"a new one every --rotate, deleting the oldest beyond --keep or\n"
"--max-size; replay and report read the directory with --from/--to.\n"
"\n"
"SIGHUP re-reads --config; SIGTERM ends the interval, writes it, exits 0.\n"
"--print-alert-rules prints the Prometheus alerting rules for it.\n",
	.options = "duration interval pid cgroup probes tcp-owner config verbose listen "
		   "socket-mode record-dir keep max-size rotate top no-bpf-stats "
		   "print-alert-rules",
	.needs_privileges = true,
	.check = serve_check,
};
