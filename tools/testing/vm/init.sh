#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the sysmem test VM (busybox).  Mounts the basics, loads the
# module with sysmem-load, loads the kernel modules run.sh --kmod
# copied (listed in /sysmem/kmods, dependencies first), runs /sysmem/cmd with its output on ttyS1,
# unloads the module, triggers a kmemleak scan and powers off.  All
# kernel messages stay on ttyS0, which the host scans for splats.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /bin /sbin /usr/bin /usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
. /sysmem/env
# The CPUs the guest was given, for the tests to check they are online.
export SYSMEM_VM_CPUS

stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
say() { echo "$*" >&3; }

# Forget what boot left behind, so a later scan shows only our leaks.
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear > $kmemleak

rc=0
if [ -n "$SYSMEM_MODULE" ]; then
	if ! sysmem-load "$SYSMEM_MODULE" $SYSMEM_MODULE_PARAMS >&3 2>&3; then
		say "SYSMEM-VM: module load failed"
		rc=125
	fi
	export SYSMEM_MODULE
fi

# load_kmods: insmod each module of /sysmem/kmods (run.sh --kmod), in
# the order listed, with the NAME.PARAM=VALUE words of the kernel
# command line that name it (as modprobe would pass them; '-' and '_'
# alike in NAME).
load_kmods() {
	local n p w args
	[ -e /sysmem/kmods ] || return 0
	while read -r n; do
		args=
		for w in $(cat /proc/cmdline); do
			case "$w" in
			*.*=*) ;;
			*) continue ;;
			esac
			p=${w%%.*}
			[ "$(echo "$p" | tr - _)" = "$n" ] || continue
			args="$args ${w#*.}"
		done
		if ! insmod "/lib/sysmem/kmod/$n.ko" $args >&3 2>&3; then
			say "SYSMEM-VM: kernel module $n failed to load"
			return 1
		fi
	done < /sysmem/kmods
}

if [ $rc -eq 0 ] && ! load_kmods; then
	rc=125
fi

# run_cmd: run /sysmem/cmd in a session of its own, so a timeout stops
# everything it started; status 124 when it ran out of time.
run_cmd() {
	local cmd wd
	cd /tmp
	setsid sh /sysmem/cmd >&3 2>&3 </dev/null &
	cmd=$!
	(
		sleep "$SYSMEM_CMD_TIMEOUT"
		say "SYSMEM-VM: command timed out after $SYSMEM_CMD_TIMEOUT s"
		touch /run/sysmem-timed-out
		kill -TERM -- -$cmd 2>/dev/null
		sleep 5
		kill -KILL -- -$cmd 2>/dev/null
	) &
	wd=$!
	wait $cmd
	rc=$?
	kill $wd 2>/dev/null
	[ -e /run/sysmem-timed-out ] && rc=124
	cd /
}

# Where the kernel exports dma_heap_add(), sysmem publishes its heaps
# and pins itself (unless loaded with publish_dma_heaps=0): it must then
# refuse to unload.
sysmem_pinned() {
	ls /dev/dma_heap/sysmem-* >/dev/null 2>&1
}

if [ $rc -eq 0 ]; then
	mkdir -p /out
	run_cmd
	# A test that stopped half-way may have left one of the
	# selftests' helper modules loaded; each holds sysmem.
	for helper in sysmem_test_camera sysmem_test_heap; do
		grep -q "^$helper " /proc/modules || continue
		say "SYSMEM-VM: $helper still loaded, removing it"
		if ! sysmem-load -r $helper >&3 2>&3; then
			say "SYSMEM-VM: $helper unload failed"
			rc=126
		fi
	done
	if [ -n "$SYSMEM_MODULE" ] && sysmem_pinned; then
		if sysmem-load -r sysmem >/dev/null 2>&1; then
			say "SYSMEM-VM: sysmem unloaded although its dma-heaps are published"
			rc=126
		else
			say "SYSMEM-VM: sysmem stays loaded: its dma-heaps are published"
		fi
	elif [ -n "$SYSMEM_MODULE" ] && grep -q '^sysmem ' /proc/modules; then
		if ! sysmem-load -r sysmem >&3 2>&3; then
			say "SYSMEM-VM: module unload failed"
			rc=126
		fi
	fi
fi

if [ -w $kmemleak ]; then
	# kmemleak reports only objects older than 5 s, and a stale copy
	# of a pointer (a reused stack, a register) can hide a leak from
	# one scan: scan a few times.
	sleep 5
	for i in 1 2 3; do
		echo scan > $kmemleak
	done
	cat $kmemleak > /dev/console
fi

if [ -n "$(ls -A /out 2>/dev/null)" ]; then
	say "SYSMEM-VM-OUT-BEGIN"
	tar -C /out -cf - . | gzip | base64 >&3
	say "SYSMEM-VM-OUT-END"
fi
say "SYSMEM-VM-EXIT $rc"
sync
reboot -f
