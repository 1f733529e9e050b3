#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make run": set everything up (packages, debug kernel, module, tools)
# and boot the debug VM into a demonstration of sysmem with a real
# pipeline: vivid's camera, a display-like participant and a CPU reader
# (tools/sysmem/sysmem-demo.sh in the guest).  The frame the reader
# captured is written to build/demo/frame.png.
set -euo pipefail
. "$(dirname "$0")/common.sh"
cd "$SYSMEM_TOP"

tools/testing/vm/ksrc.sh >/dev/null
make -s --no-print-directory all >&2
out=$SYSMEM_TOP/build/demo
rm -rf "$out"
rc=0
tools/testing/vm/run.sh --kernel debug --name demo --out "$out" \
	--copy tools/sysmem/sysmem-demo.sh -- sysmem-demo.sh || rc=$?
if [ -f "$out/frame.png" ]; then
	echo
	echo "The captured frame (vivid's 75% color bars, as the reader read it):"
	echo "  $out/frame.png"
elif [ $rc -eq 0 ]; then
	msg "the demonstration wrote no frame"
	rc=1
fi
exit $rc
