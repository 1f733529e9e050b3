#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packaging stage of "make check": build and install sysmem.ko the
# two ways a distribution or an administrator does, against Debian 12's
# stock kernel headers (linux-headers-amd64), and check what comes out.
#
#  1. DKMS: "make dkms-source", then dkms add, build, install and remove,
#     with dkms's source, build and install trees and its signing key
#     all private under build/dkms/, so the host's /usr/src,
#     /var/lib/dkms and /lib/modules are never touched (checked at the
#     end).
#  2. "make modules_install INSTALL_MOD_PATH=build/dkms/mi".
#
# Each must give exactly one module, sysmem.ko (none of the selftests'
# helper modules), whose vermagic is the stock kernel's release, that
# "modprobe sysmem" finds by name after depmod.  DKMS must also have
# signed it with the private key.  Everything under build/dkms/ is
# removed afterwards; the log is build/logs/dkms.log.  Exit status 0 when
# every check passed.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$SYSMEM_TOP"

ensure_pkgs dkms kmod linux-headers-amd64 openssl
abi=$(stock_abi)
[ -n "$abi" ] || die "cannot tell the stock kernel's ABI from linux-headers-amd64"
kdir=/usr/src/linux-headers-$abi
[ -e "$kdir/include/generated/utsrelease.h" ] || die "no headers in $kdir"

work=$SYSMEM_TOP/build/dkms
mkdir -p "$SYSMEM_LOGDIR"
log=$SYSMEM_LOGDIR/dkms.log
: >"$log"
status=0

fail() {
	msg "dkms: $*"
	echo "FAIL: $*" >>"$log"
	status=1
}

# The host's own trees, compared before and after.
host_state() {
	{
		ls -la /var/lib/dkms 2>&1
		find "/lib/modules/$abi" -maxdepth 3 2>&1 | sort
		ls -la /usr/src 2>&1
	} | sha256sum
}
before=$(host_state)

rm -rf "$work"
mkdir -p "$work/tmp" "$work/tree" "$work/root/lib/modules/$abi"
version=$(make -s --no-print-directory print-version)
[ -n "$version" ] || die "no PACKAGE_VERSION in dkms.conf"
make -s --no-print-directory dkms-source DESTDIR="$work/dest" >>"$log" 2>&1 ||
	fail "make dkms-source failed"
src=$work/dest/usr/src

# dkms with every tree private; its MOK key is generated there too.
pdkms() {
	echo "+ dkms $*" >>"$log"
	TMPDIR=$work/tmp mok_signing_key=$work/mok.key \
	mok_certificate=$work/mok.pub \
	dkms "$@" --dkmstree "$work/tree" --sourcetree "$src" \
		--installtree "$work/root/lib/modules" >>"$log" 2>&1
}

# check_module FILE WHAT: FILE is a sysmem.ko for the stock kernel.
check_module() {
	local vermagic name
	vermagic=$(modinfo -F vermagic "$1" 2>>"$log")
	[ "${vermagic%% *}" = "$abi" ] ||
		fail "$2: vermagic '$vermagic', expected $abi"
	name=$(modinfo -F name "$1" 2>>"$log")
	[ "$name" = sysmem ] || fail "$2: module name '$name', expected sysmem"
	[ "$(modinfo -F license "$1" 2>>"$log")" = GPL ] ||
		fail "$2: license is not GPL"
}

# only_sysmem DIR WHAT: the only module under DIR is sysmem.ko; prints it.
only_sysmem() {
	local mods
	mods=$(cd "$1" && find . -name '*.ko' -o -name '*.ko.*' | sort)
	echo "$2: modules: $mods" >>"$log"
	case "$mods" in
	*/sysmem.ko) [ "$(echo "$mods" | wc -l)" -eq 1 ] && echo "$1/${mods#./}" && return ;;
	esac
	fail "$2: expected sysmem.ko alone, found: $(echo $mods)"
	return 1
}

