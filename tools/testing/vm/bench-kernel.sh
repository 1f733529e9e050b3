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
start=$(date +%s)
{
	make -C "$src" O="$out" ARCH=x86_64 tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag"
	make -C "$src" O="$out" ARCH=x86_64 olddefconfig
} >"$log" 2>&1 || die "kernel configuration failed; see $log"

# merge_config.sh silently drops options whose dependencies are unmet:
# insist on every one asked for, set or unset.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || {
			msg "option not in final .config: $line (got: $(grep "^${line%%=*}=" "$out/.config" || echo unset))"
			bad=1
		} ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		if grep -q "^$opt=" "$out/.config"; then
			msg "option should be unset: $opt"
			bad=1
		fi ;;
	esac
done <"$frag"
[ $bad -eq 0 ] || die "the bench kernel config is missing options ($frag)"

make -C "$src" O="$out" ARCH=x86_64 -j"$(nproc)" >>"$log" 2>&1 ||
	die "kernel build failed; see $log"
# External modules (sysmem.ko) resolve the kernel's symbols through it.
[ -s "$out/Module.symvers" ] || die "the kernel build left no Module.symvers; see $log"
touch "$out/.built"
msg "bench kernel built in $(( $(date +%s) - start )) s"
echo "$out"
