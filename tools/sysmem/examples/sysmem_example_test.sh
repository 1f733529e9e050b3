#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# VM test of the getting-started example (tools/sysmem/examples/): run
# sysmem-example, which negotiates NV12 buffers between two processes
# and exits 0 only when the consumer read back exactly the frame the
# producer wrote, and check what it printed.  Reports in kselftest's
# format so tools/testing/check.sh counts it with the selftests.
echo "TAP version 13"
echo "1..2"
out=$(sysmem-example 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
pass=0
fail=0
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qx 'sysmem-example: ok'; then
	echo "ok 1 example_two_process"
	pass=$((pass + 1))
else
	echo "not ok 1 example_two_process (exit status $rc)"
	fail=$((fail + 1))
fi
# The consumer also offered XRGB8888: NV12 is the only common format, and
# a 160x120 frame has 160 * 120 * 3 / 2 = 28800 bytes, all compared.
if printf '%s\n' "$out" | grep -q '^consumer: .* NV12 320x240$' &&
   printf '%s\n' "$out" | grep -qx 'consumer: frame 160x120: 0 bytes differ'; then
	echo "ok 2 example_negotiated_nv12"
	pass=$((pass + 1))
else
	echo "not ok 2 example_negotiated_nv12"
	fail=$((fail + 1))
fi
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" -eq 0 ]
