# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the sysmem VM scripts. Source it; do not run it.

SYSMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SYSMEM_CACHE=${SYSMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sysmem}
SYSMEM_LOGDIR=${SYSMEM_LOGDIR:-$SYSMEM_TOP/build/logs}

# Debian packages every stage needs on the host.
SYSMEM_HOST_PKGS="build-essential flex bison bc cpio rsync xz-utils kmod \
libelf-dev libssl-dev libkmod-dev pkg-config file qemu-system-x86 busybox-static \
linux-source-6.1 linux-headers-amd64 sparse clang libclang-rt-14-dev"

msg() { printf 'sysmem: %s\n' "$*" >&2; }
die() { printf 'sysmem: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_pkgs PKG...: install whatever is missing, from Debian's archive.
ensure_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	msg "installing ${missing[*]}"
	as_root apt-get update -qq || die "apt-get update failed"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}

# Serialise builds that share one cache entry.
cache_lock() {
	mkdir -p "$SYSMEM_CACHE"
	exec {SYSMEM_LOCK_FD}>"$SYSMEM_CACHE/.lock"
	flock "$SYSMEM_LOCK_FD"
}

# The unpacked Debian linux-source tree, unpacked once per package version.
ksrc_dir() {
	local ver tarball dir
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1) ||
		die "linux-source-6.1 is not installed"
	tarball=/usr/src/linux-source-6.1.tar.xz
	dir=$SYSMEM_CACHE/src/linux-source-$ver
	if [ ! -e "$dir/.unpacked" ]; then
		msg "unpacking $tarball"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xf "$tarball" -C "$dir" --strip-components=1 ||
			die "cannot unpack $tarball"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# Debian 12's stock kernel ABI name, e.g. 6.1.0-56-amd64, from the
# linux-headers-amd64 metapackage.
stock_abi() {
	dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p'
}
