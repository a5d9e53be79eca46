# SPDX-License-Identifier: MIT
# credtrace: the shim (build/libcredtrace.so), the CLI (build/credtrace), tests, benchmarks.
# Sources are found by wildcard: a new file in shim/, tools/, tests/unit/, tests/progs/ or bench/
# needs no change here. Local overrides go in config.mk.
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
# `run` checks a trace directory with the shim's own policy; `snap` judges values as the shim does.
CLI_SHIM  := shim/dirpolicy.c shim/secret.c shim/sha256.c
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

$(B)/shim/%.o: shim/%.c shim/*.h | $(B)/shim
	$(CC) $(CFLAGS) $(SHIM_CFLAGS) -c -o $@ $<
$(B)/libcredtrace.so: $(SHIM_OBJ) shim/exports.map
	$(CC) $(CFLAGS) $(SHIM_CFLAGS) $(LDFLAGS) $(SHIM_LDFLAGS) -o $@ $(SHIM_OBJ) $(SHIM_LIBS)

# The Node and Ruby adapters sit beside the shim, where `credtrace run` looks for them (docs/runtimes.md).
$(B)/credtrace-node.cjs $(B)/credtrace-ruby.rb: $(B)/%: shim/% | $(B)/shim
	cp $< $@

$(B)/tools/%.o: tools/%.c tools/*.h shim/cred_table.h | $(B)/tools
	$(CC) $(CFLAGS) -D_GNU_SOURCE -c -o $@ $<
$(B)/credtrace: $(TOOL_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TOOL_OBJ) $(TOOL_LIBS)

# Unit tests link the shim's and the CLI's objects they test directly (no preload), hidden or not.
# Only the shim's pure parts: linking its hooks into a test program would interpose on the test itself.
UNIT_SHIM_OBJ := $(B)/shim/secret.o $(B)/shim/sha256.o $(B)/shim/config.o
UNIT_TOOL_OBJ := $(filter-out $(B)/tools/main.o,$(TOOL_OBJ))
$(B)/tests/unit/%: tests/unit/%.c $(SHIM_OBJ) $(TOOL_OBJ) | $(B)/tests/unit
	$(CC) $(CFLAGS) -D_GNU_SOURCE -Ishim -Itools $(LDFLAGS) -o $@ $< \
	  $(sort $(if $(findstring shim_,$*),$(UNIT_SHIM_OBJ)) $(if $(findstring tool_,$*),$(UNIT_TOOL_OBJ))) \
	  $(if $(findstring tool_,$*),$(TOOL_LIBS)) -lpthread
# Unit tests with an explicit link list, which is what they prove: the record builder links alone,
# the writer with its own layer and what it reads, without a hook (tests/cases/05-layers.sh).
UNIT_LINK_shim_record := $(B)/shim/record.o
UNIT_LINK_shim_writer := $(addprefix $(B)/shim/,writer.o trace_dir.o trace_hdr.o trace_key.o \
  trace_name.o trace_vfork.o debug.o cap_ring.o record.o process.o compat.o config.o dirpolicy.o \
  argv.o secret.o sha256.o fork_region.o)
UNIT_LINKED := $(B)/tests/unit/shim_record $(B)/tests/unit/shim_writer
$(UNIT_LINKED): $(B)/tests/unit/%: tests/unit/%.c $(SHIM_OBJ) | $(B)/tests/unit
	$(CC) $(CFLAGS) -D_GNU_SOURCE -Ishim $(LDFLAGS) -o $@ $< $(UNIT_LINK_$*)
$(B)/tests/progs/%: tests/progs/%.c bench/loopback_pair.h | $(B)/tests/progs
	$(CC) $(filter-out -Wmissing-prototypes -Wvla,$(CFLAGS)) -D_GNU_SOURCE $(LDFLAGS) -o $@ $< -lpthread
$(B)/bench/%: bench/%.c bench/loopback_pair.h | $(B)/bench
	$(CC) $(filter-out -Wmissing-prototypes,$(CFLAGS)) -D_GNU_SOURCE $(LDFLAGS) -o $@ $< -lpthread

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
