#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the publishing stage (tools/testing/vm/dmabuf-heaps.sh):
# sysmem_reload_test (sysmem loads unpublished here, so it can unload),
# sysmem_publish_test, which leaves sysmem loaded with its heaps
# published, then the kernel's dmabuf-heaps selftest over every heap,
# then a check that sysmem's heaps hold no buffer any more.  Each part is
# marked for tools/testing/check.sh to count; always exits 0.
HEAPS=/sys/kernel/debug/sysmem/heaps

run() {
	echo "SYSMEM-SELFTEST-BEGIN $1"
	"$@"
	echo "SYSMEM-SELFTEST-END $1 $?"
}

# after_check: every heap sysmem publishes is there, and sysmem's
# debugfs accounting is back to zero live buffers and bytes.
after_check() {
	pass=0 fail=0
	for h in system contiguous; do
		if [ -e /dev/dma_heap/sysmem-$h ]; then
			pass=$((pass + 1))
		else
			echo "not ok: /dev/dma_heap/sysmem-$h is missing"
			fail=$((fail + 1))
		fi
		line=$(grep "^$h " $HEAPS)
		echo "sysmem: heap $line"
		case "$line" in
		"$h buffers=0 bytes=0 "*) pass=$((pass + 1)) ;;
		*) echo "not ok: sysmem heap $h still holds buffers"
		   fail=$((fail + 1)) ;;
		esac
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ $fail -eq 0 ]
}

# Unpublished, sysmem can unload: its reload cycles run here on 7.2.
run /usr/local/bin/sysmem_reload_test
run /usr/local/bin/sysmem_publish_test
run /usr/local/bin/dmabuf-heap
# dma-buf release may run a moment after the last close.
sleep 1
run after_check
exit 0
