// SPDX-License-Identifier: GPL-2.0
/*
 * corecheck OBJ BTF: perform the CO-RE relocations of BPF object OBJ
 * against kernel BTF file BTF (libbpf's btf_custom_path) and print
 * libbpf's account of each one on stdout.  tests/e2e/core_relocs.sh reads
 * it: no kernel of that version needs to be booted.
 *
 * libbpf relocates every program before it loads any, and the load
 * itself (into this machine's kernel, which is not the one the BTF
 * describes) proves nothing here, so its outcome is only reported.
 * Needs the privileges to create the object's maps (root).
 */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>

static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stdout, fmt, ap);
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_object *obj;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: corecheck OBJ BTF\n");
		return 2;
	}
	opts.btf_custom_path = argv[2];
	libbpf_set_print(print);
	obj = bpf_object__open_file(argv[1], &opts);
	if (!obj) {
		fprintf(stderr, "corecheck: cannot open %s\n", argv[1]);
		return 2;
	}
	err = bpf_object__load(obj);
	printf("corecheck: load into the running kernel: %d\n", err);
	bpf_object__close(obj);
	fflush(stdout);
	return 0;
}
