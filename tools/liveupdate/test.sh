#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# lu-inspect (ASan+UBSan build) fed a valid incoming and outgoing handover
# and every kind of damage mkcorrupt writes: a valid one exits 0 and says
# "valid: yes"; a damaged one exits 1 and names where and why (the line
# expected below); none may crash, and --json must be valid JSON.  Ends
# with "N passed, N failed".
set -u
cd "$(dirname "$0")"
out=test-out
rm -rf "$out"
mkdir -p "$out"
./mkcorrupt "$out" >/dev/null || { echo "mkcorrupt failed"; echo "0 passed, 1 failed"; exit 1; }
passed=0
failed=0

ok() { echo "ok $*"; passed=$((passed + 1)); }
nok() { echo "not ok $*"; failed=$((failed + 1)); }

# case  exit  text the report must hold
check() {
	name=$1 want_rc=$2 want=$3
	./lu-inspect-asan "$out/$name.lu" >"$out/$name.txt" 2>&1
	rc=$?
	./lu-inspect-asan "$out/$name.lu" --json >"$out/$name.json" 2>&1
	jrc=$?
	if [ $rc -ne "$want_rc" ] || [ $jrc -ne "$want_rc" ]; then
		nok "$name: exit $rc (--json $jrc), want $want_rc"
		cat "$out/$name.txt"
	elif ! grep -qF -- "$want" "$out/$name.txt"; then
		nok "$name: the report does not say: $want"
		cat "$out/$name.txt"
	elif ! python3 -m json.tool "$out/$name.json" >/dev/null 2>&1; then
		nok "$name: --json is not JSON"
		cat "$out/$name.json"
	elif [ "$want_rc" = 1 ] &&
		! grep -qF -- "$(printf '%s' "$want" | sed 's/"/\\"/g')" "$out/$name.json"; then
		nok "$name: --json does not say: $want"
	elif [ "$want_rc" = 0 ] && ! grep -qF '"valid": true' "$out/$name.json"; then
		nok "$name: --json does not say valid"
	else
		ok "$name: $(grep -F -- "$want" "$out/$name.txt" | head -n 1 | sed 's/^ *//')"
	fi
}

