/* SPDX-License-Identifier: GPL-2.0 */
/* perftop's own cost (model/selfcost.h), read from the kernel. */
#ifndef PT_SELFSTAT_H
#define PT_SELFSTAT_H

#include "selfcost.h"

/*
 * Ask the kernel to count BPF program run time while this process lives
 * (BPF_ENABLE_STATS: needs CAP_SYS_ADMIN; stats stop when the returned fd
 * closes, unless kernel.bpf_stats_enabled is set).  The fd, or -errno.
 */
int pt_bpf_stats_enable(void);

/* Fill c: CPU, memory, and every BPF program this process holds an fd
 * of (its own, found through /proc/self/fd).  0 or -errno. */
int pt_self_cost_read(struct pt_self_cost *c);

#endif /* PT_SELFSTAT_H */
