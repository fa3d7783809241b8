#!/usr/bin/env bash
# make check-debug: every live update test on the sanitizer kernel.
#
# The kernel is testbed/kernel.config plus testbed/kernel-debug.config
# (KASAN, lockdep, DEBUG_LIST, DEBUG_VM, kmemleak, UBSAN), built from the
# same out/linux as "another kernel configuration" (README.md): its object
# tree is out/build-debug and its guest root out/guest-debug; runs, logs
# and summary go to out/debug/ (out/debug/logs/latest/), so the main build
# and its logs are left alone.  A report of any of the tools on the
# console is a failure of its boot (testbed/vmtest.py), and the guest init
# has kmemleak scan before every kexec and at the end.  Timeouts are
# scaled by TB_TIMEOUT_SCALE (default 4).  Benchmarks are left out: their
# figures mean nothing on this kernel.  With arguments (make check-debug
# T=PATTERN), only the tests of the set that match one of them run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The live update tests: KHO, LUO, preserved arrays, memfd, IOMMU; and
# the DMA mapping suite of dma_map_physr() on every DMA path, under
# CONFIG_DMA_API_DEBUG.
tests=(
	'testbed:kho_roundtrip' 'testbed:kho_generations' 'testbed:kho_corrupt'
	'testbed:lu_accept_without_kho' 'testbed:lu_inspect'
	'kselftest:liveupdate/*' 'kunit:luo_array' '*iommu_lu*'
	'kunit:physr_dma'
)

frag=$OUT/build-debug.config
mkdir -p "$OUT"
cat "$TOP/testbed/kernel.config" "$TOP/testbed/kernel-debug.config" >"$frag.new"
if cmp -s "$frag.new" "$frag"; then rm -f "$frag.new"; else mv "$frag.new" "$frag"; fi

export TESTBED_CONFIG=$frag TESTBED_KBUILD=$OUT/build-debug TESTBED_GUEST=$OUT/guest-debug
"$TOP/testbed/build-kernel.sh"
"$TOP/testbed/build-guest.sh"

mapfile -t ids < <(python3 "$TOP/testbed/vmtest.py" list | awk '{ print $1 }' |
	while read -r id; do
		for p in "${tests[@]}"; do
			# shellcheck disable=SC2053
			[[ $id == $p && $id != *bench* ]] && { echo "$id"; break; }
		done
	done | sort -u)
if [ $# -gt 0 ]; then
	mapfile -t ids < <(for id in "${ids[@]}"; do
		for p in "$@"; do
			# shellcheck disable=SC2053
			[[ $id == $p || $id == */$p ]] && { echo "$id"; break; }
		done
	done)
fi
[ "${#ids[@]}" -gt 0 ] || die "no live update test in testbed/plan${*:+ matches $*}"

dbg=$OUT/debug
mkdir -p "$dbg"
cp -f "$OUT/base-version" "$dbg/base-version" 2>/dev/null || true
say "sanitizer kernel: ${#ids[@]} live update tests"
OUT=$dbg TB_TIMEOUT_SCALE=${TB_TIMEOUT_SCALE:-4} \
	exec python3 "$TOP/testbed/vmtest.py" run "${ids[@]}"
