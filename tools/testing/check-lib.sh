#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check-lib", and a stage of "make check": libsysmem as a package.
#
#  - libsysmem.so has soname libsysmem.so.1 and exports exactly the calls
#    tools/lib/sysmem/libsysmem.map names, each with a version of the map;
#    libsysmem.a defines exactly those as global symbols too;
#  - the map names exactly the calls libsysmem.h declares, and each has a
#    man page Documentation/man/man3/<call>.3 (and no such page is left
#    for a call that is gone); groff finds nothing to warn about in any
#    page of Documentation/man/;
#  - "make install DESTDIR=<tmp>" (PREFIX=/usr, then PREFIX, LIBDIR and
#    INCLUDEDIR elsewhere) installs the expected tree, and
#    "make uninstall" removes it;
#  - a small program built against the installed tree through pkg-config,
#    linked dynamically and statically, runs on the host (it calls only
#    device-free functions) and prints the expected values; the static
#    link must tolerate the program defining lib/ internal names such as
#    sysmem_gcd; the getting-started example and a C++ user compile too.
#
# Prints "ok"/"not ok" per check; exits 1 when any check failed.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$SYSMEM_TOP"

MAP=tools/lib/sysmem/libsysmem.map
HDR=tools/lib/sysmem/libsysmem.h
MAN3=Documentation/man/man3
nr=0 bad=0

