#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) the sysmem benchmark kernel and print its build
# directory on stdout: Debian 12's linux-source-6.1, the same source as
# the debug kernel, configured for production by bench.config (no
# KASAN, lockdep, kmemleak, DMA-API or slab debugging).  Like kernel.sh
# it builds once, in $SYSMEM_CACHE/kernel/<version>-bench-<fragment
# hash>, under a cache lock of its own, and stops when Kconfig dropped
# an option the fragment asks for (or set one it wants unset).
# Usage: bench-kernel.sh [--print-dir]
set -euo pipefail
. "$(dirname "$0")/common.sh"

frag=$SYSMEM_TOP/tools/testing/vm/bench.config
# Bump when the build recipe below changes in a way the fragment does not.
recipe=1
kv=6.1

print_dir=0
case "${1:-}" in
'') ;;
--print-dir) print_dir=1 ;;
*) die "usage: bench-kernel.sh [--print-dir]" ;;
esac

ensure_pkgs $SYSMEM_HOST_PKGS
cache_lock "kernel-$kv-bench"
src=$(ksrc_dir "$kv")
kver=$(make -s -C "$src" kernelversion)
hash=$( (cat "$frag"; echo "recipe=$recipe") | sha256sum | cut -c1-12)
out=$SYSMEM_CACHE/kernel/$kver-bench-$hash

if [ $print_dir -eq 1 ] || [ -e "$out/.built" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$out" "$SYSMEM_LOGDIR"
log=$SYSMEM_LOGDIR/kernel-build-$kv-bench.log
msg "building bench kernel $kver ($hash) in $out; log: $log"
kernel_build "$out" "$log" bench "$frag"
echo "$out"
