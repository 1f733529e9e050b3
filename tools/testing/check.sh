#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": host unit tests, the libsysmem package check
# (check-lib.sh), a bounded libFuzzer run on lib/'s constraint code,
# then every VM selftest on each kernel of the matrix: debug builds of
# 6.1, 6.12 and 7.2 and Debian 12's stock kernel.  On 7.2, which lets
# sysmem publish its heaps under /dev/dma_heap/, a second guest runs
# the publishing tests and the kernel's own dmabuf-heaps selftest.
# Installs what is missing, builds what is stale, and ends
# with the line "N passed, M failed" summed over every stage.
# With the stock kernel in the matrix, a host stage also builds and
# installs sysmem.ko through DKMS and "make modules_install" against its
# headers (tools/testing/check-dkms.sh).
# The 32-bit client's selftests (build/m32/, see the Makefile) run in
# the same guests and count like the others; so does, in the 6.1 debug
# guest only, the smoke mode of the benchmark suite ("make bench").
# Usage: check.sh [--unit-only]; FUZZ_SECONDS (default 30) bounds the
# fuzz stage; KERNELS (default: "debug stock debug-6.12 debug-7.2")
# picks the kernels, e.g. KERNELS=debug for a quick inner loop.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$SYSMEM_TOP"

passed=0 failed=0
t0=$(date +%s)
kernels=${KERNELS:-debug stock debug-6.12 debug-7.2}
for k in $kernels; do
	case "$k" in
	debug|debug-6.1|debug-6.12|debug-7.2|stock) ;;
	*) echo "sysmem: KERNELS: unknown kernel $k" >&2; echo "0 passed, 1 failed"; exit 1 ;;
	esac
done

