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
	-MMD -MP $(EXTRA_CFLAGS)

# user/ is split by role (docs/design.md, "Layout"); each folder sees only
# the folders below it in the data path.  Only collection/ sees libbpf and
# the skeletons: every other folder gets $(OUT)/poison first on its include
# path, whose bpf/*.h stop the build with an error, so "model, analysis,
# trace and views are pure" is checked by the compiler, not hoped.
USER_DIRS := model trace analysis ui html collection serve commands
inc = $(addprefix -Iuser/,$(1))
INC_model := $(call inc,model)
INC_trace := $(call inc,trace model)
INC_analysis := $(call inc,analysis trace model)
INC_ui := $(call inc,ui analysis model)
INC_html := $(call inc,html analysis model)
INC_collection := $(call inc,collection analysis commands trace model) -I$(OUT)/skel
# serve/ is the daemon's HTTP side: it sees no libbpf, and only it sees
# libmicrohttpd (serve/http.c).
INC_serve := $(call inc,serve analysis trace model)
INC_commands := $(call inc,commands collection analysis ui html serve trace model)
INC_main := $(call inc,commands model)
# Every libbpf header, the four every install has and whatever else this
# one ships (libbpf_legacy.h, skel_internal.h, ...).
POISON := $(sort $(addprefix $(OUT)/poison/bpf/,libbpf.h bpf.h btf.h \
	libbpf_common.h $(notdir $(wildcard /usr/include/bpf/*.h))))
INC_pure = -I$(OUT)/poison
LDLIBS := -lbpf -lelf -lz -lcjson -lncursesw -ltinfo -lmicrohttpd -lpthread -lm

ifeq ($(SANITIZE),1)
USER_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
endif

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/bpf/%.bpf.o) \
	$(OUT)/bpf/sched_helper.bpf.o
SKELS := $(BPF_OBJS:$(OUT)/bpf/%.bpf.o=$(OUT)/skel/%.skel.h)
USER_SRCS := $(wildcard user/*.c $(USER_DIRS:%=user/%/*.c))
USER_OBJS := $(USER_SRCS:user/%.c=$(OUT)/user/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)

# Generated files are kept: make must not delete them as intermediates.
.SECONDARY: $(BPF_OBJS) $(SKELS) $(POISON)
.PHONY: all clean test unit e2e run deps vmlinux install bench fuzz fuzz-build rbflood \
	print-flags vmtest deb
all: $(OUT)/perftop $(OUT)/perftop-alerts.yml

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The scheduler family once more for kernels before 6.2, which lack the
# bpf_rdonly_cast() kfunc (PT_REGS_HELPER in bpf/sched.bpf.c says why it
# is a second object and not a weak extern).
$(OUT)/bpf/sched_helper.bpf.o: bpf/sched.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DPT_REGS_HELPER -c $< -o $@

$(OUT)/skel/%.skel.h: $(OUT)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

# Skeletons are order-only here: the first build needs them to exist, and
# -MMD records exactly which ones each object really includes.
$(OUT)/user/%.o: user/%.c | $(SKELS) $(POISON)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(call folder_inc,$<) -c $< -o $@

# Include flags of a source file, by its folder under user/.
folder_of = $(patsubst user/%,%,$(patsubst %/,%,$(dir $(1))))
folder_inc = $(if $(filter user,$(call folder_of,$(1))),$(INC_main) $(INC_pure),\
	$(INC_$(call folder_of,$(1))) \
	$(if $(filter collection,$(call folder_of,$(1))),,$(INC_pure)))

$(OUT)/poison/bpf/%.h:
	@mkdir -p $(@D)
	$(Q)printf '#error "libbpf is for user/collection/ only (docs/design.md, Layout)"\n' > $@

# The compiler flags a user/ source file gets, by its folder:
# `make print-flags FILE=user/ui/x.c` (tests/e2e/layout_include.sh).
print-flags: $(POISON)
	@echo $(USER_CFLAGS) $(call folder_inc,$(FILE))

$(OUT)/perftop: $(USER_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%.o: tests/unit/%.c | $(POISON)
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_commands) $(INC_pure) -c $< -o $@

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

# corecheck relocates the BPF objects against other kernels' BTF
# (tests/e2e/core_relocs.sh).
CORECHECK := $(OUT)/tools/corecheck
$(CORECHECK): tests/tools/corecheck.c
	@mkdir -p $(@D)
	$(call msg,CC,$@)
	$(Q)$(CC) $(COMMON_CFLAGS) -O2 $< -lbpf -lelf -lz -o $@

test: deps
	$(MAKE) all unit rbflood $(CORECHECK) $(BPF_OBJS)
	OUT=$(OUT) tests/run.sh

# The e2e suite on other kernels, each booted in QEMU (scripts/vmtest.sh):
# make vmtest KERNELS="6.1 6.12" TESTS=block_diskstats
KERNELS ?= $(shell grep -v '^\#' tests/kernels.txt)
vmtest: deps
	@scripts/install-deps.sh --vm --if-missing
	$(MAKE) all rbflood
	OUT=$(OUT) KERNELS="$(KERNELS)" scripts/vmtest.sh

bench: deps all $(RBFLOOD)
	OUT=$(OUT) scripts/bench.sh
	OUT=$(OUT) scripts/bench/serve.sh

# libFuzzer targets (tests/fuzz/fuzz_*.c) over the pure parsers, built
# with clang, ASan and UBSan into $(OUT)/fuzz; `make fuzz` runs each for
# FUZZ_SECONDS from its seed corpus tests/fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(OUT)/fuzz/fuzz_%)
# Every object but main.o: the command table (commands/opts.c) names every
# command, and the commands reach the collector.
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(OUT)/fuzz/obj/%.o,\
	$(filter-out user/main.c,$(USER_SRCS)))
.SECONDARY: $(FUZZ_LIB_OBJS)
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Itests/fuzz \
	-Wall -Wextra -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-fsanitize=address,undefined -MMD -MP

$(OUT)/fuzz/obj/%.o: user/%.c | $(SKELS) $(POISON)
	@mkdir -p $(@D)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(call folder_inc,$<) \
		-fsanitize=fuzzer-no-link -c $< -o $@

$(OUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(INC_commands) $(INC_pure) \
		-fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) $(LDLIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	scripts/fuzz.sh $(OUT)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The alerting rules are generated from the rule table by the binary
# itself, so the shipped file cannot drift from the detector.
$(OUT)/perftop-alerts.yml: $(OUT)/perftop
	$(call msg,GEN,$@)
	$(Q)$< serve --print-alert-rules > $@.tmp && mv $@.tmp $@

# Everything an operator needs: binary, man page, bash completion, the
# systemd unit for `serve`, its defaults file, alerting rules, a scrape
# configuration example.  SYSCONFDIR and UNITDIR follow PREFIX unless given.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/usr/lib/systemd/system,$(PREFIX)/lib/systemd/system)
install: all
	install -D -m 0755 $(OUT)/perftop $(DESTDIR)$(PREFIX)/bin/perftop
	install -D -m 0644 dist/perftop.1 $(DESTDIR)$(PREFIX)/share/man/man1/perftop.1
	install -D -m 0644 dist/perftop.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/perftop
	install -D -m 0644 $(OUT)/perftop-alerts.yml \
		$(DESTDIR)$(PREFIX)/share/perftop/perftop-alerts.yml
	install -D -m 0644 dist/prometheus-scrape.yml \
		$(DESTDIR)$(PREFIX)/share/perftop/prometheus-scrape.yml
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/perftop.service.in > $(DESTDIR)$(UNITDIR)/perftop.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/perftop.service
	test -e $(DESTDIR)$(SYSCONFDIR)/default/perftop || \
		install -D -m 0644 dist/default.perftop $(DESTDIR)$(SYSCONFDIR)/default/perftop

# A Debian package of the above (scripts/mkdeb.sh): build/perftop_*.deb.
deb: all
	OUT=$(OUT) scripts/mkdeb.sh

clean:
	rm -rf build build-san

-include $(wildcard $(OUT)/bench/*.d $(OUT)/bpf/*.d $(OUT)/user/*.d \
	$(OUT)/user/*/*.d $(OUT)/tests/*.d $(OUT)/fuzz/obj/*/*.d)