result() {	# result RC DESCRIPTION [DETAIL...]
	local rc=$1 what=$2
	shift 2
	nr=$((nr + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $nr $what"
	else
		bad=$((bad + 1))
		echo "not ok $nr $what"
		[ $# -gt 0 ] && printf '%s\n' "$@" | sed '/^$/d; s/^/#   /'
	fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/sysmem-check-lib.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! make -s --no-print-directory lib >"$work/build.log" 2>&1; then
	cat "$work/build.log"
	result 1 "make lib"
	echo "# check-lib: $bad of $nr failed"
	exit 1
fi
so=$(readlink -f build/libsysmem.so)

# --- the exported interface ---
# The map's global names and version nodes; the header's declared calls.
sed -n 's/^[[:space:]]*\(sysmem_[a-z0-9_]*\);.*/\1/p' "$MAP" | sort >"$work/map"
sed -n 's/^\([A-Z][A-Z0-9_.]*\)[[:space:]]*{.*/\1/p' "$MAP" | sort >"$work/nodes"
grep -E '^[a-z_][a-z0-9_ ]*[ *](sysmem_[a-z0-9_]+)\(' "$HDR" |
	sed -E 's/.*[ *](sysmem_[a-z0-9_]+)\(.*/\1/' | sort -u >"$work/header"

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libsysmem.so.1 ]
result $? "soname is libsysmem.so.1 ($soname)"

# Defined dynamic symbols, the version nodes (absolute "A" symbols) apart.
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' >"$work/dynver"
sed 's/@.*//' "$work/dynver" | sort >"$work/exported"
extra=$(comm -23 "$work/exported" "$work/map")
[ -z "$extra" ]
result $? "libsysmem.so exports nothing the map does not name" "$extra"
missing=$(comm -13 "$work/exported" "$work/map")
[ -z "$missing" ]
result $? "libsysmem.so exports every call the map names" "$missing"
unversioned=$(grep -v -F -f <(sed 's/^/@@/' "$work/nodes") "$work/dynver")
[ -z "$unversioned" ]
result $? "every export has a version of the map ($(tr '\n' ' ' <"$work/nodes"| sed 's/ $//'))" \
	"$unversioned"

nm -g --defined-only build/libsysmem.a | awk 'NF == 3 { print $3 }' | sort \
	>"$work/static"
diff=$(diff "$work/map" "$work/static" | grep '^[<>]')
[ -z "$diff" ]
result $? "libsysmem.a defines exactly the map's calls as global symbols" "$diff"

diff=$(diff "$work/header" "$work/map" | grep '^[<>]' |
	sed 's/^</declared, not in the map:/; s/^>/in the map, not declared:/')
[ -z "$diff" ]
result $? "the map names exactly the calls libsysmem.h declares ($(wc -l <"$work/header"))" "$diff"

# --- man pages ---
nopage=()
while read -r call; do
	f=$MAN3/$call.3
	if [ ! -f "$f" ] || ! grep -q "^\\.TH $(tr a-z A-Z <<<"$call") 3 " "$f" ||
	   ! grep -q "^$call \\\\- " "$f"; then
		nopage+=("$call")
	fi
done < <(sort -u "$work/map" "$work/header")
[ ${#nopage[@]} -eq 0 ]
result $? "every public call has its man page $MAN3/<call>.3" \
	"${nopage[@]/%/: no page, or no .TH/NAME line for it}"
stale=()
for f in "$MAN3"/sysmem_*.3; do
	[ -e "$f" ] || continue
	call=$(basename "$f" .3)
	grep -qx "$call" "$work/header" || stale+=("$f")
done
[ ${#stale[@]} -eq 0 ]
result $? "no man page for a call libsysmem.h does not declare" "${stale[@]}"
warn=$(for f in Documentation/man/man*/*.[0-9]; do
	groff -man -ww -z "$f" 2>&1 | sed "s|^|$f: |"
done)
[ -z "$warn" ]
result $? "groff -man -ww has no warning for any page" "$warn"

# --- make install / uninstall ---
dest=$work/root
make -s --no-print-directory install DESTDIR="$dest" PREFIX=/usr \
	>"$work/install.log" 2>&1
result $? "make install DESTDIR=... PREFIX=/usr" "$(tail -n 5 "$work/install.log")"
expect=(usr/include/libsysmem.h usr/include/libsysmem/linux/sysmem.h
	usr/lib/libsysmem.so.1.0.0 usr/lib/libsysmem.a
	usr/lib/pkgconfig/sysmem.pc usr/share/man/man7/libsysmem.7
	usr/sbin/sysmemctl usr/share/man/man8/sysmemctl.8)
while read -r call; do
	expect+=("usr/share/man/man3/$call.3")
done <"$work/map"
absent=()
for f in "${expect[@]}"; do
	[ -f "$dest/$f" ] || absent+=("$f")
done
[ "$(readlink "$dest/usr/lib/libsysmem.so.1")" = libsysmem.so.1.0.0 ] ||
	absent+=("usr/lib/libsysmem.so.1 -> libsysmem.so.1.0.0")
[ "$(readlink "$dest/usr/lib/libsysmem.so")" = libsysmem.so.1 ] ||
	absent+=("usr/lib/libsysmem.so -> libsysmem.so.1")
[ ${#absent[@]} -eq 0 ]
result $? "the installed tree has the library, headers, sysmem.pc, sysmemctl and $((${#expect[@]} - 6)) man pages" \
	"${absent[@]/%/: missing}"
dyn=$(readelf -d "$dest/usr/sbin/sysmemctl" 2>&1)
! grep -qE 'RPATH|RUNPATH|libsysmem' <<<"$dyn"
result $? "the installed sysmemctl has no rpath and needs no libsysmem.so" "$dyn"
cmp -s include/uapi/linux/sysmem.h "$dest/usr/include/libsysmem/linux/sysmem.h"
result $? "the installed <linux/sysmem.h> is the uapi header"

alt=$work/alt
make -s --no-print-directory install DESTDIR="$alt" PREFIX=/opt/sm \
	LIBDIR=/opt/sm/lib64 INCLUDEDIR=/opt/inc >"$work/install2.log" 2>&1 &&
	[ -f "$alt/opt/sm/lib64/libsysmem.so.1.0.0" ] &&
	[ -f "$alt/opt/inc/libsysmem.h" ] &&
	[ -f "$alt/opt/sm/share/man/man3/sysmem_open.3" ] &&
	grep -qx 'libdir=${prefix}/lib64' "$alt/opt/sm/lib64/pkgconfig/sysmem.pc" &&
	grep -qx 'includedir=/opt/inc' "$alt/opt/sm/lib64/pkgconfig/sysmem.pc"
result $? "PREFIX, LIBDIR and INCLUDEDIR are honoured (and written to sysmem.pc)" \
	"$(cat "$work/install2.log" "$alt/opt/sm/lib64/pkgconfig/sysmem.pc" 2>&1)"
make -s --no-print-directory uninstall DESTDIR="$alt" PREFIX=/opt/sm \
	LIBDIR=/opt/sm/lib64 INCLUDEDIR=/opt/inc >"$work/uninstall.log" 2>&1
left=$(find "$alt" ! -type d)
[ -z "$left" ]
result $? "make uninstall removes every file make install put there" "$left"

# --- build against the installed tree ---
pc() {
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$dest/usr/lib/pkgconfig" \
		PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config "$@"
}
cflags=$(pc --cflags sysmem) && libs=$(pc --libs sysmem) &&
	[ "$(pc --modversion sysmem)" = 1.0.0 ]
result $? "pkg-config finds sysmem 1.0.0: $cflags $libs"

cat >"$work/user.c" <<'EOF'
#include <stdio.h>
#include <libsysmem.h>

/* lib/ internal names: libsysmem must not define them for its users. */
int sysmem_gcd(int a) { return a; }
int sysmem_aggregate;

int main(void)
{
	struct sysmem_format_info nv12, yuyv;

	if (sysmem_format_get_info(0x3231564e, &nv12) ||
	    sysmem_format_get_info(0x56595559, &yuyv))
		return 1;
	printf("formats %u first %#x\n", sysmem_format_known_count(),
	       sysmem_format_known_at(0));
	printf("NV12 planes %u bps %u,%u sub %ux%u flags %#x\n",
	       nv12.nr_planes, nv12.bytes_per_sample[0],
	       nv12.bytes_per_sample[1], nv12.hsub, nv12.vsub, nv12.flags);
	printf("YUYV block %u bps %u\n", yuyv.block_width,
	       yuyv.bytes_per_sample[0]);
	printf("EINVAL %d: %s\n", sysmem_format_get_info(0, &nv12),
	       sysmem_fail_str(SYSMEM_FAIL_PARTICIPANT_LOST));
	return sysmem_gcd(sysmem_aggregate);
}
EOF
cat >"$work/expected" <<'EOF'
formats 32 first 0x34325258
NV12 planes 2 bps 1,2 sub 2x2 flags 0x2
YUYV block 2 bps 4
EINVAL -22: a participant closed without release
EOF
# shellcheck disable=SC2086
if ${CC:-gcc} -Wall -Wextra -Werror -o "$work/user-dyn" "$work/user.c" \
	$cflags $libs >"$work/cc.log" 2>&1; then
	LD_LIBRARY_PATH="$dest/usr/lib" "$work/user-dyn" >"$work/out-dyn" 2>&1 &&
		cmp -s "$work/expected" "$work/out-dyn" &&
		readelf -d "$work/user-dyn" | grep -q 'NEEDED.*\[libsysmem\.so\.1\]'
	result $? "a program linked with the installed libsysmem.so.1 runs" \
		"$(diff "$work/expected" "$work/out-dyn")"
else
	result 1 "a program compiles and links with pkg-config --cflags --libs sysmem" \
		"$(cat "$work/cc.log")"
fi
# shellcheck disable=SC2086
if ${CC:-gcc} -Wall -Wextra -Werror -o "$work/user-static" "$work/user.c" \
	$cflags -Wl,-Bstatic $(pc --libs --static sysmem) -Wl,-Bdynamic \
	>"$work/cc-static.log" 2>&1; then
	env -u LD_LIBRARY_PATH "$work/user-static" >"$work/out-static" 2>&1 &&
		cmp -s "$work/expected" "$work/out-static" &&
		! readelf -d "$work/user-static" | grep -q 'NEEDED.*libsysmem'
	result $? "a program linked with the installed libsysmem.a runs" \
		"$(diff "$work/expected" "$work/out-static")"
else
	result 1 "a program that defines lib/ names links with libsysmem.a" \
		"$(cat "$work/cc-static.log")"
fi
# shellcheck disable=SC2086
${CC:-gcc} -Wall -Wextra -Werror -o "$work/example" \
	tools/sysmem/examples/sysmem-example.c $cflags $libs >"$work/ex.log" 2>&1
result $? "the getting-started example builds against the installed tree" \
	"$(cat "$work/ex.log")"
if command -v "${CXX:-g++}" >/dev/null; then
	echo '#include <libsysmem.h>
int main() { return sysmem_format_known_count() == 0; }' >"$work/user.cc"
	# shellcheck disable=SC2086
	"${CXX:-g++}" -Wall -Werror -o "$work/user-cxx" "$work/user.cc" $cflags \
		$libs >"$work/cxx.log" 2>&1 &&
		LD_LIBRARY_PATH="$dest/usr/lib" "$work/user-cxx"
	result $? "a C++ program uses libsysmem.h" "$(cat "$work/cxx.log")"
fi

echo "# check-lib: $((nr - bad)) of $nr passed"
[ "$bad" -eq 0 ]
