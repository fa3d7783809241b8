#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Instructions per page to build and to walk a description of $1 pages,
# physr (chunk layout version 1), physr packed (version 2, physr_pack())
# and the scatterlist model, counted by callgrind around the measured
# function only.  Figures, not a pass/fail test.
set -eu
n=${1:-262144}
mkdir -p logs

if ! command -v valgrind > /dev/null; then
	echo "valgrind not found: metadata sizes only"
	for kind in physr packed sg; do
		for layout in contig scatter; do
			./bench_physr $kind $layout build "$n"
		done
	done
	exit 0
fi

printf '%-6s %-8s %-6s %14s %12s\n' what layout op instructions per-page
for layout in contig scatter; do
	for kind in physr packed sg; do
		for op in build walk; do
			out=logs/callgrind.$kind.$layout.$op
			valgrind --tool=callgrind --callgrind-out-file="$out" \
				--toggle-collect="bench_${kind}_${op}*" \
				./bench_physr $kind $layout $op "$n" \
				> logs/bench.$kind.$layout.txt 2> logs/valgrind.log
			ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out")
			[ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out")
			printf '%-6s %-8s %-6s %14s %12s\n' $kind $layout $op \
				"$ir" "$(awk -v a="$ir" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"
		done
	done
done
echo
echo "metadata for $n pages:"
for layout in contig scatter; do
	for kind in physr packed sg; do
		sed 's/^/  /' logs/bench.$kind.$layout.txt
	done
done