finish() {
	msg "check took $(( $(date +%s) - t0 )) s; logs in $SYSMEM_LOGDIR"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# count FILE: add up the kselftest "# Totals:" lines between the
# SYSMEM-SELFTEST-BEGIN/END markers of FILE; a binary that exits non-zero
# without reporting a failure, or never reports, counts as one failure.
count() {
	local r
	r=$(awk '
		/^SYSMEM-SELFTEST-BEGIN / { name = $2; p = 0; f = 0; seen = 0; open = 1; next }
		/^# Totals: / {
			for (i = 3; i <= NF; i++) {
				split($i, kv, ":")
				if (kv[1] == "pass") p += kv[2]
				if (kv[1] == "fail" || kv[1] == "error") f += kv[2]
			}
			seen = 1; next
		}
		/^SYSMEM-SELFTEST-END / {
			if (!seen || ($3 != 0 && f == 0)) {
				printf "sysmem: %s exited %s without a passing report\n", name, $3 > "/dev/stderr"
				f++
			}
			P += p; F += f; open = 0; next
		}
		END {
			if (open) { print "sysmem: " name " never finished" > "/dev/stderr"; F++ }
			print P + 0, F + 0
		}' "$1")
	passed=$((passed + ${r% *}))
	failed=$((failed + ${r#* }))
}

# stage NAME RC: one pass or failure for a stage's own health.
stage() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		msg "stage $1 failed (status $2)"
	fi
}

mkdir -p "$SYSMEM_LOGDIR"
tools/testing/vm/ksrc.sh >/dev/null || { failed=1; finish; }

# --- host unit tests ---
if ! make -s --no-print-directory unit-build >"$SYSMEM_LOGDIR/unit-build.log" 2>&1; then
	cat "$SYSMEM_LOGDIR/unit-build.log"
	stage unit-build 1
	finish
fi
unit_log=$SYSMEM_LOGDIR/unit.out
: >"$unit_log"
for t in build/unit/*_test; do
	echo "SYSMEM-SELFTEST-BEGIN $t"
	"$t"
	echo "SYSMEM-SELFTEST-END $t $?"
done 2>&1 | tee -a "$unit_log" | grep -E '^(not ok|# Totals|# PASSED|# FAILED)'
count "$unit_log"
# The negotiation instruction-count program, each case once (no
# callgrind, no counts asserted): it still builds and decides right.
rc=0
tools/testing/bench/negotiate-count.sh --smoke || rc=$?
stage bench-negotiate-smoke "$rc"
[ "${1:-}" = "--unit-only" ] && finish

# --- libsysmem as a package (tools/testing/check-lib.sh): exports
# against the version script, a man page per call, make install and a
# program built against the installed tree ---
rc=0
tools/testing/check-lib.sh >"$SYSMEM_LOGDIR/check-lib.log" 2>&1 || rc=$?
grep -E '^(not ok|#)' "$SYSMEM_LOGDIR/check-lib.log" | sed 's/^/check-lib: /'
stage check-lib "$rc"

# --- fuzz: libFuzzer on sysmem_constraints_validate()/sysmem_aggregate() ---
# One pass when libFuzzer runs FUZZ_SECONDS without a crash (exit 0), one
# failure otherwise: a build error, a sanitizer report, a broken
# invariant (abort), a timeout or running out of memory.
fuzz_seconds=${FUZZ_SECONDS:-30}
fuzz_log=$SYSMEM_LOGDIR/fuzz.log
msg "fuzzing for $fuzz_seconds s"
rc=0
{ make -s --no-print-directory fuzz-build &&
  make -s --no-print-directory fuzz FUZZ_SECONDS="$fuzz_seconds"; } \
	>"$fuzz_log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$fuzz_log" | tail -n 1)
	msg "fuzz: ${crash:-no crash file} (log: $fuzz_log)"
	grep -m1 -E 'invariant .* broken|ERROR: (AddressSanitizer|libFuzzer)|runtime error:' \
		"$fuzz_log" | sed 's/^/sysmem: fuzz: /' >&2
	tail -n 30 "$fuzz_log"
else
	# "#runs DONE cov: edges ft: features corp: inputs/size ... exec/s: N"
	sed -n 's/^#\([0-9]*\)[[:space:]]*DONE[[:space:]]*/sysmem: fuzz: \1 runs, /p' \
		"$fuzz_log" >&2
fi
stage fuzz "$rc"

# --- packaging: sysmem.ko through DKMS (add, build, install, remove) and
# "make modules_install", against Debian 12's stock headers, in private
# trees under build/ (tools/testing/check-dkms.sh); with the stock kernel ---
if [[ " $kernels " == *" stock "* ]]; then
	t=$(date +%s)
	rc=0
	tools/testing/check-dkms.sh || rc=$?
	stage dkms "$rc"
	msg "dkms took $(( $(date +%s) - t )) s (log: $SYSMEM_LOGDIR/dkms.log)"
fi

# kdir KERNEL: the build tree or headers sysmem.ko is built against.
kdir() {
	case "$1" in
	stock) tools/testing/vm/ksrc.sh --stock-kdir ;;
	debug) tools/testing/vm/kernel.sh --version 6.1 ;;
	*) tools/testing/vm/kernel.sh --version "${1#debug-}" ;;
	esac
}

# --- build the kernels, then everything for each of them ---
for k in $kernels; do
	t=$(date +%s)
	if ! dir=$(kdir "$k"); then
		stage "kernel-$k" 1
		finish
	fi
	msg "kernel $k: $dir ($(( $(date +%s) - t )) s)"
done
t=$(date +%s)
if ! { make -s --no-print-directory userspace &&
       for k in $kernels; do
		make -s --no-print-directory module KDIR="$(kdir "$k")" || exit 1
       done; } >"$SYSMEM_LOGDIR/build.log" 2>&1; then
	tail -n 40 "$SYSMEM_LOGDIR/build.log"
	stage build 1
	finish
fi
msg "build took $(( $(date +%s) - t )) s"

# The 7.2 guest that publishes sysmem's heaps runs the kernel's own
# dmabuf-heaps selftest, built from that kernel's source.
if [[ " $kernels " == *" debug-7.2 "* ]]; then
	if ! tools/testing/vm/dmabuf-heaps.sh --build >"$SYSMEM_LOGDIR/dmabuf-heaps-build.log" 2>&1; then
		tail -n 20 "$SYSMEM_LOGDIR/dmabuf-heaps-build.log"
		stage dmabuf-heaps-build 1
		finish
	fi
fi

# --- the VM runner itself, on the first kernel: --append reaches the
# kernel command line, and a command that runs out of time ends the
# guest with status 124 ---
k=${kernels%% *}
rc=0
tools/testing/vm/run.sh --kernel "$k" --name runner --quiet --timeout 3 \
	--append sysmem_runner_check=1 -- \
	sh -c 'grep -qw sysmem_runner_check=1 /proc/cmdline && sleep 600' || rc=$?
