#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The publishing guest of the 7.2 stage.  The kernel's own dmabuf-heaps
# selftest (tools/testing/selftests/dmabuf-heaps in Debian's
# linux-source-7.2) is built from that source, against that kernel's
# uapi headers; the guest then loads sysmem with publish_dma_heaps=0,
# runs sysmem_reload_test (unload and reload cycles), sysmem_publish_test (unload and reload unpublished, module init
# failing at every allocation up to the last step before publishing, and
# finally a load that publishes and pins), runs dmabuf-heap over every
# heap under /dev/dma_heap (sysmem's and the kernel's), and checks that
# sysmem's heaps hold no buffer afterwards.  Results go to
# build/logs/vm-publish-7.2.out.
#
#   dmabuf-heaps.sh --build    build build/dmabuf-heaps/dmabuf-heap
#   dmabuf-heaps.sh --run      build if needed, then run the guest
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SYSMEM_TOP"

kv=7.2
bin=build/dmabuf-heaps/dmabuf-heap

build() {
	local kdir src
	kdir=$(tools/testing/vm/kernel.sh --version "$kv")
	src=$(ksrc_dir "$kv")
	# That kernel's uapi headers, installed once into its build tree.
	if [ ! -e "$kdir/usr/include/linux/dma-heap.h" ]; then
		make -s -C "$src" O="$kdir" ARCH=x86_64 headers >&2 ||
			die "cannot install the $kv uapi headers"
	fi
	mkdir -p "$(dirname "$bin")"
	${CC:-gcc} -static -O2 -Wall -Wl,-no-as-needed \
		-I"$kdir/usr/include" -I"$src/tools/testing/selftests" \
		-o "$bin" "$src/tools/testing/selftests/dmabuf-heaps/dmabuf-heap.c" ||
		die "cannot build the dmabuf-heaps selftest of $kv"
	msg "dmabuf-heaps selftest of $kv: $bin"
}

case "${1:-}" in
--build)
	build ;;
--run)
	[ -x "$bin" ] || build
	exec tools/testing/vm/run.sh --kernel debug-$kv --name publish-$kv \
		--quiet --param publish_dma_heaps=0 \
		--copy "$bin" --copy tools/testing/vm/run-publish.sh \
		-- run-publish.sh ;;
*)
	die "usage: dmabuf-heaps.sh --build|--run" ;;
esac
