#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the host packages sysmem needs (if missing) and print the path
# of the unpacked Debian linux-source tree.  Usage: ksrc.sh [--stock-kdir]
# (--stock-kdir prints Debian 12's stock kernel headers directory instead).
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_pkgs $SYSMEM_HOST_PKGS
if [ "${1:-}" = "--stock-kdir" ]; then
	abi=$(stock_abi)
	[ -n "$abi" ] || die "cannot tell the stock kernel ABI from linux-headers-amd64"
	echo "/usr/src/linux-headers-$abi"
	exit 0
fi
ksrc_dir
