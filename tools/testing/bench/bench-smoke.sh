#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of "make check"'s benchmark stage: sysmem_bench --smoke in
# the debug guest, as one more binary of run-selftests.sh (which runs
# each without arguments; tools/testing/check.sh copies this script in
# as /usr/local/bin/sysmem_bench_smoke).  Every item runs once; nothing
# is asserted about a time.  sysmem_bench prints the kselftest
# "# Totals:" line check.sh counts, one test.
exec sysmem_bench --smoke
