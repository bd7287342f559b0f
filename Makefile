# perftop — build, test, run.  `make V=1` shows full commands.
#
# Layout: bpf/*.bpf.c -> build/bpf/*.bpf.o -> build/skel/*.skel.h (bpftool
# gen skeleton), embedded into build/perftop with user/*.c.  Header
# dependencies are tracked by the compilers (-MMD), for both sides.

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')
# SANITIZE=1 (ASan + UBSan) builds into its own directory.
OUT ?= $(if $(filter 1,$(SANITIZE)),build-san,build)
CLANG ?= clang
CC ?= gcc
BPFTOOL ?= bpftool
PREFIX ?= /usr/local

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

VMLINUX_H := vmlinux/$(ARCH)/vmlinux.h
COMMON_CFLAGS := -g -Wall -Wextra -Werror
BPF_CFLAGS := $(COMMON_CFLAGS) -O2 -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Wno-unused-parameter -Iinclude -Ivmlinux/$(ARCH) -MMD -MP
USER_CFLAGS := $(COMMON_CFLAGS) -O2 -std=gnu11 -D_GNU_SOURCE -Iinclude \
	-Iuser -I$(OUT)/skel -MMD -MP $(EXTRA_CFLAGS)
LDLIBS := -lbpf -lelf -lz -lcjson -lncursesw -ltinfo -lm

ifeq ($(SANITIZE),1)
USER_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/bpf/%.bpf.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/skel/%.skel.h)
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(USER_SRCS:user/%.c=$(OUT)/user/%.o)
# Pure parts, linked into unit tests without libbpf.
PURE_OBJS := $(addprefix $(OUT)/user/,model.o util.o opts.o trace_json.o \
	trace_write.o trace_read.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)

# Generated files are kept: make must not delete them as intermediates.
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all clean test unit e2e run deps vmlinux install bench fuzz fuzz-build rbflood
all: $(OUT)/perftop

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/skel/%.skel.h: $(OUT)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# Skeletons are order-only here: the first build needs them to exist, and
# -MMD records exactly which ones each object really includes.
$(OUT)/user/%.o: user/%.c | $(SKELS)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUT)/perftop: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUT)/tests/test_%: $(OUT)/tests/test_%.o $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $< $(filter-out $(OUT)/user/main.o,$(USER_OBJS)) \
		$(LDLIBS) -lcmocka -o $@

# rbflood drives perftop's block ring buffer at a chosen rate (the bench's
# 1M records/s drop test, the loss-accounting e2e test); never part of
# perftop.
RBFLOOD := $(OUT)/bench/rbflood
rbflood: $(RBFLOOD)

$(OUT)/bench/rbflood.bpf.o: scripts/bench/rbflood.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

$(OUT)/bench/rbflood.skel.h: $(OUT)/bench/rbflood.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name rbflood_bpf > $@.tmp && mv $@.tmp $@

$(RBFLOOD): scripts/bench/rbflood.c $(OUT)/bench/rbflood.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(COMMON_CFLAGS) -O2 -I$(OUT)/bench $< -lbpf -lelf -lz -o $@

# vmlinux.h is generated from the running kernel's BTF and checked in.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_H).tmp
	mv $(VMLINUX_H).tmp $(VMLINUX_H)

# Install build dependencies only when something is missing.
deps:
	@scripts/install-deps.sh --if-missing

run: deps
	$(MAKE) all
	$(OUT)/perftop

unit: $(UNIT_BINS)

test: deps
	$(MAKE) all unit rbflood
	OUT=$(OUT) tests/run.sh

bench: deps all $(RBFLOOD)
	OUT=$(OUT) scripts/bench.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c) over the pure parsers, built
# with clang, ASan and UBSan into $(OUT)/fuzz; `make fuzz` runs each for
# FUZZ_SECONDS from its seed corpus tests/fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(OUT)/fuzz/fuzz_%)
FUZZ_LIB_OBJS := $(addprefix $(OUT)/fuzz/obj/,model.o util.o opts.o \
	trace_json.o trace_write.o trace_read.o config.o detect.o summary.o \
	report.o cmd_report.o)
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -Itests/fuzz \
	-Wall -Wextra -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-fsanitize=address,undefined -MMD -MP

$(OUT)/fuzz/obj/%.o: user/%.c
	@mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) \
		-lz -lcjson -lm -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	scripts/fuzz.sh $(OUT)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

install: all
	install -D -m 0755 $(OUT)/perftop $(DESTDIR)$(PREFIX)/bin/perftop

clean:
	rm -rf build build-san

-include $(wildcard $(OUT)/bench/*.d $(OUT)/bpf/*.d $(OUT)/user/*.d $(OUT)/tests/*.d \
	$(OUT)/fuzz/obj/*.d)
