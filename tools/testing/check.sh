#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make check": host unit tests, a bounded libFuzzer run on lib/'s
# constraint code, VM selftests on the debug kernel, and the smoke stage
# on Debian 12's stock kernel.  Installs what is missing, builds what is
# stale, and ends with the line "N passed, M failed" summed over every
# stage.  Usage: check.sh [--unit-only]; FUZZ_SECONDS (default 30) bounds
# the fuzz stage.
set -uo pipefail
. "$(dirname "$0")/vm/common.sh"
cd "$SYSMEM_TOP"

passed=0 failed=0
t0=$(date +%s)

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
[ "${1:-}" = "--unit-only" ] && finish

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

# --- build everything for both kernels ---
stock_kdir=$(tools/testing/vm/ksrc.sh --stock-kdir)
t=$(date +%s)
if ! { make -s --no-print-directory all &&
       make -s --no-print-directory module KDIR="$stock_kdir"; } \
	>"$SYSMEM_LOGDIR/build.log" 2>&1; then
	tail -n 40 "$SYSMEM_LOGDIR/build.log"
	stage build 1
	finish
fi
msg "build took $(( $(date +%s) - t )) s"

# --- selftests on the debug kernel ---
rc=0
tools/testing/vm/run.sh --kernel debug --name debug \
	--copy tools/testing/vm/run-selftests.sh -- run-selftests.sh || rc=$?
stage vm-debug "$rc"
count "$SYSMEM_LOGDIR/vm-debug.out"

# --- smoke test on Debian 12's stock kernel ---
rc=0
tools/testing/vm/run.sh --kernel stock --name stock \
	--copy tools/testing/vm/run-selftests.sh -- run-selftests.sh || rc=$?
stage vm-stock "$rc"
count "$SYSMEM_LOGDIR/vm-stock.out"

finish
