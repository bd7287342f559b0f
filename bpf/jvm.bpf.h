/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Threads inside a HotSpot JVM's monitor slow path, by thread id: the
 * uprobes of jvm.bpf.c write it, sched.bpf.c's sleep_class() reads it.
 * One map, created by the sched object; userspace (collection/jvm.c)
 * hands its fd to the jvm object before that loads.
 */
#ifndef PT_JVM_BPF_H
#define PT_JVM_BPF_H

/* Threads at once inside monitor enter: a JVM with 4096 threads queued
 * on monitors is far past the point where a finding fires. */
#define PT_JVM_MON_MAX 8192

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PT_JVM_MON_MAX);
	__type(key, __u32);	/* thread id */
	__type(value, __u32);	/* nesting depth (a clone called from its
				 * parent counts twice) */
} jvm_mon SEC(".maps");

#endif /* PT_JVM_BPF_H */