if [ "$rc" -ne 124 ]; then
	msg "run.sh --timeout 3: status $rc, expected 124"
	stage runner 1
elif ! tools/testing/vm/scan-log.sh "$SYSMEM_LOGDIR/vm-runner.console" >&2; then
	stage runner 1
else
	stage runner 0
fi

# --- every selftest on each kernel ---
for k in $kernels; do
	t=$(date +%s)
	rc=0
	# 7.2's publishing tests and every kernel's placement tests run in
	# guests of their own (below).
	tests=()
	for b in build/selftests/*_test; do
		case "${b##*/}" in
		sysmem_placement_test) continue ;;
		sysmem_publish_test) [ "$k" = debug-7.2 ] && continue ;;
		esac
		tests+=("/usr/local/bin/${b##*/}")
	done
	for b in build/m32/selftests/*_test; do
		tests+=("/usr/local/bin/m32/${b##*/}")
	done
	# The benchmark suite's smoke mode (every item once, no time
	# asserted; "make bench" is the real run): one test on each debug
	# kernel.  The stock kernel has no dma-heaps, so no anchors.
	bench=()
	case "$k" in
	debug|debug-6.1|debug-6.12|debug-7.2)
		bench=(--copy build/bench/sysmem_bench
		       --copy tools/testing/bench/bench-smoke.sh:/usr/local/bin/sysmem_bench_smoke)
		tests+=(/usr/local/bin/sysmem_bench_smoke) ;;
	esac
	# sysmem_v4l2_test captures from vivid: the first two instances,
	# the second with the multi-planar API; sysmem_rights_test from the
	# third, which imports through vb2-dma-contig (allocators=1).  Built
	# into the debug kernels, a module on the stock one (run.sh --kmod).
	vivid=(--append vivid.n_devs=3 --append vivid.multiplanar=1,2,1
	       --append vivid.allocators=0,0,1)
	[ "$k" = stock ] && vivid+=(--kmod vivid)
	tools/testing/vm/run.sh --kernel "$k" --name "$k" --quiet \
		"${vivid[@]}" "${bench[@]+"${bench[@]}"}" \
		--copy tools/testing/vm/run-selftests.sh \
		-- run-selftests.sh "${tests[@]}" || rc=$?
	stage "vm-$k" "$rc"
	count "$SYSMEM_LOGDIR/vm-$k.out"
	# Each line with its binary, m32/ marking the 32-bit ones.
	awk -v k="$k" '
		/^SYSMEM-SELFTEST-BEGIN / {
			t = $2; sub(/.*\/bin\//, "", t); next
		}
		/^(not ok|# Totals|# FAILED)/ { print k ": " t ": " $0 }
	' "$SYSMEM_LOGDIR/vm-$k.out"
	msg "vm $k took $(( $(date +%s) - t )) s"
	# Placement below 4 GiB proves something only where RAM lies above.
	t=$(date +%s)
	rc=0
	tools/testing/vm/run.sh --kernel "$k" --name "placement-$k" --quiet \
		--mem 4096 --copy tools/testing/vm/run-selftests.sh \
		-- run-selftests.sh /usr/local/bin/sysmem_placement_test ||
		rc=$?
	stage "vm-placement-$k" "$rc"
	count "$SYSMEM_LOGDIR/vm-placement-$k.out"
	grep -E '^(not ok|# Totals|# FAILED)' \
		"$SYSMEM_LOGDIR/vm-placement-$k.out" | sed "s/^/placement-$k: /"
	msg "vm placement-$k took $(( $(date +%s) - t )) s"
	if [ "$k" = debug-7.2 ]; then
		t=$(date +%s)
		rc=0
		tools/testing/vm/dmabuf-heaps.sh --run || rc=$?
		stage vm-publish-7.2 "$rc"
		count "$SYSMEM_LOGDIR/vm-publish-7.2.out"
		grep -E '^(not ok|# Totals|# FAILED|sysmem: heap )' \
			"$SYSMEM_LOGDIR/vm-publish-7.2.out" | sed "s/^/publish-7.2: /"
		msg "vm publish-7.2 took $(( $(date +%s) - t )) s"
	fi
done

finish
