/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --config FILE (docs/detection.md, "--config FILE"):
 *   { "interval": 1.0, "persistence": 0.5, "window": 10,
 *     "thresholds": { "<rule>": { "warning": n, "critical": n } },
 *     "min_samples": { "runq_waits": n, ... } }
 * Every key optional; unknown keys and wrong types are errors naming the key.
 */
#ifndef PT_CONFIG_H
#define PT_CONFIG_H

#include "detect.h"

/*
 * Start from the defaults and apply FILE (NULL: defaults only).
 * 0, or -EINVAL/-errno after printing one error line that names the key.
 */
int pt_config_load(const char *path, struct pt_detect_config *cfg);

/* Same from a string (tests); errors go to err, nothing is printed. */
int pt_config_parse(const char *text, struct pt_detect_config *cfg,
		    char *err, size_t errlen);

#endif /* PT_CONFIG_H */
