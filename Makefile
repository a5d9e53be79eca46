# SPDX-License-Identifier: MIT
# credtrace: the shim (build/libcredtrace.so), the CLI (build/credtrace), tests, benchmarks.
# Sources are found by wildcard: a new file in shim/, tools/, tests/progs/ or bench/ needs no change
# here; a new unit test names the objects it links (UNIT_LINK_*, below). Local overrides go in config.mk.
-include config.mk

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
B       := build
VERSION := 0.1.0

WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror
OPT     ?= -O2 -g
CFLAGS  ?= $(OPT)
CFLAGS  += -std=c11 -pipe $(WARN) -DCT_VERSION='"$(VERSION)"'

ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS    += $(SAN_FLAGS)
LDFLAGS   += $(SAN_FLAGS)
endif

# The shim: libc only (libunwind is dlopen'ed), hidden by default, hooks exported by shim/exports.map.
SHIM_SRC  := $(sort $(wildcard shim/*.c))
SHIM_OBJ  := $(SHIM_SRC:%.c=$(B)/%.o)
# No stack protector and no fortify, whatever the compiler's default (Ubuntu's gcc turns both on; the
# commit that set these, 07bac52, gave no reason, so here it is): a failed check calls __stack_chk_fail
# or __chk_fail, which abort the process, and shim code runs where the host must not notice it
# (docs/reliability.md, "What is promised"): in vfork children on the parent's stack, in hooks called
# before the shim's constructor. Fortify would also turn a direct read/recv/recvfrom in the shim into
# the __read_chk/__recv_chk/__recvfrom_chk the shim itself hooks (shim/sock_io.c; today every real
# call goes through a resolved pointer), and musl (`make musl`) has no __*_chk functions at all.
# glibc marks getenv, setenv, putenv... nonnull; the hooks check NULL anyway (snoopy #201 crashed on
# NULL argv), so neither warn about those checks nor let the compiler delete them.
SHIM_CFLAGS := -fPIC -fvisibility=hidden -fno-strict-aliasing -ftls-model=initial-exec \
               -Wno-nonnull-compare -fno-delete-null-pointer-checks \
               -fno-stack-protector -D_FORTIFY_SOURCE=0 -U_FORTIFY_SOURCE
SHIM_LDFLAGS := -shared -Wl,--version-script=shim/exports.map -Wl,-z,nodelete -Wl,-z,now \
                -Wl,--no-undefined -Wl,-soname,libcredtrace.so
# libdl: where glibc older than 2.34 keeps dlsym (shim/glibc_compat.h); an empty stub in newer ones.
SHIM_LIBS := -Wl,--push-state,--no-as-needed -l:libdl.so.2 -Wl,--pop-state

# The CLI: cJSON to read, libdw to symbolize.
TOOL_SRC  := $(sort $(wildcard tools/*.c))
TOOL_OBJ  := $(TOOL_SRC:%.c=$(B)/%.o)
TOOL_LIBS := -lcjson -ldw -lelf
# The shim's pure parts the CLI links too (one list: scripts/fuzz.sh asks `make print-cli-shim`).
# `run` checks a trace directory with the shim's own policy; `snap` judges values and redacts argv as
# the shim does.
CLI_SHIM  := shim/dirpolicy.c shim/secret.c shim/sha256.c shim/argv_redact.c
TOOL_OBJ  += $(CLI_SHIM:%.c=$(B)/%.o)

UNIT_SRC  := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
PROG_SRC  := $(sort $(wildcard tests/progs/*.c))
PROG_BIN  := $(PROG_SRC:tests/progs/%.c=$(B)/tests/progs/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

.PHONY: all shim cli tests check lint fmt valgrind tsan bench fuzz soak transparency demo install \
        uninstall clean deps print-cli-shim deb musl
all: $(B)/libcredtrace.so $(B)/credtrace $(B)/credtrace-node.cjs $(B)/credtrace-ruby.rb
shim: $(B)/libcredtrace.so
cli: $(B)/credtrace

$(B)/shim/%.o: shim/%.c | $(B)/shim
	$(CC) $(CFLAGS) $(DEPFLAGS) $(SHIM_CFLAGS) -c -o $@ $<
$(B)/libcredtrace.so: $(SHIM_OBJ) shim/exports.map
	$(CC) $(CFLAGS) $(SHIM_CFLAGS) $(LDFLAGS) $(SHIM_LDFLAGS) -o $@ $(SHIM_OBJ) $(SHIM_LIBS)

# The Node and Ruby adapters sit beside the shim, where `credtrace run` looks for them (docs/runtimes.md).
$(B)/credtrace-node.cjs $(B)/credtrace-ruby.rb: $(B)/%: shim/% | $(B)/shim
	cp $< $@

$(B)/tools/%.o: tools/%.c | $(B)/tools
	$(CC) $(CFLAGS) $(DEPFLAGS) -D_GNU_SOURCE -c -o $@ $<
$(B)/credtrace: $(TOOL_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOL_OBJ) $(TOOL_LIBS)

# Unit tests link the shim's and the CLI's objects they test directly (no preload), hidden or not.
# Only the shim's pure parts: linking its hooks into a test program would interpose on the test itself.
# Each test names exactly what it links: UNIT_LINK_<test> (objects) and UNIT_LIBS_<test> (libraries);
# a new tests/unit/<test>.c adds its own two lines here.
UNIT_MODEL := $(addprefix $(B)/tools/,model.o model_query.o model_link.o model_wire.o model_site.o \
                model_snap.o symbolize.o cred_info.o util.o)
UNIT_LINK_shim_config     := $(B)/shim/config.o
UNIT_LINK_shim_secret     := $(B)/shim/secret.o $(B)/shim/sha256.o
UNIT_LINK_shim_argv_redact := $(B)/shim/argv_redact.o $(B)/shim/secret.o $(B)/shim/sha256.o
UNIT_LINK_shim_tool_agree := $(B)/shim/secret.o $(B)/shim/sha256.o $(B)/tools/names.o $(UNIT_MODEL)
UNIT_LIBS_shim_tool_agree := $(TOOL_LIBS)
# The record builder links alone, the writer with its own layer and what it reads, without a hook
# (tests/cases/05-layers.sh).
UNIT_LINK_shim_record     := $(B)/shim/record.o
UNIT_LINK_shim_writer     := $(addprefix $(B)/shim/,writer.o trace_dir.o trace_hdr.o trace_key.o \
  trace_name.o trace_vfork.o debug.o cap_ring.o record.o process.o compat.o config.o dirpolicy.o \
  argv.o argv_redact.o secret.o sha256.o fork_region.o spin.o)
UNIT_LINK_tool_escape     := $(B)/tools/escape.o $(B)/tools/util.o
UNIT_LINK_tool_names      := $(B)/tools/names.o $(B)/tools/cred_info.o
UNIT_LINK_tool_site       := $(UNIT_MODEL)
UNIT_LIBS_tool_site       := $(TOOL_LIBS)
UNIT_LINK_tool_symbolize  := $(B)/tools/symbolize.o
UNIT_LIBS_tool_symbolize  := -ldw -lelf
.SECONDEXPANSION:
$(B)/tests/unit/%: tests/unit/%.c $$(UNIT_LINK_$$*) | $(B)/tests/unit
	$(if $(filter undefined,$(origin UNIT_LINK_$*)),$(error $<: no UNIT_LINK_$* in the Makefile))
	$(CC) $(CFLAGS) $(DEPFLAGS) -D_GNU_SOURCE -Ishim -Itools $(LDFLAGS) -o $@ $< $(UNIT_LINK_$*) \
	  $(UNIT_LIBS_$*) -lpthread
$(B)/tests/progs/%: tests/progs/%.c | $(B)/tests/progs
	$(CC) $(filter-out -Wmissing-prototypes -Wvla,$(CFLAGS)) $(DEPFLAGS) -D_GNU_SOURCE $(LDFLAGS) -o $@ $< \
	  -lpthread
$(B)/bench/%: bench/%.c | $(B)/bench
	$(CC) $(filter-out -Wmissing-prototypes,$(CFLAGS)) $(DEPFLAGS) -D_GNU_SOURCE $(LDFLAGS) -o $@ $< -lpthread

# Header dependencies: each compile writes the headers it read to a .d file beside its output (-MMD),
# with an empty rule per header (-MP) so that a deleted header does not stop the build.
DEPFLAGS := -MMD -MP
-include $(SHIM_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(UNIT_BIN:=.d) $(PROG_BIN:=.d) $(BENCH_BIN:=.d)

$(B)/shim $(B)/tools $(B)/tests/unit $(B)/tests/progs $(B)/bench:
	mkdir -p $@

tests: all $(UNIT_BIN) $(PROG_BIN)

# Everything; ends with "N passed, M failed" and exits non-zero on any failure.
print-cli-shim:
	@echo $(CLI_SHIM)

check: deps tests
	@SANITIZE='$(SANITIZE)' CC='$(CC)' CT_BUILD='$(B)' tests/run.sh

deps:
	@scripts/check-deps

lint:
	@scripts/lint.sh

fmt:
	clang-format -i shim/*.c shim/*.h tools/*.c tools/*.h

valgrind: tests
	@CT_VALGRIND=1 tests/run.sh

# The shim under ThreadSanitizer (tests/cases/73-tsan.sh, also part of check).
tsan: tests
	@TESTS=73-tsan CC='$(CC)' CT_BUILD='$(B)' tests/run.sh

bench: all $(BENCH_BIN)
	@scripts/bench.sh

fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

soak: all
	@scripts/soak.sh $(DURATION)

transparency: all
	@scripts/transparency.sh

demo: deps all
	@scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(B)/libcredtrace.so $(DESTDIR)$(PREFIX)/lib/libcredtrace.so
	install -m 0644 $(B)/credtrace-node.cjs $(DESTDIR)$(PREFIX)/lib/credtrace-node.cjs
	install -m 0644 $(B)/credtrace-ruby.rb $(DESTDIR)$(PREFIX)/lib/credtrace-ruby.rb
	install -m 0755 $(B)/credtrace $(DESTDIR)$(PREFIX)/bin/credtrace
	install -m 0644 docs/credtrace.1 $(DESTDIR)$(PREFIX)/share/man/man1/credtrace.1
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 scripts/credtrace.bash-completion \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/credtrace

# The shim for musl images (Alpine): $(MUSL_B)/libcredtrace.so, built with musl-gcc (Debian's
# musl-tools), which sees musl's headers only: the kernel's and libunwind's (types only) are linked in.
MUSL_B    ?= build-musl
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
musl:
	mkdir -p $(MUSL_B)/include
	ln -sfn /usr/include/linux $(MUSL_B)/include/linux
	ln -sfn /usr/include/asm-generic $(MUSL_B)/include/asm-generic
	ln -sfn /usr/include/$(MULTIARCH)/asm $(MUSL_B)/include/asm
	for h in /usr/include/$(MULTIARCH)/libunwind*.h; do ln -sfn $$h $(MUSL_B)/include/; done
	$(MAKE) B=$(MUSL_B) CC=musl-gcc OPT='$(OPT) -isystem $(MUSL_B)/include' SHIM_LIBS= \
	  $(MUSL_B)/libcredtrace.so

# A Debian package of what `make install PREFIX=/usr` installs: $(B)/credtrace_$(VERSION)_ARCH.deb.
deb: all
	@scripts/mkdeb.sh $(B) $(VERSION)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libcredtrace.so $(DESTDIR)$(PREFIX)/lib/credtrace-node.cjs \
	  $(DESTDIR)$(PREFIX)/lib/credtrace-ruby.rb \
	  $(DESTDIR)$(PREFIX)/bin/credtrace \
	  $(DESTDIR)$(PREFIX)/share/man/man1/credtrace.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/credtrace

clean:
	rm -rf $(B)
