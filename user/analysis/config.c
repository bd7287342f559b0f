// SPDX-License-Identifier: GPL-2.0
/* --config FILE: thresholds and detection settings (JSON). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "config.h"
#include "util.h"

#define CONFIG_MAX_BYTES (1 << 20)

/* A number member, or an error naming `key`. */
static int get_number(const cJSON *v, const char *key, double *out,
		      char *err, size_t errlen)
{
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		snprintf(err, errlen, "key \"%s\": expected a number", key);
		return -EINVAL;
	}
	*out = v->valuedouble;
	return 0;
}

static int parse_rule(const cJSON *o, int rule, struct pt_threshold *t,
		      char *err, size_t errlen)
{
	const char *name = pt_rule_name((enum pt_rule_id)rule);
	const cJSON *it;
	char key[96];

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen,
			 "key \"thresholds.%s\": expected an object {\"warning\": n, \"critical\": n}",
			 name);
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, o) {
		double *dst = !strcmp(it->string, "warning") ? &t->warning :
			      !strcmp(it->string, "critical") ? &t->critical :
								NULL;

		snprintf(key, sizeof(key), "thresholds.%s.%s", name, it->string);
		if (!dst) {
			snprintf(err, errlen,
				 "unknown key \"%s\": a threshold has \"warning\" and \"critical\"",
				 key);
			return -EINVAL;
		}
		if (get_number(it, key, dst, err, errlen))
			return -EINVAL;
	}
	return 0;
}

static int parse_thresholds(const cJSON *o, struct pt_detect_config *cfg,
			    char *err, size_t errlen)
{
	const cJSON *it;

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "key \"thresholds\": expected an object");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, o) {
		int r = pt_rule_lookup(it->string);

		if (r < 0) {
			snprintf(err, errlen,
				 "unknown rule \"thresholds.%s\": rules are cpu.runq_latency, cpu.pressure, memory.major_faults, memory.pressure, disk.latency, disk.pressure, network.retransmits",
				 it->string);
			return -EINVAL;
		}
		if (parse_rule(it, r, &cfg->thr[r], err, errlen))
			return -EINVAL;
	}
	return 0;
}

static int parse_min_samples(const cJSON *o, struct pt_detect_config *cfg,
			     char *err, size_t errlen)
{
	static const struct { const char *name; size_t off; } keys[] = {
		{ .name = "runq_waits",
		  .off = offsetof(struct pt_min_samples, runq_waits) },
		{ .name = "task_runq_waits",
		  .off = offsetof(struct pt_min_samples, task_runq_waits) },
		{ .name = "major_faults",
		  .off = offsetof(struct pt_min_samples, major_faults) },
		{ .name = "disk_ios",
		  .off = offsetof(struct pt_min_samples, disk_ios) },
		{ .name = "tcp_segs",
		  .off = offsetof(struct pt_min_samples, tcp_segs) },
		{ .name = "lock_wait_ms",
		  .off = offsetof(struct pt_min_samples, lock_wait_ms) },
	};
	const cJSON *it;
	char key[96];

	if (!cJSON_IsObject(o)) {
		snprintf(err, errlen, "key \"min_samples\": expected an object");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, o) {
		size_t i;
		double v;

		snprintf(key, sizeof(key), "min_samples.%s", it->string);
		for (i = 0; i < PT_ARRAY_SIZE(keys); i++)
			if (!strcmp(it->string, keys[i].name))
				break;
		if (i == PT_ARRAY_SIZE(keys)) {
			snprintf(err, errlen,
				 "unknown key \"%s\": use runq_waits, task_runq_waits, major_faults, disk_ios, tcp_segs or lock_wait_ms",
				 key);
			return -EINVAL;
		}
		if (get_number(it, key, &v, err, errlen))
			return -EINVAL;
		if (v < 0 || v > 1e12 || v != floor(v)) {
			snprintf(err, errlen, "key \"%s\": expected a whole number >= 0",
				 key);
			return -EINVAL;
		}
		*(uint64_t *)((char *)&cfg->min + keys[i].off) = (uint64_t)v;
	}
	return 0;
}

static int parse_top(const cJSON *root, struct pt_detect_config *cfg,
		     char *err, size_t errlen)
{
	const cJSON *it;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "expected a JSON object at the top level");
		return -EINVAL;
	}
	cJSON_ArrayForEach(it, root) {
		const char *k = it->string;
		int e;

		if (!strcmp(k, "interval")) {
			e = get_number(it, k, &cfg->interval_s, err, errlen);
			if (!e && (cfg->interval_s < 0.1 || cfg->interval_s > 3600)) {
				snprintf(err, errlen,
					 "key \"interval\": expected seconds from 0.1 to 3600");
				e = -EINVAL;
			}
		} else if (!strcmp(k, "persistence")) {
			e = get_number(it, k, &cfg->persistence, err, errlen);
		} else if (!strcmp(k, "window")) {
			e = get_number(it, k, &cfg->window_s, err, errlen);
		} else if (!strcmp(k, "thresholds")) {
			e = parse_thresholds(it, cfg, err, errlen);
		} else if (!strcmp(k, "min_samples")) {
			e = parse_min_samples(it, cfg, err, errlen);
		} else {
			snprintf(err, errlen,
				 "unknown key \"%s\": known keys are interval, persistence, window, thresholds, min_samples",
				 k);
			e = -EINVAL;
		}
		if (e)
			return e;
	}
	return 0;
}

int pt_config_parse(const char *text, struct pt_detect_config *cfg,
		    char *err, size_t errlen)
{
	const char *problem;
	cJSON *root;
	char bad[96];
	int e;

	pt_detect_defaults(cfg);
	root = cJSON_Parse(text);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();

		snprintf(err, errlen, "not valid JSON near \"%.20s\"", at ? at : "");
		return -EINVAL;
	}
	e = parse_top(root, cfg, err, errlen);
	cJSON_Delete(root);
	if (e)
		return e;
	problem = pt_detect_check(cfg, bad, sizeof(bad));
	if (problem) {
		snprintf(err, errlen, "key \"%s\": %s", bad, problem);
		return -EINVAL;
	}
	return 0;
}

int pt_config_load(const char *path, struct pt_detect_config *cfg)
{
	char err[512], *text;
	long len;
	int e;

	pt_detect_defaults(cfg);
	if (!path)
		return 0;
	text = malloc(CONFIG_MAX_BYTES);
	if (!text) {
		pt_err("out of memory reading config %s: free some memory", path);
		return -ENOMEM;
	}
	len = pt_read_file(path, text, CONFIG_MAX_BYTES);
	if (len < 0) {
		pt_err("cannot read config %s: %s: check the path given to --config",
		       path, strerror((int)-len));
		free(text);
		return (int)len;
	}
	if (len >= CONFIG_MAX_BYTES - 1) {
		pt_err("config %s is larger than 1 MiB: this is not a perftop config",
		       path);
		free(text);
		return -EFBIG;
	}
	e = pt_config_parse(text, cfg, err, sizeof(err));
	free(text);
	if (e)
		pt_err("config %s: %s: fix it (see docs/detection.md)", path, err);
	return e;
}
