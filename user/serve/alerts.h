/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus alerting rules shipped with perftop, generated from its
 * own rule table and thresholds (perftop serve --print-alert-rules), so
 * the file cannot drift from the detector: one alert per detection rule
 * and severity on perftop_finding (perftop itself applies the thresholds
 * and the persistence window, and SIGHUP changes them without a new
 * file), plus alerts about perftop's own health (lost events, probe
 * families down, the flight recorder dropping snapshots).
 */
#ifndef PT_ALERTS_H
#define PT_ALERTS_H

#include <stdio.h>

#include "detect.h"

/* How long a finding must hold in Prometheus before it alerts: the
 * finding itself needs half of perftop's 10 s live window, so an alert
 * means about 40 s of sustained trouble. */
#define PT_ALERT_FOR "30s"

/* The YAML rule file; 0 or -EIO. */
int pt_alert_rules(FILE *f, const struct pt_detect_config *cfg);

#endif /* PT_ALERTS_H */
