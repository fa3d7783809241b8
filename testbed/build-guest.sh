#!/usr/bin/env bash
# Build what the test guest runs, into out/guest/rootfs: busybox, init,
# the kernel image (for kexec from inside the guest), tb-kexec, the
# harness's own tests and every kselftest folder the plan names, all
# statically linked. testbed/run.sh adds the plan and packs the initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$OUT/guest/rootfs
mkdir -p "$root"/{bin,usr/bin,boot,proc,sys,dev,tmp,testbed/state,tests/testbed,tests/kselftest}
cp -f /bin/busybox "$root/bin/busybox"
file "$root/bin/busybox" | grep -q 'statically linked' || die "/bin/busybox is not static (install busybox-static)"
ln -sf busybox "$root/bin/sh"
cp -f "$TOP/testbed/guest/init" "$root/init"
cp -f "$KBUILD/arch/x86/boot/bzImage" "$root/boot/bzImage"

cc_static() { gcc -static -O2 -Wall -Werror -D_GNU_SOURCE -isystem "$KBUILD/usr/include" "$@"; }
cc_static -o "$root/usr/bin/tb-kexec" "$TOP/testbed/guest/tb-kexec.c"
for c in "$TOP"/testbed/tests/*.c; do
	[ -e "$c" ] || continue
	b=$(basename "$c" .c)
	cc_static -o "$root/tests/testbed/$b" "$c"
done

# kselftest folders named by the plan ("kselftest DIR/BINARY").
for dir in $(awk '$1 == "kselftest" { sub("/[^/]*$", "", $2); print $2 }' "$TOP/testbed/plan" | sort -u); do
	say "building kselftests: $dir"
	mkdir -p "$root/tests/kselftest/$dir"
	make -s -C "$SRC/tools/testing/selftests/$dir" \
		OUTPUT="$root/tests/kselftest/$dir" \
		KHDR_INCLUDES="-isystem $KBUILD/usr/include" \
		USERLDFLAGS=-static all
done
say "guest root: $(du -sh "$root" | cut -f1) in $root"
