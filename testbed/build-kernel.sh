#!/usr/bin/env bash
# Configure and build the patched kernel in out/build (make O=).
#
# The configuration is `make allnoconfig` with testbed/kernel.config as
# the forced fragment. Every option the fragment names is then checked in
# the resulting .config: an option that Kconfig dropped (a missing
# dependency, a typo) fails the build instead of silently testing less.
#
# KBUILD=<dir> KCONFIG_EXTRA=<fragment> builds a variant in its own object
# tree, with <fragment> merged after kernel.config (make check-debug: the
# sanitizer kernel, testbed/kernel-debug.config, in out/build-debug).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mkdir -p "$KBUILD"
frag=$TOP/testbed/kernel.config
if [ -n "${KCONFIG_EXTRA:-}" ]; then
	cat "$frag" "$KCONFIG_EXTRA" >"$KBUILD/.testbed-fragment"
	frag=$KBUILD/.testbed-fragment
fi
kmake() { make -s -C "$SRC" O="$KBUILD" CC="ccache gcc" LOCALVERSION= "$@"; }

# Reconfigure only when the fragment or the Kconfig inputs changed, so an
# unchanged tree keeps its .config (and its timestamps).
cfg_id=$( { cat "$frag"; git -C "$SRC" rev-parse HEAD;
	cd "$TOP" && find $OVERLAY_DIRS -name 'Kconfig*' -type f -exec cat {} + 2>/dev/null || true; } |
	sha256sum | cut -c1-16)
if [ ! -f "$KBUILD/.config" ] || [ "$(cat "$KBUILD/.testbed-config" 2>/dev/null)" != "$cfg_id" ]; then
	say "configuring: allnoconfig + testbed/kernel.config"
	kmake KCONFIG_ALLCONFIG="$frag" allnoconfig
	echo "$cfg_id" >"$KBUILD/.testbed-config"
fi

missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qxF "$line" "$KBUILD/.config"; then
			got=$(grep -E "^(# )?${line%%=*}[= ]" "$KBUILD/.config" || echo "absent")
			say "config: wanted $line, got: $got"
			missing=1
		fi
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		if grep -q "^$sym=" "$KBUILD/.config"; then
			say "config: wanted $sym unset, but it is set"
			missing=1
		fi
		;;
	esac
done <"$frag"
[ "$missing" = 0 ] || die "kernel config does not have what testbed/kernel.config asks for"

say "building Linux $(kmake kernelversion)$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"/\1/p' "$KBUILD/.config") (make -j$JOBS)"
start=$(date +%s)
kmake -j"$JOBS" bzImage
kmake -j"$JOBS" headers
say "kernel built in $(($(date +%s) - start)) s: $KBUILD/arch/x86/boot/bzImage"
