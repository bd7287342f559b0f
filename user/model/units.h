/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Values an operator types: durations (--keep 24h, --rotate 1h), sizes
 * (--max-size 1G) and points in time (--from, --to).  Pure parsers, fuzzed
 * with the option parser; each returns -EINVAL on anything it does not
 * fully understand, never a guess.
 */
#ifndef PT_UNITS_H
#define PT_UNITS_H

#include <stdint.h>

/* "90", "90s", "15m", "24h", "7d", "1.5h" -> nanoseconds (> 0). */
int pt_parse_duration(const char *s, uint64_t *ns);

/* "1G", "512M", "64k", "1000000" (bytes); K/M/G/T are powers of 1024,
 * an optional trailing "B" or "iB" is accepted ("1GiB", "1GB"). */
int pt_parse_size(const char *s, uint64_t *bytes);

/*
 * A point in time, as wall-clock nanoseconds since the epoch:
 *   2026-11-23T03:10:00Z, 2026-11-23T04:10:00+01:00 (RFC 3339, fraction
 *       allowed, ' ' for 'T' too), 2026-11-23T03:10 / 2026-11-23 03:10:00
 *       (no zone: local time), 2026-11-23 (local midnight);
 *   03:10 or 03:10:30: local time, its latest occurrence at or before now
 *       (so at 00:05, "23:50" is yesterday's);
 *   now, -15m, -2h, -1d: relative to now;
 *   @1700000000: Unix seconds.
 * now_ns is the caller's clock (tests pass a fixed one).
 */
int pt_parse_when(const char *s, uint64_t now_ns, uint64_t *out_ns);

#endif /* PT_UNITS_H */
