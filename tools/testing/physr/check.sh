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
