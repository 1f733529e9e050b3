# SPDX-License-Identifier: GPL-2.0
#
# sysmem top-level build.  Kbuild (the file next to this one) describes
# the module; this Makefile drives kbuild and builds the userspace parts.
#
#   make            module (against KDIR), libsysmem, tools and selftests
#   make lib        libsysmem: build/libsysmem.so.1 and build/libsysmem.a
#   make install    libsysmem, its headers, sysmem.pc, sysmemctl, man pages
#                   (PREFIX=/usr/local, DESTDIR, LIBDIR, INCLUDEDIR, SBINDIR, MANDIR)
#   make uninstall  remove what "make install" installed
#   make check-lib  exported symbols, man pages, an installed-tree build
#   make examples   build/tools/sysmem-example (part of "userspace")
#   make userspace-m32  libsysmem and a set of selftests as 32-bit (-m32)
#                   static binaries, in build/m32/ (part of "userspace")
#   make check      host unit tests, VM selftests, stock-kernel smoke test
#   make run        boot the debug VM into a short demonstration
#   make lint       checkpatch --strict and sparse
#   make unit       host unit tests of lib/ only (ASan + UBSan)
#   make bench      the benchmark suite: sysmem next to the kernel's own
#                   dma-heaps on a production-config 6.1 kernel (built
#                   once, cached), then the negotiation instruction counts
#                   (Documentation/sysmem/performance.rst)
#   make bench-negotiate  instructions of one negotiation of lib/ under
#                   callgrind, 2 to 64 participants x 8 image entries
#   make fuzz       libFuzzer on lib/'s constraint code for FUZZ_SECONDS
#   make fuzz-merge merge the inputs "make fuzz" found into the corpus
#   make fuzz-seeds regenerate the committed seed corpus
#   make modules_install  sysmem.ko alone into the module tree, then depmod
#   make install-udev, install-modules-load, dkms-source  see below
#
# KDIR=<kernel build tree or headers> builds the module for another
# kernel; the default is the project's debug test kernel, built (once,
# cached outside the checkout) by tools/testing/vm/kernel.sh.

VM := tools/testing/vm
B := build

