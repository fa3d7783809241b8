#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs the unit tests, then each fuzzer for $1 seconds ($3 for the three live
# update fuzzers, default $1), and sums the results into one last line
# "N passed, N failed".  With "fuzz-only" as $2 only the fuzzers run.  The corpus of each fuzzer is $CORPUS_DIR/<name> (default
# corpus/), where libFuzzer adds what it finds.
set -u
secs=${1:-20}
mode=${2:-all}
lu_secs=${3:-$secs}
corpus=${CORPUS_DIR:-corpus}
passed=0
failed=0
mkdir -p logs "$corpus/ops" "$corpus/validate" "$corpus/kho" "$corpus/luo" \
	"$corpus/inspect"

if [ "$mode" != fuzz-only ]; then
	./physr_test > logs/physr_test.log 2>&1
	rc=$?
	grep -E '^(not ok|    #)' logs/physr_test.log
	line=$(tail -n 1 logs/physr_test.log)
	echo "unit tests: $line"
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	if [ -z "$p" ] || [ -z "$f" ]; then
		tail -n 20 logs/physr_test.log
		p=0
		f=1
	elif [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
fi

# Seeds whose outcome is known (lu/mkluseeds.c), replayed with the kernel's
# messages: "fuzz_TARGET SEED TEXT", TEXT a line of the log.  Accepted
# handovers say so; a rejection names the kernel's reason.
seed_outcome() {
	target=$1 seed=$2 want=$3
	LU_FUZZ_LOG=1 ./fuzz_$target "$corpus/$target/seed-$seed" \
		> logs/seed-$target-$seed.log 2>&1
	rc=$?
	if [ $rc -ne 0 ] || ! grep -qF -- "$want" logs/seed-$target-$seed.log; then
		echo "not ok seed $target/$seed: exit $rc, the log does not say: $want"
		tail -n 20 logs/seed-$target-$seed.log
		failed=$((failed + 1))
	else
		echo "ok seed $target/$seed: $want"
		passed=$((passed + 1))
	fi
}

if [ "$mode" != fuzz-only ]; then
	# Packed physr chunks (version 2): read in referenced lists, refused
	# where only version 1 is written (KHO's maps, a luo_array's pages).
	seed_outcome kho kho-refarray-packed-valid \
		"handover accepted: 12 areas, 180224 bytes reserved, root v4"
	seed_outcome kho kho-refarray-packed-mixed \
		"handover accepted: 12 areas, 180224 bytes reserved, root v4"
	seed_outcome kho kho-ref-packed-valid \
		"handover accepted: 12 areas, 176128 bytes reserved, root v3"
	seed_outcome kho kho-refarray-packed-count \
		"handover rejected, booting without it: bad referenced chunk chain (-22)"
	seed_outcome kho kho-refarray-packed-extra \
		"handover rejected, booting without it: bad referenced range (-34)"
	seed_outcome kho kho-maps-packed \
		"handover rejected, booting without it: packed physr chunk in a preserved-memory list, which is version 1 only (-22)"
	seed_outcome kho kho-maps-packed-order2 \
		"handover rejected, booting without it: packed physr chunk in a preserved-memory list, which is version 1 only (-22)"
	seed_outcome kho kho-chunk-newer \
		"handover rejected, booting without it: physr chunk version 3 is newer than this kernel reads (2) (-93)"
	seed_outcome luo memfd-v3-packed-valid \
		"memfd record v3 of token 10 restored: 3 folios, 2 packed lists"
	seed_outcome luo memfd-v3-valid \
		"memfd record v3 of token 10 restored: 3 folios, 0 packed lists"
	seed_outcome luo memfd-v3-packed-count \
		"memfd record v3 of token 10 rejected (-22)"
	seed_outcome luo luo-array-packed \
		"1 of its page list's chunks are packed (physr chunk version 2), an array's are version 1 only"
	seed_outcome luo luo-array-packed "file array rejected (-22), no session restored"
fi

for target in ops validate kho luo inspect; do
	# Op sequences stay short; validator inputs span the whole window,
	# live update inputs the whole fake RAM (lu/lu_env.h).
	case $target in
	ops) max_len=4096 ;;
	validate) max_len=65536 ;;
	*) max_len=262144 ;;
	esac
	t=$secs
	case $target in kho|luo|inspect) t=$lu_secs ;; esac
	./fuzz_$target -max_total_time="$t" -max_len=$max_len \
		-print_final_stats=1 -artifact_prefix=logs/fuzz_$target- \
		"$corpus/$target" > logs/fuzz_$target.log 2>&1
	if [ $? -eq 0 ]; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
			logs/fuzz_$target.log)
		files=$(find "$corpus/$target" -type f ! -name '.*' | wc -l)
		echo "fuzz_$target: ok, $runs runs in ${t}s, corpus $files inputs"
		passed=$((passed + 1))
	else
		echo "fuzz_$target: FAILED, see logs/fuzz_$target.log"
		tail -n 30 logs/fuzz_$target.log
		failed=$((failed + 1))
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