# modprobe_finds ROOT WHAT PATH: "modprobe sysmem" in ROOT resolves to PATH.
modprobe_finds() {
	local out
	out=$(modprobe -d "$1" -S "$abi" --show-depends sysmem 2>&1)
	echo "$2: modprobe --show-depends: $out" >>"$log"
	[ "$out" = "insmod $3 " ] || [ "$out" = "insmod $3" ] ||
		fail "$2: modprobe sysmem resolves to '$out', expected $3"
}

# --- DKMS ---
if [ "$status" -eq 0 ]; then
	if ! pdkms add -m sysmem -v "$version"; then
		fail "dkms add failed"
	elif ! pdkms build -m sysmem -v "$version" -k "$abi" \
			--kernelsourcedir "$kdir"; then
		fail "dkms build failed (make.log: $(ls "$work"/tree/sysmem/"$version"/build/make.log 2>/dev/null))"
		cat "$work"/tree/sysmem/"$version"/build/make.log >>"$log" 2>/dev/null
	else
		# What kbuild linked (dkms removes its build directory): sysmem.ko
		# and no helper module.
		mlog=$work/tree/sysmem/$version/$abi/x86_64/log/make.log
		cat "$mlog" >>"$log" 2>/dev/null
		grep -q 'LD \[M\] .*/sysmem\.ko$' "$mlog" ||
			fail "dkms build: make.log shows no sysmem.ko linked"
		! grep -q 'sysmem_test_' "$mlog" ||
			fail "dkms build: the selftests' helper modules were built"
		if ko=$(only_sysmem "$work/tree/sysmem/$version/$abi" "dkms built"); then
			check_module "$ko" "dkms built"
			# Where Debian's dkms looks for sign-file.
			if [ -x "/usr/lib/linux-kbuild-${abi%.*}/scripts/sign-file" ]; then
				[ "$(modinfo -F signer "$ko")" = "DKMS module signing key" ] ||
					fail "dkms built: not signed with the private MOK key"
				[ -s "$work/mok.key" ] || fail "dkms: no private key in $work"
			fi
		fi
		if ! pdkms install -m sysmem -v "$version" -k "$abi" \
				--kernelsourcedir "$kdir" --no-depmod; then
			fail "dkms install failed"
		elif ko=$(only_sysmem "$work/root" "dkms install"); then
			[ "$ko" = "$work/root/lib/modules/$abi/updates/dkms/sysmem.ko" ] ||
				fail "dkms install: installed as $ko"
			check_module "$ko" "dkms installed"
			if depmod -b "$work/root" "$abi" >>"$log" 2>&1; then
				modprobe_finds "$work/root" "dkms" "$ko"
			else
				fail "depmod on the dkms install tree failed"
			fi
		fi
		st=$(TMPDIR=$work/tmp dkms status -m sysmem -v "$version" \
			--dkmstree "$work/tree" --sourcetree "$src" \
			--installtree "$work/root/lib/modules" 2>>"$log")
		echo "dkms status: $st" >>"$log"
		case "$st" in
		"sysmem/$version, $abi, "*": installed"*) ;;
		*) fail "dkms status: '$st', expected installed for $abi" ;;
		esac
		if ! pdkms remove -m sysmem -v "$version" --all --no-depmod; then
			fail "dkms remove failed"
		elif [ -e "$work/root/lib/modules/$abi/updates/dkms/sysmem.ko" ]; then
			fail "dkms remove left sysmem.ko installed"
		fi
	fi
fi

# --- make modules_install ---
mi=$work/mi
if ! make -s --no-print-directory modules_install KDIR="$kdir" \
		INSTALL_MOD_PATH="$mi" >>"$log" 2>&1; then
	fail "make modules_install failed"
elif ko=$(only_sysmem "$mi" "modules_install"); then
	[ "$ko" = "$mi/lib/modules/$abi/extra/sysmem.ko" ] ||
		fail "modules_install: installed as $ko"
	check_module "$ko" "modules_install"
	modprobe_finds "$mi" "modules_install" "$ko"
fi

# Nothing of this may reach the host's own trees.
[ "$(host_state)" = "$before" ] ||
	fail "the host's /var/lib/dkms, /lib/modules/$abi or /usr/src changed"
rm -rf "$work"
[ "$status" -eq 0 ] && msg "dkms: sysmem $version built, installed and removed for $abi; modules_install likewise"
exit $status