# Evaluated once, on first use, so "make clean" installs nothing.
lazy = $(eval $1 := $$(shell $2))$($1)
KSRC = $(call lazy,KSRC,$(VM)/ksrc.sh)
KDIR = $(call lazy,KDIR,$(VM)/kernel.sh)
KREL = $(call lazy,KREL,$(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
KTAG = $(call lazy,KTAG,echo $(KREL)-`realpath $(KDIR) | sha256sum | cut -c1-8`)
KMOD_DIR = $(B)/kmod/$(KTAG)

CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror
UCFLAGS = $(CFLAGS) $(WARN) -Iinclude/uapi -Ilib -Itools/lib/sysmem
# <drm/*.h> comes from the kernel source's uapi (no libdrm-dev needed):
# -idirafter keeps the installed <linux/*.h> first, and __user, which
# headers_install would strip, is defined away.
SELFTEST_INC = -I$(KSRC)/tools/testing/selftests \
	-idirafter $(KSRC)/include/uapi -D__user=
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

LIB_SRCS := $(wildcard lib/*.c)
LIB_HDRS := $(wildcard lib/*.h) include/uapi/linux/sysmem.h
LIBSYSMEM := $(B)/libsysmem.a
# What a program links libsysmem with: the shared library, found through
# an rpath to build/ (tools/testing/vm/run.sh copies it into the guests
# at that path).  See the libsysmem block below.
LIBSYSMEM_SO_LINK := $(B)/libsysmem.so
LIBSYSMEM_LDLIBS = -L$(B) -lsysmem -Wl,-rpath,$(abspath $(B))
SELFTESTS := $(patsubst tools/testing/selftests/sysmem/%.c,$(B)/selftests/%,\
	$(wildcard tools/testing/selftests/sysmem/*_test.c))
UNITTESTS := $(patsubst lib/tests/%.c,$(B)/unit/%,$(wildcard lib/tests/*_test.c))
TOOLS := $(B)/tools/sysmemctl $(B)/vm/sysmem-load
# The guest benchmark ("make bench", rule below).
BENCH_BIN := $(B)/bench/sysmem_bench
UNITTESTS += $(B)/unit/sysmemctl_data_test
# The V4L2 pipeline example (below).
V4L2_EX := tools/sysmem/examples
V4L2_EX_HDRS := $(V4L2_EX)/v4l2-formats.h $(V4L2_EX)/v4l2-camera.h
V4L2_EXAMPLES := $(B)/tools/v4l2-pipeline
# Kernel sources of the selftests' helper modules, built by "make module".
TEST_HEAP_SRC := tools/testing/selftests/sysmem/sysmem_test_heap.c \
	tools/testing/selftests/sysmem/sysmem_test_camera.c \
	tools/testing/selftests/sysmem/sysmem_test_camera.h

# The 32-bit client: libsysmem (lib/ with its uapi layout assertions
# included) and the selftests that between them use every uapi structure,
# built with -m32 and linked statically (the guest has no i386 libc),
# run on the 64-bit kernels through its compat_ioctl path.
# -Wno-pointer-to-int-cast: kselftest_harness.h's ASSERT_*() print a
# pointer through a cast to uintmax_t, 64 bits wide on i386 too.
M32 := $(B)/m32
M32_CFLAGS = -m32 $(UCFLAGS) -Wno-pointer-to-int-cast -DSYSMEM_SELFTEST_M32
M32_LIBSYSMEM := $(M32)/libsysmem.a
M32_SELFTESTS := $(addprefix $(M32)/selftests/,sysmem_dev_test \
	sysmem_collection_test sysmem_image_test sysmem_node_test \
	sysmem_weak_test sysmem_trace_test)

.PHONY: FORCE all module userspace userspace-m32 selftests unit unit-build check \
	run lint clean print-module fuzz fuzz-build fuzz-merge fuzz-seeds \
	lib examples install uninstall install-lib uninstall-lib install-man \
	bench bench-negotiate \
	install-tools uninstall-tools \
	uninstall-man check-lib

all: module userspace

# Build in a private copy per kernel, so builds for different kernels
# never share object files.
module:
	@mkdir -p $(KMOD_DIR)
	@rsync -a --exclude tests Kbuild drivers lib include $(KMOD_DIR)/
	@rsync -aR $(TEST_HEAP_SRC) $(KMOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_DIR)) modules
	@echo "sysmem: module: $(KMOD_DIR)/sysmem.ko"

print-module:
	@echo $(abspath $(KMOD_DIR))/sysmem.ko

userspace: lib $(TOOLS) $(SELFTESTS) examples $(V4L2_EXAMPLES) userspace-m32 \
	$(BENCH_BIN)
	@# An older build's retired benchmark, which the VM runs would
	@# still copy and run (now sysmem_bench, "make bench").
	@rm -f $(B)/selftests/sysmem_heap_bench_test

userspace-m32: $(M32_LIBSYSMEM) $(M32_SELFTESTS) $(M32)/vm/abi32-probe

selftests: $(SELFTESTS)

$(B)/lib/%.o: tools/lib/sysmem/%.c tools/lib/sysmem/libsysmem.h $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -fPIC -c -o $@ $<

$(B)/lib/lib_%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -fPIC -c -o $@ $<

# ---- libsysmem: shared and static library, install --------------------
#
# libsysmem.so.1 (real name libsysmem.so.$(LIBSYSMEM_VERSION)) exports the
# calls tools/lib/sysmem/libsysmem.map names, under version node
# LIBSYSMEM_1, and nothing else: the map's "local: *" keeps lib/ (code
# shared with sysmem.ko, for example sysmem_aggregate()) out of the
# dynamic symbol table.  lib/ is not built with -fvisibility=hidden
# because one public call, sysmem_fail_str(), is defined there.
# libsysmem.a holds one relocatable object (ld -r of the same objects)
# in which objcopy made every symbol the map does not name local, so a
# static link gets no lib/ symbol either.
LIBSYSMEM_MAJOR := 1
LIBSYSMEM_VERSION := $(LIBSYSMEM_MAJOR).0.0
LIBSYSMEM_SONAME := libsysmem.so.$(LIBSYSMEM_MAJOR)
LIBSYSMEM_REAL := $(B)/libsysmem.so.$(LIBSYSMEM_VERSION)
LIBSYSMEM_MAP := tools/lib/sysmem/libsysmem.map
LIBSYSMEM_OBJS := $(B)/lib/libsysmem.o \
	$(patsubst lib/%.c,$(B)/lib/lib_%.o,$(LIB_SRCS))
LD ?= ld
OBJCOPY ?= objcopy

lib: $(LIBSYSMEM) $(LIBSYSMEM_SO_LINK)

$(LIBSYSMEM_REAL): $(LIBSYSMEM_OBJS) $(LIBSYSMEM_MAP)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIBSYSMEM_SONAME) \
		-Wl,--version-script=$(LIBSYSMEM_MAP) -Wl,-z,defs \
		-o $@ $(LIBSYSMEM_OBJS)

$(B)/$(LIBSYSMEM_SONAME): $(LIBSYSMEM_REAL)
	ln -sf $(notdir $<) $@

$(LIBSYSMEM_SO_LINK): $(B)/$(LIBSYSMEM_SONAME)
	ln -sf $(notdir $<) $@

# The map's global names, one a line, for objcopy.
$(B)/lib/libsysmem.syms: $(LIBSYSMEM_MAP)
	@mkdir -p $(@D)
	sed -n 's/^[[:space:]]*\(sysmem_[a-z0-9_]*\);.*/\1/p' $< >$@

$(B)/lib/libsysmem-static.o: $(LIBSYSMEM_OBJS) $(B)/lib/libsysmem.syms
	$(LD) -r -o $@.tmp $(LIBSYSMEM_OBJS)
	$(OBJCOPY) --keep-global-symbols=$(B)/lib/libsysmem.syms $@.tmp $@
	@rm -f $@.tmp

$(LIBSYSMEM): $(B)/lib/libsysmem-static.o
	@rm -f $@
	$(AR) rcs $@ $^

# Installation directories; every one can be overridden on the command
# line, and DESTDIR is prepended to all of them.  The uapi header goes
# to $(INCLUDEDIR)/libsysmem/linux/sysmem.h, as libdrm installs its copy
# of the drm headers: sysmem.pc's -I$(INCLUDEDIR)/libsysmem makes
# <linux/sysmem.h> this library's copy, and nothing a distribution's
# kernel headers package owns is overwritten.
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL ?= install
# sysmem.pc's libdir and includedir, relative to ${prefix} when below it.
pc_dir = $(if $(filter $(PREFIX)/%,$(1)),$${prefix}/$(patsubst $(PREFIX)/%,%,$(1)),$(1))
MAN_PAGES = $(wildcard Documentation/man/man3/*.3 Documentation/man/man7/*.7 \
	Documentation/man/man8/*.8)

$(B)/sysmem.pc: tools/lib/sysmem/sysmem.pc.in FORCE
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' \
		-e 's|@LIBDIR@|$(call pc_dir,$(LIBDIR))|' \
		-e 's|@INCLUDEDIR@|$(call pc_dir,$(INCLUDEDIR))|' \
		-e 's|@VERSION@|$(LIBSYSMEM_VERSION)|' $< >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@

install: install-lib install-man install-tools

install-lib: lib $(B)/sysmem.pc
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/libsysmem/linux
	$(INSTALL) -m 644 tools/lib/sysmem/libsysmem.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 644 include/uapi/linux/sysmem.h \
		$(DESTDIR)$(INCLUDEDIR)/libsysmem/linux/
	$(INSTALL) -m 755 $(LIBSYSMEM_REAL) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBSYSMEM_REAL)) $(DESTDIR)$(LIBDIR)/$(LIBSYSMEM_SONAME)
	ln -sf $(LIBSYSMEM_SONAME) $(DESTDIR)$(LIBDIR)/libsysmem.so
	$(INSTALL) -m 644 $(LIBSYSMEM) $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 644 $(B)/sysmem.pc $(DESTDIR)$(PKGCONFIGDIR)/

# sysmemctl(8), for root: relinked against the static libsysmem.a, so
# the installed tool carries no rpath into the build tree and needs no
# libsysmem.so at run time (rule next to sysmemctl's own).
SBINDIR ?= $(PREFIX)/sbin
install-tools: $(B)/install/sysmemctl
	$(INSTALL) -d $(DESTDIR)$(SBINDIR)
	$(INSTALL) -m 755 $< $(DESTDIR)$(SBINDIR)/sysmemctl

# Every page under Documentation/man/ goes to its section's directory.
install-man:
	@set -e; for f in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/$$(basename $$(dirname $$f)); \
		$(INSTALL) -d $$d; \
		echo "$(INSTALL) -m 644 $$f $$d/"; \
		$(INSTALL) -m 644 $$f $$d/; \
	done

uninstall: uninstall-lib uninstall-man uninstall-tools

uninstall-tools:
	rm -f $(DESTDIR)$(SBINDIR)/sysmemctl

uninstall-lib:
	rm -f $(DESTDIR)$(LIBDIR)/libsysmem.so $(DESTDIR)$(LIBDIR)/$(LIBSYSMEM_SONAME) \
		$(DESTDIR)$(LIBDIR)/$(notdir $(LIBSYSMEM_REAL)) \
		$(DESTDIR)$(LIBDIR)/libsysmem.a $(DESTDIR)$(PKGCONFIGDIR)/sysmem.pc \
		$(DESTDIR)$(INCLUDEDIR)/libsysmem.h \
		$(DESTDIR)$(INCLUDEDIR)/libsysmem/linux/sysmem.h
	-rmdir $(DESTDIR)$(INCLUDEDIR)/libsysmem/linux $(DESTDIR)$(INCLUDEDIR)/libsysmem

uninstall-man:
	rm -f $(foreach f,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/$(notdir $(patsubst %/,%,$(dir $(f))))/$(notdir $(f)))

# Exported symbols against the map, a man page for every public call, and
# a program built against "make install DESTDIR=..." through pkg-config.
check-lib:
	@tools/testing/check-lib.sh

# The example of Documentation/sysmem/getting-started.rst; its VM test
# wrapper joins the selftests.
EXAMPLES := $(B)/tools/sysmem-example
examples: $(EXAMPLES) $(B)/selftests/sysmem_example_test

$(B)/tools/sysmem-example: tools/sysmem/examples/sysmem-example.c \
		tools/lib/sysmem/libsysmem.h $(LIBSYSMEM_SO_LINK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -Iinclude/uapi -Itools/lib/sysmem -o $@ $< \
		$(LIBSYSMEM_LDLIBS)

$(B)/selftests/sysmem_example_test: tools/sysmem/examples/sysmem_example_test.sh
	@mkdir -p $(@D)
	$(INSTALL) -m 755 $< $@

FORCE:
# ---- end of libsysmem ---------------------------------------------------

$(B)/selftests/%: tools/testing/selftests/sysmem/%.c \
		tools/testing/selftests/sysmem/sysmem_selftest.h $(LIBSYSMEM_SO_LINK)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) $(SELFTEST_INC) -o $@ $< $(LIBSYSMEM_LDLIBS) -lpthread

$(M32)/lib/%.o: tools/lib/sysmem/%.c tools/lib/sysmem/libsysmem.h $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(M32_CFLAGS) -c -o $@ $<

$(M32)/lib/lib_%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(M32_CFLAGS) -c -o $@ $<

$(M32_LIBSYSMEM): $(M32)/lib/libsysmem.o \
		$(patsubst lib/%.c,$(M32)/lib/lib_%.o,$(LIB_SRCS))
	$(AR) rcs $@ $^

$(M32)/selftests/%: tools/testing/selftests/sysmem/%.c \
		tools/testing/selftests/sysmem/sysmem_selftest.h $(M32_LIBSYSMEM)
	@mkdir -p $(@D)
	$(CC) $(M32_CFLAGS) $(SELFTEST_INC) -static -o $@ $< $(M32_LIBSYSMEM) \
		-lpthread

$(M32)/vm/abi32-probe: $(VM)/abi32-probe.c
	@mkdir -p $(@D)
	$(CC) $(M32_CFLAGS) -static -o $@ $<

# The vgem tests share their PRIME helpers.
$(B)/selftests/sysmem_import_test $(B)/selftests/sysmem_rights_test: \
	tools/testing/selftests/sysmem/sysmem_vgem.h

# The kernel participant test shares its ioctls with sysmem_test_camera.ko.
$(B)/selftests/sysmem_kparticipant_test: \
	tools/testing/selftests/sysmem/sysmem_test_camera.h

# sysmemctl (tools/sysmem/): the command-line inspector, and the host
# unit test of its debugfs parsers and JSON writer (run by "make unit").
SYSMEMCTL_SRCS := tools/sysmem/sysmemctl.c tools/sysmem/sysmemctl_data.c
SYSMEMCTL_DATA := tools/sysmem/sysmemctl_data.c tools/sysmem/sysmemctl_data.h

$(B)/tools/sysmemctl: $(SYSMEMCTL_SRCS) tools/sysmem/sysmemctl_data.h \
		$(LIBSYSMEM_SO_LINK)
	@mkdir -p $(@D)
	@rm -f $(@D)/sysmem
	$(CC) $(UCFLAGS) -o $@ $(SYSMEMCTL_SRCS) $(LIBSYSMEM_LDLIBS)

# The installed sysmemctl (install-tools).
$(B)/install/sysmemctl: $(SYSMEMCTL_SRCS) tools/sysmem/sysmemctl_data.h \
		$(LIBSYSMEM)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -o $@ $(SYSMEMCTL_SRCS) $(LIBSYSMEM)

$(B)/unit/sysmemctl_data_test: tools/sysmem/tests/sysmemctl_data_test.c \
		$(SYSMEMCTL_DATA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(SAN) -Itools/sysmem $(SELFTEST_INC) -o $@ \
		$< tools/sysmem/sysmemctl_data.c

$(B)/vm/sysmem-load: $(VM)/sysmem-load.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -o $@ $< -lkmod

# The V4L2 pipeline example (Documentation/sysmem/v4l2.rst), which
# "make run" shows; in build/tools/, so every guest has it.  It and the
# V4L2 selftest share the V4L2 <-> sysmem headers next to it.

$(B)/tools/v4l2-pipeline: $(V4L2_EX)/v4l2-pipeline.c $(V4L2_EX_HDRS) $(LIBSYSMEM_SO_LINK)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -o $@ $< $(LIBSYSMEM_LDLIBS) -lpng

$(B)/selftests/sysmem_v4l2_test: $(V4L2_EX_HDRS)

# Host unit tests: lib/ compiled on its own with the sanitizers.
$(B)/unit/%: lib/tests/%.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(SAN) -Iinclude/uapi -Ilib $(SELFTEST_INC) -o $@ $< $(LIB_SRCS)

# Host unit tests of libsysmem's device-free calls: libsysmem.c and lib/
# compiled in, with the sanitizers.
LIBSYSMEM_UNITTESTS := $(patsubst tools/lib/sysmem/tests/%.c,$(B)/unit/%,\
	$(wildcard tools/lib/sysmem/tests/*_test.c))

$(B)/unit/libsysmem_%: tools/lib/sysmem/tests/libsysmem_%.c \
		tools/lib/sysmem/libsysmem.c tools/lib/sysmem/libsysmem.h \
		$(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(SAN) -Iinclude/uapi -Ilib -Itools/lib/sysmem \
		$(SELFTEST_INC) -o $@ $< tools/lib/sysmem/libsysmem.c $(LIB_SRCS)

unit-build: $(UNITTESTS) $(LIBSYSMEM_UNITTESTS) $(B)/bench/negotiate_count

# The negotiation instruction count (tools/testing/bench/): lib/ built
# as the module builds it, optimized and without sanitizers, so that
# callgrind counts what the kernel would run.  "make unit" runs each
# case once to check its outcome; "make bench-negotiate" prints the
# table of instruction counts.
$(B)/bench/negotiate_count: tools/testing/bench/negotiate_count.c \
		$(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) -O2 -g $(WARN) -Iinclude/uapi -Ilib -o $@ $< $(LIB_SRCS)

bench-negotiate: $(B)/bench/negotiate_count
	@tools/testing/bench/negotiate-count.sh

# The guest benchmark (tools/testing/bench/sysmem_bench.c): sysmem next
# to the kernel's dma-heaps, dup(2) and eventfd(2), in one table.  Built
# with "userspace", so that "make check" can run its smoke mode in the
# debug guest; "make bench" (tools/testing/bench/bench.sh) boots the
# production-config kernel of tools/testing/vm/bench-kernel.sh with it,
# then prints the negotiation counts of "make bench-negotiate".
$(BENCH_BIN): tools/testing/bench/sysmem_bench.c tools/lib/sysmem/libsysmem.h \
		$(LIBSYSMEM_SO_LINK)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -o $@ $< $(LIBSYSMEM_LDLIBS) -lm

bench: $(B)/bench/negotiate_count
	@tools/testing/bench/bench.sh

# libFuzzer target for sysmem_constraints_validate() and sysmem_aggregate()
# (tools/testing/fuzz/), with lib/ compiled in, instrumented and
# sanitized.  "make fuzz" runs it for FUZZ_SECONDS: new inputs go to the
# scratch corpus $(FUZZ_WORK); the committed corpus is only read.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ := tools/testing/fuzz
FUZZ_BIN := $(B)/fuzz/sysmem_constraints_fuzz
FUZZ_CORPUS := $(FUZZ)/corpus/constraints
FUZZ_WORK := $(B)/fuzz/corpus
FUZZ_ARTIFACTS := $(B)/fuzz/artifacts
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
FUZZ_RUN = UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BIN) -timeout=10 \
	-rss_limit_mb=2048 -max_len=8192

$(FUZZ_BIN): $(FUZZ)/sysmem_constraints_fuzz.c $(FUZZ)/sysmem_fuzz_input.h \
		$(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Iinclude/uapi -Ilib -o $@ $< $(LIB_SRCS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_WORK) $(FUZZ_ARTIFACTS)
	$(FUZZ_RUN) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-dict=$(FUZZ)/sysmem_constraints.dict \
		-artifact_prefix=$(FUZZ_ARTIFACTS)/ $(FUZZ_WORK) $(FUZZ_CORPUS)

# Add to the committed corpus a small set of scratch inputs that covers
# every feature (edge and hit-count bucket) the corpus lacks.
fuzz-merge: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_WORK)
	$(FUZZ_RUN) -set_cover_merge=1 $(FUZZ_CORPUS) $(FUZZ_WORK)

$(B)/fuzz/gen_seeds: $(FUZZ)/gen_seeds.c $(FUZZ)/sysmem_fuzz_input.h \
		include/uapi/linux/sysmem.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -Iinclude/uapi -o $@ $<

fuzz-seeds: $(B)/fuzz/gen_seeds
	@mkdir -p $(FUZZ_CORPUS)
	$(B)/fuzz/gen_seeds $(FUZZ_CORPUS)

unit: unit-build
	@tools/testing/check.sh --unit-only

check:
	@tools/testing/check.sh

run:
	@$(VM)/demo.sh

lint:
	@tools/testing/lint.sh

clean:
	rm -rf $(B)

# --- Installing the module (Documentation/sysmem/building.rst) ---
#
# "make modules_install" builds sysmem.ko for KDIR without the selftests'
# helper modules (SYSMEM_TEST_MODULES=n, in a build directory of its
# own), installs it with kbuild's modules_install (INSTALL_MOD_PATH,
# INSTALL_MOD_DIR, default extra/; kbuild signs and compresses as the
# kernel's configuration says) and runs depmod on that tree, which
# kbuild skips against installed headers (they have no System.map), so
# that "modprobe sysmem" finds it.  The helper modules stay in
# build/kmod/ for the VM tests and are never installed.
#
# "make install-udev" and "make install-modules-load" install the udev
# rule (group "video", mode 0660) and the modules-load.d file that loads
# sysmem at boot, under DESTDIR, in the directories distributions use.
#
# "make dkms-source" copies what DKMS needs (dkms.conf, Kbuild and the
# module's sources) to $(DESTDIR)/usr/src/sysmem-<version>, where
# "dkms add sysmem/<version>" finds it.  The version is dkms.conf's
# PACKAGE_VERSION, the only place it is written.
KINST_DIR = $(B)/kmod-install/$(KTAG)
# The release modules_install installs for: UTS_RELEASE, which Debian's
# headers give right where their "make kernelrelease" does not.
KUTS = $(call lazy,KUTS,sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h)
INSTALL_MOD_PATH ?=
UDEVRULESDIR ?= /usr/lib/udev/rules.d
MODULESLOADDIR ?= /usr/lib/modules-load.d
SYSMEM_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' dkms.conf)
DKMS_SRC = $(DESTDIR)/usr/src/sysmem-$(SYSMEM_VERSION)

.PHONY: modules_install install-udev install-modules-load dkms-source \
	print-version

modules_install:
	@mkdir -p $(KINST_DIR)
	@rsync -a --delete --exclude tests --exclude '*.o' --exclude '*.ko' \
		--exclude '.*.cmd' Kbuild drivers lib include $(KINST_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(KINST_DIR)) SYSMEM_TEST_MODULES=n \
		modules
	$(MAKE) -C $(KDIR) M=$(abspath $(KINST_DIR)) SYSMEM_TEST_MODULES=n \
		$(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(abspath $(INSTALL_MOD_PATH))) \
		modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(abspath $(INSTALL_MOD_PATH))) $(KUTS)

install-udev:
	install -D -m 644 udev/70-sysmem.rules \
		$(DESTDIR)$(UDEVRULESDIR)/70-sysmem.rules

install-modules-load:
	install -D -m 644 udev/sysmem-modules-load.conf \
		$(DESTDIR)$(MODULESLOADDIR)/sysmem.conf

dkms-source:
	@test -n "$(SYSMEM_VERSION)" || { echo "no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	rsync -a --exclude tests dkms.conf Kbuild drivers lib include \
		$(DKMS_SRC)/
	@echo "sysmem: DKMS source: $(DKMS_SRC)"

print-version:
	@echo $(SYSMEM_VERSION)
