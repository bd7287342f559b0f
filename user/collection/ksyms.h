/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel text addresses to names, from /proc/kallsyms (wait sites). */
#ifndef PT_KSYMS_H
#define PT_KSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Name of the function holding addr ("?" when unknown).  The table is
 * read on first use and kept; pt_ksyms_free() drops it. */
const char *pt_ksym(uint64_t addr);
/* Is addr in the scheduler's own text (__sched functions: schedule(),
 * io_schedule(), mutex_lock() ...)? */
bool pt_ksym_is_sched(uint64_t addr);
void pt_ksyms_free(void);
/* Read the table now: at start-up, not at the first wait site, where its
 * 170 ms (here) delayed the end of the first interval's collection and so
 * every read after it (the cgroup family's files: 12 CPU-quota periods
 * counted in a 1.0 s first interval). */
void pt_ksyms_load(void);

/*
 * "a <- b <- c" for a stack, innermost first: the outermost scheduler
 * frame (how it waits) and the two callers below it (what waited).
 */
void pt_ksym_site(const uint64_t *ips, size_t n, char *out, size_t len);

#endif /* PT_KSYMS_H */
