#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of "make check": run selftest binaries one after another
# (default: every *_test in /usr/local/bin, then the 32-bit ones in
# /usr/local/bin/m32) and mark where each starts and how it ended, for
# tools/testing/check.sh to count.  Before the first 32-bit binary,
# /bin/abi32-probe checks that the kernel runs 32-bit processes; where
# it does not, every 32-bit binary is reported failed (status 126), not
# skipped.  Always exits 0: results are in the output.
[ $# -gt 0 ] || set -- /usr/local/bin/*_test /usr/local/bin/m32/*_test
m32=
for t in "$@"; do
	echo "SYSMEM-SELFTEST-BEGIN $t"
	case "$t" in
	*/m32/*)
		if [ -z "$m32" ]; then
			m32=ok
			abi32-probe || m32=bad
		fi
		if [ "$m32" = bad ]; then
			echo "# FAILED: this kernel does not run 32-bit binaries (abi32-probe failed)"
			echo "SYSMEM-SELFTEST-END $t 126"
			continue
		fi ;;
	esac
	"$t"
	echo "SYSMEM-SELFTEST-END $t $?"
done
exit 0
