#!/usr/bin/env bash
# make demo: a live update with guest RAM and an assigned device, in the
# test VM.
#
# Boots the guest (the patched kernel, KHO and VT-d on) and runs the two
# stages of tools/testing/selftests/liveupdate/memfd_demo: a VM-host
# process fills a 512 MiB THP-backed memfd ("guest RAM") with a checksummed
# pattern; a writer (the running guest) keeps rewriting it, and QEMU's edu,
# bound to vfio-pci and attached through its cdev to an iommufd HWPT whose
# IOAS maps the memfd with IOMMU_IOAS_MAP_FILE, keeps DMAing through it.
# The HWPT is marked for preservation, the memfd, the iommufd and the cdev
# are preserved through /dev/liveupdate, and both go on until the kernel
# kexecs into itself.  After the kexec the three are retrieved, edu DMAs
# again through the same IOVAs with no new map, every byte is checked and
# the timeline printed, and drawn into out/demo.svg
# (testbed/demo/timeline_svg.py).  The full logs stay in
# out/logs/latest/memfd_demo/.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

say "live update demo: guest RAM (512 MiB memfd) and edu DMAing into it through VT-d, across a kexec"
rm -f "$OUT/demo.svg"
python3 "$TOP/testbed/vmtest.py" run --figures 'kselftest:liveupdate/memfd_demo' >"$OUT/demo.log" 2>&1
rc=$?
# The timeline lines (TAP comments "# demo: ..."), where its picture is,
# the checks and the total (last, as for make check).
sed -n -e 's/^    demo: /  /p' "$OUT/demo.log"
if python3 "$TOP/testbed/demo/timeline_svg.py" "$OUT/demo.log" "$OUT/demo.svg"; then
	echo "  timeline picture: $OUT/demo.svg"
fi
sed -n -e 's/^  \(ok  \|FAIL\) \(.*\)$/  [\1] \2/p' -e '/^[0-9]* passed, [0-9]* failed$/p' "$OUT/demo.log"
[ $rc -eq 0 ] || say "demo failed; see $OUT/demo.log and out/logs/latest/memfd_demo/"
exit $rc
