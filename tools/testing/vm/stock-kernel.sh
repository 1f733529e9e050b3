#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch Debian 12's stock kernel image (the one linux-headers-amd64
# matches) into the cache, without installing it on the host, and print
# the path of its vmlinuz.
set -euo pipefail
. "$(dirname "$0")/common.sh"

ensure_pkgs $SYSMEM_HOST_PKGS
abi=$(stock_abi)
[ -n "$abi" ] || die "cannot tell the stock kernel ABI from linux-headers-amd64"
dir=$SYSMEM_CACHE/stock/$abi
if [ ! -e "$dir/.unpacked" ]; then
	cache_lock stock
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	msg "downloading linux-image-$abi-unsigned"
	(cd "$dir/deb" && apt-get -o APT::Sandbox::User=root download "linux-image-$abi-unsigned" >&2) || {
		as_root apt-get update -qq
		(cd "$dir/deb" && apt-get -o APT::Sandbox::User=root download "linux-image-$abi-unsigned" >&2)
	} || die "cannot download linux-image-$abi-unsigned"
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root" || die "cannot unpack the image"
	touch "$dir/.unpacked"
fi
img=$dir/root/boot/vmlinuz-$abi
[ -e "$img" ] || die "no $img in the image package"
echo "$img"
