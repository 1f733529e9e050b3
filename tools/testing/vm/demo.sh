#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make run": set everything up (packages, debug kernel, module, tools)
# and boot the debug VM into a short demonstration of sysmem.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SYSMEM_TOP"

tools/testing/vm/ksrc.sh >/dev/null
make -s --no-print-directory all >&2
exec tools/testing/vm/run.sh --kernel debug --name demo \
	--copy tools/sysmem/sysmem-demo.sh -- sysmem-demo.sh
