#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What sysmem can do so far, shown step by step inside the test VM
# ("make run").  Each step prints the command and what it printed.
step() {
	echo
	echo "\$ $*"
	"$@"
}

echo "=== sysmem demonstration on $(uname -sr) ==="
echo "sysmem negotiates shared buffers between cameras, codecs, GPUs,"
echo "displays and applications, and allocates them once."
step sh -c 'grep "^sysmem " /proc/modules'
step ls -l /dev/sysmem
step cat /sys/class/misc/sysmem/dev
step sysmemctl info
echo
echo "Heaps buffers come from (live buffers and bytes, peak, failures, cap):"
step cat /sys/kernel/debug/sysmem/heaps
step sysmemctl heaps
echo
echo "Live collections (none while nothing uses sysmem):"
step sysmemctl collections
step sh -c 'dmesg | grep "sysmem:"'
echo
echo "=== end of demonstration ==="
