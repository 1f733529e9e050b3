# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the sysmem VM scripts. Source it; do not run it.

SYSMEM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
SYSMEM_CACHE=${SYSMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sysmem}
SYSMEM_LOGDIR=${SYSMEM_LOGDIR:-$SYSMEM_TOP/build/logs}

# Debian packages every stage needs on the host.
SYSMEM_HOST_PKGS="build-essential flex bison bc cpio rsync xz-utils kmod \
libelf-dev libssl-dev libkmod-dev pkg-config file qemu-system-x86 busybox-static \
linux-source-6.1 linux-headers-amd64 sparse clang libclang-rt-14-dev gcc-multilib \
libpng-dev"

msg() { printf 'sysmem: %s\n' "$*" >&2; }
die() { printf 'sysmem: error: %s\n' "$*" >&2; exit 1; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# missing_pkgs PKG...: print those of PKG that are not installed.
missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

# ensure_pkgs PKG...: install whatever is missing, from Debian's archive.
# Two of our scripts started side by side (make check and make bench)
# take turns on a cache lock and look again once they hold it; apt's
# own lock is waited for, not failed on, should anything else hold it.
ensure_pkgs() {
	local missing
	missing=$(missing_pkgs "$@")
	[ -z "$missing" ] && return 0
	(
		cache_lock apt
		missing=$(missing_pkgs "$@")
		[ -z "$missing" ] && exit 0
		msg "installing" $missing
		as_root apt-get -o DPkg::Lock::Timeout=600 update -qq ||
			die "apt-get update failed"
		# shellcheck disable=SC2086 # one word per package
		as_root env DEBIAN_FRONTEND=noninteractive apt-get \
			-o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends $missing >&2 ||
			die "apt-get install" $missing "failed"
	) || exit 1
}

# cache_lock [NAME]: serialise the users of one part of the cache (a
# kernel build, the unpacked sources, the stock image) until the calling
# (sub)shell exits.
cache_lock() {
	local fd
	mkdir -p "$SYSMEM_CACHE"
	exec {fd}>"$SYSMEM_CACHE/.lock${1:+-$1}"
	flock "$fd"
}

# The Debian suite that carries linux-source-VERSION for each kernel of
# the matrix (6.1 is the host's own release).
sysmem_suite() {
	case "$1" in
	6.1) echo host ;;
	6.12) echo trixie ;;
	7.2) echo sid ;;
	*) die "no Debian suite known for linux-source-$1" ;;
	esac
}

# private_apt SUITE: print an APT_CONFIG file that reads SUITE's package
# index from the same Debian mirror the host uses, with its own source
# list, index and download cache under $SYSMEM_CACHE/apt/SUITE.  The
# host's apt sources and state are left alone.
private_apt() {
	local suite=$1 dir=$SYSMEM_CACHE/apt/$1 uri
	uri=$(apt-get indextargets --format '$(REPO_URI) $(LABEL) $(RELEASE)' |
		awk '$2 == "Debian" && $3 !~ /-/ { print $1; exit }')
	[ -n "$uri" ] || die "cannot find the host's Debian mirror in its apt sources"
	mkdir -p "$dir"/lists/partial "$dir"/cache/archives/partial \
		"$dir"/etc/sources.list.d "$dir"/etc/preferences.d
	printf 'deb%s [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s %s main\n' \
		"" "$uri" "$suite" -src "$uri" "$suite" >"$dir/etc/sources.list"
	cat >"$dir/apt.conf" <<-EOF
	Dir::Etc::SourceList "$dir/etc/sources.list";
	Dir::Etc::SourceParts "$dir/etc/sources.list.d";
	Dir::Etc::Preferences "$dir/etc/preferences";
	Dir::Etc::PreferencesParts "$dir/etc/preferences.d";
	Dir::State::Lists "$dir/lists";
	Dir::State::status "/dev/null";
	Dir::Cache "$dir/cache";
	Acquire::Languages "none";
	APT::Architectures { "amd64"; };
	APT::Sandbox::User "root";
	EOF
	echo "$dir/apt.conf"
}

