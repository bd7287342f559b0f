/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Java monitor waits for the sched family: finds the HotSpot JVMs among
 * the processes in view and attaches bpf/jvm.bpf.c's uprobes to each
 * libjvm.so they map, once per file, so that a thread's futex sleep
 * inside a monitor's slow enter reads as a lock wait (sched.bpf.c).
 */
#ifndef PT_JVM_H
#define PT_JVM_H

#include <stdbool.h>
#include <stdint.h>

struct pt_jvm;

/*
 * The sched object's jvm_mon and loss maps (the jvm object shares them),
 * and its jvm_on switch (set to 1 at the first attach).  NULL on no
 * memory.
 */
struct pt_jvm *pt_jvm_new(int mon_fd, int loss_fd, uint32_t *jvm_on);

/* A thread (named comm) of process tgid was read in pass `pass` (fresh:
 * first seen).  A process is looked at when first seen, and again, less
 * and less often, when new threads of it appear (a launcher loads
 * libjvm.so after its start), and when a HotSpot thread name shows. */
void pt_jvm_saw(struct pt_jvm *j, uint32_t tgid, const char *comm,
		bool fresh, uint32_t pass);

/* Look at the processes pt_jvm_saw() queued; attach to new libjvm.so's. */
void pt_jvm_scan(struct pt_jvm *j, uint32_t pass);

/* libjvm.so files found whose monitor waits could not be probed (no
 * symbols, or the attach failed): their monitor waits read as sleep. */
uint64_t pt_jvm_unprobed(const struct pt_jvm *j);

/* libjvm.so files probed (doctor, tests). */
unsigned int pt_jvm_probed(const struct pt_jvm *j);

void pt_jvm_free(struct pt_jvm *j);

#endif /* PT_JVM_H */
