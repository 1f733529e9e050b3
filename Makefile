# SPDX-License-Identifier: GPL-2.0
#
# sysmem top-level build.  Kbuild (the file next to this one) describes
# the module; this Makefile drives kbuild and builds the userspace parts.
#
#   make            module (against KDIR), libsysmem, tools and selftests
#   make userspace-m32  libsysmem and a set of selftests as 32-bit (-m32)
#                   static binaries, in build/m32/ (part of "userspace")
#   make check      host unit tests, VM selftests, stock-kernel smoke test
#   make run        boot the debug VM into a short demonstration
#   make lint       checkpatch --strict and sparse
#   make unit       host unit tests of lib/ only (ASan + UBSan)
#   make fuzz       libFuzzer on lib/'s constraint code for FUZZ_SECONDS
#   make fuzz-merge merge the inputs "make fuzz" found into the corpus
#   make fuzz-seeds regenerate the committed seed corpus
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
SELFTESTS := $(patsubst tools/testing/selftests/sysmem/%.c,$(B)/selftests/%,\
	$(wildcard tools/testing/selftests/sysmem/*_test.c))
UNITTESTS := $(patsubst lib/tests/%.c,$(B)/unit/%,$(wildcard lib/tests/*_test.c))
TOOLS := $(B)/tools/sysmem $(B)/vm/sysmem-load
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

.PHONY: all module userspace userspace-m32 selftests unit unit-build check \
	run lint clean print-module fuzz fuzz-build fuzz-merge fuzz-seeds

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

userspace: $(LIBSYSMEM) $(TOOLS) $(SELFTESTS) userspace-m32

userspace-m32: $(M32_LIBSYSMEM) $(M32_SELFTESTS) $(M32)/vm/abi32-probe

selftests: $(SELFTESTS)

$(B)/lib/%.o: tools/lib/sysmem/%.c tools/lib/sysmem/libsysmem.h $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -fPIC -c -o $@ $<

$(B)/lib/lib_%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -fPIC -c -o $@ $<

$(LIBSYSMEM): $(B)/lib/libsysmem.o $(patsubst lib/%.c,$(B)/lib/lib_%.o,$(LIB_SRCS))
	$(AR) rcs $@ $^

$(B)/selftests/%: tools/testing/selftests/sysmem/%.c \
		tools/testing/selftests/sysmem/sysmem_selftest.h $(LIBSYSMEM)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) $(SELFTEST_INC) -o $@ $< $(LIBSYSMEM) -lpthread

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

# The kernel participant test shares its ioctls with sysmem_test_camera.ko.
$(B)/selftests/sysmem_kparticipant_test: \
	tools/testing/selftests/sysmem/sysmem_test_camera.h

$(B)/tools/sysmem: tools/sysmem/sysmem.c $(LIBSYSMEM)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -o $@ $< $(LIBSYSMEM)

$(B)/vm/sysmem-load: $(VM)/sysmem-load.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -o $@ $< -lkmod

# Host unit tests: lib/ compiled on its own with the sanitizers.
$(B)/unit/%: lib/tests/%.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(SAN) -Iinclude/uapi -Ilib $(SELFTEST_INC) -o $@ $< $(LIB_SRCS)

unit-build: $(UNITTESTS)

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
