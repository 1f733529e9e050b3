#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in a QEMU (TCG) guest with sysmem.ko loaded.
#
#   run.sh [options] [--] COMMAND [ARG...]
#
#   --kernel KIND|PATH         kernel to boot: debug (default; the
#                              project's 6.1 debug kernel, also debug-6.1),
#                              debug-6.12, debug-7.2 (debug kernels from
#                              Debian's newer linux-source packages) or
#                              stock (Debian 12's own kernel)
#   --module PATH|none         module to load (default: sysmem.ko built
#                              for that kernel by "make module")
#   --param NAME=VALUE         module parameter (repeatable)
#   --copy SRC[:DEST]          copy a host file or directory into the
#                              guest (default DEST: /usr/local/bin/ for
#                              executables, /root/ otherwise); shared
#                              libraries of executables come along
#   --out DIR                  files the guest writes to /out land here
#   --append PARAM             extra kernel command-line parameter
#                              (repeatable), e.g. vivid.allocators=1
#   --timeout SECONDS          limit for COMMAND (default 900)
#   --name NAME                names the logs (default: the kernel kind)
#   --quiet                    do not echo guest output while it runs
#   --mem MIB                  guest memory (default 2048; 4096 gives
#                              the guest RAM above 4 GiB)
#   --kmod NAME                with --kernel stock only: copy the stock
#                              kernel's module NAME (e.g. vivid) and the
#                              modules it depends on (modinfo's depends,
#                              recursively; .ko.xz/.zst/.gz decompressed)
#                              into the guest, whose init.sh loads them
#                              with busybox insmod, dependencies first,
#                              before COMMAND runs (repeatable).  Their
#                              parameters come from --append
#                              NAME.PARAM=VALUE as modprobe would take
#                              them from the command line.  A module that
#                              fails to load ends the run with 125.
#
# The guest sees build/tools/* and build/selftests/* in its PATH, the
# 32-bit selftests of build/m32/selftests/ in /usr/local/bin/m32/, and
# the selftests' helper modules sysmem_test_heap.ko and
# sysmem_test_camera.ko, when built next to the module, in /lib/sysmem/.
# Logs: build/logs/vm-NAME.console (whole kernel console) and
# build/logs/vm-NAME.out (command output).  Exit status: the command's,
# or 1 for a kernel splat or a guest that died (panic), 124 when COMMAND
# or the guest timed out,
# 125/126 when the module failed to load/unload (a module pinned by its
# published dma-heaps must refuse to unload; see init.sh).  An Oops
# panics the guest (oops=panic), which ends the run at once.
set -euo pipefail
. "$(dirname "$0")/common.sh"

kernel=debug module= name= out_dir= timeout=900 quiet=0 mem=2048
# Every guest has two CPUs, so concurrency tests really run in parallel.
cpus=2
params=() copies=() appends=() kmods=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	--param) params+=("$2"); shift 2 ;;
	--copy) copies+=("$2"); shift 2 ;;
	--append) appends+=("$2"); shift 2 ;;
	--out) out_dir=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--kmod) kmods+=("$2"); shift 2 ;;
	--) shift; break ;;
	-*) die "unknown option $1 (see the header of $0)" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || die "no command given (see the header of $0)"
case "$timeout" in ''|*[!0-9]*) die "--timeout needs seconds" ;; esac
case "$mem" in ''|*[!0-9]*) die "--mem needs MiB" ;; esac

ensure_pkgs $SYSMEM_HOST_PKGS
cd "$SYSMEM_TOP"
case "$kernel" in
debug|debug-6.1|debug-6.12|debug-7.2)
	kv=${kernel#debug}
	kv=${kv#-}
	kdir=$(tools/testing/vm/kernel.sh --version "${kv:-6.1}") || exit 1
	image=$kdir/arch/x86/boot/bzImage
	kmake=(KDIR="$kdir") ;;
stock)
	image=$(tools/testing/vm/stock-kernel.sh) || exit 1
	kmake=(KDIR="$(tools/testing/vm/ksrc.sh --stock-kdir)") ;;
*)
	image=$kernel
	kmake=()
	[ -n "$module" ] || die "--kernel PATH needs --module PATH or none" ;;