check valid-in 0 "order  0: 300 runs, 1228800 bytes (1.2 MiB), 2 chunks"
# After kho_finish() kho/in holds its status and no root: finished, valid.
st='finished: 40 preserved pages and 3 metadata pages released'
printf 'lu-inspect-handover 1\nstatus %d\n%s\n\n' $((${#st} + 1)) "$st" >"$out/finished-in.lu"
check finished-in 0 "root: none, the handover is finished"
check valid-in 0 "token 2: handler iommufd, record versions 1"
check valid-in 0 "root: linux,kho-physr-v2, version 2, page-shift 12"
check valid-in 0 "LUO state version 2 from kernel 6.12.0-physr-test: 2 sessions"
check valid-in 0 "files array version 2: 3 elements of 112 bytes, 36 a page (per_page), 1 page"
check valid-out 0 "before kexec: map placeholder"
check valid-in-v1 0 "root: linux,kho-physr-v1, version 1, 282 bytes"
check valid-in-v1 0 "LUO state version 1: 2 sessions"
check valid-in-v1 0 "sessions array version 1: 2 elements of 80 bytes, 51 a page (per_page)"
check valid-in-v1 0 "order  9: 3 runs, 6291456 bytes"
check valid-in-copy 0 "liveupdate: linux,luo-v1, version 1, 4096 bytes at 0x30000000 (restored; its state from luo/state)"
check valid-in-copy 0 "LUO state version 2 from kernel 6.12.0-physr-test: 2 sessions"
check luo-copy-newer 1 "luo/state offset 0x4: live update state version 3 is newer than this kernel reads (2)"
check valid-out-v1 0 "root: linux,kho-physr-v1, version 1, 554 bytes (before kexec: map placeholder)"
check kho-upstream 1 'root /compatible: root compatible is "kho-v1", not linux,kho-physr-v4'
check kho-compatible 1 'root /compatible: KHO root version 9 is newer than this kernel reads (4)'
check kho-newer 1 'root /compatible: KHO root version 5 is newer than this kernel reads (4)'
check valid-in-v4 0 "root: linux,kho-physr-v4, version 4, page-shift 12"
check valid-in-v4 0 "referenced lists (preserved as they are): 130"
check valid-in-v4 0 "reference array: 130 entries in 2 pages, first page 0x3a000000"
check valid-out-v4 0 "before kexec: map placeholder"
check refarr-magic 1 "ref_array page 0 (offset 0x0): bad reference array magic"
check refarr-next 1 "ref_array page 0 (offset 0x0): bad reference array next page (0x0)"
check refarr-loop 1 "ref_array page 1 (offset 0x1000): reference array chain loops or is longer than its count (next 0x3a000000)"
check refarr-count 1 "ref_array page 0 (offset 0x0): bad reference array count (128, not 127)"
check refarr-newer 1 "ref_array page 1 (offset 0x1000): reference array version 2 is newer than this kernel reads (1)"
check refarr-entry-reserved 1 "ref_array page 1 (offset 0x1000) entry 0: bad reference array entry (reserved 0x7)"
check refarr-entry-order 1 "ref_array page 0 (offset 0x0) entry 0: bad order or address of a referenced list (order 19, first chunk 0x3b000000)"
check kho-page-shift 1 "root /page-shift: root page-shift 16, this kernel's is 12"
check kho-page-shift-missing 1 "root /page-shift: root page-shift -1, this kernel's is 12"
check kho-magic 1 "maps/order-0 chunk 0 offset 0x0: bad magic 0x52534851"
check kho-cycle 1 "maps/order-0: physr chain rejected as the kernel would: ELOOP"
check kho-count 1 "maps/order-0 chunk 1 offset 0x100c: entry count 1000"
check kho-misaligned 1 "maps/order-9 chunk 0 offset 0x20: range 0x50001000+0x200000 not aligned"
check kho-in-scratch 1 "maps/order-9 chunk 0 offset 0x40: range 0x60000000+0x200000 overlaps scratch area 0"
check kho-overlap 1 "maps/order-9: range 0x40000000 overlaps 0x40000000+0x1000 of order 0"
check kho-chunk-newer 1 "maps/order-9 chunk 0 offset 0x4: physr chunk version 3 is newer than this kernel reads (2)"
check kho-chunk-version 1 "maps/order-9 chunk 0 offset 0x4: physr chunk version 0 is not one this kernel reads (2)"
# Packed chunks (physr chunk version 2): valid chunks, refused in the maps.
check kho-maps-packed 1 "maps/order-9 chunk 0 offset 0x4: packed physr chunk in a preserved-memory list, which is version 1 only (1 of 1 chunks packed)"
check kho-maps-packed-mixed 1 "maps/order-0 chunk 1 offset 0x1004: packed physr chunk in a preserved-memory list, which is version 1 only (1 of 2 chunks packed)"
check kho-packed-count 1 "maps/order-0 chunk 0 offset 0xc: entry count 509 (1 to 508, packed)"
check kho-count-v1 1 "maps/order-0 chunk 0 offset 0xc: entry count 255 (1 to 254)"
check array-packed 1 "entry array rejected: 1 of its page list's chunks are packed (physr chunk version 2), an array's are version 1 only"
check valid-out-v4-packed 0 "referenced lists (preserved as they are, now): 3, 4 chunks, 2 packed (physr chunk version 2)"
check out-maps-packed-count 1 "maps line 2: 3 of 2 chunks packed"
check kho-chain-beyond 1 "maps/order-0: the chain leads to a chunk that is not among the 2 pages saved"
check kho-range-zero 1 "maps/order-9 chunk 0 offset 0x28: range 0 has length 0"
check kho-root-header 1 "root offset 0x0: not a valid FDT header"
check kho-scratch 1 "scratch offset 0x0: area 0x0+0x0 empty"
check luo-magic 1 "blobs/liveupdate offset 0x0: live update state of unknown format (magic 0x314f554d version 2)"
check luo-version 1 "blobs/liveupdate offset 0x4: live update state version 3 is newer than this kernel reads (2)"
check luo-release-nul 1 "blobs/liveupdate offset 0x28: live update state v2: bad kernel release"
check luo-release-empty 1 "blobs/liveupdate offset 0x28: live update state v2: bad kernel release"
check luo-count 1 "blobs/liveupdate offset 0x10: 2 sessions but array handle 0x0"
check luo-compatible 1 'blobs/liveupdate: compatible "linux,luo-v7" is not a version'
check luo-file-range 1 'luo/sessions record 0 offset 0x40: session "vm": files 0+1000, not the next 0 of 3'
check luo-dup-name 1 'luo/sessions: session name "vm" twice'
check luo-nr-versions 1 'luo/files record 1 offset 0x70: session "vm" file 1: compatible not NUL-terminated, 0 versions'
check luo-dup-token 1 'luo/files: session "vm": token 1 twice'
check luo-name-nul 1 'luo/sessions record 0 offset 0x0: name empty or not NUL-terminated'
check luo-state-count 1 'blobs/liveupdate: the state says 2 sessions and 2 files, the records 2 and 3'
check array-newer 1 "luo/arrays files offset 0x2c: preserved array of version 3, this kernel reads 1 to 2"
check array-per-page-zero 1 "luo/arrays sessions offset 0xc: per_page 0, not 1 to 51"
check array-per-page-big 1 "luo/arrays files offset 0x34: per_page 37, not 1 to 36"
check array-per-page-count 1 "luo/arrays sessions offset 0x10: 2 elements, 1 a page, do not take 1 pages"
check array-v1-reserved 1 "luo/arrays sessions offset 0xc: version 1 with per_page 0x33, not 0 (reserved)"
check array-state-count 1 "luo/arrays sessions offset 0x10: array sizes disagree with the state: 1 sessions, the state says 2"
check valid-in 0 'v2 record: 352 bytes at 0x33000000: memfd "memfd:guest", size 4202496, seals 0x0, mode 0600, 4 folios, 1026 pages (4202496 bytes), 4 entries'
check valid-in 0 "entry array (luo_array v2): 4 entries; its physr list: 1 range, 4096 bytes, 1 chunk"
check valid-out 0 'memfd "memfd:guest", size 4202496'
check valid-in-v1 0 "entry array (luo_array v1): 4 entries; its physr list: 1 range, 4096 bytes, 1 chunk"
check memfd-magic 1 "luo/records offset 0x0 (file 0 token 1 v2): malformed record header (v2): offset 0x0: magic 0x6466656d4f554c01, not 0x6466656d4f554c00"
check memfd-count 1 "memfd:guest: malformed v2 entries: the entries hold 1026 pages in 4 folios, the header says 1027 and 4"
check memfd-array 1 "entry array rejected: 0x35001000 has magic 0x52534850, not an array header"
check memfd-range 1 "memfd:guest: malformed v2 entries: entry 3: pages 1026 to 1027, beyond the file's 1026"
check memfd-order 1 "memfd:guest: entry 0: a folio of order 11, the new file holds at most order 9"
check memfd-phys 1 "memfd:guest: v2 entries name memory not handed over as such: entry 3: 0x80000 is not a folio of order 0 in the KHO maps"
check memfd-bigorder 1 "memfd:guest: entry 0: a folio of order 10, the new file holds at most order 9"
check memfd-reserved 1 "malformed record header (v2): offset 0x50: reserved 0x0 0x123456789, not zero"
check memfd-version 1 "malformed record header (v2): offset 0x8: version 1, LUO's file record says 2"
check memfd-elems-missing 1 "entry array rejected: element page 0x35002000 was not exported"
check memfd-overlap 1 "memfd:guest: v2 entries name memory not handed over as such: two entries name the same memory"
check memfd-token 1 "luo/records offset 0x0: file 0 token 7 version 0, luo/files has token 1 and 2 versions (read at different times?)"
check memfd-name 1 'malformed record header (v2): offset 0x4c: a name of 5 bytes that is not "memfd:..." of that length'
check valid-in 0 "v1 record: 72 bytes at 0x36000000: iommufd, 1 IOAS, 1 HWPT, 1 area (4194304 bytes mapped), 1 device (0000:00:04.0)"
check valid-in 0 "area array (luo_array v2): 1 entry; its physr list: 1 range, 4096 bytes, 1 chunk"
check valid-in 0 "v1 record: 128 bytes at 0x37000000: vfio-pci 0000:00:04.0 [1234:11e8], device 3 on HWPT 2 of IOAS 1, IOMMU domain handle 0x38000000, iommufd token 2"
check iommufd-magic 1 "(file 1 token 2 v1): malformed record header: offset 0x0: magic 0x64666f694f554c01, not 0x64666f694f554c00"
check iommufd-no-hwpt 1 "malformed record header: 1 IOAS, 0 HWPT (1 to 1024, at least as many as IOAS)"
check iommufd-area-handle 1 "area array: count 1 with handle 0x0"
check iommufd-area-size 1 "area array rejected: elements of 96 bytes (want 104)"
check iommufd-device-chain 1 "device array rejected: its list holds 8192 bytes, not 1 pages"
check vfio-devfn 1 "(file 2 token 3 v1): malformed record: magic 0x696370664f554c00 (0x696370664f554c00), version 1 (1), reserved 0x0, bus 0, devfn 256"

# Regression (found by fuzz_inspect): a text file without NUL or newline
# at its end was read past its end (ASan: heap-buffer-overflow).
printf 'lu-inspect-handover 1\nstatus 3\nabc\n' >"$out/status-nonul.lu"
./lu-inspect-asan "$out/status-nonul.lu" >"$out/status-nonul.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -qF "status: abc" "$out/status-nonul.txt"; then
	ok "a status of 3 bytes without newline is read within its bytes"
else
	nok "status without newline: exit $rc"
	cat "$out/status-nonul.txt"
fi

# A saved file cut anywhere is refused (exit 2) or read, never a crash.
bad=0
size=$(wc -c <"$out/valid-in.lu")
for n in 0 10 22 23 30 100 300 4000 $((size - 1)); do
	head -c "$n" "$out/valid-in.lu" >"$out/cut.lu"
	./lu-inspect-asan "$out/cut.lu" >"$out/cut.txt" 2>&1
	rc=$?
	[ $rc -le 2 ] || { bad=1; echo "# cut at $n: exit $rc"; cat "$out/cut.txt"; }
done
[ $bad -eq 0 ] && ok "truncated saves: refused or read, no crash" || nok "truncated saves"

# save of a directory (a cp -r of debugfs) gives the same report.
python3 - "$out/valid-in.lu" "$out/dir" <<'PY'
import os, sys
data = open(sys.argv[1], 'rb').read()
pos = data.index(b'\n') + 1
while pos < len(data):
    nl = data.index(b'\n', pos)
    name, n = data[pos:nl].decode().rsplit(' ', 1)
    n = int(n)
    path = os.path.join(sys.argv[2], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, 'wb').write(data[nl + 1:nl + 1 + n])
    pos = nl + 2 + n
PY
./lu-inspect-asan save "$out/dir" "$out/resaved.lu" &&
	./lu-inspect-asan "$out/dir" | tail -n +2 >"$out/dir.txt" &&
	./lu-inspect-asan "$out/resaved.lu" | tail -n +2 >"$out/resaved.txt" &&
	./lu-inspect-asan "$out/valid-in.lu" | tail -n +2 >"$out/orig.txt" &&
	cmp -s "$out/dir.txt" "$out/orig.txt" && cmp -s "$out/resaved.txt" "$out/orig.txt" &&
	ok "a directory and its save read as the original" || nok "directory and save round trip"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
