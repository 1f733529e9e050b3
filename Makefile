# SPDX-License-Identifier: GPL-2.0
#
# sysmem top-level build.  Kbuild (the file next to this one) describes
# the module; this Makefile drives kbuild and builds the userspace parts.
#
#   make            module (against KDIR), libsysmem, tools and selftests
#   make check      host unit tests, VM selftests, stock-kernel smoke test
#   make run        boot the debug VM into a short demonstration
#   make lint       checkpatch --strict and sparse
#   make unit       host unit tests of lib/ only (ASan + UBSan)
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
SELFTEST_INC = -I$(KSRC)/tools/testing/selftests
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

LIB_SRCS := $(wildcard lib/*.c)
LIB_HDRS := $(wildcard lib/*.h) include/uapi/linux/sysmem.h
LIBSYSMEM := $(B)/libsysmem.a
SELFTESTS := $(patsubst tools/testing/selftests/sysmem/%.c,$(B)/selftests/%,\
	$(wildcard tools/testing/selftests/sysmem/*_test.c))
UNITTESTS := $(patsubst lib/tests/%.c,$(B)/unit/%,$(wildcard lib/tests/*_test.c))
TOOLS := $(B)/tools/sysmem $(B)/vm/sysmem-load

.PHONY: all module userspace selftests unit unit-build check run lint clean \
	print-module

all: module userspace

# Build in a private copy per kernel, so builds for different kernels
# never share object files.
module:
	@mkdir -p $(KMOD_DIR)
	@rsync -a --exclude tests Kbuild drivers lib include $(KMOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(abspath $(KMOD_DIR)) modules
	@echo "sysmem: module: $(KMOD_DIR)/sysmem.ko"

print-module:
	@echo $(abspath $(KMOD_DIR))/sysmem.ko

userspace: $(LIBSYSMEM) $(TOOLS) $(SELFTESTS)

selftests: $(SELFTESTS)

$(B)/lib/%.o: tools/lib/sysmem/%.c tools/lib/sysmem/libsysmem.h $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -fPIC -c -o $@ $<

$(B)/lib/lib_%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -fPIC -c -o $@ $<

$(LIBSYSMEM): $(B)/lib/libsysmem.o $(patsubst lib/%.c,$(B)/lib/lib_%.o,$(LIB_SRCS))
	$(AR) rcs $@ $^

$(B)/selftests/%: tools/testing/selftests/sysmem/%.c $(LIBSYSMEM)
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) $(SELFTEST_INC) -o $@ $< $(LIBSYSMEM) -lpthread

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