esac
[ -r "$image" ] || die "no kernel image $image"
if [ ${#kmods[@]} -gt 0 ] && [ "$kernel" != stock ]; then
	die "--kmod needs --kernel stock (the debug kernels build their drivers in)"
fi
name=${name:-$(basename "$kernel")}
if [ -z "$module" ]; then
	module=$(make -s --no-print-directory print-module "${kmake[@]}")
	[ -e "$module" ] || die "$module is not built; run: make module ${kmake[*]}"
fi

mkdir -p "$SYSMEM_LOGDIR"
console=$SYSMEM_LOGDIR/vm-$name.console
output=$SYSMEM_LOGDIR/vm-$name.out
work=$(mktemp -d "${TMPDIR:-/tmp}/sysmem-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,lib/sysmem,sysmem,usr/local/bin,root,etc}

# copy_elf FILE DEST: copy FILE and, for a dynamic executable, its
# shared libraries (at their host paths) into the initramfs.
copy_file() {
	local src=$1 dst=$2 lib
	mkdir -p "$root$(dirname "$dst")"
	cp -aL "$src" "$root$dst"
	if [ -x "$src" ] && file -L "$src" 2>/dev/null | grep -q 'dynamically linked'; then
		for lib in $(ldd "$src" 2>/dev/null | grep -oE '/[^ ]+'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	fi
}

copy_tree() {
	local src=$1 dst=$2 f
	if [ -d "$src" ]; then
		while IFS= read -r f; do
			copy_file "$f" "$dst/${f#"$src"/}"
		done < <(find "$src" -type f)
	else
		copy_file "$src" "$dst"
	fi
}

cp /bin/busybox "$root/bin/busybox"
cp tools/testing/vm/init.sh "$root/init"
chmod 755 "$root/init"
make -s --no-print-directory userspace >/dev/null
copy_file build/vm/sysmem-load /bin/sysmem-load
for f in build/tools/* build/selftests/*; do
	[ -f "$f" ] && copy_file "$f" "/usr/local/bin/$(basename "$f")"
done
# The 32-bit client (make userspace-m32): static, so no i386 libc.
copy_file build/m32/vm/abi32-probe /bin/abi32-probe
for f in build/m32/selftests/*; do
	[ -f "$f" ] && copy_file "$f" "/usr/local/bin/m32/$(basename "$f")"
done
for c in "${copies[@]+"${copies[@]}"}"; do
	src=${c%%:*}
	if [ "$src" != "$c" ]; then
		dst=${c#*:}
	elif [ -f "$src" ] && [ -x "$src" ]; then
		dst=/usr/local/bin/$(basename "$src")
	else
		dst=/root/$(basename "$src")
	fi
	[ -e "$src" ] || die "--copy: no such file $src"
	copy_tree "$src" "$dst"
done

guest_module=
if [ "$module" != none ]; then
	[ -r "$module" ] || die "no module $module"
	cp "$module" "$root/lib/sysmem/sysmem.ko"
	guest_module=/lib/sysmem/sysmem.ko
	# The selftests' helper module, built next to sysmem.ko; the
	# tests that need it load it themselves.
	for helper in sysmem_test_heap sysmem_test_camera; do
		ko=$(dirname "$module")/$helper.ko
		if [ -r "$ko" ]; then
			cp "$ko" "$root/lib/sysmem/$helper.ko"
		fi
	done
fi
# --kmod: the stock kernel's own modules, from the unpacked image
# package next to its vmlinuz, with what they depend on, in load order.
if [ ${#kmods[@]} -gt 0 ]; then
	abi=${image##*/vmlinuz-}
	mdir=$(dirname "$(dirname "$image")")/lib/modules/$abi
	[ -d "$mdir/kernel" ] || die "--kmod: no modules in $mdir"
	declare -A kmod_path=() kmod_seen=()
	kmod_order=()
	while IFS= read -r f; do
		n=${f##*/}
		n=${n%%.ko*}
		kmod_path[${n//-/_}]=$f
	done < <(find "$mdir/kernel" -name '*.ko' -o -name '*.ko.*')
	# kmod_add NAME: NAME's dependencies first, then NAME itself.
	kmod_add() {
		local n=${1//-/_} f d
		[ -n "${kmod_seen[$n]+x}" ] && return 0
		kmod_seen[$n]=1
		f=${kmod_path[$n]-}
		[ -n "$f" ] || die "--kmod: no module $1 under $mdir"
		for d in $(modinfo -F depends "$f" | tr ',' ' '); do
			kmod_add "$d"
		done
		kmod_order+=("$n")
	}
	for k in "${kmods[@]}"; do
		kmod_add "$k"
	done
	mkdir -p "$root/lib/sysmem/kmod"
	for n in "${kmod_order[@]}"; do
		f=${kmod_path[$n]}
		case "$f" in
		*.ko) cp "$f" "$root/lib/sysmem/kmod/$n.ko" ;;
		*.ko.xz) xz -dc "$f" >"$root/lib/sysmem/kmod/$n.ko" ;;
		*.ko.zst) zstd -dcq "$f" >"$root/lib/sysmem/kmod/$n.ko" ;;
		*.ko.gz) gzip -dc "$f" >"$root/lib/sysmem/kmod/$n.ko" ;;
		*) die "--kmod: cannot unpack $f" ;;
		esac
		echo "$n" >>"$root/sysmem/kmods"
	done
fi
{
	printf 'SYSMEM_MODULE=%q\n' "$guest_module"
	printf 'SYSMEM_MODULE_PARAMS=%q\n' "${params[*]+"${params[*]}"}"
	printf 'SYSMEM_CMD_TIMEOUT=%q\n' "$timeout"
	printf 'SYSMEM_VM_CPUS=%q\n' "$cpus"
} >"$root/sysmem/env"
printf '%q ' "$@" >"$root/sysmem/cmd"
echo >>"$root/sysmem/cmd"

(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$work/initramfs.gz"

: >"$console"
: >"$work/serial1"
append="console=ttyS0 panic=-1 oops=panic cma=128M printk.devkmsg=on"
for a in "${appends[@]+"${appends[@]}"}"; do
	append+=" $a"
done
start=$(date +%s.%N)
timeout -k 10 $((timeout + 300)) qemu-system-x86_64 \
	-machine pc -accel tcg -smp "$cpus" -m "$mem" -nodefaults \
	-display none -vga none -monitor none -no-reboot \
	-kernel "$image" -initrd "$work/initramfs.gz" -append "$append" \
	-serial "file:$console" -serial "file:$work/serial1" &
qpid=$!
if [ $quiet -eq 0 ]; then
	tail -n +1 -s 0.2 -f --pid=$qpid "$work/serial1" |
		tr -d '\r' | sed -u -e '/^SYSMEM-VM-OUT-BEGIN$/,/^SYSMEM-VM-OUT-END$/d' -e '/^SYSMEM-VM-EXIT /d'
fi
qrc=0
wait $qpid || qrc=$?
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

tr -d '\r' <"$work/serial1" |
	sed '/^SYSMEM-VM-OUT-BEGIN$/,/^SYSMEM-VM-OUT-END$/d' >"$output"
if [ -n "$out_dir" ] && grep -q '^SYSMEM-VM-OUT-END' "$work/serial1"; then
	mkdir -p "$out_dir"
	tr -d '\r' <"$work/serial1" |
		sed -n '/^SYSMEM-VM-OUT-BEGIN$/,/^SYSMEM-VM-OUT-END$/p' |
		sed '1d;$d' | base64 -d | gzip -dc | tar -C "$out_dir" -xf -
fi

rc=$(sed -n 's/^SYSMEM-VM-EXIT \([0-9]*\)$/\1/p' "$output" | tail -n 1)
crashed=0
if [ -z "$rc" ]; then
	if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
		msg "guest timed out after ${elapsed%.*} s"
		rc=124
	else
		# A panic (an Oops panics) reboots, which ends QEMU.
		msg "guest ended without an exit status (qemu status $qrc)"
		crashed=1
		rc=1
	fi
fi
if ! tools/testing/vm/scan-log.sh "$console" >&2; then
	[ "$rc" -ne 0 ] || rc=1
	splat=found
elif [ $crashed -eq 1 ]; then
	splat="without a splat, but the guest died"
else
	splat=clean
fi
msg "vm $name: exit $rc, kernel log $splat, ${elapsed%.*} s; console: $console"
exit "$rc"
