#!/usr/bin/env bash
# make demo: the first complete live update, in the test VM.
#
# Boots the guest (the patched kernel, KHO on) and runs the two stages of
# tools/testing/selftests/liveupdate/memfd_demo: a VM-host process fills a
# 512 MiB THP-backed memfd ("guest RAM") with a checksummed pattern, a
# writer (the running guest) keeps rewriting it while it is preserved
# through /dev/liveupdate and until the kernel kexecs into itself; after
# the kexec the memfd is retrieved, every byte checked and the timeline
# printed.  The full logs stay in out/logs/latest/memfd_demo/.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

say "live update demo: boot, fill and preserve 512 MiB of guest RAM, kexec, retrieve"
python3 "$TOP/testbed/vmtest.py" run --figures 'kselftest:liveupdate/memfd_demo' >"$OUT/demo.log" 2>&1
rc=$?
# The timeline lines (TAP comments "# demo: ..."), the checks and the total.
sed -n -e 's/^    demo: /  /p' "$OUT/demo.log"
sed -n -e 's/^  \(ok  \|FAIL\) \(.*\)$/  [\1] \2/p' -e '/^[0-9]* passed, [0-9]* failed$/p' "$OUT/demo.log"
[ $rc -eq 0 ] || say "demo failed; see $OUT/demo.log and out/logs/latest/memfd_demo/"
exit $rc
