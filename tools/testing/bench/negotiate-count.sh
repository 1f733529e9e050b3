#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make bench-negotiate": instructions one negotiation of lib/ costs,
# counted by callgrind on the host build (build/bench/negotiate_count):
# aggregation and, on failure, the culprit search, for N participants
# with 8 image entries each (N = 2, 8, 32, 64), when negotiation
# succeeds and when the last participant breaks it (buffer count, image
# format, permitted heap).  Counts are exact and repeatable; they are
# not timings.  Prints one table; --smoke runs each case once without
# callgrind and only checks the outcomes (for "make unit").
set -euo pipefail
. "$(dirname "$0")/../vm/common.sh"
cd "$SYSMEM_TOP"

bin=build/bench/negotiate_count
cases="ok count image heap"
sizes="2 8 32 64"

if [ "${1:-}" = --smoke ]; then
	for n in $sizes; do
		for c in $cases; do
			"$bin" "$n" "$c" >/dev/null || {
				echo "negotiate_count $n $c: wrong outcome" >&2
				exit 1
			}
		done
	done
	echo "negotiate_count: $(echo $sizes | wc -w) x $(echo $cases | wc -w) cases as expected"
	exit 0
fi

ensure_pkgs valgrind
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-14s %12s %12s %12s %12s\n' "participants" $cases
for n in $sizes; do
	printf '%-14s' "$n x 8"
	for c in $cases; do
		valgrind --tool=callgrind --collect-atstart=no \
			--toggle-collect=negotiate \
			--callgrind-out-file="$out/cg" "$bin" "$n" "$c" \
			>"$out/stdout" 2>"$out/stderr" || {
			cat "$out/stdout" "$out/stderr" >&2
			exit 1
		}
		ir=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' \
			"$out/stderr")
		printf ' %12s' "${ir:-?}"
	done
	echo
done
echo "instructions of negotiate(): sysmem_aggregate() and, on failure, sysmem_aggregate_culprit()"
