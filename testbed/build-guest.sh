#!/usr/bin/env bash
# Build what the test guest runs, into out/guest/rootfs: busybox, init,
# the kernel image (for kexec from inside the guest), tb-kexec, lu-inspect, the
# harness's own tests and every kselftest folder the plan names, all
# statically linked; then pack it as out/guest/rootfs.cpio, to which
# vmtest.py appends the plan of each boot.
#
# Only what changed is redone: a file is copied when its content differs,
# a program is compiled when it is older than its sources or the UAPI
# headers, a kselftest folder is made when a file in it (or the selftest
# framework, or the headers) is newer than its last build, and the archive
# is packed when the root changed. Programs whose source is gone are
# removed from the root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$GUEST/rootfs
hdrs=$KBUILD/.testbed-headers
mkdir -p "$root"/{bin,usr/bin,boot,proc,sys,dev,tmp,testbed/state,tests/testbed,tests/kselftest}

# Copy $1 to $2 if their contents differ (keeps $2's time otherwise).
sync_file() { cmp -s "$1" "$2" || cp -f "$1" "$2"; }

file /bin/busybox | grep -q 'statically linked' || die "/bin/busybox is not static (install busybox-static)"
sync_file /bin/busybox "$root/bin/busybox"
[ -L "$root/bin/sh" ] || ln -sf busybox "$root/bin/sh"
sync_file "$TOP/testbed/guest/init" "$root/init"
chmod +x "$root/init"
sync_file "$KBUILD/arch/x86/boot/bzImage" "$root/boot/bzImage"
rm -f "$root/testbed/plan"	# the runner appends each boot's own

cc_static() {
	local out=$1
	shift
	say "compiling ${out#"$root"/}"
	gcc -static -O2 -Wall -Werror -D_GNU_SOURCE -isystem "$KBUILD/usr/include" \
		-o "$out" "$@" 2>&1 | srcpaths "$TOP"
}
if newer_than "$root/usr/bin/tb-kexec" "$TOP/testbed/guest/tb-kexec.c" "$hdrs"; then
	cc_static "$root/usr/bin/tb-kexec" "$TOP/testbed/guest/tb-kexec.c"
