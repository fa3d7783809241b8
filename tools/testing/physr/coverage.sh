#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Coverage of the restore-side validators by the fuzz corpus: the coverage
# builds (clang source-based coverage, no sanitizer) replay every input of
# $CORPUS_DIR/{validate,kho,luo} once, and llvm-cov prints the line and
# branch coverage of each validator function, and the corpus sizes.
set -eu
corpus=${CORPUS_DIR:-corpus}
profdata=${LLVM_PROFDATA:-llvm-profdata}
cov=${LLVM_COV:-llvm-cov}
SRC=$(cd ../../.. && pwd)
out=logs/coverage
rm -rf "$out"
mkdir -p "$out"

for t in validate kho luo; do
	LLVM_PROFILE_FILE="$out/$t-%p.profraw" ./cov_$t -runs=0 \
		"$corpus/$t" > "$out/$t.log" 2>&1 || {
		echo "coverage: replaying $corpus/$t failed, see $out/$t.log"
		exit 1
	}
done
"$profdata" merge -sparse -o "$out/all.profdata" "$out"/*.profraw

# The validators, and what they call to check a handover.
funcs='physr_validate_chain physr_adopt
kho_populate kho_memblock_setup kho_accept kho_adopt_maps kho_check_ranges
kho_area_ok kho_chunk_ok kho_reserve_all kho_sorted_next kho_check_meta kho_lookup
kho_lookup_index kho_lookup_walk kho_restore_folio kho_folio_waiting
kho_pages_waiting kho_restore_physr kho_in_preserved __kho_retrieve_subtree
kho_finish
luo_array_restore luo_array_counts_ok luo_array_check_list luo_array_chunk_ok
luo_array_check_disjoint
luo_state_parse luo_parse luo_check_unique luo_check_name
memfd_luo_check_hdr memfd_luo_validate memfd_luo_check_folios
memfd_luo_get_item'

"$cov" report ./cov_luo -object ./cov_kho -object ./cov_validate \
	-instr-profile="$out/all.profdata" -show-functions \
	$SRC/lib/physr/physr.c $SRC/kernel/liveupdate/kho_boot.c \
	$SRC/kernel/liveupdate/kho_restore.c \
	$SRC/kernel/liveupdate/luo_array.c $SRC/kernel/liveupdate/luo_parse.c \
	$SRC/mm/memfd_luo_check.c > "$out/report.txt" 2>&1

# One line per validator: lines covered/total, branches covered/total.
echo "coverage of the validators by the corpus (lines, branches):"
for f in $funcs; do
	awk -v f="$f" '$1 == f || $1 ~ (":" f "$") {
		# Name Regions Miss Cover Lines Miss Cover Branches Miss Cover
		printf "  %-24s lines %4d/%-4d %7s   branches %4d/%-4d %7s\n",
			f, $5 - $6, $5, $7, $8 - $9, $8, $10; found = 1; exit }
		END { if (!found) printf "  %-24s not in the report\n", f }' \
		"$out/report.txt"
done
for t in validate kho luo; do
	n=$(find "$corpus/$t" -type f ! -name '.*' | wc -l)
	b=$(du -sk "$corpus/$t" | cut -f1)
	echo "corpus $t: $n inputs, ${b} KiB"
done
