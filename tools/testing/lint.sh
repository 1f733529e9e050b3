#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make lint": checkpatch.pl --strict from the Debian linux-source tree on
# our kernel, lib and uapi code and the selftests' helper module, and
# sparse on the modules, built against the 6.1 and the 7.2 debug kernels
# (only 7.2 compiles sysmem_dma_heap.c, the /dev/dma_heap publishing),
# and a Sphinx build of Documentation/sysmem/ in which any warning fails.
# Silent and status 0 when clean.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$SYSMEM_TOP"

ksrc=$(tools/testing/vm/ksrc.sh) || exit 1
status=0

files="$(find drivers lib include -name '*.[ch]' -not -path 'lib/tests/*' | sort)
tools/testing/selftests/sysmem/sysmem_test_heap.c
tools/testing/selftests/sysmem/sysmem_test_camera.c
tools/testing/selftests/sysmem/sysmem_test_camera.h"
# checkpatch's repository checks need a kernel tree; --no-tree skips them.
if ! out=$(perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--terse --show-types --ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG \
		-f $files 2>&1); then
	echo "$out"
	status=1
fi

# sparse: C=2 checks every file again, even when its object is current.
mkdir -p "$SYSMEM_LOGDIR"
for kv in 6.1 7.2; do
	log=$SYSMEM_LOGDIR/sparse-$kv.log
	kdir=$(tools/testing/vm/kernel.sh --version $kv) || exit 1
	checker=sparse
	[ "$kv" = 6.1 ] || checker=$(new_sparse) || exit 1
	if ! make -s --no-print-directory module KDIR="$kdir" C=2 \
			CHECK="$checker" >"$log" 2>&1; then
		cat "$log"
		status=1
	elif grep -E 'warning:|error:|not available or not up to date' "$log" |
			grep -v '^make'; then
		status=1
	fi
done

# The documentation: Debian's Sphinx builds every page of
# Documentation/sysmem/ (no conf.py: -C, index.rst is the root) into
# build/docs/html.  -W turns every warning into a failure (a malformed
# table, a short title underline, a :doc: link to a missing page, a page
# no toctree reaches), -n also flags references that resolve nowhere,
# and -E rereads every page, so an unchanged page's warnings still count.
ensure_pkgs python3-sphinx
log=$SYSMEM_LOGDIR/docs.log
rm -rf build/docs
if ! /usr/bin/sphinx-build -E -C -W -n --keep-going -q -b html \
		-D master_doc=index -D project=sysmem \
		-d build/docs/doctrees Documentation/sysmem build/docs/html \
		>"$log" 2>&1; then
	cat "$log"
	status=1
fi
exit $status
