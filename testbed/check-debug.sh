#!/usr/bin/env bash
# make check-debug: every live update test on the sanitizer kernel.
#
# The kernel is testbed/kernel.config plus testbed/kernel-debug.config
# (KASAN, lockdep, DEBUG_LIST, DEBUG_VM, kmemleak, UBSAN), built in its own
# object tree out/build-debug from the same out/linux.  The guest root is
# the one of make build with that kernel in /boot (the stages kexec into
# it); runs, logs and summary go to out/debug/ (out/debug/logs/latest/),
# so the main build and its logs are left alone.  A report of any of the
# tools on the console is a failure of its boot (testbed/vmtest.py), and
# the guest init has kmemleak scan before every kexec and at the end.
# Benchmarks are left out: their figures mean nothing on this kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The live update tests: KHO, LUO, preserved arrays and memfd.
tests=(
	'testbed:kho_roundtrip' 'testbed:kho_generations' 'testbed:kho_corrupt'
	'kselftest:liveupdate/*' 'kunit:luo_array'
)
exclude_bench() { python3 "$TOP/testbed/vmtest.py" list | awk '{ print $1 }' |
	while read -r id; do
		for p in "${tests[@]}"; do
			# shellcheck disable=SC2053
			[[ $id == $p && $id != *bench* ]] && { echo "$id"; break; }
		done
	done; }

dbg=$OUT/debug
KBUILD=$OUT/build-debug KCONFIG_EXTRA=$TOP/testbed/kernel-debug.config \
	"$TOP/testbed/build-kernel.sh"
[ -x "$OUT/guest/rootfs/init" ] || die "no guest root: run make build first"
mkdir -p "$dbg"
rm -rf "$dbg/guest"
mkdir -p "$dbg/guest"
cp -a "$OUT/guest/rootfs" "$dbg/guest/rootfs"
cp -f "$OUT/build-debug/arch/x86/boot/bzImage" "$dbg/guest/rootfs/boot/bzImage"
ln -sfn ../build-debug "$dbg/build"
cp -f "$OUT/base-version" "$dbg/base-version" 2>/dev/null || true

mapfile -t ids < <(exclude_bench)
[ "${#ids[@]}" -gt 0 ] || die "no live update test in testbed/plan"
say "sanitizer kernel: ${#ids[@]} live update tests"
OUT=$dbg TB_TIMEOUT_SCALE=${TB_TIMEOUT_SCALE:-4} \
	exec python3 "$TOP/testbed/vmtest.py" run "${ids[@]}"
