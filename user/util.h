/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every command uses: one-line errors, clocks, files. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses: SPEC.md "Exit status". */
enum {
	PT_EXIT_OK = 0,
	PT_EXIT_FAIL = 1,
	PT_EXIT_USAGE = 2,
	/* scan and report, monitoring-plugin style */
	PT_EXIT_WARNING = 1,
	PT_EXIT_CRITICAL = 2,
	PT_EXIT_UNKNOWN = 3,
};

/* "perftop: <what went wrong>: <what to do>" on stderr, one line. */
void pt_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, prefixed "perftop: warning: ". */
void pt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

uint64_t pt_now_mono_ns(void);
uint64_t pt_now_real_ns(void);
/* RFC 3339 UTC with milliseconds, e.g. 2026-11-23T09:17:44.123Z */
void pt_format_rfc3339(uint64_t real_ns, char *buf, size_t len);
/* Parse it back; 0 on success, -EINVAL otherwise. */
int pt_parse_rfc3339(const char *s, uint64_t *real_ns);

/* Read a small file into buf (NUL-terminated); bytes read or -errno. */
long pt_read_file(const char *path, char *buf, size_t len);

/* Copy at most len-1 bytes, always NUL-terminate, no padding. */
void pt_strlcpy(char *dst, const char *src, size_t len);

/* Does the caller hold what loading BPF needs (root, CAP_SYS_ADMIN, or
 * CAP_BPF + CAP_PERFMON)? */
bool pt_have_bpf_privileges(void);
#define PT_PRIV_HINT "run as root, or grant CAP_BPF and CAP_PERFMON " \
	"(setcap cap_bpf,cap_perfmon+ep perftop)"

#endif /* PT_UTIL_H */