# ksrc_tarball VERSION: print the path of linux-source-VERSION's tarball.
# 6.1 is the host package; newer ones are downloaded from their suite
# with private_apt into the cache and unpacked there, never installed.
# Once one is cached it is used without asking the archive again (so a
# cached kernel build stays valid); SYSMEM_REFRESH=1 asks for the
# archive's current version.
ksrc_tarball() {
	local kv=$1 suite conf dir deb
	suite=$(sysmem_suite "$kv")
	if [ "$suite" = host ]; then
		echo "/usr/src/linux-source-$kv.tar.xz"
		return
	fi
	dir=$SYSMEM_CACHE/apt/$suite
	if [ "${SYSMEM_REFRESH:-0}" != 1 ]; then
		deb=$(ls -d "$dir/deb/linux-source-${kv}_"*/.unpacked 2>/dev/null |
			sort -V | tail -n 1)
		if [ -n "$deb" ]; then
			echo "$(dirname "$deb")/usr/src/linux-source-$kv.tar.xz"
			return
		fi
	fi
	conf=$(private_apt "$suite")
	msg "updating the package index of $suite (private apt configuration)"
	APT_CONFIG=$conf apt-get update -qq >&2 ||
		die "apt-get update for $suite failed"
	mkdir -p "$dir/deb"
	deb=$(APT_CONFIG=$conf apt-cache show --no-all-versions \
		"linux-source-$kv" 2>/dev/null | sed -n 's|^Filename: .*/||p')
	[ -n "$deb" ] || die "$suite has no linux-source-$kv"
	if [ ! -e "$dir/deb/$deb" ]; then
		msg "downloading linux-source-$kv from $suite"
		(cd "$dir/deb" && APT_CONFIG=$conf apt-get download -qq \
			"linux-source-$kv" >&2) ||
			die "cannot download linux-source-$kv"
	fi
	if [ ! -e "$dir/deb/${deb%.deb}/.unpacked" ]; then
		rm -rf "$dir/deb/${deb%.deb}"
		dpkg-deb -x "$dir/deb/$deb" "$dir/deb/${deb%.deb}" ||
			die "cannot unpack $deb"
		touch "$dir/deb/${deb%.deb}/.unpacked"
	fi
	echo "$dir/deb/${deb%.deb}/usr/src/linux-source-$kv.tar.xz"
}

# ksrc_dir [VERSION]: the unpacked Debian linux-source tree of VERSION
# (default 6.1), unpacked once per package version.
ksrc_dir() {
	local kv=${1:-6.1} tarball dir ver
	cache_lock "src-$kv"
	tarball=$(ksrc_tarball "$kv") || exit 1
	[ -r "$tarball" ] || die "no $tarball"
	ver=$(basename "$(dirname "$(dirname "$(dirname "$tarball")")")")
	case "$ver" in
	linux-source-*) ver=${ver#linux-source-${kv}_}; ver=${ver%_*} ;;
	*) ver=$(dpkg-query -W -f='${Version}' "linux-source-$kv") ||
		die "linux-source-$kv is not installed" ;;
	esac
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

# new_sparse: print the path of a sparse that 7.x kernels accept (their
# scripts/checker-valid.sh wants __typeof_unqual__, which Debian 12's
# sparse 0.6.4 lacks, and kbuild then skips the check with only a
# warning).  sid's sparse source package (its binary needs a newer
# glibc) is downloaded with private_apt and built once in the cache.
new_sparse() {
	local dir=$SYSMEM_CACHE/sparse conf
	cache_lock sparse
	if [ ! -x "$dir/bin/sparse" ]; then
		conf=$(private_apt sid)
		msg "building sparse from sid's source package"
		APT_CONFIG=$conf apt-get update -qq >&2 ||
			die "apt-get update for sid failed"
		rm -rf "$dir"
		mkdir -p "$dir/dl" "$dir/src" "$dir/bin"
		(cd "$dir/dl" && APT_CONFIG=$conf apt-get source \
			--download-only -qq sparse >&2) ||
			die "cannot download sid's sparse source"
		tar -xf "$dir"/dl/sparse_*.orig.tar.* -C "$dir/src" \
			--strip-components=1 || die "cannot unpack sparse"
		make -s -C "$dir/src" -j"$(nproc)" sparse HAVE_LLVM=no \
			HAVE_GTK=no HAVE_LIBXML=no >&2 ||
			die "cannot build sparse"
		cp "$dir/src/sparse" "$dir/bin/sparse"
	fi
	echo "$dir/bin/sparse"
}

# Debian 12's stock kernel ABI name, e.g. 6.1.0-56-amd64, from the
# linux-headers-amd64 metapackage.
stock_abi() {
	dpkg-query -W -f='${Depends}' linux-headers-amd64 |
		sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p'
}

# kernel_build OUT LOG WHAT FRAGMENT...: configure the kernel source SRC
# (the caller's $src) into OUT from tinyconfig and the fragments, check
# that Kconfig kept every option they set or unset (merge_config.sh
# silently drops options whose dependencies are unmet), build it, and
# mark OUT built.  WHAT names the kernel in messages ("debug", "bench").
kernel_build() {
	local out=$1 log=$2 what=$3 line opt bad=0 start
	shift 3
	start=$(date +%s)
	{
		make -C "$src" O="$out" ARCH=x86_64 tinyconfig
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$@"
		make -C "$src" O="$out" ARCH=x86_64 olddefconfig
	} >"$log" 2>&1 || die "kernel configuration failed; see $log"
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
	done < <(cat "$@")
	[ $bad -eq 0 ] || die "the $what kernel config is missing options (fragments: $*)"
	make -C "$src" O="$out" ARCH=x86_64 -j"$(nproc)" >>"$log" 2>&1 ||
		die "kernel build failed; see $log"
	# External modules (sysmem.ko) resolve the kernel's symbols through it.
	[ -s "$out/Module.symvers" ] || die "the kernel build left no Module.symvers; see $log"
	touch "$out/.built"
	msg "$what kernel built in $(( $(date +%s) - start )) s"
}
