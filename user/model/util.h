/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers every command uses: one-line errors, clocks, files. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses: README.md, "Commands" (0/1/2; scan and report 0-3). */
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

/*
 * A test-only setting from the environment (docs/testing.md): false when
 * unset.  Set, it is used only when it is a whole number in lo..hi, and
 * either way one warning line says so: one left set in production is seen,
 * never obeyed silently, and a bad value is ignored, not half-parsed.
 */
bool pt_test_env(const char *name, uint64_t lo, uint64_t hi, uint64_t *v);

uint64_t pt_now_mono_ns(void);
uint64_t pt_now_real_ns(void);
/* RFC 3339 UTC with milliseconds, e.g. 2026-11-23T09:17:44.123Z */
void pt_format_rfc3339(uint64_t real_ns, char *buf, size_t len);
/* Parse it back; 0 on success, -EINVAL otherwise. */
int pt_parse_rfc3339(const char *s, uint64_t *real_ns);

/* Length of the valid UTF-8 sequence at s (1-4; RFC 3629: no overlong
 * forms, surrogates or code points past U+10FFFF), or 0 for a bad byte. */
size_t pt_utf8_seq(const unsigned char *s);

/* write() all of buf, retrying short writes and EINTR; 0 or -errno. */
int pt_write_all(int fd, const void *buf, size_t len);

/* Read a small file into buf (NUL-terminated); bytes read or -errno. */
long pt_read_file(const char *path, char *buf, size_t len);

/* Copy at most len-1 bytes, always NUL-terminate, no padding. */
void pt_strlcpy(char *dst, const char *src, size_t len);

/* Does the caller hold what loading BPF needs (root, CAP_SYS_ADMIN, or
 * CAP_BPF + CAP_PERFMON)? */
bool pt_have_bpf_privileges(void);
#define PT_PRIV_HINT "run as root, or grant CAP_BPF and CAP_PERFMON " \
	"(setcap cap_bpf,cap_perfmon+ep perftop)"

/* Is perftop in a PID namespace other than the host's?  1 (and its inode
 * in *ino), 0, or -errno when /proc/self/ns/pid cannot be read.  There,
 * /proc and the BPF task iterators see only that namespace's tasks while
 * the probes see (and name by host pids) every task: perftop refuses. */
int pt_pid_ns_private(unsigned long *ino);
#define PT_PIDNS_HINT "run perftop in the host's PID namespace " \
	"(docker run --pid=host, Kubernetes hostPID: true)"

#endif /* PT_UTIL_H */
