#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or reuse) a sysmem debug test kernel and print its build
# directory on stdout.  The build lives outside the checkout, in
# $SYSMEM_CACHE/kernel/<version>-<fragment hash>, so later runs take
# seconds.  Usage: kernel.sh [--version 6.1|6.12|7.2] [--print-dir]
# (default version 6.1: Debian 12's linux-source; the newer ones come
# from Debian's trixie and sid, see ksrc_tarball in common.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

frag=$SYSMEM_TOP/tools/testing/vm/debug.config
# Bump when the build recipe below changes in a way the fragment does not.
recipe=1

kv=6.1 print_dir=0
while [ $# -gt 0 ]; do
	case "$1" in
	--version) kv=$2; shift 2 ;;
	--print-dir) print_dir=1; shift ;;
	*) die "usage: kernel.sh [--version 6.1|6.12|7.2] [--print-dir]" ;;
	esac
done

ensure_pkgs $SYSMEM_HOST_PKGS
cache_lock "kernel-$kv"
src=$(ksrc_dir "$kv")
kver=$(make -s -C "$src" kernelversion)
frags=("$frag")
[ -e "${frag%.config}-$kv.config" ] && frags+=("${frag%.config}-$kv.config")
hash=$( (cat "${frags[@]}"; echo "recipe=$recipe") | sha256sum | cut -c1-12)
out=$SYSMEM_CACHE/kernel/$kver-$hash

if [ $print_dir -eq 1 ]; then
	echo "$out"
	exit 0
fi

if [ -e "$out/.built" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$out" "$SYSMEM_LOGDIR"
log=$SYSMEM_LOGDIR/kernel-build-$kv.log
msg "building debug kernel $kver ($hash) in $out; log: $log"
kernel_build "$out" "$log" debug "${frags[@]}"
echo "$out"
