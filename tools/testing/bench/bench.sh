#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench": build (once, cached) the production-config 6.1 kernel of
# tools/testing/vm/bench-kernel.sh and sysmem.ko for it, boot it with 2
# CPUs and run sysmem_bench, then count the negotiation's instructions
# (negotiate-count.sh).  Both tables are printed and kept in
# build/logs/bench.txt.  See Documentation/sysmem/performance.rst.
# Extra arguments go to sysmem_bench (for example --reps 21).
set -euo pipefail
. "$(dirname "$0")/../vm/common.sh"
cd "$SYSMEM_TOP"

t=$(date +%s)
kdir=$(tools/testing/vm/bench-kernel.sh)
msg "bench kernel: $kdir ($(( $(date +%s) - t )) s)"
make -s --no-print-directory module KDIR="$kdir" >/dev/null
module=$(make -s --no-print-directory print-module KDIR="$kdir")
make -s --no-print-directory userspace build/bench/negotiate_count >/dev/null

mkdir -p "$SYSMEM_LOGDIR"
table=$SYSMEM_LOGDIR/bench.txt
rc=0
tools/testing/vm/run.sh --kernel "$kdir/arch/x86/boot/bzImage" \
	--module "$module" --name bench --quiet --timeout 3000 \
	--copy build/bench/sysmem_bench -- sysmem_bench "$@" || rc=$?
out=$SYSMEM_LOGDIR/vm-bench.out
if [ "$rc" -ne 0 ]; then
	grep -v '^SYSMEM-VM' "$out" | tail -n 30 >&2
	die "the benchmark guest failed (status $rc); see $out"
fi
# The table: from its title to the end of the program's output.
sed -n '/^sysmem benchmark:/,/^SYSMEM-VM/p' "$out" | grep -v '^SYSMEM-VM' >"$table"
[ -s "$table" ] || die "no table in $out"
echo >>"$table"
echo "negotiation, instructions (callgrind, host build of lib/):" >>"$table"
tools/testing/bench/negotiate-count.sh >>"$table"
cat "$table"
