#!/usr/bin/env bash
# Static checks of the kernel overlay, one result per file, ending with
# "N passed, N failed" (a userspace suite of make check; needs make build):
#
# - kernel-doc: scripts/kernel-doc -Wall -none on every new .c and .h file
#   of the overlay; any warning fails the file.
# - header: every new header under include/linux compiled alone, as the
#   first and only include of an empty file, with the flags Kbuild used for
#   lib/physr/physr.o (6.12's header-test-y does the same for its headers),
#   so that a header that relies on an include of its users fails here.
#   Headers with a stub for a configuration option are compiled once more
#   with that option undefined (NOCONFIG below).
# - uapi: every new header under include/uapi compiled alone in userspace
#   against the installed UAPI headers, as 6.12's usr/include test does.
#
# FILES=... limits the run to some of the repository's paths.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"

[ -d "$SRC/scripts" ] && [ -f "$KBUILD/lib/physr/.physr.o.cmd" ] ||
	die "run make build first ($SRC, $KBUILD)"

# Header: options whose "off" stub is compiled too.
declare -A NOCONFIG=(
	[include/linux/dma-buf-physr.h]=CONFIG_DMA_SHARED_BUFFER
	[include/linux/liveupdate.h]=CONFIG_LIVEUPDATE
	[include/linux/kexec_handover.h]=CONFIG_KEXEC_HANDOVER
	[include/linux/iommu-lu.h]=CONFIG_IOMMU_LIVEUPDATE
	[include/linux/iommufd-lu.h]=CONFIG_IOMMUFD
)

pass=0 fail=0
result() {	# ok|fail NAME [LOG]
	if [ "$1" = ok ]; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2"
		[ -s "${3:-/dev/null}" ] && sed 's/^/#   /' "$3"
		fail=$((fail + 1))
	fi
}

cd "$TOP" || exit 1
files=${FILES:-$(git ls-files -- arch drivers include kernel lib mm | grep '\.[ch]$')}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# kernel-doc on the copies in out/linux, named as in the repository.
for f in $files; do
	(cd "$SRC" && perl scripts/kernel-doc -Wall -none "$f") >"$tmp/log" 2>&1
	if [ -s "$tmp/log" ]; then result fail "kernel-doc $f" "$tmp/log"
	else result ok "kernel-doc $f"; fi
done

# The compiler command of a real object, without its dependency file,
# output and source: the kernel's flags for this configuration.
kcmd=$(sed -n 's/^savedcmd_[^ ]* := //p' "$KBUILD/lib/physr/.physr.o.cmd" |
	sed -e 's/-Wp,-MMD,[^ ]*//' -e 's/ -c -o .*$//')
[ -n "$kcmd" ] || die "no compiler command in $KBUILD/lib/physr/.physr.o.cmd"

compile_alone() {	# HEADER [OPTION-TO-UNDEFINE]
	local inc=${1#include/}
	{
		[ -n "${2:-}" ] && echo "#undef $2"
		echo "#include <$inc>"
	} >"$tmp/t.c"
	(cd "$KBUILD" && eval "$kcmd -Werror -c -o $tmp/t.o $tmp/t.c") >"$tmp/log" 2>&1
}

for f in $files; do
	case "$f" in
	include/uapi/*.h)
		gcc -std=c90 -Wall -Werror -fsyntax-only -isystem "$KBUILD/usr/include" \
			-include "$KBUILD/usr/include/${f#include/uapi/}" -x c /dev/null \
			>"$tmp/log" 2>&1
		if [ -s "$tmp/log" ]; then result fail "uapi $f alone" "$tmp/log"
		else result ok "uapi $f alone"; fi
		;;
	include/*.h)
		if compile_alone "$f"; then result ok "header $f alone"
		else result fail "header $f alone" "$tmp/log"; fi
		opt=${NOCONFIG[$f]:-}
		[ -n "$opt" ] || continue
		if compile_alone "$f" "$opt"; then result ok "header $f alone, $opt off"
		else result fail "header $f alone, $opt off" "$tmp/log"; fi
		;;
	esac
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