fi
# lu-inspect (tools/liveupdate), with lib/physr's chain check and
# mm/memfd_luo_check.c compiled in.
lui=$TOP/tools/liveupdate
if newer_than "$root/usr/bin/lu-inspect" "$lui/lu-inspect.c" "$lui/lu-inspect.h" \
	"$lui/memfd_check.c" "$lui/memfd_check.h" "$lui/Makefile" \
	"$TOP/mm/memfd_luo_check.c" "$TOP/mm/memfd_luo_check.h" \
	"$TOP/lib/physr/physr.c" "$TOP"/include/linux/physr*.h \
	"$TOP/include/linux/kexec_handover_abi.h" "$TOP/include/linux/luo_abi.h" \
	"$TOP/include/linux/memfd_luo_abi.h" "$TOP/include/linux/iommufd_lu_abi.h" \
	"$TOP/include/linux/vfio_pci_lu_abi.h" \
	"$TOP"/tools/testing/physr/include/linux "$TOP"/tools/testing/physr/lu/*.h; then
	# Not cc_static: the physr shims' linux/types.h must not meet the
	# UAPI headers, which _GNU_SOURCE would pull in through sys/stat.h.
	say "compiling usr/bin/lu-inspect"
	make -s -C "$lui" STATIC=1 OUT="$root/usr/bin/lu-inspect" \
		"$root/usr/bin/lu-inspect" 2>&1 | srcpaths "$lui"
fi
# The testbed tests link the one library of the live update selftests.
lulib=$SRC/tools/testing/selftests/liveupdate/lib
lulib_o=$GUEST/libliveupdate.o
if newer_than "$lulib_o" "$lulib" "$SRC/tools/testing/selftests/kselftest.h" "$hdrs"; then
	say "compiling ${lulib#"$SRC"/}/libliveupdate.c"
	gcc -O2 -Wall -Werror -D_GNU_SOURCE -isystem "$KBUILD/usr/include" \
		-c -o "$lulib_o" "$lulib/libliveupdate.c" 2>&1 | srcpaths "$SRC"
fi
for c in "$TOP"/testbed/tests/*.c; do
	[ -e "$c" ] || continue
	b=$(basename "$c" .c)
	if newer_than "$root/tests/testbed/$b" "$c" "$TOP"/testbed/tests/*.h "$lulib_o" "$hdrs"; then
		cc_static "$root/tests/testbed/$b" -I"$lulib" "$c" "$lulib_o"
	fi
done
for s in "$TOP"/testbed/tests/*.sh; do
	[ -e "$s" ] || continue
	sync_file "$s" "$root/tests/testbed/$(basename "$s" .sh)"
	chmod +x "$root/tests/testbed/$(basename "$s" .sh)"
done
for b in "$root"/tests/testbed/*; do
	[ -e "$b" ] || continue
	if [ ! -f "$TOP/testbed/tests/$(basename "$b").c" ] &&
		[ ! -f "$TOP/testbed/tests/$(basename "$b").sh" ]; then
		say "removing ${b#"$root"/}: its source is gone"
		rm -f "$b"
	fi
done

# RDMA userspace (issue 15): Debian's rdma-core programs, unmodified and
# dynamically linked, copied from the host with the libraries they need
# (ldd), the verbs providers that libibverbs dlopen()s and their
# /etc/libibverbs.d/*.driver files (only rxe and siw: the guest has no
# other RDMA device); plus our own verbs program, built against the host's
# libibverbs. Packed into the initramfs rather than shared over virtio-9p:
# the guest stays one self-contained archive that kexec carries along
# (every stage of a test sees the same files), and the kernel needs no 9p.
rdma_bins="/usr/bin/rping /usr/bin/ibv_rc_pingpong /usr/bin/ibv_devinfo /usr/bin/ibv_devices
	/usr/bin/ib_write_bw /usr/bin/ib_read_bw /usr/bin/rdma"
rdma_provs="rxe siw"
provdir=/usr/lib/x86_64-linux-gnu/libibverbs
# Copy host file $1 (the content it links to) under the root, by its own
# name (a library's soname) in the real path of its folder (Debian's /lib
# is a link to usr/lib).
sync_host() {
	local dst
	dst=$root$(realpath "$(dirname "$1")")/$(basename "$1")
	mkdir -p "$(dirname "$dst")"
	sync_file "$(realpath "$1")" "$dst"
}
rdma_objs=""
for b in $rdma_bins; do
	[ -x "$b" ] || die "$b is missing (make deps installs rdma-core and its tools)"
	rdma_objs="$rdma_objs $b"
done
for p in $rdma_provs; do
	if [ ! -f "/etc/libibverbs.d/$p.driver" ] || [ ! -f "$provdir/lib$p-rdmav34.so" ]; then
		die "the $p verbs provider is missing (install ibverbs-providers)"
	fi
	mkdir -p "$root/etc/libibverbs.d"
	sync_file "/etc/libibverbs.d/$p.driver" "$root/etc/libibverbs.d/$p.driver"
	rdma_objs="$rdma_objs $provdir/lib$p-rdmav34.so"
done
# libgcc_s: glibc dlopen()s it for pthread_exit() and cancellation, which
# librdmacm's threads use; ldd cannot see that.
rdma_objs="$rdma_objs /lib/x86_64-linux-gnu/libgcc_s.so.1"
for f in $rdma_objs; do
	sync_host "$f"
	# shellcheck disable=SC2046 # one path per word
	for lib in $(ldd "$f" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		sync_host "$lib"
	done
done
# The program loader at the path every binary names.
mkdir -p "$root/lib64"
sync_file "$(realpath /lib64/ld-linux-x86-64.so.2)" "$root/lib64/ld-linux-x86-64.so.2"
mkdir -p "$root/usr/libexec/testbed"
for c in "$TOP"/testbed/rdma/*.c; do
	[ -e "$c" ] || continue
	b=$(basename "$c" .c)
	# the kernel's UAPI headers: VFIO's cdev and dma-buf export
	if newer_than "$root/usr/libexec/testbed/$b" "$c" "$hdrs"; then
		say "compiling usr/libexec/testbed/$b (dynamic, libibverbs)"
		gcc -O2 -Wall -Werror -D_GNU_SOURCE -isystem "$KBUILD/usr/include" \
			-o "$root/usr/libexec/testbed/$b" "$c" \
			-libverbs -lrdmacm 2>&1 | srcpaths "$TOP"
	fi
done
for s in "$TOP"/testbed/rdma/*.sh; do
	[ -e "$s" ] || continue
	sync_file "$s" "$root/usr/libexec/testbed/$(basename "$s" .sh)"
	chmod +x "$root/usr/libexec/testbed/$(basename "$s" .sh)"
done

# kselftest folders named by the plan ("kselftest DIR/BINARY").
selftests=$SRC/tools/testing/selftests
dirs=$(awk '$1 == "kselftest" { sub("/[^/]*$", "", $2); print $2 }' "$PLAN" | sort -u)
for dir in $dirs; do
	outdir=$root/tests/kselftest/$dir
	stamp=$outdir/.testbed-built
	[ -d "$selftests/$dir" ] || die "${PLAN#"$TOP"/} names kselftest folder $dir, which is not in $selftests"
	mkdir -p "$outdir"
	if newer_than "$stamp" "$selftests/$dir" "$selftests/lib.mk" "$selftests"/kselftest*.h \
		"$selftests/../../include" "$hdrs"; then
		say "building kselftests: $dir"
		touch "$stamp.new"
		make -s -C "$selftests/$dir" \
			OUTPUT="$outdir" \
			KHDR_INCLUDES="-isystem $KBUILD/usr/include" \
			USERLDFLAGS=-static all 2>&1 | srcpaths "$selftests/$dir"
		mv "$stamp.new" "$stamp"
	fi
	# A program whose source left the folder (and its Makefile) is stale.
	for b in "$outdir"/*; do
		[ -f "$b" ] && [ -x "$b" ] || continue
		n=$(basename "$b")
		if [ ! -f "$selftests/$dir/$n.c" ] && ! grep -qw -- "$n" "$selftests/$dir/Makefile" 2>/dev/null; then
			say "removing ${b#"$root"/}: its source is gone"
			rm -f "$b"
		fi
	done
done
for d in "$root"/tests/kselftest/*/; do
	[ -d "$d" ] || continue
	n=$(basename "$d")
	if ! grep -qx "$n" <<<"$dirs"; then
		say "removing tests/kselftest/$n: no longer in the plan"
		rm -rf "$d"
	fi
done

cpio=$GUEST/rootfs.cpio
if newer_than "$cpio" "$root"; then
	(cd "$root" && find . ! -name '.testbed-built*' | LC_ALL=C sort |
		cpio --quiet -o -H newc) >"$cpio.new"
	mv "$cpio.new" "$cpio"
	say "guest root: $(du -sh "$root" | cut -f1) in ${root#"$TOP"/}, packed into ${cpio#"$TOP"/}"
fi
